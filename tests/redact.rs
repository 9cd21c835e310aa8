//! `--redact` over every sample: the identifying strings a snapshot names — taken from its
//! own facts, not from a hand list — appear in no redacted output (table, JSON, Markdown,
//! HTML, facts, bulk records and summary); every verdict is the unredacted one; Microsoft's
//! endpoints, error codes and registry paths are untouched; and the map file gives every
//! pseudonym back: applied to the redacted JSON it yields the unredacted JSON exactly.

mod common;

use common::{caadoctor, json_of, sample_zips, scratch};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

fn text(v: &Value) -> Option<String> {
    v.as_str().map(str::to_owned)
}

fn values(v: &Value) -> Vec<String> {
    match v {
        Value::String(s) => vec![s.clone()],
        Value::Array(a) => a.iter().filter_map(text).collect(),
        _ => Vec::new(),
    }
}

fn every_string(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::String(s) => out.push(s.clone()),
        Value::Array(a) => a.iter().for_each(|x| every_string(x, out)),
        Value::Object(o) => o.values().for_each(|x| every_string(x, out)),
        _ => {}
    }
}

/// The host of a proxy setting or URL: `http://wpad.contoso.com/p.pac` → `wpad.contoso.com`.
fn host_of(setting: &str) -> String {
    let s = setting.split_once("://").map_or(setting, |(_, r)| r);
    let s = s.split(['/', ';']).next().unwrap_or(s);
    s.rsplit_once(':').map_or(s, |(h, _)| h).to_owned()
}

/// What identifies the person or the organisation in a snapshot, from its facts document.
fn identifying(facts: &Value) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let snap = &facts["snapshot"];
    out.extend(text(&snap["host"]));
    if let Some(user) = text(&snap["user"]) {
        if let Some((_, name)) = user.split_once('\\') {
            out.insert(name.to_owned());
        }
        out.insert(user);
    }
    let f = &facts["facts"];
    let fact = |group: &str, name: &str| values(&f[group][name]["value"]);
    for (g, n) in [
        ("accounts", "signed_in_upn"),
        ("accounts", "tenant_name"),
        ("accounts", "workplace_tenants"),
        ("accounts", "workplace_tenant_ids"),
        ("licensing", "tenants"),
        ("network", "ipv4_addresses"),
        ("network", "ipv6_global"),
        ("network", "dns_servers"),
        ("network", "default_gateways"),
    ] {
        out.extend(fact(g, n));
    }
    for (g, n) in [
        ("proxy", "winhttp_proxy"),
        ("proxy", "wininet_proxy"),
        ("proxy", "winhttp_auto_config_url"),
        ("proxy", "wininet_auto_config_url"),
    ] {
        out.extend(fact(g, n).iter().map(|s| host_of(s)));
    }
    // Credential targets that embed an account, and the account.
    for target in fact("accounts", "office_credentials") {
        out.extend(target.rsplit(':').next().map(str::to_owned));
        out.insert(target);
    }
    // Every e-mail address and profile folder the facts mention anywhere.
    let mut strings = Vec::new();
    every_string(facts, &mut strings);
    for s in &strings {
        for word in s.split(|c: char| c.is_whitespace() || matches!(c, ',' | ';' | '"' | '(' | ')'))
        {
            if let Some((local, domain)) = word.split_once('@')
                && domain.contains('.')
                && !local.is_empty()
            {
                out.insert(word.trim_end_matches('.').to_owned());
                out.insert(local.to_owned());
            }
        }
        if let Some(i) = s.find("\\Users\\") {
            let rest = &s[i + 7..];
            out.insert(rest.split(['\\', ':']).next().unwrap_or(rest).to_owned());
        }
    }
    // Public mail domains and Microsoft's stay: they identify nobody.
    out.retain(|s| s.len() >= 3 && !["outlook.com", "hotmail.com"].contains(&s.as_str()));
    out
}

fn leaks(output: &str, identifying: &BTreeSet<String>) -> Vec<String> {
    let lower = output.to_lowercase();
    identifying
        .iter()
        .filter(|s| lower.contains(&s.to_lowercase()))
        .cloned()
        .collect()
}

fn run(args: &[&str]) -> String {
    let out = caadoctor(args);
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8")
}

/// `(pseudonym, original)` pairs of a map file.
fn map_of(path: &std::path::Path) -> Vec<(String, String)> {
    let map: Value = serde_json::from_slice(&std::fs::read(path).expect("map")).expect("json");
    assert_eq!(map["schema"], "caadoctor.redact-map/1");
    map["pseudonyms"]
        .as_array()
        .expect("pseudonyms")
        .iter()
        .map(|l| {
            (
                text(&l["pseudonym"]).unwrap(),
                text(&l["original"]).unwrap(),
            )
        })
        .collect()
}

/// One pseudonym per value, one value per pseudonym spelling.
fn consistent(map: &[(String, String)], name: &str) {
    let mut by_original: BTreeMap<String, String> = BTreeMap::new();
    let mut by_pseudonym: BTreeMap<&str, &str> = BTreeMap::new();
    for (p, o) in map {
        let base = by_original
            .entry(o.to_lowercase())
            .or_insert_with(|| p.to_lowercase());
        assert_eq!(*base, p.to_lowercase(), "{name}: {o} has two pseudonyms");
        if let Some(other) = by_pseudonym.insert(p, o) {
            assert_eq!(other, o, "{name}: {p} stands for two values");
        }
    }
}

/// Replaces every pseudonym by its original, left to right, longest first, whole words.
fn unredact(text: &str, map: &[(String, String)]) -> String {
    let mut pairs: Vec<&(String, String)> = map.iter().collect();
    pairs.sort_by_key(|(p, _)| std::cmp::Reverse(p.len()));
    let word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
    let mut out = String::new();
    let mut i = 0;
    'scan: while i < text.len() {
        let prev = text[..i].chars().next_back();
        if !word(prev) {
            for (p, o) in &pairs {
                if text[i..].starts_with(p.as_str()) && !word(text[i + p.len()..].chars().next()) {
                    out.push_str(o);
                    i += p.len();
                    continue 'scan;
                }
            }
        }
        let c = text[i..].chars().next().unwrap();
        out.push(c);
        i += c.len_utf8();
    }
    out
}

fn unredact_json(v: &mut Value, map: &[(String, String)]) {
    match v {
        Value::String(s) => *s = unredact(s, map),
        Value::Array(a) => a.iter_mut().for_each(|x| unredact_json(x, map)),
        Value::Object(o) => o.values_mut().for_each(|x| unredact_json(x, map)),
        _ => {}
    }
}

fn statuses(report: &Value) -> Vec<(String, String)> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (text(&f["rule"]).unwrap(), text(&f["status"]).unwrap()))
        .collect()
}

/// Tokens redaction must never change: the article's endpoints, codes, registry paths.
fn invariants(json: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for e in caadoctor::endpoints::all() {
        if json.contains(&e.url) {
            out.insert(e.url.clone());
        }
    }
    for (i, _) in json.match_indices("0x") {
        let code: String = json[i..].chars().take(10).collect();
        if code.len() == 10 && code[2..].chars().all(|c| c.is_ascii_hexdigit()) {
            out.insert(code);
        }
    }
    for root in ["HKLM\\\\", "HKCU\\\\"] {
        for (i, _) in json.match_indices(root) {
            let path: String = json[i..]
                .chars()
                .take_while(|c| *c != '"' && *c != ' ')
                .collect();
            out.insert(path);
        }
    }
    out
}

#[test]
fn no_format_of_any_sample_leaks_what_identifies_and_verdicts_stay() {
    let dir = scratch("redact-samples");
    for name in sample_zips() {
        let zip = format!("samples/{name}.zip");
        let facts: Value = serde_json::from_str(&run(&["facts", &zip])).expect("facts");
        let identifying = identifying(&facts);
        assert!(identifying.len() >= 5, "{name}: {identifying:?}");
        let plain = run(&["analyze", &zip, "--format", "json"]);
        let map_file = dir.join(format!("{name}.map.json"));
        let map_arg = map_file.to_str().unwrap();
        let redacted = run(&["analyze", &zip, "--format", "json", "--redact-map", map_arg]);
        for format in ["table", "markdown", "html"] {
            let out = run(&["analyze", &zip, "--format", format, "--redact"]);
            assert_eq!(
                leaks(&out, &identifying),
                Vec::<String>::new(),
                "{name} {format}"
            );
        }
        assert_eq!(
            leaks(&redacted, &identifying),
            Vec::<String>::new(),
            "{name} json"
        );
        let facts_map = dir.join(format!("{name}.facts-map.json"));
        let redacted_facts = run(&["facts", &zip, "--redact-map", facts_map.to_str().unwrap()]);
        assert_eq!(
            leaks(&redacted_facts, &identifying),
            Vec::<String>::new(),
            "{name} facts"
        );

        let plain: Value = serde_json::from_str(&plain).unwrap();
        let mut back: Value = serde_json::from_str(&redacted).unwrap();
        assert_eq!(back["redacted"], true);
        assert_eq!(statuses(&back), statuses(&plain), "{name}: verdicts");
        assert_eq!(back["summary"], plain["summary"], "{name}");
        assert_eq!(
            invariants(&redacted),
            invariants(&serde_json::to_string_pretty(&plain).unwrap()),
            "{name}: endpoints, codes and registry paths"
        );
        let map = map_of(&map_file);
        consistent(&map, &name);
        back.as_object_mut().unwrap().remove("redacted");
        unredact_json(&mut back, &map);
        assert!(
            back == plain,
            "{name}: the map does not give the report back"
        );

        let mut facts_back: Value = serde_json::from_str(&redacted_facts).unwrap();
        unredact_json(&mut facts_back, &map_of(&facts_map));
        assert!(
            facts_back == facts,
            "{name}: the map does not give the facts back"
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&map_file).unwrap().permissions().mode();
            assert_eq!(mode & 0o077, 0, "the map is private");
        }
    }
}

#[test]
fn bulk_redacts_every_record_and_the_summary_with_one_map() {
    let dir = scratch("redact-bulk");
    let zips: Vec<String> = sample_zips()
        .iter()
        .map(|n| format!("samples/{n}.zip"))
        .collect();
    let mut identifying = BTreeSet::new();
    let mut verdicts = Vec::new();
    for zip in &zips {
        let facts: Value = serde_json::from_str(&run(&["facts", zip])).unwrap();
        identifying.extend(self::identifying(&facts));
        verdicts.push(statuses(&json_of(&caadoctor(&[
            "analyze", zip, "--format", "json",
        ]))));
    }
    let summary = dir.join("summary.json");
    let map_file = dir.join("map.json");
    let mut args = vec![
        "bulk",
        "--jobs",
        "2",
        "--redact-map",
        map_file.to_str().unwrap(),
    ];
    args.extend(["--summary", summary.to_str().unwrap()]);
    args.extend(zips.iter().map(String::as_str));
    let out = caadoctor(&args);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let records = String::from_utf8(out.stdout).unwrap();
    let summary = std::fs::read_to_string(&summary).unwrap();
    assert_eq!(leaks(&records, &identifying), Vec::<String>::new());
    assert_eq!(leaks(&summary, &identifying), Vec::<String>::new());
    let map = map_of(&map_file);
    consistent(&map, "bulk");
    for (line, want) in records.lines().zip(&verdicts) {
        let r: Value = serde_json::from_str(line).unwrap();
        let got: Vec<(String, String)> = r["rules"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.clone(), text(v).unwrap()))
            .collect();
        assert_eq!(&got, want, "{}", r["source"]);
        let host = text(&r["host"]).unwrap();
        assert!(
            host.starts_with("HOST-") || host.starts_with("host-"),
            "{host}"
        );
    }
    // The organisation every sample but one belongs to has one pseudonym in the whole run.
    let contoso: BTreeSet<&str> = map
        .iter()
        .filter(|(_, o)| o.eq_ignore_ascii_case("contoso.com"))
        .map(|(p, _)| p.as_str())
        .collect();
    assert_eq!(contoso.len(), 1, "{contoso:?}");
    // Numbering follows input order, whatever the number of jobs.
    let mut one = args.clone();
    one[2] = "1";
    let again = caadoctor(&one);
    assert_eq!(
        String::from_utf8(again.stdout)
            .unwrap()
            .lines()
            .map(|l| {
                let r: Value = serde_json::from_str(l).unwrap();
                text(&r["host"]).unwrap()
            })
            .collect::<Vec<_>>(),
        records
            .lines()
            .map(|l| {
                let r: Value = serde_json::from_str(l).unwrap();
                text(&r["host"]).unwrap()
            })
            .collect::<Vec<_>>()
    );
}

#[test]
fn keywords_are_replaced_and_own_words_refused() {
    let dir = scratch("redact-keywords");
    let words = dir.join("words.txt");
    std::fs::write(&words, "# customer words\nOffice\nWindows 10 Enterprise\n").unwrap();
    let out = caadoctor(&[
        "analyze",
        "samples/win10-proxy-browser-only.zip",
        "--format",
        "json",
        "--redact-keywords",
        words.to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("keyword 'Office' is one of caadoctor's own words"),
        "{stderr}"
    );
    let report = json_of(&out);
    assert_eq!(report["redacted"], true, "a keyword file implies --redact");
    assert_eq!(
        report["snapshot"]["os"],
        "keyword-1 22H2 (build 19045.6575)"
    );
    assert!(report.to_string().contains("Microsoft Office"));
}
