//! One outbound RTP stream of the relay: our SSRC, and the offsets that
//! carry the sequence number and timestamp on across changes of what feeds
//! the stream (RFC 3550 §5.1, §8.2). When the legs' codecs run on
//! different clocks (Opus at 48 kHz, G.711 at 8 kHz) the timestamp is
//! scaled: each packet's distance from the last one in goes out in the
//! outbound clock, so the stream stays continuous across the 2^32 wrap.

use std::time::Instant;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Origin {
    Nothing,
    Relayed(u32),
    Local,
}

#[derive(Debug)]
pub(super) struct Outbound {
    pub(super) ssrc: u32,
    origin: Origin,
    seq_offset: u16,
    /// An inbound timestamp and the outbound one it was given.
    anchor: (u32, u32),
    /// Sequence number, timestamp and time of the newest packet sent.
    last: Option<(u16, u32, Instant)>,
    /// RFC 3550 §6.4.1 sender's counts: packets and payload octets sent.
    packets: u32,
    octets: u32,
}

impl Outbound {
    pub(super) fn new(ssrc: u32) -> Self {
        Self {
            ssrc,
            origin: Origin::Nothing,
            seq_offset: 0,
            anchor: (0, 0),
            last: None,
            packets: 0,
            octets: 0,
        }
    }

    /// Counts a packet sent with `payload` octets of payload.
    pub(super) fn count(&mut self, payload: usize) {
        self.packets = self.packets.wrapping_add(1);
        self.octets = self.octets.wrapping_add(payload as u32);
    }

    /// The SR's sender info once something was sent: the timestamp that
    /// corresponds to `now` on the stream's clock, packets and octets.
    pub(super) fn sender_info(&self, now: Instant, clock: u32) -> Option<(u32, u32, u32)> {
        let (_, ts, at) = self.last?;
        let ts = ts.wrapping_add(elapsed_ticks(at, now, clock));
        Some((ts, self.packets, self.octets))
    }

    /// Our numbering for an inbound packet whose timestamp runs at
    /// `clocks.0` Hz, going out at `clocks.1` Hz; recomputes the offsets
    /// when the origin changes. Returns (seq, ts, marker).
    pub(super) fn relayed(
        &mut self,
        ssrc: u32,
        seq: u16,
        ts: u32,
        clocks: (u32, u32),
        now: Instant,
    ) -> (u16, u32, bool) {
        let fresh = self.origin != Origin::Relayed(ssrc);
        if fresh {
            (self.seq_offset, self.anchor) = match self.last {
                None => (0, (ts, scale(ts, clocks))),
                Some((s, t, at)) => (
                    s.wrapping_add(1).wrapping_sub(seq),
                    (ts, t.wrapping_add(elapsed_ticks(at, now, clocks.1))),
                ),
            };
            self.origin = Origin::Relayed(ssrc);
        }
        let (from, to) = self.anchor;
        let out_seq = seq.wrapping_add(self.seq_offset);
        let out_ts = to.wrapping_add(scale(ts.wrapping_sub(from), clocks));
        if self.advance(out_seq, out_ts, now) {
            self.anchor = (ts, out_ts);
        }
        (out_seq, out_ts, fresh)
    }

    /// Our numbering for the next frame the switch originates, the stream's
    /// clock running at `clock` Hz.
    pub(super) fn local(&mut self, clock: u32, now: Instant) -> (u16, u32, bool) {
        let fresh = self.origin != Origin::Local;
        let (seq, ts) = match self.last {
            None => (0, 0),
            Some((s, t, _)) if !fresh => (s.wrapping_add(1), t.wrapping_add(clock / 50)),
            Some((s, t, at)) => (
                s.wrapping_add(1),
                t.wrapping_add(elapsed_ticks(at, now, clock)),
            ),
        };
        self.origin = Origin::Local;
        self.advance(seq, ts, now);
        (seq, ts, fresh)
    }

    /// Moves the stream's head; false for a late (reordered) packet, which
    /// keeps its place and does not move the head back.
    fn advance(&mut self, seq: u16, ts: u32, now: Instant) -> bool {
        let newer = match self.last {
            None => true,
            Some((s, _, _)) => (seq.wrapping_sub(s) as i16) > 0,
        };
        if newer {
            self.last = Some((seq, ts, now));
        }
        newer
    }
}

/// A timestamp distance (signed, as a late packet's is) from one clock to
/// the other.
fn scale(ticks: u32, (from, to): (u32, u32)) -> u32 {
    if from == to {
        return ticks;
    }
    (i64::from(ticks as i32) * i64::from(to) / i64::from(from)) as u32
}

fn elapsed_ticks(since: Instant, now: Instant, clock: u32) -> u32 {
    let us = now.saturating_duration_since(since).as_micros();
    ((us * u128::from(clock) / 1_000_000) as u32).max(1)
}
