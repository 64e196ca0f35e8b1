use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use domain::{AccountId, DeviceId, SipPassword, SipUsername, UnixMillis};
use sip::auth::{Challenge, answer};
use sip::{HeaderName, Message, Response, SipMessage, StatusCode};

use super::*;

const NOW: UnixMillis = UnixMillis::from_millis(1_800_000_000_000);
const REALM: &str = "switchboard";

fn device(name: &str, password: &str) -> Arc<DeviceCredentials> {
    let username = SipUsername::parse(name).unwrap();
    let pw = SipPassword::parse(password).unwrap();
    Arc::new(DeviceCredentials {
        device: DeviceId::from_raw(7),
        account: AccountId::from_raw(1),
        user: None,
        ha1_md5: pw.ha1_md5(&username, REALM),
        ha1_sha256: pw.ha1_sha256(&username, REALM),
        username,
        realm: REALM.into(),
        suspended: false,
    })
}

fn endpoint() -> Endpoint {
    let config = EndpointConfig {
        realm: REALM.into(),
        secret: [9; 32],
        algorithms: vec![sip::auth::Algorithm::Sha256, sip::auth::Algorithm::Md5],
        policy: RegistrarPolicy::default(),
    };
    Endpoint::new(config, Location::default())
}

fn nobody(_: &str) -> Option<Option<Arc<DeviceCredentials>>> {
    None
}

fn inbound(text: &str) -> Inbound {
    Inbound {
        kind: Kind::Udp,
        peer: "127.0.0.1:5070".parse().unwrap(),
        local: "127.0.0.1:5060".parse().unwrap(),
        conn: None,
        data: Bytes::copy_from_slice(text.as_bytes()),
    }
}

fn register(branch: &str, cseq: u32, auth: Option<&str>, extra: &str) -> String {
    let auth = auth
        .map(|a| format!("Authorization: {a}\r\n"))
        .unwrap_or_default();
    format!(
        "REGISTER sip:127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5070;branch={branch};rport\r\n\
         From: <sip:dev1@127.0.0.1>;tag=abc\r\nTo: <sip:dev1@127.0.0.1>\r\nCall-ID: reg-1\r\n\
         CSeq: {cseq} REGISTER\r\nMax-Forwards: 70\r\nContact: <sip:dev1@127.0.0.1:5070>\r\n\
         {auth}{extra}Content-Length: 0\r\n\r\n"
    )
}

fn known(
    dev: &Arc<DeviceCredentials>,
) -> impl Fn(&str) -> Option<Option<Arc<DeviceCredentials>>> + '_ {
    move |name| Some((name == dev.username.as_str()).then(|| dev.clone()))
}

fn sent(step: Step) -> (Transmit, Response) {
    let t = match step {
        Step::Send(t) | Step::Register(t, _) => t,
        other => panic!("expected a response, got {other:?}"),
    };
    match sip::parse(&t.bytes).unwrap() {
        Message::Response(r) => (t, r),
        Message::Request(_) => panic!("sent a request"),
    }
}

fn md5_challenge(resp: &Response) -> Challenge {
    resp.headers
        .values(&HeaderName::WwwAuthenticate)
        .map(|v| Challenge::parse(v).unwrap())
        .find(|c| c.algorithm == sip::auth::Algorithm::Md5)
        .expect("an MD5 challenge")
}

#[test]
fn options_is_answered_200_with_allow_to_the_rport_source() {
    let mut ep = endpoint();
    let text = "OPTIONS sip:127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.9:5099;branch=z9hG4bKo1;rport\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:127.0.0.1>\r\nCall-ID: o1\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\n\r\n";
    let (t, resp) = sent(ep.receive(Instant::now(), NOW, 1, &inbound(text), nobody));
    assert_eq!(resp.status, StatusCode::OK);
    assert!(
        resp.headers
            .get(&HeaderName::Allow)
            .unwrap()
            .contains("REGISTER")
    );
    assert_eq!(t.dest, "127.0.0.1:5070".parse().unwrap());
    let via = resp.top_via().unwrap();
    assert_eq!(via.params.value("received"), Some("127.0.0.1"));
    assert_eq!(via.params.value("rport"), Some("5070"));
}

/// Sends an unauthenticated REGISTER (branch 1, CSeq 1, `extra` headers)
/// and answers its MD5 challenge as `user`/`password`.
fn authorize(
    ep: &mut Endpoint,
    lookup: impl Fn(&str) -> Option<Option<Arc<DeviceCredentials>>>,
    user: &str,
    password: &str,
    extra: &str,
) -> String {
    let step = ep.receive(
        Instant::now(),
        NOW,
        11,
        &inbound(&register("z9hG4bK1", 1, None, extra)),
        lookup,
    );
    let (_, challenge) = sent(step);
    assert_eq!(challenge.status, StatusCode::UNAUTHORIZED);
    let c = md5_challenge(&challenge);
    answer(&c, user, password, "REGISTER", "sip:127.0.0.1", "c1", 1).to_string()
}

/// Sends the authenticated REGISTER (branch 2, CSeq 2) at `now`.
fn send_authorized(
    ep: &mut Endpoint,
    now: UnixMillis,
    lookup: impl Fn(&str) -> Option<Option<Arc<DeviceCredentials>>>,
    auth: &str,
    extra: &str,
) -> Step {
    ep.receive(
        Instant::now(),
        now,
        12,
        &inbound(&register("z9hG4bK2", 2, Some(auth), extra)),
        lookup,
    )
}

#[test]
fn register_challenges_with_one_header_per_algorithm() {
    let mut ep = endpoint();
    let (_, challenge) = sent(ep.receive(
        Instant::now(),
        NOW,
        11,
        &inbound(&register("z9hG4bK1", 1, None, "")),
        nobody,
    ));
    let algorithms: Vec<_> = challenge
        .headers
        .values(&HeaderName::WwwAuthenticate)
        .map(|v| Challenge::parse(v).unwrap().algorithm)
        .collect();
    assert_eq!(
        algorithms,
        vec![sip::auth::Algorithm::Sha256, sip::auth::Algorithm::Md5]
    );
}

#[test]
fn register_with_valid_digest_creates_a_binding() {
    let dev = device("dev1", "sippass123");
    let mut ep = endpoint();
    let auth = authorize(&mut ep, known(&dev), "dev1", "sippass123", "");
    let step = send_authorized(&mut ep, NOW, known(&dev), &auth, "");
    let Step::Register(_, changes) = &step else {
        panic!("expected a registration, got {step:?}")
    };
    assert_eq!(changes.len(), 1);
    let (_, ok) = sent(step);
    assert_eq!(ok.status, StatusCode::OK);
    assert_eq!(
        ok.headers.get(&HeaderName::Contact),
        Some("<sip:dev1@127.0.0.1:5070>;expires=3600")
    );
    assert_eq!(ep.location().bindings(dev.device).len(), 1);
}

#[test]
fn wrong_password_and_unknown_user_both_get_403() {
    let dev = device("dev1", "sippass123");
    let mut ep = endpoint();
    let wrong = authorize(&mut ep, known(&dev), "dev1", "not-the-password", "");
    let (_, r1) = sent(send_authorized(&mut ep, NOW, known(&dev), &wrong, ""));
    let mut ep = endpoint();
    let ghost = authorize(&mut ep, known(&dev), "ghost", "sippass123", "");
    let (_, r2) = sent(send_authorized(&mut ep, NOW, known(&dev), &ghost, ""));
    assert_eq!(
        (r1.status, r2.status),
        (StatusCode::FORBIDDEN, StatusCode::FORBIDDEN)
    );
    assert_eq!(r1.reason, r2.reason);
    assert_eq!(ep.counters.auth_failures, 1);
}

#[test]
fn an_old_nonce_is_challenged_again_as_stale() {
    let dev = device("dev1", "sippass123");
    let mut ep = endpoint();
    let auth = authorize(&mut ep, known(&dev), "dev1", "sippass123", "");
    let later = NOW.plus(std::time::Duration::from_secs(600));
    let (_, r) = sent(send_authorized(&mut ep, later, known(&dev), &auth, ""));
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(md5_challenge(&r).stale);
}

#[test]
fn a_retransmitted_request_gets_the_same_response() {
    let dev = device("dev1", "sippass123");
    let mut ep = endpoint();
    let msg = inbound(&register("z9hG4bK1", 1, None, ""));
    let (first, _) = sent(ep.receive(Instant::now(), NOW, 11, &msg, known(&dev)));
    let later = NOW.plus(std::time::Duration::from_millis(500));
    let (again, _) = sent(ep.receive(Instant::now(), later, 99, &msg, known(&dev)));
    assert_eq!(first.bytes, again.bytes);
    assert_eq!(ep.counters.retransmissions, 1);
}

#[test]
fn too_brief_an_interval_gets_423_with_min_expires() {
    let dev = device("dev1", "sippass123");
    let mut ep = endpoint();
    let auth = authorize(&mut ep, known(&dev), "dev1", "sippass123", "Expires: 5\r\n");
    let (_, r) = sent(send_authorized(
        &mut ep,
        NOW,
        known(&dev),
        &auth,
        "Expires: 5\r\n",
    ));
    assert_eq!(r.status, StatusCode::INTERVAL_TOO_BRIEF);
    assert_eq!(r.headers.get(&HeaderName::MinExpires), Some("60"));
}

#[test]
fn an_uncached_device_is_looked_up_and_retransmissions_wait() {
    let dev = device("dev1", "sippass123");
    let mut ep = endpoint();
    let auth = authorize(&mut ep, nobody, "dev1", "sippass123", "");
    let msg = inbound(&register("z9hG4bK2", 2, Some(&auth), ""));
    let Step::LookUp(pending) = ep.receive(Instant::now(), NOW, 12, &msg, nobody) else {
        panic!("expected a look-up")
    };
    assert_eq!(pending.username(), "dev1");
    assert!(matches!(
        ep.receive(Instant::now(), NOW, 13, &msg, nobody),
        Step::Nothing
    ));
    let (_, r) = sent(ep.resume_register(NOW, *pending, Some(dev.clone())));
    assert_eq!(r.status, StatusCode::OK);
}

#[test]
fn garbage_gets_400_and_unknown_methods_501() {
    let mut ep = endpoint();
    let bad = "INVITE sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKx\r\nCSeq: 1 BYE\r\n\r\n";
    let (_, r) = sent(ep.receive(Instant::now(), NOW, 1, &inbound(bad), nobody));
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.reason.contains("CSeq method BYE"), "{}", r.reason);
    let sub = "PUBLISH sip:a@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKs\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:a@b>\r\nCall-ID: s\r\nCSeq: 1 PUBLISH\r\nMax-Forwards: 70\r\n\r\n";
    let (_, r) = sent(ep.receive(Instant::now(), NOW, 1, &inbound(sub), nobody));
    assert_eq!(r.status, StatusCode::NOT_IMPLEMENTED);
    assert!(matches!(
        ep.receive(
            Instant::now(),
            NOW,
            1,
            &inbound("SIP/2.0 200 OK\r\n\r\n"),
            nobody
        ),
        Step::Nothing
    ));
}

#[test]
fn an_rfc2543_retransmission_after_a_look_up_gets_the_answer() {
    // No magic cookie and no rport from an address other than the Via's:
    // the key must not change when the Via is stamped with `received`.
    let dev = device("dev1", "sippass123");
    let mut ep = endpoint();
    let auth = authorize(&mut ep, nobody, "dev1", "sippass123", "");
    let text = register("old2543", 2, Some(&auth), "").replace(";rport", "");
    let mut msg = inbound(&text);
    msg.peer = "127.0.0.9:5070".parse().unwrap();
    let Step::LookUp(pending) = ep.receive(Instant::now(), NOW, 12, &msg, nobody) else {
        panic!("expected a look-up")
    };
    let (first, _) = sent(ep.resume_register(NOW, *pending, Some(dev.clone())));
    let (again, _) = sent(ep.receive(Instant::now(), NOW, 13, &msg, nobody));
    assert_eq!(first.bytes, again.bytes);
}
