//! One outbound RTP stream of the relay: our SSRC, and the offsets that
//! carry the sequence number and timestamp on across changes of what feeds
//! the stream (RFC 3550 §5.1, §8.2).

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
    ts_offset: u32,
    /// Sequence number, timestamp and time of the newest packet sent.
    last: Option<(u16, u32, Instant)>,
}

impl Outbound {
    pub(super) fn new(ssrc: u32) -> Self {
        Self {
            ssrc,
            origin: Origin::Nothing,
            seq_offset: 0,
            ts_offset: 0,
            last: None,
        }
    }

    /// Our numbering for an inbound packet, recomputing the offsets when
    /// the origin changes. Returns (seq, ts, marker).
    pub(super) fn relayed(
        &mut self,
        ssrc: u32,
        seq: u16,
        ts: u32,
        now: Instant,
    ) -> (u16, u32, bool) {
        let fresh = self.origin != Origin::Relayed(ssrc);
        if fresh {
            (self.seq_offset, self.ts_offset) = match self.last {
                None => (0, 0),
                Some((s, t, at)) => (
                    s.wrapping_add(1).wrapping_sub(seq),
                    t.wrapping_add(elapsed_samples(at, now)).wrapping_sub(ts),
                ),
            };
            self.origin = Origin::Relayed(ssrc);
        }
        let out = (
            seq.wrapping_add(self.seq_offset),
            ts.wrapping_add(self.ts_offset),
        );
        self.advance(out.0, out.1, now);
        (out.0, out.1, fresh)
    }

    /// Our numbering for the next frame the switch originates.
    pub(super) fn local(&mut self, now: Instant) -> (u16, u32, bool) {
        let fresh = self.origin != Origin::Local;
        let (seq, ts) = match self.last {
            None => (0, 0),
            Some((s, t, _)) if !fresh => (s.wrapping_add(1), t.wrapping_add(crate::FRAME as u32)),
            Some((s, t, at)) => (s.wrapping_add(1), t.wrapping_add(elapsed_samples(at, now))),
        };
        self.origin = Origin::Local;
        self.advance(seq, ts, now);
        (seq, ts, fresh)
    }

    fn advance(&mut self, seq: u16, ts: u32, now: Instant) {
        // A late (reordered) packet keeps its place and does not move the
        // stream's head back.
        let newer = match self.last {
            None => true,
            Some((s, _, _)) => (seq.wrapping_sub(s) as i16) > 0,
        };
        if newer {
            self.last = Some((seq, ts, now));
        }
    }
}

fn elapsed_samples(since: Instant, now: Instant) -> u32 {
    let us = now.saturating_duration_since(since).as_micros();
    ((us * u128::from(crate::RATE) / 1_000_000) as u32).max(1)
}
