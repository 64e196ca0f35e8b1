//! Users: the people behind user extensions, with their voicemail and
//! forwarding settings (SPEC A5, U6, U7, U8).

use crate::email::EmailAddress;
use crate::extension::ExtensionNumber;
use crate::ids::{AccountId, ExtensionId, UserId};
use crate::phone::E164;
use crate::secret::{PasswordHash, PinHash};

/// How long a call rings a user's phones before voicemail takes it: 5 to
/// 120 seconds, 25 by default (five rings).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RingSeconds(u32);

/// A ring time outside 5 to 120 seconds.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("ring time must be 5 to 120 seconds, got {0}")]
pub struct RingSecondsError(pub i64);

impl RingSeconds {
    /// Accepts 5 to 120 seconds.
    pub fn new(seconds: i64) -> Result<Self, RingSecondsError> {
        if (5..=120).contains(&seconds) {
            Ok(Self(seconds as u32))
        } else {
            Err(RingSecondsError(seconds))
        }
    }

    /// The seconds.
    pub fn get(self) -> u32 {
        self.0
    }
}

impl Default for RingSeconds {
    fn default() -> Self {
        Self(25)
    }
}

/// What happens to a voicemail once it has been e-mailed (SPEC A5, T7).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum AfterEmail {
    /// Leave it new on the phone and in the portal.
    #[default]
    KeepNew,
    /// Mark it heard (the message-waiting light goes off).
    MarkHeard,
    /// Delete it: the e-mail is the only copy.
    Delete,
}

impl AfterEmail {
    /// The stable name used in storage and APIs.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::KeepNew => "keep_new",
            Self::MarkHeard => "mark_heard",
            Self::Delete => "delete",
        }
    }

    /// Reads the stable name back.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "keep_new" => Some(Self::KeepNew),
            "mark_heard" => Some(Self::MarkHeard),
            "delete" => Some(Self::Delete),
            _ => None,
        }
    }
}

/// A user's voicemail box settings (SPEC U6).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VoicemailSettings {
    pub enabled: bool,
    pub ring_seconds: RingSeconds,
    /// `None` until the user or admin sets a PIN; remote access by phone
    /// needs one.
    pub pin: Option<PinHash>,
    pub email_notification: bool,
    pub attach_mp3: bool,
    pub after_email: AfterEmail,
}

impl Default for VoicemailSettings {
    fn default() -> Self {
        Self {
            enabled: true,
            ring_seconds: RingSeconds::default(),
            pin: None,
            email_notification: true,
            attach_mp3: true,
            after_email: AfterEmail::KeepNew,
        }
    }
}

/// A user's call forwarding (SPEC U7, T8). The forward number is required
/// when forwarding is enabled; it is kept when forwarding is switched off so
/// the user does not have to type it again.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct ForwardingSettings {
    enabled: bool,
    number: Option<E164>,
    simultaneous: bool,
    key_press_required: bool,
}

/// Forwarding switched on without a number to forward to.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a forward number is required when forwarding is enabled")]
pub struct ForwardNumberRequired;

impl ForwardingSettings {
    /// Builds settings, refusing `enabled` without a number.
    pub fn new(
        enabled: bool,
        number: Option<E164>,
        simultaneous: bool,
        key_press_required: bool,
    ) -> Result<Self, ForwardNumberRequired> {
        if enabled && number.is_none() {
            return Err(ForwardNumberRequired);
        }
        Ok(Self {
            enabled,
            number,
            simultaneous,
            key_press_required,
        })
    }

    /// Forwarding is on.
    pub fn enabled(&self) -> bool {
        self.enabled
    }

    /// Where calls are forwarded (also kept while disabled).
    pub fn number(&self) -> Option<&E164> {
        self.number.as_ref()
    }

    /// Ring the extension's own devices at the same time.
    pub fn simultaneous(&self) -> bool {
        self.simultaneous
    }

    /// The forwarded leg must press 1 to take the call, so an unanswered
    /// mobile's own voicemail does not swallow it.
    pub fn key_press_required(&self) -> bool {
        self.key_press_required
    }
}

/// A person with a user extension (SPEC A5, U9).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct User {
    pub id: UserId,
    pub account: AccountId,
    pub extension: ExtensionId,
    pub extension_number: ExtensionNumber,
    pub name: String,
    pub email: EmailAddress,
    pub password: PasswordHash,
    pub voicemail: VoicemailSettings,
    pub forwarding: ForwardingSettings,
    /// The number shown to called parties; `None` means the account's main
    /// number (SPEC U8).
    pub caller_id: Option<E164>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forwarding_needs_a_number_when_enabled() {
        assert_eq!(
            ForwardingSettings::new(true, None, false, false),
            Err(ForwardNumberRequired)
        );
        let kept =
            ForwardingSettings::new(false, Some(E164::parse("0612345678").unwrap()), false, true)
                .unwrap();
        assert!(!kept.enabled());
        assert_eq!(kept.number().unwrap().as_str(), "+33612345678");
    }

    #[test]
    fn ring_time_is_bounded() {
        assert_eq!(RingSeconds::default().get(), 25);
        assert!(RingSeconds::new(4).is_err());
        assert!(RingSeconds::new(121).is_err());
        assert_eq!(RingSeconds::new(30).unwrap().get(), 30);
    }

    #[test]
    fn after_email_actions_round_trip_their_names() {
        for a in [
            AfterEmail::KeepNew,
            AfterEmail::MarkHeard,
            AfterEmail::Delete,
        ] {
            assert_eq!(AfterEmail::parse(a.as_str()), Some(a));
        }
    }
}
