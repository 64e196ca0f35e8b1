//! The jitter buffer for media the switch terminates (voicemail, IVR,
//! conferences, recording): decoded RTP packets go in as they arrive, in
//! any order; one 20 ms frame comes out per tick, at a steady pace.
//!
//! The buffer holds back a playout delay (the target depth) between 20 and
//! 200 ms by default. It grows by a frame whenever a packet arrives too
//! late to be played, and shrinks by a frame when a whole second went by
//! with at least two frames to spare; growing plays a frame of silence,
//! shrinking drops a quiet (or missing) frame. Missing audio is replaced
//! with silence. When nothing has arrived for 200 ms (silence suppression,
//! hold) the buffer starts over on the next packet, and a timestamp jump
//! of more than two seconds (a new source) puts the new stream right after
//! the audio already buffered.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use crate::{FRAME, Frame, RATE};

/// Depth bounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Config {
    pub min_depth: Duration,
    pub max_depth: Duration,
    /// The depth to start with, before anything is known of the network.
    pub initial_depth: Duration,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            min_depth: Duration::from_millis(20),
            max_depth: Duration::from_millis(200),
            initial_depth: Duration::from_millis(40),
        }
    }
}

/// What became of a pushed packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arrival {
    /// Stored for playout.
    Buffered,
    /// Its time has passed; dropped (and the depth will grow).
    Late,
    /// Already buffered; dropped.
    Duplicate,
}

/// What a tick's frame holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Playout {
    /// Not playing yet (nothing received, or priming after a pause):
    /// silence.
    Waiting,
    /// Received audio (in part at least).
    Audio,
    /// Nothing received for this frame, or a frame inserted to deepen the
    /// buffer: silence.
    Concealed,
}

/// Counters for call-quality reporting.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    /// Packets pushed, late and duplicates included.
    pub received: u64,
    pub late: u64,
    pub duplicates: u64,
    /// Packets never received, from the gaps in sequence numbers.
    pub lost: u64,
    /// Frames played from received audio.
    pub played: u64,
    /// Frames of silence played in place of missing audio.
    pub concealed: u64,
    /// Frames dropped to make the buffer shallower.
    pub skipped: u64,
    /// Timestamp jumps taken for a new source.
    pub source_changes: u64,
}

/// Ticks with an empty buffer after which playout starts over.
const IDLE_TICKS: u32 = 10;
/// Ticks in the window over which spare depth is judged.
const WINDOW: u32 = 50;
/// A timestamp this far from the playout point means a new stream.
const RESET_DISTANCE: i64 = 2 * RATE as i64;
/// Peak under which a frame may be skipped without being heard.
const QUIET: i16 = 500;

/// A jitter buffer; see the module documentation.
#[derive(Debug, Clone)]
pub struct JitterBuffer {
    config: Config,
    /// Samples by extended timestamp.
    packets: BTreeMap<i64, Vec<i16>>,
    /// Highest extended timestamp seen, for unwrapping, and what is added
    /// to extended timestamps to put a new source on the old timeline.
    highest_ts: Option<i64>,
    ts_offset: i64,
    /// Extended timestamp of the next frame to play, once playing.
    next: Option<i64>,
    /// End of the last frame played from received audio: older packets
    /// are late even after a pause.
    played_until: Option<i64>,
    /// When playout may begin, once a packet came while not playing.
    start_at: Option<Instant>,
    /// Target depth in samples, a multiple of [`FRAME`].
    target: i64,
    /// Frames to insert or drop to reach the target.
    grow: u32,
    shrink: u32,
    /// Ticks since a shrink became due.
    shrink_wait: u32,
    /// Least depth seen in this window, and ticks into the window.
    window_min: i64,
    window_ticks: u32,
    idle_ticks: u32,
    /// RFC 3550 §6.4.1 interarrival jitter in samples, and the previous
    /// transit time it is computed from.
    jitter: f64,
    last_transit: Option<f64>,
    epoch: Option<Instant>,
    /// Extended sequence numbers, first and highest seen, packets counted
    /// against them, and losses counted before the last source change.
    first_seq: Option<i64>,
    highest_seq: i64,
    seq_received: u64,
    lost_carry: u64,
    stats: Stats,
}

impl JitterBuffer {
    pub fn new(config: Config) -> Self {
        JitterBuffer {
            target: frames_of(
                config
                    .initial_depth
                    .clamp(config.min_depth, config.max_depth),
            ),
            config,
            packets: BTreeMap::new(),
            highest_ts: None,
            ts_offset: 0,
            next: None,
            played_until: None,
            start_at: None,
            grow: 0,
            shrink: 0,
            shrink_wait: 0,
            window_min: i64::MAX,
            window_ticks: 0,
            idle_ticks: 0,
            jitter: 0.0,
            last_transit: None,
            epoch: None,
            first_seq: None,
            highest_seq: 0,
            seq_received: 0,
            lost_carry: 0,
            stats: Stats::default(),
        }
    }

    /// A decoded packet, received at `now`, with its RTP sequence number
    /// and timestamp (8 kHz units). Any number of samples is accepted.
    pub fn push(&mut self, now: Instant, seq: u16, timestamp: u32, samples: &[i16]) -> Arrival {
        self.stats.received += 1;
        let mut ts = self.extend(timestamp) + self.ts_offset;
        // Where playout stands: the next frame, or after a pause the end of
        // the last frame played.
        let horizon = self.next.or(self.played_until);
        if let Some(horizon) = horizon
            && (ts - horizon).abs() > RESET_DISTANCE
        {
            // A new source (a re-INVITE, a transfer): its audio carries on
            // where the buffered audio ends.
            self.highest_ts = None;
            let raw = self.extend(timestamp);
            let end = self
                .packets
                .last_key_value()
                .map_or(horizon, |(t, s)| t + s.len() as i64);
            ts = end.max(horizon);
            self.ts_offset = ts - raw;
            self.stats.source_changes += 1;
            self.lost_carry += self.lost_since_first();
            self.first_seq = None;
            self.seq_received = 0;
            self.last_transit = None;
        }
        self.count_seq(seq);
        let epoch = *self.epoch.get_or_insert(now);
        let transit = now.duration_since(epoch).as_secs_f64() * RATE as f64 - ts as f64;
        if let Some(last) = self.last_transit.replace(transit) {
            // RFC 3550 §6.4.1: J += (|D| - J) / 16.
            self.jitter += ((transit - last).abs() - self.jitter) / 16.0;
        }
        if let Some(horizon) = horizon
            && ts + samples.len() as i64 <= horizon
        {
            self.stats.late += 1;
            let deeper = self.target + (self.grow as i64 * FRAME as i64);
            if self.next.is_some() && deeper < frames_of(self.config.max_depth) {
                self.grow += 1;
            }
            return Arrival::Late;
        }
        if self.packets.contains_key(&ts) {
            self.stats.duplicates += 1;
            self.seq_received -= 1;
            return Arrival::Duplicate;
        }
        self.packets.insert(ts, samples.to_vec());
        if self.next.is_none() && self.start_at.is_none() {
            self.start_at = Some(now + samples_to_duration(self.target));
        }
        Arrival::Buffered
    }

    /// The frame to play at `now`; call once per 20 ms tick.
    pub fn pop(&mut self, now: Instant, out: &mut Frame) -> Playout {
        out.fill(0);
        let next = match self.next {
            Some(next) => next,
            None => match (self.start_at, self.packets.keys().next()) {
                (Some(at), Some(&first)) if now >= at => {
                    self.start_at = None;
                    self.next = Some(first);
                    first
                }
                _ => return Playout::Waiting,
            },
        };
        if self.grow > 0 {
            self.grow -= 1;
            self.target += FRAME as i64;
            self.stats.concealed += 1;
            return Playout::Concealed;
        }
        let mut next = next;
        let mut got = self.fill(next, out);
        if self.shrink > 0 {
            self.shrink_wait += 1;
            let quiet = out.iter().all(|s| s.unsigned_abs() < QUIET as u16);
            if quiet || self.shrink_wait > WINDOW {
                self.shrink -= 1;
                self.shrink_wait = 0;
                self.target -= FRAME as i64;
                self.stats.skipped += 1;
                self.discard_before(next + FRAME as i64);
                next += FRAME as i64;
                got = self.fill(next, out);
            }
        }
        next += FRAME as i64;
        self.next = Some(next);
        self.discard_before(next);
        self.watch_depth(next);
        if got {
            self.played_until = Some(next);
            self.idle_ticks = 0;
            self.stats.played += 1;
            Playout::Audio
        } else {
            self.stats.concealed += 1;
            if self.packets.is_empty() {
                self.idle_ticks += 1;
                if self.idle_ticks >= IDLE_TICKS {
                    self.restart();
                }
            }
            Playout::Concealed
        }
    }

    /// The current target depth.
    pub fn depth(&self) -> Duration {
        samples_to_duration(self.target)
    }

    /// The RFC 3550 interarrival jitter estimate.
    pub fn jitter(&self) -> Duration {
        Duration::from_secs_f64(self.jitter / RATE as f64)
    }

    pub fn stats(&self) -> Stats {
        Stats {
            lost: self.lost_carry + self.lost_since_first(),
            ..self.stats
        }
    }

    /// Copies the samples of `[start, start + FRAME)` into `out`; false if
    /// none were received.
    fn fill(&self, start: i64, out: &mut Frame) -> bool {
        let end = start + FRAME as i64;
        let mut any = false;
        let earliest = start - RESET_DISTANCE;
        for (&ts, samples) in self.packets.range(earliest..end) {
            let from = start.max(ts);
            let to = end.min(ts + samples.len() as i64);
            if from < to {
                let src = &samples[(from - ts) as usize..(to - ts) as usize];
                out[(from - start) as usize..(to - start) as usize].copy_from_slice(src);
                any = true;
            }
        }
        any
    }

    /// Drops packets that end before `ts`.
    fn discard_before(&mut self, ts: i64) {
        while let Some(entry) = self.packets.first_entry() {
            if *entry.key() + entry.get().len() as i64 > ts {
                break;
            }
            entry.remove();
        }
    }

    /// Tracks the spare depth after each tick and schedules a shrink after
    /// a window that always had two frames to spare.
    fn watch_depth(&mut self, next: i64) {
        // Only audio ready to play in order counts: a packet that came
        // early does not make up for the one still on its way.
        let mut ready = next;
        for (&ts, samples) in self.packets.range(next - RESET_DISTANCE..) {
            if ts > ready {
                break;
            }
            ready = ready.max(ts + samples.len() as i64);
        }
        self.window_min = self.window_min.min(ready - next);
        self.window_ticks += 1;
        if self.window_ticks >= WINDOW {
            let spare = self.window_min;
            if spare >= 2 * FRAME as i64
                && self.target - (self.shrink as i64 * FRAME as i64)
                    > frames_of(self.config.min_depth)
                && self.grow == 0
            {
                self.shrink += 1;
            }
            self.window_min = i64::MAX;
            self.window_ticks = 0;
        }
    }

    /// Forgets the playout point; the next packet primes the buffer again.
    fn restart(&mut self) {
        self.packets.clear();
        self.next = None;
        self.start_at = None;
        self.grow = 0;
        self.shrink = 0;
        self.idle_ticks = 0;
        self.window_min = i64::MAX;
        self.window_ticks = 0;
    }

    /// Unwraps a 32-bit timestamp near the highest seen.
    fn extend(&mut self, timestamp: u32) -> i64 {
        let ts = match self.highest_ts {
            None => timestamp as i64,
            Some(h) => h + timestamp.wrapping_sub(h as u32) as i32 as i64,
        };
        self.highest_ts = Some(self.highest_ts.map_or(ts, |h| h.max(ts)));
        ts
    }

    fn count_seq(&mut self, seq: u16) {
        self.seq_received += 1;
        match self.first_seq {
            None => {
                self.first_seq = Some(seq as i64);
                self.highest_seq = seq as i64;
            }
            Some(_) => {
                let delta = seq.wrapping_sub(self.highest_seq as u16) as i16 as i64;
                self.highest_seq = self.highest_seq.max(self.highest_seq + delta);
            }
        }
    }

    /// Packets missing from the sequence since it (re)started.
    fn lost_since_first(&self) -> u64 {
        let expected = self.first_seq.map_or(0, |f| self.highest_seq - f + 1);
        (expected - self.seq_received as i64).max(0) as u64
    }
}

fn frames_of(d: Duration) -> i64 {
    let samples = (d.as_micros() * RATE as u128 / 1_000_000) as i64;
    // Rounded up to whole frames, at least one.
    ((samples + FRAME as i64 - 1) / FRAME as i64).max(1) * FRAME as i64
}

fn samples_to_duration(samples: i64) -> Duration {
    Duration::from_micros(samples.max(0) as u64 * 1_000_000 / RATE as u64)
}

#[cfg(test)]
mod tests;
