//! The installed-update list: `wmic qfe list`, `Get-HotFix` as a table, or
//! `Get-HotFix | Select HotFixID,InstalledOn | ConvertTo-Json`.
//!
//! Columns move with the language and with truncation (`EC2AMAZ-5M...`), so each row is
//! read by its values: the `KB` number and the first date on the row. `wmic qfe` writes
//! `M/D/YYYY` in every language; `Get-HotFix` writes the culture's short date
//! (`2021/03/09 0:00:00` in Japanese, `09/03/2021 00:00:00` in French), so the column is
//! read in one order ([`date::column_order`]); a column whose order nothing settles is
//! returned as a problem with its dates unset, never silently. From the corpus
//! (`wmic qfe list`, Windows 7 SP1):
//!
//! ```text
//! Caption                                        CSName      Description      FixComments  HotFixID   ...  InstalledOn
//! http://support.microsoft.com/?kbid=4467107     WIN7SP1X64  Security Update               KB4467107  ...  11/14/2018
//! ```

use crate::date::{self, Date, DateOrder};
use regex::Regex;
use serde_json::Value;
use std::sync::LazyLock;

/// One installed update.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hotfix {
    /// `KB4467107`, upper-case.
    pub id: String,
    pub installed_on: Option<Date>,
    pub line: usize,
}

static KB: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)\bKB\d{5,8}\b").expect("static regex"));
static DATE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b\d{1,2}[/.-]\d{1,2}[/.-]\d{4}\b|\b\d{4}[/.-]\d{1,2}[/.-]\d{1,2}\b")
        .expect("static regex")
});

/// The installed updates, and what could not be read about them (dates that could not be
/// placed): each note becomes a problem.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HotfixList {
    pub fixes: Vec<Hotfix>,
    pub notes: Vec<String>,
}

/// Reads a table (wmic or Get-HotFix) or the JSON form. `culture` is the date order the
/// collector recorded for the machine, if any.
pub fn parse(
    text: &str,
    lines: &[(usize, &str)],
    culture: Option<DateOrder>,
) -> Result<HotfixList, String> {
    let trimmed = text.trim_start_matches('\u{feff}').trim_start();
    if trimmed.starts_with('[') || trimmed.starts_with('{') {
        return parse_json(trimmed).map(|fixes| HotfixList {
            fixes,
            notes: Vec::new(),
        });
    }
    let header = lines
        .iter()
        .position(|(_, l)| l.contains("HotFixID"))
        .ok_or("no header line with HotFixID")?;
    // wmic's columns are WMI property names; its InstalledOn is always month-first.
    let wmic = lines[header].1.contains("CSName") || lines[header].1.contains("FixComments");
    let rows: Vec<(usize, &str, Option<&str>)> = lines[header + 1..]
        .iter()
        .filter_map(|&(n, line)| {
            let kb = KB.find(line)?;
            // The caption holds a `kbid=` URL; the id column is the KB token.
            Some((n, kb.as_str(), DATE.find(line).map(|m| m.as_str())))
        })
        .collect();
    let known = if wmic {
        Some(DateOrder::MonthDayYear)
    } else {
        culture
    };
    let mut notes = Vec::new();
    let order = match date::column_order(rows.iter().filter_map(|r| r.2), known) {
        Ok(order) => order,
        Err(e) => {
            let dated = rows.iter().filter(|r| r.2.is_some()).count();
            notes.push(format!(
                "InstalledOn of {dated} updates not read: {e}; the newest update's date is unknown"
            ));
            None
        }
    };
    let mut fixes = Vec::with_capacity(rows.len());
    for (n, kb, on) in rows {
        let installed_on = order.zip(on).and_then(|(o, d)| date::parse_in_order(d, o));
        if let (Some(_), Some(d), None) = (order, on, installed_on) {
            notes.push(format!("line {n}: '{d}' is not a valid date"));
        }
        fixes.push(Hotfix {
            id: kb.to_ascii_uppercase(),
            installed_on,
            line: n,
        });
    }
    Ok(HotfixList { fixes, notes })
}

fn parse_json(text: &str) -> Result<Vec<Hotfix>, String> {
    let value: Value = serde_json::from_str(text)
        .map_err(|e| format!("line {} column {}: {e}", e.line(), e.column()))?;
    let items: Vec<&Value> = match &value {
        Value::Array(a) => a.iter().collect(),
        v => vec![v],
    };
    let mut out = Vec::new();
    for item in items {
        let Some(id) = item.get("HotFixID").and_then(Value::as_str) else {
            continue;
        };
        // PowerShell 5.1 writes a DateTime as {"value": "/Date(ms)/", "DateTime": "..."}.
        let on = item.get("InstalledOn").and_then(|v| match v {
            Value::String(s) => date::parse(s),
            Value::Object(o) => o.get("value").and_then(Value::as_str).and_then(date::parse),
            _ => None,
        });
        let line = text
            .find(id)
            .map_or(1, |at| text[..at].matches('\n').count() + 1);
        out.push(Hotfix {
            id: id.trim().to_ascii_uppercase(),
            installed_on: on,
            line,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::numbered as lines;

    #[test]
    fn wmic_and_get_hotfix_tables() {
        let t = "Caption  CSName  Description  HotFixID  InstalledOn\r\nhttp://support.microsoft.com/?kbid=4467107  PC  Security Update  KB4467107  11/14/2018\r\n\r\n";
        let h = parse(t, &lines(t), None).unwrap().fixes;
        assert_eq!(
            (h[0].id.as_str(), h[0].installed_on.map(|d| d.to_string())),
            ("KB4467107", Some("2018-11-14".into()))
        );
        let de = "Source  Description  HotFixID  InstalledBy  InstalledOn\r\n------  -----------  --------  -----------  -----------\r\nPC  Update  KB5046617  NT-AUTORITÄT\\SYSTEM  12.11.2024 00:00:00\r\n";
        let h = parse(de, &lines(de), None).unwrap().fixes;
        assert_eq!(
            h[0].installed_on.map(|d| d.to_string()),
            Some("2024-11-12".into())
        );
        assert!(parse("nothing", &lines("nothing"), None).is_err());
    }

    #[test]
    fn dates_in_the_culture_of_the_machine() {
        let fr = "Source  Description  HotFixID  InstalledBy  InstalledOn\r\n------  -----------  --------  -----------  -----------\r\nPC  Update  KB5046617  AUTORITE NT\\Système  12/11/2024 00:00:00\r\nPC  Update  KB5044033  AUTORITE NT\\Système  08/10/2024 00:00:00\r\n";
        // Nothing above 12: without the culture, a problem and no dates.
        let h = parse(fr, &lines(fr), None).unwrap();
        assert!(h.fixes.iter().all(|f| f.installed_on.is_none()));
        assert!(h.notes[0].contains("cannot be told apart"), "{:?}", h.notes);
        let h = parse(fr, &lines(fr), Some(DateOrder::DayMonthYear)).unwrap();
        assert_eq!(h.fixes[0].installed_on, Date::new(2024, 11, 12));
        assert!(h.notes.is_empty());
        let ja = "Source  Description  HotFixID  InstalledBy  InstalledOn\r\n------  -----------  --------  -----------  -----------\r\nPC  Update  KB5046617  NT AUTHORITY\\SYSTEM  2024/11/12 0:00:00\r\n";
        let h = parse(ja, &lines(ja), None).unwrap();
        assert_eq!(h.fixes[0].installed_on, Date::new(2024, 11, 12));
    }

    #[test]
    fn json_from_powershell_5_and_7() {
        let ps51 = r#"[{"HotFixID":"KB5046617","InstalledOn":{"value":"\/Date(1731369600000)\/","DateTime":"Tuesday, November 12, 2024 12:00:00 AM"}},
                       {"HotFixID":"KB5044033","InstalledOn":"2024-10-08T00:00:00"}]"#;
        let h = parse(ps51, &lines(ps51), None).unwrap().fixes;
        assert_eq!(
            h[0].installed_on.map(|d| d.to_string()),
            Some("2024-11-12".into())
        );
        assert_eq!(
            h[1].installed_on.map(|d| d.to_string()),
            Some("2024-10-08".into())
        );
    }
}
