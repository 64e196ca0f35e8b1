//! A real softphone for end-to-end tests: baresip driven through its
//! console, sending a tone from a WAV file and recording what it hears.
//!
//! Debian's baresip 1.0.0 has `aufile` as an audio source only (a player
//! came in later versions), so the received audio is recorded by the
//! `sndfile` filter (`snd_path`, one `dump-*-dec.wav` per call) and played
//! to ALSA's `null` device.

use std::io::{Read, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::{Server, run_ok};

pub const RATE: u32 = 8000;

/// A running baresip with its own configuration folder, driven through
/// its standard input (stdio and menu modules); killed on drop.
pub struct Baresip {
    child: Child,
    stdin: ChildStdin,
    output: Arc<Mutex<String>>,
    home: tempfile::TempDir,
}

impl Baresip {
    /// Starts baresip signed in to `server` as `devNNN` (password
    /// `sippassNNN`) over `transport`, sending `tone_hz` as its microphone
    /// and offering only `codec` (e.g. `PCMA/8000`) when given.
    pub fn start(
        server: &Server,
        device: &str,
        tone_hz: f64,
        answer: &str,
        transport: &str,
        codec: Option<&str>,
    ) -> Baresip {
        let password = format!("sippass{}", device.trim_start_matches("dev"));
        let codecs = codec
            .map(|c| format!(";audio_codecs={c}"))
            .unwrap_or_default();
        let account = format!(
            "<sip:{device}@{};transport={transport}>;auth_pass={password};regint=600;answermode={answer}{codecs}\n",
            server.sip
        );
        Self::spawn("127.0.0.1:0", &account, tone_hz)
    }

    /// Starts baresip as a carrier's equipment: listening on `port`, not
    /// registering anywhere, answering calls at once, sending `tone_hz`;
    /// its calls come from `number`.
    pub fn carrier(port: u16, number: &str, tone_hz: f64) -> Baresip {
        let account = format!("<sip:{number}@127.0.0.1>;regint=0;answermode=auto\n");
        Self::spawn(&format!("127.0.0.1:{port}"), &account, tone_hz)
    }

    fn spawn(listen: &str, account: &str, tone_hz: f64) -> Baresip {
        let home = tempfile::tempdir().unwrap();
        let tone = home.path().join("tone.wav");
        std::fs::write(&tone, tone_wav(tone_hz, 20.0)).unwrap();
        let rec = home.path().join("rec");
        std::fs::create_dir(&rec).unwrap();
        // net_interface keeps SIP and SDP on loopback, whatever other
        // interfaces the machine has.
        let config = format!(
            "poll_method epoll\nsip_listen {listen}\nnet_interface 127.0.0.1\n\
             module_path /usr/lib/baresip/modules\n\
             module stdio.so\nmodule menu.so\nmodule g711.so\nmodule account.so\n\
             module aufile.so\nmodule sndfile.so\nmodule alsa.so\n\
             audio_source aufile,{}\naudio_player alsa,null\naudio_alert alsa,null\n\
             snd_path {}\n",
            tone.display(),
            rec.display()
        );
        std::fs::write(home.path().join("config"), config).unwrap();
        std::fs::write(home.path().join("accounts"), account).unwrap();
        let mut child = Command::new("baresip")
            .args(["-f", home.path().to_str().unwrap(), "-t", "40"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("baresip runs (ensure-packages.sh installs it)");
        let stdin = child.stdin.take().expect("stdin is piped");
        let output = Arc::new(Mutex::new(String::new()));
        for mut stream in [
            Box::new(child.stdout.take().unwrap()) as Box<dyn Read + Send>,
            Box::new(child.stderr.take().unwrap()),
        ] {
            let output = Arc::clone(&output);
            std::thread::spawn(move || {
                let mut buf = [0u8; 4096];
                while let Ok(n @ 1..) = stream.read(&mut buf) {
                    output
                        .lock()
                        .unwrap()
                        .push_str(&String::from_utf8_lossy(&buf[..n]));
                }
            });
        }
        Baresip {
            child,
            stdin,
            output,
            home,
        }
    }

    /// Types a command as at baresip's console.
    pub fn command(&mut self, line: &str) {
        writeln!(self.stdin, "{line}").unwrap();
        self.stdin.flush().unwrap();
    }

    /// Waits (at most `seconds`) until baresip has printed `text`.
    pub fn wait_for(&self, text: &str, seconds: u64) {
        let start = Instant::now();
        while !self.output.lock().unwrap().contains(text) {
            assert!(
                start.elapsed() < Duration::from_secs(seconds),
                "baresip did not print {text:?}:\n{}",
                self.output.lock().unwrap()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Quits and returns the samples of what it heard.
    pub fn quit(mut self) -> Vec<i16> {
        self.command("/quit");
        let start = Instant::now();
        while self.child.try_wait().unwrap().is_none() {
            assert!(start.elapsed() < Duration::from_secs(10), "baresip quits");
            std::thread::sleep(Duration::from_millis(50));
        }
        let heard = std::fs::read_dir(self.home.path().join("rec"))
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .find(|p| p.to_string_lossy().ends_with("-dec.wav"))
            .unwrap_or_else(|| {
                panic!(
                    "sndfile recorded the received audio:\n{}",
                    self.output.lock().unwrap()
                )
            });
        wav_samples(&heard)
    }
}

impl Drop for Baresip {
    fn drop(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
    }
}

/// A WAV file (8 kHz, mono, 16-bit PCM) of a sine at `hz`, at a third of
/// full scale.
pub fn tone_wav(hz: f64, seconds: f64) -> Vec<u8> {
    let n = (f64::from(RATE) * seconds) as u32;
    let mut out = Vec::with_capacity(44 + 2 * n as usize);
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&(36 + 2 * n).to_le_bytes());
    out.extend_from_slice(b"WAVEfmt ");
    out.extend_from_slice(&16u32.to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes()); // PCM
    out.extend_from_slice(&1u16.to_le_bytes()); // mono
    out.extend_from_slice(&RATE.to_le_bytes());
    out.extend_from_slice(&(RATE * 2).to_le_bytes()); // bytes per second
    out.extend_from_slice(&2u16.to_le_bytes()); // block align
    out.extend_from_slice(&16u16.to_le_bytes()); // bits per sample
    out.extend_from_slice(b"data");
    out.extend_from_slice(&(2 * n).to_le_bytes());
    for i in 0..n {
        let t = f64::from(i) / f64::from(RATE);
        let s = (std::f64::consts::TAU * hz * t).sin() * 10_000.0;
        out.extend_from_slice(&(s as i16).to_le_bytes());
    }
    out
}

/// The samples of a 16-bit PCM WAV file, whatever chunks precede `data`.
pub fn wav_samples(path: &Path) -> Vec<i16> {
    let bytes = std::fs::read(path).unwrap();
    assert!(
        bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WAVE",
        "{} is a WAV file",
        path.display()
    );
    let mut at = 12;
    while at + 8 <= bytes.len() {
        let id = &bytes[at..at + 4];
        let len = u32::from_le_bytes(bytes[at + 4..at + 8].try_into().unwrap()) as usize;
        let body = &bytes[at + 8..(at + 8 + len).min(bytes.len())];
        if id == b"fmt " {
            let bits = u16::from_le_bytes([body[14], body[15]]);
            let rate = u32::from_le_bytes(body[4..8].try_into().unwrap());
            assert_eq!((bits, rate), (16, RATE), "16-bit 8 kHz recording");
        }
        if id == b"data" {
            return body
                .chunks_exact(2)
                .map(|c| i16::from_le_bytes([c[0], c[1]]))
                .collect();
        }
        at += 8 + len + (len & 1);
    }
    panic!("no data chunk in {}", path.display());
}

/// Power of `samples` at `hz` (Goertzel), normalised by length.
pub fn power_at(samples: &[i16], hz: f64) -> f64 {
    let coeff = 2.0 * (std::f64::consts::TAU * hz / f64::from(RATE)).cos();
    let (mut s1, mut s2) = (0.0, 0.0);
    for &x in samples {
        let s0 = f64::from(x) + coeff * s1 - s2;
        s2 = s1;
        s1 = s0;
    }
    (s1 * s1 + s2 * s2 - coeff * s1 * s2) / (samples.len() as f64).powi(2)
}

pub fn rms(samples: &[i16]) -> f64 {
    let sum: f64 = samples.iter().map(|&x| f64::from(x).powi(2)).sum();
    (sum / samples.len() as f64).sqrt()
}

/// Checks that a recording holds at least `min_seconds` of the tone at
/// `expect_hz`, at least ten times stronger than `other_hz`.
pub fn assert_hears(who: &str, samples: &[i16], expect_hz: f64, other_hz: f64, min_seconds: f64) {
    // Half a second in, past the jitter buffer filling up.
    let skip = (RATE / 2) as usize;
    assert!(
        samples.len() as f64 >= (min_seconds + 0.5) * f64::from(RATE),
        "{who} recorded {} samples",
        samples.len()
    );
    let heard = &samples[skip..];
    let level = rms(heard);
    let wanted = power_at(heard, expect_hz);
    let own = power_at(heard, other_hz);
    assert!(level > 1000.0, "{who} hears silence: RMS {level:.0}");
    assert!(
        wanted > 10.0 * own,
        "{who} hears {expect_hz} Hz at {wanted:.0} and {other_hz} Hz at {own:.0}"
    );
}

/// Whether `device` of the seeded account is registered, as the command
/// line lists it.
pub fn registered(data: &Path, device: &str) -> bool {
    run_ok(data, &["devices", "list", "--account", "+33199000200"])
        .lines()
        .any(|l| l.starts_with(&format!("{device}\t")) && l.contains("registered (1)"))
}
