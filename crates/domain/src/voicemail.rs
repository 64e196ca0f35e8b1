//! Voicemail (SPEC T6, T7, U3): the messages left for a user and the
//! mailbox's own state (recorded greeting and name, PIN lock-out).

use crate::{MessageId, UnixMillis, UserId};

/// Wrong PINs in a row before the mailbox locks.
pub const PIN_ATTEMPTS: u32 = 3;
/// How long a locked mailbox refuses every PIN, in milliseconds.
pub const PIN_LOCKOUT_MS: i64 = 15 * 60 * 1000;

/// Whether a message was listened to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MessageStatus {
    /// Not heard yet: it lights the phone's message-waiting lamp.
    New,
    /// Heard (or marked so) and kept.
    Saved,
}

impl MessageStatus {
    /// The stable name used in storage and APIs.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::New => "new",
            Self::Saved => "saved",
        }
    }

    /// Reads the stable name back.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "new" => Some(Self::New),
            "saved" => Some(Self::Saved),
            _ => None,
        }
    }
}

/// A message as it is stored once recorded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewVoicemailMessage {
    pub user: UserId,
    /// The caller's number as the switch saw it (E.164, an extension, or
    /// "anonymous").
    pub caller_number: String,
    /// The caller's display name, when one was given.
    pub caller_name: Option<String>,
    pub received_at: UnixMillis,
    pub duration_ms: u32,
    /// Object-store keys of the recording (8 kHz WAV) and its MP3.
    pub wav_key: String,
    pub mp3_key: String,
}

/// A stored message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VoicemailMessage {
    pub id: MessageId,
    pub user: UserId,
    pub caller_number: String,
    pub caller_name: Option<String>,
    pub received_at: UnixMillis,
    pub duration_ms: u32,
    pub status: MessageStatus,
    pub wav_key: String,
    pub mp3_key: String,
}

/// How many messages a mailbox holds (RFC 3842 `Voice-Message: new/old`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct MessageCounts {
    pub new: u32,
    pub saved: u32,
}

/// A user's mailbox beyond its messages.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Mailbox {
    /// Object-store key of the greeting the user recorded (8 kHz WAV);
    /// `None`: callers hear the system greeting.
    pub greeting_key: Option<String>,
    /// Object-store key of the user's recorded name.
    pub name_key: Option<String>,
    /// Wrong PINs in a row.
    pub pin_failures: u32,
    /// Until when every PIN is refused.
    pub locked_until: Option<UnixMillis>,
}

impl Mailbox {
    /// Whether the mailbox refuses PINs at `now`.
    pub fn locked(&self, now: UnixMillis) -> bool {
        self.locked_until
            .is_some_and(|until| now.millis() < until.millis())
    }
}
