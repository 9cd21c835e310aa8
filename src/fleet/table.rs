//! The dashboard's archive table, kept compact enough for a million archives: a row is a
//! host, a collection time and a *profile* — the combination of OS build, Office channel
//! and version, failing rules, sign-in codes and status that many archives share — each
//! an index into a dictionary. The three columns are stored as LEB128 varints (times as
//! the zigzagged difference from the row before, in minutes) and reach the page as base64,
//! about 6–8 bytes per archive; the page's script decodes them.

use crate::bulk::record::Record;
use serde::Serialize;
use std::collections::HashMap;

/// Strings by first appearance, each once.
#[derive(Debug, Default)]
struct Dict {
    ids: HashMap<String, u32>,
    values: Vec<String>,
}

impl Dict {
    fn id(&mut self, value: &str) -> u32 {
        if let Some(&id) = self.ids.get(value) {
            return id;
        }
        let id = self.values.len() as u32;
        self.ids.insert(value.to_owned(), id);
        self.values.push(value.to_owned());
        id
    }
}

/// Columns of a profile, in the order of its array on the page.
pub const PROFILE_COLUMNS: [&str; 6] = [
    "os_build", "channel", "version", "failing", "codes", "status",
];

#[derive(Debug, Default)]
pub struct Table {
    strings: Dict,
    hosts: Dict,
    profile_ids: HashMap<[u32; 6], u32>,
    profiles: Vec<[u32; 6]>,
    time: Vec<u8>,
    host: Vec<u8>,
    profile: Vec<u8>,
    last_minute: i64,
    rows: usize,
    /// The first rows as given, for the page's static table (before the script runs, or
    /// without it).
    first: Vec<FirstRow>,
}

/// A row of the static table.
#[derive(Debug, Clone)]
pub struct FirstRow {
    pub host: String,
    pub collected_at: String,
    pub os_build: String,
    pub failing: Vec<String>,
    pub codes: Vec<String>,
    pub status: String,
}

/// Rows shown before the script runs (and the script's page size).
pub const PAGE_ROWS: usize = 100;

fn varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn zigzag(v: i64) -> u64 {
    ((v << 1) ^ (v >> 63)) as u64
}

/// Minutes since 1970 (UTC) of `2026-11-20T10:12:03.118+01:00`, `2026-11-20T09:12Z` or a
/// bare date.
pub fn minutes(text: &str) -> Option<i64> {
    let t = text.trim();
    let b = t.as_bytes();
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let num = |s: &str| s.parse::<i64>().ok();
    let date = crate::date::Date::new(
        num(t.get(0..4)?)? as i32,
        num(t.get(5..7)?)? as u32,
        num(t.get(8..10)?)? as u32,
    )?;
    let mut m = date.days() * 1440;
    if b.len() >= 16 && matches!(b[10], b'T' | b' ') && b[13] == b':' {
        let (h, min) = (num(t.get(11..13)?)?, num(t.get(14..16)?)?);
        if h > 23 || min > 59 {
            return None;
        }
        m += h * 60 + min;
        // An offset after the time: `+01:00` is an hour ahead of UTC.
        let tail = t.get(16..)?;
        if let Some(i) = tail.rfind(['+', '-']) {
            let off = &tail[i + 1..];
            let (oh, om) = match off.split_once(':') {
                Some((h, m)) => (num(h)?, num(m)?),
                None if off.len() == 4 => (num(off.get(..2)?)?, num(off.get(2..)?)?),
                None => (num(off)?, 0),
            };
            if oh > 14 || om > 59 {
                return None;
            }
            let sign = if tail.as_bytes()[i] == b'-' { -1 } else { 1 };
            m -= sign * (oh * 60 + om);
        }
    }
    Some(m)
}

/// A list as one dictionary string, space-separated (empty for none).
fn joined(list: &[String]) -> String {
    list.join(" ")
}

impl Table {
    pub fn add(&mut self, r: &Record) {
        let none = "unknown";
        let host = self.hosts.id(r.host.as_deref().unwrap_or(none));
        let status = if r.is_ok() {
            "ok".to_owned()
        } else {
            crate::bulk::summary::error_reason(r)
        };
        let key = [
            self.strings.id(r.os_build.as_deref().unwrap_or(none)),
            self.strings.id(r.office_channel.as_deref().unwrap_or(none)),
            self.strings.id(r.office_version.as_deref().unwrap_or(none)),
            self.strings.id(&joined(&r.failing)),
            self.strings.id(&joined(&r.caa_codes)),
            self.strings.id(&status),
        ];
        let next = self.profiles.len() as u32;
        let profile = *self.profile_ids.entry(key).or_insert(next);
        if profile == next {
            self.profiles.push(key);
        }
        match r.collected_at.as_deref().and_then(minutes) {
            Some(m) => {
                varint(&mut self.time, zigzag(m - self.last_minute) + 1);
                self.last_minute = m;
            }
            None => varint(&mut self.time, 0),
        }
        varint(&mut self.host, u64::from(host));
        varint(&mut self.profile, u64::from(profile));
        self.rows += 1;
        if self.first.len() < PAGE_ROWS {
            self.first.push(FirstRow {
                host: r.host.clone().unwrap_or_else(|| none.to_owned()),
                collected_at: r.collected_at.clone().unwrap_or_default(),
                os_build: r.os_build.clone().unwrap_or_else(|| none.to_owned()),
                failing: r.failing.clone(),
                codes: r.caa_codes.clone(),
                status,
            });
        }
    }

    /// Replaces every host name by `host-N`, N its order of first appearance.
    pub fn pseudonymize_hosts(&mut self) {
        for row in &mut self.first {
            if let Some(&id) = self.hosts.ids.get(&row.host) {
                row.host = format!("host-{}", id + 1);
            }
        }
        for (i, name) in self.hosts.values.iter_mut().enumerate() {
            *name = format!("host-{}", i + 1);
        }
        self.hosts.ids.clear();
    }

    pub fn rows(&self) -> usize {
        self.rows
    }

    pub fn first_rows(&self) -> &[FirstRow] {
        &self.first
    }

    /// The table as the page's JSON data block: `<` escaped so no text of the records can
    /// end the block.
    pub fn to_json(&self) -> String {
        #[derive(Serialize)]
        struct Data<'a> {
            rows: usize,
            profile_columns: [&'static str; 6],
            strings: &'a [String],
            hosts: &'a [String],
            profiles: &'a [[u32; 6]],
            time: String,
            host: String,
            profile: String,
        }
        let data = Data {
            rows: self.rows,
            profile_columns: PROFILE_COLUMNS,
            strings: &self.strings.values,
            hosts: &self.hosts.values,
            profiles: &self.profiles,
            time: base64(&self.time),
            host: base64(&self.host),
            profile: base64(&self.profile),
        };
        serde_json::to_string(&data)
            .unwrap_or_default()
            .replace('<', "\\u003c")
    }
}

/// Standard base64 with padding (what the browser's `atob` reads).
pub fn base64(bytes: &[u8]) -> String {
    const ABC: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = (u32::from(chunk[0]) << 16)
            | (u32::from(*chunk.get(1).unwrap_or(&0)) << 8)
            | u32::from(*chunk.get(2).unwrap_or(&0));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ABC[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc_4648() {
        for (plain, coded) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(plain.as_bytes()), coded);
        }
        assert_eq!(base64(&[0xff, 0xfe]), "//4=");
    }

    #[test]
    fn collection_times_become_utc_minutes() {
        let day = crate::date::Date::new(2026, 11, 20).unwrap().days() * 1440;
        assert_eq!(
            minutes("2026-11-20T10:12:03.118+01:00"),
            Some(day + 9 * 60 + 12)
        );
        assert_eq!(minutes("2026-11-20T10:12:03Z"), Some(day + 10 * 60 + 12));
        assert_eq!(
            minutes("2026-11-20T10:12:03-0530"),
            Some(day + 15 * 60 + 42)
        );
        assert_eq!(minutes("2026-11-20"), Some(day));
        assert_eq!(minutes("2026-11-20T25:00"), None);
        assert_eq!(minutes("20/11/2026"), None);
        assert_eq!(minutes("2026-13-01"), None);
        // Hostile text: never a panic, whatever the bytes.
        for junk in [
            "2026-11-2é",
            "2026-11-20T10:1é",
            "2026-11-20T10:12é+01:00",
            "2026-11-20T10:12:00+99999999999999999999",
            "2026-11-20T10:12:00+é1:00",
            "0000-00-00",
            "-2026-11-20",
        ] {
            let _ = minutes(junk);
        }
        assert_eq!(minutes("2026-11-20T10:12:00+99:00"), None);
    }

    #[test]
    fn varints_and_zigzag() {
        let mut v = Vec::new();
        varint(&mut v, 0);
        varint(&mut v, 127);
        varint(&mut v, 128);
        varint(&mut v, 300);
        assert_eq!(v, [0, 127, 0x80, 1, 0xac, 2]);
        assert_eq!([zigzag(0), zigzag(-1), zigzag(1), zigzag(-2)], [0, 1, 2, 3]);
    }

    #[test]
    fn archives_that_share_a_profile_share_its_entry() {
        let rec = |host: &str, failing: &[&str]| -> Record {
            let mut r: Record = serde_json::from_value(serde_json::json!({
                "source": "x", "format": "zip", "size": 1, "status": "ok",
                "host": host, "collected_at": "2026-11-20T10:12:03Z", "os_build": "26100.1"
            }))
            .unwrap();
            r.failing = failing.iter().map(|s| (*s).to_owned()).collect();
            r
        };
        let mut t = Table::default();
        t.add(&rec("PC-1", &["proxy"]));
        t.add(&rec("PC-2", &["proxy"]));
        t.add(&rec("PC-1</script>", &[]));
        assert_eq!(t.rows(), 3);
        assert_eq!(t.profiles.len(), 2);
        assert_eq!(t.profile, [0, 0, 1]);
        assert_eq!(t.host, [0, 1, 2]);
        // The first time is relative to 1970, the next ones to the row before: 0 + 1.
        assert_eq!(&t.time[t.time.len() - 2..], [1, 1]);
        let json = t.to_json();
        assert!(!json.contains('<') && json.contains("PC-1\\u003c/script>"));
    }
}
