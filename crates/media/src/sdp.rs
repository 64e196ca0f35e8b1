//! SDP (RFC 4566) for audio calls, and the RFC 3264 offer/answer exchange
//! the switch takes part in.
//!
//! The parser is lenient about lines it does not use (`b=`, `i=`, `k=`,
//! unknown types) and strict about the ones it does: `v=`, `o=`, `c=` and
//! `m=` must be well formed or the whole description is refused, so a
//! broken peer gets a 400/488 instead of a call with no audio.
//!
//! Direction attributes (`a=sendrecv` and friends) are not kept among a
//! media description's [`MediaDescription::attributes`]: they are resolved,
//! media level falling back to session level, into
//! [`MediaDescription::direction`], and printed from it.
//!
//! Answering an INVITE's offer:
//!
//! ```
//! use media::sdp::{Codec, Direction, SdpError, SessionDescription};
//!
//! let offer = SessionDescription::parse(
//!     "v=0\r\no=- 1 1 IN IP4 192.0.2.7\r\ns=-\r\nc=IN IP4 192.0.2.7\r\nt=0 0\r\n\
//!      m=audio 4000 RTP/AVP 8 0 101\r\na=rtpmap:101 telephone-event/8000\r\n",
//! )?;
//! let ours = [Codec::Pcmu, Codec::Pcma, Codec::TelephoneEvent];
//! let local = "10.0.0.1".parse().unwrap();
//! let (answer, agreed) =
//!     SessionDescription::answer(&offer, local, 30000, 42, 1, &ours, Direction::SendRecv)?;
//! assert_eq!(agreed.format.codec, Codec::Pcma); // the offerer's preference
//! assert_eq!(agreed.telephone_event, Some(101));
//! assert_eq!(agreed.remote, "192.0.2.7:4000".parse().unwrap());
//! let body = answer.to_string(); // the 200 OK's application/sdp body
//! # assert!(body.starts_with("v=0\r\n"));
//! # Ok::<(), SdpError>(())
//! ```

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use thiserror::Error;

mod negotiate;
mod text;

pub use negotiate::{Agreement, TELEPHONE_EVENT_PT, agreement_from_answer};

/// Errors from parsing SDP or negotiating a session.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SdpError {
    /// The text does not start with `v=0`.
    #[error("SDP must start with v=0")]
    MissingVersion,
    /// A line is not of the form `<letter>=<value>`.
    #[error("line {line}: not a <type>=<value> line: {text:?}")]
    MalformedLine { line: usize, text: String },
    /// The `o=` line does not have six fields with numeric id and version.
    #[error("line {line}: malformed origin: {text:?}")]
    BadOrigin { line: usize, text: String },
    /// No `o=` line before the first media description.
    #[error("SDP has no o= line")]
    MissingOrigin,
    /// A `c=` line is not `IN IP4|IP6 <address>` with an IP literal.
    #[error("line {line}: malformed connection: {text:?}")]
    BadConnection { line: usize, text: String },
    /// An `m=` line is not `<media> <port>[/<count>] <proto> <fmt>...`, or an
    /// RTP profile lists a format that is not a payload type number.
    #[error("line {line}: malformed media description: {text:?}")]
    BadMedia { line: usize, text: String },
    /// The description has no audio stream with a non-zero port.
    #[error("no active audio stream")]
    NoAudio,
    /// The audio stream has neither a media-level nor a session-level `c=`.
    #[error("audio stream has no connection address")]
    MissingConnection,
    /// No codec of the offer is acceptable (the caller answers 488).
    #[error("no codec in common")]
    NoCommonCodec,
    /// The offered audio is not plain RTP/AVP (e.g. SRTP's RTP/SAVP), which
    /// the switch cannot answer in kind (488 too).
    #[error("unsupported audio transport {0:?}")]
    UnsupportedTransport(String),
}

/// The direction of a media stream (RFC 3264 §5.1), from the point of view
/// of the party that wrote it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Direction {
    #[default]
    SendRecv,
    SendOnly,
    RecvOnly,
    Inactive,
}

impl Direction {
    /// The same stream seen from the other end: sendonly and recvonly swap.
    pub fn reverse(self) -> Self {
        match self {
            Direction::SendOnly => Direction::RecvOnly,
            Direction::RecvOnly => Direction::SendOnly,
            other => other,
        }
    }

    /// The attribute name, e.g. `"sendrecv"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::SendRecv => "sendrecv",
            Direction::SendOnly => "sendonly",
            Direction::RecvOnly => "recvonly",
            Direction::Inactive => "inactive",
        }
    }

    /// Whether this side sends media.
    pub fn sends(self) -> bool {
        matches!(self, Direction::SendRecv | Direction::SendOnly)
    }

    /// Whether this side receives media.
    pub fn receives(self) -> bool {
        matches!(self, Direction::SendRecv | Direction::RecvOnly)
    }

    /// Only what both allow.
    pub fn intersect(self, other: Self) -> Self {
        Self::from_flags(
            self.sends() && other.sends(),
            self.receives() && other.receives(),
        )
    }

    fn from_flags(sends: bool, receives: bool) -> Self {
        match (sends, receives) {
            (true, true) => Direction::SendRecv,
            (true, false) => Direction::SendOnly,
            (false, true) => Direction::RecvOnly,
            (false, false) => Direction::Inactive,
        }
    }

    fn from_attribute(attr: &str) -> Option<Self> {
        Some(match attr {
            "sendrecv" => Direction::SendRecv,
            "sendonly" => Direction::SendOnly,
            "recvonly" => Direction::RecvOnly,
            "inactive" => Direction::Inactive,
            _ => return None,
        })
    }
}

impl fmt::Display for Direction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The audio encodings the switch knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Codec {
    Pcmu,
    Pcma,
    Opus,
    TelephoneEvent,
}

impl Codec {
    /// RTP clock rate in Hz.
    pub fn clock_rate(self) -> u32 {
        match self {
            Codec::Opus => 48_000,
            _ => 8_000,
        }
    }

    /// Encoding name as written in `a=rtpmap`.
    pub fn name(self) -> &'static str {
        match self {
            Codec::Pcmu => "PCMU",
            Codec::Pcma => "PCMA",
            Codec::Opus => "opus",
            Codec::TelephoneEvent => "telephone-event",
        }
    }

    /// The RTP/AVP static payload type (RFC 3551), if any.
    pub fn static_pt(self) -> Option<u8> {
        match self {
            Codec::Pcmu => Some(0),
            Codec::Pcma => Some(8),
            _ => None,
        }
    }

    /// The encoding part of `a=rtpmap`, e.g. `PCMU/8000` or `opus/48000/2`.
    pub fn rtpmap(self) -> String {
        match self {
            // RFC 7587 §7: opus is always declared with two channels.
            Codec::Opus => "opus/48000/2".to_owned(),
            c => format!("{}/{}", c.name(), c.clock_rate()),
        }
    }

    /// The codec for an rtpmap encoding name and clock rate; names are
    /// case-insensitive (RFC 4855 §3). A known name at another rate (e.g.
    /// telephone-event/48000) is not this codec.
    pub fn from_rtpmap(name: &str, clock_rate: u32) -> Option<Self> {
        [Codec::Pcmu, Codec::Pcma, Codec::Opus, Codec::TelephoneEvent]
            .into_iter()
            .find(|c| c.name().eq_ignore_ascii_case(name) && c.clock_rate() == clock_rate)
    }

    fn from_static_pt(pt: u8) -> Option<Self> {
        match pt {
            0 => Some(Codec::Pcmu),
            8 => Some(Codec::Pcma),
            _ => None,
        }
    }
}

/// One payload type of a media description, resolved to a codec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Format {
    pub pt: u8,
    pub codec: Codec,
    pub fmtp: Option<String>,
}

impl Format {
    /// A format without parameters.
    pub fn new(pt: u8, codec: Codec) -> Self {
        Format {
            pt,
            codec,
            fmtp: None,
        }
    }

    /// PCMU on its static payload type 0.
    pub fn pcmu() -> Self {
        Format::new(0, Codec::Pcmu)
    }

    /// PCMA on its static payload type 8.
    pub fn pcma() -> Self {
        Format::new(8, Codec::Pcma)
    }
}

/// The `o=` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    pub username: String,
    pub session_id: u64,
    pub version: u64,
    /// `IP4` or `IP6`.
    pub address_type: String,
    /// Kept as text: some phones put a host name here, and it only
    /// identifies the session.
    pub address: String,
}

/// One `m=` section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaDescription {
    /// `audio`, `video`, `application`...
    pub kind: String,
    /// Zero means the stream is rejected or disabled (RFC 3264 §6).
    pub port: u16,
    /// The `/<count>` after the port, rarely used.
    pub port_count: Option<u16>,
    pub proto: String,
    /// Payload types, in the writer's order of preference.
    pub formats: Vec<u8>,
    /// Format tokens of non-RTP protocols (e.g. `webrtc-datachannel`),
    /// kept so the stream can be printed back or rejected.
    pub other_formats: Vec<String>,
    /// The media-level `c=`, if any.
    pub connection: Option<IpAddr>,
    /// Media level, else session level, else sendrecv.
    pub direction: Direction,
    /// Every `a=` line of the section except the direction, without the
    /// `a=` prefix, in order (`rtpmap:0 PCMU/8000`, `ptime:20`, `rtcp-mux`).
    pub attributes: Vec<String>,
}

impl MediaDescription {
    /// The value of the first `a=<name>:<value>` (or `""` for a flag
    /// `a=<name>`).
    pub fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find_map(|a| match a.split_once(':') {
                Some((n, v)) if n == name => Some(v),
                None if a == name => Some(""),
                _ => None,
            })
    }

    /// The formats the switch understands, in the listed order: static
    /// payload types without an rtpmap are known, unknown encodings and
    /// known names at other clock rates are skipped.
    pub fn formats(&self) -> Vec<Format> {
        self.formats
            .iter()
            .filter_map(|&pt| {
                let codec = match self.rtpmap(pt) {
                    Some((name, rate)) => Codec::from_rtpmap(name, rate)?,
                    None => Codec::from_static_pt(pt)?,
                };
                Some(Format {
                    pt,
                    codec,
                    fmtp: self.fmtp(pt).map(str::to_owned),
                })
            })
            .collect()
    }

    /// The payload type of telephone-event/8000, if offered.
    pub fn telephone_event(&self) -> Option<u8> {
        self.formats()
            .into_iter()
            .find(|f| f.codec == Codec::TelephoneEvent)
            .map(|f| f.pt)
    }

    /// `a=ptime`, in milliseconds.
    pub fn ptime(&self) -> Option<u32> {
        self.attribute("ptime")?.trim().parse().ok()
    }

    fn rtpmap(&self, pt: u8) -> Option<(&str, u32)> {
        let value = self.pt_attribute("rtpmap", pt)?;
        let mut parts = value.split('/');
        let name = parts.next()?.trim();
        let rate = parts.next()?.trim().parse().ok()?;
        Some((name, rate))
    }

    fn fmtp(&self, pt: u8) -> Option<&str> {
        self.pt_attribute("fmtp", pt)
    }

    /// The rest of `a=<name>:<pt> <rest>`.
    fn pt_attribute(&self, name: &str, pt: u8) -> Option<&str> {
        self.attributes.iter().find_map(|a| {
            let value = a.strip_prefix(name)?.strip_prefix(':')?;
            let (number, rest) = value.split_once(' ')?;
            (number.parse() == Ok(pt)).then_some(rest.trim())
        })
    }

    fn is_rtp(&self) -> bool {
        self.proto.contains("RTP/")
    }
}

/// `0.0.0.0`, the RFC 2543 hold address, for callers building a hold offer.
pub const HOLD_ADDRESS: IpAddr = IpAddr::V4(Ipv4Addr::UNSPECIFIED);

/// Whether a stream is on hold: it does not send to us (sendonly or
/// inactive from its writer's point of view) or has the RFC 2543 hold
/// address `0.0.0.0` as its media-level connection. A session-level
/// `0.0.0.0` is checked by [`SessionDescription::is_hold`].
pub fn is_hold(media: &MediaDescription) -> bool {
    matches!(media.direction, Direction::SendOnly | Direction::Inactive)
        || media.connection.is_some_and(|c| c.is_unspecified())
}

/// A whole session description.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionDescription {
    pub origin: Origin,
    pub session_name: String,
    /// The session-level `c=`.
    pub connection: Option<IpAddr>,
    /// Session-level `a=` lines except the direction (which is folded into
    /// each media description).
    pub attributes: Vec<String>,
    pub media: Vec<MediaDescription>,
}

impl SessionDescription {
    /// The first audio stream with a non-zero port.
    pub fn audio(&self) -> Option<&MediaDescription> {
        self.audio_index().map(|i| &self.media[i])
    }

    fn audio_index(&self) -> Option<usize> {
        self.media
            .iter()
            .position(|m| m.kind == "audio" && m.port != 0)
    }

    /// Where the audio stream wants RTP: its media-level `c=`, else the
    /// session's, with the `m=` port. A held stream's `0.0.0.0` is returned
    /// as is; check [`is_hold`] before sending to it.
    pub fn audio_endpoint(&self) -> Option<SocketAddr> {
        let audio = self.audio()?;
        let ip = audio.connection.or(self.connection)?;
        Some(SocketAddr::new(ip, audio.port))
    }

    /// Whether the audio stream is on hold (see [`is_hold`]), counting a
    /// session-level `c=0.0.0.0` too.
    pub fn is_hold(&self) -> bool {
        self.audio().is_some_and(|a| {
            is_hold(a)
                || a.connection
                    .or(self.connection)
                    .is_some_and(|c| c.is_unspecified())
        })
    }
}

#[cfg(test)]
mod tests;
