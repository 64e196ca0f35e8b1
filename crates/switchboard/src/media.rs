//! The media relay behind the call engine.

use switch::calls::{LegMedia, MediaPlane, MediaPorts, Side};

use crate::config::Config;

/// Placeholder until the relay lands: hands out port numbers without
/// binding them, so signalling can be exercised.
struct PortsOnly {
    addr: std::net::IpAddr,
    next: u16,
    range: (u16, u16),
}

impl MediaPlane for PortsOnly {
    fn allocate(&mut self) -> std::io::Result<MediaPorts> {
        let a = self.next;
        self.next = if a + 4 > self.range.1 {
            self.range.0
        } else {
            a + 4
        };
        Ok(MediaPorts {
            id: u64::from(a),
            addr: self.addr,
            a_port: a,
            b_port: a + 2,
        })
    }
    fn update(&mut self, _id: u64, _side: Side, _leg: LegMedia) {}
    fn release(&mut self, _id: u64) {}
}

pub fn start(config: &Config) -> anyhow::Result<Box<dyn MediaPlane>> {
    Ok(Box::new(PortsOnly {
        addr: config.media_address,
        next: config.rtp_ports.0 & !1,
        range: config.rtp_ports,
    }))
}
