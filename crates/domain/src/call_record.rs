//! Call detail records (SPEC T12), feeding the call logs (SPEC A2, U4).

use crate::extension::ExtensionNumber;
use crate::ids::{AccountId, CallRecordId};
use crate::time::UnixMillis;

/// Which way a call crossed the account's boundary.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CallDirection {
    /// Between two extensions of the account.
    Internal,
    /// From the public network to the account.
    Inbound,
    /// From the account to the public network.
    Outbound,
}

impl CallDirection {
    /// The stable name used in storage and APIs.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Internal => "internal",
            Self::Inbound => "inbound",
            Self::Outbound => "outbound",
        }
    }

    /// Reads the stable name back.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "internal" => Some(Self::Internal),
            "inbound" => Some(Self::Inbound),
            "outbound" => Some(Self::Outbound),
            _ => None,
        }
    }
}

/// How a call ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Disposition {
    /// Still going (or the switch died during it; closed as `Failed` at the
    /// next start).
    InProgress,
    Answered,
    /// Rang out, or the caller gave up before an answer.
    Missed,
    Busy,
    /// Could not be connected: no route, error, switch failure.
    Failed,
}

impl Disposition {
    /// The stable name used in storage and APIs.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InProgress => "in_progress",
            Self::Answered => "answered",
            Self::Missed => "missed",
            Self::Busy => "busy",
            Self::Failed => "failed",
        }
    }

    /// Reads the stable name back.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "in_progress" => Some(Self::InProgress),
            "answered" => Some(Self::Answered),
            "missed" => Some(Self::Missed),
            "busy" => Some(Self::Busy),
            "failed" => Some(Self::Failed),
            _ => None,
        }
    }
}

/// One call, as the call logs show it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallRecord {
    pub id: CallRecordId,
    pub account: AccountId,
    /// The SIP Call-ID of the caller's leg, to tie the record to traces.
    pub call_id: String,
    pub direction: CallDirection,
    /// Caller's number as presented (E.164 or extension digits).
    pub caller_number: String,
    pub caller_extension: Option<ExtensionNumber>,
    /// Number dialed.
    pub callee_number: String,
    pub callee_extension: Option<ExtensionNumber>,
    pub started_at: UnixMillis,
    pub answered_at: Option<UnixMillis>,
    pub ended_at: Option<UnixMillis>,
    pub disposition: Disposition,
    /// SIP status or reason the call ended with ("BYE from callee",
    /// "486 Busy Here").
    pub hangup_cause: Option<String>,
}

impl CallRecord {
    /// Talk time: from answer to end, zero if never answered.
    pub fn duration_seconds(&self) -> u64 {
        match (self.answered_at, self.ended_at) {
            (Some(a), Some(e)) => e.since(a).as_secs(),
            _ => 0,
        }
    }
}

/// A call being recorded as it starts.
#[derive(Clone, Debug)]
pub struct NewCallRecord {
    pub call_id: String,
    pub direction: CallDirection,
    pub caller_number: String,
    pub caller_extension: Option<ExtensionNumber>,
    pub callee_number: String,
    pub callee_extension: Option<ExtensionNumber>,
    pub started_at: UnixMillis,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duration_counts_from_answer_to_end() {
        let rec = CallRecord {
            id: CallRecordId::from_raw(1),
            account: AccountId::from_raw(1),
            call_id: "c".into(),
            direction: CallDirection::Internal,
            caller_number: "101".into(),
            caller_extension: None,
            callee_number: "102".into(),
            callee_extension: None,
            started_at: UnixMillis::from_millis(0),
            answered_at: Some(UnixMillis::from_millis(5_000)),
            ended_at: Some(UnixMillis::from_millis(65_500)),
            disposition: Disposition::Answered,
            hangup_cause: None,
        };
        assert_eq!(rec.duration_seconds(), 60);
        let missed = CallRecord {
            answered_at: None,
            ..rec
        };
        assert_eq!(missed.duration_seconds(), 0);
    }

    #[test]
    fn dispositions_round_trip_their_names() {
        for d in [
            Disposition::InProgress,
            Disposition::Answered,
            Disposition::Missed,
            Disposition::Busy,
            Disposition::Failed,
        ] {
            assert_eq!(Disposition::parse(d.as_str()), Some(d));
        }
        for d in [
            CallDirection::Internal,
            CallDirection::Inbound,
            CallDirection::Outbound,
        ] {
            assert_eq!(CallDirection::parse(d.as_str()), Some(d));
        }
    }
}
