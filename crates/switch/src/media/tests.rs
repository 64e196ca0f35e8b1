//! Two std UDP sockets on 127.0.0.1 play the phones of a call through a
//! real `Media`.

use std::net::Ipv4Addr;
use std::sync::Mutex;
use std::thread::sleep;

use media::rtp::{HEADER_LEN, Header, Rtp};
use media::{FRAME, Frame, g711};
use tokio::sync::mpsc::error::TryRecvError;

use super::*;

const LOCALHOST: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

pub(super) fn start(
    port_min: u16,
    port_max: u16,
    rtp_timeout: Duration,
) -> (Media, UnboundedReceiver<MediaEvent>) {
    Media::start(MediaConfig {
        bind: LOCALHOST,
        advertise: LOCALHOST,
        port_min,
        port_max,
        workers: 1,
        rtp_timeout,
    })
    .unwrap()
}

pub(super) fn phone() -> UdpSocket {
    let s = UdpSocket::bind((LOCALHOST, 0)).unwrap();
    s.set_read_timeout(Some(Duration::from_millis(500)))
        .unwrap();
    s
}

pub(super) fn params(phone: &UdpSocket) -> LegParams {
    LegParams {
        remote: Some(phone.local_addr().unwrap()),
        telephone_event: Some(101),
        ..LegParams::default()
    }
}

/// A session between two phones, both PCMU; waits for the worker to take
/// the commands.
fn call(m: &Media) -> (SessionHandle, UdpSocket, UdpSocket) {
    let (a, b) = (phone(), phone());
    let s = m.allocate().unwrap();
    m.update(s.id, Leg::A, params(&a));
    m.update(s.id, Leg::B, params(&b));
    sleep(Duration::from_millis(30));
    (s, a, b)
}

pub(super) fn rtp(pt: u8, seq: u16, ts: u32, ssrc: u32, payload: &[u8]) -> Vec<u8> {
    let mut p = vec![0u8; HEADER_LEN];
    let h = Header {
        marker: false,
        payload_type: pt,
        sequence: seq,
        timestamp: ts,
        ssrc,
    };
    h.write(&mut p);
    p.extend_from_slice(payload);
    p
}

pub(super) fn send(from: &UdpSocket, port: u16, packet: &[u8]) {
    from.send_to(packet, (LOCALHOST, port)).unwrap();
}

/// The next datagram and where it came from, if one comes within 500 ms.
pub(super) fn recv(on: &UdpSocket) -> Option<(Vec<u8>, SocketAddr)> {
    let mut buf = [0u8; 1500];
    let (n, from) = on.recv_from(&mut buf).ok()?;
    Some((buf[..n].to_vec(), from))
}

pub(super) fn fields(p: &[u8]) -> (u8, u16, u32, u32) {
    let r = Rtp::parse(p).unwrap();
    (r.payload_type(), r.sequence(), r.timestamp(), r.ssrc())
}

pub(super) fn event(
    rx: &mut UnboundedReceiver<MediaEvent>,
    within: Duration,
) -> Option<MediaEvent> {
    let end = Instant::now() + within;
    while Instant::now() < end {
        match rx.try_recv() {
            Ok(e) => return Some(e),
            Err(TryRecvError::Empty) => sleep(Duration::from_millis(10)),
            Err(TryRecvError::Disconnected) => return None,
        }
    }
    None
}

/// Workers add to the totals after sending a batch: wait for them.
fn stats_reach(m: &Media, done: impl Fn(MediaStats) -> bool) -> bool {
    let end = Instant::now() + Duration::from_secs(1);
    while !done(m.stats()) {
        if Instant::now() > end {
            return false;
        }
        sleep(Duration::from_millis(5));
    }
    true
}

#[test]
fn media_is_relayed_both_ways_as_one_stream_under_our_ssrc() {
    let (m, _events) = start(47000, 47099, Duration::from_secs(60));
    let (s, a, b) = call(&m);
    send(&a, s.a_port, &rtp(0, 100, 8000, 0x1111, &[0x55; 160]));
    let (p, from) = recv(&b).expect("A's packet reaches B");
    assert_eq!(
        from,
        SocketAddr::new(LOCALHOST, s.b_port),
        "B hears us from its own port"
    );
    let (pt, seq, ts, ssrc) = fields(&p);
    assert_eq!((pt, seq, ts), (0, 100, 8000));
    assert_ne!(ssrc, 0x1111);
    assert_eq!(p[HEADER_LEN..], [0x55; 160]);

    // A's side changes SSRC (a re-INVITE, a transfer): B sees seq + 1.
    send(&a, s.a_port, &rtp(0, 7, 5, 0x2222, &[0x55; 160]));
    let (p2, _) = recv(&b).unwrap();
    assert_eq!(fields(&p2).1, 101);
    assert_eq!(fields(&p2).3, ssrc);
    assert!(fields(&p2).2 > ts);

    send(&b, s.b_port, &rtp(0, 1, 0, 0x3333, &[0x11; 160]));
    let (back, from) = recv(&a).expect("B's packet reaches A");
    assert_eq!(from, SocketAddr::new(LOCALHOST, s.a_port));
    assert_eq!(back[HEADER_LEN..], [0x11; 160]);
    assert!(stats_reach(&m, |s| s.relayed == 3));
}

#[test]
fn a_burst_longer_than_several_batches_is_relayed_whole_and_in_order() {
    let (m, _events) = start(47900, 47999, Duration::from_secs(60));
    let (s, a, b) = call(&m);
    for seq in 0..150 {
        send(
            &a,
            s.a_port,
            &rtp(0, seq, 160 * u32::from(seq), 3, &[0; 20]),
        );
    }
    let got: Vec<u16> = (0..150)
        .map_while(|_| recv(&b))
        .map(|(p, _)| fields(&p).1)
        .collect();
    assert_eq!(got, (0..150).collect::<Vec<_>>());
}

#[test]
fn a_datagram_too_long_for_the_buffers_is_dropped_not_cut() {
    let (m, _events) = start(48000, 48099, Duration::from_secs(60));
    let (s, a, b) = call(&m);
    send(&a, s.a_port, &rtp(0, 1, 0, 3, &[0; 1600]));
    assert!(recv(&b).is_none());
    assert!(stats_reach(&m, |s| s.dropped == 1));
}

#[test]
fn media_goes_to_the_port_the_phone_sends_from_not_the_sdp_one() {
    let (m, _events) = start(47100, 47199, Duration::from_secs(60));
    let (a, b) = (phone(), phone());
    let s = m.allocate().unwrap();
    m.update(s.id, Leg::A, params(&a));
    // B's SDP names a port B does not use (a NAT, a wrong SDP).
    m.update(
        s.id,
        Leg::B,
        LegParams {
            remote: Some(SocketAddr::new(LOCALHOST, 9)),
            ..params(&b)
        },
    );
    sleep(Duration::from_millis(30));
    send(&b, s.b_port, &rtp(0, 1, 0, 3, &[0; 160]));
    recv(&a).expect("B reaches A");
    send(&a, s.a_port, &rtp(0, 1, 0, 4, &[0; 160]));
    recv(&b).expect("A reaches B at the latched port");
}

#[test]
fn hold_stops_media_toward_the_held_direction_only() {
    let (m, _events) = start(47200, 47299, Duration::from_secs(60));
    let (s, a, b) = call(&m);
    // A went sendonly: we send nothing to A, A's media still goes to B.
    m.update(
        s.id,
        Leg::A,
        LegParams {
            send: false,
            ..params(&a)
        },
    );
    sleep(Duration::from_millis(30));
    send(&b, s.b_port, &rtp(0, 1, 0, 3, &[0; 160]));
    assert!(
        recv(&a).is_none(),
        "nothing reaches a phone that said sendonly"
    );
    send(&a, s.a_port, &rtp(0, 1, 0, 4, &[0; 160]));
    assert!(recv(&b).is_some());
    assert!(stats_reach(&m, |s| s.dropped == 1));
}

#[test]
fn pcmu_on_one_leg_is_transcoded_to_pcma_on_the_other() {
    let (m, _events) = start(47300, 47399, Duration::from_secs(60));
    let (s, a, b) = call(&m);
    m.update(
        s.id,
        Leg::B,
        LegParams {
            pt: 8,
            codec: Codec::Pcma,
            ..params(&b)
        },
    );
    sleep(Duration::from_millis(30));
    let ulaw: Vec<u8> = (0..160).map(|i| (i * 3) as u8).collect();
    send(&a, s.a_port, &rtp(0, 1, 0, 3, &ulaw));
    let (p, _) = recv(&b).unwrap();
    assert_eq!(fields(&p).0, 8);
    let alaw: Vec<u8> = ulaw.iter().map(|&u| g711::ulaw_to_alaw(u)).collect();
    assert_eq!(p[HEADER_LEN..], alaw[..]);
}

struct Beep(usize);

impl Source for Beep {
    fn next_frame(&mut self, out: &mut Frame) -> bool {
        if self.0 == 0 {
            return false;
        }
        self.0 -= 1;
        out.fill(1000);
        true
    }
}

#[test]
fn a_played_source_is_sent_every_20_ms_in_the_leg_codec_then_play_done() {
    let (m, mut events) = start(47400, 47499, Duration::from_secs(60));
    let (s, a, b) = call(&m);
    m.update(
        s.id,
        Leg::A,
        LegParams {
            pt: 8,
            codec: Codec::Pcma,
            ..params(&a)
        },
    );
    m.play(s.id, Leg::A, Box::new(Beep(3)));
    let start = Instant::now();
    let mut seqs = Vec::new();
    for _ in 0..3 {
        let (p, _) = recv(&a).expect("a frame of the source");
        assert_eq!(p.len(), HEADER_LEN + FRAME);
        assert_eq!(fields(&p).0, 8);
        assert!(
            p[HEADER_LEN..]
                .iter()
                .all(|&x| x == g711::linear_to_alaw(1000))
        );
        seqs.push(fields(&p).1);
    }
    assert!(start.elapsed() >= Duration::from_millis(35));
    assert_eq!(seqs, [seqs[0], seqs[0] + 1, seqs[0] + 2]);
    assert_eq!(
        event(&mut events, Duration::from_secs(1)),
        Some(MediaEvent::PlayDone {
            id: s.id,
            leg: Leg::A
        })
    );
    // B's media reaches A again, continuing the same numbering.
    send(&b, s.b_port, &rtp(0, 900, 0, 5, &[0; 160]));
    let (p, _) = recv(&a).unwrap();
    assert_eq!(fields(&p).1, seqs[2] + 1);
}

struct Tape(Arc<Mutex<Vec<i16>>>);

impl Sink for Tape {
    fn frame(&mut self, input: &Frame) {
        self.0.lock().unwrap().extend_from_slice(input);
    }
}

#[test]
fn a_recorder_hears_the_decoded_audio_of_its_leg() {
    let (m, _events) = start(47500, 47599, Duration::from_secs(60));
    let (s, a, b) = call(&m);
    let tape = Arc::new(Mutex::new(Vec::new()));
    m.record(s.id, Leg::A, Some(Box::new(Tape(tape.clone()))));
    sleep(Duration::from_millis(30));
    send(
        &a,
        s.a_port,
        &rtp(0, 1, 0, 3, &[g711::linear_to_ulaw(-2000); 160]),
    );
    recv(&b).unwrap();
    let heard = tape.lock().unwrap().clone();
    assert_eq!(heard.len(), FRAME);
    assert!(
        heard
            .iter()
            .all(|&x| x == g711::ulaw_to_linear(g711::linear_to_ulaw(-2000)))
    );
}

#[test]
fn a_key_press_is_reported_once() {
    let (m, mut events) = start(47600, 47699, Duration::from_secs(60));
    let (s, a, b) = call(&m);
    for seq in 0..3 {
        send(&a, s.a_port, &rtp(101, seq, 320, 3, &[11, 0x0a, 0, 160]));
        recv(&b).unwrap();
    }
    let press = MediaEvent::Dtmf {
        id: s.id,
        leg: Leg::A,
        digit: '#',
    };
    assert_eq!(event(&mut events, Duration::from_secs(1)), Some(press));
    assert_eq!(event(&mut events, Duration::from_millis(100)), None);
}

#[test]
fn a_silent_call_times_out_once() {
    let (m, mut events) = start(47700, 47799, Duration::from_millis(200));
    let (s, _a, _b) = call(&m);
    assert_eq!(
        event(&mut events, Duration::from_secs(3)),
        Some(MediaEvent::RtpTimeout { id: s.id })
    );
    assert_eq!(event(&mut events, Duration::from_millis(1200)), None);
}

#[test]
fn taken_ports_are_skipped_and_release_frees_them() {
    // Room for three calls' legs: 47800, 47802, 47804; a stranger holds one.
    let (m, _events) = start(47800, 47805, Duration::from_secs(60));
    let stranger = UdpSocket::bind((LOCALHOST, 47800)).unwrap();
    let s = m.allocate().unwrap();
    let mut ports = [s.a_port, s.b_port];
    ports.sort();
    assert_eq!(ports, [47802, 47804]);
    assert_eq!(m.allocate().unwrap_err().kind(), io::ErrorKind::AddrInUse);
    assert_eq!(m.stats().sessions, 1);

    drop(stranger);
    m.release(s.id);
    let end = Instant::now() + Duration::from_secs(1);
    while UdpSocket::bind((LOCALHOST, s.a_port)).is_err()
        || UdpSocket::bind((LOCALHOST, s.a_port + 1)).is_err()
    {
        assert!(Instant::now() < end, "released ports are free again");
        sleep(Duration::from_millis(10));
    }
    assert_eq!(m.stats().sessions, 0);
    assert!(m.allocate().is_ok());
}

#[test]
fn the_handle_is_clone_send_and_sync() {
    fn shareable<T: Clone + Send + Sync + 'static>() {}
    shareable::<Media>();
}

#[test]
fn released_sessions_give_their_ports_back_under_churn() {
    // 8 pairs of ports: 4 sessions at most. Thousands of calls go through
    // them one after another, as a busy switch's short calls do.
    let (m, _events) = start(48200, 48215, Duration::from_secs(60));
    for i in 0..3000u32 {
        let s = m
            .allocate()
            .unwrap_or_else(|e| panic!("allocation {i} found no free ports: {e}"));
        m.update(s.id, Leg::A, LegParams::default());
        m.update(s.id, Leg::B, LegParams::default());
        m.release(s.id);
        if i % 3 == 2 {
            // Let the worker catch up now and then, as calls last a while.
            let start = std::time::Instant::now();
            while m.stats().sessions > 1 && start.elapsed() < Duration::from_secs(2) {
                std::thread::yield_now();
            }
        }
    }
}
