//! Message waiting (RFC 3842 over RFC 6665), sans-IO: the phones'
//! `message-summary` subscriptions, the NOTIFY requests that light or put
//! out their lamp, and what the switch does with the answers.
//!
//! A subscription is a dialog the switch holds as notifier: the device's
//! SUBSCRIBE made it (see `crate::endpoint`), refreshes move its expiry,
//! and every NOTIFY goes inside it with `Subscription-State`. A device that
//! never subscribed gets its NOTIFY out of any dialog ("unsolicited", as
//! most desk phones accept) at each live binding. The counts themselves
//! come from storage through the shell; this module only writes the
//! requests and keeps the state. Time (`UnixMillis` for expiries) and
//! randomness (tags, branches, Call-IDs) are passed in.

use std::collections::HashMap;

use domain::{AccountId, Binding, DeviceId, MessageCounts, SipUsername, UnixMillis, UserId};
use sip::transaction::{Event, Peer, TransactionKey};
use sip::{Request, StatusCode};

use crate::transport::Kind;

mod message;

use message::{Ids, in_dialog, kind_of, unsolicited};
pub use message::{contact, summary};

/// The only event package the switch serves (RFC 3842 §3).
pub const EVENT: &str = "message-summary";

/// The body type of a message summary (RFC 3842 §5).
pub const CONTENT_TYPE: &str = "application/simple-message-summary";

/// The longest subscription granted, in seconds (and the default when the
/// SUBSCRIBE has no Expires).
pub const MAX_EXPIRES: u32 = 3600;

/// The shortest subscription granted, in seconds: a shorter ask is
/// stretched to this rather than refused with 423.
pub const MIN_EXPIRES: u32 = 60;

/// The user part of the mailbox account NOTIFYs name: what a user dials
/// to reach their own mailbox.
pub const MAILBOX_USER: &str = "*97";

/// Subscriptions one device may hold; a new one beyond replaces its
/// oldest, so a phone that forgets its dialogs cannot fill the switch.
pub const MAX_PER_DEVICE: usize = 8;

/// How long a subscription ended with `Expires: 0` waits for its counts
/// (and so its final NOTIFY) before it is dropped anyway.
const ENDING_GRACE_MS: i64 = 32_000;

/// The device a mailbox look-up is for, and what the NOTIFY needs of it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MwiDevice {
    pub device: DeviceId,
    pub account: AccountId,
    /// The user whose mailbox the device shows; `None`: no mailbox (the
    /// lamp is off, `0/0`).
    pub user: Option<UserId>,
    /// The device's SIP username, for the To of an unsolicited NOTIFY.
    pub username: SipUsername,
}

/// Why a device's mailbox counts are read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Occasion {
    /// A SUBSCRIBE made or refreshed a subscription.
    Subscribed,
    /// The device got a new binding.
    Registered,
    /// The user's mailbox changed.
    MailboxChanged,
}

/// The time granted for a subscription asked for `asked` seconds (RFC
/// 6665 §4.2.1.1): `0` ends it; otherwise between [`MIN_EXPIRES`] and
/// [`MAX_EXPIRES`], the latter when nothing was asked.
pub fn granted(asked: Option<u32>) -> u32 {
    match asked {
        Some(0) => 0,
        Some(n) => n.clamp(MIN_EXPIRES, MAX_EXPIRES),
        None => MAX_EXPIRES,
    }
}

/// Whether an `Event` header value names the message-summary package
/// (RFC 6665 §8.2.1: the package token, then parameters).
pub fn is_message_summary(event: &str) -> bool {
    event
        .split(';')
        .next()
        .is_some_and(|t| t.trim().eq_ignore_ascii_case(EVENT))
}

/// What the dialog of a new subscription is made of, read from its
/// SUBSCRIBE.
#[derive(Clone, Debug)]
pub struct NewSubscription {
    pub device: MwiDevice,
    pub call_id: String,
    /// The switch's tag, put in the 200's To.
    pub local_tag: String,
    /// The SUBSCRIBE's To, without tag: the NOTIFY's From.
    pub local_uri: String,
    /// The SUBSCRIBE's From, with the subscriber's tag: the NOTIFY's To.
    pub remote: String,
    /// The subscriber's Contact URI: the NOTIFY's Request-URI.
    pub target: String,
    /// Where the SUBSCRIBE came from: NOTIFYs go back there.
    pub peer: Peer,
    pub kind: Kind,
}

/// One live subscription.
#[derive(Clone, Debug)]
struct Subscription {
    dialog: NewSubscription,
    expires_at: UnixMillis,
    /// The CSeq of the switch's last NOTIFY in the dialog.
    cseq: u32,
    /// Unsubscribed: the next NOTIFY is the last one.
    ending: bool,
    /// What the last NOTIFY said.
    told: Option<MessageCounts>,
}

/// What a NOTIFY in flight was.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Sent {
    InDialog(u64),
    Unsolicited,
}

/// Every subscription, and the NOTIFYs waiting for their answer.
#[derive(Debug)]
pub struct Subscriptions {
    subs: HashMap<u64, Subscription>,
    by_dialog: HashMap<(String, String), u64>,
    /// Each device's subscriptions, oldest first.
    by_device: HashMap<DeviceId, Vec<u64>>,
    pending: HashMap<TransactionKey, Sent>,
    /// Devices that were last told, out of dialog, that messages wait: at
    /// their next registration they are told again even when nothing
    /// waits any more, so a lamp left on while the phone was away goes
    /// out.
    lit: HashMap<DeviceId, MessageCounts>,
    next_id: u64,
    rng: u64,
}

impl Default for Subscriptions {
    fn default() -> Self {
        Self {
            subs: HashMap::new(),
            by_dialog: HashMap::new(),
            by_device: HashMap::new(),
            pending: HashMap::new(),
            lit: HashMap::new(),
            next_id: 1,
            rng: 0x6A09_E667_F3BC_C908,
        }
    }
}

impl Subscriptions {
    /// Mixes fresh randomness into the generator of tags and branches.
    pub fn seed(&mut self, random: u64) {
        self.rng ^= random;
    }

    /// How many subscriptions are live.
    pub fn len(&self) -> usize {
        self.subs.len()
    }

    /// Whether no subscription is live.
    pub fn is_empty(&self) -> bool {
        self.subs.is_empty()
    }

    /// Whether the device holds at least one subscription.
    pub fn is_subscribed(&self, device: DeviceId) -> bool {
        self.by_device.contains_key(&device)
    }

    /// Whether the device was last told out of dialog that messages wait.
    pub fn was_lit(&self, device: DeviceId) -> bool {
        self.lit.contains_key(&device)
    }

    /// Starts a subscription granted `expires` seconds (`0`: a fetch, ended
    /// by its first NOTIFY); returns its id.
    pub fn insert(&mut self, now: UnixMillis, dialog: NewSubscription, expires: u32) -> u64 {
        let held = self.ids_of(dialog.device.device);
        if held.len() >= MAX_PER_DEVICE {
            for id in &held[..=held.len() - MAX_PER_DEVICE] {
                self.remove(*id);
            }
        }
        let id = self.next_id;
        self.next_id += 1;
        self.by_device
            .entry(dialog.device.device)
            .or_default()
            .push(id);
        self.by_dialog
            .insert((dialog.call_id.clone(), dialog.local_tag.clone()), id);
        let mut sub = Subscription {
            dialog,
            expires_at: now,
            cseq: 0,
            ending: false,
            told: None,
        };
        set_expiry(&mut sub, now, expires);
        self.subs.insert(id, sub);
        id
    }

    /// The subscription of the dialog with this Call-ID and switch tag.
    pub fn find(&self, call_id: &str, local_tag: &str) -> Option<u64> {
        self.by_dialog
            .get(&(call_id.to_owned(), local_tag.to_owned()))
            .copied()
    }

    /// The device a subscription is for.
    pub fn device(&self, id: u64) -> Option<&MwiDevice> {
        self.subs.get(&id).map(|s| &s.dialog.device)
    }

    /// Refreshes a subscription for `expires` seconds (`0`: unsubscribe,
    /// the next NOTIFY being the last).
    pub fn refresh(&mut self, now: UnixMillis, id: u64, expires: u32) {
        if let Some(sub) = self.subs.get_mut(&id) {
            set_expiry(sub, now, expires);
        }
    }

    /// Forgets the subscriptions whose time ran out (RFC 6665 §4.2.2: the
    /// subscriber did not refresh; no final NOTIFY is owed).
    pub fn expire(&mut self, now: UnixMillis) {
        let gone: Vec<u64> = self
            .subs
            .iter()
            .filter(|(_, s)| s.expires_at <= now)
            .map(|(id, _)| *id)
            .collect();
        for id in gone {
            self.remove(id);
        }
    }

    /// The NOTIFYs telling the device about `counts`: one in each of its
    /// subscriptions (with `changes_only`, only those last told
    /// something else); when it has none, one unsolicited to each of
    /// `bindings`. Each goes out through `send`, which gives back the
    /// client transaction (or `None` when it could not start). Ending
    /// subscriptions get their final NOTIFY and are forgotten.
    pub fn notify(
        &mut self,
        now: UnixMillis,
        device: &MwiDevice,
        (counts, changes_only): (MessageCounts, bool),
        out: &Outgoing<'_>,
        bindings: &[&Binding],
        mut send: impl FnMut(Request, Peer) -> Option<TransactionKey>,
    ) {
        let body = summary(counts, out.domain);
        let ids = self.ids_of(device.device);
        if ids.is_empty() {
            if !bindings.is_empty() {
                if counts == MessageCounts::default() {
                    self.lit.remove(&device.device);
                } else {
                    self.lit.insert(device.device, counts);
                }
            }
            for b in bindings {
                let Some(kind) = kind_of(&b.transport) else {
                    continue;
                };
                let Ok(addr) = b.source.parse() else { continue };
                let branch = self.token();
                let (call_id, tag) = (self.token(), self.token());
                let sent_by = (out.sent_by)(kind);
                let Some(request) = unsolicited(
                    &b.contact,
                    &device.username,
                    out.domain,
                    &sent_by,
                    kind,
                    &Ids {
                        branch: &branch,
                        call_id: &call_id,
                        tag: &tag,
                    },
                    &body,
                ) else {
                    continue;
                };
                let peer = Peer {
                    addr,
                    reliable: kind.is_reliable(),
                    conn: None,
                };
                if let Some(key) = send(request, peer) {
                    self.pending.insert(key, Sent::Unsolicited);
                }
            }
            return;
        }
        for id in ids {
            let branch = self.token();
            let sub = self.subs.get_mut(&id).expect("listed above");
            if changes_only && !sub.ending && sub.told == Some(counts) {
                // The phone knows already.
                continue;
            }
            sub.told = Some(counts);
            sub.cseq += 1;
            let state = if sub.ending {
                "terminated;reason=timeout".to_owned()
            } else {
                // Rounded up: the first NOTIFY shows the time granted.
                let left = (sub.expires_at.millis() - now.millis() + 999).max(0) / 1000;
                format!("active;expires={left}")
            };
            let sent_by = (out.sent_by)(sub.dialog.kind);
            let request = in_dialog(sub, &sent_by, &branch, &state, &body);
            let ending = sub.ending;
            let peer = sub.dialog.peer.clone();
            if let Some(request) = request
                && let Some(key) = send(request, peer)
            {
                self.pending.insert(key, Sent::InDialog(id));
            }
            if ending {
                self.remove(id);
            }
        }
    }

    /// Takes the transaction layer's event when it answers one of the
    /// NOTIFYs; gives it back otherwise. A subscriber answering 481 or
    /// 408, or not reachable, loses its subscription (RFC 6665 §4.2.2);
    /// the answers to unsolicited NOTIFYs (often 489, 405 or 501 from a
    /// phone that does not take them) are ignored.
    pub fn handle_event(&mut self, event: Event) -> Option<Event> {
        let (key, dropped) = match &event {
            Event::Response { key, response } => {
                if response.status.as_u16() < 200 {
                    let ours = self.pending.contains_key(key);
                    return if ours { None } else { Some(event) };
                }
                let s = response.status;
                (
                    key,
                    s == StatusCode::CALL_DOES_NOT_EXIST || s == StatusCode::REQUEST_TIMEOUT,
                )
            }
            Event::Timeout { key } | Event::TransportError { key } => (key, true),
            _ => return Some(event),
        };
        match self.pending.remove(key) {
            None => Some(event),
            Some(Sent::InDialog(id)) => {
                if dropped {
                    tracing::info!(subscription = id, "message-summary subscription dropped");
                    self.remove(id);
                }
                None
            }
            Some(Sent::Unsolicited) => None,
        }
    }

    /// The device's subscriptions, oldest first.
    fn ids_of(&self, device: DeviceId) -> Vec<u64> {
        self.by_device.get(&device).cloned().unwrap_or_default()
    }

    fn remove(&mut self, id: u64) {
        let Some(s) = self.subs.remove(&id) else {
            return;
        };
        self.by_dialog
            .remove(&(s.dialog.call_id, s.dialog.local_tag));
        let device = s.dialog.device.device;
        if let Some(ids) = self.by_device.get_mut(&device) {
            ids.retain(|i| *i != id);
            if ids.is_empty() {
                self.by_device.remove(&device);
            }
        }
    }

    fn token(&mut self) -> String {
        format!("{:016x}", crate::splitmix64(&mut self.rng))
    }
}

/// What every NOTIFY the switch writes shares: its domain, and its Via
/// sent-by on each transport.
pub struct Outgoing<'a> {
    pub domain: &'a str,
    pub sent_by: &'a dyn Fn(Kind) -> String,
}

fn set_expiry(sub: &mut Subscription, now: UnixMillis, expires: u32) {
    if expires == 0 {
        sub.ending = true;
        sub.expires_at = UnixMillis::from_millis(now.millis() + ENDING_GRACE_MS);
    } else {
        sub.ending = false;
        sub.expires_at = UnixMillis::from_millis(now.millis() + i64::from(expires) * 1000);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn granted_time_is_clamped_between_a_minute_and_an_hour() {
        assert_eq!(granted(None), 3600);
        assert_eq!(granted(Some(0)), 0);
        assert_eq!(granted(Some(1)), 60);
        assert_eq!(granted(Some(1800)), 1800);
        assert_eq!(granted(Some(86_400)), 3600);
    }

    fn dialog(device: i64, call_id: &str) -> NewSubscription {
        NewSubscription {
            device: MwiDevice {
                device: DeviceId::from_raw(device),
                account: AccountId::from_raw(1),
                user: None,
                username: SipUsername::parse("dev1").unwrap(),
            },
            call_id: call_id.into(),
            local_tag: "t".into(),
            local_uri: "<sip:dev1@pbx>".into(),
            remote: "<sip:dev1@pbx>;tag=r".into(),
            target: "sip:dev1@127.0.0.1:5070".into(),
            peer: Peer {
                addr: "127.0.0.1:5070".parse().unwrap(),
                reliable: false,
                conn: None,
            },
            kind: Kind::Udp,
        }
    }

    #[test]
    fn a_device_beyond_its_cap_loses_its_oldest_subscription() {
        let mut subs = Subscriptions::default();
        let now = UnixMillis::from_millis(0);
        subs.insert(now, dialog(2, "other"), 600);
        for i in 0..MAX_PER_DEVICE + 1 {
            subs.insert(now, dialog(1, &format!("c{i}")), 600);
        }
        assert_eq!(subs.len(), MAX_PER_DEVICE + 1);
        assert!(subs.find("c0", "t").is_none());
        assert!(subs.find("c1", "t").is_some());
        assert!(subs.find("other", "t").is_some());
    }

    #[test]
    fn a_subscription_ends_when_its_time_runs_out() {
        let mut subs = Subscriptions::default();
        subs.insert(UnixMillis::from_millis(0), dialog(1, "c"), 60);
        subs.expire(UnixMillis::from_millis(59_999));
        assert!(subs.is_subscribed(DeviceId::from_raw(1)));
        subs.expire(UnixMillis::from_millis(60_000));
        assert!(subs.is_empty());
    }

    #[test]
    fn the_event_package_is_read_without_its_parameters() {
        assert!(is_message_summary("message-summary"));
        assert!(is_message_summary(" Message-Summary ;id=1"));
        assert!(!is_message_summary("presence"));
        assert!(!is_message_summary("message-summary-x"));
    }
}
