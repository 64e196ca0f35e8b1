//! DTMF, the three ways phones send it: RFC 4733 telephone-event packets
//! ([`Event`], [`Sender`], [`Receiver`]), in-band tones ([`Detector`]), and
//! SIP INFO bodies ([`parse_info`], [`dtmf_relay_body`]).

use std::time::Duration;

use thiserror::Error;

use crate::FRAME;

mod detect;

pub use detect::Detector;

/// Errors from DTMF payloads and INFO bodies.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DtmfError {
    /// A telephone-event payload shorter than its 4 bytes.
    #[error("telephone-event payload is {0} bytes, expected 4")]
    ShortPayload(usize),
    /// An event code that is not one of the 16 keys (e.g. 16, flash).
    #[error("telephone-event {0} is not a DTMF key")]
    UnsupportedEvent(u8),
    /// A character that is not one of `0-9 * # A-D`.
    #[error("{0:?} is not a DTMF key")]
    InvalidDigit(char),
    /// An event longer than the 16-bit duration field can carry.
    #[error("a DTMF event of {0:?} does not fit one telephone-event")]
    TooLong(Duration),
    /// An INFO Content-Type other than dtmf-relay or dtmf.
    #[error("unsupported INFO content type {0:?}")]
    UnsupportedContentType(String),
    /// An INFO body without a usable signal.
    #[error("INFO body carries no DTMF signal: {0:?}")]
    MissingSignal(String),
    /// An INFO `Duration=` that is not a number of milliseconds.
    #[error("INFO duration {0:?} is not a number of milliseconds")]
    BadDuration(String),
}

/// The RFC 4733 §3.2 event code of a key, `0-9 * # A-D` (letters in either
/// case).
pub fn event_code(digit: char) -> Result<u8, DtmfError> {
    Ok(match digit.to_ascii_uppercase() {
        d @ '0'..='9' => d as u8 - b'0',
        '*' => 10,
        '#' => 11,
        d @ 'A'..='D' => d as u8 - b'A' + 12,
        _ => return Err(DtmfError::InvalidDigit(digit)),
    })
}

/// The key of an RFC 4733 event code.
pub fn digit_of(code: u8) -> Result<char, DtmfError> {
    Ok(match code {
        0..=9 => (b'0' + code) as char,
        10 => '*',
        11 => '#',
        12..=15 => (b'A' + code - 12) as char,
        _ => return Err(DtmfError::UnsupportedEvent(code)),
    })
}

/// One telephone-event payload (RFC 4733 §2.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Event {
    /// The key, `0-9 * # A-D`.
    pub digit: char,
    /// The E bit: this is (a retransmission of) the last packet of the event.
    pub end: bool,
    /// Power level as attenuation below 0 dBm0, 0 to 63.
    pub volume: u8,
    /// Length of the event so far, in timestamp units (1/8000 s).
    pub duration: u16,
}

impl Event {
    /// Reads the 4-byte payload; trailing bytes are ignored.
    pub fn parse(payload: &[u8]) -> Result<Self, DtmfError> {
        let &[code, flags, hi, lo, ..] = payload else {
            return Err(DtmfError::ShortPayload(payload.len()));
        };
        Ok(Event {
            digit: digit_of(code)?,
            end: flags & 0x80 != 0,
            volume: flags & 0x3F,
            duration: u16::from_be_bytes([hi, lo]),
        })
    }

    /// The 4-byte payload; errors if `digit` is not a key.
    pub fn to_bytes(&self) -> Result<[u8; 4], DtmfError> {
        let code = event_code(self.digit)?;
        let flags = if self.end { 0x80 } else { 0 } | (self.volume & 0x3F);
        let [hi, lo] = self.duration.to_be_bytes();
        Ok([code, flags, hi, lo])
    }
}

/// One packet to send: the payload with its RTP timestamp and marker bit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Packet {
    /// The event's start, the same for every packet of one event.
    pub timestamp: u32,
    /// Set on the first packet of the event (RFC 4733 §2.5.1.1).
    pub marker: bool,
    pub event: Event,
    /// `event` as sent on the wire.
    pub payload: [u8; 4],
}

/// Sends one key press as telephone-events: a first packet with the
/// marker bit, one update per 20 ms with the growing duration, then the
/// final packet three times (RFC 4733 §2.5.1.4), all on the event's start
/// timestamp. Call [`Sender::next_packet`] (or iterate) once per 20 ms.
#[derive(Debug, Clone)]
pub struct Sender {
    digit: char,
    volume: u8,
    timestamp: u32,
    total: u16,
    sent: u16,
    ends_left: u8,
}

/// The volume the switch sends at: -10 dBm0.
pub const DEFAULT_VOLUME: u8 = 10;

impl Sender {
    /// A sender for `digit` held for `duration`, starting at RTP
    /// `timestamp`.
    pub fn new(digit: char, duration: Duration, timestamp: u32) -> Result<Self, DtmfError> {
        event_code(digit)?;
        let samples = duration.as_micros() * crate::RATE as u128 / 1_000_000;
        let total = u16::try_from(samples).map_err(|_| DtmfError::TooLong(duration))?;
        Ok(Sender {
            digit: digit.to_ascii_uppercase(),
            volume: DEFAULT_VOLUME,
            timestamp,
            total: total.max(FRAME as u16),
            sent: 0,
            ends_left: 3,
        })
    }

    /// The next packet, or `None` once the three end packets are out.
    pub fn next_packet(&mut self) -> Option<Packet> {
        if self.ends_left == 0 {
            return None;
        }
        let marker = self.sent == 0;
        self.sent = self.sent.saturating_add(FRAME as u16).min(self.total);
        let end = self.sent == self.total;
        if end {
            self.ends_left -= 1;
        }
        let event = Event {
            digit: self.digit,
            end,
            volume: self.volume,
            duration: self.sent,
        };
        let payload = event.to_bytes().expect("Sender::new checked the key");
        Some(Packet {
            timestamp: self.timestamp,
            marker,
            event,
            payload,
        })
    }
}

impl Iterator for Sender {
    type Item = Packet;

    fn next(&mut self) -> Option<Packet> {
        self.next_packet()
    }
}

/// Turns received telephone-events into key presses, each reported once
/// however many updates and end retransmissions arrive, and even if the
/// first packets were lost.
#[derive(Debug, Clone, Default)]
pub struct Receiver {
    /// Start timestamps of the latest events, most recent first: a late
    /// retransmission of the previous event must not count again.
    seen: [Option<u32>; 4],
}

impl Receiver {
    pub fn new() -> Self {
        Self::default()
    }

    /// Handles one telephone-event payload with its RTP timestamp; returns
    /// the key the first time its event is seen.
    pub fn packet(&mut self, timestamp: u32, payload: &[u8]) -> Result<Option<char>, DtmfError> {
        let event = Event::parse(payload)?;
        if self.seen.contains(&Some(timestamp)) {
            return Ok(None);
        }
        self.seen.rotate_right(1);
        self.seen[0] = Some(timestamp);
        Ok(Some(event.digit))
    }
}

/// A key press carried in a SIP INFO body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InfoDigit {
    pub digit: char,
    /// `Duration=` of dtmf-relay, when given.
    pub duration: Option<Duration>,
}

/// Reads a SIP INFO body of type `application/dtmf-relay`
/// (`Signal=5\r\nDuration=160`) or `application/dtmf` (`5`). The content
/// type may carry parameters; keys and types are case-insensitive. Signals
/// 10 and 11 are read as `*` and `#`, as some phones send them.
pub fn parse_info(content_type: &str, body: &str) -> Result<InfoDigit, DtmfError> {
    let mime = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    let missing = || DtmfError::MissingSignal(body.to_owned());
    match mime.as_str() {
        "application/dtmf-relay" => {
            let mut digit = None;
            let mut duration = None;
            for line in body.lines() {
                let Some((key, value)) = line.split_once('=') else {
                    continue;
                };
                let value = value.trim();
                match key.trim().to_ascii_lowercase().as_str() {
                    "signal" => digit = Some(info_signal(value).ok_or_else(missing)?),
                    "duration" => {
                        let ms: u64 = value
                            .parse()
                            .map_err(|_| DtmfError::BadDuration(value.to_owned()))?;
                        duration = Some(Duration::from_millis(ms));
                    }
                    _ => {}
                }
            }
            Ok(InfoDigit {
                digit: digit.ok_or_else(missing)?,
                duration,
            })
        }
        "application/dtmf" => {
            let digit = info_signal(body.trim()).ok_or_else(missing)?;
            Ok(InfoDigit {
                digit,
                duration: None,
            })
        }
        _ => Err(DtmfError::UnsupportedContentType(content_type.to_owned())),
    }
}

/// The `application/dtmf-relay` body announcing `digit` held for
/// `duration`, for peers that take DTMF as SIP INFO.
pub fn dtmf_relay_body(digit: char, duration: Duration) -> Result<String, DtmfError> {
    event_code(digit)?;
    Ok(format!(
        "Signal={}\r\nDuration={}\r\n",
        digit.to_ascii_uppercase(),
        duration.as_millis()
    ))
}

fn info_signal(value: &str) -> Option<char> {
    match value {
        "10" => Some('*'),
        "11" => Some('#'),
        _ => {
            let mut chars = value.chars();
            let c = chars.next()?;
            if chars.next().is_some() {
                return None;
            }
            event_code(c).ok().map(|_| c.to_ascii_uppercase())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_payload_round_trips_and_matches_rfc4733_layout() {
        let e = Event {
            digit: '#',
            end: true,
            volume: 10,
            duration: 800,
        };
        assert_eq!(e.to_bytes(), Ok([11, 0x8A, 0x03, 0x20]));
        assert_eq!(Event::parse(&e.to_bytes().unwrap()), Ok(e));
        let not_a_key = Event { digit: 'x', ..e };
        assert_eq!(not_a_key.to_bytes(), Err(DtmfError::InvalidDigit('x')));
        // The R bit is reserved and ignored.
        assert_eq!(Event::parse(&[5, 0x4A, 0, 160]).unwrap().volume, 10);
    }

    #[test]
    fn bad_payloads_are_errors() {
        assert_eq!(Event::parse(&[1, 2, 3]), Err(DtmfError::ShortPayload(3)));
        assert_eq!(
            Event::parse(&[16, 0, 0, 0]),
            Err(DtmfError::UnsupportedEvent(16))
        );
    }

    #[test]
    fn every_key_maps_to_its_code_and_back() {
        for (code, digit) in "0123456789*#ABCD".chars().enumerate() {
            assert_eq!(event_code(digit), Ok(code as u8));
            assert_eq!(digit_of(code as u8), Ok(digit));
        }
        assert_eq!(event_code('b'), Ok(13));
        assert_eq!(event_code('E'), Err(DtmfError::InvalidDigit('E')));
    }

    #[test]
    fn sender_emits_start_updates_and_three_ends_on_one_timestamp() {
        let packets: Vec<Packet> = Sender::new('5', Duration::from_millis(100), 4242)
            .unwrap()
            .collect();
        let durations: Vec<u16> = packets.iter().map(|p| p.event.duration).collect();
        assert_eq!(durations, [160, 320, 480, 640, 800, 800, 800]);
        let ends: Vec<bool> = packets.iter().map(|p| p.event.end).collect();
        assert_eq!(ends, [false, false, false, false, true, true, true]);
        assert!(packets[0].marker);
        assert!(packets[1..].iter().all(|p| !p.marker));
        assert!(
            packets
                .iter()
                .all(|p| p.timestamp == 4242 && p.event.digit == '5')
        );
    }

    #[test]
    fn sender_refuses_non_keys_and_overlong_events() {
        assert_eq!(
            Sender::new('x', Duration::from_millis(100), 0).unwrap_err(),
            DtmfError::InvalidDigit('x')
        );
        assert!(matches!(
            Sender::new('1', Duration::from_secs(9), 0),
            Err(DtmfError::TooLong(_))
        ));
    }

    #[test]
    fn receiver_reports_each_press_once_despite_retransmissions() {
        let mut rx = Receiver::new();
        let mut heard = Vec::new();
        let presses = [('1', 1000), ('1', 3000), ('#', 5000)];
        for (digit, ts) in presses {
            for p in Sender::new(digit, Duration::from_millis(80), ts).unwrap() {
                heard.extend(rx.packet(p.timestamp, &p.payload).unwrap());
            }
        }
        // A late end retransmission of the first press changes nothing.
        let late = Event {
            digit: '1',
            end: true,
            volume: 10,
            duration: 640,
        };
        assert_eq!(rx.packet(1000, &late.to_bytes().unwrap()), Ok(None));
        assert_eq!(heard, ['1', '1', '#']);
    }

    #[test]
    fn receiver_reports_a_press_whose_start_was_lost() {
        let mut rx = Receiver::new();
        let end = Event {
            digit: '9',
            end: true,
            volume: 10,
            duration: 800,
        };
        assert_eq!(rx.packet(77, &end.to_bytes().unwrap()), Ok(Some('9')));
        assert_eq!(rx.packet(77, &end.to_bytes().unwrap()), Ok(None));
    }

    #[test]
    fn info_bodies_of_both_types_parse() {
        assert_eq!(
            parse_info("application/dtmf-relay", "Signal=5\r\nDuration=160\r\n"),
            Ok(InfoDigit {
                digit: '5',
                duration: Some(Duration::from_millis(160))
            })
        );
        assert_eq!(
            parse_info(
                "Application/DTMF-Relay; charset=x",
                "signal = *\nduration= 250"
            ),
            Ok(InfoDigit {
                digit: '*',
                duration: Some(Duration::from_millis(250))
            })
        );
        assert_eq!(
            parse_info("application/dtmf-relay", "Signal=11")
                .unwrap()
                .digit,
            '#'
        );
        assert_eq!(
            parse_info("application/dtmf", " d\r\n"),
            Ok(InfoDigit {
                digit: 'D',
                duration: None
            })
        );
    }

    #[test]
    fn relay_body_reads_back_as_the_same_press() {
        let body = dtmf_relay_body('#', Duration::from_millis(250)).unwrap();
        assert_eq!(body, "Signal=#\r\nDuration=250\r\n");
        assert_eq!(
            parse_info("application/dtmf-relay", &body),
            Ok(InfoDigit {
                digit: '#',
                duration: Some(Duration::from_millis(250))
            })
        );
        assert!(dtmf_relay_body('?', Duration::ZERO).is_err());
    }

    #[test]
    fn bad_info_bodies_are_errors() {
        assert!(matches!(
            parse_info("application/dtmf-relay", "Duration=160"),
            Err(DtmfError::MissingSignal(_))
        ));
        assert!(matches!(
            parse_info("application/dtmf-relay", "Signal=55"),
            Err(DtmfError::MissingSignal(_))
        ));
        assert_eq!(
            parse_info("application/dtmf-relay", "Signal=1\nDuration=long"),
            Err(DtmfError::BadDuration("long".into()))
        );
        assert!(matches!(
            parse_info("text/plain", "5"),
            Err(DtmfError::UnsupportedContentType(_))
        ));
    }
}
