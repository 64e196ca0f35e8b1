use std::net::SocketAddr;
use std::time::{Duration, Instant, SystemTime};

use super::*;
use crate::relay::{Action, LegParams};
use crate::rtp::{HEADER_LEN, Header};

const PHONE_A: &str = "10.0.0.1:4000";
const PHONE_B: &str = "10.0.0.2:6000";

fn addr(s: &str) -> SocketAddr {
    s.parse().unwrap()
}

fn relay(now: Instant) -> Relay {
    let mut r = Relay::new(Latching::Expected, [0xaaaa, 0xbbbb], now);
    for (leg, remote) in [(Leg::A, PHONE_A), (Leg::B, PHONE_B)] {
        let params = LegParams {
            remote: Some(addr(remote)),
            ..LegParams::default()
        };
        r.update(leg, params);
    }
    r
}

fn send(r: &mut Relay, leg: Leg, src: &str, seq: u16, ssrc: u32, now: Instant) -> Action {
    let mut p = [0u8; 1500];
    Header {
        marker: false,
        payload_type: 0,
        sequence: seq,
        timestamp: 160 * u32::from(seq),
        ssrc,
    }
    .write(&mut p);
    r.packet(leg, addr(src), &mut p, HEADER_LEN + 160, now)
}

/// Polls until a report to `leg` comes out; returns it and when.
fn report(r: &mut Relay, leg: Leg, from: Instant, buf: &mut [u8]) -> (RtcpTransmit, Instant) {
    for ms in (0..8000).step_by(10) {
        let now = from + Duration::from_millis(ms);
        if let Some(t) = r.poll_rtcp(leg, now, SystemTime::UNIX_EPOCH, u32::MAX / 2, buf) {
            return (t, now);
        }
    }
    panic!("no report within 8 s")
}

#[test]
fn a_leg_gets_an_sr_with_our_counts_and_a_block_about_its_stream() {
    let t = Instant::now();
    let mut r = relay(t);
    // B sends 10 packets with two lost (seq 3 and 7); we send B 5 of A's.
    for seq in (0..12).filter(|s| *s != 3 && *s != 7) {
        send(&mut r, Leg::B, PHONE_B, seq, 0xb0b, t);
    }
    for seq in 0..5 {
        send(&mut r, Leg::A, PHONE_A, seq, 0xa0a, t);
    }
    let mut buf = [0u8; 200];
    let (tx, at) = report(&mut r, Leg::B, t, &mut buf);
    // The first report after half the (randomised) interval, 1.25 to 3.75 s.
    assert!(at - t >= Duration::from_millis(1250) && at - t <= Duration::from_millis(3750));
    assert_eq!((tx.to, tx.port), (addr("10.0.0.2:6001"), Port::Rtcp));
    let packets: Vec<_> = Rtcp::new(&buf[..tx.len]).map(Result::unwrap).collect();
    assert_eq!(packets.len(), 2);
    let sr = packets[0].sender_report().expect("an SR first");
    assert_eq!(sr.ssrc, 0xbbbb);
    assert_eq!((sr.info.packets, sr.info.octets), (5, 5 * 160));
    // 1970 in NTP seconds.
    assert_eq!(sr.info.ntp >> 32, NTP_UNIX);
    let block = sr.reports().next().expect("a block about B's stream");
    assert_eq!(block.ssrc, 0xb0b);
    assert_eq!((block.highest_sequence, block.cumulative_lost), (11, 2));
    assert_eq!(u32::from(block.fraction_lost), 2 * 256 / 12);
    assert_eq!(packets[1].packet_type(), rtcp::SDES);
    assert_eq!(r.counters(Leg::B).rtcp_out, 1);
    // The next one 2.5 to 7.5 s later, with a fresh interval.
    let (tx, again) = report(&mut r, Leg::B, at + Duration::from_millis(10), &mut buf);
    assert!(again - at >= Duration::from_millis(2500) && again - at <= Duration::from_millis(7500));
    let sr = Rtcp::new(&buf[..tx.len]).next().unwrap().unwrap();
    let block = sr.sender_report().unwrap().reports().next().unwrap();
    assert_eq!(block.fraction_lost, 0);
}

#[test]
fn a_leg_we_sent_nothing_gets_an_rr() {
    let t = Instant::now();
    let mut r = relay(t);
    let mut buf = [0u8; 200];
    let (tx, _) = report(&mut r, Leg::A, t, &mut buf);
    let first = Rtcp::new(&buf[..tx.len]).next().unwrap().unwrap();
    assert_eq!(first.packet_type(), rtcp::RR);
    assert_eq!(first.count(), 0);
}

#[test]
fn the_legs_reports_give_lsr_dlsr_rtt_loss_and_its_rtcp_address() {
    let t = Instant::now();
    let mut r = relay(t);
    send(&mut r, Leg::A, PHONE_A, 1, 0xa0a, t);
    // B's SR (ntp middle bits 0x1234_5678) with a block about our stream
    // to B, from its RTCP port; it multiplexes, so it comes on RTP.
    let mut buf = [0u8; 200];
    let info = SenderInfo {
        ntp: 0x0000_1234_5678_0000,
        ..SenderInfo::default()
    };
    let (tx, at) = report(&mut r, Leg::B, t, &mut buf);
    let our_sr = Rtcp::new(&buf[..tx.len]).next().unwrap().unwrap();
    let our_ntp = our_sr.sender_report().unwrap().info.ntp;
    let block = ReportBlock {
        ssrc: 0xbbbb,
        fraction_lost: 64,
        cumulative_lost: 3,
        highest_sequence: 1,
        jitter: 80,
        last_sr: (our_ntp >> 16) as u32,
        // Held 10 ms.
        delay_since_last_sr: 655,
    };
    let mut sr = [0u8; 100];
    let n = rtcp::write_sr(&mut sr, 0xb0b, &info, &[block]).unwrap();
    let came = at + Duration::from_millis(50);
    let action = r.packet(Leg::B, addr("10.0.0.2:6000"), &mut sr, n, came);
    assert_eq!(action, Action::Drop(crate::relay::DropReason::Rtcp));
    let Some(RelayEvent::Quality {
        leg: Leg::B,
        quality,
    }) = r.poll_event()
    else {
        panic!("a quality event")
    };
    assert_eq!(quality.loss_percent(), 25.0);
    assert_eq!(quality.cumulative_lost, 3);
    assert_eq!(quality.jitter, Duration::from_millis(10));
    let rtt = quality.rtt.expect("a round trip");
    assert!(
        rtt > Duration::from_millis(39) && rtt < Duration::from_millis(41),
        "{rtt:?}"
    );
    assert_eq!(r.counters(Leg::B).rtcp_in, 1);

    // Our next report goes to B's RTP port and carries LSR/DLSR.
    send(&mut r, Leg::B, PHONE_B, 1, 0xb0b, came);
    let (tx, next) = report(&mut r, Leg::B, came, &mut buf);
    assert_eq!((tx.to, tx.port), (addr("10.0.0.2:6000"), Port::Rtp));
    let first = Rtcp::new(&buf[..tx.len]).next().unwrap().unwrap();
    let block = first.sender_report().unwrap().reports().next().unwrap();
    assert_eq!(block.last_sr, 0x1234_5678);
    let held = u64::from(block.delay_since_last_sr) * 1_000_000 / 65536;
    assert!(
        held.abs_diff((next - came).as_micros() as u64) < 100,
        "{held}"
    );
}

#[test]
fn rtcp_from_a_stranger_is_not_taken() {
    let t = Instant::now();
    let mut r = relay(t);
    let mut rr = [0u8; 100];
    let n = rtcp::write_rr(&mut rr, 9, &[]).unwrap();
    assert!(!r.rtcp(Leg::A, Port::Rtcp, addr("192.0.2.9:4001"), &rr[..n], t));
    assert!(r.rtcp(Leg::A, Port::Rtcp, addr("10.0.0.1:4001"), &rr[..n], t));
    assert!(!r.rtcp(Leg::A, Port::Rtcp, addr("10.0.0.1:4001"), &[0x80, 0, 0], t));
    let mut sdes = [0u8; 100];
    let n = rtcp::write_sdes_cname(&mut sdes, 9, b"x").unwrap();
    assert!(!r.rtcp(Leg::A, Port::Rtcp, addr("10.0.0.1:4001"), &sdes[..n], t));
}

#[test]
fn ntp_time_counts_from_1900_in_32_32_fixed_point() {
    let wall = SystemTime::UNIX_EPOCH + Duration::from_millis(1500);
    assert_eq!(ntp(wall), (NTP_UNIX + 1) << 32 | 1 << 31);
}
