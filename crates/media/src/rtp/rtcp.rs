//! RTCP (RFC 3550 §6): the walk over a compound packet, sender and
//! receiver reports, and the writers for the reports of a terminated stream.

use thiserror::Error;

use super::{VERSION, be32};

/// Packet type of a sender report.
pub const SR: u8 = 200;
/// Packet type of a receiver report.
pub const RR: u8 = 201;
/// Packet type of source description.
pub const SDES: u8 = 202;
/// Packet type of goodbye.
pub const BYE: u8 = 203;

const HEADER: usize = 4;
const SENDER_INFO: usize = 20;
const BLOCK: usize = 24;

/// Why bytes are not a valid RTCP packet, or a report does not fit.
#[derive(Debug, Error, Clone, Copy, PartialEq, Eq)]
pub enum RtcpError {
    /// Fewer than the 4 bytes of a header left.
    #[error("RTCP packet of {0} bytes is shorter than its 4-byte header")]
    TooShort(usize),
    /// The version field is not 2.
    #[error("RTCP version {0}, expected 2")]
    Version(u8),
    /// The length field points past the end of the compound packet.
    #[error("RTCP length of {declared} bytes, only {left} left")]
    Length { declared: usize, left: usize },
    /// The output buffer cannot hold the packet being written.
    #[error("RTCP packet of {0} bytes does not fit the buffer")]
    NoRoom(usize),
    /// More than 31 report blocks, or an SDES text over 255 bytes.
    #[error("too many report blocks or too long a text for one RTCP packet")]
    TooMany,
}

/// A compound RTCP packet: iterate it to get its packets in order. The walk
/// stops after the first error.
#[derive(Debug, Clone)]
pub struct Rtcp<'a> {
    rest: &'a [u8],
}

impl<'a> Rtcp<'a> {
    pub fn new(buf: &'a [u8]) -> Self {
        Self { rest: buf }
    }
}

impl<'a> Iterator for Rtcp<'a> {
    type Item = Result<RtcpPacket<'a>, RtcpError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.rest.is_empty() {
            return None;
        }
        let b = self.rest;
        let result = RtcpPacket::parse(b);
        self.rest = match &result {
            Ok(p) => &b[p.buf.len()..],
            Err(_) => &[],
        };
        Some(result)
    }
}

/// One packet of a compound RTCP packet.
#[derive(Debug, Clone, Copy)]
pub struct RtcpPacket<'a> {
    buf: &'a [u8],
}

impl<'a> RtcpPacket<'a> {
    fn parse(b: &'a [u8]) -> Result<Self, RtcpError> {
        if b.len() < HEADER {
            return Err(RtcpError::TooShort(b.len()));
        }
        if b[0] >> 6 != VERSION {
            return Err(RtcpError::Version(b[0] >> 6));
        }
        let declared = 4 * (usize::from(u16::from_be_bytes([b[2], b[3]])) + 1);
        if declared > b.len() {
            return Err(RtcpError::Length {
                declared,
                left: b.len(),
            });
        }
        Ok(Self {
            buf: &b[..declared],
        })
    }

    pub fn packet_type(&self) -> u8 {
        self.buf[1]
    }

    /// The 5-bit count field: report blocks in SR/RR, chunks in SDES.
    pub fn count(&self) -> u8 {
        self.buf[0] & 0x1f
    }

    /// The whole packet, header included.
    pub fn bytes(&self) -> &'a [u8] {
        self.buf
    }

    /// The first SSRC after the header (the sender's in SR, RR and SDES).
    pub fn ssrc(&self) -> Option<u32> {
        self.buf.get(4..8).map(be32)
    }

    pub fn sender_report(&self) -> Option<SenderReport<'a>> {
        if self.packet_type() != SR || self.buf.len() < HEADER + 4 + SENDER_INFO {
            return None;
        }
        let b = self.buf;
        Some(SenderReport {
            ssrc: be32(&b[4..8]),
            info: SenderInfo {
                ntp: u64::from(be32(&b[8..12])) << 32 | u64::from(be32(&b[12..16])),
                rtp_timestamp: be32(&b[16..20]),
                packets: be32(&b[20..24]),
                octets: be32(&b[24..28]),
            },
            blocks: blocks(&b[28..], self.count()),
        })
    }

    pub fn receiver_report(&self) -> Option<ReceiverReport<'a>> {
        if self.packet_type() != RR || self.buf.len() < HEADER + 4 {
            return None;
        }
        Some(ReceiverReport {
            ssrc: be32(&self.buf[4..8]),
            blocks: blocks(&self.buf[8..], self.count()),
        })
    }
}

fn blocks(b: &[u8], count: u8) -> &[u8] {
    &b[..(usize::from(count) * BLOCK).min(b.len() / BLOCK * BLOCK)]
}

/// What a sender says about what it sent (RFC 3550 §6.4.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SenderInfo {
    /// NTP timestamp, 32.32 fixed point.
    pub ntp: u64,
    pub rtp_timestamp: u32,
    pub packets: u32,
    pub octets: u32,
}

/// One reception report block (RFC 3550 §6.4.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ReportBlock {
    pub ssrc: u32,
    pub fraction_lost: u8,
    /// Cumulative packets lost, a signed 24-bit count.
    pub cumulative_lost: i32,
    pub highest_sequence: u32,
    pub jitter: u32,
    pub last_sr: u32,
    pub delay_since_last_sr: u32,
}

impl ReportBlock {
    fn read(b: &[u8]) -> Self {
        let lost = i32::from_be_bytes([b[5], b[6], b[7], 0]) >> 8;
        Self {
            ssrc: be32(&b[0..4]),
            fraction_lost: b[4],
            cumulative_lost: lost,
            highest_sequence: be32(&b[8..12]),
            jitter: be32(&b[12..16]),
            last_sr: be32(&b[16..20]),
            delay_since_last_sr: be32(&b[20..24]),
        }
    }

    fn write(&self, b: &mut [u8]) {
        b[0..4].copy_from_slice(&self.ssrc.to_be_bytes());
        b[4] = self.fraction_lost;
        b[5..8].copy_from_slice(&self.cumulative_lost.to_be_bytes()[1..4]);
        b[8..12].copy_from_slice(&self.highest_sequence.to_be_bytes());
        b[12..16].copy_from_slice(&self.jitter.to_be_bytes());
        b[16..20].copy_from_slice(&self.last_sr.to_be_bytes());
        b[20..24].copy_from_slice(&self.delay_since_last_sr.to_be_bytes());
    }
}

/// A sender report.
#[derive(Debug, Clone, Copy)]
pub struct SenderReport<'a> {
    pub ssrc: u32,
    pub info: SenderInfo,
    blocks: &'a [u8],
}

impl<'a> SenderReport<'a> {
    pub fn reports(&self) -> impl Iterator<Item = ReportBlock> + 'a {
        self.blocks.chunks_exact(BLOCK).map(ReportBlock::read)
    }
}

/// A receiver report.
#[derive(Debug, Clone, Copy)]
pub struct ReceiverReport<'a> {
    pub ssrc: u32,
    blocks: &'a [u8],
}

impl<'a> ReceiverReport<'a> {
    pub fn reports(&self) -> impl Iterator<Item = ReportBlock> + 'a {
        self.blocks.chunks_exact(BLOCK).map(ReportBlock::read)
    }
}

/// Writes a sender report at the start of `buf`; returns its length.
pub fn write_sr(
    buf: &mut [u8],
    ssrc: u32,
    info: &SenderInfo,
    reports: &[ReportBlock],
) -> Result<usize, RtcpError> {
    let len = HEADER + 4 + SENDER_INFO + BLOCK * reports.len();
    let b = header(buf, SR, reports.len(), len)?;
    b[4..8].copy_from_slice(&ssrc.to_be_bytes());
    b[8..16].copy_from_slice(&info.ntp.to_be_bytes());
    b[16..20].copy_from_slice(&info.rtp_timestamp.to_be_bytes());
    b[20..24].copy_from_slice(&info.packets.to_be_bytes());
    b[24..28].copy_from_slice(&info.octets.to_be_bytes());
    for (r, out) in reports.iter().zip(b[28..].chunks_exact_mut(BLOCK)) {
        r.write(out);
    }
    Ok(len)
}

/// Writes a receiver report at the start of `buf`; returns its length.
pub fn write_rr(buf: &mut [u8], ssrc: u32, reports: &[ReportBlock]) -> Result<usize, RtcpError> {
    let len = HEADER + 4 + BLOCK * reports.len();
    let b = header(buf, RR, reports.len(), len)?;
    b[4..8].copy_from_slice(&ssrc.to_be_bytes());
    for (r, out) in reports.iter().zip(b[8..].chunks_exact_mut(BLOCK)) {
        r.write(out);
    }
    Ok(len)
}

/// Writes an SDES packet with one chunk holding the CNAME, which RFC 3550
/// §6.1 requires in every compound packet after the SR or RR.
pub fn write_sdes_cname(buf: &mut [u8], ssrc: u32, cname: &[u8]) -> Result<usize, RtcpError> {
    if cname.len() > 255 {
        return Err(RtcpError::TooMany);
    }
    // SSRC, CNAME item (type, length, text), then at least one null octet
    // ending the item list, padded to a 32-bit boundary.
    let len = (HEADER + 4 + 2 + cname.len() + 1).next_multiple_of(4);
    let b = header(buf, SDES, 1, len)?;
    b[4..8].copy_from_slice(&ssrc.to_be_bytes());
    b[8] = 1;
    b[9] = cname.len() as u8;
    b[10..10 + cname.len()].copy_from_slice(cname);
    b[10 + cname.len()..len].fill(0);
    Ok(len)
}

fn header(buf: &mut [u8], pt: u8, count: usize, len: usize) -> Result<&mut [u8], RtcpError> {
    if count > 31 {
        return Err(RtcpError::TooMany);
    }
    let b = buf.get_mut(..len).ok_or(RtcpError::NoRoom(len))?;
    b[0] = VERSION << 6 | count as u8;
    b[1] = pt;
    b[2..4].copy_from_slice(&((len / 4 - 1) as u16).to_be_bytes());
    Ok(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block(ssrc: u32, lost: i32) -> ReportBlock {
        ReportBlock {
            ssrc,
            fraction_lost: 3,
            cumulative_lost: lost,
            highest_sequence: 70000,
            jitter: 12,
            last_sr: 0xabcd,
            delay_since_last_sr: 65536,
        }
    }

    #[test]
    fn compound_sr_and_sdes_walk_back() {
        let mut buf = [0u8; 200];
        let info = SenderInfo {
            ntp: 0x0102030405060708,
            rtp_timestamp: 160,
            packets: 5,
            octets: 800,
        };
        let n = write_sr(&mut buf, 7, &info, &[block(9, -2)]).unwrap();
        let m = write_sdes_cname(&mut buf[n..], 7, b"switchboard").unwrap();
        let packets: Vec<_> = Rtcp::new(&buf[..n + m]).collect::<Result<_, _>>().unwrap();
        assert_eq!(packets.len(), 2);
        let sr = packets[0].sender_report().unwrap();
        assert_eq!((sr.ssrc, sr.info), (7, info));
        assert_eq!(sr.reports().collect::<Vec<_>>(), [block(9, -2)]);
        assert_eq!(packets[1].packet_type(), SDES);
        assert_eq!(packets[1].ssrc(), Some(7));
        assert_eq!(m % 4, 0);
        assert!(super::super::is_rtcp(&buf[..n]));
    }

    #[test]
    fn receiver_report_round_trips() {
        let mut buf = [0u8; 64];
        let n = write_rr(&mut buf, 1, &[block(2, 100), block(3, 0)]).unwrap();
        let p = Rtcp::new(&buf[..n]).next().unwrap().unwrap();
        let rr = p.receiver_report().unwrap();
        assert_eq!(rr.ssrc, 1);
        assert_eq!(
            rr.reports().collect::<Vec<_>>(),
            [block(2, 100), block(3, 0)]
        );
        assert!(p.sender_report().is_none());
    }

    #[test]
    fn a_length_past_the_end_stops_the_walk() {
        let bytes = [0x80, RR, 0, 1, 0, 0, 0, 1, 0x80, SR, 0, 9, 0, 0, 0, 1];
        let mut walk = Rtcp::new(&bytes);
        assert!(walk.next().unwrap().is_ok());
        assert_eq!(
            walk.next().unwrap().unwrap_err(),
            RtcpError::Length {
                declared: 40,
                left: 8
            }
        );
        assert!(walk.next().is_none());
    }

    #[test]
    fn a_report_count_beyond_the_packet_is_cut_to_what_is_there() {
        // RR claiming 3 blocks but carrying none.
        let bytes = [0x83, RR, 0, 1, 0, 0, 0, 1];
        let p = Rtcp::new(&bytes).next().unwrap().unwrap();
        assert_eq!(p.receiver_report().unwrap().reports().count(), 0);
    }

    #[test]
    fn writers_refuse_a_small_buffer() {
        assert_eq!(
            write_rr(&mut [0u8; 8], 1, &[block(2, 0)]),
            Err(RtcpError::NoRoom(32))
        );
    }
}
