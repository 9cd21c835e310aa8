//! Calendar dates as Windows prints them, without a time-zone database: ISO 8601,
//! `/Date(ms)/` (PowerShell 5.1 `ConvertTo-Json`), and the short date of every culture —
//! `yyyy/MM/dd` (Japanese, Chinese), `yyyy-MM-dd` (Korean, Swedish), `dd.MM.yyyy` (German,
//! Russian, Polish, Turkish), `dd/MM/yyyy` (French, Spanish, Italian, Portuguese, British),
//! `MM/dd/yyyy` (WMI, en-US), `dd-MM-yyyy` (Dutch) — with or without a time, `AM`/`PM`,
//! `午前`/`午後`, `오전`/`오후`, `上午`/`下午`; and day arithmetic for "how many days before the
//! collection".
//!
//! Slash dates with the year last are ambiguous one by one (`03/09/2021`); a column of them
//! is read in one order, decided by [`column_order`]: a first number above 12 makes it
//! day-first, a second above 12 month-first; else the order the caller knows (the tool's
//! fixed format, the culture the manifest recorded), else the column cannot be placed and
//! the caller reports it.

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

    /// The date `z` days after 1970-01-01 (Howard Hinnant's `civil_from_days`).
    pub fn from_days(z: i64) -> Option<Date> {
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

/// The order of day, month and year in a culture's short date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateOrder {
    DayMonthYear,
    MonthDayYear,
    YearMonthDay,
}

impl DateOrder {
    /// From a .NET short date pattern (`dd/MM/yyyy`, `M/d/yyyy`, `yyyy/MM/dd`).
    pub fn of_pattern(pattern: &str) -> Option<DateOrder> {
        let at = |c: char| pattern.find(c);
        let (d, m, y) = (at('d')?, at('M')?, at('y')?);
        if y < m && m < d {
            Some(DateOrder::YearMonthDay)
        } else if d < m && m < y {
            Some(DateOrder::DayMonthYear)
        } else if m < d && d < y {
            Some(DateOrder::MonthDayYear)
        } else {
            None
        }
    }
}

/// The three numbers at the start of a date, and whether the form alone fixes their order.
struct Numbers {
    n: [u32; 3],
    fixed: Option<DateOrder>,
}

fn numbers(text: &str) -> Option<Numbers> {
    let t = text.trim().trim_start_matches('\\');
    let head: String = t
        .chars()
        .take_while(|c| c.is_ascii_digit() || matches!(c, '-' | '/' | '.'))
        .collect();
    let parts: Vec<&str> = head
        .split(['-', '/', '.'])
        .filter(|p| !p.is_empty())
        .collect();
    let [a, b, c] = parts.as_slice() else {
        return None;
    };
    let n = [a.parse().ok()?, b.parse().ok()?, c.parse().ok()?];
    let fixed = if a.len() == 4 {
        Some(DateOrder::YearMonthDay)
    } else if c.len() != 4 {
        return None;
    } else if head.contains(['.', '-']) {
        // No culture writes month-first with dots or dashes.
        Some(DateOrder::DayMonthYear)
    } else {
        None
    };
    Some(Numbers { n, fixed })
}

/// Reads a short date (with any time after it) in the given order; `None` when it is not
/// a date, or not a valid one in that order.
pub fn parse_in_order(text: &str, order: DateOrder) -> Option<Date> {
    let Numbers {
        n: [a, b, c],
        fixed,
    } = numbers(text)?;
    let year = |v: u32| i32::try_from(v).ok();
    match fixed.unwrap_or(order) {
        DateOrder::YearMonthDay => Date::new(year(a)?, b, c),
        DateOrder::DayMonthYear => Date::new(year(c)?, b, a),
        DateOrder::MonthDayYear => Date::new(year(c)?, a, b),
    }
}

/// The order a column of short dates is written in. `known` is what the caller knows
/// without looking (a tool's fixed format, the manifest's culture); the values decide
/// first, and values that contradict each other or `known` are an error, as is a column
/// no value and nothing known can place.
pub fn column_order<'a>(
    values: impl IntoIterator<Item = &'a str>,
    known: Option<DateOrder>,
) -> Result<Option<DateOrder>, String> {
    let (mut day_first, mut month_first, mut ambiguous) = (None, None, None);
    let mut fixed_order = None;
    for v in values {
        let Some(Numbers {
            n: [a, b, _],
            fixed,
        }) = numbers(v)
        else {
            continue;
        };
        match fixed {
            Some(o) => fixed_order = fixed_order.or(Some(o)),
            None if a > 12 && b <= 12 => day_first = day_first.or(Some(v)),
            None if b > 12 && a <= 12 => month_first = month_first.or(Some(v)),
            None => ambiguous = ambiguous.or(Some(v)),
        }
    }
    match (day_first, month_first) {
        (Some(d), Some(m)) => Err(format!(
            "the dates disagree on their order ('{d}' is day-first, '{m}' month-first)"
        )),
        (Some(d), None) if known == Some(DateOrder::MonthDayYear) => Err(format!(
            "'{d}' is day-first, but this output writes month-first dates"
        )),
        (None, Some(m)) if known == Some(DateOrder::DayMonthYear) => Err(format!(
            "'{m}' is month-first, but the machine's culture writes day-first dates"
        )),
        (Some(_), None) => Ok(Some(DateOrder::DayMonthYear)),
        (None, Some(_)) => Ok(Some(DateOrder::MonthDayYear)),
        (None, None) => match (ambiguous, known) {
            (Some(_), Some(k)) => Ok(Some(k)),
            (Some(a), None) => Err(format!(
                "day and month cannot be told apart ('{a}': no day above 12 in the column and \
                 no culture recorded)"
            )),
            (None, _) => Ok(fixed_order),
        },
    }
}

/// Reads the date at the start of `text` in any of the forms above. `M/D` vs `D/M` with
/// slashes: a first number above 12 is a day; otherwise the US order WMI uses (one date
/// alone; a column is read with [`column_order`]).
pub fn parse(text: &str) -> Option<Date> {
    let t = text.trim().trim_start_matches('\\');
    if let Some(ms) = t
        .strip_prefix("/Date(")
        .and_then(|r| r.split([')', '+', '-']).next())
    {
        let ms: i64 = ms.parse().ok()?;
        return Date::from_days(ms.div_euclid(86_400_000));
    }
    // ISO 8601 with a time: the date part only.
    let n = numbers(t)?;
    let order = match n.fixed {
        Some(o) => o,
        None if n.n[0] > 12 => DateOrder::DayMonthYear,
        None => DateOrder::MonthDayYear,
    };
    parse_in_order(t, order)
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
        assert_eq!(parse("2021/03/09 0:00:00"), d(2021, 3, 9));
        assert_eq!(parse("2021/3/9 上午 12:00:00"), d(2021, 3, 9));
        assert_eq!(parse("2021-03-09 오전 12:00:00"), d(2021, 3, 9));
        assert_eq!(parse("09-03-2021"), d(2021, 3, 9));
    }

    #[test]
    fn a_column_decides_day_and_month() {
        use DateOrder::*;
        let fr = ["03/09/2021 00:00:00", "14/09/2021 00:00:00"];
        assert_eq!(column_order(fr, None), Ok(Some(DayMonthYear)));
        assert_eq!(parse_in_order(fr[0], DayMonthYear), Date::new(2021, 9, 3));
        let us = ["3/9/2021 12:00:00 AM", "9/14/2021 12:00:00 AM"];
        assert_eq!(column_order(us, None), Ok(Some(MonthDayYear)));
        let ja = ["2021/03/09 0:00:00", "2021/11/10 0:00:00"];
        assert_eq!(column_order(ja, None), Ok(Some(YearMonthDay)));
        assert_eq!(column_order(["12.11.2024"], None), Ok(Some(DayMonthYear)));
        // Nothing above 12: the culture decides, else it is an error to report.
        let unsure = ["03/09/2021", "11/10/2021"];
        assert_eq!(
            column_order(unsure, Some(DayMonthYear)),
            Ok(Some(DayMonthYear))
        );
        assert!(
            column_order(unsure, None)
                .unwrap_err()
                .contains("cannot be told apart")
        );
        assert!(column_order(["13/01/2021", "01/13/2021"], None).is_err());
        assert!(column_order(["13/01/2021"], Some(MonthDayYear)).is_err());
        assert_eq!(column_order(["junk"], None), Ok(None));
        assert_eq!(DateOrder::of_pattern("dd/MM/yyyy"), Some(DayMonthYear));
        assert_eq!(DateOrder::of_pattern("M/d/yyyy"), Some(MonthDayYear));
        assert_eq!(DateOrder::of_pattern("yyyy/MM/dd"), Some(YearMonthDay));
        assert_eq!(DateOrder::of_pattern("tt"), None);
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
