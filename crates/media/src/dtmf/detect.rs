//! In-band DTMF detection with Goertzel filters, for phones and trunks
//! that neither send telephone-events nor SIP INFO.
//!
//! The audio is cut into blocks of 102 samples (12.75 ms, the block length
//! spandsp uses: narrow enough bins to part adjacent rows, short enough to
//! follow a key press). A block is a hit when one row and one column tone
//! stand out; a key is reported when two blocks in a row agree, so tones
//! shorter than 25.5 ms are never reported and tones of 38 ms or more
//! always are. It is released after two blocks without it.

use std::f32::consts::TAU;

use crate::{Frame, RATE};

const BLOCK: usize = 102;
const ROWS: [f32; 4] = [697.0, 770.0, 852.0, 941.0];
const COLS: [f32; 4] = [1209.0, 1336.0, 1477.0, 1633.0];
const KEYS: [[char; 4]; 4] = [
    ['1', '2', '3', 'A'],
    ['4', '5', '6', 'B'],
    ['7', '8', '9', 'C'],
    ['*', '0', '#', 'D'],
];

/// Weakest tone accepted: -30 dBm0 per component, as block energy.
const MIN_ENERGY: f32 = {
    // Peak of a -30 dBm0 sine: 22 753 × 10^(-30/20).
    let peak = 719.5;
    BLOCK as f32 * peak * peak / 2.0
};
/// A column may exceed its row by 4 dB (reverse twist) ...
const REVERSE_TWIST: f32 = 2.51;
/// ... and a row its column by 8 dB (normal twist).
const NORMAL_TWIST: f32 = 6.31;
/// The strongest row (column) beats the others of its group by 8 dB.
const RELATIVE_PEAK: f32 = 6.31;
/// The two tones carry at least this share of the block's energy, which
/// speech and noise, spread over many frequencies, do not.
const PURITY: f32 = 0.5;

/// Detects DTMF keys in 8 kHz linear audio. Feed every frame of the
/// stream, in order, to [`Detector::frame`].
#[derive(Debug, Clone)]
pub struct Detector {
    /// Goertzel coefficients `2 cos(2πf/fs)`, rows then columns.
    coeffs: [f32; 8],
    block: [f32; BLOCK],
    filled: usize,
    /// What the previous block heard.
    last_hit: Option<char>,
    /// The key currently held down, once reported.
    current: Option<char>,
}

impl Default for Detector {
    fn default() -> Self {
        Self::new()
    }
}

impl Detector {
    pub fn new() -> Self {
        let mut coeffs = [0.0; 8];
        for (c, f) in coeffs.iter_mut().zip(ROWS.iter().chain(&COLS)) {
            *c = 2.0 * (TAU * f / RATE as f32).cos();
        }
        Detector {
            coeffs,
            block: [0.0; BLOCK],
            filled: 0,
            last_hit: None,
            current: None,
        }
    }

    /// Takes the next 20 ms of audio; returns a key when a press begins to
    /// be certain, once per press.
    pub fn frame(&mut self, frame: &Frame) -> Option<char> {
        let mut pressed = None;
        for &s in frame {
            self.block[self.filled] = s as f32;
            self.filled += 1;
            if self.filled == BLOCK {
                self.filled = 0;
                pressed = pressed.or(self.end_block());
            }
        }
        pressed
    }

    fn end_block(&mut self) -> Option<char> {
        let hit = self.analyse();
        let mut pressed = None;
        if hit == self.last_hit && hit != self.current {
            self.current = hit;
            pressed = hit;
        }
        self.last_hit = hit;
        pressed
    }

    /// The key heard in the current block, if any.
    fn analyse(&self) -> Option<char> {
        let mut energies = [0.0f32; 8];
        for (e, &coeff) in energies.iter_mut().zip(&self.coeffs) {
            let (mut s1, mut s2) = (0.0f32, 0.0f32);
            for &x in &self.block {
                let s = x + coeff * s1 - s2;
                s2 = s1;
                s1 = s;
            }
            // Normalised so a sine of amplitude A yields N·A²/2, its energy.
            *e = 2.0 * (s1 * s1 + s2 * s2 - coeff * s1 * s2) / BLOCK as f32;
        }
        let total: f32 = self.block.iter().map(|x| x * x).sum();
        let (rows, cols) = energies.split_at(4);
        let (r, row) = strongest(rows)?;
        let (c, col) = strongest(cols)?;
        let accepted = row >= MIN_ENERGY
            && col >= MIN_ENERGY
            && col <= row * REVERSE_TWIST
            && row <= col * NORMAL_TWIST
            && row + col >= PURITY * total;
        accepted.then_some(KEYS[r][c])
    }
}

/// The index and energy of the group's strongest tone, if it stands out.
fn strongest(group: &[f32]) -> Option<(usize, f32)> {
    let (index, &max) = group
        .iter()
        .enumerate()
        .max_by(|a, b| a.1.total_cmp(b.1))
        .expect("groups have 4 tones");
    let clear = group
        .iter()
        .enumerate()
        .all(|(i, &e)| i == index || e * RELATIVE_PEAK < max);
    clear.then_some((index, max))
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::g711;
    use crate::tone::{Tone, dtmf_frequencies};
    use crate::{FRAME, Source};

    /// Audio of `tones` in sequence, each followed by `gap` of silence,
    /// through a G.711 encode/decode.
    fn through_g711(sources: Vec<Tone>, alaw: bool) -> Vec<Frame> {
        let mut out = Vec::new();
        for mut source in sources {
            let mut f = [0; FRAME];
            while source.next_frame(&mut f) {
                for s in f.iter_mut() {
                    *s = if alaw {
                        g711::alaw_to_linear(g711::linear_to_alaw(*s))
                    } else {
                        g711::ulaw_to_linear(g711::linear_to_ulaw(*s))
                    };
                }
                out.push(f);
            }
        }
        out
    }

    fn detect(frames: &[Frame]) -> String {
        let mut d = Detector::new();
        frames.iter().filter_map(|f| d.frame(f)).collect()
    }

    fn key_presses(keys: &str, on_ms: u64, off_ms: u64, dbm0: f32) -> Vec<Tone> {
        keys.chars()
            .flat_map(|k| {
                [
                    Tone::dtmf(k, Duration::from_millis(on_ms), dbm0).unwrap(),
                    Tone::silence(Duration::from_millis(off_ms)),
                ]
            })
            .collect()
    }

    /// Row and column at their own levels and frequencies, summed.
    fn two_tones(row: (f32, f32), col: (f32, f32), ms: u64) -> Vec<Frame> {
        let d = Duration::from_millis(ms);
        let mut a = Tone::single(row.0, row.1).duration(d);
        let mut b = Tone::single(col.0, col.1).duration(d);
        let mut frames = Vec::new();
        let (mut fa, mut fb) = ([0; FRAME], [0; FRAME]);
        while a.next_frame(&mut fa) & b.next_frame(&mut fb) {
            let mut f = [0; FRAME];
            for i in 0..FRAME {
                f[i] = fa[i].saturating_add(fb[i]);
            }
            frames.push(f);
        }
        frames.push([0; FRAME]);
        frames.push([0; FRAME]);
        frames
    }

    #[test]
    fn every_key_is_heard_once_through_ulaw_and_alaw() {
        let keys = "123A456B789C*0#D";
        for alaw in [false, true] {
            let frames = through_g711(key_presses(keys, 100, 100, -10.0), alaw);
            assert_eq!(detect(&frames), keys, "alaw: {alaw}");
        }
    }

    #[test]
    fn keys_are_heard_over_line_noise() {
        let mut frames = through_g711(key_presses("2580", 80, 80, -15.0), true);
        // White noise about 20 dB below the tones.
        let mut seed = 42u32;
        for f in &mut frames {
            for s in f.iter_mut() {
                seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                *s = s.saturating_add(((seed >> 16) as i16) / 40);
            }
        }
        assert_eq!(detect(&frames), "2580");
    }

    #[test]
    fn repeated_key_counts_each_press() {
        let frames = through_g711(key_presses("555", 60, 60, -10.0), false);
        assert_eq!(detect(&frames), "555");
    }

    #[test]
    fn long_press_is_reported_once() {
        let frames = through_g711(key_presses("7", 2000, 100, -10.0), false);
        assert_eq!(detect(&frames), "7");
    }

    #[test]
    fn forty_ms_is_enough_and_twenty_is_not() {
        // Misalign the tone with the blocks by starting after 7 ms.
        let mut sources = vec![Tone::silence(Duration::from_millis(7))];
        sources.extend(key_presses("9", 40, 100, -10.0));
        sources.extend(key_presses("3", 20, 100, -10.0));
        assert_eq!(detect(&through_g711(sources, false)), "9");
    }

    #[test]
    fn weak_tones_are_heard_down_to_minus_25_dbm0_but_not_minus_40() {
        assert_eq!(
            detect(&through_g711(key_presses("4", 100, 60, -25.0), false)),
            "4"
        );
        assert_eq!(
            detect(&through_g711(key_presses("4", 100, 60, -40.0), false)),
            ""
        );
    }

    #[test]
    fn twist_beyond_the_limits_is_rejected() {
        let (row, col) = dtmf_frequencies('5').unwrap();
        // Normal twist (row louder): 6 dB passes, 10 dB does not.
        assert_eq!(detect(&two_tones((row, -10.0), (col, -16.0), 100)), "5");
        assert_eq!(detect(&two_tones((row, -10.0), (col, -20.0), 100)), "");
        // Reverse twist (column louder): 3 dB passes, 6 dB does not.
        assert_eq!(detect(&two_tones((row, -13.0), (col, -10.0), 100)), "5");
        assert_eq!(detect(&two_tones((row, -16.0), (col, -10.0), 100)), "");
    }

    #[test]
    fn tones_off_by_one_and_a_half_percent_are_accepted() {
        let (row, col) = dtmf_frequencies('8').unwrap();
        assert_eq!(
            detect(&two_tones((row * 1.015, -10.0), (col * 0.985, -10.0), 100)),
            "8"
        );
    }

    #[test]
    fn single_tones_silence_and_noise_are_not_keys() {
        let mut sources = vec![
            Tone::single(770.0, -5.0).duration(Duration::from_secs(1)),
            Tone::single(1336.0, -5.0).duration(Duration::from_secs(1)),
            Tone::beep(),
            Tone::ringback_fr().duration(Duration::from_secs(2)),
            Tone::silence(Duration::from_secs(1)),
        ];
        assert_eq!(
            detect(&through_g711(std::mem::take(&mut sources), false)),
            ""
        );

        let mut seed = 0x1234_5678u32;
        let noise: Vec<Frame> = (0..100)
            .map(|_| {
                let mut f = [0; FRAME];
                for s in f.iter_mut() {
                    seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                    *s = (seed >> 16) as i16 / 4;
                }
                f
            })
            .collect();
        assert_eq!(detect(&noise), "");
    }

    #[test]
    fn voiced_speech_like_sound_is_not_a_key() {
        // A vowel: harmonics of a gliding 100-200 Hz pitch, falling off
        // with frequency, which passes through several DTMF frequencies.
        let mut frames = Vec::new();
        let mut phase = [0.0f32; 30];
        for n in 0..(8000 * 2) {
            if n % FRAME == 0 {
                frames.push([0; FRAME]);
            }
            let pitch = 100.0 + 100.0 * (n as f32 / 16000.0);
            let mut v = 0.0;
            for (k, p) in phase.iter_mut().enumerate() {
                let h = (k + 1) as f32;
                *p = (*p + pitch * h / 8000.0).fract();
                v += (*p * TAU).sin() * 6000.0 / h;
            }
            frames.last_mut().unwrap()[n % FRAME] = v.clamp(-32768.0, 32767.0) as i16;
        }
        assert_eq!(detect(&frames), "");
    }
}
