//! The registration state machine through the endpoint, on a virtual
//! clock: REGISTERs are read from what the endpoint sends, the carrier's
//! answers written by hand.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use domain::{NumberFormat, TrunkId, UnixMillis};
use sip::auth::{Algorithm, Credentials, ha1, response};
use sip::{HeaderName, Message, Request, SipMessage, StatusCode};

use super::*;
use crate::calls::{Calls, CallsConfig};
use crate::endpoint::{Action, Endpoint, EndpointConfig, NoMedia};
use crate::location::Location;
use crate::registrar::RegistrarPolicy;
use crate::transport::Inbound;
use crate::trunk::TrunkCredentials;

const WALL: UnixMillis = UnixMillis::from_millis(1_800_000_000_000);
const CARRIER: &str = "127.0.0.1:5080";

fn endpoint(retry: Duration) -> Endpoint {
    let mut sent_by = HashMap::new();
    sent_by.insert(Kind::Udp, "127.0.0.1:5060".to_owned());
    let calls = Calls::new(
        CallsConfig {
            domain: "127.0.0.1".into(),
            sent_by,
            ..CallsConfig::default()
        },
        Box::new(NoMedia),
    );
    let config = EndpointConfig {
        realm: "switchboard".into(),
        secret: [3; 32],
        algorithms: vec![Algorithm::Md5],
        policy: RegistrarPolicy::default(),
    };
    Endpoint::new(config, Location::default())
        .with_calls(calls)
        .with_trunk_retry(retry)
}

fn trunk(id: i64, password: Option<&str>) -> LiveTrunk {
    LiveTrunk {
        id: TrunkId::from_raw(id),
        name: format!("carrier{id}"),
        host: "sip.carrier.example".into(),
        addr: CARRIER.parse().unwrap(),
        kind: Kind::Udp,
        format: NumberFormat::E164,
        credentials: password.map(|p| TrunkCredentials {
            username: "acme".into(),
            password: p.into(),
        }),
        sources: vec![CARRIER.parse().unwrap()],
    }
}

/// The requests the endpoint sends, parsed.
fn sent(e: &mut Endpoint) -> Vec<Request> {
    let mut out = Vec::new();
    while let Some(action) = e.poll_action() {
        if let Action::SendTx(t) = action {
            assert_eq!(t.to.addr, CARRIER.parse().unwrap());
            match sip::parse(&t.bytes).unwrap() {
                Message::Request(r) => out.push(r),
                Message::Response(r) => panic!("unexpected response {}", r.status),
            }
        }
    }
    out
}

fn one(e: &mut Endpoint) -> Request {
    let mut all = sent(e);
    assert_eq!(all.len(), 1, "one REGISTER expected: {all:?}");
    all.pop().unwrap()
}

/// The carrier answers `request` with `status` and `headers`.
fn answer_with(
    e: &mut Endpoint,
    now: Instant,
    request: &Request,
    status: u16,
    headers: &[(HeaderName, &str)],
) {
    let status = StatusCode::new(status).unwrap();
    let mut resp = request.response(status, Some("carriertag"));
    for (name, value) in headers {
        resp.headers.push(name.clone(), *value);
    }
    let input = Inbound {
        kind: Kind::Udp,
        peer: CARRIER.parse().unwrap(),
        local: "127.0.0.1:5060".parse().unwrap(),
        conn: None,
        data: Bytes::from(resp.to_bytes()),
    };
    e.receive(now, WALL, 7, &input, |_: &str| None);
}

fn challenge(nonce: &str, stale: bool) -> String {
    let stale = if stale { ", stale=true" } else { "" };
    format!("Digest realm=\"carrier\", nonce=\"{nonce}\", algorithm=MD5, qop=\"auth\"{stale}")
}

fn authorization(r: &Request) -> Option<Credentials> {
    r.headers
        .get(&HeaderName::Authorization)
        .map(|v| Credentials::parse(v).unwrap())
}

fn state(e: &Endpoint) -> Option<RegistrationState> {
    e.registrations().state(TrunkId::from_raw(1)).cloned()
}

/// Registers trunk 1 through one challenge; returns the 200's time.
fn registered(e: &mut Endpoint, t0: Instant, granted: &str) -> Request {
    e.set_trunks(t0, 1, Arc::new(vec![trunk(1, Some("secret"))]));
    let first = one(e);
    answer_with(
        e,
        t0,
        &first,
        401,
        &[(HeaderName::WwwAuthenticate, &challenge("n1", false))],
    );
    let second = one(e);
    answer_with(e, t0, &second, 200, &[(HeaderName::Expires, granted)]);
    second
}

#[test]
fn a_challenged_register_is_sent_again_with_the_trunk_credentials() {
    let mut e = endpoint(Duration::from_secs(30));
    let t0 = Instant::now();
    e.set_trunks(t0, 1, Arc::new(vec![trunk(1, Some("secret"))]));
    let first = one(&mut e);
    assert_eq!(first.uri.to_string(), "sip:sip.carrier.example");
    assert_eq!(
        first.headers.get(&HeaderName::To),
        Some("<sip:acme@sip.carrier.example>")
    );
    assert!(
        first
            .headers
            .get(&HeaderName::From)
            .unwrap()
            .starts_with("<sip:acme@sip.carrier.example>;tag=")
    );
    assert_eq!(
        first.headers.get(&HeaderName::Contact),
        Some("<sip:acme@127.0.0.1:5060>")
    );
    assert_eq!(first.headers.get(&HeaderName::Expires), Some("300"));
    assert!(authorization(&first).is_none());
    assert_eq!(state(&e), Some(RegistrationState::Trying));

    answer_with(
        &mut e,
        t0,
        &first,
        401,
        &[(HeaderName::WwwAuthenticate, &challenge("n1", false))],
    );
    let second = one(&mut e);

    let creds = authorization(&second).expect("credentials sent");
    assert_eq!(creds.username, "acme");
    assert_eq!(creds.realm, "carrier");
    assert_eq!(creds.nc, Some(1));
    let key = ha1(Algorithm::Md5, "acme", "carrier", "secret");
    let cnonce = creds.cnonce.clone().unwrap();
    let expected = response(
        Algorithm::Md5,
        &key,
        "REGISTER",
        &creds.uri,
        "n1",
        Some((1, &cnonce)),
    );
    assert_eq!(creds.response, expected, "digest of the trunk's password");
    assert_eq!(second.call_id(), first.call_id(), "same Call-ID");
    assert_eq!(second.cseq().unwrap().seq, first.cseq().unwrap().seq + 1);
}

#[test]
fn the_granted_time_wins_and_the_registration_is_refreshed_before_it_ends() {
    let mut e = endpoint(Duration::from_secs(30));
    let t0 = Instant::now();
    let second = registered(&mut e, t0, "120");
    assert_eq!(
        state(&e),
        Some(RegistrationState::Registered {
            until: t0 + Duration::from_secs(120)
        })
    );
    let refresh_at = t0 + Duration::from_secs(96);
    assert_eq!(
        e.registrations().poll_timeout(),
        Some(refresh_at),
        "80 % of 120 s"
    );
    e.handle_timeout(refresh_at - Duration::from_millis(1), WALL);
    assert!(sent(&mut e).is_empty(), "not yet");

    e.handle_timeout(refresh_at, WALL);
    let refresh = one(&mut e);

    let creds = authorization(&refresh).expect("the known challenge is answered at once");
    assert_eq!(creds.nc, Some(2), "the nonce count goes on");
    assert_eq!(refresh.call_id(), second.call_id());
    assert_eq!(refresh.cseq().unwrap().seq, second.cseq().unwrap().seq + 1);
    assert!(matches!(
        state(&e),
        Some(RegistrationState::Registered { .. })
    ));
}

#[test]
fn the_expires_of_our_own_contact_beats_other_bindings_and_the_expires_header() {
    let mut e = endpoint(Duration::from_secs(30));
    let t0 = Instant::now();
    e.set_trunks(t0, 1, Arc::new(vec![trunk(1, Some("secret"))]));
    let first = one(&mut e);
    answer_with(
        &mut e,
        t0,
        &first,
        200,
        &[
            (HeaderName::Contact, "<sip:acme@127.0.0.1:50600>;expires=10"),
            (HeaderName::Contact, "<sip:acme@127.0.0.1:5060>;expires=60"),
            (HeaderName::Contact, "<sip:acme@192.0.2.9:5060>;expires=20"),
            (HeaderName::Expires, "3600"),
        ],
    );
    assert_eq!(
        state(&e),
        Some(RegistrationState::Registered {
            until: t0 + Duration::from_secs(60)
        })
    );
    assert_eq!(
        e.registrations().poll_timeout(),
        Some(t0 + Duration::from_secs(48))
    );
}

#[test]
fn refreshes_come_at_80_percent_or_5_s_early_and_never_under_a_second() {
    let at = |g| refresh_after(g).as_millis();
    assert_eq!(at(300), 240_000);
    assert_eq!(at(20), 15_000, "5 s before the end is earlier than 16 s");
    assert_eq!(at(2), 1_000);
    assert_eq!(at(0), 1_000);
}

#[test]
fn failures_are_retried_after_a_back_off_that_doubles_up_to_ten_minutes() {
    let base = Duration::from_secs(30);
    let waits: Vec<u64> = (1..=7).map(|n| back_off(base, n).as_secs()).collect();
    assert_eq!(waits, [30, 60, 120, 240, 480, 600, 600]);
    assert_eq!(back_off(base, 200), MAX_RETRY);

    let mut e = endpoint(base);
    let mut now = Instant::now();
    e.set_trunks(now, 1, Arc::new(vec![trunk(1, Some("secret"))]));
    for wait in [30, 60, 120] {
        let r = one(&mut e);
        answer_with(&mut e, now, &r, 503, &[]);
        let retry_at = now + Duration::from_secs(wait);
        assert_eq!(
            state(&e),
            Some(RegistrationState::Failed {
                status: Some(503),
                reason: "503 Service Unavailable".into(),
                retry_at,
            })
        );
        assert_eq!(e.registrations().poll_timeout(), Some(retry_at));
        now = retry_at;
        e.handle_timeout(now, WALL);
    }
    let r = one(&mut e);
    answer_with(&mut e, now, &r, 200, &[]);
    assert!(matches!(
        state(&e),
        Some(RegistrationState::Registered { .. })
    ));
    let r = {
        e.handle_timeout(now + Duration::from_secs(240), WALL);
        one(&mut e)
    };
    answer_with(&mut e, now, &r, 503, &[]);
    assert!(
        matches!(state(&e), Some(RegistrationState::Failed { retry_at, .. }) if retry_at == now + base),
        "a success starts the back-off over"
    );
}

#[test]
fn credentials_refused_twice_are_a_failure_not_a_loop() {
    let mut e = endpoint(Duration::from_secs(30));
    let t0 = Instant::now();
    e.set_trunks(t0, 1, Arc::new(vec![trunk(1, Some("wrong"))]));
    let first = one(&mut e);
    answer_with(
        &mut e,
        t0,
        &first,
        401,
        &[(HeaderName::WwwAuthenticate, &challenge("n1", false))],
    );
    let second = one(&mut e);
    answer_with(
        &mut e,
        t0,
        &second,
        401,
        &[(HeaderName::WwwAuthenticate, &challenge("n2", false))],
    );

    assert!(sent(&mut e).is_empty(), "no third try at once");
    match state(&e) {
        Some(RegistrationState::Failed {
            status: Some(401),
            reason,
            retry_at,
        }) => {
            assert!(reason.contains("credentials refused"), "{reason}");
            assert_eq!(retry_at, t0 + Duration::from_secs(30));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_stale_nonce_is_answered_again() {
    let mut e = endpoint(Duration::from_secs(30));
    let t0 = Instant::now();
    registered(&mut e, t0, "60");
    let t1 = t0 + Duration::from_secs(48);
    e.handle_timeout(t1, WALL);
    let refresh = one(&mut e);
    answer_with(
        &mut e,
        t1,
        &refresh,
        401,
        &[(HeaderName::WwwAuthenticate, &challenge("n2", true))],
    );
    let again = one(&mut e);
    let creds = authorization(&again).unwrap();
    assert_eq!((creds.nonce.as_str(), creds.nc), ("n2", Some(1)));
    answer_with(&mut e, t1, &again, 200, &[]);
    assert!(matches!(
        state(&e),
        Some(RegistrationState::Registered { .. })
    ));
}

#[test]
fn a_carrier_that_does_not_answer_is_retried_after_the_back_off() {
    let mut e = endpoint(Duration::from_secs(30));
    let t0 = Instant::now();
    e.set_trunks(t0, 1, Arc::new(vec![trunk(1, Some("secret"))]));
    one(&mut e);
    // Retransmissions (Timer E) until Timer F gives up after 64*T1.
    let mut now = t0;
    for _ in 0..100 {
        let Some(at) = e.poll_timeout() else { break };
        if !matches!(state(&e), Some(RegistrationState::Trying)) {
            break;
        }
        now = at;
        e.handle_timeout(now, WALL);
        sent(&mut e);
    }
    assert_eq!(now, t0 + Duration::from_secs(32), "Timer F");
    assert_eq!(
        state(&e),
        Some(RegistrationState::Failed {
            status: None,
            reason: "no answer from the carrier".into(),
            retry_at: now + Duration::from_secs(30),
        })
    );
}

#[test]
fn removed_trunks_are_unregistered_and_unchanged_ones_left_alone() {
    let mut e = endpoint(Duration::from_secs(30));
    let t0 = Instant::now();
    registered(&mut e, t0, "300");
    let by_address = trunk(2, None);

    e.set_trunks(
        t0,
        2,
        Arc::new(vec![trunk(1, Some("secret")), by_address.clone()]),
    );
    assert!(sent(&mut e).is_empty(), "same trunk, no new REGISTER");
    assert!(
        e.registrations().state(TrunkId::from_raw(2)).is_none(),
        "trunks by address do not register"
    );

    let t1 = t0 + Duration::from_secs(240);
    e.handle_timeout(t1, WALL);
    let refresh = one(&mut e);
    e.set_trunks(t1, 3, Arc::new(vec![by_address.clone()]));
    assert_eq!(state(&e), None);
    let leave = one(&mut e);
    assert_eq!(
        leave.headers.get(&HeaderName::Expires),
        Some("0"),
        "the registration is taken back"
    );
    assert_eq!(leave.call_id(), refresh.call_id());
    assert_eq!(authorization(&leave).unwrap().nc, Some(3));
    answer_with(&mut e, t1, &refresh, 200, &[]);
    assert_eq!(state(&e), None, "a late answer is ignored");
    answer_with(
        &mut e,
        t1,
        &leave,
        401,
        &[(HeaderName::WwwAuthenticate, &challenge("n9", false))],
    );
    let again = one(&mut e);
    assert_eq!(again.headers.get(&HeaderName::Expires), Some("0"));
    assert_eq!(authorization(&again).unwrap().nonce, "n9");
    answer_with(&mut e, t1, &again, 200, &[]);
    assert!(sent(&mut e).is_empty());
    e.handle_timeout(t1 + Duration::from_secs(600), WALL);
    assert!(
        sent(&mut e).is_empty(),
        "nothing more for the removed trunk"
    );

    e.set_trunks(t1, 4, Arc::new(vec![trunk(1, Some("new password"))]));
    let restarted = one(&mut e);
    assert!(
        authorization(&restarted).is_none(),
        "changed credentials start over"
    );
    assert_ne!(restarted.call_id(), refresh.call_id());
}

#[test]
fn a_too_brief_interval_is_asked_again_with_the_carriers_minimum() {
    let mut e = endpoint(Duration::from_secs(30));
    let t0 = Instant::now();
    e.set_trunks(t0, 1, Arc::new(vec![trunk(1, Some("secret"))]));
    let first = one(&mut e);
    answer_with(&mut e, t0, &first, 423, &[(HeaderName::MinExpires, "900")]);
    let second = one(&mut e);
    assert_eq!(second.headers.get(&HeaderName::Expires), Some("900"));
    answer_with(&mut e, t0, &second, 423, &[(HeaderName::MinExpires, "900")]);
    assert!(sent(&mut e).is_empty(), "asked once, then a failure");
    assert!(matches!(
        state(&e),
        Some(RegistrationState::Failed {
            status: Some(423),
            ..
        })
    ));
}
