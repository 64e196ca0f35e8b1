//! Voicemail on the phone (SPEC T6): the switch answers a caller itself
//! and runs a script on the line.
//!
//! - [`deposit`]: the user did not answer (ring time, busy, no phone,
//!   forward not accepted): greeting, beep, record, hand the recording to
//!   [`voicemail::Voicemail::ingest`].
//! - [`menu`]: `*97` (one's own mailbox) or `*98` + extension: PIN, then
//!   listen to new then saved messages, save, delete, call back, record the
//!   greeting and the name.
//!
//! A script talks to the caller through a [`Line`]: play clips, wait for
//! keys, record. The line is the shell's (`server.rs` joins it to the
//! relay and the call engine); tests give a scripted one. Scripts are
//! plain async code: each step waits for the caller, so the dialogue reads
//! top to bottom.

pub mod deposit;
pub mod line;
pub mod menu;
pub mod runtime;
pub mod sink;
pub mod sounds;

pub use line::{Clip, Heard, Key, Line, RecordEnd, Recording};
