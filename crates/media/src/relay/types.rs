//! The relay's vocabulary: legs, what SDP settled for a leg, and what the
//! relay says about a packet.

use std::net::SocketAddr;
use std::time::Instant;

use super::Quality;

/// One side of a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Leg {
    A,
    B,
}

impl Leg {
    pub fn other(self) -> Leg {
        match self {
            Leg::A => Leg::B,
            Leg::B => Leg::A,
        }
    }

    pub(super) fn index(self) -> usize {
        self as usize
    }
}

/// The audio codec a leg agreed on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Codec {
    /// G.711 µ-law.
    Pcmu,
    /// G.711 A-law.
    Pcma,
    /// Opus (RFC 7587), transcoded to and from G.711 at 8 kHz.
    Opus,
    /// Anything else: relayed only to a leg that agreed the same.
    Other,
}

/// What the SDP offer/answer settled for one leg.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LegParams {
    /// Where the leg said it receives media (`c=` and `m=` lines).
    pub remote: Option<SocketAddr>,
    /// The audio payload type.
    pub pt: u8,
    pub codec: Codec,
    /// The payload type of RFC 4733 telephone-event, if agreed.
    pub telephone_event: Option<u8>,
    /// The switch may send media to this leg (false for `sendonly` and
    /// `inactive` in the leg's SDP).
    pub send: bool,
    /// The switch takes media from this leg (false for `recvonly` and
    /// `inactive`).
    pub recv: bool,
}

impl Default for LegParams {
    fn default() -> Self {
        Self {
            remote: None,
            pt: 0,
            codec: Codec::Pcmu,
            telephone_event: None,
            send: true,
            recv: true,
        }
    }
}

/// Which sources a leg latches onto.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Latching {
    /// The source IP must be the SDP's (any source while there is no SDP
    /// address yet).
    #[default]
    Expected,
    /// Any source: the SDP address of a phone behind NAT is useless.
    Any,
}

/// What to do with a datagram.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Send the first `len` bytes of the (rewritten) buffer to `to` from
    /// the other leg's socket.
    Forward {
        to: SocketAddr,
        len: usize,
    },
    Drop(DropReason),
}

/// Why a datagram was not relayed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DropReason {
    /// Not an RTP packet.
    Malformed,
    /// RTCP, which is taken by the relay, not relayed (see the module
    /// documentation).
    Rtcp,
    /// From a source this leg does not take media from.
    UnexpectedSource,
    /// The leg is `recvonly` or `inactive`.
    NotReceiving,
    /// The other leg is `sendonly` or `inactive`.
    NotSending,
    /// The other leg has no address yet.
    NoDestination,
    /// A payload type the leg did not agree on.
    UnknownPayloadType,
    /// The legs agreed codecs the relay cannot convert between.
    CodecMismatch,
    /// Audio the relay could not convert: an Opus packet libopus rejects,
    /// or a G.711 packetisation Opus cannot carry (not 2.5 to 60 ms).
    Transcoding,
    /// Telephone-events, but the other leg did not agree them.
    NoTelephoneEvent,
    /// The switch is playing media to the other leg.
    Playing,
}

impl DropReason {
    /// True when the packet was media the leg may send, held back only by
    /// the other side (hold, a prompt, no address, no common format): a
    /// recorder still takes it.
    pub fn media_accepted(self) -> bool {
        matches!(
            self,
            Self::NotSending
                | Self::NoDestination
                | Self::CodecMismatch
                | Self::NoTelephoneEvent
                | Self::Playing
        )
    }
}

/// Something the relay noticed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RelayEvent {
    /// A new RFC 4733 event from a leg.
    Dtmf { leg: Leg, digit: char },
    /// A report from the leg about our stream came (RFC 3550 §6.4).
    Quality { leg: Leg, quality: Quality },
}

/// Traffic of one leg.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Counters {
    /// RTP packets taken from the leg.
    pub packets_in: u64,
    pub bytes_in: u64,
    /// RTP packets sent to the leg.
    pub packets_out: u64,
    pub bytes_out: u64,
    /// When the leg last sent media we took.
    pub last_in: Option<Instant>,
    /// RTCP compound packets taken from the leg and sent to it.
    pub rtcp_in: u64,
    pub rtcp_out: u64,
}
