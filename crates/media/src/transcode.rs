//! Frame codecs between the switch's linear audio and RTP payloads, behind
//! [`Encoder`] and [`Decoder`] so the runtime holds one per leg whatever
//! was negotiated. G.711 only for now; Opus is not built in.

use thiserror::Error;

use crate::sdp::Codec;
use crate::{Frame, g711};

/// Errors from choosing or running a codec.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum TranscodeError {
    /// A codec negotiated in SDP that has no implementation here.
    #[error("no {0:?} codec is built in")]
    Unsupported(Codec),
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

/// An encoder for a negotiated codec.
pub fn encoder(codec: Codec) -> Result<Box<dyn Encoder + Send>, TranscodeError> {
    Ok(Box::new(G711::for_codec(codec)?))
}

/// A decoder for a negotiated codec.
pub fn decoder(codec: Codec) -> Result<Box<dyn Decoder + Send>, TranscodeError> {
    Ok(Box::new(G711::for_codec(codec)?))
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
    fn opus_and_events_are_not_built_in() {
        assert_eq!(
            encoder(Codec::Opus).err(),
            Some(TranscodeError::Unsupported(Codec::Opus))
        );
        assert!(decoder(Codec::TelephoneEvent).is_err());
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
