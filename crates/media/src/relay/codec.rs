//! The relay's per-leg codec state: the leg's audio decoded to 8 kHz
//! linear when something needs it (an Opus conversion, a recorder, an
//! in-band DTMF detector), and the Opus encoder and decoder of an Opus leg,
//! made when the leg's parameters are set, never per packet.

use std::fmt;

use super::Codec;
use crate::g711;
use crate::transcode::{OPUS_CLOCK, OPUS_MAX_SAMPLES, OpusDecoder, OpusEncoder};

/// The largest Opus packet (RFC 6716 §3.2.1: 1275 bytes per frame).
const OPUS_MAX_PACKET: usize = 1275;

/// The RTP clock of a codec.
pub(super) fn clock(codec: Codec) -> u32 {
    match codec {
        Codec::Opus => OPUS_CLOCK,
        _ => crate::RATE,
    }
}

/// The Opus state of an Opus leg: decodes what it sends, encodes what goes
/// to it.
#[derive(Debug)]
pub(super) struct Opus {
    enc: OpusEncoder,
    dec: OpusDecoder,
}

impl Opus {
    pub(super) fn new() -> Self {
        Self {
            enc: OpusEncoder::new().expect("mono 8 kHz VoIP is a valid Opus encoder"),
            dec: OpusDecoder::new().expect("mono 8 kHz is a valid Opus decoder"),
        }
    }
}

/// Linear audio of the last packet taken from a leg.
pub(super) struct Linear {
    pcm: [i16; OPUS_MAX_SAMPLES],
    len: usize,
}

impl Default for Linear {
    fn default() -> Self {
        Self {
            pcm: [0; OPUS_MAX_SAMPLES],
            len: 0,
        }
    }
}

impl fmt::Debug for Linear {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Linear({} samples)", self.len)
    }
}

impl Linear {
    pub(super) fn samples(&self) -> &[i16] {
        &self.pcm[..self.len]
    }

    pub(super) fn clear(&mut self) {
        self.len = 0;
    }

    /// Decodes a payload of the leg's codec; false when it is not audio
    /// we can decode (a payload libopus rejects, or `Codec::Other`).
    pub(super) fn decode(&mut self, codec: Codec, opus: Option<&mut Opus>, payload: &[u8]) -> bool {
        self.len = 0;
        let law = match (codec, opus) {
            (Codec::Opus, Some(opus)) => {
                return match opus.dec.decode_into(payload, &mut self.pcm) {
                    Ok(n) => {
                        self.len = n;
                        true
                    }
                    Err(_) => false,
                };
            }
            (Codec::Pcmu, _) => g711::ulaw_to_linear,
            (Codec::Pcma, _) => g711::alaw_to_linear,
            _ => return false,
        };
        // A G.711 packet longer than 120 ms is cut; phones send 20 ms.
        for (out, &b) in self.pcm.iter_mut().zip(payload) {
            *out = law(b);
        }
        self.len = payload.len().min(OPUS_MAX_SAMPLES);
        true
    }
}

/// Encodes linear audio into `out` in `codec`; the payload's length, or
/// `None` when `out` is too short or the codec cannot take it (Opus takes
/// 2.5 to 60 ms: 20, 40, 80, 160, 320 or 480 samples).
pub(super) fn encode(
    codec: Codec,
    opus: Option<&mut Opus>,
    pcm: &[i16],
    out: &mut [u8],
) -> Option<usize> {
    let law = match (codec, opus) {
        (Codec::Opus, Some(opus)) => {
            let max = out.len().min(OPUS_MAX_PACKET);
            return opus.enc.encode_into(pcm, &mut out[..max]).ok();
        }
        (Codec::Pcmu, _) => g711::linear_to_ulaw,
        (Codec::Pcma, _) => g711::linear_to_alaw,
        _ => return None,
    };
    let out = out.get_mut(..pcm.len())?;
    for (b, &s) in out.iter_mut().zip(pcm) {
        *b = law(s);
    }
    Some(pcm.len())
}

impl Codec {
    pub(super) fn is_in(self, a: Codec, b: Codec) -> bool {
        self == a || self == b
    }
}

/// RFC 4733 §2.3.5: the event's duration is in timestamp units, so it is
/// scaled with the timestamp between legs on different clocks.
pub(super) fn scale_event_duration(payload: &mut [u8], (from, to): (u32, u32)) {
    if from == to || payload.len() < 4 {
        return;
    }
    let d = u32::from(u16::from_be_bytes([payload[2], payload[3]]));
    let d = (d * to / from).min(u32::from(u16::MAX)) as u16;
    payload[2..4].copy_from_slice(&d.to_be_bytes());
}

/// Generic over the map so that each law's table lookup is inlined (a
/// function pointer costs a call per byte).
pub(super) fn transcode(payload: &mut [u8], map: impl Fn(u8) -> u8) {
    for b in payload {
        *b = map(*b);
    }
}
