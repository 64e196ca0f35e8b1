//! Times in the account's time zone (SPEC A8): "06/12/2026 14:32" in Paris.
//!
//! The installation carries no time-zone database; the zones a French
//! business phone system meets are Western, Central and Eastern European
//! time with the EU summer-time rule (last Sunday of March to last Sunday
//! of October, at 01:00 UTC), and UTC. Any other zone is shown in UTC,
//! labelled so.

use domain::{Language, TimeZone, UnixMillis};
use time::{Date, Month, OffsetDateTime, UtcOffset};

/// How one account's zone turns UTC instants into local ones.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Zone {
    /// Standard offset from UTC in hours; `None` for plain UTC.
    standard_hours: Option<i8>,
}

const WESTERN: &[&str] = &["London", "Dublin", "Lisbon", "Guernsey", "Jersey"];
const EASTERN: &[&str] = &[
    "Athens",
    "Bucharest",
    "Helsinki",
    "Kiev",
    "Kyiv",
    "Riga",
    "Sofia",
    "Tallinn",
    "Vilnius",
    "Nicosia",
    "Mariehamn",
    "Chisinau",
];

impl Zone {
    /// The rule for an IANA zone name.
    pub fn of(tz: &TimeZone) -> Self {
        let name = tz.as_str();
        let standard_hours = match name.strip_prefix("Europe/") {
            Some(city) if WESTERN.contains(&city) => Some(0),
            Some(city) if EASTERN.contains(&city) => Some(2),
            Some("Moscow" | "Istanbul" | "Minsk" | "Kaliningrad" | "Samara") | None => None,
            Some(_) => Some(1),
        };
        Self { standard_hours }
    }

    /// The offset from UTC at `utc`.
    pub fn offset_at(self, utc: OffsetDateTime) -> UtcOffset {
        let Some(hours) = self.standard_hours else {
            return UtcOffset::UTC;
        };
        let summer = i8::from(in_eu_summer_time(utc));
        UtcOffset::from_hms(hours + summer, 0, 0).expect("offsets of -1 to 3 hours are valid")
    }

    /// `at` as local date and time text, in the language's usual order;
    /// "UTC" is appended when the zone is not known.
    pub fn display(self, language: Language, at: UnixMillis) -> String {
        let Ok(utc) = OffsetDateTime::from_unix_timestamp(at.millis().div_euclid(1000)) else {
            return String::new();
        };
        let t = utc.to_offset(self.offset_at(utc));
        let (y, m, d, hh, mm) = (t.year(), u8::from(t.month()), t.day(), t.hour(), t.minute());
        let suffix = if self.standard_hours.is_none() {
            " UTC"
        } else {
            ""
        };
        match language {
            Language::Fr => format!("{d:02}/{m:02}/{y} {hh:02}:{mm:02}{suffix}"),
            Language::En => format!("{y}-{m:02}-{d:02} {hh:02}:{mm:02}{suffix}"),
        }
    }

    /// The instant local midnight starts `date`.
    pub fn start_of(self, date: Date) -> UnixMillis {
        let naive = date.midnight().assume_utc();
        // The offset one day either side of a change is the same as at the
        // change's local midnight: changes happen at 01:00 UTC, not midnight.
        let local =
            naive - time::Duration::seconds(i64::from(self.offset_at(naive).whole_seconds()));
        UnixMillis::from_millis(local.unix_timestamp() * 1000)
    }
}

/// EU rule: summer time from the last Sunday of March 01:00 UTC to the
/// last Sunday of October 01:00 UTC.
fn in_eu_summer_time(utc: OffsetDateTime) -> bool {
    let year = utc.year();
    let change = |month: Month| {
        let start = last_sunday(year, month);
        start.midnight().assume_utc() + time::Duration::hours(1)
    };
    utc >= change(Month::March) && utc < change(Month::October)
}

fn last_sunday(year: i32, month: Month) -> Date {
    let last = Date::from_calendar_date(year, month, month.length(year))
        .expect("the last day of a month is a date");
    last - time::Duration::days(i64::from(last.weekday().number_days_from_sunday()))
}

/// Parses a date field (`2026-12-06`, as `<input type="date">` sends it).
pub fn parse_date(text: &str) -> Option<Date> {
    let mut parts = text.trim().splitn(3, '-');
    let mut next = || {
        parts
            .next()
            .filter(|p| p.bytes().all(|b| b.is_ascii_digit()))
    };
    let year: i32 = next()?.parse().ok()?;
    let month: u8 = next()?.parse().ok()?;
    let day: u8 = next()?.parse().ok()?;
    Date::from_calendar_date(year, Month::try_from(month).ok()?, day).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> UnixMillis {
        // "2026-12-06T13:32:00Z"
        let date = parse_date(&text[..10]).unwrap();
        let h: u8 = text[11..13].parse().unwrap();
        let m: u8 = text[14..16].parse().unwrap();
        let t = date.with_hms(h, m, 0).unwrap().assume_utc();
        UnixMillis::from_millis(t.unix_timestamp() * 1000)
    }

    #[test]
    fn paris_is_one_hour_ahead_in_winter_and_two_in_summer() {
        let paris = Zone::of(&TimeZone::default());
        assert_eq!(
            paris.display(Language::Fr, at("2026-12-06T13:32:00Z")),
            "06/12/2026 14:32"
        );
        assert_eq!(
            paris.display(Language::En, at("2026-07-14T08:00:00Z")),
            "2026-07-14 10:00"
        );
    }

    #[test]
    fn summer_time_changes_on_the_last_sundays_at_one_utc() {
        let paris = Zone::of(&TimeZone::default());
        // 2026: 29 March and 25 October.
        assert_eq!(
            paris.display(Language::En, at("2026-03-29T00:59:00Z")),
            "2026-03-29 01:59"
        );
        assert_eq!(
            paris.display(Language::En, at("2026-03-29T01:00:00Z")),
            "2026-03-29 03:00"
        );
        assert_eq!(
            paris.display(Language::En, at("2026-10-25T00:59:00Z")),
            "2026-10-25 02:59"
        );
        assert_eq!(
            paris.display(Language::En, at("2026-10-25T01:00:00Z")),
            "2026-10-25 02:00"
        );
    }

    #[test]
    fn unknown_zones_are_shown_in_utc() {
        let tokyo = Zone::of(&TimeZone::parse("Asia/Tokyo").unwrap());
        assert_eq!(
            tokyo.display(Language::En, at("2026-12-06T13:32:00Z")),
            "2026-12-06 13:32 UTC"
        );
        let london = Zone::of(&TimeZone::parse("Europe/London").unwrap());
        assert_eq!(
            london.display(Language::En, at("2026-12-06T13:32:00Z")),
            "2026-12-06 13:32"
        );
    }

    #[test]
    fn a_local_day_starts_at_local_midnight() {
        let paris = Zone::of(&TimeZone::default());
        let day = parse_date("2026-12-06").unwrap();
        assert_eq!(paris.start_of(day), at("2026-12-05T23:00:00Z"));
        let day = parse_date("2026-07-14").unwrap();
        assert_eq!(paris.start_of(day), at("2026-07-13T22:00:00Z"));
        assert!(parse_date("06/12/2026").is_none());
    }
}
