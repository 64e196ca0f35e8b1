//! Voicemail behind the switch and the portals (SPEC T6, T7, U3):
//!
//! - [`blobs::Blobs`]: where audio lives, an `object_store` (a local folder
//!   by default, S3 when configured), keyed `voicemail/<account>/<user>/…`.
//! - [`mp3`]: 8 kHz recordings resampled to 16 kHz and encoded to MP3, so
//!   every player reads them.
//! - [`service::Voicemail`]: what happens to a mailbox, from the phone or
//!   the portal: a finished recording stored and e-mailed (then the
//!   admin's after-e-mail action), messages marked or deleted, greetings
//!   replaced. Every change is announced on a channel
//!   ([`service::MailboxChange`]) so that the switch can update the
//!   phones' message-waiting lamps (RFC 3842).

pub mod blobs;
pub mod mp3;
pub mod service;
mod spool;

pub use blobs::{BlobError, Blobs, S3Config};
pub use service::{MailboxChange, Recorded, Voicemail, VoicemailError};
