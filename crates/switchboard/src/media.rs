//! The media relay behind the call engine: `switch::media::Media` seen
//! through the engine's `MediaPlane`.

use std::sync::Arc;
use std::time::Duration;

use media::prompt::Playlist;
use media::tone::Tone;
use switch::calls::{Announcement, LegMedia, MediaPlane, MediaPorts, Side};
use switch::media::{Codec, Latching, Leg, LegParams, Media, MediaConfig, MediaEvent};
use switch::voicemail::Clip;
use switch::voicemail::sounds::Sounds;
use tokio::sync::mpsc::UnboundedReceiver;

use crate::config::Config;

/// A call whose legs sent nothing for this long is hung up.
const RTP_TIMEOUT: Duration = Duration::from_secs(60);

struct Relay(Media, Arc<Sounds>);

/// "Press 1", a pause, three times (the caller waits
/// `switch::calls::KEY_PRESS_WAIT` for the key). Beeps when the prompts
/// are not installed.
fn press_one(sounds: &Sounds, language: domain::Language) -> Playlist {
    let installed = ["vm-press", "digits/1"]
        .iter()
        .all(|name| sounds.prompt(language, name).is_some());
    let mut clips = Vec::new();
    for _ in 0..3 {
        if installed {
            clips.push(Clip::prompt("vm-press"));
            clips.push(Clip::prompt("digits/1"));
        } else {
            clips.push(Clip::Beep);
        }
        clips.push(Clip::Silence(Duration::from_millis(1500)));
    }
    sounds.render(language, &clips).0
}

impl MediaPlane for Relay {
    fn allocate(&mut self) -> std::io::Result<MediaPorts> {
        // Phones behind NAT write private addresses in their SDP: the relay
        // answers whatever address the leg's media really comes from.
        let s = self.0.allocate_with(Latching::Any)?;
        Ok(MediaPorts {
            id: s.id,
            addr: s.advertise,
            a_port: s.a_port,
            b_port: s.b_port,
        })
    }

    fn update(&mut self, id: u64, side: Side, leg: LegMedia) {
        let codec = match leg.format.codec {
            media::sdp::Codec::Pcmu => Codec::Pcmu,
            media::sdp::Codec::Pcma => Codec::Pcma,
            media::sdp::Codec::Opus => Codec::Opus,
            media::sdp::Codec::TelephoneEvent => Codec::Other,
        };
        self.0.update(
            id,
            leg_of(side),
            LegParams {
                remote: leg.remote,
                pt: leg.format.pt,
                codec,
                telephone_event: leg.telephone_event,
                send: leg.send,
                recv: leg.recv,
            },
        );
    }

    fn release(&mut self, id: u64) {
        self.0.release(id);
    }

    fn announce(&mut self, id: u64, side: Side, what: Announcement) {
        let source = match what {
            Announcement::PressOne(language) => press_one(&self.1, language),
            Announcement::Ringback => {
                let mut list = Playlist::new();
                list.push(Tone::ringback_fr().duration(Duration::from_secs(180)));
                list
            }
        };
        self.0.play(id, leg_of(side), Box::new(source));
    }

    fn silence(&mut self, id: u64, side: Side) {
        self.0
            .play(id, leg_of(side), Box::new(Tone::silence(Duration::ZERO)));
    }

    fn play(&mut self, id: u64, side: Side, source: Box<dyn media::Source + Send>) {
        self.0.play(id, leg_of(side), source);
    }

    fn record(&mut self, id: u64, side: Side, sink: Option<Box<dyn media::Sink + Send>>) {
        self.0.record(id, leg_of(side), sink);
    }
}

fn leg_of(side: Side) -> Leg {
    match side {
        Side::A => Leg::A,
        Side::B => Leg::B,
    }
}

/// Starts the relay's threads on the configured address and port range;
/// its announcements come from `sounds`.
pub fn start(
    config: &Config,
    sounds: Arc<Sounds>,
) -> anyhow::Result<(Box<dyn MediaPlane>, UnboundedReceiver<MediaEvent>)> {
    let (media, events) = Media::start(MediaConfig {
        bind: config.media_address,
        advertise: config.media_address,
        port_min: config.rtp_ports.0,
        port_max: config.rtp_ports.1,
        workers: config.media_workers,
        rtp_timeout: RTP_TIMEOUT,
    })
    .map_err(|e| anyhow::anyhow!("cannot start the media relay (media_address, rtp_ports): {e}"))?;
    Ok((Box::new(Relay(media, sounds)), events))
}
