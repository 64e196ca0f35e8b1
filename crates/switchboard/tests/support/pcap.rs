//! RTP captures for sipp's `play_pcap_audio`: a G.711 µ-law tone written as
//! a pcap file (Ethernet, IPv4, UDP, RTP), 20 ms per packet.

use std::path::PathBuf;

/// A pcap of `seconds` of a `hz` sine in µ-law RTP (payload type 0), made
/// once per tone at a fixed path that scenarios name.
pub fn tone_pcap(hz: u32, seconds: u32) -> PathBuf {
    // A fixed folder: the sipp scenarios name the file.
    let path = PathBuf::from("/tmp").join(format!("switchboard-tone-{hz}hz-{seconds}s.pcap"));
    if path.exists() {
        return path;
    }
    let mut out = Vec::new();
    // Global header: magic, v2.4, zone, sigfigs, snaplen, Ethernet.
    out.extend_from_slice(&0xa1b2_c3d4u32.to_le_bytes());
    out.extend_from_slice(&2u16.to_le_bytes());
    out.extend_from_slice(&4u16.to_le_bytes());
    out.extend_from_slice(&0u32.to_le_bytes());
    out.extend_from_slice(&0u32.to_le_bytes());
    out.extend_from_slice(&65_535u32.to_le_bytes());
    out.extend_from_slice(&1u32.to_le_bytes());
    let packets = seconds * 50;
    for n in 0..packets {
        let mut rtp = vec![0x80, 0x00];
        rtp.extend_from_slice(&(n as u16).to_be_bytes());
        rtp.extend_from_slice(&(n * 160).to_be_bytes());
        rtp.extend_from_slice(&0x5eed_1234u32.to_be_bytes());
        for i in 0..160 {
            let t = f64::from(n * 160 + i) / 8000.0;
            let s = (std::f64::consts::TAU * f64::from(hz) * t).sin() * 8000.0;
            rtp.push(media::g711::linear_to_ulaw(s as i16));
        }
        let udp_len = 8 + rtp.len();
        let ip_len = 20 + udp_len;
        let mut frame = vec![0u8; 12];
        frame.extend_from_slice(&[0x08, 0x00]);
        frame.extend_from_slice(&[0x45, 0x00]);
        frame.extend_from_slice(&(ip_len as u16).to_be_bytes());
        frame.extend_from_slice(&[0, 0, 0x40, 0, 64, 17, 0, 0]);
        frame.extend_from_slice(&[127, 0, 0, 1, 127, 0, 0, 1]);
        frame.extend_from_slice(&6000u16.to_be_bytes());
        frame.extend_from_slice(&6002u16.to_be_bytes());
        frame.extend_from_slice(&(udp_len as u16).to_be_bytes());
        frame.extend_from_slice(&[0, 0]);
        frame.extend_from_slice(&rtp);
        let micros = u64::from(n) * 20_000;
        out.extend_from_slice(&((micros / 1_000_000) as u32).to_le_bytes());
        out.extend_from_slice(&((micros % 1_000_000) as u32).to_le_bytes());
        out.extend_from_slice(&(frame.len() as u32).to_le_bytes());
        out.extend_from_slice(&(frame.len() as u32).to_le_bytes());
        out.extend_from_slice(&frame);
    }
    // Tests of one binary may write it at once: each its own part file,
    // renamed in place (the contents are the same).
    let partial = path.with_extension(format!(
        "{}-{:?}.part",
        std::process::id(),
        std::thread::current().id()
    ));
    std::fs::write(&partial, out).unwrap();
    std::fs::rename(&partial, &path).unwrap();
    path
}
