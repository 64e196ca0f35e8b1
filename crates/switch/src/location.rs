//! The location service: where each device can be reached right now.
//!
//! Kept in memory by the SIP task that owns it (no locks on the hot path)
//! and written behind to storage as [`BindingChange`]s, so registrations
//! survive a restart: at start-up the live bindings are loaded back.
//!
//! A refresh that changes nothing but the expiry is only written when the
//! stored copy would cover less than half of the new interval: a phone
//! refreshing every few minutes costs a write every other refresh at
//! most, and the stored binding never lapses while the phone keeps
//! refreshing.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};

use domain::{Binding, BindingChange, DeviceId, UnixMillis};

/// Whether `new` only moves the expiry (and the CSeq) of `old`.
fn is_refresh(old: &Binding, new: &Binding) -> bool {
    old.instance == new.instance
        && old.source == new.source
        && old.transport == new.transport
        && old.call_id == new.call_id
        && old.q_millis == new.q_millis
        && old.user_agent == new.user_agent
}

/// Whether the stored expiry still covers half of `new`'s interval.
fn covers_half(stored: UnixMillis, new: &Binding) -> bool {
    let interval = new.expires_at.millis() - new.updated_at.millis();
    stored.millis() - new.updated_at.millis() >= interval / 2
}

/// Live bindings by device.
#[derive(Debug, Default)]
pub struct Location {
    by_device: HashMap<DeviceId, Vec<Binding>>,
    /// The expiry of each binding as last written to storage.
    stored: HashMap<(DeviceId, String), UnixMillis>,
    /// How many bindings were registered from each address.
    sources: HashMap<IpAddr, u32>,
}

fn source_ip(b: &Binding) -> Option<IpAddr> {
    b.source.parse::<SocketAddr>().ok().map(|a| a.ip())
}

fn count(sources: &mut HashMap<IpAddr, u32>, b: &Binding, up: bool) {
    let Some(ip) = source_ip(b) else { return };
    if up {
        *sources.entry(ip).or_default() += 1;
    } else if let Some(n) = sources.get_mut(&ip) {
        *n -= 1;
        if *n == 0 {
            sources.remove(&ip);
        }
    }
}

impl Location {
    /// Rebuilds the service from stored bindings.
    pub fn load(bindings: Vec<Binding>) -> Self {
        let mut by_device: HashMap<DeviceId, Vec<Binding>> = HashMap::new();
        let mut stored = HashMap::new();
        let mut sources = HashMap::new();
        for b in bindings {
            stored.insert((b.device, b.contact.clone()), b.expires_at);
            count(&mut sources, &b, true);
            by_device.entry(b.device).or_default().push(b);
        }
        Self {
            by_device,
            stored,
            sources,
        }
    }

    /// Whether some device is registered from `ip` (requests from
    /// anywhere else that do not authenticate are not phones of ours).
    pub fn knows_address(&self, ip: IpAddr) -> bool {
        self.sources.contains_key(&ip)
    }

    /// The device's bindings (possibly some already expired: callers filter
    /// with `now`, or call [`Location::expire`] first).
    pub fn bindings(&self, device: DeviceId) -> &[Binding] {
        self.by_device.get(&device).map_or(&[], Vec::as_slice)
    }

    /// The device's bindings still valid at `now`, best q-value first.
    pub fn live(&self, device: DeviceId, now: UnixMillis) -> Vec<&Binding> {
        let mut v: Vec<&Binding> = self
            .bindings(device)
            .iter()
            .filter(|b| b.expires_at > now)
            .collect();
        v.sort_by_key(|b| std::cmp::Reverse(b.q_millis));
        v
    }

    /// Replaces a device's bindings with the registrar's decision and
    /// returns the changes to store.
    pub fn replace(&mut self, device: DeviceId, new: Vec<Binding>) -> Vec<BindingChange> {
        let old = self.by_device.remove(&device).unwrap_or_default();
        for o in &old {
            count(&mut self.sources, o, false);
        }
        for n in &new {
            count(&mut self.sources, n, true);
        }
        let mut changes: Vec<BindingChange> = old
            .iter()
            .filter(|o| !new.iter().any(|n| n.contact == o.contact))
            .map(|o| BindingChange::Remove {
                device,
                contact: o.contact.clone(),
            })
            .collect();
        for o in &old {
            if !new.iter().any(|n| n.contact == o.contact) {
                self.stored.remove(&(device, o.contact.clone()));
            }
        }
        for n in &new {
            let key = (device, n.contact.clone());
            let stored = self.stored.get(&key).copied();
            let unchanged = match (old.iter().find(|o| o.contact == n.contact), stored) {
                (Some(o), _) if o == n => true,
                (Some(o), Some(at)) => is_refresh(o, n) && covers_half(at, n),
                _ => false,
            };
            if !unchanged {
                self.stored.insert(key, n.expires_at);
                changes.push(BindingChange::Save(n.clone()));
            }
        }
        if !new.is_empty() {
            self.by_device.insert(device, new);
        }
        changes
    }

    /// Drops every binding expired at `now`; returns the changes to store.
    pub fn expire(&mut self, now: UnixMillis) -> Vec<BindingChange> {
        let mut changes = Vec::new();
        let stored = &mut self.stored;
        let sources = &mut self.sources;
        self.by_device.retain(|device, list| {
            list.retain(|b| {
                let keep = b.expires_at > now;
                if !keep {
                    count(sources, b, false);
                    stored.remove(&(*device, b.contact.clone()));
                    changes.push(BindingChange::Remove {
                        device: *device,
                        contact: b.contact.clone(),
                    });
                }
                keep
            });
            !list.is_empty()
        });
        changes
    }

    /// How many bindings are held, for metrics.
    pub fn len(&self) -> usize {
        self.by_device.values().map(Vec::len).sum()
    }

    /// True when no device is registered.
    pub fn is_empty(&self) -> bool {
        self.by_device.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::AccountId;

    fn b(device: i64, contact: &str, expires: i64, q: u16) -> Binding {
        Binding {
            device: DeviceId::from_raw(device),
            account: AccountId::from_raw(1),
            contact: contact.into(),
            instance: None,
            source: "127.0.0.1:5062".into(),
            transport: "udp".into(),
            call_id: "c".into(),
            cseq: 1,
            q_millis: q,
            user_agent: None,
            expires_at: UnixMillis::from_millis(expires),
            updated_at: UnixMillis::from_millis(0),
        }
    }

    #[test]
    fn replacing_bindings_yields_only_the_differences() {
        let d = DeviceId::from_raw(1);
        let mut loc = Location::load(vec![b(1, "sip:a@h", 100, 1000), b(1, "sip:b@h", 100, 1000)]);
        let changes = loc.replace(
            d,
            vec![b(1, "sip:a@h", 100, 1000), b(1, "sip:c@h", 100, 1000)],
        );
        assert_eq!(
            changes,
            vec![
                BindingChange::Remove {
                    device: d,
                    contact: "sip:b@h".into()
                },
                BindingChange::Save(b(1, "sip:c@h", 100, 1000)),
            ]
        );
        assert!(loc.replace(d, vec![]).len() == 2 && loc.is_empty());
    }

    #[test]
    fn a_refresh_is_written_only_when_the_stored_copy_covers_less_than_half() {
        let d = DeviceId::from_raw(1);
        let at = |updated: i64, expires: i64, cseq: u32| Binding {
            updated_at: UnixMillis::from_millis(updated),
            cseq,
            ..b(1, "sip:a@h", expires, 1000)
        };
        let mut loc = Location::default();
        assert_eq!(loc.replace(d, vec![at(0, 1000, 1)]).len(), 1);
        // Refreshed at 100 for 1000 more: the stored 1000 covers 900 of
        // it, more than half; nothing to write.
        assert!(loc.replace(d, vec![at(100, 1100, 2)]).is_empty());
        assert_eq!(loc.bindings(d)[0].expires_at, UnixMillis::from_millis(1100));
        // At 600 the stored copy covers 400 of 1000: written.
        assert_eq!(loc.replace(d, vec![at(600, 1600, 3)]).len(), 1);
        // A changed source (NAT rebinding) is always written.
        let mut moved = at(650, 1650, 4);
        moved.source = "192.0.2.9:5060".into();
        assert_eq!(loc.replace(d, vec![moved]).len(), 1);
    }

    #[test]
    fn expiry_removes_old_bindings_and_reports_them() {
        let mut loc = Location::load(vec![b(1, "sip:a@h", 100, 1000), b(2, "sip:b@h", 300, 1000)]);
        let changes = loc.expire(UnixMillis::from_millis(200));
        assert_eq!(
            changes,
            vec![BindingChange::Remove {
                device: DeviceId::from_raw(1),
                contact: "sip:a@h".into()
            }]
        );
        assert_eq!(loc.len(), 1);
    }

    #[test]
    fn live_bindings_come_best_q_first() {
        let loc = Location::load(vec![
            b(1, "sip:low@h", 100, 500),
            b(1, "sip:high@h", 100, 1000),
            b(1, "sip:old@h", 10, 1000),
        ]);
        let live: Vec<_> = loc
            .live(DeviceId::from_raw(1), UnixMillis::from_millis(50))
            .iter()
            .map(|b| b.contact.as_str())
            .collect();
        assert_eq!(live, vec!["sip:high@h", "sip:low@h"]);
    }
}
