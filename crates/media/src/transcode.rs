//! Frame codecs between the switch's linear audio and RTP payloads, behind
//! [`Encoder`] and [`Decoder`] so the runtime holds one per leg whatever
//! was negotiated: G.711 (stateless) and Opus (RFC 7587, libopus through
//! the `opus` crate, run at the switch's 8 kHz).

use std::fmt;

use thiserror::Error;

use crate::sdp::Codec;
use crate::{Frame, g711};

/// Errors from choosing or running a codec.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum TranscodeError {
    /// A codec negotiated in SDP that has no implementation here.
    #[error("no {0:?} codec is built in")]
    Unsupported(Codec),
    /// libopus refused a packet or a frame (its description).
    #[error("opus: {0}")]
    Opus(&'static str),
}

impl From<opus::Error> for TranscodeError {
    fn from(e: opus::Error) -> Self {
        TranscodeError::Opus(e.description())
    }
}

/// Linear frames to payload bytes.
pub trait Encoder {
    /// The codec produced.
    fn codec(&self) -> Codec;

    /// Appends the payload for one frame to `out`.
    fn encode(&mut self, frame: &Frame, out: &mut Vec<u8>);
}

/// Payload bytes to linear samples.
pub trait Decoder {
    /// The codec read.
    fn codec(&self) -> Codec;

    /// Appends the samples of one payload to `out` (160 for a 20 ms G.711
    /// packet, but any packetisation is accepted).
    fn decode(&mut self, payload: &[u8], out: &mut Vec<i16>);
}

/// G.711 in one of its two laws; stateless, so it both encodes and decodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum G711 {
    Ulaw,
    Alaw,
}

impl G711 {
    /// The law for a codec, if it is G.711.
    pub fn for_codec(codec: Codec) -> Result<Self, TranscodeError> {
        match codec {
            Codec::Pcmu => Ok(G711::Ulaw),
            Codec::Pcma => Ok(G711::Alaw),
            other => Err(TranscodeError::Unsupported(other)),
        }
    }
}

impl Encoder for G711 {
    fn codec(&self) -> Codec {
        match self {
            G711::Ulaw => Codec::Pcmu,
            G711::Alaw => Codec::Pcma,
        }
    }

    fn encode(&mut self, frame: &Frame, out: &mut Vec<u8>) {
        let law = match self {
            G711::Ulaw => g711::linear_to_ulaw,
            G711::Alaw => g711::linear_to_alaw,
        };
        out.extend(frame.iter().map(|&s| law(s)));
    }
}

impl Decoder for G711 {
    fn codec(&self) -> Codec {
        Encoder::codec(self)
    }

    fn decode(&mut self, payload: &[u8], out: &mut Vec<i16>) {
        let law = match self {
            G711::Ulaw => g711::ulaw_to_linear,
            G711::Alaw => g711::alaw_to_linear,
        };
        out.extend(payload.iter().map(|&b| law(b)));
    }
}

/// RFC 7587 §4.1: the RTP clock of Opus is 48 kHz whatever the audio's
/// bandwidth.
pub const OPUS_CLOCK: u32 = 48_000;

/// Samples at 8 kHz in the longest Opus packet (120 ms).
pub const OPUS_MAX_SAMPLES: usize = 960;

/// The bit rate we encode at: wideband speech quality, well above what a
/// narrowband source needs.
const OPUS_BITRATE: i32 = 24_000;

/// An Opus encoder fed 8 kHz mono frames: VoIP application, 24 kbit/s,
/// no in-band FEC, no DTX (every 20 ms a packet, as G.711 legs expect).
pub struct OpusEncoder(opus::Encoder);

impl OpusEncoder {
    pub fn new() -> Result<Self, TranscodeError> {
        let mut enc =
            opus::Encoder::new(crate::RATE, opus::Channels::Mono, opus::Application::Voip)?;
        enc.set_bitrate(opus::Bitrate::Bits(OPUS_BITRATE))?;
        enc.set_inband_fec(false)?;
        Ok(Self(enc))
    }

    /// Encodes `pcm` (2.5 to 60 ms of 8 kHz audio: 20, 40, 80, 160, 320 or
    /// 480 samples) into `out`; returns the packet's length.
    pub fn encode_into(&mut self, pcm: &[i16], out: &mut [u8]) -> Result<usize, TranscodeError> {
        Ok(self.0.encode(pcm, out)?)
    }
}

impl fmt::Debug for OpusEncoder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("OpusEncoder")
    }
}

impl Encoder for OpusEncoder {
    fn codec(&self) -> Codec {
        Codec::Opus
    }

    fn encode(&mut self, frame: &Frame, out: &mut Vec<u8>) {
        let mut packet = [0u8; 400];
        // A whole 20 ms frame into a buffer twice the 24 kbit/s packet:
        // libopus cannot fail here.
        let n = self.encode_into(frame, &mut packet).unwrap_or(0);
        out.extend_from_slice(&packet[..n]);
    }
}

/// An Opus decoder that outputs 8 kHz mono (libopus resamples itself).
pub struct OpusDecoder(opus::Decoder);

impl OpusDecoder {
    pub fn new() -> Result<Self, TranscodeError> {
        Ok(Self(opus::Decoder::new(crate::RATE, opus::Channels::Mono)?))
    }

    /// Decodes one packet into `out`, which should hold
    /// [`OPUS_MAX_SAMPLES`]; returns the samples written (160 per 20 ms).
    pub fn decode_into(
        &mut self,
        payload: &[u8],
        out: &mut [i16],
    ) -> Result<usize, TranscodeError> {
        if payload.is_empty() {
            // An empty payload would ask libopus for loss concealment.
            return Err(TranscodeError::Opus("empty packet"));
        }
        Ok(self.0.decode(payload, out, false)?)
    }
}

impl fmt::Debug for OpusDecoder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("OpusDecoder")
    }
}

impl Decoder for OpusDecoder {
    fn codec(&self) -> Codec {
        Codec::Opus
    }

    /// A packet libopus rejects adds nothing.
    fn decode(&mut self, payload: &[u8], out: &mut Vec<i16>) {
        let mut pcm = [0i16; OPUS_MAX_SAMPLES];
        let n = self.decode_into(payload, &mut pcm).unwrap_or(0);
        out.extend_from_slice(&pcm[..n]);
    }
}

/// An encoder for a negotiated codec.
pub fn encoder(codec: Codec) -> Result<Box<dyn Encoder + Send>, TranscodeError> {
    match codec {
        Codec::Opus => Ok(Box::new(OpusEncoder::new()?)),
        other => Ok(Box::new(G711::for_codec(other)?)),
    }
}

/// A decoder for a negotiated codec.
pub fn decoder(codec: Codec) -> Result<Box<dyn Decoder + Send>, TranscodeError> {
    match codec {
        Codec::Opus => Ok(Box::new(OpusDecoder::new()?)),
        other => Ok(Box::new(G711::for_codec(other)?)),
    }
}

/// Rewrites a G.711 payload from one law to the other in place, byte for
/// byte, for bridging a PCMU leg to a PCMA leg without a linear step. The
/// same law on both sides leaves it untouched.
pub fn g711_convert(from: G711, to: G711, payload: &mut [u8]) {
    let table = match (from, to) {
        (G711::Ulaw, G711::Alaw) => g711::ulaw_to_alaw,
        (G711::Alaw, G711::Ulaw) => g711::alaw_to_ulaw,
        _ => return,
    };
    for b in payload {
        *b = table(*b);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::FRAME;

    fn ramp() -> Frame {
        std::array::from_fn(|i| (i as i16 - 80) * 300)
    }

    #[test]
    fn g711_frames_survive_encode_and_decode_within_companding_error() {
        for codec in [Codec::Pcmu, Codec::Pcma] {
            let mut enc = encoder(codec).unwrap();
            let mut dec = decoder(codec).unwrap();
            let mut payload = Vec::new();
            enc.encode(&ramp(), &mut payload);
            assert_eq!(payload.len(), FRAME);
            let mut back = Vec::new();
            dec.decode(&payload, &mut back);
            for (a, b) in ramp().iter().zip(&back) {
                assert!(
                    (*a as i32 - *b as i32).abs() <= (*a as i32).abs() / 16 + 16,
                    "{a} {b}"
                );
            }
        }
    }

    #[test]
    fn any_packetisation_decodes() {
        let mut back = Vec::new();
        G711::Alaw.decode(&[0xD5; 240], &mut back);
        assert_eq!(back.len(), 240);
    }

    #[test]
    fn events_are_not_a_codec() {
        assert_eq!(
            encoder(Codec::TelephoneEvent).err(),
            Some(TranscodeError::Unsupported(Codec::TelephoneEvent))
        );
        assert!(decoder(Codec::TelephoneEvent).is_err());
    }

    /// The power of `freq` in `pcm`, per sample (Goertzel).
    fn power(pcm: &[i16], freq: f64) -> f64 {
        let w = 2.0 * std::f64::consts::PI * freq / f64::from(crate::RATE);
        let (mut s1, mut s2) = (0.0, 0.0);
        for &x in pcm {
            let s = f64::from(x) + 2.0 * w.cos() * s1 - s2;
            (s2, s1) = (s1, s);
        }
        (s1 * s1 + s2 * s2 - 2.0 * w.cos() * s1 * s2) / (pcm.len() as f64).powi(2)
    }

    #[test]
    fn a_tone_through_pcmu_opus_pcmu_keeps_its_frequency_and_level() {
        let (mut enc, mut dec) = (encoder(Codec::Opus).unwrap(), decoder(Codec::Opus).unwrap());
        let (mut input, mut output) = (Vec::new(), Vec::new());
        for k in 0..50 {
            let frame: Frame = std::array::from_fn(|i| {
                let t = (k * FRAME + i) as f64 / f64::from(crate::RATE);
                (8000.0 * (2.0 * std::f64::consts::PI * 1000.0 * t).sin()) as i16
            });
            // The leg's PCMU, decoded as the relay does, then Opus.
            let mut ulaw = Vec::new();
            G711::Ulaw.encode(&frame, &mut ulaw);
            let mut linear = Vec::new();
            G711::Ulaw.decode(&ulaw, &mut linear);
            input.extend_from_slice(&linear);
            let mut packet = Vec::new();
            enc.encode(&linear.try_into().unwrap(), &mut packet);
            assert!(!packet.is_empty() && packet.len() < 100, "{}", packet.len());
            let mut pcm = Vec::new();
            dec.decode(&packet, &mut pcm);
            assert_eq!(pcm.len(), FRAME);
            // And back to the other leg's PCMU.
            let mut ulaw = Vec::new();
            G711::Ulaw.encode(&pcm.try_into().unwrap(), &mut ulaw);
            G711::Ulaw.decode(&ulaw, &mut output);
        }
        // Past the codec's start-up, one second minus the first 200 ms.
        let (input, output) = (&input[1600..], &output[1600..]);
        let tone = power(output, 1000.0);
        for other in [500.0, 700.0, 1400.0, 2000.0, 3000.0] {
            assert!(tone > 100.0 * power(output, other), "{other} Hz");
        }
        let level = (tone / power(input, 1000.0)).sqrt();
        assert!((0.8..1.25).contains(&level), "level ratio {level}");
    }

    #[test]
    fn garbage_is_not_opus() {
        let mut pcm = [0; OPUS_MAX_SAMPLES];
        let mut dec = OpusDecoder::new().unwrap();
        assert!(dec.decode_into(&[], &mut pcm).is_err());
        // TOC code 3 with a frame count of 0 is invalid (RFC 6716 §3.2.5).
        assert!(dec.decode_into(&[0x03, 0x00], &mut pcm).is_err());
    }

    #[test]
    fn law_conversion_matches_decoding_through_linear() {
        let mut payload = Vec::new();
        G711::Ulaw.encode(&ramp(), &mut payload);
        let original = payload.clone();
        g711_convert(G711::Ulaw, G711::Alaw, &mut payload);
        let (mut via_alaw, mut via_ulaw) = (Vec::new(), Vec::new());
        G711::Alaw.decode(&payload, &mut via_alaw);
        G711::Ulaw.decode(&original, &mut via_ulaw);
        for (a, u) in via_alaw.iter().zip(&via_ulaw) {
            assert!((*a as i32 - *u as i32).abs() <= (*u as i32).abs() / 16 + 16);
        }
        g711_convert(G711::Alaw, G711::Alaw, &mut payload);
        assert_eq!(payload.len(), FRAME);
    }
}
