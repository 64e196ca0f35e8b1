//! Call-progress tones and other synthetic audio: one or two sine
//! components, switched on and off by a cadence, for as long as asked.
//!
//! Levels are in dBm0. With the G.711 convention (ITU-T G.711 Table 5) a
//! sine at +3.17 dBm0 just reaches full scale, so 0 dBm0 is a peak of about
//! 22 750 in 16-bit linear.

use std::f32::consts::TAU;
use std::time::Duration;

use crate::{FRAME, Frame, RATE, Source};

/// The linear peak amplitude of a sine at `dbm0`.
pub fn dbm0_to_amplitude(dbm0: f32) -> f32 {
    32767.0 * 10f32.powf((dbm0 - 3.17) / 20.0)
}

/// The row and column frequencies of a DTMF key (ITU-T Q.23), or `None` for
/// a character that is not a key. Letters may be either case.
pub fn dtmf_frequencies(digit: char) -> Option<(f32, f32)> {
    const ROWS: [f32; 4] = [697.0, 770.0, 852.0, 941.0];
    const COLS: [f32; 4] = [1209.0, 1336.0, 1477.0, 1633.0];
    let (row, col) = match digit.to_ascii_uppercase() {
        '1' => (0, 0),
        '2' => (0, 1),
        '3' => (0, 2),
        'A' => (0, 3),
        '4' => (1, 0),
        '5' => (1, 1),
        '6' => (1, 2),
        'B' => (1, 3),
        '7' => (2, 0),
        '8' => (2, 1),
        '9' => (2, 2),
        'C' => (2, 3),
        '*' => (3, 0),
        '0' => (3, 1),
        '#' => (3, 2),
        'D' => (3, 3),
        _ => return None,
    };
    Some((ROWS[row], COLS[col]))
}

/// A tone generator. Build one with a preset or [`Tone::single`] /
/// [`Tone::dual`], then shape it with [`Tone::cadence`] and
/// [`Tone::duration`]. Without a duration it never ends.
#[derive(Debug, Clone)]
pub struct Tone {
    /// Frequencies in Hz; an empty list is silence.
    freqs: Vec<f32>,
    /// Peak amplitude of each component.
    amplitude: f32,
    /// Samples on and off per cycle; `off == 0` means continuous.
    on: u64,
    off: u64,
    /// Total samples to produce, if limited.
    total: Option<u64>,
    /// Samples produced so far.
    position: u64,
    /// Phase of each component, in turns.
    phases: Vec<f32>,
}

impl Tone {
    /// A continuous sine at `hz`, `dbm0` loud.
    pub fn single(hz: f32, dbm0: f32) -> Self {
        Self::with(vec![hz], dbm0)
    }

    /// Two continuous sines, each `dbm0` loud (so the sum is 3 dB louder).
    pub fn dual(hz1: f32, hz2: f32, dbm0: f32) -> Self {
        Self::with(vec![hz1, hz2], dbm0)
    }

    /// `duration` of silence.
    pub fn silence(duration: Duration) -> Self {
        Self::with(Vec::new(), 0.0).duration(duration)
    }

    /// French ringback (ARCEP): 440 Hz, 1.5 s on, 3.5 s off, repeating.
    pub fn ringback_fr() -> Self {
        Self::single(440.0, -10.0).cadence(Duration::from_millis(1500), Duration::from_millis(3500))
    }

    /// French busy tone: 440 Hz, 0.5 s on, 0.5 s off, repeating.
    pub fn busy_fr() -> Self {
        Self::single(440.0, -10.0).cadence(Duration::from_millis(500), Duration::from_millis(500))
    }

    /// The voicemail "record after the beep" beep: 1 kHz for 250 ms.
    pub fn beep() -> Self {
        Self::single(1000.0, -10.0).duration(Duration::from_millis(250))
    }

    /// The in-band tone of a DTMF key for `duration`, each component at
    /// `dbm0`; `None` if `digit` is not a key.
    pub fn dtmf(digit: char, duration: Duration, dbm0: f32) -> Option<Self> {
        let (row, col) = dtmf_frequencies(digit)?;
        Some(Self::dual(row, col, dbm0).duration(duration))
    }

    /// Switches the tone on for `on` and off for `off`, repeatedly, starting
    /// with `on`.
    pub fn cadence(mut self, on: Duration, off: Duration) -> Self {
        self.on = samples(on).max(1);
        self.off = samples(off);
        self
    }

    /// Ends the tone after `duration` (cadence included).
    pub fn duration(mut self, duration: Duration) -> Self {
        self.total = Some(samples(duration));
        self
    }

    /// Whether every sample has been produced.
    pub fn is_finished(&self) -> bool {
        self.total.is_some_and(|t| self.position >= t)
    }

    fn with(freqs: Vec<f32>, dbm0: f32) -> Self {
        let phases = vec![0.0; freqs.len()];
        Tone {
            freqs,
            amplitude: dbm0_to_amplitude(dbm0),
            on: 1,
            off: 0,
            total: None,
            position: 0,
            phases,
        }
    }

    fn sample(&mut self) -> i16 {
        let sounding = self.off == 0 || self.position % (self.on + self.off) < self.on;
        let mut value = 0.0;
        for (hz, phase) in self.freqs.iter().zip(self.phases.iter_mut()) {
            if sounding {
                value += (*phase * TAU).sin();
            }
            // The phase runs on through the off part, so every burst
            // starts where a continuous tone would be.
            *phase = (*phase + hz / RATE as f32).fract();
        }
        self.position += 1;
        (value * self.amplitude)
            .round()
            .clamp(i16::MIN as f32, i16::MAX as f32) as i16
    }
}

impl Source for Tone {
    fn next_frame(&mut self, out: &mut Frame) -> bool {
        if self.is_finished() {
            out.fill(0);
            return false;
        }
        let left = self.total.map_or(FRAME as u64, |t| t - self.position);
        for (i, s) in out.iter_mut().enumerate() {
            *s = if (i as u64) < left { self.sample() } else { 0 };
        }
        true
    }
}

fn samples(d: Duration) -> u64 {
    (d.as_micros() * RATE as u128 / 1_000_000) as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frames(tone: &mut Tone, n: usize) -> Vec<Frame> {
        (0..n)
            .map(|_| {
                let mut f = [0; FRAME];
                tone.next_frame(&mut f);
                f
            })
            .collect()
    }

    fn peak(f: &Frame) -> i16 {
        f.iter().map(|s| s.saturating_abs()).max().unwrap()
    }

    /// Zero crossings per second, about twice the frequency.
    fn crossings(samples: &[i16]) -> usize {
        samples
            .windows(2)
            .filter(|w| (w[0] < 0) != (w[1] < 0))
            .count()
    }

    #[test]
    fn zero_dbm0_is_the_g711_reference_level() {
        assert!((dbm0_to_amplitude(0.0) - 22_753.0).abs() < 10.0);
        assert!((dbm0_to_amplitude(3.17) - 32_767.0).abs() < 1.0);
    }

    #[test]
    fn single_tone_has_its_frequency_and_level() {
        let mut tone = Tone::single(1000.0, -10.0);
        let samples: Vec<i16> = frames(&mut tone, 50).concat();
        // One second of 1 kHz crosses zero about 2000 times.
        assert!(
            (1990..=2010).contains(&crossings(&samples)),
            "{}",
            crossings(&samples)
        );
        let expected = dbm0_to_amplitude(-10.0) as i16;
        let max = samples.iter().copied().max().unwrap();
        assert!((max - expected).abs() < 30, "{max} vs {expected}");
    }

    #[test]
    fn french_ringback_follows_its_cadence() {
        let mut tone = Tone::ringback_fr();
        // 5 s cycle = 250 frames: 75 on, 175 off, then on again.
        let f = frames(&mut tone, 260);
        assert!(f[..75].iter().all(|f| peak(f) > 5000));
        assert!(f[75..250].iter().all(|f| peak(f) == 0));
        assert!(f[250..].iter().all(|f| peak(f) > 5000));
    }

    #[test]
    fn busy_tone_alternates_every_half_second() {
        let mut tone = Tone::busy_fr();
        let f = frames(&mut tone, 100);
        assert!(f[..25].iter().all(|f| peak(f) > 5000));
        assert!(f[25..50].iter().all(|f| peak(f) == 0));
        assert!(f[50..75].iter().all(|f| peak(f) > 5000));
    }

    #[test]
    fn beep_lasts_250_ms_then_the_source_ends() {
        let mut tone = Tone::beep();
        let mut out = [0; FRAME];
        let mut sounding = 0;
        while tone.next_frame(&mut out) {
            sounding += 1;
        }
        // 250 ms is 12.5 frames: 13 frames, the last half silent.
        assert_eq!(sounding, 13);
        assert_eq!(out, [0; FRAME]);
    }

    #[test]
    fn last_partial_frame_is_padded_with_silence() {
        let mut tone = Tone::single(440.0, 0.0).duration(Duration::from_millis(30));
        let f = frames(&mut tone, 2);
        assert!(peak(&f[0]) > 0);
        assert!(f[1][..80].iter().any(|&s| s != 0));
        assert!(f[1][80..].iter().all(|&s| s == 0));
    }

    #[test]
    fn silence_is_silent_and_finite() {
        let mut tone = Tone::silence(Duration::from_millis(100));
        let mut out = [1; FRAME];
        let mut n = 0;
        while tone.next_frame(&mut out) {
            assert_eq!(out, [0; FRAME]);
            n += 1;
        }
        assert_eq!(n, 5);
    }

    #[test]
    fn dual_tone_at_minus_3_dbm0_per_component_does_not_clip() {
        let mut tone = Tone::dtmf('D', Duration::from_secs(1), -3.0).unwrap();
        let f = frames(&mut tone, 50);
        assert!(f.iter().all(|f| peak(f) < i16::MAX));
        assert!(Tone::dtmf('x', Duration::from_secs(1), 0.0).is_none());
    }
}
