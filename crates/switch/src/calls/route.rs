//! The routing decision: from what a dialled string reaches, where the
//! callee's devices are registered, which devices are busy and which
//! carriers there are, what the call does. Pure: the engine carries the
//! decision out. A decision is a list of stages tried in order (a ring
//! group's members in turn, the next carrier after a failure); the forks
//! of one stage ring together.

use std::net::SocketAddr;
use std::time::Duration;

use domain::{Binding, DeviceId, Dialled, Disposition, E164, Language, RingStrategy};
use sip::StatusCode;

use crate::dialplan::{ForwardTo, Target};
use crate::transport::Kind;
use crate::trunk::{LiveTrunk, TrunkCredentials};

/// How long an outbound call may ring at the far end.
pub const OUTBOUND_RING: Duration = Duration::from_secs(120);

/// Who a fork reaches.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Dest {
    /// A registered contact of one of the account's devices.
    Device(DeviceId),
    /// A number through a carrier.
    Trunk {
        trunk: domain::TrunkId,
        /// The host of the carrier, for From and P-Asserted-Identity.
        host: String,
        /// The number as the carrier wants it written.
        format: domain::NumberFormat,
        credentials: Option<TrunkCredentials>,
    },
}

/// One place to ring.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fork {
    pub dest: Dest,
    /// The Request-URI: the contact as registered, or the number at the
    /// carrier.
    pub contact: String,
    /// Where requests go: where the REGISTER came from (phones behind NAT
    /// are reached), or the carrier's address.
    pub peer: SocketAddr,
    pub kind: Kind,
    /// The answering party must press 1 before the call is joined.
    pub confirm: Option<Language>,
    /// Set on a forwarded call: the forwarding user's number (Diversion).
    pub diverted_by: Option<E164>,
}

impl Fork {
    /// The device this fork rings, if it rings one.
    pub fn device(&self) -> Option<DeviceId> {
        match self.dest {
            Dest::Device(d) => Some(d),
            Dest::Trunk { .. } => None,
        }
    }
}

/// A set of forks rung together.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stage {
    pub forks: Vec<Fork>,
    pub ring: Duration,
    /// The next stage is only tried when this one failed on the far side
    /// (5xx, no answer from the carrier's server): carrier failover. A
    /// busy or a refusal ends the call.
    pub failover_only: bool,
}

/// What to do with a new call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Decision {
    /// Try these stages in order; the first fork to answer wins.
    Ring(Vec<Stage>),
    /// Refuse the call with this status; the record gets `disposition`.
    Reject {
        status: StatusCode,
        disposition: Disposition,
        cause: &'static str,
    },
}

/// What the decision looks at besides the target.
pub struct Context<'a, B: Fn(DeviceId) -> Vec<&'a Binding>, Y: Fn(DeviceId) -> bool> {
    /// The calling device, never rung by its own call.
    pub caller: Option<DeviceId>,
    /// A device's live bindings.
    pub bindings: B,
    /// Whether a device is in an answered call.
    pub busy: Y,
    /// The carriers, in failover order.
    pub trunks: &'a [LiveTrunk],
}

/// Decides a call to `target`.
pub fn decide<'a, B, Y>(target: &Target, cx: &Context<'a, B, Y>) -> Decision
where
    B: Fn(DeviceId) -> Vec<&'a Binding>,
    Y: Fn(DeviceId) -> bool,
{
    match target {
        Target::Unknown => reject(
            StatusCode::NOT_FOUND,
            Disposition::Failed,
            "no such extension",
        ),
        // The engine answers mailbox calls itself; routing has nothing
        // to ring.
        Target::Mailbox(_) | Target::Unavailable { .. } => reject(
            StatusCode::TEMPORARILY_UNAVAILABLE,
            Disposition::Failed,
            "extension not reachable by calls yet",
        ),
        Target::Public { dialled, .. } => {
            let stages = carrier_stages(dialled, cx.trunks, None, None);
            if stages.is_empty() {
                reject(
                    StatusCode::SERVICE_UNAVAILABLE,
                    Disposition::Failed,
                    "no carrier",
                )
            } else {
                Decision::Ring(stages)
            }
        }
        Target::Devices {
            devices,
            ring,
            forward,
            ..
        } => {
            let own = device_forks(devices, cx);
            let Some(fw) = forward else {
                return if own.is_empty() {
                    reject(
                        StatusCode::TEMPORARILY_UNAVAILABLE,
                        Disposition::Missed,
                        "not registered",
                    )
                } else {
                    Decision::Ring(vec![Stage {
                        forks: own,
                        ring: *ring,
                        failover_only: false,
                    }])
                };
            };
            let confirm = fw.key_press.then_some(fw.language);
            let mut stages = match &fw.to {
                ForwardTo::Devices { devices, .. } => {
                    let mut forks = device_forks(devices, cx);
                    for f in &mut forks {
                        f.confirm = confirm;
                        f.diverted_by = fw.by.clone();
                    }
                    if forks.is_empty() {
                        Vec::new()
                    } else {
                        vec![Stage {
                            forks,
                            ring: *ring,
                            failover_only: false,
                        }]
                    }
                }
                ForwardTo::Public(d) => carrier_stages(d, cx.trunks, confirm, fw.by.clone()),
            };
            if fw.simultaneous {
                // The user's phones ring with the first carrier (or the
                // internal forward); no failover while they ring.
                stages.truncate(1);
                match stages.first_mut() {
                    Some(s) => {
                        s.forks.splice(0..0, own);
                        s.ring = *ring;
                        s.failover_only = false;
                    }
                    None if !own.is_empty() => stages.push(Stage {
                        forks: own,
                        ring: *ring,
                        failover_only: false,
                    }),
                    None => {}
                }
            } else if let Some(s) = stages.first_mut()
                && matches!(fw.to, ForwardTo::Devices { .. })
            {
                s.ring = *ring;
            }
            if stages.is_empty() {
                reject(
                    StatusCode::TEMPORARILY_UNAVAILABLE,
                    Disposition::Missed,
                    "forward number unreachable",
                )
            } else {
                Decision::Ring(stages)
            }
        }
        Target::Group {
            strategy,
            ring,
            members,
            ..
        } => {
            // A member is skipped when none of their phones is registered,
            // or when one of them is in a call.
            let available: Vec<Vec<Fork>> = members
                .iter()
                .filter(|m| !m.devices.iter().any(|d| (cx.busy)(*d)))
                .map(|m| device_forks(&m.devices, cx))
                .filter(|f| !f.is_empty())
                .collect();
            if available.is_empty() {
                return reject(
                    StatusCode::TEMPORARILY_UNAVAILABLE,
                    Disposition::Missed,
                    "no member available",
                );
            }
            let stages = match strategy {
                RingStrategy::Simultaneous => vec![Stage {
                    forks: available.into_iter().flatten().collect(),
                    ring: *ring,
                    failover_only: false,
                }],
                RingStrategy::Sequential => available
                    .into_iter()
                    .map(|forks| Stage {
                        forks,
                        ring: *ring,
                        failover_only: false,
                    })
                    .collect(),
            };
            Decision::Ring(stages)
        }
    }
}

fn reject(status: StatusCode, disposition: Disposition, cause: &'static str) -> Decision {
    Decision::Reject {
        status,
        disposition,
        cause,
    }
}

/// Every registered contact of these devices, each phone once.
fn device_forks<'a, B, Y>(devices: &[DeviceId], cx: &Context<'a, B, Y>) -> Vec<Fork>
where
    B: Fn(DeviceId) -> Vec<&'a Binding>,
    Y: Fn(DeviceId) -> bool,
{
    let mut forks: Vec<Fork> = Vec::new();
    for d in devices.iter().filter(|d| Some(**d) != cx.caller) {
        for b in (cx.bindings)(*d) {
            let Some(fork) = fork_of(b) else { continue };
            // Two bindings reached the same way ring one phone.
            if !forks
                .iter()
                .any(|f| f.peer == fork.peer && f.contact == fork.contact)
            {
                forks.push(fork);
            }
        }
    }
    forks
}

/// One stage per carrier, in failover order.
fn carrier_stages(
    dialled: &Dialled,
    trunks: &[LiveTrunk],
    confirm: Option<Language>,
    diverted_by: Option<E164>,
) -> Vec<Stage> {
    trunks
        .iter()
        .map(|t| {
            let user = match dialled {
                Dialled::Public(n) => t.format.format(n),
                other => other.as_text().to_owned(),
            };
            Stage {
                forks: vec![Fork {
                    dest: Dest::Trunk {
                        trunk: t.id,
                        host: t.host.clone(),
                        format: t.format,
                        credentials: t.credentials.clone(),
                    },
                    contact: format!(
                        "sip:{user}@{}:{}{}",
                        t.host,
                        t.addr.port(),
                        transport_param(t.kind)
                    ),
                    peer: t.addr,
                    kind: t.kind,
                    confirm,
                    diverted_by: diverted_by.clone(),
                }],
                ring: OUTBOUND_RING,
                failover_only: true,
            }
        })
        .collect()
}

fn transport_param(kind: Kind) -> &'static str {
    match kind {
        Kind::Tcp => ";transport=tcp",
        Kind::Tls => ";transport=tls",
        _ => "",
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
        dest: Dest::Device(b.device),
        contact: b.contact.clone(),
        peer: b.source.parse().ok()?,
        kind,
        confirm: None,
        diverted_by: None,
    })
}

/// Whether a failed stage lets the call go on to the next carrier: the
/// carrier's server failed or did not answer (RFC 3261 §16.7 would try
/// the next target on 5xx and 408).
pub fn fails_over(status: StatusCode) -> bool {
    let code = status.as_u16();
    (500..600).contains(&code) || code == 408
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
    use crate::dialplan::{Forward, Member, Party};
    use crate::trunk::LiveTrunk;
    use domain::{AccountId, NumberFormat, TrunkId, UnixMillis};

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

    fn party(n: &str) -> Party {
        Party {
            extension: None,
            name: n.into(),
            number: n.into(),
            public: None,
        }
    }

    fn user(devices: &[i64]) -> Target {
        Target::Devices {
            party: party("202"),
            user: None,
            voicemail: None,
            devices: devices.iter().map(|d| DeviceId::from_raw(*d)).collect(),
            ring: Duration::from_secs(5),
            forward: None,
        }
    }

    fn trunk(id: i64, port: u16, format: NumberFormat) -> LiveTrunk {
        LiveTrunk {
            id: TrunkId::from_raw(id),
            name: format!("t{id}"),
            host: "carrier.test".into(),
            addr: SocketAddr::from(([127, 0, 0, 1], port)),
            kind: Kind::Udp,
            format,
            credentials: None,
            sources: Vec::new(),
        }
    }

    /// One binding per device id, at 192.0.2.<id>.
    fn one_each() -> Vec<Binding> {
        (1..=9)
            .map(|d| {
                binding(
                    d,
                    &format!("sip:d{d}@10.0.0.{d}:5060"),
                    &format!("192.0.2.{d}:4000"),
                    "udp",
                )
            })
            .collect()
    }

    fn run(target: &Target, b: &[Binding], busy: &[i64], trunks: &[LiveTrunk]) -> Decision {
        decide(
            target,
            &Context {
                caller: Some(DeviceId::from_raw(1)),
                bindings: |dev| b.iter().filter(|x| x.device == dev).collect(),
                busy: |d| busy.contains(&d.raw()),
                trunks,
            },
        )
    }

    fn stages(d: Decision) -> Vec<Stage> {
        match d {
            Decision::Ring(s) => s,
            other => panic!("{other:?}"),
        }
    }

    fn devices(s: &Stage) -> Vec<i64> {
        s.forks
            .iter()
            .filter_map(|f| f.device())
            .map(|d| d.raw())
            .collect()
    }

    #[test]
    fn every_binding_of_every_device_rings() {
        let b = [
            binding(2, "sip:a@10.0.0.1:5060", "192.0.2.1:4000", "udp"),
            binding(3, "sip:b@10.0.0.2:5060", "192.0.2.2:4000", "tcp"),
            binding(3, "sip:c@10.0.0.3:5060", "192.0.2.3:4000", "udp"),
        ];
        let s = stages(run(&user(&[2, 3]), &b, &[], &[]));
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].ring, Duration::from_secs(5));
        assert_eq!(s[0].forks.len(), 3);
        assert_eq!(s[0].forks[1].kind, Kind::Tcp);
        assert_eq!(s[0].forks[2].peer, "192.0.2.3:4000".parse().unwrap());
    }

    #[test]
    fn nobody_registered_is_480_and_missed_and_unknown_is_404() {
        let d = run(&user(&[2]), &[], &[], &[]);
        assert_eq!(
            d,
            Decision::Reject {
                status: StatusCode::TEMPORARILY_UNAVAILABLE,
                disposition: Disposition::Missed,
                cause: "not registered"
            }
        );
        let d = run(&Target::Unknown, &[], &[], &[]);
        assert!(matches!(d, Decision::Reject { status, .. } if status == StatusCode::NOT_FOUND));
    }

    #[test]
    fn the_calling_device_does_not_ring_itself() {
        let s = stages(run(&user(&[1, 2]), &one_each(), &[], &[]));
        assert_eq!(devices(&s[0]), [2]);
    }

    fn group(strategy: RingStrategy, members: &[&[i64]]) -> Target {
        Target::Group {
            party: party("600"),
            strategy,
            ring: Duration::from_secs(3),
            members: members
                .iter()
                .map(|m| Member {
                    party: party("m"),
                    devices: m.iter().map(|d| DeviceId::from_raw(*d)).collect(),
                })
                .collect(),
        }
    }

    #[test]
    fn a_simultaneous_group_rings_every_available_member_at_once() {
        let b = one_each();
        let s = stages(run(
            &group(RingStrategy::Simultaneous, &[&[2], &[3, 4], &[5]]),
            &b,
            &[5],
            &[],
        ));
        assert_eq!(s.len(), 1);
        assert_eq!(devices(&s[0]), [2, 3, 4], "member 5 is busy");
        assert_eq!(s[0].ring, Duration::from_secs(3));
    }

    #[test]
    fn a_sequential_group_rings_members_in_turn_skipping_busy_and_unregistered() {
        let b: Vec<Binding> = one_each()
            .into_iter()
            .filter(|x| x.device.raw() != 3)
            .collect();
        let s = stages(run(
            &group(RingStrategy::Sequential, &[&[2], &[3], &[4, 5], &[6]]),
            &b,
            &[5],
            &[],
        ));
        // 3 is not registered, member 4+5 has a busy phone.
        assert_eq!(
            s.iter().map(devices).collect::<Vec<_>>(),
            [vec![2], vec![6]]
        );
        assert!(
            s.iter()
                .all(|s| s.ring == Duration::from_secs(3) && !s.failover_only)
        );
        let d = run(&group(RingStrategy::Sequential, &[&[3]]), &b, &[], &[]);
        assert!(matches!(
            d,
            Decision::Reject {
                cause: "no member available",
                ..
            }
        ));
    }

    #[test]
    fn public_numbers_go_to_each_carrier_in_turn_written_its_way() {
        let n = domain::E164::parse("0612345678").unwrap();
        let target = Target::Public {
            party: party("+33612345678"),
            dialled: Dialled::Public(n),
        };
        let trunks = [
            trunk(1, 5091, NumberFormat::E164),
            trunk(2, 5092, NumberFormat::National),
        ];
        let s = stages(run(&target, &[], &[], &trunks));
        assert_eq!(s.len(), 2);
        assert!(s.iter().all(|s| s.failover_only && s.forks.len() == 1));
        assert_eq!(s[0].forks[0].contact, "sip:+33612345678@carrier.test:5091");
        assert_eq!(s[1].forks[0].contact, "sip:0612345678@carrier.test:5092");
        assert_eq!(s[1].forks[0].peer.port(), 5092);
        let emergency = Target::Public {
            party: party("112"),
            dialled: Dialled::Emergency("112"),
        };
        let s = stages(run(&emergency, &[], &[], &trunks));
        assert_eq!(s[0].forks[0].contact, "sip:112@carrier.test:5091");
        let d = run(&emergency, &[], &[], &[]);
        assert!(
            matches!(d, Decision::Reject { status, .. } if status == StatusCode::SERVICE_UNAVAILABLE)
        );
    }

    fn forwarding(simultaneous: bool, key_press: bool) -> Target {
        let Target::Devices {
            party,
            user,
            devices,
            ring,
            ..
        } = user(&[2])
        else {
            unreachable!()
        };
        Target::Devices {
            party,
            user,
            voicemail: None,
            devices,
            ring,
            forward: Some(Forward {
                to: crate::dialplan::ForwardTo::Public(Dialled::Public(
                    domain::E164::parse("0698765432").unwrap(),
                )),
                simultaneous,
                key_press,
                by: Some(domain::E164::parse("+33199000201").unwrap()),
                language: domain::Language::Fr,
            }),
        }
    }

    #[test]
    fn forward_all_rings_only_the_forward_number_with_diversion() {
        let trunks = [
            trunk(1, 5091, NumberFormat::E164),
            trunk(2, 5092, NumberFormat::E164),
        ];
        let s = stages(run(&forwarding(false, false), &one_each(), &[], &trunks));
        assert_eq!(s.len(), 2, "carrier failover still applies");
        assert!(devices(&s[0]).is_empty());
        let f = &s[0].forks[0];
        assert_eq!(f.contact, "sip:+33698765432@carrier.test:5091");
        assert_eq!(f.diverted_by.as_ref().unwrap().as_str(), "+33199000201");
        assert_eq!(f.confirm, None);
    }

    #[test]
    fn simultaneous_forwarding_rings_phones_and_forward_number_together() {
        let trunks = [
            trunk(1, 5091, NumberFormat::E164),
            trunk(2, 5092, NumberFormat::E164),
        ];
        let s = stages(run(&forwarding(true, true), &one_each(), &[], &trunks));
        assert_eq!(s.len(), 1);
        assert_eq!(devices(&s[0]), [2]);
        assert_eq!(s[0].forks.len(), 2);
        assert_eq!(s[0].ring, Duration::from_secs(5));
        assert_eq!(
            s[0].forks[0].confirm, None,
            "the user's own phone needs no key"
        );
        assert_eq!(s[0].forks[1].confirm, Some(domain::Language::Fr));
    }

    #[test]
    fn forwarding_to_a_colleague_rings_their_phones_with_diversion() {
        let Target::Devices {
            party: p,
            user: u,
            devices: d,
            ring: r,
            ..
        } = user(&[2])
        else {
            unreachable!()
        };
        let target = Target::Devices {
            party: p,
            user: u,
            voicemail: None,
            devices: d,
            ring: r,
            forward: Some(Forward {
                to: crate::dialplan::ForwardTo::Devices {
                    party: party("203"),
                    devices: vec![DeviceId::from_raw(3)],
                },
                simultaneous: false,
                key_press: false,
                by: Some(domain::E164::parse("+33199000202").unwrap()),
                language: domain::Language::En,
            }),
        };
        let s = stages(run(&target, &one_each(), &[], &[]));
        assert_eq!(s.len(), 1);
        assert_eq!(devices(&s[0]), [3], "the colleague's phone, not the user's");
        assert_eq!(s[0].ring, Duration::from_secs(5));
        assert_eq!(
            s[0].forks[0].diverted_by.as_ref().unwrap().as_str(),
            "+33199000202"
        );
        // Nobody to forward to: the call is unavailable, not lost silently.
        let lonely: Vec<Binding> = one_each()
            .into_iter()
            .filter(|b| b.device.raw() != 3)
            .collect();
        assert!(matches!(
            run(&target, &lonely, &[], &[]),
            Decision::Reject {
                cause: "forward number unreachable",
                ..
            }
        ));
    }

    #[test]
    fn only_server_failures_fail_over() {
        let s = |c| StatusCode::new(c).unwrap();
        assert!(fails_over(s(503)));
        assert!(fails_over(s(408)));
        assert!(!fails_over(s(486)));
        assert!(!fails_over(s(404)));
    }

    #[test]
    fn busy_wins_over_other_failures() {
        let s = |c| StatusCode::new(c).unwrap();
        assert_eq!(best_failure(&[s(480), s(486)]).0, StatusCode::BUSY_HERE);
        assert_eq!(best_failure(&[s(408)]).1, Disposition::Missed);
        assert_eq!(best_failure(&[s(503)]).1, Disposition::Failed);
    }
}
