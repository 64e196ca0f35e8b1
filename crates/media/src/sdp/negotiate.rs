//! The RFC 3264 offer/answer exchange for the audio stream of a call: the
//! switch's offers, its answers to peers' offers, and what a peer's answer
//! settles.

use std::net::{IpAddr, SocketAddr};

use super::{Codec, Direction, Format, MediaDescription, Origin, SdpError, SessionDescription};

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
        let media = audio_media(port, &formats, direction, 20);
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
    /// sendrecv → `want`), narrowed by `want`; an offer at `0.0.0.0` counts
    /// as sendonly (RFC 3264 §8.4). Every other stream of the
    /// offer is rejected with port 0, as §6 requires one answer line per
    /// offered line.
    ///
    /// Errors: [`SdpError::NoAudio`], [`SdpError::MissingConnection`],
    /// [`SdpError::UnsupportedTransport`] and [`SdpError::NoCommonCodec`]
    /// (answer 488).
    pub fn answer(
        offer: &Self,
        addr: IpAddr,
        port: u16,
        session_id: u64,
        version: u64,
        ours: &[Codec],
        want: Direction,
    ) -> Result<(Self, Agreement), SdpError> {
        let audio_index = offer.audio_index().ok_or(SdpError::NoAudio)?;
        let audio = &offer.media[audio_index];
        // RFC 3264 §6: the answer uses the offer's transport, and the switch
        // only speaks plain RTP.
        if !audio.proto.eq_ignore_ascii_case("RTP/AVP") {
            return Err(SdpError::UnsupportedTransport(audio.proto.clone()));
        }
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
        let direction = peer_direction(audio.direction, remote)
            .reverse()
            .intersect(want);
        let ptime = audio.ptime().unwrap_or(20);

        let mut chosen = vec![format.clone()];
        chosen.extend(event.clone());
        let media = offer
            .media
            .iter()
            .enumerate()
            .map(|(i, m)| {
                if i == audio_index {
                    audio_media(port, &chosen, direction, ptime)
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
/// side (the answer's reversed; an answer at `0.0.0.0` gets nothing sent).
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
        direction: peer_direction(theirs.direction, remote).reverse(),
        ptime: theirs.ptime().unwrap_or(20),
    })
}

/// What the peer really does: a stream at `0.0.0.0` (RFC 2543 hold, still
/// sent by some phones with a=sendrecv) receives nothing.
fn peer_direction(written: Direction, endpoint: SocketAddr) -> Direction {
    if endpoint.ip().is_unspecified() {
        written.intersect(Direction::SendOnly)
    } else {
        written
    }
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
    ptime: u32,
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
    attributes.push(format!("ptime:{ptime}"));
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
