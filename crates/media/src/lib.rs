//! Switchboard's media core, sans-IO (in the manner of str0m): packets,
//! samples and the time come in; packets, samples, events and deadlines
//! come out. Nothing here opens a socket, reads a clock or spawns a thread;
//! the runtime in `switch::media` drives it.
//!
//! Audio inside the switch is 8 kHz signed 16-bit mono, in frames of
//! [`FRAME`] samples (20 ms), the packetisation every office phone uses.
//!
//! Everything is written here except Opus, which goes through libopus (the
//! `opus` crate, linked to the system's library) behind
//! [`transcode::OpusEncoder`] and [`transcode::OpusDecoder`].

pub mod digits;
pub mod dtmf;
pub mod g711;
pub mod jitter;
pub mod mixer;
pub mod prompt;
pub mod record;
pub mod relay;
pub mod rtp;
pub mod sdp;
pub mod tone;
pub mod transcode;

/// Samples in one 20 ms frame at 8 kHz.
pub const FRAME: usize = 160;

/// The internal sample rate.
pub const RATE: u32 = 8000;

/// One frame of linear audio.
pub type Frame = [i16; FRAME];

/// Something that produces audio, frame by frame (a prompt, a tone, a
/// mixer's output for one party).
pub trait Source {
    /// Fills `out` with the next frame. Returns `false` once the source is
    /// exhausted (then `out` is silence).
    fn next_frame(&mut self, out: &mut Frame) -> bool;
}

/// Something that consumes audio frame by frame (a recorder, a DTMF
/// detector, a mixer's input).
pub trait Sink {
    fn frame(&mut self, input: &Frame);
}
