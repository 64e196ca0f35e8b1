use super::*;

/// One packet on the wire: when it arrives (ms), its seq, ts and samples.
struct Sent {
    at: u64,
    seq: u16,
    ts: u32,
    samples: Vec<i16>,
}

/// 20 ms packets `0..count`, packet k full of `1000 + k`, arriving after
/// `delay(k)` ms (`None`: lost).
fn stream(count: usize, ts0: u32, delay: impl Fn(usize) -> Option<u64>) -> Vec<Sent> {
    (0..count)
        .filter_map(|k| {
            Some(Sent {
                at: k as u64 * 20 + delay(k)?,
                seq: k as u16,
                ts: ts0.wrapping_add(k as u32 * FRAME as u32),
                samples: vec![1000 + k as i16; FRAME],
            })
        })
        .collect()
}

/// Runs the buffer on a virtual clock: a tick every 20 ms at 10 ms past,
/// packets delivered in arrival order before the tick they precede.
fn run(jb: &mut JitterBuffer, mut sent: Vec<Sent>, ticks: usize) -> Vec<(Playout, Frame)> {
    let t0 = Instant::now();
    sent.sort_by_key(|s| s.at);
    let mut sent = sent.into_iter().peekable();
    let mut out = Vec::new();
    for tick in 0..ticks as u64 {
        let now = tick * 20 + 10;
        while let Some(s) = sent.next_if(|s| s.at <= now) {
            jb.push(t0 + Duration::from_millis(s.at), s.seq, s.ts, &s.samples);
        }
        let mut f = [0; FRAME];
        let p = jb.pop(t0 + Duration::from_millis(now), &mut f);
        out.push((p, f));
    }
    out
}

/// The packet numbers heard, `None` for a concealed frame, from the first
/// audio on.
fn heard(out: &[(Playout, Frame)]) -> Vec<Option<i16>> {
    out.iter()
        .skip_while(|(p, _)| *p != Playout::Audio)
        .map(|(p, f)| (*p == Playout::Audio).then(|| f[0] - 1000))
        .collect()
}

fn shallow() -> JitterBuffer {
    JitterBuffer::new(Config {
        initial_depth: Duration::from_millis(20),
        ..Config::default()
    })
}

fn played_in_order(heard: &[Option<i16>]) -> Vec<i16> {
    heard.iter().flatten().copied().collect()
}

#[test]
fn steady_stream_plays_every_frame_in_order() {
    let mut jb = shallow();
    let out = run(&mut jb, stream(100, 1234, |_| Some(30)), 110);
    assert!(out[0].0 == Playout::Waiting);
    let h = heard(&out);
    assert_eq!(played_in_order(&h), (0..100).collect::<Vec<i16>>());
    assert!(h[..100].iter().all(Option::is_some));
    assert_eq!(jb.stats().late, 0);
    assert_eq!(jb.depth(), Duration::from_millis(20));
}

#[test]
fn reordered_packets_are_played_in_timestamp_order() {
    let mut jb = JitterBuffer::new(Config::default());
    let delay = |k| {
        Some(match k {
            5 => 55,
            6 => 25,
            _ => 30,
        })
    };
    let h = heard(&run(&mut jb, stream(40, 0, delay), 45));
    assert_eq!(played_in_order(&h), (0..40).collect::<Vec<i16>>());
    assert_eq!(jb.stats().late, 0);
}

#[test]
fn a_lost_packet_becomes_one_frame_of_silence() {
    let mut jb = shallow();
    let out = run(&mut jb, stream(30, 0, |k| (k != 10).then_some(30)), 32);
    let h = heard(&out);
    assert_eq!(h[9..12], [Some(9), None, Some(11)]);
    let silent = out.iter().find(|(p, _)| *p == Playout::Concealed).unwrap();
    assert_eq!(silent.1, [0; FRAME]);
    assert_eq!(jb.stats().lost, 1);
}

#[test]
fn a_late_packet_is_dropped_and_deepens_the_buffer() {
    let mut jb = shallow();
    let h = heard(&run(
        &mut jb,
        stream(30, 0, |k| Some(if k == 10 { 300 } else { 30 })),
        35,
    ));
    assert_eq!(h[10], None);
    assert!(!played_in_order(&h).contains(&10));
    assert_eq!(jb.stats().late, 1);
    assert_eq!(jb.depth(), Duration::from_millis(40));
}

#[test]
fn duplicates_are_refused() {
    let mut jb = shallow();
    let now = Instant::now();
    assert_eq!(jb.push(now, 1, 160, &[1; FRAME]), Arrival::Buffered);
    assert_eq!(jb.push(now, 1, 160, &[1; FRAME]), Arrival::Duplicate);
    assert_eq!(jb.stats().duplicates, 1);
    assert_eq!(jb.stats().lost, 0);
}

/// A seeded linear congruential generator, for repeatable network jitter.
fn lcg(seed: u64) -> impl FnMut() -> u64 {
    let mut s = seed;
    move || {
        s = s
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        s >> 33
    }
}

#[test]
fn depth_grows_with_jitter_until_packets_stop_being_late() {
    let mut jb = shallow();
    let mut rnd = lcg(7);
    let mut delays: Vec<u64> = (0..1000).map(|_| 20 + rnd() % 100).collect();
    // The first packet comes fast, so playout starts too early for the rest.
    delays[0] = 20;
    let out = run(&mut jb, stream(1000, 99, |k| Some(delays[k])), 1010);
    let depth = jb.depth();
    assert!(
        depth >= Duration::from_millis(80) && depth <= Duration::from_millis(200),
        "{depth:?} {:?}",
        jb.stats()
    );
    // After the first five seconds the buffer has settled: nothing lost.
    let h = heard(&out);
    assert!(
        h[250..990].iter().filter(|x| x.is_none()).count() <= 5,
        "{:?}",
        jb.stats()
    );
    let played = played_in_order(&h);
    assert!(played.windows(2).all(|w| w[0] < w[1]));
}

#[test]
fn depth_never_exceeds_its_maximum() {
    let mut jb = shallow();
    let mut rnd = lcg(3);
    let delays: Vec<u64> = (0..500).map(|_| rnd() % 1000).collect();
    run(&mut jb, stream(500, 0, |k| Some(delays[k])), 560);
    assert_eq!(jb.depth(), Duration::from_millis(200));
}

#[test]
fn depth_shrinks_back_when_the_network_calms_down() {
    let mut jb = JitterBuffer::new(Config {
        initial_depth: Duration::from_millis(160),
        ..Config::default()
    });
    let h = heard(&run(&mut jb, stream(500, 0, |_| Some(30)), 510));
    assert!(jb.depth() <= Duration::from_millis(40), "{:?}", jb.depth());
    assert!(jb.stats().skipped >= 6);
    let played = played_in_order(&h);
    assert!(played.windows(2).all(|w| w[0] < w[1]));
    assert_eq!(played.len() as u64 + jb.stats().skipped, 500);
}

#[test]
fn timestamps_wrapping_around_play_on() {
    let mut jb = shallow();
    let ts0 = u32::MAX - 5 * FRAME as u32 + 1;
    let h = heard(&run(&mut jb, stream(20, ts0, |_| Some(30)), 25));
    assert_eq!(played_in_order(&h), (0..20).collect::<Vec<i16>>());
}

#[test]
fn a_new_source_plays_on_after_the_old_one() {
    let mut jb = shallow();
    let mut sent = stream(20, 0, |_| Some(30));
    for s in stream(40, 0, |_| Some(30)).into_iter().skip(20) {
        sent.push(Sent {
            ts: s.ts.wrapping_add(3_000_000),
            seq: s.seq.wrapping_add(5000),
            ..s
        });
    }
    let h = heard(&run(&mut jb, sent, 45));
    assert_eq!(played_in_order(&h), (0..40).collect::<Vec<i16>>());
    assert_eq!(jb.stats().source_changes, 1);
    assert_eq!(jb.stats().lost, 0);
}

#[test]
fn after_a_pause_the_buffer_primes_again() {
    // The sender stops for a second and carries on without advancing its
    // timestamps: the resumed packets must not all count as late.
    let mut jb = shallow();
    let mut sent = stream(10, 0, |_| Some(30));
    for s in stream(30, 0, |_| Some(1030)).into_iter().skip(10) {
        sent.push(s);
    }
    let h = heard(&run(&mut jb, sent, 85));
    assert_eq!(played_in_order(&h), (0..30).collect::<Vec<i16>>());
    assert_eq!(jb.stats().late, 0);
}

#[test]
fn a_straggler_arriving_after_a_pause_is_still_late() {
    // Packet 0 is overtaken by packet 1, then the stream pauses: when 0
    // finally comes, the audio after it has long been played.
    let mut sent = stream(2, 0, |k| Some(if k == 0 { 400 } else { 0 }));
    sent.push(Sent {
        at: 1000,
        seq: 2,
        ts: 2 * FRAME as u32,
        samples: vec![1002; FRAME],
    });
    let mut jb = shallow();
    let h = heard(&run(&mut jb, sent, 60));
    assert_eq!(played_in_order(&h), [1, 2]);
    assert_eq!(jb.stats().late, 1);
}

#[test]
fn thirty_ms_packets_are_cut_into_20_ms_frames() {
    let mut jb = shallow();
    let t0 = Instant::now();
    let mut samples = Vec::new();
    let mut tick = 0u64;
    for k in 0..20u32 {
        let arrival = k as u64 * 30 + 10;
        while tick * 20 + 10 < arrival {
            let mut f = [0; FRAME];
            if jb.pop(t0 + Duration::from_millis(tick * 20 + 10), &mut f) == Playout::Audio {
                samples.extend_from_slice(&f);
            }
            tick += 1;
        }
        let payload: Vec<i16> = (0..240).map(|i| (k * 240 + i) as i16 + 1).collect();
        jb.push(
            t0 + Duration::from_millis(arrival),
            k as u16,
            k * 240,
            &payload,
        );
    }
    for _ in 0..10 {
        let mut f = [0; FRAME];
        if jb.pop(t0 + Duration::from_millis(tick * 20 + 10), &mut f) == Playout::Audio {
            samples.extend_from_slice(&f);
        }
        tick += 1;
    }
    assert_eq!(samples, (1..=4800).collect::<Vec<i16>>());
}

proptest::proptest! {
    #[test]
    fn whatever_the_network_does_frames_play_in_order_and_once(
        delays in proptest::collection::vec(proptest::option::of(0u64..400), 1..200),
    ) {
        let mut jb = shallow();
        let n = delays.len();
        let h = heard(&run(&mut jb, stream(n, 77, |k| delays[k]), n + 40));
        let played = played_in_order(&h);
        proptest::prop_assert!(played.windows(2).all(|w| w[0] < w[1]), "{:?}", played);
        let stats = jb.stats();
        let received = delays.iter().flatten().count() as u64;
        proptest::prop_assert_eq!(stats.received, received);
        proptest::prop_assert!(stats.played + stats.late + stats.skipped <= received);
    }
}
