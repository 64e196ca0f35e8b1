//! Message waiting through the endpoint: SUBSCRIBE with digest, the
//! NOTIFYs the counts produce, refresh, unsubscribe, expiry, 481, 489, and
//! the unsolicited NOTIFY after a registration.

use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use domain::{AccountId, DeviceId, MessageCounts, SipPassword, SipUsername, UnixMillis, UserId};
use sip::auth::{Challenge, answer};
use sip::{HeaderName, Message, Request, Response, SipMessage, StatusCode};

use super::*;
use crate::mwi::{MwiDevice, Occasion};

const NOW: UnixMillis = UnixMillis::from_millis(1_800_000_000_000);
const REALM: &str = "switchboard";
const PHONE: &str = "127.0.0.1:5070";

fn device() -> Arc<DeviceCredentials> {
    let username = SipUsername::parse("dev1").unwrap();
    let pw = SipPassword::parse("sippass123").unwrap();
    Arc::new(DeviceCredentials {
        device: DeviceId::from_raw(7),
        account: AccountId::from_raw(1),
        user: Some(UserId::from_raw(3)),
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
        algorithms: vec![sip::auth::Algorithm::Md5],
        policy: RegistrarPolicy::default(),
    };
    Endpoint::new(config, Location::default())
}

fn known(name: &str) -> Option<Option<Arc<DeviceCredentials>>> {
    Some((name == "dev1").then(device))
}

fn nobody(_: &str) -> Option<Option<Arc<DeviceCredentials>>> {
    None
}

fn inbound(text: &str) -> Inbound {
    Inbound {
        kind: Kind::Udp,
        peer: PHONE.parse().unwrap(),
        local: "127.0.0.1:5060".parse().unwrap(),
        conn: None,
        data: Bytes::copy_from_slice(text.as_bytes()),
    }
}

/// A SUBSCRIBE from dev1; `to_tag` makes it a refresh.
fn subscribe(cseq: u32, to_tag: Option<&str>, headers: &str) -> String {
    let to_tag = to_tag.map(|t| format!(";tag={t}")).unwrap_or_default();
    format!(
        "SUBSCRIBE sip:dev1@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP {PHONE};branch=z9hG4bKs{cseq};rport\r\n\
         From: <sip:dev1@127.0.0.1>;tag=sub1\r\nTo: <sip:dev1@127.0.0.1>{to_tag}\r\nCall-ID: mwi-1\r\n\
         CSeq: {cseq} SUBSCRIBE\r\nMax-Forwards: 70\r\nContact: <sip:dev1@{PHONE}>\r\n\
         {headers}Content-Length: 0\r\n\r\n"
    )
}

fn response(step: Step) -> Response {
    let t = match step {
        Step::Send(t) | Step::Register(t, _) => t,
        other => panic!("expected a response, got {other:?}"),
    };
    match sip::parse(&t.bytes).unwrap() {
        Message::Response(r) => r,
        Message::Request(_) => panic!("sent a request"),
    }
}

/// The MD5 answer to the 401 of a first SUBSCRIBE.
fn credentials(ep: &mut Endpoint, password: &str) -> String {
    let step = ep.receive(
        Instant::now(),
        NOW,
        11,
        &inbound(&subscribe(1, None, "Event: message-summary\r\n")),
        nobody,
    );
    let challenge = response(step);
    assert_eq!(challenge.status, StatusCode::UNAUTHORIZED);
    let c = challenge
        .headers
        .values(&HeaderName::WwwAuthenticate)
        .map(|v| Challenge::parse(v).unwrap())
        .next()
        .unwrap();
    let uri = "sip:dev1@127.0.0.1";
    answer(&c, "dev1", password, "SUBSCRIBE", uri, "c1", 1).to_string()
}

/// Subscribes dev1 for `expires`; returns the 200.
fn subscribed(ep: &mut Endpoint, expires: &str) -> Response {
    let auth = credentials(ep, "sippass123");
    let headers =
        format!("Event: message-summary\r\nExpires: {expires}\r\nAuthorization: {auth}\r\n");
    let step = ep.receive(
        Instant::now(),
        NOW,
        12,
        &inbound(&subscribe(2, None, &headers)),
        known,
    );
    response(step)
}

/// The devices whose counts the endpoint asks for.
fn asked(ep: &mut Endpoint) -> Vec<(MwiDevice, Occasion)> {
    let mut out = Vec::new();
    while let Some(a) = ep.poll_action() {
        if let Action::Mwi(MwiWork::Counts(d, occasion)) = a {
            out.push((d, occasion));
        }
    }
    out
}

/// Answers the look-ups with `counts` and returns the NOTIFYs sent.
fn notified(ep: &mut Endpoint, at: UnixMillis, counts: MessageCounts) -> Vec<Request> {
    let devices = asked(ep);
    assert!(!devices.is_empty(), "no counts asked for");
    for (d, occasion) in &devices {
        ep.mailbox_counts(Instant::now(), at, 5, (d, *occasion), counts);
    }
    let mut out = Vec::new();
    while let Some(a) = ep.poll_action() {
        if let Action::SendTx(t) = a
            && let Message::Request(r) = sip::parse(&t.bytes).unwrap()
        {
            assert_eq!(t.to.addr, PHONE.parse().unwrap());
            out.push(r);
        }
    }
    out
}

fn header(r: &Request, name: HeaderName) -> &str {
    r.headers.get(&name).unwrap_or_default()
}

fn to_tag(r: &Response) -> String {
    r.to().unwrap().tag().unwrap().to_owned()
}

#[test]
fn subscribe_is_challenged_then_accepted_and_notified_with_the_counts() {
    let mut ep = endpoint();
    let ok = subscribed(&mut ep, "7200");
    assert_eq!(ok.status, StatusCode::OK);
    assert_eq!(ok.headers.get(&HeaderName::Expires), Some("3600"));
    assert!(ok.headers.get(&HeaderName::Contact).is_some());
    let tag = to_tag(&ok);
    let notifies = notified(&mut ep, NOW, MessageCounts { new: 2, saved: 1 });
    assert_eq!(notifies.len(), 1);
    let n = &notifies[0];
    assert_eq!(n.method, sip::Method::Notify);
    assert_eq!(n.uri.to_string(), format!("sip:dev1@{PHONE}"));
    assert_eq!(n.call_id(), Some("mwi-1"));
    assert_eq!(n.from().unwrap().tag(), Some(tag.as_str()));
    assert_eq!(n.to().unwrap().tag(), Some("sub1"));
    assert_eq!(header(n, HeaderName::Event), "message-summary");
    assert_eq!(
        header(n, HeaderName::SubscriptionState),
        "active;expires=3600"
    );
    assert_eq!(
        header(n, HeaderName::ContentType),
        "application/simple-message-summary"
    );
    assert_eq!(
        String::from_utf8_lossy(&n.body),
        "Messages-Waiting: yes\r\nMessage-Account: sip:*97@switchboard.invalid\r\nVoice-Message: 2/1 (0/0)\r\n"
    );
}

#[test]
fn a_wrong_password_is_refused_403() {
    let mut ep = endpoint();
    let auth = credentials(&mut ep, "not-the-password");
    let headers = format!("Event: message-summary\r\nAuthorization: {auth}\r\n");
    let r = response(ep.receive(
        Instant::now(),
        NOW,
        12,
        &inbound(&subscribe(2, None, &headers)),
        known,
    ));
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(ep.subscriptions.is_empty());
}

#[test]
fn an_uncached_device_is_looked_up_before_the_answer() {
    let mut ep = endpoint();
    let auth = credentials(&mut ep, "sippass123");
    let headers = format!("Event: message-summary\r\nAuthorization: {auth}\r\n");
    let step = ep.receive(
        Instant::now(),
        NOW,
        12,
        &inbound(&subscribe(2, None, &headers)),
        nobody,
    );
    assert!(matches!(step, Step::Nothing), "{step:?}");
    let Some(Action::Mwi(MwiWork::LookUp(pending))) = ep.poll_action() else {
        panic!("expected a device look-up")
    };
    assert_eq!(pending.username(), "dev1");
    let ok = response(ep.resume_subscribe(NOW, *pending, Some(device())));
    assert_eq!(ok.status, StatusCode::OK);
    assert_eq!(ok.headers.get(&HeaderName::Expires), Some("3600"));
}

#[test]
fn another_event_package_is_489_bad_event() {
    let mut ep = endpoint();
    let r = response(ep.receive(
        Instant::now(),
        NOW,
        1,
        &inbound(&subscribe(1, None, "Event: presence\r\n")),
        known,
    ));
    assert_eq!(r.status.as_u16(), 489);
    assert_eq!(
        r.headers.get(&HeaderName::AllowEvents),
        Some("message-summary")
    );
}

#[test]
fn a_refresh_is_answered_and_notified_and_expires_0_ends_it() {
    let mut ep = endpoint();
    let tag = to_tag(&subscribed(&mut ep, "600"));
    notified(&mut ep, NOW, MessageCounts::default());
    let later = UnixMillis::from_millis(NOW.millis() + 100_000);
    let refresh = subscribe(3, Some(&tag), "Event: message-summary\r\nExpires: 30\r\n");
    let ok = response(ep.receive(Instant::now(), later, 13, &inbound(&refresh), nobody));
    assert_eq!(ok.status, StatusCode::OK);
    assert_eq!(ok.headers.get(&HeaderName::Expires), Some("60"));
    let n = notified(&mut ep, later, MessageCounts::default());
    assert_eq!(
        header(&n[0], HeaderName::SubscriptionState),
        "active;expires=60"
    );
    assert_eq!(n[0].cseq().unwrap().seq, 2);
    assert!(String::from_utf8_lossy(&n[0].body).contains("Messages-Waiting: no"));

    let end = subscribe(4, Some(&tag), "Event: message-summary\r\nExpires: 0\r\n");
    let ok = response(ep.receive(Instant::now(), later, 14, &inbound(&end), nobody));
    assert_eq!(ok.headers.get(&HeaderName::Expires), Some("0"));
    let n = notified(&mut ep, later, MessageCounts::default());
    assert_eq!(
        header(&n[0], HeaderName::SubscriptionState),
        "terminated;reason=timeout"
    );
    assert!(ep.subscriptions.is_empty());
    let again = subscribe(5, Some(&tag), "Event: message-summary\r\n");
    let r = response(ep.receive(Instant::now(), later, 15, &inbound(&again), nobody));
    assert_eq!(r.status, StatusCode::CALL_DOES_NOT_EXIST);
}

#[test]
fn an_unknown_or_expired_subscription_is_481() {
    let mut ep = endpoint();
    let stray = subscribe(9, Some("nosuchtag"), "Event: message-summary\r\n");
    let r = response(ep.receive(Instant::now(), NOW, 1, &inbound(&stray), nobody));
    assert_eq!(r.status, StatusCode::CALL_DOES_NOT_EXIST);

    let tag = to_tag(&subscribed(&mut ep, "60"));
    let after = UnixMillis::from_millis(NOW.millis() + 61_000);
    ep.expire(after);
    assert!(ep.subscriptions.is_empty());
    let late = subscribe(3, Some(&tag), "Event: message-summary\r\n");
    let r = response(ep.receive(Instant::now(), after, 2, &inbound(&late), nobody));
    assert_eq!(r.status, StatusCode::CALL_DOES_NOT_EXIST);
}

#[test]
fn a_481_to_a_notify_drops_the_subscription() {
    let mut ep = endpoint();
    subscribed(&mut ep, "600");
    let n = notified(&mut ep, NOW, MessageCounts::default()).remove(0);
    let mut gone = n.response(StatusCode::CALL_DOES_NOT_EXIST, None);
    gone.reason = "Call/Transaction Does Not Exist".into();
    let step = ep.receive(
        Instant::now(),
        NOW,
        9,
        &inbound(&String::from_utf8(gone.to_bytes()).unwrap()),
        nobody,
    );
    assert!(matches!(step, Step::Nothing));
    assert!(ep.subscriptions.is_empty());
}

/// A REGISTER of dev1 from the phone.
fn register(cseq: u32, auth: &str) -> String {
    format!(
        "REGISTER sip:127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP {PHONE};branch=z9hG4bKr{cseq};rport\r\n\
         From: <sip:dev1@127.0.0.1>;tag=r1\r\nTo: <sip:dev1@127.0.0.1>\r\nCall-ID: reg-1\r\n\
         CSeq: {cseq} REGISTER\r\nMax-Forwards: 70\r\nContact: <sip:dev1@{PHONE};ob>\r\n\
         {auth}Content-Length: 0\r\n\r\n"
    )
}

/// Registers dev1 (challenge, then CSeq 2 with nc 1); returns the
/// challenge for later REGISTERs.
fn registered(ep: &mut Endpoint) -> Challenge {
    let challenge = response(ep.receive(Instant::now(), NOW, 1, &inbound(&register(1, "")), known));
    let value = challenge.headers.get(&HeaderName::WwwAuthenticate).unwrap();
    let c = Challenge::parse(value).unwrap();
    let auth = answer(
        &c,
        "dev1",
        "sippass123",
        "REGISTER",
        "sip:127.0.0.1",
        "c1",
        1,
    );
    let auth = format!("Authorization: {auth}\r\n");
    let ok = response(ep.receive(Instant::now(), NOW, 2, &inbound(&register(2, &auth)), known));
    assert_eq!(ok.status, StatusCode::OK);
    c
}

#[test]
fn an_empty_mailbox_is_not_announced_at_registration() {
    let mut ep = endpoint();
    registered(&mut ep);
    assert!(notified(&mut ep, NOW, MessageCounts::default()).is_empty());
}

#[test]
fn a_device_that_did_not_subscribe_is_notified_at_its_new_binding() {
    let mut ep = endpoint();
    let c = registered(&mut ep);
    let n = notified(&mut ep, NOW, MessageCounts { new: 1, saved: 0 });
    assert_eq!(n.len(), 1);
    assert_eq!(n[0].uri.to_string(), format!("sip:dev1@{PHONE};ob"));
    assert_eq!(
        header(&n[0], HeaderName::To),
        "<sip:dev1@switchboard.invalid>"
    );
    assert!(n[0].headers.get(&HeaderName::SubscriptionState).is_none());
    assert!(String::from_utf8_lossy(&n[0].body).contains("Voice-Message: 1/0 (0/0)"));

    // A 489 from a phone that does not take them changes nothing.
    let no = n[0].response(StatusCode::new(489).unwrap(), Some("x"));
    let step = ep.receive(
        Instant::now(),
        NOW,
        3,
        &inbound(&String::from_utf8(no.to_bytes()).unwrap()),
        nobody,
    );
    assert!(matches!(step, Step::Nothing));

    // A refresh of the same binding asks for nothing.
    let auth3 = answer(
        &c,
        "dev1",
        "sippass123",
        "REGISTER",
        "sip:127.0.0.1",
        "c1",
        2,
    );
    let auth3 = format!("Authorization: {auth3}\r\n");
    response(ep.receive(
        Instant::now(),
        NOW,
        4,
        &inbound(&register(3, &auth3)),
        known,
    ));
    assert!(asked(&mut ep).is_empty());
}

#[test]
fn a_subscribed_phone_is_told_only_when_its_counts_change() {
    let mut ep = endpoint();
    subscribed(&mut ep, "600");
    let first = notified(&mut ep, NOW, MessageCounts { new: 1, saved: 0 });
    assert_eq!(first.len(), 1);
    let device = MwiDevice {
        device: device().device,
        account: device().account,
        user: device().user,
        username: device().username.clone(),
    };
    let tell = |ep: &mut Endpoint, counts: MessageCounts| {
        ep.mailbox_counts(
            Instant::now(),
            NOW,
            6,
            (&device, Occasion::MailboxChanged),
            counts,
        );
        let mut sent = 0;
        while let Some(a) = ep.poll_action() {
            if matches!(a, Action::SendTx(_)) {
                sent += 1;
            }
        }
        sent
    };
    assert_eq!(
        tell(&mut ep, MessageCounts { new: 1, saved: 0 }),
        0,
        "same counts"
    );
    assert_eq!(
        tell(&mut ep, MessageCounts { new: 0, saved: 1 }),
        1,
        "heard"
    );
    // A new binding of a subscribed phone tells it nothing new either.
    ep.mailbox_counts(
        Instant::now(),
        NOW,
        7,
        (&device, Occasion::Registered),
        MessageCounts { new: 0, saved: 1 },
    );
    assert!(ep.poll_action().is_none());
}

#[test]
fn a_lamp_left_on_while_the_phone_was_away_goes_out_at_its_next_registration() {
    let mut ep = endpoint();
    registered(&mut ep);
    assert_eq!(
        notified(&mut ep, NOW, MessageCounts { new: 1, saved: 0 }).len(),
        1,
        "lit at registration"
    );
    // The message is deleted while the phone is away (no live binding),
    // then the phone registers again: it is told nothing waits.
    let device = MwiDevice {
        device: device().device,
        account: device().account,
        user: device().user,
        username: device().username.clone(),
    };
    let later = UnixMillis::from_millis(NOW.millis() + 7_200_000);
    ep.mailbox_counts(
        Instant::now(),
        later,
        8,
        (&device, Occasion::MailboxChanged),
        MessageCounts::default(),
    );
    assert!(ep.poll_action().is_none(), "nowhere to send it");
    ep.mailbox_counts(
        Instant::now(),
        NOW,
        9,
        (&device, Occasion::Registered),
        MessageCounts::default(),
    );
    let mut sent = Vec::new();
    while let Some(a) = ep.poll_action() {
        if let Action::SendTx(t) = a
            && let Message::Request(r) = sip::parse(&t.bytes).unwrap()
        {
            sent.push(r);
        }
    }
    assert_eq!(sent.len(), 1, "the lamp goes out");
    assert!(String::from_utf8_lossy(&sent[0].body).contains("Messages-Waiting: no"));
    // Told so, it is not told again at the next registration.
    ep.mailbox_counts(
        Instant::now(),
        NOW,
        10,
        (&device, Occasion::Registered),
        MessageCounts::default(),
    );
    assert!(ep.poll_action().is_none());
}
