//! The registrar's decision (RFC 3261 §10.3), as a pure function: the
//! current bindings of a device and an authenticated REGISTER in, the new
//! bindings and the response to send out. Parsing the SIP message into a
//! [`RegisterRequest`] and storing the result are the runtime's job.

use std::time::Duration;

use domain::{AccountId, Binding, DeviceId, UnixMillis};

/// Limits the registrar enforces.
#[derive(Clone, Copy, Debug)]
pub struct RegistrarPolicy {
    /// Shorter registrations get `423 Interval Too Brief`.
    pub min_expires: u32,
    /// Longer registrations are shortened to this.
    pub max_expires: u32,
    /// Used when the request names no expiry.
    pub default_expires: u32,
    /// A device keeps at most this many contacts; the oldest go first.
    pub max_bindings_per_device: usize,
}

impl Default for RegistrarPolicy {
    fn default() -> Self {
        Self {
            min_expires: 60,
            max_expires: 3600,
            default_expires: 3600,
            max_bindings_per_device: 10,
        }
    }
}

/// One Contact of a REGISTER, parsed by the caller.
#[derive(Clone, Debug, PartialEq)]
pub struct ContactSpec {
    /// The contact URI, without the angle brackets or header parameters.
    pub uri: String,
    /// The Contact's own `expires` parameter.
    pub expires: Option<u32>,
    /// q-value times 1000.
    pub q_millis: Option<u16>,
    /// `+sip.instance`, as written (quotes removed).
    pub instance: Option<String>,
}

/// The contacts of a REGISTER.
#[derive(Clone, Debug, PartialEq)]
pub enum Contacts {
    /// No Contact header: a query of the current bindings.
    Query,
    /// `Contact: *`: remove every binding (needs `Expires: 0`).
    All,
    List(Vec<ContactSpec>),
}

/// An authenticated REGISTER for one device, as the registrar needs it.
#[derive(Clone, Debug)]
pub struct RegisterRequest {
    pub device: DeviceId,
    pub account: AccountId,
    pub contacts: Contacts,
    /// The `Expires` header.
    pub expires: Option<u32>,
    pub call_id: String,
    pub cseq: u32,
    /// `ip:port` the request came from.
    pub source: String,
    /// `udp`, `tcp`, `tls`, `ws`, `wss`.
    pub transport: String,
    pub user_agent: Option<String>,
}

/// What the registrar decided.
#[derive(Clone, Debug, PartialEq)]
pub enum Decision {
    /// 200 OK: the device's bindings are now `bindings` (send them all back,
    /// each with its remaining time).
    Ok { bindings: Vec<Binding> },
    /// 423 Interval Too Brief with `Min-Expires`.
    IntervalTooBrief { min_expires: u32 },
    /// 400 with this reason phrase.
    BadRequest(&'static str),
}

/// Applies `req` to `current` (the device's live bindings) at `now`.
pub fn decide(
    policy: &RegistrarPolicy,
    now: UnixMillis,
    current: &[Binding],
    req: &RegisterRequest,
) -> Decision {
    let live: Vec<Binding> = current
        .iter()
        .filter(|b| b.expires_at > now)
        .cloned()
        .collect();
    match &req.contacts {
        Contacts::Query => Decision::Ok { bindings: live },
        Contacts::All => {
            if req.expires != Some(0) {
                return Decision::BadRequest("Contact * requires Expires: 0");
            }
            // RFC 3261 §10.3 step 6: a request older than a binding of the
            // same Call-ID does not remove it.
            if live
                .iter()
                .any(|b| b.call_id == req.call_id && req.cseq <= b.cseq)
            {
                return Decision::BadRequest("CSeq out of order");
            }
            Decision::Ok {
                bindings: Vec::new(),
            }
        }
        Contacts::List(list) => {
            let mut bindings = live;
            for c in list {
                let asked = c.expires.or(req.expires).unwrap_or(policy.default_expires);
                if asked != 0 && asked < policy.min_expires {
                    return Decision::IntervalTooBrief {
                        min_expires: policy.min_expires,
                    };
                }
                let expires = asked.min(policy.max_expires);
                let existing = bindings.iter().position(|b| {
                    b.contact == c.uri || (c.instance.is_some() && b.instance == c.instance)
                });
                if let Some(i) = existing {
                    let b = &bindings[i];
                    if b.call_id == req.call_id && req.cseq <= b.cseq {
                        return Decision::BadRequest("CSeq out of order");
                    }
                    bindings.remove(i);
                }
                if expires == 0 {
                    continue;
                }
                bindings.push(Binding {
                    device: req.device,
                    account: req.account,
                    contact: c.uri.clone(),
                    instance: c.instance.clone(),
                    source: req.source.clone(),
                    transport: req.transport.clone(),
                    call_id: req.call_id.clone(),
                    cseq: req.cseq,
                    q_millis: c.q_millis.unwrap_or(1000),
                    user_agent: req.user_agent.clone(),
                    expires_at: now.plus(Duration::from_secs(u64::from(expires))),
                    updated_at: now,
                });
            }
            while bindings.len() > policy.max_bindings_per_device {
                let oldest = (0..bindings.len())
                    .min_by_key(|&i| bindings[i].updated_at)
                    .expect("not empty");
                bindings.remove(oldest);
            }
            Decision::Ok { bindings }
        }
    }
}

/// Seconds a binding has left at `now` (for the Contact `expires` of a 200).
pub fn remaining_secs(binding: &Binding, now: UnixMillis) -> u64 {
    binding.expires_at.since(now).as_secs()
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: UnixMillis = UnixMillis::from_millis(1_000_000);

    fn req(contacts: Contacts, expires: Option<u32>, call_id: &str, cseq: u32) -> RegisterRequest {
        RegisterRequest {
            device: DeviceId::from_raw(1),
            account: AccountId::from_raw(1),
            contacts,
            expires,
            call_id: call_id.into(),
            cseq,
            source: "127.0.0.1:5062".into(),
            transport: "udp".into(),
            user_agent: None,
        }
    }

    fn contact(uri: &str, expires: Option<u32>) -> ContactSpec {
        ContactSpec {
            uri: uri.into(),
            expires,
            q_millis: None,
            instance: None,
        }
    }

    fn bindings(d: Decision) -> Vec<Binding> {
        match d {
            Decision::Ok { bindings } => bindings,
            other => panic!("expected 200, got {other:?}"),
        }
    }

    #[test]
    fn a_new_contact_is_bound_for_the_requested_time() {
        let p = RegistrarPolicy::default();
        let b = bindings(decide(
            &p,
            NOW,
            &[],
            &req(
                Contacts::List(vec![contact("sip:a@1.2.3.4", None)]),
                Some(600),
                "c",
                1,
            ),
        ));
        assert_eq!(b.len(), 1);
        assert_eq!(remaining_secs(&b[0], NOW), 600);
    }

    #[test]
    fn contact_expires_parameter_beats_the_header_and_is_capped() {
        let p = RegistrarPolicy::default();
        let b = bindings(decide(
            &p,
            NOW,
            &[],
            &req(
                Contacts::List(vec![contact("sip:a@h", Some(99_999))]),
                Some(600),
                "c",
                1,
            ),
        ));
        assert_eq!(remaining_secs(&b[0], NOW), 3600);
    }

    #[test]
    fn too_brief_interval_is_refused_with_the_minimum() {
        let p = RegistrarPolicy::default();
        let d = decide(
            &p,
            NOW,
            &[],
            &req(
                Contacts::List(vec![contact("sip:a@h", None)]),
                Some(30),
                "c",
                1,
            ),
        );
        assert_eq!(d, Decision::IntervalTooBrief { min_expires: 60 });
    }

    #[test]
    fn refresh_replaces_and_zero_removes() {
        let p = RegistrarPolicy::default();
        let one = bindings(decide(
            &p,
            NOW,
            &[],
            &req(
                Contacts::List(vec![contact("sip:a@h", None)]),
                Some(600),
                "c",
                1,
            ),
        ));
        let two = bindings(decide(
            &p,
            NOW,
            &one,
            &req(
                Contacts::List(vec![contact("sip:a@h", None), contact("sip:b@h", None)]),
                Some(900),
                "c",
                2,
            ),
        ));
        assert_eq!(two.len(), 2);
        assert!(two.iter().all(|b| b.cseq == 2));
        let three = bindings(decide(
            &p,
            NOW,
            &two,
            &req(
                Contacts::List(vec![contact("sip:a@h", Some(0))]),
                Some(900),
                "c",
                3,
            ),
        ));
        assert_eq!(
            three.iter().map(|b| b.contact.as_str()).collect::<Vec<_>>(),
            vec!["sip:b@h"]
        );
    }

    #[test]
    fn an_older_cseq_of_the_same_call_id_is_refused() {
        let p = RegistrarPolicy::default();
        let one = bindings(decide(
            &p,
            NOW,
            &[],
            &req(
                Contacts::List(vec![contact("sip:a@h", None)]),
                Some(600),
                "c",
                5,
            ),
        ));
        let d = decide(
            &p,
            NOW,
            &one,
            &req(
                Contacts::List(vec![contact("sip:a@h", None)]),
                Some(600),
                "c",
                4,
            ),
        );
        assert_eq!(d, Decision::BadRequest("CSeq out of order"));
        // Another Call-ID (the phone rebooted) may use any CSeq.
        assert_eq!(
            bindings(decide(
                &p,
                NOW,
                &one,
                &req(
                    Contacts::List(vec![contact("sip:a@h", None)]),
                    Some(600),
                    "d",
                    1
                )
            ))
            .len(),
            1
        );
    }

    #[test]
    fn star_removes_everything_but_only_with_expires_zero() {
        let p = RegistrarPolicy::default();
        let one = bindings(decide(
            &p,
            NOW,
            &[],
            &req(
                Contacts::List(vec![contact("sip:a@h", None)]),
                Some(600),
                "c",
                1,
            ),
        ));
        assert_eq!(
            decide(&p, NOW, &one, &req(Contacts::All, Some(60), "x", 1)),
            Decision::BadRequest("Contact * requires Expires: 0")
        );
        assert!(bindings(decide(&p, NOW, &one, &req(Contacts::All, Some(0), "x", 1))).is_empty());
    }

    #[test]
    fn a_query_returns_live_bindings_only() {
        let p = RegistrarPolicy::default();
        let one = bindings(decide(
            &p,
            NOW,
            &[],
            &req(
                Contacts::List(vec![contact("sip:a@h", None)]),
                Some(600),
                "c",
                1,
            ),
        ));
        let later = NOW.plus(Duration::from_secs(601));
        assert!(bindings(decide(&p, later, &one, &req(Contacts::Query, None, "q", 1))).is_empty());
        assert_eq!(
            bindings(decide(&p, NOW, &one, &req(Contacts::Query, None, "q", 1))).len(),
            1
        );
    }

    #[test]
    fn same_instance_replaces_the_old_contact() {
        let p = RegistrarPolicy::default();
        let inst = |uri: &str| ContactSpec {
            instance: Some("<urn:uuid:1>".into()),
            ..contact(uri, None)
        };
        let one = bindings(decide(
            &p,
            NOW,
            &[],
            &req(
                Contacts::List(vec![inst("sip:a@10.0.0.1")]),
                Some(600),
                "c",
                1,
            ),
        ));
        let two = bindings(decide(
            &p,
            NOW,
            &one,
            &req(
                Contacts::List(vec![inst("sip:a@10.0.0.2")]),
                Some(600),
                "d",
                1,
            ),
        ));
        assert_eq!(two.len(), 1);
        assert_eq!(two[0].contact, "sip:a@10.0.0.2");
    }

    #[test]
    fn a_device_keeps_at_most_the_configured_number_of_contacts() {
        let p = RegistrarPolicy {
            max_bindings_per_device: 2,
            ..Default::default()
        };
        let mut b = Vec::new();
        for (i, uri) in ["sip:a@h", "sip:b@h", "sip:c@h"].iter().enumerate() {
            let at = NOW.plus(Duration::from_secs(i as u64));
            b = bindings(decide(
                &p,
                at,
                &b,
                &req(Contacts::List(vec![contact(uri, None)]), Some(600), uri, 1),
            ));
        }
        assert_eq!(
            b.iter().map(|x| x.contact.as_str()).collect::<Vec<_>>(),
            vec!["sip:b@h", "sip:c@h"]
        );
    }
}
