//! The routing decision: from what a dialled string reaches and where the
//! callee's devices are registered, what the call does. Pure: the engine
//! carries the decision out. Forwarding, voicemail and ring group
//! strategies add decisions here, not special cases in the engine.

use std::net::SocketAddr;
use std::time::Duration;

use domain::{Binding, Disposition};
use sip::StatusCode;

use crate::dialplan::Target;
use crate::transport::Kind;

/// One place to ring: a registered contact of one device.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fork {
    pub device: domain::DeviceId,
    /// The Request-URI: the contact as registered.
    pub contact: String,
    /// Where the REGISTER came from: requests go there, so phones behind
    /// NAT are reached.
    pub peer: SocketAddr,
    pub kind: Kind,
}

/// What to do with a new call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Decision {
    /// Ring every fork at once for `ring`; the first to answer wins.
    Ring { forks: Vec<Fork>, ring: Duration },
    /// Refuse the call with this status; the record gets `disposition`.
    Reject {
        status: StatusCode,
        disposition: Disposition,
        cause: &'static str,
    },
}

/// Decides a call to `target`, given each of its devices' live bindings.
/// The `caller`'s own device is never rung (a user calling their own
/// extension from one phone does not ring that phone).
pub fn decide<'a>(
    target: &Target,
    caller: Option<domain::DeviceId>,
    bindings: impl Fn(domain::DeviceId) -> Vec<&'a Binding>,
) -> Decision {
    match target {
        Target::Unknown => Decision::Reject {
            status: StatusCode::NOT_FOUND,
            disposition: Disposition::Failed,
            cause: "no such extension",
        },
        Target::Unavailable { .. } => Decision::Reject {
            status: StatusCode::TEMPORARILY_UNAVAILABLE,
            disposition: Disposition::Failed,
            cause: "extension not reachable by calls yet",
        },
        Target::Devices { devices, ring, .. } => {
            let mut forks = Vec::new();
            for d in devices.iter().filter(|d| Some(**d) != caller) {
                for b in bindings(*d) {
                    let Some(fork) = fork_of(b) else { continue };
                    // Two bindings reached the same way ring one phone.
                    if !forks
                        .iter()
                        .any(|f: &Fork| f.peer == fork.peer && f.contact == fork.contact)
                    {
                        forks.push(fork);
                    }
                }
            }
            if forks.is_empty() {
                Decision::Reject {
                    status: StatusCode::TEMPORARILY_UNAVAILABLE,
                    disposition: Disposition::Missed,
                    cause: "not registered",
                }
            } else {
                Decision::Ring { forks, ring: *ring }
            }
        }
    }
}

fn fork_of(b: &Binding) -> Option<Fork> {
    let kind = match b.transport.as_str() {
        "udp" => Kind::Udp,
        "tcp" => Kind::Tcp,
        "tls" => Kind::Tls,
        "ws" => Kind::Ws,
        "wss" => Kind::Wss,
        _ => return None,
    };
    Some(Fork {
        device: b.device,
        contact: b.contact.clone(),
        peer: b.source.parse().ok()?,
        kind,
    })
}

/// The status a caller hears when every fork failed, from their final
/// statuses (RFC 3261 §16.7 step 6, simplified): busy wins, then the
/// lowest class.
pub fn best_failure(statuses: &[StatusCode]) -> (StatusCode, Disposition, &'static str) {
    let busy = statuses
        .iter()
        .any(|s| matches!(s.as_u16(), 486 | 600 | 603));
    if busy {
        return (StatusCode::BUSY_HERE, Disposition::Busy, "busy");
    }
    let worst_server = statuses.iter().all(|s| s.as_u16() >= 500);
    if worst_server && !statuses.is_empty() {
        return (
            StatusCode::TEMPORARILY_UNAVAILABLE,
            Disposition::Failed,
            "callee error",
        );
    }
    (
        StatusCode::TEMPORARILY_UNAVAILABLE,
        Disposition::Missed,
        "no answer",
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dialplan::Party;
    use domain::{AccountId, DeviceId, UnixMillis};

    fn binding(device: i64, contact: &str, source: &str, transport: &str) -> Binding {
        Binding {
            device: DeviceId::from_raw(device),
            account: AccountId::from_raw(1),
            contact: contact.into(),
            instance: None,
            source: source.into(),
            transport: transport.into(),
            call_id: "c".into(),
            cseq: 1,
            q_millis: 1000,
            user_agent: None,
            expires_at: UnixMillis::from_millis(10_000),
            updated_at: UnixMillis::from_millis(0),
        }
    }

    fn user(devices: &[i64]) -> Target {
        Target::Devices {
            party: Party {
                extension: None,
                name: "Bob".into(),
                number: "202".into(),
            },
            user: None,
            devices: devices.iter().map(|d| DeviceId::from_raw(*d)).collect(),
            ring: Duration::from_secs(5),
        }
    }

    #[test]
    fn every_binding_of_every_device_rings() {
        let b = [
            binding(1, "sip:a@10.0.0.1:5060", "192.0.2.1:4000", "udp"),
            binding(2, "sip:b@10.0.0.2:5060", "192.0.2.2:4000", "tcp"),
            binding(2, "sip:c@10.0.0.3:5060", "192.0.2.3:4000", "udp"),
        ];
        let d = decide(&user(&[1, 2]), None, |dev| {
            b.iter().filter(|x| x.device == dev).collect()
        });
        let Decision::Ring { forks, ring } = d else {
            panic!("{d:?}")
        };
        assert_eq!(ring, Duration::from_secs(5));
        assert_eq!(forks.len(), 3);
        assert_eq!(forks[1].kind, Kind::Tcp);
        assert_eq!(forks[2].peer, "192.0.2.3:4000".parse().unwrap());
    }

    #[test]
    fn nobody_registered_is_480_and_missed() {
        let d = decide(&user(&[1]), None, |_| Vec::new());
        assert_eq!(
            d,
            Decision::Reject {
                status: StatusCode::TEMPORARILY_UNAVAILABLE,
                disposition: Disposition::Missed,
                cause: "not registered"
            }
        );
        let d = decide(&Target::Unknown, None, |_| Vec::new());
        assert!(matches!(d, Decision::Reject { status, .. } if status == StatusCode::NOT_FOUND));
    }

    #[test]
    fn the_calling_device_does_not_ring_itself() {
        let b = [
            binding(1, "sip:a@10.0.0.1:5060", "192.0.2.1:4000", "udp"),
            binding(2, "sip:b@10.0.0.2:5060", "192.0.2.2:4000", "udp"),
        ];
        let d = decide(&user(&[1, 2]), Some(DeviceId::from_raw(1)), |dev| {
            b.iter().filter(|x| x.device == dev).collect()
        });
        let Decision::Ring { forks, .. } = d else {
            panic!("{d:?}")
        };
        assert_eq!(forks.len(), 1);
        assert_eq!(forks[0].device, DeviceId::from_raw(2));
    }

    #[test]
    fn busy_wins_over_other_failures() {
        let s = |c| StatusCode::new(c).unwrap();
        assert_eq!(best_failure(&[s(480), s(486)]).0, StatusCode::BUSY_HERE);
        assert_eq!(best_failure(&[s(408)]).1, Disposition::Missed);
        assert_eq!(best_failure(&[s(503)]).1, Disposition::Failed);
    }
}
