//! Calls through the endpoint, message by message, with a recording media
//! plane: authentication, forking, CANCEL of the losing fork, BYE relay,
//! busy, ring timeout, hold relay, call records.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use domain::{
    AccountId, Binding, DeviceId, Disposition, ExtensionNumber, SipPassword, SipUsername,
    UnixMillis,
};
use sip::auth::{Challenge, answer};
use sip::{HeaderName, Message, Method, Request, Response, SipMessage, StatusCode};

use super::*;
use crate::calls::{Calls, CallsConfig, CdrEvent};
use crate::dialplan::{Party, Resolution, Target};
use crate::registrar::RegistrarPolicy;

const NOW: UnixMillis = UnixMillis::from_millis(1_800_000_000_000);
const REALM: &str = "switchboard";
const CALLER: &str = "127.0.0.1:5071";
const FORK1: &str = "127.0.0.1:6001";
const FORK2: &str = "127.0.0.1:6002";

type Updates = Arc<Mutex<Vec<(Side, LegMedia)>>>;

struct Recording(Updates, Arc<Mutex<u32>>, Announced);

type Announced = Arc<Mutex<Vec<(Side, Option<crate::calls::Announcement>)>>>;

impl MediaPlane for Recording {
    fn allocate(&mut self) -> std::io::Result<MediaPorts> {
        Ok(MediaPorts {
            id: 1,
            addr: "127.0.0.1".parse().unwrap(),
            a_port: 30000,
            b_port: 30002,
        })
    }
    fn update(&mut self, _id: u64, side: Side, leg: LegMedia) {
        self.0.lock().unwrap().push((side, leg));
    }
    fn release(&mut self, _id: u64) {
        *self.1.lock().unwrap() += 1;
    }
    fn announce(&mut self, _id: u64, side: Side, what: crate::calls::Announcement) {
        self.2.lock().unwrap().push((side, Some(what)));
    }
    fn silence(&mut self, _id: u64, side: Side) {
        self.2.lock().unwrap().push((side, None));
    }
}

fn binding(contact: &str, source: &str) -> Binding {
    Binding {
        device: DeviceId::from_raw(2),
        account: AccountId::from_raw(1),
        contact: contact.into(),
        instance: None,
        source: source.into(),
        transport: "udp".into(),
        call_id: "reg".into(),
        cseq: 1,
        q_millis: 1000,
        user_agent: None,
        expires_at: UnixMillis::from_millis(NOW.millis() + 3_600_000),
        updated_at: NOW,
    }
}

struct Harness {
    ep: Endpoint,
    t0: Instant,
    media: Updates,
    released: Arc<Mutex<u32>>,
    announced: Announced,
    caller: Arc<DeviceCredentials>,
    resolution: Resolution,
    cdr: Vec<CdrEvent>,
    /// Calls the switch answered itself, and their ends.
    locals: Vec<crate::calls::LocalEvent>,
}

struct TestCaches<'a>(&'a Arc<DeviceCredentials>, &'a Resolution);

impl Caches for TestCaches<'_> {
    fn device(&self, username: &str) -> Option<Option<Arc<DeviceCredentials>>> {
        Some((username == self.0.username.as_str()).then(|| self.0.clone()))
    }
    fn resolution(&self, _device: &DeviceCredentials, dialled: &str) -> Option<Resolution> {
        (dialled == "202" || dialled == "112").then(|| self.1.clone())
    }
    fn inbound(&self, number: &domain::E164) -> Option<Option<crate::dialplan::InboundRoute>> {
        // +33199000202 is the account's number for the target.
        Some(
            (number.as_str() == "+33199000202").then(|| crate::dialplan::InboundRoute {
                account: AccountId::from_raw(1),
                number: number.clone(),
                target: self.1.target.clone(),
            }),
        )
    }
}

fn harness(forks: &[(&str, &str)]) -> Harness {
    let username = SipUsername::parse("dev201").unwrap();
    let pw = SipPassword::parse("sippass201").unwrap();
    let caller = Arc::new(DeviceCredentials {
        device: DeviceId::from_raw(1),
        account: AccountId::from_raw(1),
        user: None,
        ha1_md5: pw.ha1_md5(&username, REALM),
        ha1_sha256: pw.ha1_sha256(&username, REALM),
        username,
        realm: REALM.into(),
        suspended: false,
    });
    let party = |n: &str| Party {
        extension: Some(ExtensionNumber::parse(n).unwrap()),
        name: format!("User {n}"),
        number: n.into(),
        public: None,
    };
    let resolution = Resolution {
        caller: Arc::new(party("201")),
        target: Arc::new(Target::Devices {
            party: party("202"),
            user: None,
            voicemail: None,
            devices: vec![DeviceId::from_raw(2)],
            ring: Duration::from_secs(5),
            forward: None,
        }),
    };
    let media: Updates = Arc::default();
    let released = Arc::new(Mutex::new(0));
    let announced: Announced = Arc::default();
    let mut sent_by = std::collections::HashMap::new();
    sent_by.insert(Kind::Udp, "127.0.0.1:5060".to_owned());
    let calls = Calls::new(
        CallsConfig {
            domain: "127.0.0.1".into(),
            sent_by,
            ..CallsConfig::default()
        },
        Box::new(Recording(
            media.clone(),
            released.clone(),
            announced.clone(),
        )),
    );
    // The caller registered too (its address is a phone's).
    let mut caller_binding = binding("sip:dev201@127.0.0.1:5071", CALLER);
    caller_binding.device = DeviceId::from_raw(1);
    let location = Location::load(
        forks
            .iter()
            .map(|(c, s)| binding(c, s))
            .chain([caller_binding])
            .collect(),
    );
    let ep = Endpoint::new(
        EndpointConfig {
            realm: REALM.into(),
            secret: [3; 32],
            algorithms: vec![sip::auth::Algorithm::Md5],
            policy: RegistrarPolicy::default(),
        },
        location,
    )
    .with_calls(calls);
    Harness {
        ep,
        t0: Instant::now(),
        media,
        released,
        announced,
        caller,
        resolution,
        cdr: Vec::new(),
        locals: Vec::new(),
    }
}

impl Harness {
    /// Delivers `text` from `from` at `ms` after the start; returns what
    /// the endpoint sent, by destination.
    fn input(&mut self, ms: u64, from: &str, text: &str) -> Vec<(SocketAddr, Message)> {
        let msg = Inbound {
            kind: Kind::Udp,
            peer: from.parse().unwrap(),
            local: "127.0.0.1:5060".parse().unwrap(),
            conn: None,
            data: Bytes::copy_from_slice(text.as_bytes()),
        };
        let at = self.t0 + Duration::from_millis(ms);
        let wall = UnixMillis::from_millis(NOW.millis() + ms as i64);
        let caches = TestCaches(&self.caller, &self.resolution);
        let step = self.ep.receive(at, wall, ms ^ 0xabcdef, &msg, caches);
        assert!(matches!(step, Step::Nothing), "{step:?}");
        self.outputs()
    }

    fn tick(&mut self, ms: u64) -> Vec<(SocketAddr, Message)> {
        let at = self.t0 + Duration::from_millis(ms);
        let wall = UnixMillis::from_millis(NOW.millis() + ms as i64);
        self.ep.handle_timeout(at, wall);
        self.outputs()
    }

    fn outputs(&mut self) -> Vec<(SocketAddr, Message)> {
        let mut out = Vec::new();
        while let Some(a) = self.ep.poll_action() {
            match a {
                Action::SendTx(t) => out.push((t.to.addr, sip::parse(&t.bytes).unwrap())),
                Action::Cdr(e) => self.cdr.push(e),
                Action::Resolve(p) => panic!("unexpected look-up of {}", p.username()),
                Action::ResolveInbound(p) => panic!("unexpected look-up of {}", p.number),
                Action::Progress(..) => {}
                Action::Local(e) => self.locals.push(e),
            }
        }
        out
    }
}

fn responses(out: &[(SocketAddr, Message)], to: &str) -> Vec<Response> {
    let to: SocketAddr = to.parse().unwrap();
    out.iter()
        .filter(|(a, _)| *a == to)
        .filter_map(|(_, m)| match m {
            Message::Response(r) => Some(r.clone()),
            _ => None,
        })
        .collect()
}

fn requests(out: &[(SocketAddr, Message)], to: &str) -> Vec<Request> {
    let to: SocketAddr = to.parse().unwrap();
    out.iter()
        .filter(|(a, _)| *a == to)
        .filter_map(|(_, m)| match m {
            Message::Request(r) => Some(r.clone()),
            _ => None,
        })
        .collect()
}

const OFFER: &str = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 40000 RTP/AVP 8 0 101\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\na=sendrecv\r\n";

fn answer_sdp(port: u16, codec: u8, dir: &str) -> String {
    let name = if codec == 0 { "PCMU" } else { "PCMA" };
    format!(
        "v=0\r\no=- 2 2 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio {port} RTP/AVP {codec}\r\na=rtpmap:{codec} {name}/8000\r\na={dir}\r\n"
    )
}

fn invite(branch: &str, cseq: u32, auth: Option<&str>, to_tag: Option<&str>, sdp: &str) -> String {
    let auth = auth
        .map(|a| format!("Proxy-Authorization: {a}\r\n"))
        .unwrap_or_default();
    let to_tag = to_tag.map(|t| format!(";tag={t}")).unwrap_or_default();
    format!(
        "INVITE sip:202@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP {CALLER};branch={branch};rport\r\n\
         From: <sip:dev201@127.0.0.1>;tag=caller\r\nTo: <sip:202@127.0.0.1>{to_tag}\r\nCall-ID: a-leg\r\n\
         CSeq: {cseq} INVITE\r\nMax-Forwards: 70\r\nContact: <sip:dev201@{CALLER}>\r\n{auth}\
         Content-Type: application/sdp\r\nContent-Length: {}\r\n\r\n{sdp}",
        sdp.len()
    )
}

/// A response to `req` from a callee, with `tag` and an optional SDP body.
fn reply(req: &Request, status: u16, tag: &str, sdp: Option<&str>, contact: &str) -> String {
    let mut r = req.response(StatusCode::new(status).unwrap(), Some(tag));
    r.headers
        .push(HeaderName::Contact, format!("<sip:dev202@{contact}>"));
    if let Some(s) = sdp {
        r.headers.push(HeaderName::ContentType, "application/sdp");
        r.body = s.as_bytes().to_vec();
    }
    String::from_utf8(r.to_bytes()).unwrap()
}

/// Dev201's Proxy-Authorization with `password`, answering the 407 to the
/// caller in `out` for `uri`.
fn credentials(out: &[(SocketAddr, Message)], password: &str, uri: &str, cnonce: &str) -> String {
    let c = Challenge::parse(
        responses(out, CALLER)[0]
            .headers
            .get(&HeaderName::ProxyAuthenticate)
            .unwrap(),
    )
    .unwrap();
    answer(&c, "dev201", password, "INVITE", uri, cnonce, 1).to_string()
}

/// INVITE, 407, ACK, authenticated INVITE: returns the forks' INVITEs.
fn dial(h: &mut Harness) -> Vec<(SocketAddr, Request)> {
    let out = h.input(0, CALLER, &invite("z9hG4bKa1", 1, None, None, OFFER));
    let r = responses(&out, CALLER);
    assert_eq!(r.len(), 1);
    assert_eq!(r[0].status, StatusCode::PROXY_AUTH_REQUIRED);
    let challenge =
        Challenge::parse(r[0].headers.get(&HeaderName::ProxyAuthenticate).unwrap()).unwrap();
    let to_tag = r[0].to().unwrap().tag().unwrap().to_owned();
    let ack = format!(
        "ACK sip:202@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP {CALLER};branch=z9hG4bKa1;rport\r\n\
         From: <sip:dev201@127.0.0.1>;tag=caller\r\nTo: <sip:202@127.0.0.1>;tag={to_tag}\r\nCall-ID: a-leg\r\n\
         CSeq: 1 ACK\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n"
    );
    assert!(
        h.input(5, CALLER, &ack).is_empty(),
        "the ACK of a 407 is absorbed"
    );
    let auth = answer(
        &challenge,
        "dev201",
        "sippass201",
        "INVITE",
        "sip:202@127.0.0.1",
        "c1",
        1,
    )
    .to_string();
    let out = h.input(
        10,
        CALLER,
        &invite("z9hG4bKa2", 2, Some(&auth), None, OFFER),
    );
    let r = responses(&out, CALLER);
    assert_eq!(r.len(), 1);
    assert_eq!(r[0].status, StatusCode::TRYING);
    out.into_iter()
        .filter_map(|(a, m)| match m {
            Message::Request(r) if r.method == Method::Invite => Some((a, r)),
            _ => None,
        })
        .collect()
}

#[test]
fn a_forked_call_is_answered_by_one_device_and_the_other_is_cancelled() {
    let mut h = harness(&[
        ("sip:dev202@127.0.0.1:6001", FORK1),
        ("sip:dev202b@127.0.0.1:6002", FORK2),
    ]);
    let forks = dial(&mut h);
    assert_eq!(forks.len(), 2, "both devices ring");
    let f1 = forks
        .iter()
        .find(|(a, _)| *a == FORK1.parse().unwrap())
        .unwrap()
        .1
        .clone();
    let f2 = forks
        .iter()
        .find(|(a, _)| *a == FORK2.parse().unwrap())
        .unwrap()
        .1
        .clone();
    assert_eq!(f1.uri.to_string(), "sip:dev202@127.0.0.1:6001");
    assert_eq!(f1.call_id(), f2.call_id(), "forks share the B-leg Call-ID");
    assert_ne!(f1.call_id(), Some("a-leg"), "the B-leg is a new dialog");
    assert!(
        f1.headers
            .get(&HeaderName::From)
            .unwrap()
            .contains("\"User 201\" <sip:201@")
    );
    let offer = std::str::from_utf8(&f1.body).unwrap();
    assert!(
        offer.contains("m=audio 30002 RTP/AVP 8 0 111 101"),
        "the caller's codecs first: {offer}"
    );

    // Fork 1 rings: the caller hears 180.
    let out = h.input(20, FORK1, &reply(&f1, 180, "f1", None, FORK1));
    assert_eq!(responses(&out, CALLER)[0].status, StatusCode::RINGING);
    let out = h.input(25, FORK2, &reply(&f2, 180, "f2", None, FORK2));
    assert!(responses(&out, CALLER).is_empty(), "one 180 is enough");

    // Fork 2 answers: it gets an ACK, fork 1 a CANCEL, the caller a 200.
    let out = h.input(
        1000,
        FORK2,
        &reply(
            &f2,
            200,
            "f2",
            Some(&answer_sdp(50000, 0, "sendrecv")),
            FORK2,
        ),
    );
    let to_f2 = requests(&out, FORK2);
    assert_eq!(to_f2.len(), 1);
    assert_eq!(to_f2[0].method, Method::Ack);
    let to_f1 = requests(&out, FORK1);
    assert_eq!(to_f1.len(), 1);
    assert_eq!(to_f1[0].method, Method::Cancel);
    assert_eq!(
        to_f1[0].top_via().unwrap().branch(),
        f1.top_via().unwrap().branch()
    );
    let ok = responses(&out, CALLER);
    assert_eq!(ok[0].status, StatusCode::OK);
    let sdp = std::str::from_utf8(&ok[0].body).unwrap();
    assert!(
        sdp.contains("m=audio 30000 RTP/AVP 0"),
        "the caller gets the callee's codec: {sdp}"
    );
    {
        let media = h.media.lock().unwrap();
        let b = media.iter().rfind(|(s, _)| *s == Side::B).unwrap();
        assert_eq!(b.1.remote, Some("127.0.0.1:50000".parse().unwrap()));
        let a = media.iter().rfind(|(s, _)| *s == Side::A).unwrap();
        assert_eq!(a.1.remote, Some("127.0.0.1:40000".parse().unwrap()));
        assert_eq!(a.1.format.pt, 0);
        assert_eq!(a.1.telephone_event, Some(101));
    }
    // Fork 1 answers the CANCEL and its INVITE.
    h.input(1010, FORK1, &reply(&to_f1[0], 200, "f1", None, FORK1));
    let out = h.input(1011, FORK1, &reply(&f1, 487, "f1", None, FORK1));
    assert_eq!(
        requests(&out, FORK1)[0].method,
        Method::Ack,
        "the 487 is ACKed"
    );

    // The caller ACKs, then hangs up: the callee gets BYE.
    let a_tag = ok[0].to().unwrap().tag().unwrap().to_owned();
    let in_dialog = |method: &str, cseq: u32, branch: &str| {
        format!(
            "{method} sip:switch@127.0.0.1:5060 SIP/2.0\r\nVia: SIP/2.0/UDP {CALLER};branch={branch};rport\r\n\
             From: <sip:dev201@127.0.0.1>;tag=caller\r\nTo: <sip:202@127.0.0.1>;tag={a_tag}\r\nCall-ID: a-leg\r\n\
             CSeq: {cseq} {method}\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n"
        )
    };
    assert!(
        h.input(1020, CALLER, &in_dialog("ACK", 2, "z9hG4bKa3"))
            .is_empty()
    );
    let out = h.input(4000, CALLER, &in_dialog("BYE", 3, "z9hG4bKa4"));
    assert_eq!(responses(&out, CALLER)[0].status, StatusCode::OK);
    let bye = requests(&out, FORK2);
    assert_eq!(bye[0].method, Method::Bye);
    assert_eq!(
        bye[0].headers.get(&HeaderName::To).unwrap(),
        "<sip:202@127.0.0.1>;tag=f2"
    );
    assert_eq!(*h.released.lock().unwrap(), 1, "media released");

    // One record: started, answered at 1 s, ended at 4 s.
    assert!(
        matches!(&h.cdr[0], CdrEvent::Start { record, .. } if record.caller_number == "201" && record.callee_number == "202")
    );
    assert!(matches!(&h.cdr[1], CdrEvent::Answer { at, .. } if at.millis() == NOW.millis() + 1000));
    assert!(
        matches!(&h.cdr[2], CdrEvent::End { at, disposition: Disposition::Answered, cause, .. }
        if at.millis() == NOW.millis() + 4000 && cause == "caller hung up")
    );
    assert_eq!(h.ep.calls().len(), 0);
}

#[test]
fn busy_callee_gives_486_and_a_busy_record() {
    let mut h = harness(&[("sip:dev202@127.0.0.1:6001", FORK1)]);
    let forks = dial(&mut h);
    let out = h.input(50, FORK1, &reply(&forks[0].1, 486, "f1", None, FORK1));
    assert_eq!(requests(&out, FORK1)[0].method, Method::Ack);
    assert_eq!(responses(&out, CALLER)[0].status, StatusCode::BUSY_HERE);
    assert!(matches!(
        h.cdr.last(),
        Some(CdrEvent::End {
            disposition: Disposition::Busy,
            ..
        })
    ));
}

#[test]
fn unanswered_call_is_cancelled_after_the_ring_time() {
    let mut h = harness(&[("sip:dev202@127.0.0.1:6001", FORK1)]);
    let forks = dial(&mut h);
    h.input(30, FORK1, &reply(&forks[0].1, 180, "f1", None, FORK1));
    let early = h.tick(4000);
    assert!(
        requests(&early, FORK1)
            .iter()
            .all(|r| r.method != Method::Cancel)
    );
    let out = h.tick(5010);
    assert_eq!(requests(&out, FORK1).last().unwrap().method, Method::Cancel);
    assert_eq!(
        responses(&out, CALLER)[0].status,
        StatusCode::TEMPORARILY_UNAVAILABLE
    );
    assert!(
        matches!(h.cdr.last(), Some(CdrEvent::End { disposition: Disposition::Missed, cause, .. }) if cause == "no answer")
    );
}

#[test]
fn a_call_from_neither_a_carrier_nor_a_phone_is_refused_and_counted() {
    let mut h = harness(&[]);
    let stranger = "127.0.0.2:5060";
    let bytes = invite("z9hG4bKx1", 1, None, None, OFFER).replace("127.0.0.1:5071", stranger);
    let out = h.input(0, stranger, &bytes);
    assert_eq!(responses(&out, stranger)[0].status, StatusCode::FORBIDDEN);
    assert_eq!(h.ep.counters.untrusted_calls, 1);
    // A phone's address is challenged as usual.
    let out = h.input(0, CALLER, &invite("z9hG4bKx2", 1, None, None, OFFER));
    assert_eq!(
        responses(&out, CALLER)[0].status,
        StatusCode::PROXY_AUTH_REQUIRED
    );
}

#[test]
fn nobody_registered_gets_480_at_once() {
    let mut h = harness(&[]);
    let out = h.input(0, CALLER, &invite("z9hG4bKa1", 1, None, None, OFFER));
    let auth = credentials(&out, "sippass201", "sip:202@127.0.0.1", "c1");
    let out = h.input(
        10,
        CALLER,
        &invite("z9hG4bKa2", 2, Some(&auth), None, OFFER),
    );
    assert_eq!(
        responses(&out, CALLER)[0].status,
        StatusCode::TEMPORARILY_UNAVAILABLE
    );
    assert!(
        matches!(h.cdr.last(), Some(CdrEvent::End { disposition: Disposition::Missed, cause, .. }) if cause == "not registered")
    );
}

#[test]
fn a_wrong_password_is_refused_with_403() {
    let mut h = harness(&[("sip:dev202@127.0.0.1:6001", FORK1)]);
    let out = h.input(0, CALLER, &invite("z9hG4bKa1", 1, None, None, OFFER));
    let auth = credentials(&out, "wrong", "sip:202@127.0.0.1", "c1");
    let out = h.input(
        10,
        CALLER,
        &invite("z9hG4bKa2", 2, Some(&auth), None, OFFER),
    );
    assert_eq!(responses(&out, CALLER)[0].status, StatusCode::FORBIDDEN);
    assert!(requests(&out, FORK1).is_empty());
}

#[test]
fn hold_is_relayed_to_the_other_side_and_answered_with_its_direction() {
    let mut h = harness(&[("sip:dev202@127.0.0.1:6001", FORK1)]);
    let forks = dial(&mut h);
    let f1 = forks[0].1.clone();
    let out = h.input(
        100,
        FORK1,
        &reply(
            &f1,
            200,
            "f1",
            Some(&answer_sdp(50000, 8, "sendrecv")),
            FORK1,
        ),
    );
    let ok = responses(&out, CALLER)[0].clone();
    let a_tag = ok.to().unwrap().tag().unwrap().to_owned();
    let hold_offer = OFFER.replace("a=sendrecv", "a=sendonly");
    let reinvite = invite("z9hG4bKa5", 3, None, Some(&a_tag), &hold_offer);
    let out = h.input(2000, CALLER, &reinvite);
    let to_b = requests(&out, FORK1);
    assert_eq!(to_b[0].method, Method::Invite);
    let b_offer = std::str::from_utf8(&to_b[0].body).unwrap();
    assert!(b_offer.contains("a=sendonly"), "{b_offer}");
    assert!(b_offer.contains("m=audio 30002 RTP/AVP 8"), "{b_offer}");
    assert!(
        responses(&out, CALLER).iter().all(|r| !r.status.is_final()),
        "the caller waits for the callee"
    );
    let out = h.input(
        2010,
        FORK1,
        &reply(
            &to_b[0],
            200,
            "f1",
            Some(&answer_sdp(50000, 8, "recvonly")),
            FORK1,
        ),
    );
    assert_eq!(requests(&out, FORK1)[0].method, Method::Ack);
    let ok = responses(&out, CALLER);
    assert_eq!(ok[0].status, StatusCode::OK);
    let sdp = std::str::from_utf8(&ok[0].body).unwrap();
    assert!(sdp.contains("a=recvonly"), "{sdp}");
    let media = h.media.lock().unwrap();
    let (_, b) = media.iter().rfind(|(s, _)| *s == Side::B).unwrap();
    assert!(
        b.send && !b.recv,
        "the switch sends to the held callee and takes nothing from it"
    );
}

/// INVITE, 407, authenticated INVITE with `extra` headers.
fn dial_with(h: &mut Harness, extra: &str) -> Vec<(SocketAddr, Message)> {
    let with = |auth: Option<&str>, branch: &str, cseq: u32| {
        invite(branch, cseq, auth, None, OFFER).replacen(
            "Content-Type",
            &format!("{extra}Content-Type"),
            1,
        )
    };
    let out = h.input(0, CALLER, &with(None, "z9hG4bKs1", 1));
    let auth = credentials(&out, "sippass201", "sip:202@127.0.0.1", "c1");
    h.input(10, CALLER, &with(Some(&auth), "z9hG4bKs2", 2))
}

#[test]
fn a_session_interval_below_min_se_is_refused_with_422() {
    let mut h = harness(&[("sip:dev202@127.0.0.1:6001", FORK1)]);
    let out = dial_with(&mut h, "Supported: timer\r\nSession-Expires: 30\r\n");
    let r = &responses(&out, CALLER)[0];
    assert_eq!(r.status.as_u16(), 422);
    assert_eq!(
        r.headers.get(&HeaderName::Other("Min-SE".into())),
        Some("90")
    );
    assert!(requests(&out, FORK1).is_empty());
}

#[test]
fn an_unrefreshed_session_is_hung_up_on_both_sides() {
    let mut h = harness(&[("sip:dev202@127.0.0.1:6001", FORK1)]);
    let out = dial_with(&mut h, "Supported: timer\r\nSession-Expires: 120\r\n");
    let fork = requests(&out, FORK1)
        .into_iter()
        .find(|r| r.method == Method::Invite)
        .unwrap();
    assert!(
        fork.headers.get(&HeaderName::SessionExpires).is_none(),
        "the callee is not asked to refresh"
    );
    let out = h.input(
        100,
        FORK1,
        &reply(
            &fork,
            200,
            "f1",
            Some(&answer_sdp(50000, 0, "sendrecv")),
            FORK1,
        ),
    );
    let ok = &responses(&out, CALLER)[0];
    assert_eq!(
        ok.headers.get(&HeaderName::SessionExpires),
        Some("120;refresher=uac")
    );
    assert_eq!(ok.headers.get(&HeaderName::Require), Some("timer"));
    let a_tag = ok.to().unwrap().tag().unwrap().to_owned();
    let ack = format!(
        "ACK sip:switch@127.0.0.1:5060 SIP/2.0\r\nVia: SIP/2.0/UDP {CALLER};branch=z9hG4bKs3;rport\r\n\
         From: <sip:dev201@127.0.0.1>;tag=caller\r\nTo: <sip:202@127.0.0.1>;tag={a_tag}\r\nCall-ID: a-leg\r\n\
         CSeq: 2 ACK\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n"
    );
    h.input(150, CALLER, &ack);
    // A refresh (UPDATE without SDP) at 60 s moves the deadline to 180 s.
    let update = format!(
        "UPDATE sip:switch@127.0.0.1:5060 SIP/2.0\r\nVia: SIP/2.0/UDP {CALLER};branch=z9hG4bKs4;rport\r\n\
         From: <sip:dev201@127.0.0.1>;tag=caller\r\nTo: <sip:202@127.0.0.1>;tag={a_tag}\r\nCall-ID: a-leg\r\n\
         CSeq: 3 UPDATE\r\nMax-Forwards: 70\r\nSession-Expires: 120;refresher=uac\r\nContent-Length: 0\r\n\r\n"
    );
    let out = h.input(60_000, CALLER, &update);
    assert_eq!(responses(&out, CALLER)[0].status, StatusCode::OK);
    let out = h.tick(150_000);
    assert!(
        requests(&out, FORK1)
            .iter()
            .all(|r| r.method != Method::Bye),
        "refreshed in time"
    );
    let out = h.tick(181_000);
    assert_eq!(requests(&out, FORK1).last().unwrap().method, Method::Bye);
    assert_eq!(requests(&out, CALLER).last().unwrap().method, Method::Bye);
    assert!(
        matches!(h.cdr.last(), Some(CdrEvent::End { disposition: Disposition::Answered, cause, .. }) if cause == "session timer expired")
    );
}

#[test]
fn sip_info_key_presses_are_passed_to_the_other_side() {
    let mut h = harness(&[("sip:dev202@127.0.0.1:6001", FORK1)]);
    let forks = dial(&mut h);
    let f1 = forks[0].1.clone();
    let out = h.input(
        100,
        FORK1,
        &reply(
            &f1,
            200,
            "f1",
            Some(&answer_sdp(50000, 0, "sendrecv")),
            FORK1,
        ),
    );
    let a_tag = responses(&out, CALLER)[0]
        .to()
        .unwrap()
        .tag()
        .unwrap()
        .to_owned();
    let body = "Signal=5\r\nDuration=160\r\n";
    let info = format!(
        "INFO sip:switch@127.0.0.1:5060 SIP/2.0\r\nVia: SIP/2.0/UDP {CALLER};branch=z9hG4bKi1;rport\r\n\
         From: <sip:dev201@127.0.0.1>;tag=caller\r\nTo: <sip:202@127.0.0.1>;tag={a_tag}\r\nCall-ID: a-leg\r\n\
         CSeq: 3 INFO\r\nMax-Forwards: 70\r\nContent-Type: application/dtmf-relay\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    let out = h.input(2000, CALLER, &info);
    assert_eq!(responses(&out, CALLER)[0].status, StatusCode::OK);
    let relayed = &requests(&out, FORK1)[0];
    assert_eq!(relayed.method, Method::Info);
    assert_eq!(
        relayed.headers.get(&HeaderName::ContentType),
        Some("application/dtmf-relay")
    );
    assert_eq!(relayed.body, body.as_bytes());
    assert_eq!(
        relayed.call_id(),
        f1.call_id(),
        "inside the callee's dialog"
    );
}

#[test]
fn an_opus_only_caller_talks_to_a_g711_callee_through_the_relay() {
    let mut h = harness(&[("sip:dev202@127.0.0.1:6001", FORK1)]);
    let opus = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 40000 RTP/AVP 96\r\na=rtpmap:96 opus/48000/2\r\na=fmtp:96 useinbandfec=1\r\na=sendrecv\r\n";
    let out = h.input(0, CALLER, &invite("z9hG4bKo1", 1, None, None, opus));
    let auth = credentials(&out, "sippass201", "sip:202@127.0.0.1", "c1");
    let out = h.input(10, CALLER, &invite("z9hG4bKo2", 2, Some(&auth), None, opus));
    let fork = requests(&out, FORK1)
        .into_iter()
        .find(|r| r.method == Method::Invite)
        .unwrap();
    let b_offer = std::str::from_utf8(&fork.body).unwrap();
    assert!(
        b_offer.contains("m=audio 30002 RTP/AVP 111 0 8 101"),
        "{b_offer}"
    );
    let out = h.input(
        100,
        FORK1,
        &reply(
            &fork,
            200,
            "f1",
            Some(&answer_sdp(50000, 0, "sendrecv")),
            FORK1,
        ),
    );
    let ok = &responses(&out, CALLER)[0];
    let sdp = std::str::from_utf8(&ok.body).unwrap();
    assert!(
        sdp.contains("m=audio 30000 RTP/AVP 96"),
        "the caller keeps its Opus: {sdp}"
    );
    let media = h.media.lock().unwrap();
    let (_, a) = media.iter().rfind(|(s, _)| *s == Side::A).unwrap();
    let (_, b) = media.iter().rfind(|(s, _)| *s == Side::B).unwrap();
    assert_eq!((a.format.codec, a.format.pt), (media::sdp::Codec::Opus, 96));
    assert_eq!((b.format.codec, b.format.pt), (media::sdp::Codec::Pcmu, 0));
}

// Routing beyond one user's phones: ring groups in turn, carriers with
// failover and digest, forwarding with "press 1".

const CARRIER1: &str = "127.0.0.1:7001";
const CARRIER2: &str = "127.0.0.1:7002";

fn carrier(id: i64, addr: &str, credentials: bool) -> crate::trunk::LiveTrunk {
    crate::trunk::LiveTrunk {
        id: domain::TrunkId::from_raw(id),
        name: format!("carrier{id}"),
        host: "carrier.test".into(),
        addr: addr.parse().unwrap(),
        kind: Kind::Udp,
        format: domain::NumberFormat::E164,
        credentials: credentials.then(|| crate::trunk::TrunkCredentials {
            username: "acme".into(),
            password: "trunkpass".into(),
        }),
        sources: Vec::new(),
    }
}

/// Carriers 1 and 2, tried in that order.
fn two_carriers(h: &mut Harness) {
    h.ep.set_trunks(
        h.t0,
        0,
        Arc::new(vec![
            carrier(1, CARRIER1, false),
            carrier(2, CARRIER2, false),
        ]),
    );
}

fn with_target(h: &mut Harness, target: Target) {
    h.resolution.target = Arc::new(target);
    let mut caller = (*h.resolution.caller).clone();
    caller.public = Some(domain::E164::parse("+33199000201").unwrap());
    h.resolution.caller = Arc::new(caller);
}

fn public(number: &str) -> Target {
    let n = domain::E164::parse(number).unwrap();
    Target::Public {
        party: Party {
            extension: None,
            name: String::new(),
            number: n.as_str().to_owned(),
            public: Some(n.clone()),
        },
        dialled: domain::Dialled::Public(n),
    }
}

fn ended(h: &Harness) -> (Disposition, String) {
    match h.cdr.last() {
        Some(CdrEvent::End {
            disposition, cause, ..
        }) => (*disposition, cause.clone()),
        other => panic!("{other:?}"),
    }
}

#[test]
fn outbound_calls_show_the_caller_id_and_fail_over_to_the_next_carrier_on_503() {
    let mut h = harness(&[]);
    with_target(&mut h, public("0612345678"));
    two_carriers(&mut h);
    let forks = dial(&mut h);
    assert_eq!(forks.len(), 1, "one carrier at a time");
    let (to, inv) = &forks[0];
    assert_eq!(*to, CARRIER1.parse().unwrap());
    assert_eq!(inv.uri.to_string(), "sip:+33612345678@carrier.test:7001");
    assert!(
        inv.headers
            .get(&HeaderName::From)
            .unwrap()
            .contains("<sip:+33199000201@carrier.test>")
    );
    assert_eq!(
        inv.headers
            .get(&HeaderName::Other("P-Asserted-Identity".into()))
            .unwrap(),
        "<sip:+33199000201@carrier.test>"
    );
    let out = h.input(50, CARRIER1, &reply(inv, 503, "c1", None, CARRIER1));
    let next = requests(&out, CARRIER2);
    assert_eq!(next.len(), 1, "the second carrier gets the call");
    assert_eq!(
        next[0].uri.to_string(),
        "sip:+33612345678@carrier.test:7002"
    );
    assert!(responses(&out, CALLER).is_empty(), "the caller still waits");
    let out = h.input(60, CARRIER2, &reply(&next[0], 486, "c2", None, CARRIER2));
    assert_eq!(responses(&out, CALLER)[0].status, StatusCode::BUSY_HERE);
    assert_eq!(ended(&h).0, Disposition::Busy);
    match &h.cdr[0] {
        CdrEvent::Start { record, .. } => {
            assert_eq!(record.direction, domain::CallDirection::Outbound);
            assert_eq!(record.callee_number, "+33612345678");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_refusal_from_the_carrier_is_not_failed_over() {
    let mut h = harness(&[]);
    with_target(&mut h, public("0612345678"));
    two_carriers(&mut h);
    let forks = dial(&mut h);
    let out = h.input(50, CARRIER1, &reply(&forks[0].1, 404, "c1", None, CARRIER1));
    assert!(requests(&out, CARRIER2).is_empty());
    assert_eq!(
        responses(&out, CALLER)[0].status,
        StatusCode::TEMPORARILY_UNAVAILABLE
    );
}

#[test]
fn without_a_carrier_an_outbound_call_gets_503_and_a_failed_record() {
    let mut h = harness(&[]);
    with_target(&mut h, public("0612345678"));
    let out = h.input(0, CALLER, &invite("z9hG4bKa1", 1, None, None, OFFER));
    assert_eq!(
        responses(&out, CALLER)[0].status,
        StatusCode::PROXY_AUTH_REQUIRED
    );
    let forks = {
        // dial() expects a 100; do the authenticated INVITE by hand.
        let auth = credentials(&out, "sippass201", "sip:202@127.0.0.1", "c1");
        h.input(
            10,
            CALLER,
            &invite("z9hG4bKa2", 2, Some(&auth), None, OFFER),
        )
    };
    assert_eq!(
        responses(&forks, CALLER)[0].status,
        StatusCode::SERVICE_UNAVAILABLE
    );
    assert_eq!(ended(&h), (Disposition::Failed, "no carrier".into()));
}

#[test]
fn a_carriers_challenge_to_the_invite_is_answered_with_the_trunk_credentials() {
    let mut h = harness(&[]);
    with_target(&mut h, public("0044207946000"));
    h.ep.set_trunks(h.t0, 0, Arc::new(vec![carrier(1, CARRIER1, true)]));
    let forks = dial(&mut h);
    let inv = &forks[0].1;
    assert_eq!(inv.uri.to_string(), "sip:+44207946000@carrier.test:7001");
    let mut challenge = inv.response(StatusCode::PROXY_AUTH_REQUIRED, Some("c1"));
    challenge.headers.push(
        HeaderName::ProxyAuthenticate,
        "Digest realm=\"carrier.test\", nonce=\"n0nce\", algorithm=MD5, qop=\"auth\"",
    );
    let out = h.input(
        50,
        CARRIER1,
        &String::from_utf8(challenge.to_bytes()).unwrap(),
    );
    let again: Vec<Request> = requests(&out, CARRIER1)
        .into_iter()
        .filter(|r| r.method == Method::Invite)
        .collect();
    assert_eq!(again.len(), 1, "{out:?}");
    assert_eq!(again[0].cseq().unwrap().seq, 2);
    let creds = sip::auth::Credentials::parse(
        again[0]
            .headers
            .get(&HeaderName::ProxyAuthorization)
            .unwrap(),
    )
    .unwrap();
    assert_eq!(creds.username, "acme");
    let ha1 = sip::auth::ha1(
        sip::auth::Algorithm::Md5,
        "acme",
        "carrier.test",
        "trunkpass",
    );
    let expected = sip::auth::response(
        sip::auth::Algorithm::Md5,
        &ha1,
        "INVITE",
        &creds.uri,
        "n0nce",
        Some((creds.nc.unwrap(), creds.cnonce.as_deref().unwrap())),
    );
    assert_eq!(creds.response, expected);
    assert!(responses(&out, CALLER).is_empty());
}

fn group(strategy: domain::RingStrategy) -> Target {
    let member = |d: i64, n: &str| crate::dialplan::Member {
        party: Party {
            extension: Some(ExtensionNumber::parse(n).unwrap()),
            name: n.into(),
            number: n.into(),
            public: None,
        },
        devices: vec![DeviceId::from_raw(d)],
    };
    Target::Group {
        party: Party {
            extension: Some(ExtensionNumber::parse("600").unwrap()),
            name: "Accueil".into(),
            number: "600".into(),
            public: None,
        },
        strategy,
        ring: Duration::from_secs(3),
        members: vec![member(2, "202"), member(3, "203")],
    }
}

fn two_members() -> Harness {
    let mut h = harness(&[("sip:dev202@127.0.0.1:6001", FORK1)]);
    let mut b = binding("sip:dev203@127.0.0.1:6002", FORK2);
    b.device = DeviceId::from_raw(3);
    h.ep.location.replace(DeviceId::from_raw(3), vec![b]);
    h
}

#[test]
fn a_sequential_ring_group_rings_the_next_member_after_the_ring_time() {
    let mut h = two_members();
    with_target(&mut h, group(domain::RingStrategy::Sequential));
    let forks = dial(&mut h);
    assert_eq!(forks.len(), 1);
    assert_eq!(forks[0].0, FORK1.parse().unwrap());
    h.input(100, FORK1, &reply(&forks[0].1, 180, "m1", None, FORK1));
    let out = h.tick(3_010);
    assert_eq!(requests(&out, FORK1)[0].method, Method::Cancel);
    let next = requests(&out, FORK2);
    assert_eq!(next.len(), 1, "the second member rings");
    assert_eq!(next[0].cseq().unwrap().seq, 2);
    assert!(responses(&out, CALLER).is_empty());
    let out = h.input(
        3_100,
        FORK2,
        &reply(
            &next[0],
            200,
            "m2",
            Some(&answer_sdp(41000, 8, "sendrecv")),
            FORK2,
        ),
    );
    assert_eq!(responses(&out, CALLER)[0].status, StatusCode::OK);
}

#[test]
fn a_ring_group_skips_a_member_who_is_in_a_call() {
    let mut h = two_members();
    // 203 answers a first call: it is busy.
    with_target(
        &mut h,
        Target::Devices {
            party: Party {
                extension: None,
                name: "203".into(),
                number: "203".into(),
                public: None,
            },
            user: None,
            voicemail: None,
            devices: vec![DeviceId::from_raw(3)],
            ring: Duration::from_secs(5),
            forward: None,
        },
    );
    let forks = dial(&mut h);
    assert_eq!(forks[0].0, FORK2.parse().unwrap());
    h.input(
        100,
        FORK2,
        &reply(
            &forks[0].1,
            200,
            "b1",
            Some(&answer_sdp(41000, 8, "sendrecv")),
            FORK2,
        ),
    );
    // A second caller rings the group in turn: only 202 rings.
    with_target(&mut h, group(domain::RingStrategy::Sequential));
    let out = h.input(
        200,
        CALLER,
        &invite("z9hG4bKb1", 1, None, None, OFFER).replace("a-leg", "second"),
    );
    let auth = credentials(&out, "sippass201", "sip:202@127.0.0.1", "c2");
    let out = h.input(
        210,
        CALLER,
        &invite("z9hG4bKb2", 2, Some(&auth), None, OFFER).replace("a-leg", "second"),
    );
    assert_eq!(requests(&out, FORK1).len(), 1);
    assert!(requests(&out, FORK2).is_empty(), "203 is busy");
    // When 202 does not answer either, nobody else is tried.
    let out = h.tick(3_300);
    assert_eq!(
        responses(&out, CALLER).last().unwrap().status,
        StatusCode::TEMPORARILY_UNAVAILABLE
    );
}

fn forwarding(key_press: bool) -> Target {
    Target::Devices {
        party: Party {
            extension: Some(ExtensionNumber::parse("202").unwrap()),
            name: "User 202".into(),
            number: "202".into(),
            public: None,
        },
        user: None,
        voicemail: None,
        devices: vec![DeviceId::from_raw(2)],
        ring: Duration::from_secs(5),
        forward: Some(crate::dialplan::Forward {
            to: crate::dialplan::ForwardTo::Public(domain::Dialled::Public(
                domain::E164::parse("0698765432").unwrap(),
            )),
            simultaneous: false,
            key_press,
            by: Some(domain::E164::parse("+33199000202").unwrap()),
            language: domain::Language::Fr,
        }),
    }
}

#[test]
fn a_forwarded_call_carries_diversion_and_joins_when_1_is_pressed() {
    let mut h = harness(&[("sip:dev202@127.0.0.1:6001", FORK1)]);
    with_target(&mut h, forwarding(true));
    h.ep.set_trunks(h.t0, 0, Arc::new(vec![carrier(1, CARRIER1, false)]));
    let forks = dial(&mut h);
    assert_eq!(forks.len(), 1, "forward-all: the phone does not ring");
    let inv = &forks[0].1;
    assert_eq!(inv.uri.to_string(), "sip:+33698765432@carrier.test:7001");
    assert_eq!(
        inv.headers
            .get(&HeaderName::Other("Diversion".into()))
            .unwrap(),
        "<sip:+33199000202@carrier.test>;reason=unconditional"
    );
    let out = h.input(
        100,
        CARRIER1,
        &reply(
            inv,
            200,
            "fw",
            Some(&answer_sdp(42000, 8, "sendrecv")),
            CARRIER1,
        ),
    );
    assert!(
        requests(&out, CARRIER1)
            .iter()
            .any(|r| r.method == Method::Ack)
    );
    assert!(
        responses(&out, CALLER).is_empty(),
        "not joined before the key"
    );
    assert_eq!(
        h.announced.lock().unwrap().as_slice(),
        [(
            Side::B,
            Some(crate::calls::Announcement::PressOne(domain::Language::Fr))
        )]
    );
    let at = h.t0 + Duration::from_millis(2_000);
    h.ep.media_dtmf(at, NOW, 1, Side::B, '1');
    let out = h.outputs();
    assert_eq!(responses(&out, CALLER)[0].status, StatusCode::OK);
    assert_eq!(h.announced.lock().unwrap().last(), Some(&(Side::B, None)));
}

#[test]
fn a_forwarded_party_that_does_not_press_1_is_let_go_and_the_caller_hears_480() {
    let mut h = harness(&[("sip:dev202@127.0.0.1:6001", FORK1)]);
    with_target(&mut h, forwarding(true));
    h.ep.set_trunks(h.t0, 0, Arc::new(vec![carrier(1, CARRIER1, false)]));
    let forks = dial(&mut h);
    h.input(
        100,
        CARRIER1,
        &reply(
            &forks[0].1,
            200,
            "fw",
            Some(&answer_sdp(42000, 8, "sendrecv")),
            CARRIER1,
        ),
    );
    // A wrong key does not join either... but the 10 s wait is what ends it here.
    let out = h.tick(10_200);
    assert!(
        requests(&out, CARRIER1)
            .iter()
            .any(|r| r.method == Method::Bye)
    );
    assert_eq!(
        responses(&out, CALLER)[0].status,
        StatusCode::TEMPORARILY_UNAVAILABLE
    );
    assert_eq!(
        ended(&h),
        (Disposition::Missed, "forward not accepted".into())
    );
}

/// The authenticated INVITE of a caller to `number`; what the switch sent.
fn dial_number(h: &mut Harness, number: &str) -> Vec<(SocketAddr, Message)> {
    let uri = format!("sip:{number}@127.0.0.1");
    let text = |branch: &str, cseq: u32, auth: Option<&str>| {
        invite(branch, cseq, auth, None, OFFER).replace("sip:202@127.0.0.1", &uri)
    };
    let out = h.input(0, CALLER, &text("z9hG4bKe1", 1, None));
    let auth = credentials(&out, "sippass201", &uri, "c9");
    h.input(10, CALLER, &text("z9hG4bKe2", 2, Some(&auth)))
}

#[test]
fn a_suspended_accounts_phone_calls_emergency_numbers_only() {
    let mut h = harness(&[("sip:dev202@127.0.0.1:6001", FORK1)]);
    let mut caller = (*h.caller).clone();
    caller.suspended = true;
    h.caller = Arc::new(caller);
    let out = dial_number(&mut h, "202");
    assert_eq!(responses(&out, CALLER)[0].status, StatusCode::FORBIDDEN);
    assert!(requests(&out, FORK1).is_empty());
    let mut h = harness(&[]);
    let mut caller = (*h.caller).clone();
    caller.suspended = true;
    h.caller = Arc::new(caller);
    with_target(
        &mut h,
        Target::Public {
            party: Party {
                extension: None,
                name: String::new(),
                number: "112".into(),
                public: None,
            },
            dialled: domain::Dialled::Emergency("112"),
        },
    );
    h.ep.set_trunks(h.t0, 0, Arc::new(vec![carrier(1, CARRIER1, false)]));
    let out = dial_number(&mut h, "112");
    assert_eq!(responses(&out, CALLER)[0].status, StatusCode::TRYING);
    assert_eq!(
        requests(&out, CARRIER1)[0].uri.to_string(),
        "sip:112@carrier.test:7001"
    );
}

#[test]
fn a_carriers_call_rings_the_number_target_and_its_record_says_inbound() {
    let mut h = harness(&[("sip:dev202@127.0.0.1:6001", FORK1)]);
    let mut trunk = carrier(1, CARRIER1, false);
    trunk.sources = vec![CARRIER1.parse().unwrap()];
    h.ep.set_trunks(h.t0, 0, Arc::new(vec![trunk]));
    // Sent from the carrier's port; its Via names another (no rport): the
    // packet's source is what makes it the carrier's.
    let text = |number: &str| {
        format!(
            "INVITE sip:{number}@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:7999;branch=z9hG4bKin{number}\r\n\
             From: \"Client\" <sip:0612345678@carrier.test>;tag=car\r\nTo: <sip:{number}@127.0.0.1>\r\n\
             Call-ID: in-{number}\r\nCSeq: 1 INVITE\r\nMax-Forwards: 70\r\nContact: <sip:c@127.0.0.1:7001>\r\n\
             Content-Type: application/sdp\r\nContent-Length: {}\r\n\r\n{OFFER}",
            OFFER.len()
        )
    };
    let out = h.input(0, CARRIER1, &text("33199000202"));
    assert_eq!(
        responses(&out, "127.0.0.1:7999")[0].status,
        StatusCode::TRYING
    );
    let fork = &requests(&out, FORK1)[0];
    assert!(
        fork.headers
            .get(&HeaderName::From)
            .unwrap()
            .contains("<sip:+33612345678@"),
        "the caller's number in E.164"
    );
    match &h.cdr[0] {
        CdrEvent::Start { record, .. } => {
            assert_eq!(record.direction, domain::CallDirection::Inbound);
            assert_eq!(record.caller_number, "+33612345678");
            assert_eq!(record.callee_number, "+33199000202");
        }
        other => panic!("{other:?}"),
    }
    // A number no account holds.
    let out = h.input(10, CARRIER1, &text("0199009999"));
    assert_eq!(
        responses(&out, "127.0.0.1:7999")[0].status,
        StatusCode::NOT_FOUND
    );
}

#[test]
fn a_carrier_that_never_answers_is_failed_over_after_timer_b() {
    let mut h = harness(&[]);
    with_target(&mut h, public("0612345678"));
    two_carriers(&mut h);
    let forks = dial(&mut h);
    assert_eq!(forks[0].0, CARRIER1.parse().unwrap());
    // Retransmitted, unanswered, until Timer B (64 × T1).
    let mut next = Vec::new();
    for ms in (500..=33_000).step_by(500) {
        let out = h.tick(ms);
        next.extend(requests(&out, CARRIER2));
        assert!(responses(&out, CALLER).is_empty(), "the caller waits");
        if !next.is_empty() {
            assert!(ms >= 32_000, "failed over at {ms} ms, before Timer B");
            break;
        }
    }
    assert_eq!(next.len(), 1, "the second carrier gets the call");
    assert_eq!(next[0].method, Method::Invite);
}

fn mailbox(enabled: bool) -> crate::dialplan::VoicemailBox {
    crate::dialplan::VoicemailBox {
        account: AccountId::from_raw(1),
        user: domain::UserId::from_raw(7),
        extension: ExtensionNumber::parse("202").unwrap(),
        enabled,
        language: domain::Language::Fr,
    }
}

/// 202 is a user with voicemail on.
fn with_voicemail(h: &mut Harness) {
    let Target::Devices {
        party,
        devices,
        ring,
        ..
    } = (*h.resolution.target).clone()
    else {
        unreachable!()
    };
    h.resolution.target = Arc::new(Target::Devices {
        party,
        user: Some(domain::UserId::from_raw(7)),
        voicemail: Some(mailbox(true)),
        devices,
        ring,
        forward: None,
    });
}

/// The switch answered the caller itself: a 200 with the relay's SDP and
/// the script started.
fn answered_locally(
    h: &Harness,
    out: &[(SocketAddr, Message)],
) -> (Response, crate::calls::LocalApp) {
    let ok = responses(out, CALLER)
        .into_iter()
        .find(|r| r.status == StatusCode::OK)
        .expect("the caller gets a 200");
    let body = String::from_utf8(ok.body.clone()).unwrap();
    assert!(body.contains("m=audio"), "{body}");
    match h.locals.last() {
        Some(crate::calls::LocalEvent::Started(c)) => (ok, c.app.clone()),
        other => panic!("{other:?}"),
    }
}

fn bye_from_caller(ok: &Response) -> String {
    let tag = ok.to().unwrap().tag().unwrap().to_owned();
    format!(
        "BYE sip:202@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP {CALLER};branch=z9hG4bKbye;rport\r\n\
         From: <sip:dev201@127.0.0.1>;tag=caller\r\nTo: <sip:202@127.0.0.1>;tag={tag}\r\nCall-ID: a-leg\r\n\
         CSeq: 3 BYE\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n"
    )
}

#[test]
fn a_user_without_a_connected_phone_takes_the_call_on_voicemail_at_once() {
    let mut h = harness(&[]);
    with_voicemail(&mut h);
    let out = dial_with(&mut h, "");
    let (ok, app) = answered_locally(&h, &out);
    assert_eq!(
        app,
        crate::calls::LocalApp::Deposit {
            mailbox: mailbox(true),
            busy: false
        }
    );
    // The caller hangs up after the message: the script hears it and the
    // record says the user missed the call, which went to voicemail.
    let out = h.input(9000, CALLER, &bye_from_caller(&ok));
    assert_eq!(responses(&out, CALLER)[0].status, StatusCode::OK);
    assert!(matches!(
        h.locals.last(),
        Some(crate::calls::LocalEvent::Ended { .. })
    ));
    assert_eq!(ended(&h), (Disposition::Missed, "voicemail".into()));
    assert!(
        !h.cdr.iter().any(|e| matches!(e, CdrEvent::Answer { .. })),
        "nobody answered"
    );
}

#[test]
fn nobody_answering_in_the_ring_time_sends_the_caller_to_voicemail() {
    let mut h = harness(&[("sip:dev202@127.0.0.1:6001", FORK1)]);
    with_voicemail(&mut h);
    let forks = dial(&mut h);
    h.input(30, FORK1, &reply(&forks[0].1, 180, "f1", None, FORK1));
    assert!(h.locals.is_empty(), "still ringing");
    let out = h.tick(5010);
    assert_eq!(requests(&out, FORK1).last().unwrap().method, Method::Cancel);
    let (_, app) = answered_locally(&h, &out);
    assert!(matches!(
        app,
        crate::calls::LocalApp::Deposit { busy: false, .. }
    ));
}

#[test]
fn a_busy_phone_sends_the_caller_to_voicemail_with_the_busy_greeting() {
    let mut h = harness(&[("sip:dev202@127.0.0.1:6001", FORK1)]);
    with_voicemail(&mut h);
    let forks = dial(&mut h);
    let out = h.input(50, FORK1, &reply(&forks[0].1, 486, "f1", None, FORK1));
    assert_eq!(requests(&out, FORK1)[0].method, Method::Ack);
    let (_, app) = answered_locally(&h, &out);
    assert!(matches!(
        app,
        crate::calls::LocalApp::Deposit { busy: true, .. }
    ));
}

#[test]
fn the_mailbox_code_is_answered_by_the_switch_and_its_script_hangs_up() {
    let mut h = harness(&[("sip:dev202@127.0.0.1:6001", FORK1)]);
    h.resolution.target = Arc::new(Target::Mailbox(mailbox(true)));
    let out = dial_with(&mut h, "");
    assert!(requests(&out, FORK1).is_empty(), "no phone rings");
    let (_, app) = answered_locally(&h, &out);
    assert_eq!(
        app,
        crate::calls::LocalApp::Menu {
            mailbox: mailbox(true)
        }
    );
    assert!(h.cdr.iter().any(|e| matches!(e, CdrEvent::Answer { .. })));
    let call = match h.locals.last() {
        Some(crate::calls::LocalEvent::Started(c)) => c.call,
        _ => unreachable!(),
    };
    let at = h.t0 + Duration::from_secs(20);
    let wall = UnixMillis::from_millis(NOW.millis() + 20_000);
    h.ep.calls_mut().local_hang_up(at, wall, call);
    let out = h.outputs();
    assert_eq!(requests(&out, CALLER)[0].method, Method::Bye);
    assert_eq!(ended(&h), (Disposition::Answered, "mailbox".into()));
}

#[test]
fn a_call_back_from_the_mailbox_rings_the_caller_of_the_message() {
    let mut h = harness(&[("sip:dev202@127.0.0.1:6001", FORK1)]);
    let phone = h.resolution.target.clone();
    h.resolution.target = Arc::new(Target::Mailbox(mailbox(true)));
    let out = dial_with(&mut h, "");
    answered_locally(&h, &out);
    let call = match h.locals.last() {
        Some(crate::calls::LocalEvent::Started(c)) => c.call,
        _ => unreachable!(),
    };
    let at = h.t0 + Duration::from_secs(20);
    let wall = UnixMillis::from_millis(NOW.millis() + 20_000);
    assert!(h.ep.local_dial(at, wall, 7, call, &phone));
    let out = h.outputs();
    assert!(
        matches!(h.locals.last(), Some(crate::calls::LocalEvent::Ended { call: c }) if *c == call),
        "the script lets go of the call"
    );
    let invite = requests(&out, FORK1)
        .into_iter()
        .find(|r| r.method == Method::Invite)
        .expect("202's phone rings");
    assert!(
        h.announced
            .lock()
            .unwrap()
            .iter()
            .any(|(side, _)| *side == Side::A),
        "the caller hears ringback"
    );
    let out = h.input(
        21_000,
        FORK1,
        &reply(
            &invite,
            200,
            "f1",
            Some(&answer_sdp(41000, 0, "sendrecv")),
            FORK1,
        ),
    );
    assert_eq!(requests(&out, FORK1)[0].method, Method::Ack);
    assert!(
        responses(&out, CALLER).is_empty(),
        "the caller was answered already"
    );
    assert!(!h.ep.local_dial(at, wall, 8, call, &phone), "once only");
}
