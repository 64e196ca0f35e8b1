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
//! session level falling back to media level, into
//! [`MediaDescription::direction`], and printed from it.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use thiserror::Error;

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
        attribute(&self.attributes, name)
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

/// What both sides settled on for the audio stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Agreement {
    /// Where to send RTP.
    pub remote: SocketAddr,
    /// The codec to send and expect, with the payload type in use.
    pub format: Format,
    /// The telephone-event payload type, when both sides support RFC 4733.
    pub telephone_event: Option<u8>,
    /// What the local side may do: send, receive, both or neither.
    pub direction: Direction,
    /// Packetisation in milliseconds the peer asked for (20 when unsaid).
    pub ptime: u32,
}

/// The payload type the switch offers telephone-event on.
pub const TELEPHONE_EVENT_PT: u8 = 101;

impl SessionDescription {
    /// Parses SDP, with CRLF or LF line ends.
    pub fn parse(text: &str) -> Result<Self, SdpError> {
        let mut origin = None;
        let mut session_name = String::from("-");
        let mut connection = None;
        let mut attributes = Vec::new();
        let mut session_direction = None;
        let mut media: Vec<MediaDescription> = Vec::new();
        // Whether each media section had its own direction attribute.
        let mut media_direction_set: Vec<bool> = Vec::new();
        let mut saw_version = false;

        for (index, raw) in text.lines().enumerate() {
            let line = index + 1;
            let raw = raw.trim_end();
            if raw.is_empty() {
                continue;
            }
            let bytes = raw.as_bytes();
            if bytes.len() < 2 || bytes[1] != b'=' || !bytes[0].is_ascii_alphabetic() {
                return Err(SdpError::MalformedLine {
                    line,
                    text: raw.to_owned(),
                });
            }
            let (kind, value) = (bytes[0], &raw[2..]);
            if !saw_version {
                if kind != b'v' || value.trim() != "0" {
                    return Err(SdpError::MissingVersion);
                }
                saw_version = true;
                continue;
            }
            match (kind, media.last_mut()) {
                (b'o', None) => origin = Some(parse_origin(value, line)?),
                (b's', None) => session_name = value.to_owned(),
                (b'c', None) => connection = Some(parse_connection(value, line)?),
                (b'c', Some(m)) => m.connection = Some(parse_connection(value, line)?),
                (b'm', _) => {
                    if origin.is_none() {
                        return Err(SdpError::MissingOrigin);
                    }
                    media.push(parse_media(value, line)?);
                    media_direction_set.push(false);
                }
                (b'a', None) => match Direction::from_attribute(value) {
                    Some(d) => session_direction = Some(d),
                    None => attributes.push(value.to_owned()),
                },
                (b'a', Some(m)) => match Direction::from_attribute(value) {
                    Some(d) => {
                        m.direction = d;
                        *media_direction_set.last_mut().expect("one flag per media") = true;
                    }
                    None => m.attributes.push(value.to_owned()),
                },
                // t=, b=, i=, u=, e=, p=, r=, z=, k= and unknown types carry
                // nothing the switch uses.
                _ => {}
            }
        }
        if !saw_version {
            return Err(SdpError::MissingVersion);
        }
        if let Some(d) = session_direction {
            for (m, set) in media.iter_mut().zip(&media_direction_set) {
                if !set {
                    m.direction = d;
                }
            }
        }
        Ok(SessionDescription {
            origin: origin.ok_or(SdpError::MissingOrigin)?,
            session_name,
            connection,
            attributes,
            media,
        })
    }

    /// The first audio stream with a non-zero port.
    pub fn audio(&self) -> Option<&MediaDescription> {
        self.media.iter().find(|m| m.kind == "audio" && m.port != 0)
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

    /// An offer from the switch: one audio stream at `addr:port` with
    /// `formats` in order of preference, plus telephone-event/8000 when
    /// `dtmf` (on payload type 101, or the first free dynamic one), an
    /// rtpmap for each, `a=ptime:20` and the direction.
    pub fn offer(
        addr: IpAddr,
        port: u16,
        session_id: u64,
        version: u64,
        formats: &[Format],
        dtmf: bool,
        direction: Direction,
    ) -> Self {
        let mut formats = formats.to_vec();
        if dtmf && !formats.iter().any(|f| f.codec == Codec::TelephoneEvent) {
            let taken = |pt: u8| formats.iter().any(|f| f.pt == pt);
            let pt = std::iter::once(TELEPHONE_EVENT_PT)
                .chain(96..=127)
                .find(|&pt| !taken(pt))
                .unwrap_or(TELEPHONE_EVENT_PT);
            formats.push(Format {
                pt,
                codec: Codec::TelephoneEvent,
                fmtp: Some("0-16".to_owned()),
            });
        }
        let media = audio_media(port, &formats, direction, None);
        SessionDescription {
            origin: origin_for(addr, session_id, version),
            session_name: "Switchboard".to_owned(),
            connection: Some(addr),
            attributes: Vec::new(),
            media: vec![media],
        }
    }

    /// The switch's answer to `offer` at `addr:port`.
    ///
    /// The codec is the first format of the offer (the offerer's order of
    /// preference) whose codec is in `ours`, on the offer's payload type;
    /// telephone-event is added when the offer has it and `ours` lists
    /// [`Codec::TelephoneEvent`]. The direction follows RFC 3264 §6.1
    /// (sendonly → recvonly, recvonly → sendonly, inactive → inactive,
    /// sendrecv → `want`), narrowed by `want`. Every other stream of the
    /// offer is rejected with port 0, as §6 requires one answer line per
    /// offered line.
    ///
    /// Errors: [`SdpError::NoAudio`], [`SdpError::MissingConnection`],
    /// [`SdpError::NoCommonCodec`] (answer 488).
    pub fn answer(
        offer: &Self,
        addr: IpAddr,
        port: u16,
        session_id: u64,
        version: u64,
        ours: &[Codec],
        want: Direction,
    ) -> Result<(Self, Agreement), SdpError> {
        let audio = offer.audio().ok_or(SdpError::NoAudio)?;
        let remote = offer.audio_endpoint().ok_or(SdpError::MissingConnection)?;
        let offered = audio.formats();
        let format = offered
            .iter()
            .find(|f| f.codec != Codec::TelephoneEvent && ours.contains(&f.codec))
            .cloned()
            .ok_or(SdpError::NoCommonCodec)?;
        let event = offered
            .iter()
            .find(|f| f.codec == Codec::TelephoneEvent)
            .filter(|_| ours.contains(&Codec::TelephoneEvent))
            .cloned();
        let direction = audio.direction.reverse().intersect(want);
        let ptime = audio.ptime().unwrap_or(20);

        let mut chosen = vec![format.clone()];
        chosen.extend(event.clone());
        let audio_index = offer
            .media
            .iter()
            .position(|m| std::ptr::eq(m, audio))
            .expect("audio() returns one of the media");
        let media = offer
            .media
            .iter()
            .enumerate()
            .map(|(i, m)| {
                if i == audio_index {
                    audio_media(port, &chosen, direction, Some(ptime))
                } else {
                    rejected(m)
                }
            })
            .collect();
        let answer = SessionDescription {
            origin: origin_for(addr, session_id, version),
            session_name: "Switchboard".to_owned(),
            connection: Some(addr),
            attributes: Vec::new(),
            media,
        };
        let agreement = Agreement {
            remote,
            format,
            telephone_event: event.map(|e| e.pt),
            direction,
            ptime,
        };
        Ok((answer, agreement))
    }
}

/// What the peer's answer to our offer settles: the first format of the
/// answer (which must be one we offered), its endpoint, the telephone-event
/// payload type if both sides have it, and the direction as seen from our
/// side (the answer's reversed).
///
/// Errors: [`SdpError::NoAudio`] when the answer rejected audio,
/// [`SdpError::MissingConnection`], [`SdpError::NoCommonCodec`] when the
/// answer holds no codec we offered.
pub fn agreement_from_answer(
    offer: &SessionDescription,
    answer: &SessionDescription,
) -> Result<Agreement, SdpError> {
    let ours = offer.audio().ok_or(SdpError::NoAudio)?.formats();
    let theirs = answer.audio().ok_or(SdpError::NoAudio)?;
    let remote = answer.audio_endpoint().ok_or(SdpError::MissingConnection)?;
    let answered = theirs.formats();
    let format = answered
        .iter()
        .find(|f| f.codec != Codec::TelephoneEvent)
        .filter(|f| ours.iter().any(|o| o.codec == f.codec))
        .cloned()
        .ok_or(SdpError::NoCommonCodec)?;
    let telephone_event = answered
        .iter()
        .find(|f| f.codec == Codec::TelephoneEvent)
        .filter(|_| ours.iter().any(|o| o.codec == Codec::TelephoneEvent))
        .map(|f| f.pt);
    Ok(Agreement {
        remote,
        format,
        telephone_event,
        direction: theirs.direction.reverse(),
        ptime: theirs.ptime().unwrap_or(20),
    })
}

impl fmt::Display for SessionDescription {
    /// Prints with CRLF line ends, in the RFC 4566 order.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let o = &self.origin;
        write!(f, "v=0\r\n")?;
        write!(
            f,
            "o={} {} {} IN {} {}\r\n",
            o.username, o.session_id, o.version, o.address_type, o.address
        )?;
        write!(f, "s={}\r\n", self.session_name)?;
        if let Some(c) = self.connection {
            write!(f, "c={}\r\n", Connection(c))?;
        }
        write!(f, "t=0 0\r\n")?;
        for a in &self.attributes {
            write!(f, "a={a}\r\n")?;
        }
        for m in &self.media {
            write!(f, "m={} {}", m.kind, m.port)?;
            if let Some(n) = m.port_count {
                write!(f, "/{n}")?;
            }
            write!(f, " {}", m.proto)?;
            for pt in &m.formats {
                write!(f, " {pt}")?;
            }
            for token in &m.other_formats {
                write!(f, " {token}")?;
            }
            write!(f, "\r\n")?;
            if let Some(c) = m.connection {
                write!(f, "c={}\r\n", Connection(c))?;
            }
            for a in &m.attributes {
                write!(f, "a={a}\r\n")?;
            }
            write!(f, "a={}\r\n", m.direction)?;
        }
        Ok(())
    }
}

struct Connection(IpAddr);

impl fmt::Display for Connection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            IpAddr::V4(a) => write!(f, "IN IP4 {a}"),
            IpAddr::V6(a) => write!(f, "IN IP6 {a}"),
        }
    }
}

fn attribute<'a>(attributes: &'a [String], name: &str) -> Option<&'a str> {
    attributes.iter().find_map(|a| match a.split_once(':') {
        Some((n, v)) if n == name => Some(v),
        None if a == name => Some(""),
        _ => None,
    })
}

fn origin_for(addr: IpAddr, session_id: u64, version: u64) -> Origin {
    Origin {
        username: "-".to_owned(),
        session_id,
        version,
        address_type: if addr.is_ipv4() { "IP4" } else { "IP6" }.to_owned(),
        address: addr.to_string(),
    }
}

fn audio_media(
    port: u16,
    formats: &[Format],
    direction: Direction,
    ptime: Option<u32>,
) -> MediaDescription {
    let mut attributes: Vec<String> = formats
        .iter()
        .map(|f| format!("rtpmap:{} {}", f.pt, f.codec.rtpmap()))
        .collect();
    for f in formats {
        if let Some(p) = &f.fmtp {
            attributes.push(format!("fmtp:{} {p}", f.pt));
        }
    }
    attributes.push(format!("ptime:{}", ptime.unwrap_or(20)));
    MediaDescription {
        kind: "audio".to_owned(),
        port,
        port_count: None,
        proto: "RTP/AVP".to_owned(),
        formats: formats.iter().map(|f| f.pt).collect(),
        other_formats: Vec::new(),
        connection: None,
        direction,
        attributes,
    }
}

/// The answer line for a stream the switch does not take (RFC 3264 §6:
/// port zero, at least one format).
fn rejected(m: &MediaDescription) -> MediaDescription {
    MediaDescription {
        kind: m.kind.clone(),
        port: 0,
        port_count: None,
        proto: m.proto.clone(),
        formats: m.formats.iter().take(1).copied().collect(),
        other_formats: if m.formats.is_empty() {
            m.other_formats.iter().take(1).cloned().collect()
        } else {
            Vec::new()
        },
        connection: None,
        direction: Direction::Inactive,
        attributes: Vec::new(),
    }
}

fn parse_origin(value: &str, line: usize) -> Result<Origin, SdpError> {
    let bad = || SdpError::BadOrigin {
        line,
        text: value.to_owned(),
    };
    let fields: Vec<&str> = value.split_ascii_whitespace().collect();
    let [username, id, version, "IN", address_type, address] = fields[..] else {
        return Err(bad());
    };
    Ok(Origin {
        username: username.to_owned(),
        session_id: id.parse().map_err(|_| bad())?,
        version: version.parse().map_err(|_| bad())?,
        address_type: address_type.to_owned(),
        address: address.to_owned(),
    })
}

fn parse_connection(value: &str, line: usize) -> Result<IpAddr, SdpError> {
    let bad = || SdpError::BadConnection {
        line,
        text: value.to_owned(),
    };
    let fields: Vec<&str> = value.split_ascii_whitespace().collect();
    let ["IN", kind, address] = fields[..] else {
        return Err(bad());
    };
    // Multicast addresses carry /ttl[/count]; the address comes first.
    let address = address.split('/').next().unwrap_or_default();
    let ip: IpAddr = address.parse().map_err(|_| bad())?;
    match (kind, ip) {
        ("IP4", IpAddr::V4(_)) | ("IP6", IpAddr::V6(_)) => Ok(ip),
        _ => Err(bad()),
    }
}

fn parse_media(value: &str, line: usize) -> Result<MediaDescription, SdpError> {
    let bad = || SdpError::BadMedia {
        line,
        text: value.to_owned(),
    };
    let mut fields = value.split_ascii_whitespace();
    let kind = fields.next().ok_or_else(bad)?;
    let port_field = fields.next().ok_or_else(bad)?;
    let proto = fields.next().ok_or_else(bad)?;
    let (port, port_count) = match port_field.split_once('/') {
        Some((p, n)) => (p, Some(n.parse().map_err(|_| bad())?)),
        None => (port_field, None),
    };
    let mut media = MediaDescription {
        kind: kind.to_owned(),
        port: port.parse().map_err(|_| bad())?,
        port_count,
        proto: proto.to_owned(),
        formats: Vec::new(),
        other_formats: Vec::new(),
        connection: None,
        direction: Direction::SendRecv,
        attributes: Vec::new(),
    };
    for token in fields {
        if media.is_rtp() {
            let pt: u8 = token.parse().map_err(|_| bad())?;
            if pt > 127 {
                return Err(bad());
            }
            media.formats.push(pt);
        } else {
            media.other_formats.push(token.to_owned());
        }
    }
    if media.formats.is_empty() && media.other_formats.is_empty() {
        return Err(bad());
    }
    Ok(media)
}

/// `0.0.0.0`, the RFC 2543 hold address, for callers building a hold offer.
pub const HOLD_ADDRESS: IpAddr = IpAddr::V4(Ipv4Addr::UNSPECIFIED);

#[cfg(test)]
mod tests;
