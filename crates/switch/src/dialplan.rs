//! What a dialled string reaches inside an account, and who a calling
//! device is, read from storage and cached in front of it so that call
//! set-up costs no database round trip once an extension has been called.
//! Entries live `ttl`: a changed ring time or a new device is seen within
//! that time.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use domain::{
    AccountId, AccountStatus, DeviceId, Dialled, E164, ExtensionKind, ExtensionNumber, Language,
    RingStrategy, User, UserId,
};
use storage::{StorageError, Store};

use crate::directory::DeviceCredentials;

/// One side of a call as the call log and the other party see it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Party {
    pub extension: Option<ExtensionNumber>,
    /// Shown as the display name.
    pub name: String,
    /// The number written in the call record: the extension for a person
    /// of the account, else the device's SIP username; for a party on the
    /// public network, its number.
    pub number: String,
    /// The number the public network sees for this party: a user's chosen
    /// caller ID, else the account's main number; an outside caller's own
    /// number.
    pub public: Option<E164>,
}

/// Where a dialled string leads.
// Targets live behind an `Arc` in the cache: their size is not copied.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// Ring these devices together for `ring`, unless the user forwards
    /// their calls.
    Devices {
        party: Party,
        user: Option<UserId>,
        devices: Vec<DeviceId>,
        ring: Duration,
        forward: Option<Forward>,
        /// The user's mailbox, which takes the call nobody answered.
        voicemail: Option<VoicemailBox>,
    },
    /// The mailbox menu (`*97`: the caller's own, `*98` + extension).
    Mailbox(VoicemailBox),
    /// A ring group's members (SPEC T5), each with their devices.
    Group {
        party: Party,
        strategy: RingStrategy,
        /// All at once, or each member in turn.
        ring: Duration,
        members: Vec<Member>,
    },
    /// A number of the public network (or an emergency service): out
    /// through the trunks.
    Public { party: Party, dialled: Dialled },
    /// An extension of a kind calls do not reach yet (conference, virtual
    /// receptionist).
    Unavailable { party: Party, kind: ExtensionKind },
    /// Nothing of the account answers to it.
    Unknown,
}

impl Target {
    /// Who the target is, for the record and the far end (`None` for a
    /// mailbox code and for nothing).
    pub fn party(&self) -> Option<&Party> {
        match self {
            Target::Devices { party, .. }
            | Target::Group { party, .. }
            | Target::Public { party, .. }
            | Target::Unavailable { party, .. } => Some(party),
            Target::Mailbox(_) | Target::Unknown => None,
        }
    }
}

/// A user's mailbox as calls need it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VoicemailBox {
    pub account: AccountId,
    pub user: UserId,
    pub extension: ExtensionNumber,
    /// Whether the user takes messages (SPEC U6); off, callers hear that
    /// nobody can take the call.
    pub enabled: bool,
    /// The prompts' language (the account's).
    pub language: Language,
}

/// The code for one's own mailbox.
pub const OWN_MAILBOX: &str = "*97";
/// The code before an extension for its mailbox.
pub const OTHER_MAILBOX: &str = "*98";

/// A member of a ring group.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Member {
    pub party: Party,
    pub devices: Vec<DeviceId>,
}

/// A user's call forwarding as routing needs it (SPEC T8, U7).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Forward {
    pub to: ForwardTo,
    /// The user's own devices ring too.
    pub simultaneous: bool,
    /// The forwarded party must press 1 to take the call.
    pub key_press: bool,
    /// The forwarding user's public number, for the Diversion header.
    pub by: Option<E164>,
    /// The prompts' language.
    pub language: Language,
}

/// Where forwarded calls go.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ForwardTo {
    /// A number of the same account: its user's devices.
    Devices {
        party: Party,
        devices: Vec<DeviceId>,
    },
    /// Out through the trunks.
    Public(Dialled),
}

/// A call from the public network to a number of the installation.
#[derive(Clone, Debug)]
pub struct InboundRoute {
    pub account: AccountId,
    /// The number called.
    pub number: E164,
    pub target: Arc<Target>,
}

/// The caller and the callee of a new call.
#[derive(Clone, Debug)]
pub struct Resolution {
    pub caller: Arc<Party>,
    pub target: Arc<Target>,
}

type Entry<T> = (Instant, Arc<T>);

/// The cache. Bounded: past `MAX_ENTRIES` a map is cleared.
#[derive(Debug)]
pub struct Dialplan {
    store: Store,
    ttl: Duration,
    targets: Mutex<HashMap<(AccountId, String), Entry<Target>>>,
    callers: Mutex<HashMap<DeviceId, Entry<Party>>>,
    inbound: Mutex<HashMap<E164, Entry<Option<InboundRoute>>>>,
}

const MAX_ENTRIES: usize = 100_000;

/// How long a user's phones ring when the user has no setting (never in
/// practice: every user has one).
const DEFAULT_RING: Duration = Duration::from_secs(25);

impl Dialplan {
    pub fn new(store: Store, ttl: Duration) -> Self {
        Self {
            store,
            ttl,
            targets: Mutex::new(HashMap::new()),
            callers: Mutex::new(HashMap::new()),
            inbound: Mutex::new(HashMap::new()),
        }
    }

    /// The cached answer for a call from the public network to `number`.
    pub fn cached_inbound(&self, number: &E164, now: Instant) -> Option<Option<InboundRoute>> {
        let map = self.inbound.lock().expect("dialplan lock is not poisoned");
        let (at, i) = map.get(number)?;
        (now.duration_since(*at) < self.ttl).then(|| (**i).clone())
    }

    /// What a call from the public network to `number` reaches: `None`
    /// when no active account holds the number.
    pub async fn resolve_inbound(
        &self,
        number: &E164,
    ) -> Result<Option<InboundRoute>, StorageError> {
        let found = match self.store.number(number).await? {
            Some(n) => match n.account {
                Some(account) => {
                    let scope = self.store.account(account);
                    let active = scope.details().await?.status == AccountStatus::Active;
                    let target = match n.target {
                        Some(ext) if active => {
                            let ext = scope.extension(ext).await?;
                            self.extension_target(account, ext).await?
                        }
                        _ => Target::Unknown,
                    };
                    active.then(|| InboundRoute {
                        account,
                        number: number.clone(),
                        target: Arc::new(target),
                    })
                }
                None => None,
            },
            None => None,
        };
        let mut map = self.inbound.lock().expect("dialplan lock is not poisoned");
        if map.len() >= MAX_ENTRIES {
            map.clear();
        }
        map.insert(number.clone(), (Instant::now(), Arc::new(found.clone())));
        Ok(found)
    }

    /// The cached answer for a call from `device` to `dialed`, if both
    /// halves are fresh.
    pub fn cached(
        &self,
        device: &DeviceCredentials,
        dialed: &str,
        now: Instant,
    ) -> Option<Resolution> {
        if dialed.starts_with('*') {
            // The mailbox codes depend on who dials: never shared.
            return None;
        }
        let caller = {
            let callers = self.callers.lock().expect("dialplan lock is not poisoned");
            let (at, p) = callers.get(&device.device)?;
            (now.duration_since(*at) < self.ttl).then(|| p.clone())?
        };
        let target = {
            let targets = self.targets.lock().expect("dialplan lock is not poisoned");
            let (at, t) = targets.get(&(device.account, dialed.to_owned()))?;
            (now.duration_since(*at) < self.ttl).then(|| t.clone())?
        };
        Some(Resolution { caller, target })
    }

    /// Reads both halves from storage and caches them.
    pub async fn resolve(
        &self,
        device: &DeviceCredentials,
        dialed: &str,
    ) -> Result<Resolution, StorageError> {
        let caller = Arc::new(self.caller(device).await?);
        if let Some(target) = self.mailbox_code(device, dialed).await? {
            return Ok(Resolution {
                caller,
                target: Arc::new(target),
            });
        }
        let target = Arc::new(self.target(device.account, dialed).await?);
        let now = Instant::now();
        {
            let mut callers = self.callers.lock().expect("dialplan lock is not poisoned");
            if callers.len() >= MAX_ENTRIES {
                callers.clear();
            }
            callers.insert(device.device, (now, caller.clone()));
        }
        {
            let mut targets = self.targets.lock().expect("dialplan lock is not poisoned");
            if targets.len() >= MAX_ENTRIES {
                targets.clear();
            }
            targets.insert((device.account, dialed.to_owned()), (now, target.clone()));
        }
        Ok(Resolution { caller, target })
    }

    /// What `dialed` reaches in `account`, read now (a call back from the
    /// mailbox).
    pub async fn target_of(
        &self,
        account: AccountId,
        dialed: &str,
    ) -> Result<Target, StorageError> {
        self.target(account, dialed).await
    }

    /// `*97` (the calling device's user's mailbox) and `*98` + extension
    /// (that user's); `None` for anything else.
    async fn mailbox_code(
        &self,
        device: &DeviceCredentials,
        dialed: &str,
    ) -> Result<Option<Target>, StorageError> {
        let scope = self.store.account(device.account);
        let user = if dialed == OWN_MAILBOX {
            match device.user {
                Some(u) => scope.user(u).await?,
                None => return Ok(Some(Target::Unknown)),
            }
        } else if let Some(rest) = dialed.strip_prefix(OTHER_MAILBOX) {
            let Ok(number) = ExtensionNumber::parse(rest) else {
                return Ok(Some(Target::Unknown));
            };
            match scope.user_by_extension(&number).await? {
                Some(u) => u,
                None => return Ok(Some(Target::Unknown)),
            }
        } else {
            return Ok(None);
        };
        let language = scope.details().await?.language;
        Ok(Some(Target::Mailbox(VoicemailBox {
            account: device.account,
            user: user.id,
            extension: user.extension_number.clone(),
            enabled: user.voicemail.enabled,
            language,
        })))
    }

    async fn caller(&self, device: &DeviceCredentials) -> Result<Party, StorageError> {
        let scope = self.store.account(device.account);
        let main = scope.details().await?.main_number;
        if let Some(user) = device.user {
            let u = scope.user(user).await?;
            return Ok(Party {
                public: Some(u.caller_id.clone().unwrap_or(main)),
                ..user_party(&u)
            });
        }
        Ok(Party {
            extension: None,
            name: device.username.as_str().to_owned(),
            number: device.username.as_str().to_owned(),
            public: Some(main),
        })
    }

    async fn target(&self, account: AccountId, dialed: &str) -> Result<Target, StorageError> {
        let scope = self.store.account(account);
        match Dialled::parse(dialed) {
            Ok(Dialled::Extension(number)) => {
                return match scope.extension_by_number(&number).await? {
                    Some(ext) => self.extension_target(account, ext).await,
                    None => Ok(Target::Unknown),
                };
            }
            Ok(dialled) => {
                let public = match &dialled {
                    Dialled::Public(n) => Some(n.clone()),
                    _ => None,
                };
                return Ok(Target::Public {
                    party: Party {
                        extension: None,
                        name: String::new(),
                        number: dialled.as_text().to_owned(),
                        public,
                    },
                    dialled,
                });
            }
            Err(_) => {}
        }
        // A device of the account dialled by its SIP username.
        let Ok(username) = domain::SipUsername::parse(dialed) else {
            return Ok(Target::Unknown);
        };
        match self.store.device_by_sip_username(&username).await? {
            Some(d) if d.account == account => {
                let extension = match d.user {
                    Some(u) => Some(scope.user(u).await?.extension_number),
                    None => None,
                };
                let number = extension
                    .as_ref()
                    .map_or_else(|| dialed.to_owned(), |e| e.as_str().to_owned());
                Ok(Target::Devices {
                    party: Party {
                        extension,
                        name: d.label.clone(),
                        number,
                        public: None,
                    },
                    user: d.user,
                    devices: vec![d.id],
                    ring: DEFAULT_RING,
                    forward: None,
                    voicemail: None,
                })
            }
            _ => Ok(Target::Unknown),
        }
    }

    /// What an extension of the account reaches.
    async fn extension_target(
        &self,
        account: AccountId,
        ext: domain::Extension,
    ) -> Result<Target, StorageError> {
        let scope = self.store.account(account);
        let party = Party {
            extension: Some(ext.number.clone()),
            name: ext.name.clone(),
            number: ext.number.as_str().to_owned(),
            public: None,
        };
        match ext.kind {
            ExtensionKind::User => {
                let Some(user) = scope.user_by_extension(&ext.number).await? else {
                    return Ok(Target::Unknown);
                };
                self.user_target(account, user, party).await
            }
            ExtensionKind::RingGroup => {
                let group = scope.ring_group(ext.id).await?;
                let users = scope.users().await?;
                let mut members = Vec::new();
                for member in &group.members {
                    if let Some(user) = users.iter().find(|u| u.extension == *member) {
                        let devices = scope.devices_of(user.id).await?;
                        members.push(Member {
                            party: user_party(user),
                            devices: devices.iter().map(|d| d.id).collect(),
                        });
                    }
                }
                Ok(Target::Group {
                    party,
                    strategy: group.strategy,
                    ring: Duration::from_secs(u64::from(group.ring_seconds)),
                    members,
                })
            }
            kind => Ok(Target::Unavailable { party, kind }),
        }
    }

    /// A user's devices, and their forwarding when it is on.
    async fn user_target(
        &self,
        account: AccountId,
        user: User,
        party: Party,
    ) -> Result<Target, StorageError> {
        let scope = self.store.account(account);
        let devices = scope.devices_of(user.id).await?;
        let details = scope.details().await?;
        let voicemail = Some(VoicemailBox {
            account,
            user: user.id,
            extension: user.extension_number.clone(),
            enabled: user.voicemail.enabled,
            language: details.language,
        });
        let forward = match user.forwarding.number() {
            Some(number) if user.forwarding.enabled() => {
                let to = match self.store.number(number).await? {
                    Some(n) if n.account == Some(account) && n.target.is_some() => {
                        let ext = scope.extension(n.target.expect("checked")).await?;
                        match scope.user_by_extension(&ext.number).await? {
                            Some(u) => ForwardTo::Devices {
                                party: user_party(&u),
                                devices: scope
                                    .devices_of(u.id)
                                    .await?
                                    .iter()
                                    .map(|d| d.id)
                                    .collect(),
                            },
                            None => ForwardTo::Public(Dialled::Public(number.clone())),
                        }
                    }
                    _ => ForwardTo::Public(Dialled::Public(number.clone())),
                };
                let by = match scope.numbers_of(user.extension).await?.into_iter().next() {
                    Some(n) => n,
                    None => user
                        .caller_id
                        .clone()
                        .unwrap_or(details.main_number.clone()),
                };
                Some(Forward {
                    to,
                    simultaneous: user.forwarding.simultaneous(),
                    key_press: user.forwarding.key_press_required(),
                    by: Some(by),
                    language: details.language,
                })
            }
            _ => None,
        };
        Ok(Target::Devices {
            party,
            user: Some(user.id),
            devices: devices.iter().map(|d| d.id).collect(),
            ring: Duration::from_secs(u64::from(user.voicemail.ring_seconds.get())),
            forward,
            voicemail,
        })
    }

    /// What a click-to-call needs: the user as the destination will see
    /// them, their phones and ring time, and what the destination reaches.
    pub async fn originate(
        &self,
        id: u64,
        click: &domain::ClickToCall,
    ) -> Result<crate::calls::Originate, StorageError> {
        let scope = self.store.account(click.account);
        let main = scope.details().await?.main_number;
        let user = scope.user(click.user).await?;
        let devices = scope.devices_of(user.id).await?;
        let target = self
            .target(click.account, click.destination.as_text())
            .await?;
        Ok(crate::calls::Originate {
            id,
            account: click.account,
            user: Arc::new(Party {
                public: Some(user.caller_id.clone().unwrap_or(main)),
                ..user_party(&user)
            }),
            devices: devices.iter().map(|d| d.id).collect(),
            ring: Duration::from_secs(u64::from(user.voicemail.ring_seconds.get())),
            target: Arc::new(target),
        })
    }
}

/// A user of the account as the other party sees them.
fn user_party(user: &User) -> Party {
    Party {
        extension: Some(user.extension_number.clone()),
        name: user.name.clone(),
        number: user.extension_number.as_str().to_owned(),
        public: None,
    }
}
