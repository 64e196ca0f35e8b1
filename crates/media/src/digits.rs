//! Collecting a number typed on the keypad (an extension, a PIN, a menu
//! choice): digits come in with the time they were heard, the collector
//! says when it is done and why, and when it next needs to be polled.
//!
//! ```
//! use std::time::{Duration, Instant};
//! use media::digits::{Collector, Config, End};
//!
//! let start = Instant::now();
//! let mut pin = Collector::new(Config { max_digits: Some(4), ..Config::default() }, start);
//! for (i, key) in "12".chars().enumerate() {
//!     pin.push(key, start + Duration::from_secs(i as u64)).unwrap();
//! }
//! // The runtime sleeps until the deadline, then polls.
//! let deadline = pin.deadline().unwrap();
//! assert_eq!(deadline, start + Duration::from_secs(4));
//! let outcome = pin.poll(deadline).unwrap();
//! assert_eq!((outcome.digits.as_str(), outcome.end), ("12", End::InterDigitTimeout));
//! ```

use std::time::{Duration, Instant};

use crate::dtmf::{DtmfError, event_code};

/// When collection stops.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// Stop as soon as this many digits are in; `None` for no limit.
    pub max_digits: Option<usize>,
    /// The key that ends input early (usually `#`); it is not collected.
    pub terminator: Option<char>,
    /// How long to wait for the first key.
    pub first_digit_timeout: Duration,
    /// How long to wait for each following key.
    pub inter_digit_timeout: Duration,
}

impl Default for Config {
    /// Up to 20 digits ended by `#`, 5 s for the first and 3 s between.
    fn default() -> Self {
        Config {
            max_digits: Some(20),
            terminator: Some('#'),
            first_digit_timeout: Duration::from_secs(5),
            inter_digit_timeout: Duration::from_secs(3),
        }
    }
}

/// Why collection ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum End {
    /// `max_digits` were typed.
    MaxDigits,
    /// The terminator was pressed.
    Terminator,
    /// Some digits, then nothing for the inter-digit timeout.
    InterDigitTimeout,
    /// Nothing at all within the first-digit timeout.
    NoInput,
}

/// The digits collected and why collection ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub digits: String,
    pub end: End,
}

/// A digit collector; see the module documentation.
#[derive(Debug, Clone)]
pub struct Collector {
    config: Config,
    digits: String,
    /// When the last key came, or collection started.
    since: Instant,
    state: State,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum State {
    Collecting,
    Done(End),
    Reported,
}

impl Collector {
    /// Starts collecting at `now` (usually when the prompt ends).
    pub fn new(config: Config, now: Instant) -> Self {
        Collector {
            config,
            digits: String::new(),
            since: now,
            state: State::Collecting,
        }
    }

    /// A key heard at `now`. Keys after the end, or after a timeout that
    /// `now` has passed, are ignored. Errors on a character that is not a
    /// DTMF key.
    pub fn push(&mut self, digit: char, now: Instant) -> Result<(), DtmfError> {
        event_code(digit)?;
        self.check_timeout(now);
        if self.state != State::Collecting {
            return Ok(());
        }
        let digit = digit.to_ascii_uppercase();
        if Some(digit) == self.config.terminator {
            self.state = State::Done(End::Terminator);
            return Ok(());
        }
        self.digits.push(digit);
        self.since = now;
        if self
            .config
            .max_digits
            .is_some_and(|max| self.digits.len() >= max)
        {
            self.state = State::Done(End::MaxDigits);
        }
        Ok(())
    }

    /// The outcome, once, as soon as collection has ended.
    pub fn poll(&mut self, now: Instant) -> Option<Outcome> {
        self.check_timeout(now);
        let State::Done(end) = self.state else {
            return None;
        };
        self.state = State::Reported;
        Some(Outcome {
            digits: std::mem::take(&mut self.digits),
            end,
        })
    }

    /// When [`Collector::poll`] must next be called, if collection is still
    /// going; an ended collection wants polling now.
    pub fn deadline(&self) -> Option<Instant> {
        match self.state {
            State::Collecting => Some(self.since + self.timeout()),
            State::Done(_) => Some(self.since),
            State::Reported => None,
        }
    }

    /// The digits typed so far.
    pub fn digits(&self) -> &str {
        &self.digits
    }

    fn timeout(&self) -> Duration {
        if self.digits.is_empty() {
            self.config.first_digit_timeout
        } else {
            self.config.inter_digit_timeout
        }
    }

    fn check_timeout(&mut self, now: Instant) {
        if self.state == State::Collecting && now >= self.since + self.timeout() {
            let end = if self.digits.is_empty() {
                End::NoInput
            } else {
                End::InterDigitTimeout
            };
            self.state = State::Done(end);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    fn typed(config: Config, keys: &[(char, u64)], poll_at: u64) -> Option<Outcome> {
        let t0 = Instant::now();
        let mut c = Collector::new(config, t0);
        for &(k, at) in keys {
            c.push(k, t0 + ms(at)).unwrap();
        }
        c.poll(t0 + ms(poll_at))
    }

    #[test]
    fn collection_stops_at_max_digits() {
        let config = Config {
            max_digits: Some(3),
            ..Config::default()
        };
        let out = typed(
            config,
            &[('2', 100), ('0', 200), ('1', 300), ('9', 400)],
            400,
        );
        assert_eq!(
            out,
            Some(Outcome {
                digits: "201".into(),
                end: End::MaxDigits
            })
        );
    }

    #[test]
    fn terminator_ends_input_and_is_not_collected() {
        let out = typed(
            Config::default(),
            &[('1', 100), ('2', 200), ('#', 300)],
            300,
        );
        assert_eq!(
            out,
            Some(Outcome {
                digits: "12".into(),
                end: End::Terminator
            })
        );
    }

    #[test]
    fn silence_after_some_digits_is_an_inter_digit_timeout() {
        let keys = [('4', 1000), ('2', 2000)];
        assert_eq!(typed(Config::default(), &keys, 4999), None);
        assert_eq!(
            typed(Config::default(), &keys, 5000),
            Some(Outcome {
                digits: "42".into(),
                end: End::InterDigitTimeout
            })
        );
    }

    #[test]
    fn no_key_at_all_is_no_input() {
        assert_eq!(typed(Config::default(), &[], 4999), None);
        assert_eq!(
            typed(Config::default(), &[], 5000),
            Some(Outcome {
                digits: String::new(),
                end: End::NoInput
            })
        );
    }

    #[test]
    fn deadline_moves_with_each_key_and_clears_after_the_outcome() {
        let t0 = Instant::now();
        let mut c = Collector::new(Config::default(), t0);
        assert_eq!(c.deadline(), Some(t0 + ms(5000)));
        c.push('7', t0 + ms(1500)).unwrap();
        assert_eq!(c.deadline(), Some(t0 + ms(4500)));
        assert!(c.poll(t0 + ms(4500)).is_some());
        assert_eq!(c.deadline(), None);
        assert_eq!(c.poll(t0 + ms(9000)), None);
    }

    #[test]
    fn a_key_after_the_timeout_passed_does_not_count() {
        let out = typed(Config::default(), &[('1', 100), ('2', 3200)], 3200);
        assert_eq!(
            out,
            Some(Outcome {
                digits: "1".into(),
                end: End::InterDigitTimeout
            })
        );
    }

    #[test]
    fn non_keys_are_refused() {
        let mut c = Collector::new(Config::default(), Instant::now());
        assert_eq!(
            c.push('x', Instant::now()),
            Err(DtmfError::InvalidDigit('x'))
        );
        assert_eq!(c.digits(), "");
    }

    #[test]
    fn unlimited_collection_runs_until_terminator() {
        let config = Config {
            max_digits: None,
            ..Config::default()
        };
        let keys: Vec<(char, u64)> = "0123456789012345678901234#"
            .chars()
            .zip((1..).map(|i| i * 100))
            .collect();
        let out = typed(config, &keys, 3000).unwrap();
        assert_eq!(out.digits.len(), 25);
        assert_eq!(out.end, End::Terminator);
    }
}
