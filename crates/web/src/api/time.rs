//! Times on the wire: RFC 3339 in UTC (`2026-12-06T09:30:00Z`). Queries
//! also take a plain date (midnight UTC) or milliseconds since the epoch.

use domain::UnixMillis;

/// Prints `t` as RFC 3339 UTC with second precision.
pub fn format(t: UnixMillis) -> String {
    let ms = t.millis();
    let secs = ms.div_euclid(1000);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Reads `2026-12-06T09:30:00Z`, `2026-12-06T09:30:00+01:00`,
/// `2026-12-06` or `1796549400000` (milliseconds).
pub fn parse(text: &str) -> Option<UnixMillis> {
    let t = text.trim();
    if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) {
        return t.parse().ok().map(UnixMillis::from_millis);
    }
    let num = |s: &str| -> Option<i64> {
        if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
            s.parse().ok()
        } else {
            None
        }
    };
    let date = t.get(..10)?;
    let b = date.as_bytes();
    if b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let (y, m, d) = (num(&date[..4])?, num(&date[5..7])?, num(&date[8..10])?);
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    let mut secs = days_from_civil(y, m, d) * 86_400;
    let rest = &t[10..];
    if !rest.is_empty() {
        let rest = rest.strip_prefix(['T', 't', ' '])?;
        let clock = rest.get(..8)?;
        let c = clock.as_bytes();
        if c[2] != b':' || c[5] != b':' {
            return None;
        }
        let (h, mi, s) = (num(&clock[..2])?, num(&clock[3..5])?, num(&clock[6..8])?);
        if h > 23 || mi > 59 || s > 60 {
            return None;
        }
        secs += h * 3600 + mi * 60 + s;
        let mut zone = &rest[8..];
        if let Some(frac) = zone.strip_prefix('.') {
            let digits = frac.bytes().take_while(u8::is_ascii_digit).count();
            zone = &frac[digits..];
        }
        match zone {
            "Z" | "z" => {}
            _ => {
                let sign = match zone.as_bytes().first()? {
                    b'+' => 1,
                    b'-' => -1,
                    _ => return None,
                };
                let off = zone.get(1..)?;
                if off.len() != 5 || off.as_bytes()[2] != b':' {
                    return None;
                }
                secs -= sign * (num(&off[..2])? * 3600 + num(&off[3..])? * 60);
            }
        }
    }
    Some(UnixMillis::from_millis(secs * 1000))
}

/// Howard Hinnant's `days_from_civil`: days since 1970-01-01.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The inverse of [`days_from_civil`].
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_print_as_rfc3339_utc_and_parse_back() {
        let t = UnixMillis::from_millis(1_700_000_000_000);
        assert_eq!(format(t), "2023-11-14T22:13:20Z");
        assert_eq!(parse("2023-11-14T22:13:20Z"), Some(t));
        assert_eq!(parse("2023-11-14T23:13:20+01:00"), Some(t));
        assert_eq!(parse("2023-11-14T22:13:20.000Z"), Some(t));
        assert_eq!(parse("1700000000000"), Some(t));
        assert_eq!(format(UnixMillis::from_millis(0)), "1970-01-01T00:00:00Z");
        assert_eq!(
            parse("2024-02-29"),
            Some(UnixMillis::from_millis(1_709_164_800_000))
        );
    }

    #[test]
    fn malformed_times_are_refused() {
        for bad in [
            "",
            "yesterday",
            "2023-13-01",
            "2023-11-14T25:00:00Z",
            "2023-11-14T22:13:20",
            "2023/11/14",
            "2023-11-14T22:13:20+0100",
        ] {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }
}
