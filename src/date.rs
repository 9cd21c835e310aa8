//! Calendar dates as Windows prints them, without a time-zone database: ISO 8601,
//! `M/D/YYYY` (WMI, en-US), `D.M.YYYY` (German and others), `/Date(ms)/` (PowerShell 5.1
//! `ConvertTo-Json`), and day arithmetic for "how many days before the collection".

use std::fmt;

/// A calendar date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Date {
    pub year: i32,
    pub month: u32,
    pub day: u32,
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl Date {
    pub fn new(year: i32, month: u32, day: u32) -> Option<Date> {
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
        let days = [
            31,
            if leap { 29 } else { 28 },
            31,
            30,
            31,
            30,
            31,
            31,
            30,
            31,
            30,
            31,
        ];
        let valid = (1..=12).contains(&month)
            && day >= 1
            && day <= days[(month - 1) as usize]
            && (1990..=2200).contains(&year);
        valid.then_some(Date { year, month, day })
    }

    /// Days since 1970-01-01 (Howard Hinnant's `days_from_civil`).
    pub fn days(self) -> i64 {
        let y = i64::from(self.year) - i64::from(self.month <= 2);
        let era = if y >= 0 { y } else { y - 399 } / 400;
        let yoe = y - era * 400;
        let m = i64::from(self.month);
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(self.day) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    fn from_days(z: i64) -> Option<Date> {
        let z = z + 719_468;
        let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = u32::try_from(doy - (153 * mp + 2) / 5 + 1).ok()?;
        let month = u32::try_from(if mp < 10 { mp + 3 } else { mp - 9 }).ok()?;
        let year = i32::try_from(yoe + era * 400 + i64::from(month <= 2)).ok()?;
        Date::new(year, month, day)
    }
}

/// Reads the date at the start of `text` in any of the forms above. `M/D` vs `D/M` with
/// slashes: a first number above 12 is a day; otherwise the US order WMI uses.
pub fn parse(text: &str) -> Option<Date> {
    let t = text.trim().trim_start_matches('\\');
    if let Some(ms) = t
        .strip_prefix("/Date(")
        .and_then(|r| r.split([')', '+', '-']).next())
    {
        let ms: i64 = ms.parse().ok()?;
        return Date::from_days(ms.div_euclid(86_400_000));
    }
    let head: String = t
        .chars()
        .take_while(|c| c.is_ascii_digit() || matches!(c, '-' | '/' | '.'))
        .collect();
    let nums: Vec<&str> = head
        .split(['-', '/', '.'])
        .filter(|p| !p.is_empty())
        .collect();
    let [a, b, c] = nums.as_slice() else {
        return None;
    };
    let (a, b, c): (u32, u32, u32) = (a.parse().ok()?, b.parse().ok()?, c.parse().ok()?);
    let year = |v: u32| i32::try_from(v).ok();
    if head.contains('-') && a > 31 {
        return Date::new(year(a)?, b, c);
    }
    if head.contains('.') {
        return Date::new(year(c)?, b, a);
    }
    if a > 12 {
        Date::new(year(c)?, b, a)
    } else {
        Date::new(year(c)?, a, b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_windows_form() {
        let d = |y, m, day| Date::new(y, m, day);
        assert_eq!(parse("2026-11-20T10:12:03.118+01:00"), d(2026, 11, 20));
        assert_eq!(parse("3/18/2014"), d(2014, 3, 18));
        assert_eq!(parse("10/18/2016 12:00:00 AM"), d(2016, 10, 18));
        assert_eq!(parse("18.10.2016 00:00:00"), d(2016, 10, 18));
        assert_eq!(parse("25/12/2024"), d(2024, 12, 25));
        assert_eq!(parse(r"\/Date(1731369600000)\/"), d(2024, 11, 12));
        assert_eq!(parse("13/13/2020"), None);
        assert_eq!(parse("junk"), None);
    }

    #[test]
    fn day_arithmetic() {
        let a = Date::new(2026, 11, 20).unwrap();
        let b = Date::new(2026, 1, 1).unwrap();
        assert_eq!(a.days() - b.days(), 323);
        assert_eq!(Date::new(2000, 1, 1).unwrap().days(), 10_957);
        assert_eq!(Date::from_days(a.days()), Some(a));
        assert_eq!(Date::new(2024, 2, 30), None);
    }
}
