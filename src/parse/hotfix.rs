//! The installed-update list: `wmic qfe list`, `Get-HotFix` as a table, or
//! `Get-HotFix | Select HotFixID,InstalledOn | ConvertTo-Json`.
//!
//! Columns move with the language and with truncation (`EC2AMAZ-5M...`), so each row is
//! read by its values: the `KB` number and the first date on the row. From the corpus
//! (`wmic qfe list`, Windows 7 SP1):
//!
//! ```text
//! Caption                                        CSName      Description      FixComments  HotFixID   ...  InstalledOn
//! http://support.microsoft.com/?kbid=4467107     WIN7SP1X64  Security Update               KB4467107  ...  11/14/2018
//! ```

use crate::date::{self, Date};
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
    Regex::new(r"\b\d{1,2}[/.]\d{1,2}[/.]\d{4}\b|\b\d{4}-\d{2}-\d{2}\b").expect("static regex")
});

/// Reads a table (wmic or Get-HotFix) or the JSON form.
pub fn parse(text: &str, lines: &[(usize, &str)]) -> Result<Vec<Hotfix>, String> {
    let trimmed = text.trim_start_matches('\u{feff}').trim_start();
    if trimmed.starts_with('[') || trimmed.starts_with('{') {
        return parse_json(trimmed);
    }
    let header = lines
        .iter()
        .position(|(_, l)| l.contains("HotFixID"))
        .ok_or("no header line with HotFixID")?;
    let mut out = Vec::new();
    for &(n, line) in &lines[header + 1..] {
        let Some(kb) = KB.find(line) else { continue };
        // The caption holds a `kbid=` URL; the id column is the KB token.
        let installed_on = DATE.find(line).and_then(|m| date::parse(m.as_str()));
        out.push(Hotfix {
            id: kb.as_str().to_ascii_uppercase(),
            installed_on,
            line: n,
        });
    }
    Ok(out)
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
        let h = parse(t, &lines(t)).unwrap();
        assert_eq!(
            (h[0].id.as_str(), h[0].installed_on.map(|d| d.to_string())),
            ("KB4467107", Some("2018-11-14".into()))
        );
        let de = "Source  Description  HotFixID  InstalledBy  InstalledOn\r\n------  -----------  --------  -----------  -----------\r\nPC  Update  KB5046617  NT-AUTORITÄT\\SYSTEM  12.11.2024 00:00:00\r\n";
        let h = parse(de, &lines(de)).unwrap();
        assert_eq!(
            h[0].installed_on.map(|d| d.to_string()),
            Some("2024-11-12".into())
        );
        assert!(parse("nothing", &lines("nothing")).is_err());
    }

    #[test]
    fn json_from_powershell_5_and_7() {
        let ps51 = r#"[{"HotFixID":"KB5046617","InstalledOn":{"value":"\/Date(1731369600000)\/","DateTime":"Tuesday, November 12, 2024 12:00:00 AM"}},
                       {"HotFixID":"KB5044033","InstalledOn":"2024-10-08T00:00:00"}]"#;
        let h = parse(ps51, &lines(ps51)).unwrap();
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
