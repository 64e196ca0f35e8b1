//! A block of consecutive telephone numbers, as a carrier sells them: what
//! the platform operator adds to the pool in one go (issue 6).

use crate::phone::E164;

/// The most numbers one range may hold: a carrier block of a thousand.
pub const MAX_RANGE: u64 = 1000;

/// Consecutive numbers from `first` to `last`, both included, at most
/// [`MAX_RANGE`] of them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NumberRange {
    first: E164,
    last: E164,
    count: u64,
}

/// Why two numbers do not make a range.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NumberRangeError {
    /// The ends have a different number of digits, so they are not in the
    /// same numbering block.
    #[error("first and last number must have the same number of digits")]
    DifferentLength,
    /// The last number comes before the first.
    #[error("last number must not come before the first")]
    Reversed,
    /// More than [`MAX_RANGE`] numbers.
    #[error("a range holds at most {MAX_RANGE} numbers, got {0}")]
    TooLarge(u64),
}

impl NumberRange {
    /// The numbers from `first` to `last`. A single number is a range of
    /// one (`first == last`).
    pub fn new(first: E164, last: E164) -> Result<Self, NumberRangeError> {
        if first.digits().len() != last.digits().len() {
            return Err(NumberRangeError::DifferentLength);
        }
        let (a, b) = (value(&first), value(&last));
        if b < a {
            return Err(NumberRangeError::Reversed);
        }
        let count = b - a + 1;
        if count > MAX_RANGE {
            return Err(NumberRangeError::TooLarge(count));
        }
        Ok(Self { first, last, count })
    }

    /// The first number.
    pub fn first(&self) -> &E164 {
        &self.first
    }

    /// The last number.
    pub fn last(&self) -> &E164 {
        &self.last
    }

    /// How many numbers the range holds (1 to [`MAX_RANGE`]).
    pub fn len(&self) -> u64 {
        self.count
    }

    /// Never true: a range holds its first number at least.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// Every number of the range, in order.
    pub fn numbers(&self) -> Vec<E164> {
        let width = self.first.digits().len();
        let start = value(&self.first);
        (start..start + self.count)
            .map(|n| {
                E164::parse(&format!("+{n:0width$}"))
                    .expect("a number between two valid numbers of one length is valid")
            })
            .collect()
    }
}

/// The digits of an E.164 number as an integer: at most 15 digits fit.
fn value(number: &E164) -> u64 {
    number
        .digits()
        .parse()
        .expect("E.164 numbers have at most 15 digits")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(text: &str) -> E164 {
        E164::parse(text).unwrap()
    }

    #[test]
    fn a_range_lists_its_numbers_in_order() {
        let r = NumberRange::new(n("+33199000398"), n("+33199000402")).unwrap();
        assert_eq!(r.len(), 5);
        let all: Vec<String> = r.numbers().iter().map(|e| e.to_string()).collect();
        assert_eq!(
            all,
            [
                "+33199000398",
                "+33199000399",
                "+33199000400",
                "+33199000401",
                "+33199000402"
            ]
        );
    }

    #[test]
    fn one_number_is_a_range_of_one() {
        let r = NumberRange::new(n("+33199000300"), n("+33199000300")).unwrap();
        assert_eq!(r.numbers(), vec![n("+33199000300")]);
    }

    #[test]
    fn bad_ranges_are_refused_with_the_reason() {
        assert_eq!(
            NumberRange::new(n("+33199000399"), n("+33199000300")),
            Err(NumberRangeError::Reversed)
        );
        assert_eq!(
            NumberRange::new(n("+33199000300"), n("+3319900030")),
            Err(NumberRangeError::DifferentLength)
        );
        assert_eq!(
            NumberRange::new(n("+33199000000"), n("+33199001000")),
            Err(NumberRangeError::TooLarge(1001))
        );
        assert!(NumberRange::new(n("+33199000000"), n("+33199000999")).is_ok());
    }
}
