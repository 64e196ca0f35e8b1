//! RTCP terminated per leg, with phones on loopback sockets: the switch
//! sends each leg its own reports, and takes the leg's.

use std::net::{Ipv4Addr, UdpSocket};
use std::time::{Duration, SystemTime};

use media::rtp::rtcp::{self, ReportBlock, Rtcp};

use super::tests::{event, params, recv, rtp, send, start};
use super::*;

/// A phone's RTP socket and the RTCP one on the port above.
fn phone_pair() -> (UdpSocket, UdpSocket) {
    for port in (49200..49400).step_by(2) {
        let (Ok(a), Ok(b)) = (
            UdpSocket::bind((Ipv4Addr::LOCALHOST, port)),
            UdpSocket::bind((Ipv4Addr::LOCALHOST, port + 1)),
        ) else {
            continue;
        };
        for s in [&a, &b] {
            s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        }
        return (a, b);
    }
    panic!("no free port pair for the phone")
}

#[test]
fn a_phone_gets_an_sr_with_the_right_counts_on_its_rtcp_port_and_its_rr_gives_the_rtt() {
    let (m, mut events) = start(48400, 48499, Duration::from_secs(60));
    let (a, _a_rtcp) = phone_pair();
    let (b, b_rtcp) = phone_pair();
    let s = m.allocate().unwrap();
    m.update(s.id, Leg::A, params(&a));
    m.update(s.id, Leg::B, params(&b));
    std::thread::sleep(Duration::from_millis(30));
    // A sends B 12 packets; B sends us 9 of 10 (seq 4 lost).
    for seq in 0..12u16 {
        send(
            &a,
            s.a_port,
            &rtp(0, seq, 160 * u32::from(seq), 0xa0a, &[0xff; 160]),
        );
        recv(&b).expect("relayed to B");
    }
    for seq in (0..10u16).filter(|&s| s != 4) {
        send(
            &b,
            s.b_port,
            &rtp(0, seq, 160 * u32::from(seq), 0xb0b, &[0xff; 160]),
        );
    }
    let mut buf = [0u8; 1500];
    // The first report comes 1.25 to 3.75 s after the session starts.
    let (n, from) = b_rtcp.recv_from(&mut buf).expect("an RTCP report for B");
    assert_eq!(from.port(), s.b_port + 1);
    let packets: Vec<_> = Rtcp::new(&buf[..n]).map(Result::unwrap).collect();
    let sr = packets[0].sender_report().expect("an SR");
    assert_eq!((sr.info.packets, sr.info.octets), (12, 12 * 160));
    let now_ntp = media::relay::ntp(SystemTime::now());
    assert!(
        now_ntp.abs_diff(sr.info.ntp) >> 32 < 2,
        "the SR's NTP time is now"
    );
    let block = sr.reports().next().expect("a block about B's stream");
    assert_eq!(block.ssrc, 0xb0b);
    assert_eq!((block.highest_sequence, block.cumulative_lost), (9, 1));
    assert_eq!(packets[1].packet_type(), rtcp::SDES);

    // B answers with an RR about our stream, held 0 s.
    let ours = sr.ssrc;
    let rr = ReportBlock {
        ssrc: ours,
        fraction_lost: 128,
        last_sr: (sr.info.ntp >> 16) as u32,
        ..ReportBlock::default()
    };
    let mut out = [0u8; 100];
    let len = rtcp::write_rr(&mut out, 0xb0b, &[rr]).unwrap();
    b_rtcp
        .send_to(&out[..len], (Ipv4Addr::LOCALHOST, s.b_port + 1))
        .unwrap();
    let Some(MediaEvent::Quality { id, leg, quality }) = event(&mut events, Duration::from_secs(1))
    else {
        panic!("a quality event")
    };
    assert_eq!((id, leg, quality.loss_percent()), (s.id, Leg::B, 50.0));
    let rtt = quality.rtt.expect("a round trip");
    assert!(rtt < Duration::from_millis(200), "{rtt:?}");
    assert_eq!(quality.lost_in, 1);
}
