//! Parse and print costs of the messages a switch sees most: a desk
//! phone's INVITE with SDP and an authenticated REGISTER.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use sip::auth::Credentials;
use sip::{HeaderName, Message, parse};

const SDP: &str = "v=0\r\n\
o=- 20518 0 IN IP4 192.168.1.50\r\n\
s=SDP data\r\n\
c=IN IP4 192.168.1.50\r\n\
t=0 0\r\n\
m=audio 11796 RTP/AVP 0 8 9 18 101\r\n\
a=rtpmap:0 PCMU/8000\r\n\
a=rtpmap:8 PCMA/8000\r\n\
a=rtpmap:9 G722/8000\r\n\
a=rtpmap:18 G729/8000\r\n\
a=fmtp:18 annexb=no\r\n\
a=rtpmap:101 telephone-event/8000\r\n\
a=fmtp:101 0-15\r\n\
a=ptime:20\r\n\
a=sendrecv\r\n";

/// An INVITE as a desk phone sends it: 12 headers and an SDP offer.
fn invite() -> Vec<u8> {
    format!(
        "INVITE sip:1002@pbx.example.com SIP/2.0\r\n\
Via: SIP/2.0/UDP 192.168.1.50:5060;branch=z9hG4bK1524834216;rport\r\n\
From: \"Reception Desk\" <sip:1001@pbx.example.com>;tag=3f9a6c2151\r\n\
To: <sip:1002@pbx.example.com>\r\n\
Call-ID: 8d1f7c2a4b3e11ef9a0c0242ac120002@192.168.1.50\r\n\
CSeq: 2 INVITE\r\n\
Contact: <sip:1001@192.168.1.50:5060;transport=udp>\r\n\
Max-Forwards: 70\r\n\
User-Agent: Yealink SIP-T46U 108.86.0.20\r\n\
Allow: INVITE, ACK, OPTIONS, CANCEL, BYE, REFER, NOTIFY, INFO, UPDATE, MESSAGE\r\n\
Supported: replaces, timer, path\r\n\
Content-Type: application/sdp\r\n\
Content-Length: {}\r\n\r\n{SDP}",
        SDP.len()
    )
    .into_bytes()
}

const AUTHORIZATION: &str = "Digest username=\"1001\", realm=\"pbx.example.com\", \
nonce=\"6f1c2d3e4a5b69788796a5b4c3d2e1f0.1714060800\", uri=\"sip:pbx.example.com\", \
response=\"3b8d1f6e2a4c5b7d9e0f1a2b3c4d5e6f\", algorithm=MD5, \
cnonce=\"0a4f113b7c9e\", qop=auth, nc=00000002";

/// A REGISTER answering a digest challenge.
fn register() -> Vec<u8> {
    format!(
        "REGISTER sip:pbx.example.com SIP/2.0\r\n\
Via: SIP/2.0/UDP 192.168.1.50:5060;branch=z9hG4bK2103928457;rport\r\n\
From: <sip:1001@pbx.example.com>;tag=9b7e41a803\r\n\
To: <sip:1001@pbx.example.com>\r\n\
Call-ID: 2c6e0d5a9f8b4c3d@192.168.1.50\r\n\
CSeq: 3 REGISTER\r\n\
Contact: <sip:1001@192.168.1.50:5060>;+sip.instance=\"<urn:uuid:00000000-0000-1000-8000-805ec0a1b2c3>\";reg-id=1\r\n\
Max-Forwards: 70\r\n\
User-Agent: Yealink SIP-T46U 108.86.0.20\r\n\
Expires: 3600\r\n\
Allow: INVITE, ACK, OPTIONS, CANCEL, BYE, REFER, NOTIFY, INFO, UPDATE, MESSAGE\r\n\
Authorization: {AUTHORIZATION}\r\n\
Content-Length: 0\r\n\r\n"
    )
    .into_bytes()
}

fn bench_message(c: &mut Criterion, name: &str, bytes: &[u8]) {
    let message = parse(bytes).expect("the benchmark message parses");
    let mut group = c.benchmark_group(name);
    group.throughput(Throughput::Bytes(bytes.len() as u64));
    group.bench_function("parse", |b| b.iter(|| parse(black_box(bytes))));
    group.bench_function("print", |b| b.iter(|| black_box(&message).to_bytes()));
    group.finish();
}

fn benches(c: &mut Criterion) {
    let invite = invite();
    let register = register();
    bench_message(c, "invite_sdp", &invite);
    bench_message(c, "register_auth", &register);

    let Message::Request(r) = parse(&register).unwrap() else {
        unreachable!("a REGISTER is a request");
    };
    let value = r
        .headers
        .get(&HeaderName::Authorization)
        .unwrap()
        .to_owned();
    Credentials::parse(&value).expect("the benchmark credentials parse");
    c.bench_function("credentials/parse", |b| {
        b.iter(|| Credentials::parse(black_box(&value)))
    });
}

criterion_group!(parse_benches, benches);
criterion_main!(parse_benches);
