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
}
