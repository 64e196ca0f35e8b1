//! What a dialled string reaches inside an account, and who a calling
//! device is, read from storage and cached in front of it so that call
//! set-up costs no database round trip once an extension has been called.
//! Entries live `ttl`: a changed ring time or a new device is seen within
//! that time.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use domain::{AccountId, DeviceId, ExtensionKind, ExtensionNumber, UserId};
use storage::{StorageError, Store};

use crate::directory::DeviceCredentials;

/// One side of a call as the call log and the other party see it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Party {
    pub extension: Option<ExtensionNumber>,
    /// Shown as the display name.
    pub name: String,
    /// The number written in the call record: the extension for a person
    /// of the account, else the device's SIP username.
    pub number: String,
}

/// Where a dialled string leads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// Ring these devices together for `ring`.
    Devices {
        party: Party,
        user: Option<UserId>,
        devices: Vec<DeviceId>,
        ring: Duration,
    },
    /// An extension of a kind calls do not reach yet (conference, virtual
    /// receptionist).
    Unavailable { party: Party, kind: ExtensionKind },
    /// Nothing of the account answers to it.
    Unknown,
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
        }
    }

    /// The cached answer for a call from `device` to `dialed`, if both
    /// halves are fresh.
    pub fn cached(
        &self,
        device: &DeviceCredentials,
        dialed: &str,
        now: Instant,
    ) -> Option<Resolution> {
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

    async fn caller(&self, device: &DeviceCredentials) -> Result<Party, StorageError> {
        let scope = self.store.account(device.account);
        if let Some(user) = device.user {
            let u = scope.user(user).await?;
            return Ok(Party {
                number: u.extension_number.as_str().to_owned(),
                extension: Some(u.extension_number),
                name: u.name,
            });
        }
        Ok(Party {
            extension: None,
            name: device.username.as_str().to_owned(),
            number: device.username.as_str().to_owned(),
        })
    }

    async fn target(&self, account: AccountId, dialed: &str) -> Result<Target, StorageError> {
        let scope = self.store.account(account);
        if let Ok(number) = ExtensionNumber::parse(dialed) {
            let Some(ext) = scope.extension_by_number(&number).await? else {
                return Ok(Target::Unknown);
            };
            let party = Party {
                extension: Some(ext.number.clone()),
                name: ext.name.clone(),
                number: ext.number.as_str().to_owned(),
            };
            return match ext.kind {
                ExtensionKind::User => {
                    let Some(user) = scope.user_by_extension(&number).await? else {
                        return Ok(Target::Unknown);
                    };
                    let devices = scope.devices_of(user.id).await?;
                    Ok(Target::Devices {
                        party,
                        user: Some(user.id),
                        devices: devices.iter().map(|d| d.id).collect(),
                        ring: Duration::from_secs(u64::from(user.voicemail.ring_seconds.get())),
                    })
                }
                ExtensionKind::RingGroup => {
                    // Every member's devices at once; the strategies come
                    // with the ring group feature.
                    let group = scope.ring_group(ext.id).await?;
                    let users = scope.users().await?;
                    let mut devices = Vec::new();
                    for member in &group.members {
                        if let Some(user) = users.iter().find(|u| u.extension == *member) {
                            devices.extend(scope.devices_of(user.id).await?.iter().map(|d| d.id));
                        }
                    }
                    Ok(Target::Devices {
                        party,
                        user: None,
                        devices,
                        ring: Duration::from_secs(u64::from(group.ring_seconds)),
                    })
                }
                kind => Ok(Target::Unavailable { party, kind }),
            };
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
                    },
                    user: d.user,
                    devices: vec![d.id],
                    ring: DEFAULT_RING,
                })
            }
            _ => Ok(Target::Unknown),
        }
    }
}
