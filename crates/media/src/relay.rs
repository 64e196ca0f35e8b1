//! The per-call RTP relay, sans-IO: a datagram, the leg it arrived on, its
//! source and the time come in; an [`Action`] comes out (send these bytes,
//! rewritten in place, to this address, or drop them and say why), plus
//! [`RelayEvent`]s to poll. No allocation per packet.
//!
//! A call has two legs, A and B. Media from one leg goes out to the other.
//! Per leg the relay keeps:
//!
//! - **latching** (symmetric RTP, RFC 4961): the first packet from an
//!   acceptable source fixes where that leg's outbound media goes. With
//!   [`Latching::Expected`] the source IP must be the one the SDP gave;
//!   with [`Latching::Any`] (phones behind NAT) any source is taken. Once
//!   latched, another source is only taken when it is the SDP address
//!   itself. New SDP ([`Relay::update`], after a re-INVITE) reopens the
//!   choice: a changed address unlatches at once (media goes to the new
//!   address until the leg sends); the same address keeps the latch but
//!   lets the leg's next acceptable source replace it (a phone whose NAT
//!   mapping changed).
//! - **one continuous outbound stream**: our own SSRC per direction, and
//!   sequence number and timestamp offsets recomputed whenever what feeds
//!   the direction changes (a new inbound SSRC after a re-INVITE or a fork,
//!   a prompt played by the switch, then the far end again), so that the
//!   sequence number goes on by one and the timestamp by the time elapsed,
//!   and the marker bit flags the new talkspurt (RFC 3550 §5.1).
//! - **payload format**: the payload type is mapped to the other leg's; when
//!   the legs agreed different G.711 laws the payload is transcoded in place
//!   (same length). Between Opus (RFC 7587) and G.711 the payload is decoded
//!   to 8 kHz linear and encoded again in the buffer it came in (a 20 ms
//!   Opus packet becomes 160 bytes of G.711 and back); the timestamp is
//!   scaled between Opus's 48 kHz clock and G.711's 8 kHz. Opus to Opus is
//!   copied. RFC 4733 telephone-events are relayed with their payload type
//!   mapped (timestamp and duration scaled the same way), and each new event
//!   is reported as [`RelayEvent::Dtmf`].
//! - **listening**: with [`Relay::listen`] on, each audio packet taken from
//!   the leg is also decoded, for a recorder or an in-band DTMF detector
//!   ([`Relay::heard`]).
//! - **direction** from the SDP (hold): `recv` false drops what the leg
//!   sends, `send` false sends nothing to it.
//!
//! RTCP is terminated per leg, not relayed. The reports of one leg describe
//! a stream the other leg never saw: our SSRC, sequence numbers and
//! timestamps differ from the far end's, and transcoding or prompts change
//! the octet counts, so relayed reports would mislead whoever reads them.
//! Instead each leg gets our own reports about the stream we send it and
//! the one it sends us, and its reports give the leg's [`Quality`] (see
//! `report.rs`: [`Relay::rtcp`] in, [`Relay::poll_rtcp`] out). RTCP sent to
//! the RTP port (RFC 5761 multiplexing) is told apart and taken the same
//! way.
//!
//! The timestamp clock of a leg is its codec's: 48 kHz for Opus, 8 kHz
//! otherwise; telephone-events are taken to run on the audio's clock.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use crate::rtp::{self, HEADER_LEN, Header, Rtp};
use crate::{Frame, g711};

mod codec;
mod report;
mod stream;
mod types;

pub use report::{Port, Quality, RtcpTransmit, ntp};
pub use types::{Action, Codec, Counters, DropReason, Latching, Leg, LegParams, RelayEvent};

use codec::{Linear, Opus, clock, scale_event_duration, transcode};
use stream::Outbound;

/// One call's relay state.
#[derive(Debug)]
pub struct Relay {
    latching: Latching,
    created: Instant,
    legs: [LegState; 2],
    /// Outbound streams, indexed by the leg they go to.
    out: [Outbound; 2],
    event: Option<RelayEvent>,
}

#[derive(Debug, Default)]
struct LegState {
    params: LegParams,
    latched: Option<SocketAddr>,
    /// New SDP came: the next acceptable source latches, even if another
    /// is latched.
    relatch: bool,
    counters: Counters,
    last_event: Option<u32>,
    playing: bool,
    /// Decode every audio packet, not only those that need it.
    listen: bool,
    heard: Linear,
    /// Present while the leg's codec is Opus.
    opus: Option<Box<Opus>>,
    rtcp: report::LegRtcp,
}

impl Relay {
    /// A relay whose outbound streams toward A and B carry the SSRCs
    /// `ssrc` (drawn by the caller, RFC 3550 §8.1).
    pub fn new(latching: Latching, ssrc: [u32; 2], now: Instant) -> Self {
        Self {
            latching,
            created: now,
            legs: Default::default(),
            out: [Outbound::new(ssrc[0]), Outbound::new(ssrc[1])],
            event: None,
        }
    }

    /// New SDP for a leg; reopens its latching (see the module docs).
    pub fn update(&mut self, leg: Leg, params: LegParams) {
        let st = &mut self.legs[leg.index()];
        if st.params.remote != params.remote {
            st.latched = None;
        }
        st.relatch = true;
        st.params = params;
        match (params.codec, &st.opus) {
            (Codec::Opus, None) => st.opus = Some(Box::new(Opus::new())),
            (Codec::Opus, Some(_)) => {}
            _ => st.opus = None,
        }
    }

    /// Decodes the leg's audio packets for [`Relay::heard`] (a recorder,
    /// an in-band DTMF detector), or stops.
    pub fn listen(&mut self, leg: Leg, on: bool) {
        self.legs[leg.index()].listen = on;
    }

    /// The linear audio (8 kHz) of the last packet from `leg`, when it was
    /// audio in the leg's codec and was decoded (listening, or converting
    /// to or from Opus); empty otherwise.
    pub fn heard(&self, leg: Leg) -> &[i16] {
        self.legs[leg.index()].heard.samples()
    }

    pub fn params(&self, leg: Leg) -> &LegParams {
        &self.legs[leg.index()].params
    }

    /// Where media for the leg goes: the latched source, else the SDP's.
    pub fn destination(&self, leg: Leg) -> Option<SocketAddr> {
        let st = &self.legs[leg.index()];
        st.latched.or(st.params.remote)
    }

    pub fn counters(&self, leg: Leg) -> &Counters {
        &self.legs[leg.index()].counters
    }

    /// While the switch plays media to `leg`, relayed media to it is held.
    pub fn set_playing(&mut self, leg: Leg, playing: bool) {
        self.legs[leg.index()].playing = playing;
    }

    /// The next event, if any. Poll after each packet: one is kept.
    pub fn poll_event(&mut self) -> Option<RelayEvent> {
        self.event.take()
    }

    /// True when no leg that should send media has done so for `timeout`
    /// (since the relay was made, if never). A call where no leg sends
    /// (both on hold) does not time out.
    pub fn timed_out(&self, now: Instant, timeout: Duration) -> bool {
        let mut last = None;
        for st in self.legs.iter().filter(|st| st.params.recv) {
            last = last.max(Some(st.counters.last_in.unwrap_or(self.created)));
        }
        last.is_some_and(|at| now.saturating_duration_since(at) >= timeout)
    }

    /// Handles the first `len` bytes of `buf`, received on `leg`'s RTP port
    /// from `src`, rewriting them in place when they are to be forwarded.
    /// Pass the whole receive buffer: a payload converted from Opus to
    /// G.711 grows (20 ms becomes 12 + 160 bytes; at most 12 + 960), and a
    /// forwarded packet longer than the buffer is dropped as
    /// [`DropReason::Transcoding`].
    pub fn packet(
        &mut self,
        leg: Leg,
        src: SocketAddr,
        buf: &mut [u8],
        len: usize,
        now: Instant,
    ) -> Action {
        if len > buf.len() {
            return Action::Drop(DropReason::Malformed);
        }
        if rtp::is_rtcp(&buf[..len]) {
            self.rtcp(leg, Port::Rtp, src, &buf[..len], now);
            return Action::Drop(DropReason::Rtcp);
        }
        let Ok(rtp) = Rtp::parse(&buf[..len]) else {
            return Action::Drop(DropReason::Malformed);
        };
        let (pt, marker, ssrc, seq, ts) = (
            rtp.payload_type(),
            rtp.marker(),
            rtp.ssrc(),
            rtp.sequence(),
            rtp.timestamp(),
        );
        let payload = rtp.payload_range();
        let mut payload_len = payload.len();
        if !self.take_source(leg, src) {
            return Action::Drop(DropReason::UnexpectedSource);
        }
        self.received(leg, ssrc, seq, ts, now);
        let (i, o) = (leg.index(), leg.other().index());
        let inp = self.legs[i].params;
        let outp = self.legs[o].params;
        let st = &mut self.legs[i];
        st.heard.clear();
        let c = &mut st.counters;
        c.packets_in += 1;
        c.bytes_in += len as u64;
        c.last_in = Some(now);
        if !inp.recv {
            return Action::Drop(DropReason::NotReceiving);
        }
        let event = Some(pt) == inp.telephone_event;
        if event {
            self.dtmf(leg, ts, &buf[payload.clone()]);
        } else if pt != inp.pt {
            return Action::Drop(DropReason::UnknownPayloadType);
        }
        // Opus on one side only: through linear audio.
        let linear = !event && inp.codec != outp.codec && Codec::Opus.is_in(inp.codec, outp.codec);
        let st = &mut self.legs[i];
        if !event && (linear || st.listen) {
            let opus = st.opus.as_deref_mut();
            if !st.heard.decode(inp.codec, opus, &buf[payload.clone()]) && linear {
                return Action::Drop(DropReason::Transcoding);
            }
        }
        if self.legs[o].playing {
            return Action::Drop(DropReason::Playing);
        }
        if !outp.send {
            return Action::Drop(DropReason::NotSending);
        }
        let Some(to) = self.destination(leg.other()) else {
            return Action::Drop(DropReason::NoDestination);
        };
        let clocks = (clock(inp.codec), clock(outp.codec));
        let mut out_len = len;
        let out_pt = if event {
            let Some(out_pt) = outp.telephone_event else {
                return Action::Drop(DropReason::NoTelephoneEvent);
            };
            scale_event_duration(&mut buf[payload], clocks);
            out_pt
        } else {
            match (inp.codec, outp.codec) {
                (from, to) if from == to => {}
                (Codec::Pcmu, Codec::Pcma) => transcode(&mut buf[payload], g711::ulaw_to_alaw),
                (Codec::Pcma, Codec::Pcmu) => transcode(&mut buf[payload], g711::alaw_to_ulaw),
                (_, to) if linear => {
                    let [a, b] = &mut self.legs;
                    let (from, dest) = if i == 0 { (a, b) } else { (b, a) };
                    let opus = dest.opus.as_deref_mut();
                    let pcm = from.heard.samples();
                    match codec::encode(to, opus, pcm, &mut buf[HEADER_LEN..]) {
                        Some(n) => (out_len, payload_len) = (HEADER_LEN + n, n),
                        None => return Action::Drop(DropReason::Transcoding),
                    }
                }
                _ => return Action::Drop(DropReason::CodecMismatch),
            }
            outp.pt
        };
        let stream = &mut self.out[o];
        let (seq, ts, fresh) = stream.relayed(ssrc, seq, ts, clocks, now);
        stream.count(payload_len);
        if linear {
            // A new payload after a plain header: the CSRC list, header
            // extension and padding described the old one.
            Header {
                marker: marker || fresh,
                payload_type: out_pt,
                sequence: seq,
                timestamp: ts,
                ssrc: stream.ssrc,
            }
            .write(buf);
        } else {
            let mut rtp = Rtp::parse(&mut buf[..len]).expect("parsed above");
            rtp.set_payload_type(out_pt);
            rtp.set_sequence(seq);
            rtp.set_timestamp(ts);
            rtp.set_ssrc(stream.ssrc);
            if fresh {
                rtp.set_marker(true);
            }
        }
        let c = &mut self.legs[o].counters;
        c.packets_out += 1;
        c.bytes_out += out_len as u64;
        Action::Forward { to, len: out_len }
    }

    /// Encodes a frame the switch originates toward `leg` in the leg's codec
    /// after [`HEADER_LEN`] bytes of `buf`, and writes the header as
    /// [`Relay::local`] does. A leg whose codec the switch cannot encode
    /// gets nothing (`CodecMismatch`).
    pub fn local_frame(&mut self, leg: Leg, frame: &Frame, buf: &mut [u8], now: Instant) -> Action {
        let st = &mut self.legs[leg.index()];
        let Some(out) = buf.get_mut(HEADER_LEN..) else {
            return Action::Drop(DropReason::Malformed);
        };
        match codec::encode(st.params.codec, st.opus.as_deref_mut(), frame, out) {
            Some(n) => self.local(leg, buf, n, now),
            None => Action::Drop(DropReason::CodecMismatch),
        }
    }

    /// Writes the RTP header of a frame the switch originates toward `leg`
    /// (its payload, `payload_len` bytes in the leg's codec, goes after
    /// [`HEADER_LEN`] bytes of `buf`).
    pub fn local(&mut self, leg: Leg, buf: &mut [u8], payload_len: usize, now: Instant) -> Action {
        let st = &self.legs[leg.index()];
        if !st.params.send {
            return Action::Drop(DropReason::NotSending);
        }
        let Some(to) = self.destination(leg) else {
            return Action::Drop(DropReason::NoDestination);
        };
        let len = HEADER_LEN + payload_len;
        if buf.len() < len {
            return Action::Drop(DropReason::Malformed);
        }
        let (pt, clock) = (st.params.pt, clock(st.params.codec));
        let stream = &mut self.out[leg.index()];
        let (sequence, timestamp, marker) = stream.local(clock, now);
        stream.count(payload_len);
        Header {
            marker,
            payload_type: pt,
            sequence,
            timestamp,
            ssrc: stream.ssrc,
        }
        .write(buf);
        let c = &mut self.legs[leg.index()].counters;
        c.packets_out += 1;
        c.bytes_out += len as u64;
        Action::Forward { to, len }
    }

    fn take_source(&mut self, leg: Leg, src: SocketAddr) -> bool {
        let latching = self.latching;
        let st = &mut self.legs[leg.index()];
        let acceptable = match st.params.remote {
            None => true,
            Some(sdp) => latching == Latching::Any || sdp.ip() == src.ip(),
        };
        let take = st.latched == Some(src)
            || st.params.remote == Some(src)
            || ((st.latched.is_none() || st.relatch) && acceptable);
        if take {
            st.latched = Some(src);
            st.relatch = false;
        }
        take
    }

    /// RFC 4733 §2.5.1.3: all packets of one event carry its start
    /// timestamp, so a new timestamp is a new key press.
    fn dtmf(&mut self, leg: Leg, ts: u32, payload: &[u8]) {
        let st = &mut self.legs[leg.index()];
        let Some(&code) = payload.first() else { return };
        if payload.len() < 4 || st.last_event == Some(ts) {
            return;
        }
        st.last_event = Some(ts);
        let digit = match code {
            0..=9 => char::from(b'0' + code),
            10 => '*',
            11 => '#',
            12..=15 => char::from(b'A' + code - 12),
            _ => return,
        };
        self.event = Some(RelayEvent::Dtmf { leg, digit });
    }
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod opus_tests;
