//! RTCP terminated per leg (RFC 3550 §6). Reports are not relayed (see the
//! module docs of `relay`); instead the switch is the RTP end point each
//! leg talks to: it keeps reception statistics of what the leg sends
//! (RFC 3550 A.1, A.3, A.8), remembers the leg's last SR for LSR/DLSR,
//! reads the leg's reports about our stream (loss, jitter, round trip), and
//! every ~5 s sends the leg a compound SR (or RR, before we sent anything)
//! with SDES CNAME.
//!
//! Where reports go: the source of the leg's RTCP once it sent some (on the
//! RTCP port, or on the RTP port when it multiplexes, RFC 5761), else the
//! leg's RTP destination with the port plus one.

use std::net::SocketAddr;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use super::{Latching, Leg, Relay, RelayEvent, codec};
use crate::rtp::rtcp::{self, ReportBlock, Rtcp, SenderInfo};

/// RFC 3550 §6.2: the interval for a two-party call at our bit rates is
/// the 5 s minimum.
const INTERVAL: Duration = Duration::from_secs(5);
/// Seconds between the NTP epoch (1900) and the Unix one.
const NTP_UNIX: u64 = 2_208_988_800;

/// Reception quality of one leg, both ways.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Quality {
    /// From the leg's last report about the stream we send it: the share
    /// lost since its previous report, in 256ths.
    pub fraction_lost: u8,
    /// Packets of ours the leg says it lost in all.
    pub cumulative_lost: i32,
    /// Interarrival jitter the leg measured on our stream.
    pub jitter: Duration,
    /// Round trip, from the LSR/DLSR of the leg's report (RFC 3550 §6.4.1).
    pub rtt: Option<Duration>,
    /// What we measured of the leg's stream: packets lost in all ...
    pub lost_in: i64,
    /// ... and its interarrival jitter.
    pub jitter_in: Duration,
}

impl Quality {
    /// The leg's last reported loss on our stream, in percent.
    pub fn loss_percent(&self) -> f64 {
        f64::from(self.fraction_lost) * 100.0 / 256.0
    }
}

/// A report to send to a leg.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RtcpTransmit {
    pub to: SocketAddr,
    /// Bytes written at the start of the buffer.
    pub len: usize,
    /// The leg's socket to send from: its RTCP one, or its RTP one when
    /// the leg multiplexes (RFC 5761).
    pub port: Port,
}

/// Which of a leg's two sockets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Port {
    Rtp,
    #[default]
    Rtcp,
}

/// Per-leg RTCP state.
#[derive(Debug, Default)]
pub(super) struct LegRtcp {
    rx: Reception,
    /// Middle 32 bits of the NTP time of the leg's last SR, and when it
    /// came.
    last_sr: Option<(u32, Instant)>,
    /// Our last SRs to the leg: compact NTP time and when sent, to find
    /// the round trip from an LSR without the wall clock.
    sent: [(u32, Option<Instant>); 4],
    next_sent: usize,
    latched: Option<SocketAddr>,
    /// Where the leg's RTCP came in.
    port: Port,
    deadline: Option<Instant>,
    quality: Quality,
}

/// RFC 3550 A.1/A.3/A.8 reception statistics of one inbound source.
#[derive(Debug, Default)]
struct Reception {
    ssrc: Option<u32>,
    base_seq: u32,
    max_seq: u16,
    cycles: u32,
    received: u32,
    expected_prior: u32,
    received_prior: u32,
    transit: Option<u32>,
    /// Jitter in timestamp units, times 16 (A.8's integer form).
    jitter16: u32,
}

impl Reception {
    fn packet(&mut self, ssrc: u32, seq: u16, ts: u32, arrival: u32) {
        if self.ssrc != Some(ssrc) {
            *self = Reception {
                ssrc: Some(ssrc),
                base_seq: u32::from(seq),
                max_seq: seq,
                ..Reception::default()
            };
        }
        let delta = seq.wrapping_sub(self.max_seq);
        if delta != 0 && delta < 0x8000 {
            if seq < self.max_seq {
                self.cycles = self.cycles.wrapping_add(1 << 16);
            }
            self.max_seq = seq;
        }
        self.received = self.received.wrapping_add(1);
        let transit = arrival.wrapping_sub(ts);
        if let Some(last) = self.transit {
            let d = (transit.wrapping_sub(last) as i32).unsigned_abs();
            self.jitter16 = self
                .jitter16
                .wrapping_add(d)
                .wrapping_sub((self.jitter16 + 8) >> 4);
        }
        self.transit = Some(transit);
    }

    fn extended_max(&self) -> u32 {
        self.cycles.wrapping_add(u32::from(self.max_seq))
    }

    fn lost(&self) -> i64 {
        let expected = i64::from(self.extended_max()) - i64::from(self.base_seq) + 1;
        expected - i64::from(self.received)
    }

    /// The report block about this source; starts a new interval.
    fn block(&mut self) -> Option<ReportBlock> {
        let ssrc = self.ssrc?;
        let expected = self
            .extended_max()
            .wrapping_sub(self.base_seq)
            .wrapping_add(1);
        let expected_interval = expected.wrapping_sub(self.expected_prior);
        let received_interval = self.received.wrapping_sub(self.received_prior);
        self.expected_prior = expected;
        self.received_prior = self.received;
        let lost_interval = i64::from(expected_interval) - i64::from(received_interval);
        let fraction_lost = if expected_interval == 0 || lost_interval <= 0 {
            0
        } else {
            ((lost_interval << 8) / i64::from(expected_interval)).min(255) as u8
        };
        Some(ReportBlock {
            ssrc,
            fraction_lost,
            // RFC 3550 §6.4.1: a signed 24-bit count, clamped.
            cumulative_lost: self.lost().clamp(-0x80_0000, 0x7f_ffff) as i32,
            highest_sequence: self.extended_max(),
            jitter: self.jitter16 >> 4,
            last_sr: 0,
            delay_since_last_sr: 0,
        })
    }
}

impl Relay {
    /// Reception statistics for an RTP packet taken from `leg`.
    pub(super) fn received(&mut self, leg: Leg, ssrc: u32, seq: u16, ts: u32, now: Instant) {
        let clock = codec::clock(self.legs[leg.index()].params.codec);
        let arrival = ticks(now.saturating_duration_since(self.created), clock);
        self.legs[leg.index()]
            .rtcp
            .rx
            .packet(ssrc, seq, ts, arrival);
    }

    /// Takes an RTCP compound packet from `leg`, received on its RTCP port
    /// (or its RTP `port`, multiplexed) from `src`. Returns false when it
    /// was not taken (not RTCP, or not from the leg).
    pub fn rtcp(
        &mut self,
        leg: Leg,
        port: Port,
        src: SocketAddr,
        buf: &[u8],
        now: Instant,
    ) -> bool {
        let from_leg = match self.destination(leg) {
            None => true,
            Some(d) => self.latching == Latching::Any || d.ip() == src.ip(),
        };
        // RFC 3550 A.2: a compound packet starts with an SR or an RR.
        let first = Rtcp::new(buf).next().and_then(Result::ok);
        if !from_leg || !first.is_some_and(|p| matches!(p.packet_type(), rtcp::SR | rtcp::RR)) {
            return false;
        }
        let ours = self.out[leg.index()].ssrc;
        let st = &mut self.legs[leg.index()];
        st.counters.rtcp_in += 1;
        let st = &mut st.rtcp;
        st.latched = Some(src);
        st.port = port;
        let mut report = None;
        for packet in Rtcp::new(buf).map_while(Result::ok) {
            if let Some(sr) = packet.sender_report() {
                st.last_sr = Some(((sr.info.ntp >> 16) as u32, now));
                report = report.or(sr.reports().find(|b| b.ssrc == ours));
            } else if let Some(rr) = packet.receiver_report() {
                report = report.or(rr.reports().find(|b| b.ssrc == ours));
            }
        }
        let Some(block) = report else {
            return true;
        };
        let clock = codec::clock(self.legs[leg.index()].params.codec);
        let st = &mut self.legs[leg.index()].rtcp;
        let q = &mut st.quality;
        q.fraction_lost = block.fraction_lost;
        q.cumulative_lost = block.cumulative_lost;
        q.jitter = Duration::from_micros(u64::from(block.jitter) * 1_000_000 / u64::from(clock));
        // RFC 3550 §6.4.1: the round trip is the time since our SR named by
        // LSR, less the delay the leg held it (DLSR, in 1/65536 s).
        if let Some(&(_, Some(at))) = st
            .sent
            .iter()
            .find(|s| s.0 == block.last_sr && block.last_sr != 0)
        {
            let held =
                Duration::from_micros(u64::from(block.delay_since_last_sr) * 1_000_000 / 65536);
            q.rtt = Some(now.saturating_duration_since(at).saturating_sub(held));
        }
        let quality = self.quality(leg);
        self.event = Some(RelayEvent::Quality { leg, quality });
        true
    }

    /// The quality of `leg` as last measured and reported.
    pub fn quality(&self, leg: Leg) -> Quality {
        let st = &self.legs[leg.index()];
        let clock = codec::clock(st.params.codec);
        Quality {
            lost_in: st.rtcp.rx.lost().max(0),
            jitter_in: Duration::from_micros(
                u64::from(st.rtcp.rx.jitter16 >> 4) * 1_000_000 / u64::from(clock),
            ),
            ..st.rtcp.quality
        }
    }

    /// When the next report to some leg is due.
    pub fn rtcp_deadline(&self) -> Option<Instant> {
        self.legs.iter().filter_map(|st| st.rtcp.deadline).min()
    }

    /// The report due to `leg`, written at the start of `buf`: an SR with
    /// a block about what the leg sent us (an RR before we sent it
    /// anything), then SDES CNAME. `wall` is the wall clock now; `random`
    /// spreads the interval over 0.5 to 1.5 times 5 s (RFC 3550 §6.3.1).
    /// The first call only schedules the first report.
    pub fn poll_rtcp(
        &mut self,
        leg: Leg,
        now: Instant,
        wall: SystemTime,
        random: u32,
        buf: &mut [u8],
    ) -> Option<RtcpTransmit> {
        let i = leg.index();
        // 0.5 + random / 2^32 of the interval.
        let spread = INTERVAL / 2 + INTERVAL.mul_f64(f64::from(random) / 4_294_967_296.0);
        let due = *self.legs[i].rtcp.deadline.get_or_insert(now + spread / 2);
        if now < due {
            return None;
        }
        self.legs[i].rtcp.deadline = Some(now + spread);
        let st = &self.legs[i];
        let (to, port) = match (st.rtcp.latched, self.destination(leg)) {
            (Some(src), _) => (src, st.rtcp.port),
            (None, Some(rtp)) => (
                SocketAddr::new(rtp.ip(), rtp.port().wrapping_add(1)),
                Port::Rtcp,
            ),
            (None, None) => return None,
        };
        let clock = codec::clock(st.params.codec);
        let ntp = ntp(wall);
        let st = &mut self.legs[i].rtcp;
        let mut block = st.rx.block();
        if let (Some(b), Some((lsr, at))) = (&mut block, st.last_sr) {
            b.last_sr = lsr;
            let held = now.saturating_duration_since(at);
            b.delay_since_last_sr = (held.as_micros() * 65536 / 1_000_000) as u32;
        }
        let blocks = block.as_slice();
        let out = &self.out[i];
        let len = match out.sender_info(now, clock) {
            Some((rtp_timestamp, packets, octets)) => {
                let info = SenderInfo {
                    ntp,
                    rtp_timestamp,
                    packets,
                    octets,
                };
                st.sent[st.next_sent] = ((ntp >> 16) as u32, Some(now));
                st.next_sent = (st.next_sent + 1) % st.sent.len();
                rtcp::write_sr(buf, out.ssrc, &info, blocks).ok()?
            }
            None => rtcp::write_rr(buf, out.ssrc, blocks).ok()?,
        };
        let cname = cname(out.ssrc);
        let len = len + rtcp::write_sdes_cname(&mut buf[len..], out.ssrc, &cname).ok()?;
        self.legs[i].counters.rtcp_out += 1;
        Some(RtcpTransmit { to, len, port })
    }
}

/// The 64-bit NTP time (RFC 5905 §6) of a wall-clock time.
pub fn ntp(wall: SystemTime) -> u64 {
    let since = wall.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = since.as_secs() + NTP_UNIX;
    let frac = (u64::from(since.subsec_nanos()) << 32) / 1_000_000_000;
    secs << 32 | frac
}

/// RFC 7022 asks for a CNAME unique per session; our SSRC, drawn at
/// random per stream, is: "sb-" and its hex digits.
fn cname(ssrc: u32) -> [u8; 11] {
    let mut name = *b"sb-00000000";
    for (k, b) in name[3..].iter_mut().enumerate() {
        let nibble = (ssrc >> (28 - 4 * k)) & 0xf;
        *b = b"0123456789abcdef"[nibble as usize];
    }
    name
}

fn ticks(d: Duration, clock: u32) -> u32 {
    (d.as_micros() * u128::from(clock) / 1_000_000) as u32
}

#[cfg(test)]
mod tests;
