//! The SDP work of one incoming call: parse the INVITE's offer, build and
//! print the answer.

use std::hint::black_box;
use std::net::{IpAddr, Ipv4Addr};

use criterion::{Criterion, criterion_group, criterion_main};
use media::sdp::{Codec, Direction, SessionDescription};

const OFFER: &str = "v=0\r\n\
o=- 1189424416 1862785530 IN IP4 192.168.0.2\r\n\
s=-\r\n\
c=IN IP4 192.168.0.2\r\n\
t=0 0\r\n\
m=audio 10350 RTP/AVP 9 0 8 101\r\n\
a=rtpmap:9 G722/8000\r\n\
a=rtpmap:0 PCMU/8000\r\n\
a=rtpmap:8 PCMA/8000\r\n\
a=rtpmap:101 telephone-event/8000\r\n\
a=fmtp:101 0-15\r\n\
a=ptime:20\r\n\
a=sendrecv\r\n";

fn offer_answer(c: &mut Criterion) {
    let addr = IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1));
    let ours = [Codec::Pcma, Codec::Pcmu, Codec::TelephoneEvent];
    c.bench_function("sdp parse offer, answer, print", |b| {
        b.iter(|| {
            let offer = SessionDescription::parse(black_box(OFFER)).expect("valid offer");
            let (answer, agreement) =
                SessionDescription::answer(&offer, addr, 40000, 1, 1, &ours, Direction::SendRecv)
                    .expect("common codec");
            black_box((answer.to_string(), agreement))
        })
    });
}

criterion_group!(benches, offer_answer);
criterion_main!(benches);
