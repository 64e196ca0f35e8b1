//! RTP and RTCP on the wire (RFC 3550), as zero-copy views over a byte
//! buffer: [`Rtp`] reads a header and, over a mutable buffer, rewrites
//! payload type, sequence number, timestamp and SSRC in place; [`Rtcp`]
//! walks a compound RTCP packet, [`SenderReport`] and [`ReceiverReport`]
//! read its reports, and [`write_sr`], [`write_rr`] and [`write_sdes_cname`]
//! build the reports of a stream the switch terminates. [`is_rtcp`] tells
//! RTP from RTCP on a multiplexed port (RFC 5761).
//!
//! Nothing here allocates; every parse checks lengths first, so arbitrary
//! bytes give an error, never a panic.

use std::ops::Range;

use thiserror::Error;

/// The RTP version of RFC 3550.
pub const VERSION: u8 = 2;

/// Length of the fixed RTP header.
pub const HEADER_LEN: usize = 12;

/// Why bytes are not an RTP packet.
#[derive(Debug, Error, Clone, Copy, PartialEq, Eq)]
pub enum RtpError {
    /// Fewer bytes than the 12-byte fixed header.
    #[error("RTP packet of {0} bytes is shorter than the 12-byte header")]
    TooShort(usize),
    /// The version field is not 2.
    #[error("RTP version {0}, expected 2")]
    Version(u8),
    /// The CSRC list or the header extension runs past the end.
    #[error("RTP CSRC list or header extension runs past the end of the packet")]
    Truncated,
    /// The padding count is zero or larger than what follows the header.
    #[error("RTP padding count {0} does not fit the packet")]
    Padding(u8),
}

/// An RTP packet over a buffer `B` (`&[u8]` to read, `&mut [u8]` to
/// rewrite in place). The payload range skips the CSRC list and the header
/// extension and stops before any padding.
#[derive(Debug)]
pub struct Rtp<B> {
    buf: B,
    payload: Range<usize>,
}

impl<B: AsRef<[u8]>> Rtp<B> {
    /// Checks the header and finds the payload.
    pub fn parse(buf: B) -> Result<Self, RtpError> {
        let b = buf.as_ref();
        if b.len() < HEADER_LEN {
            return Err(RtpError::TooShort(b.len()));
        }
        let version = b[0] >> 6;
        if version != VERSION {
            return Err(RtpError::Version(version));
        }
        let mut start = HEADER_LEN + 4 * usize::from(b[0] & 0x0f);
        if b.len() < start {
            return Err(RtpError::Truncated);
        }
        if b[0] & 0x10 != 0 {
            // RFC 3550 §5.3.1: 16-bit profile, 16-bit length in 32-bit words.
            let words = b.get(start + 2..start + 4).ok_or(RtpError::Truncated)?;
            start += 4 + 4 * usize::from(u16::from_be_bytes([words[0], words[1]]));
            if b.len() < start {
                return Err(RtpError::Truncated);
            }
        }
        let mut end = b.len();
        if b[0] & 0x20 != 0 {
            // RFC 3550 §5.1: the last octet counts the padding, itself included.
            let count = b[end - 1];
            if count == 0 || usize::from(count) > end - start {
                return Err(RtpError::Padding(count));
            }
            end -= usize::from(count);
        }
        Ok(Self {
            buf,
            payload: start..end,
        })
    }

    fn bytes(&self) -> &[u8] {
        self.buf.as_ref()
    }

    pub fn version(&self) -> u8 {
        self.bytes()[0] >> 6
    }

    pub fn padding(&self) -> bool {
        self.bytes()[0] & 0x20 != 0
    }

    pub fn extension(&self) -> bool {
        self.bytes()[0] & 0x10 != 0
    }

    pub fn csrc_count(&self) -> u8 {
        self.bytes()[0] & 0x0f
    }

    pub fn marker(&self) -> bool {
        self.bytes()[1] & 0x80 != 0
    }

    pub fn payload_type(&self) -> u8 {
        self.bytes()[1] & 0x7f
    }

    pub fn sequence(&self) -> u16 {
        u16::from_be_bytes([self.bytes()[2], self.bytes()[3]])
    }

    pub fn timestamp(&self) -> u32 {
        be32(&self.bytes()[4..8])
    }

    pub fn ssrc(&self) -> u32 {
        be32(&self.bytes()[8..12])
    }

    /// The contributing sources, in order.
    pub fn csrcs(&self) -> impl Iterator<Item = u32> + '_ {
        let n = usize::from(self.csrc_count());
        self.bytes()[HEADER_LEN..HEADER_LEN + 4 * n]
            .chunks_exact(4)
            .map(be32)
    }

    /// The header extension's profile field and data, when present.
    pub fn extension_data(&self) -> Option<(u16, &[u8])> {
        if !self.extension() {
            return None;
        }
        let at = HEADER_LEN + 4 * usize::from(self.csrc_count());
        let b = self.bytes();
        Some((
            u16::from_be_bytes([b[at], b[at + 1]]),
            &b[at + 4..self.payload.start],
        ))
    }

    /// Where the payload lies in the buffer.
    pub fn payload_range(&self) -> Range<usize> {
        self.payload.clone()
    }

    pub fn payload(&self) -> &[u8] {
        &self.bytes()[self.payload.clone()]
    }

    /// The buffer back.
    pub fn into_inner(self) -> B {
        self.buf
    }
}

impl<B: AsRef<[u8]> + AsMut<[u8]>> Rtp<B> {
    pub fn set_marker(&mut self, marker: bool) {
        let b = &mut self.buf.as_mut()[1];
        *b = (*b & 0x7f) | if marker { 0x80 } else { 0 };
    }

    pub fn set_payload_type(&mut self, pt: u8) {
        let b = &mut self.buf.as_mut()[1];
        *b = (*b & 0x80) | (pt & 0x7f);
    }

    pub fn set_sequence(&mut self, seq: u16) {
        self.buf.as_mut()[2..4].copy_from_slice(&seq.to_be_bytes());
    }

    pub fn set_timestamp(&mut self, ts: u32) {
        self.buf.as_mut()[4..8].copy_from_slice(&ts.to_be_bytes());
    }

    pub fn set_ssrc(&mut self, ssrc: u32) {
        self.buf.as_mut()[8..12].copy_from_slice(&ssrc.to_be_bytes());
    }

    pub fn payload_mut(&mut self) -> &mut [u8] {
        let range = self.payload.clone();
        &mut self.buf.as_mut()[range]
    }
}

/// The fixed header of a packet the switch originates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    pub marker: bool,
    pub payload_type: u8,
    pub sequence: u16,
    pub timestamp: u32,
    pub ssrc: u32,
}

impl Header {
    /// Writes the 12-byte header (no CSRC, extension or padding) at the
    /// start of `buf`, which must hold at least [`HEADER_LEN`] bytes.
    pub fn write(&self, buf: &mut [u8]) {
        buf[0] = VERSION << 6;
        buf[1] = (self.payload_type & 0x7f) | if self.marker { 0x80 } else { 0 };
        buf[2..4].copy_from_slice(&self.sequence.to_be_bytes());
        buf[4..8].copy_from_slice(&self.timestamp.to_be_bytes());
        buf[8..12].copy_from_slice(&self.ssrc.to_be_bytes());
    }
}

/// RFC 5761 §4: on a port shared by RTP and RTCP, a second octet of
/// 192-223 (RTCP packet types 64-95 seen with the marker bit) is RTCP.
pub fn is_rtcp(buf: &[u8]) -> bool {
    buf.len() >= 8 && buf[0] >> 6 == VERSION && (192..=223).contains(&buf[1])
}

pub mod rtcp;

pub use rtcp::{
    ReceiverReport, ReportBlock, Rtcp, RtcpError, RtcpPacket, SenderInfo, SenderReport, write_rr,
    write_sdes_cname, write_sr,
};

pub(crate) fn be32(b: &[u8]) -> u32 {
    u32::from_be_bytes([b[0], b[1], b[2], b[3]])
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn packet(first: u8, rest: &[u8]) -> Vec<u8> {
        let mut p = vec![
            first,
            0x80 | 8,
            0x12,
            0x34,
            0,
            0,
            0x03,
            0x20,
            0xde,
            0xad,
            0xbe,
            0xef,
        ];
        p.extend_from_slice(rest);
        p
    }

    #[test]
    fn fixed_header_fields_are_read() {
        let p = packet(0x80, &[1, 2, 3]);
        let rtp = Rtp::parse(&p[..]).unwrap();
        assert_eq!(rtp.version(), 2);
        assert!(rtp.marker());
        assert_eq!(rtp.payload_type(), 8);
        assert_eq!(rtp.sequence(), 0x1234);
        assert_eq!(rtp.timestamp(), 800);
        assert_eq!(rtp.ssrc(), 0xdeadbeef);
        assert_eq!(rtp.payload(), &[1, 2, 3]);
    }

    #[test]
    fn payload_skips_csrcs_and_extension_and_stops_before_padding() {
        // Two CSRCs, a one-word extension, payload [9, 9], two bytes of padding.
        let rest = [
            0, 0, 0, 1, 0, 0, 0, 2, 0xbe, 0xde, 0, 1, 7, 7, 7, 7, 9, 9, 0, 2,
        ];
        let p = packet(0x80 | 0x20 | 0x10 | 2, &rest);
        let rtp = Rtp::parse(&p[..]).unwrap();
        assert_eq!(rtp.csrcs().collect::<Vec<_>>(), [1, 2]);
        assert_eq!(rtp.extension_data(), Some((0xbede, &[7u8, 7, 7, 7][..])));
        assert_eq!(rtp.payload(), &[9, 9]);
    }

    #[test]
    fn malformed_headers_are_errors() {
        assert_eq!(
            Rtp::parse(&[0x80u8; 11][..]).unwrap_err(),
            RtpError::TooShort(11)
        );
        assert_eq!(
            Rtp::parse(&packet(0x40, &[])[..]).unwrap_err(),
            RtpError::Version(1)
        );
        assert_eq!(
            Rtp::parse(&packet(0x81, &[0, 0])[..]).unwrap_err(),
            RtpError::Truncated
        );
        let ext = packet(0x90, &[0xbe, 0xde, 0, 2, 0, 0, 0, 0]);
        assert_eq!(Rtp::parse(&ext[..]).unwrap_err(), RtpError::Truncated);
        assert_eq!(
            Rtp::parse(&packet(0xa0, &[1, 5])[..]).unwrap_err(),
            RtpError::Padding(5)
        );
        assert_eq!(
            Rtp::parse(&packet(0xa0, &[1, 0])[..]).unwrap_err(),
            RtpError::Padding(0)
        );
    }

    #[test]
    fn setters_rewrite_in_place_and_keep_the_marker() {
        let mut p = packet(0x80, &[1, 2]);
        let mut rtp = Rtp::parse(&mut p[..]).unwrap();
        rtp.set_payload_type(0);
        rtp.set_sequence(7);
        rtp.set_timestamp(0x01020304);
        rtp.set_ssrc(42);
        rtp.payload_mut()[0] = 0xff;
        assert!(rtp.marker());
        rtp.set_marker(false);
        let rtp = Rtp::parse(&p[..]).unwrap();
        assert_eq!(
            (
                rtp.marker(),
                rtp.payload_type(),
                rtp.sequence(),
                rtp.timestamp(),
                rtp.ssrc()
            ),
            (false, 0, 7, 0x01020304, 42)
        );
        assert_eq!(rtp.payload(), &[0xff, 2]);
    }

    #[test]
    fn written_header_parses_back() {
        let h = Header {
            marker: true,
            payload_type: 101,
            sequence: 65535,
            timestamp: 1,
            ssrc: 9,
        };
        let mut buf = [0u8; 14];
        h.write(&mut buf);
        let rtp = Rtp::parse(&buf[..]).unwrap();
        assert_eq!(rtp.payload_type(), 101);
        assert_eq!(rtp.sequence(), 65535);
        assert_eq!(rtp.payload().len(), 2);
    }

    #[test]
    fn rtcp_is_told_from_rtp_by_its_second_octet() {
        assert!(is_rtcp(&[0x80, 200, 0, 6, 0, 0, 0, 1]));
        assert!(is_rtcp(&[0x81, 201, 0, 7, 0, 0, 0, 1]));
        assert!(!is_rtcp(&packet(0x80, &[])));
        assert!(!is_rtcp(&[0x80, 0, 0, 0, 0, 0, 0, 0]));
        assert!(!is_rtcp(&[0x80, 200]));
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..80)) {
            if let Ok(rtp) = Rtp::parse(&bytes[..]) {
                let _ = (rtp.csrcs().count(), rtp.extension_data(), rtp.payload().len());
                prop_assert!(rtp.payload_range().end <= bytes.len());
            }
            let _ = is_rtcp(&bytes);
            for packet in Rtcp::new(&bytes) {
                let Ok(packet) = packet else { break };
                if let Some(sr) = packet.sender_report() {
                    let _ = sr.reports().count();
                }
                if let Some(rr) = packet.receiver_report() {
                    let _ = rr.reports().count();
                }
            }
        }

        #[test]
        fn rewritten_fields_read_back(pt in 0u8..128, seq: u16, ts: u32, ssrc: u32) {
            let mut p = packet(0x80, &[0; 160]);
            let mut rtp = Rtp::parse(&mut p[..]).unwrap();
            rtp.set_payload_type(pt);
            rtp.set_sequence(seq);
            rtp.set_timestamp(ts);
            rtp.set_ssrc(ssrc);
            let rtp = Rtp::parse(&p[..]).unwrap();
            prop_assert_eq!((rtp.payload_type(), rtp.sequence(), rtp.timestamp(), rtp.ssrc()), (pt, seq, ts, ssrc));
        }
    }
}
