//! Times in the account's time zone (SPEC A8): "06/12/2026 14:32" in Paris.
//! Zones come from jiff's bundled time-zone database; a zone jiff does not
//! know is shown in UTC, labelled so. Every page shows times through here
//! (`pages::display_time` for one value, [`Zone`] for a table).

use domain::{Language, TimeZone, UnixMillis};
use jiff::civil::Date;

/// How one account's zone turns instants into local times and back.
#[derive(Clone, Debug)]
pub struct Zone(Option<jiff::tz::TimeZone>);

impl Zone {
    /// The account's zone, by IANA name.
    pub fn of(tz: &TimeZone) -> Self {
        Self(jiff::tz::TimeZone::get(tz.as_str()).ok())
    }

    /// `at` as local date and time text, in the language's usual order;
    /// "UTC" is appended when the zone is not known.
    pub fn display(&self, language: Language, at: UnixMillis) -> String {
        let Ok(ts) = jiff::Timestamp::from_millisecond(at.millis()) else {
            return String::new();
        };
        let format = match language {
            Language::Fr => "%d/%m/%Y %H:%M",
            Language::En => "%Y-%m-%d %H:%M",
        };
        match &self.0 {
            Some(tz) => ts
                .to_zoned_datetime(tz.clone())
                .strftime(format)
                .to_string(),
            None => format!("{} UTC", ts.strftime(format)),
        }
    }

    /// `at` as local `2026-12-06-0930`, for file names (UTC when the zone
    /// is not known).
    pub fn stamp(&self, at: UnixMillis) -> String {
        let tz = self.0.clone().unwrap_or(jiff::tz::TimeZone::UTC);
        jiff::Timestamp::from_millisecond(at.millis())
            .map(|ts| {
                ts.to_zoned_datetime(tz)
                    .strftime("%Y-%m-%d-%H%M")
                    .to_string()
            })
            .unwrap_or_default()
    }

    /// The instant local midnight starts `date` (the first instant of the
    /// day where a change skips midnight).
    pub fn start_of(&self, date: Date) -> UnixMillis {
        let tz = self.0.clone().unwrap_or(jiff::tz::TimeZone::UTC);
        let start = date
            .to_zoned_datetime(tz)
            .and_then(|z| z.start_of_day())
            .map(|z| z.timestamp().as_millisecond())
            .unwrap_or(0);
        UnixMillis::from_millis(start)
    }
}

impl Zone {
    /// The local date at `at`.
    pub fn date_of(&self, at: UnixMillis) -> Date {
        let tz = self.0.clone().unwrap_or(jiff::tz::TimeZone::UTC);
        jiff::Timestamp::from_millisecond(at.millis())
            .map(|ts| ts.to_zoned_datetime(tz).date())
            .unwrap_or_default()
    }

    /// The instants of a from–to search of whole local days, both
    /// inclusive, from the fields as typed (either may be empty). A refused
    /// field gets the key of its message: not a date, or an end before the
    /// start.
    pub fn day_range(&self, from: &str, to: &str) -> Result<DayRange, DayRangeErrors> {
        let mut range = DayRange::default();
        let mut errors = DayRangeErrors::default();
        if !from.trim().is_empty() {
            match parse_date(from) {
                Some(d) => range.from = Some(self.start_of(d)),
                None => errors.from = Some("calls-bad-date"),
            }
        }
        if !to.trim().is_empty() {
            match parse_date(to).and_then(|d| d.tomorrow().ok()) {
                Some(d) => range.until = Some(self.start_of(d)),
                None => errors.to = Some("calls-bad-date"),
            }
        }
        if let (Some(f), Some(u)) = (range.from, range.until)
            && u <= f
        {
            errors.to = Some("calls-to-before-from");
        }
        if errors.from.is_some() || errors.to.is_some() {
            Err(errors)
        } else {
            Ok(range)
        }
    }
}

/// Calls from `from` (inclusive) until `until` (exclusive).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DayRange {
    pub from: Option<UnixMillis>,
    pub until: Option<UnixMillis>,
}

/// The message keys of the refused fields of a from–to search.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DayRangeErrors {
    pub from: Option<&'static str>,
    pub to: Option<&'static str>,
}

/// Parses a date field (`2026-12-06`, as `<input type="date">` sends it).
pub fn parse_date(text: &str) -> Option<Date> {
    let text = text.trim();
    if text.len() != 10 || text.as_bytes()[4] != b'-' || text.as_bytes()[7] != b'-' {
        return None;
    }
    text.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> UnixMillis {
        let ts: jiff::Timestamp = text.parse().unwrap();
        UnixMillis::from_millis(ts.as_millisecond())
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
    fn other_zones_are_known_and_unknown_ones_shown_in_utc() {
        let tokyo = Zone::of(&TimeZone::parse("Asia/Tokyo").unwrap());
        assert_eq!(
            tokyo.display(Language::En, at("2026-12-06T13:32:00Z")),
            "2026-12-06 22:32"
        );
        assert_eq!(
            Zone(None).display(Language::En, at("2026-12-06T13:32:00Z")),
            "2026-12-06 13:32 UTC"
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
        assert!(parse_date("2026-02-30").is_none());
    }

    #[test]
    fn a_day_range_covers_both_days_whole_and_refuses_an_end_before_the_start() {
        let paris = Zone::of(&TimeZone::default());
        let range = paris.day_range("2026-12-01", "2026-12-06").unwrap();
        assert_eq!(range.from, Some(at("2026-11-30T23:00:00Z")));
        assert_eq!(range.until, Some(at("2026-12-06T23:00:00Z")));
        assert_eq!(paris.day_range("", "").unwrap(), DayRange::default());
        let e = paris.day_range("2026-12-06", "2026-12-01").unwrap_err();
        assert_eq!(e.to, Some("calls-to-before-from"));
        let e = paris.day_range("junk", "2026-13-01").unwrap_err();
        assert_eq!(
            (e.from, e.to),
            (Some("calls-bad-date"), Some("calls-bad-date"))
        );
        assert_eq!(
            paris.date_of(at("2026-12-06T23:30:00Z")).to_string(),
            "2026-12-07"
        );
    }
}
