//! The location service: where each device can be reached right now.
//!
//! Kept in memory by the SIP task that owns it (no locks on the hot path)
//! and written behind to storage as [`BindingChange`]s, so registrations
//! survive a restart: at start-up the live bindings are loaded back.

use std::collections::HashMap;

use domain::{Binding, BindingChange, DeviceId, UnixMillis};

/// Live bindings by device.
#[derive(Debug, Default)]
pub struct Location {
    by_device: HashMap<DeviceId, Vec<Binding>>,
}

impl Location {
    /// Rebuilds the service from stored bindings.
    pub fn load(bindings: Vec<Binding>) -> Self {
        let mut by_device: HashMap<DeviceId, Vec<Binding>> = HashMap::new();
        for b in bindings {
            by_device.entry(b.device).or_default().push(b);
        }
        Self { by_device }
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
        let mut changes: Vec<BindingChange> = old
            .iter()
            .filter(|o| !new.iter().any(|n| n.contact == o.contact))
            .map(|o| BindingChange::Remove {
                device,
                contact: o.contact.clone(),
            })
            .collect();
        changes.extend(
            new.iter()
                .filter(|n| !old.contains(n))
                .cloned()
                .map(BindingChange::Save),
        );
        if !new.is_empty() {
            self.by_device.insert(device, new);
        }
        changes
    }

    /// Drops every binding expired at `now`; returns the changes to store.
    pub fn expire(&mut self, now: UnixMillis) -> Vec<BindingChange> {
        let mut changes = Vec::new();
        self.by_device.retain(|device, list| {
            list.retain(|b| {
                let keep = b.expires_at > now;
                if !keep {
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
