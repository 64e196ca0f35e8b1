//! SDP's text form (RFC 4566 §5): reading it leniently where the switch
//! does not care and strictly where it does, and printing it back.

use std::fmt;
use std::net::IpAddr;

use super::{Direction, MediaDescription, Origin, SdpError, SessionDescription};

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
