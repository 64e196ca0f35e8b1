//! CPU cost of one authenticated call through the endpoint, sockets
//! aside: INVITE → 407 → ACK → INVITE with credentials → fork INVITE →
//! 180 → 200 → ACK → BYE → 200, with a media plane that hands out ports.
//! The bench kit's `call_auth` workload measures the same call over real
//! sockets with the relay.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use criterion::{Criterion, criterion_group, criterion_main};
use domain::{AccountId, Binding, DeviceId, ExtensionNumber, SipPassword, SipUsername, UnixMillis};
use sip::auth::{Challenge, answer};
use sip::{HeaderName, Message, Method, Request, SipMessage, StatusCode};
use switch::calls::{Calls, CallsConfig, LegMedia, MediaPlane, MediaPorts, Side};
use switch::dialplan::{Party, Resolution, Target};
use switch::directory::DeviceCredentials;
use switch::endpoint::{Action, Caches, Endpoint, EndpointConfig};
use switch::location::Location;
use switch::registrar::RegistrarPolicy;
use switch::transport::{Inbound, Kind};

const NOW: UnixMillis = UnixMillis::from_millis(1_800_000_000_000);
const CALLER: &str = "127.0.0.1:5071";
const CALLEE: &str = "127.0.0.1:6001";
const OFFER: &str = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 40000 RTP/AVP 0 8 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:101 telephone-event/8000\r\na=sendrecv\r\n";
const ANSWER: &str = "v=0\r\no=- 2 2 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 50000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=sendrecv\r\n";

struct Ports(u64);

impl MediaPlane for Ports {
    fn allocate(&mut self) -> std::io::Result<MediaPorts> {
        self.0 += 1;
        Ok(MediaPorts {
            id: self.0,
            addr: "127.0.0.1".parse().unwrap(),
            a_port: 30000,
            b_port: 30002,
        })
    }
    fn update(&mut self, _: u64, _: Side, _: LegMedia) {}
    fn release(&mut self, _: u64) {}
}

struct C(Arc<DeviceCredentials>, Resolution);

impl Caches for &C {
    fn device(&self, u: &str) -> Option<Option<Arc<DeviceCredentials>>> {
        Some((u == self.0.username.as_str()).then(|| self.0.clone()))
    }
    fn resolution(&self, _: &DeviceCredentials, _: &str) -> Option<Resolution> {
        Some(self.1.clone())
    }
}

fn invite(branch: &str, cseq: u32, auth: Option<&str>, call: u64) -> String {
    let auth = auth
        .map(|a| format!("Proxy-Authorization: {a}\r\n"))
        .unwrap_or_default();
    format!(
        "INVITE sip:202@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP {CALLER};branch={branch};rport\r\n\
         From: <sip:dev201@127.0.0.1>;tag=caller\r\nTo: <sip:202@127.0.0.1>\r\nCall-ID: a-{call}\r\n\
         CSeq: {cseq} INVITE\r\nMax-Forwards: 70\r\nContact: <sip:dev201@{CALLER}>\r\n{auth}\
         Content-Type: application/sdp\r\nContent-Length: {}\r\n\r\n{OFFER}",
        OFFER.len()
    )
}

fn main_bench(c: &mut Criterion) {
    let username = SipUsername::parse("dev201").unwrap();
    let pw = SipPassword::parse("sippass201").unwrap();
    let dev = Arc::new(DeviceCredentials {
        device: DeviceId::from_raw(1),
        account: AccountId::from_raw(1),
        user: None,
        ha1_md5: pw.ha1_md5(&username, "switchboard"),
        ha1_sha256: pw.ha1_sha256(&username, "switchboard"),
        username,
        realm: "switchboard".into(),
        suspended: false,
    });
    let party = |n: &str| Party {
        extension: Some(ExtensionNumber::parse(n).unwrap()),
        name: format!("User {n}"),
        number: n.into(),
        public: None,
    };
    let res = Resolution {
        caller: Arc::new(party("201")),
        target: Arc::new(Target::Devices {
            party: party("202"),
            user: None,
            voicemail: None,
            devices: vec![DeviceId::from_raw(2)],
            ring: Duration::from_secs(25),
            forward: None,
        }),
    };
    let mut sent_by = std::collections::HashMap::new();
    sent_by.insert(Kind::Udp, "127.0.0.1:5060".to_owned());
    let calls = Calls::new(
        CallsConfig {
            domain: "127.0.0.1".into(),
            sent_by,
            ..CallsConfig::default()
        },
        Box::new(Ports(0)),
    );
    let binding = Binding {
        device: DeviceId::from_raw(2),
        account: AccountId::from_raw(1),
        contact: format!("sip:dev202@{CALLEE}"),
        instance: None,
        source: CALLEE.into(),
        transport: "udp".into(),
        call_id: "r".into(),
        cseq: 1,
        q_millis: 1000,
        user_agent: None,
        expires_at: UnixMillis::from_millis(NOW.millis() + 3_600_000),
        updated_at: NOW,
    };
    let mut ep = Endpoint::new(
        EndpointConfig {
            realm: "switchboard".into(),
            secret: [1; 32],
            algorithms: vec![sip::auth::Algorithm::Md5],
            policy: RegistrarPolicy::default(),
        },
        Location::load(vec![binding]),
    )
    .with_calls(calls);
    let caches = C(dev, res);
    let t0 = Instant::now();
    let mut n = 0u64;
    let feed = |ep: &mut Endpoint, from: &str, text: &[u8], n: u64| -> Vec<Message> {
        let msg = Inbound {
            kind: Kind::Udp,
            peer: from.parse::<SocketAddr>().unwrap(),
            local: "127.0.0.1:5060".parse().unwrap(),
            conn: None,
            data: Bytes::copy_from_slice(text),
        };
        let at = t0 + Duration::from_micros(n);
        ep.receive(at, NOW, n.wrapping_mul(0x9E37_79B9), &msg, &caches);
        let mut out = Vec::new();
        while let Some(a) = ep.poll_action() {
            if let Action::SendTx(t) = a {
                out.push(sip::parse(&t.bytes).unwrap());
            }
        }
        out
    };
    c.bench_function("authenticated call through the B2BUA", |b| {
        b.iter(|| {
            n += 1;
            let out = feed(&mut ep, CALLER, invite(&format!("z9hG4bKa{n}"), 1, None, n).as_bytes(), n);
            let Message::Response(r) = &out[0] else { panic!() };
            let ch = Challenge::parse(r.headers.get(&HeaderName::ProxyAuthenticate).unwrap()).unwrap();
            let tag = r.to().unwrap().tag().unwrap().to_owned();
            let ack = format!(
                "ACK sip:202@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP {CALLER};branch=z9hG4bKa{n};rport\r\n\
                 From: <sip:dev201@127.0.0.1>;tag=caller\r\nTo: <sip:202@127.0.0.1>;tag={tag}\r\nCall-ID: a-{n}\r\n\
                 CSeq: 1 ACK\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n"
            );
            feed(&mut ep, CALLER, ack.as_bytes(), n);
            let auth = answer(&ch, "dev201", "sippass201", "INVITE", "sip:202@127.0.0.1", "c1", 1).to_string();
            let out = feed(&mut ep, CALLER, invite(&format!("z9hG4bKb{n}"), 2, Some(&auth), n).as_bytes(), n);
            let fork: Request = out
                .into_iter()
                .find_map(|m| match m {
                    Message::Request(r) if r.method == Method::Invite => Some(r),
                    _ => None,
                })
                .unwrap();
            let mut ringing = fork.response(StatusCode::RINGING, Some("callee"));
            ringing.headers.push(HeaderName::Contact, format!("<sip:dev202@{CALLEE}>"));
            feed(&mut ep, CALLEE, &ringing.to_bytes(), n);
            let mut ok = fork.response(StatusCode::OK, Some("callee"));
            ok.headers.push(HeaderName::Contact, format!("<sip:dev202@{CALLEE}>"));
            ok.headers.push(HeaderName::ContentType, "application/sdp");
            ok.body = ANSWER.as_bytes().to_vec();
            let out = feed(&mut ep, CALLEE, &ok.to_bytes(), n);
            let a_ok = out
                .into_iter()
                .find_map(|m| match m {
                    Message::Response(r) if r.status == StatusCode::OK => Some(r),
                    _ => None,
                })
                .unwrap();
            let a_tag = a_ok.to().unwrap().tag().unwrap().to_owned();
            let in_dialog = |m: &str, cseq: u32, br: &str| {
                format!(
                    "{m} sip:switch@127.0.0.1:5060 SIP/2.0\r\nVia: SIP/2.0/UDP {CALLER};branch={br};rport\r\n\
                     From: <sip:dev201@127.0.0.1>;tag=caller\r\nTo: <sip:202@127.0.0.1>;tag={a_tag}\r\nCall-ID: a-{n}\r\n\
                     CSeq: {cseq} {m}\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n"
                )
            };
            feed(&mut ep, CALLER, in_dialog("ACK", 2, &format!("z9hG4bKc{n}")).as_bytes(), n);
            let out = feed(&mut ep, CALLER, in_dialog("BYE", 3, &format!("z9hG4bKd{n}")).as_bytes(), n);
            let bye = out
                .into_iter()
                .find_map(|m| match m {
                    Message::Request(r) if r.method == Method::Bye => Some(r),
                    _ => None,
                })
                .unwrap();
            let done = bye.response(StatusCode::OK, None);
            feed(&mut ep, CALLEE, &done.to_bytes(), n);
        })
    });
    // Transactions linger (Timer J/K): fire them so the endpoint's state
    // stays bounded between samples.
    ep.handle_timeout(t0 + Duration::from_secs(3600), NOW);
}

criterion_group!(benches, main_bench);
criterion_main!(benches);
