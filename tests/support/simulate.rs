//! The PC after a fix plan, without Windows: a copy of a snapshot folder with each action
//! of the plan applied to the files the collector would write after it — registry values
//! into the `.reg` exports and `reg query` listings, WinHTTP's proxy into the
//! `WinHttpSettings` blob and `netsh winhttp show proxy`, removed credentials out of
//! `cmdkey /list`, a Winsock reset out of the catalog, a service's start type and state into
//! the registry, `sc qc`, `sc query` and `services.json`, moved keys and licence folders
//! out of the exports and the folder listing.
//!
//! Two consequences are modelled because they are the point of the action, not guessed:
//! WinHTTP given the browser's proxy reaches what the browser reached (each probe's WinHTTP
//! stage becomes its WinINet stage), and an update the plan asks the user to install is in
//! the installed-update list (dated the day of the snapshot). What only the user decides
//! (Windows Update, Office's update, disconnecting an account) is not applied.

use crate::common::copy_dir;
use caadoctor::fix::{Change, Opens, Plan, Winhttp};
use std::path::{Path, PathBuf};

/// A text file as the collector wrote it: UTF-16LE with a BOM, or UTF-8.
struct Text {
    path: PathBuf,
    utf16: bool,
    lines: Vec<String>,
}

impl Text {
    fn read(path: &Path) -> Text {
        let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let (utf16, text) = if bytes.starts_with(&[0xFF, 0xFE]) {
            let units: Vec<u16> = bytes[2..]
                .chunks_exact(2)
                .map(|c| u16::from_le_bytes([c[0], c[1]]))
                .collect();
            (true, String::from_utf16(&units).unwrap())
        } else {
            (false, String::from_utf8(bytes).unwrap())
        };
        let lines = text.split("\r\n").map(str::to_owned).collect();
        Text {
            path: path.to_owned(),
            utf16,
            lines,
        }
    }

    fn write(&self) {
        let text = self.lines.join("\r\n");
        let bytes = if self.utf16 {
            let mut b = vec![0xFF, 0xFE];
            for u in text.encode_utf16() {
                b.extend_from_slice(&u.to_le_bytes());
            }
            b
        } else {
            text.into_bytes()
        };
        std::fs::write(&self.path, bytes).unwrap();
    }
}

/// `HKLM\x` as `.reg` files and `reg query` write it.
fn long(key: &str) -> String {
    if let Some(rest) = key.strip_prefix(r"HKLM\") {
        format!(r"HKEY_LOCAL_MACHINE\{rest}")
    } else if let Some(rest) = key.strip_prefix(r"HKCU\") {
        format!(r"HKEY_CURRENT_USER\{rest}")
    } else {
        key.to_owned()
    }
}

fn same(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b)
}

fn within(key: &str, root: &str) -> bool {
    same(key, root)
        || (key.len() > root.len()
            && key.is_char_boundary(root.len())
            && same(&key[..root.len()], root)
            && key.as_bytes()[root.len()] == b'\\')
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|d| d.map(|e| e.unwrap().path()).collect())
        .unwrap_or_default();
    out.sort();
    out
}

/// The `[KEY]` a `.reg` file starts with, or the key a `reg query` listing is of.
fn root_of(t: &Text) -> Option<(String, bool)> {
    let first = t
        .lines
        .iter()
        .map(|l| l.trim())
        .find(|l| !l.is_empty() && !l.starts_with("Windows Registry"))?;
    Some(
        match first.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            Some(k) => (k.to_owned(), true),
            None => (first.to_owned(), false),
        },
    )
}

/// The registry file that holds `key`: an export of it or of a parent, or its listing.
fn registry_file(root: &Path, key: &str) -> Text {
    let key = long(key);
    let mut best: Option<(usize, Text)> = None;
    for path in files(&root.join("registry")) {
        let t = Text::read(&path);
        let Some((r, export)) = root_of(&t) else {
            continue;
        };
        let fits = if export {
            within(&key, &r)
        } else {
            same(&key, &r)
        };
        if fits && best.as_ref().is_none_or(|(n, _)| r.len() > *n) {
            best = Some((r.len(), t));
        }
    }
    best.unwrap_or_else(|| panic!("no registry file of {key} in {}", root.display()))
        .1
}

/// The line range of a `.reg` section's values (after `[KEY]`, up to the blank line).
fn section(t: &Text, key: &str) -> Option<(usize, usize)> {
    let head = t.lines.iter().position(|l| {
        l.strip_prefix('[')
            .and_then(|l| l.strip_suffix(']'))
            .is_some_and(|k| same(k, key))
    })?;
    let end = t.lines[head + 1..]
        .iter()
        .position(|l| l.is_empty())
        .map_or(t.lines.len(), |n| head + 1 + n);
    Some((head, end))
}

/// Where the value `name` starts and ends (continued hex lines end in `\`).
fn value_lines(t: &Text, from: usize, to: usize, first: &str) -> Option<(usize, usize)> {
    let at = (from..to).find(|&i| {
        t.lines[i]
            .to_ascii_lowercase()
            .starts_with(&first.to_ascii_lowercase())
    })?;
    let mut end = at;
    while end + 1 < to && t.lines[end].ends_with('\\') {
        end += 1;
    }
    Some((at, end))
}

/// Sets (or, with `None`, removes) a value line under `key`, creating the key and the
/// parents the export lacks.
fn set_reg_line(t: &mut Text, key: &str, name: &str, line: Option<String>) {
    let first = format!("\"{name}\"=");
    if section(t, key).is_none() {
        let (root, _) = root_of(t).unwrap();
        let rest = &key[root.len()..];
        let mut path = root.clone();
        while t.lines.last().is_some_and(|l| l.is_empty()) {
            t.lines.pop();
        }
        for part in rest.split('\\').filter(|p| !p.is_empty()) {
            path = format!(r"{path}\{part}");
            if section(t, &path).is_none() {
                t.lines.push(String::new());
                t.lines.push(format!("[{path}]"));
            }
        }
        t.lines.push(String::new());
        t.lines.push(String::new());
    }
    let (head, end) = section(t, key).unwrap();
    match (value_lines(t, head + 1, end, &first), line) {
        (Some((a, b)), Some(l)) => {
            t.lines.splice(a..=b, [l]);
        }
        (Some((a, b)), None) => {
            t.lines.drain(a..=b);
        }
        (None, Some(l)) => t.lines.insert(end, l),
        (None, None) => {}
    }
}

/// Sets a value in a `reg query` listing (`    Name    REG_DWORD    0x20`).
fn set_query_line(t: &mut Text, name: &str, value: Option<String>) {
    let prefix = format!("    {name}    ");
    let at = t.lines.iter().position(|l| l.starts_with(&prefix));
    let head = t.lines.iter().position(|l| l.starts_with("HKEY_")).unwrap();
    let end = t.lines[head + 1..]
        .iter()
        .position(|l| !l.starts_with("    "))
        .map_or(t.lines.len(), |n| head + 1 + n);
    match (at, value) {
        (Some(i), Some(v)) => t.lines[i] = format!("{prefix}{v}"),
        (Some(i), None) => {
            t.lines.remove(i);
        }
        (None, Some(v)) => t.lines.insert(end, format!("{prefix}{v}")),
        (None, None) => {}
    }
}

fn set_dword(root: &Path, key: &str, name: &str, value: Option<u32>) {
    let mut t = registry_file(root, key);
    if root_of(&t).unwrap().1 {
        set_reg_line(
            &mut t,
            &long(key),
            name,
            value.map(|v| format!("\"{name}\"=dword:{v:08x}")),
        );
    } else {
        set_query_line(&mut t, name, value.map(|v| format!("REG_DWORD    {v:#x}")));
    }
    t.write();
}

fn delete_key(root: &Path, key: &str) {
    let key = long(key);
    let mut t = registry_file(root, &key);
    while let Some(head) = t.lines.iter().position(|l| {
        l.strip_prefix('[')
            .and_then(|l| l.strip_suffix(']'))
            .is_some_and(|k| within(k, &key))
    }) {
        let name = t.lines[head][1..t.lines[head].len() - 1].to_owned();
        let (_, end) = section(&t, &name).unwrap();
        t.lines.drain(head..(end + 1).min(t.lines.len()));
    }
    t.write();
}

/// `WinHttpSettings` as `netsh winhttp` writes it: version 0x18, a counter, flags (0x1
/// direct, 0x2 named proxy), then the proxy and the bypass list, length-prefixed.
fn winhttp_blob(proxy: Option<(&str, &str)>) -> String {
    let mut b: Vec<u8> = vec![0x18, 0, 0, 0, 1, 0, 0, 0];
    let (flags, server, bypass) = match proxy {
        Some((s, by)) => (3u32, s, by),
        None => (1, "", ""),
    };
    b.extend_from_slice(&flags.to_le_bytes());
    for field in [server, bypass] {
        b.extend_from_slice(&(field.len() as u32).to_le_bytes());
        b.extend_from_slice(field.as_bytes());
    }
    let hex: Vec<String> = b.iter().map(|x| format!("{x:02x}")).collect();
    format!("\"WinHttpSettings\"=hex:{}", hex.join(","))
}

fn set_winhttp(root: &Path, after: &Winhttp) {
    let proxy = match after {
        Winhttp::Proxy { server, bypass } | Winhttp::Browser { server, bypass } => {
            Some((server.as_str(), bypass.as_str()))
        }
        Winhttp::Direct | Winhttp::PerUser { .. } => None,
    };
    let key = long(caadoctor::facts::proxy::WINHTTP_CONNECTIONS);
    let mut t = registry_file(root, &key);
    set_reg_line(&mut t, &key, "WinHttpSettings", Some(winhttp_blob(proxy)));
    t.write();
    let netsh = root.join("commands/netsh-winhttp-show-proxy.txt");
    if netsh.exists() {
        let mut t = Text::read(&netsh);
        let body = match proxy {
            Some((s, b)) => vec![
                format!("    Proxy Server(s) :  {s}"),
                format!(
                    "    Bypass List     :  {}",
                    if b.is_empty() { "(none)" } else { b }
                ),
            ],
            None => vec!["    Direct access (no proxy server).".to_owned()],
        };
        let head = t.lines.iter().position(|l| l.contains("WinHTTP")).unwrap();
        t.lines.truncate(head + 2);
        t.lines.extend(body);
        t.lines.push(String::new());
        t.write();
    }
    let adv = root.join("commands/netsh-winhttp-show-advproxy.txt");
    if adv.exists() && matches!(after, Winhttp::PerUser { .. }) {
        let mut t = Text::read(&adv);
        for l in &mut t.lines {
            if l.contains("\"PerUserProxySettings\"") {
                *l = l.replace("false", "true");
            }
        }
        t.write();
    }
    // The point of the change: WinHTTP goes where the browser went.
    let probes = root.join("probes/connectivity.json");
    if probes.exists() && !matches!(after, Winhttp::Direct) {
        let mut doc: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&probes).unwrap()).unwrap();
        for r in doc["results"].as_array_mut().unwrap() {
            if let Some(wininet) = r.get("wininet").cloned() {
                r["winhttp"] = wininet;
            }
        }
        std::fs::write(&probes, serde_json::to_vec_pretty(&doc).unwrap()).unwrap();
    }
}

fn delete_credential(root: &Path, target: &str) {
    let mut t = Text::read(&root.join("commands/cmdkey-list.txt"));
    let at = t
        .lines
        .iter()
        .position(|l| l.trim_end().ends_with(&format!(": {target}")))
        .unwrap_or_else(|| panic!("{target} is not in cmdkey-list.txt"));
    let end = t.lines[at..]
        .iter()
        .position(|l| l.trim().is_empty())
        .map_or(t.lines.len(), |n| at + n + 1);
    t.lines.drain(at..end);
    t.write();
}

fn reset_winsock(root: &Path, dlls: &[String]) {
    let path = root.join("commands/netsh-winsock-show-catalog.txt");
    let t = Text::read(&path);
    // Entries start at a title line followed by a line of dashes.
    let starts: Vec<usize> = (0..t.lines.len().saturating_sub(1))
        .filter(|&i| t.lines[i + 1].starts_with("-----") && !t.lines[i].trim().is_empty())
        .collect();
    let mut keep: Vec<String> =
        t.lines[..starts.first().copied().unwrap_or(t.lines.len())].to_vec();
    for (n, &s) in starts.iter().enumerate() {
        let end = starts.get(n + 1).copied().unwrap_or(t.lines.len());
        let block = &t.lines[s..end];
        let text = block.join("\n").to_ascii_lowercase();
        let layered = block.iter().any(|l| l.contains("Layered"));
        if layered || dlls.iter().any(|d| text.contains(&d.to_ascii_lowercase())) {
            continue;
        }
        keep.extend(block.iter().cloned());
    }
    Text { lines: keep, ..t }.write();
}

fn set_service(root: &Path, service: &str, start: u32, running: bool) {
    let key = format!(r"HKLM\SYSTEM\CurrentControlSet\Services\{service}");
    set_dword(root, &key, "Start", Some(start));
    let lower = service.to_ascii_lowercase();
    let word = match start {
        2 => "AUTO_START",
        3 => "DEMAND_START",
        _ => "DISABLED",
    };
    let qc = root.join(format!("commands/sc-qc-{lower}.txt"));
    if qc.exists() {
        let mut t = Text::read(&qc);
        for l in &mut t.lines {
            if let Some((label, _)) = l
                .split_once(':')
                .filter(|(label, _)| label.contains("START_TYPE"))
            {
                *l = format!("{label}: {start}   {word}");
            }
        }
        t.write();
    }
    let query = root.join(format!("commands/sc-query-{lower}.txt"));
    if running && query.exists() {
        let mut t = Text::read(&query);
        for l in &mut t.lines {
            if let Some((label, _)) = l
                .split_once(':')
                .filter(|(label, _)| label.contains("STATE"))
            {
                *l = format!("{label}: 4  RUNNING ");
            }
        }
        t.write();
    }
    let json = root.join("commands/services.json");
    if json.exists() {
        let mut doc: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
        for s in doc.as_array_mut().unwrap() {
            if s["Name"].as_str().is_some_and(|n| same(n, service)) {
                s["StartType"] = start.into();
                if running {
                    s["Status"] = 4.into();
                }
            }
        }
        std::fs::write(&json, serde_json::to_vec_pretty(&doc).unwrap()).unwrap();
    }
}

fn move_folder(root: &Path, folder: &str) {
    let json = root.join("commands/office-licenses.json");
    let mut doc: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    for f in doc["folders"].as_array_mut().unwrap() {
        if f["path"].as_str().is_some_and(|p| same(p, folder)) {
            f["exists"] = false.into();
            f["files"] = serde_json::json!([]);
        }
    }
    std::fs::write(&json, serde_json::to_vec_pretty(&doc).unwrap()).unwrap();
    // vNextDiag lists the licences of that folder: none once it is gone.
    let vnext = root.join("commands/vnextdiag-list.txt");
    if vnext.exists() && folder.to_ascii_lowercase().ends_with(r"\office\licenses") {
        let mut t = Text::read(&vnext);
        if let Some(head) = t
            .lines
            .iter()
            .position(|l| l.contains("vNext licenses found"))
        {
            let end = t.lines[head + 1..]
                .iter()
                .position(|l| l.starts_with("=========="))
                .map_or(t.lines.len(), |n| head + 1 + n);
            t.lines.splice(
                head + 1..end,
                ["No licenses found.".to_owned(), String::new()],
            );
        }
        t.write();
    }
}

fn install_update(root: &Path, kb: &str) {
    let json = root.join("commands/installed-updates.json");
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(root.join("manifest.json")).unwrap()).unwrap();
    let day = manifest["started"].as_str().unwrap()[..10].to_owned();
    let mut doc: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    doc.as_array_mut().unwrap().push(serde_json::json!({
        "HotFixID": kb, "Description": "Update", "InstalledBy": "", "InstalledOn": day
    }));
    std::fs::write(&json, serde_json::to_vec_pretty(&doc).unwrap()).unwrap();
}

/// Applies one change to the snapshot folder `root`.
pub fn apply(root: &Path, change: &Change) {
    match change {
        Change::RegistryValue {
            key, name, after, ..
        } => set_dword(root, key, name, *after),
        Change::RegistryKeyMove { key, .. } => delete_key(root, key),
        Change::FolderMove { path, .. } => move_folder(root, path),
        Change::CredentialDelete { target } => delete_credential(root, target),
        Change::WinhttpProxy { after, .. } => set_winhttp(root, after),
        Change::WinsockReset { dlls, .. } => reset_winsock(root, dlls),
        Change::Service {
            service,
            after,
            start,
            ..
        } => set_service(root, service, *after, *start),
        Change::Open(Opens::Update { kb, .. }) => install_update(root, kb),
        // The user's own decisions; and the undo's changes, which a plan never holds.
        Change::Open(_) | Change::RegistryKeyRestore { .. } | Change::FolderRestore { .. } => {}
    }
}

/// A copy of the snapshot folder `sample` at `out`, with every action of the plan applied.
pub fn after(plan: &Plan, sample: &Path, out: &Path) -> PathBuf {
    let _ = std::fs::remove_dir_all(out);
    copy_dir(sample, out);
    for a in &plan.actions {
        apply(out, &a.change);
    }
    reseal(out);
    out.to_owned()
}

/// The "after" snapshot is a new collection: its manifest records its own files' sizes and
/// SHA-256 (the analyzer checks them).
fn reseal(root: &Path) {
    use sha2::Digest;
    let path = root.join("manifest.json");
    let mut doc: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    for step in doc["steps"].as_array_mut().unwrap() {
        let Some(artifact) = step["artifact"].as_str().map(str::to_owned) else {
            continue;
        };
        match std::fs::read(root.join(&artifact)) {
            Ok(bytes) => {
                step["size"] = serde_json::json!(bytes.len());
                let hex: String = sha2::Sha256::digest(&bytes)
                    .iter()
                    .map(|b| format!("{b:02x}"))
                    .collect();
                step["sha256"] = serde_json::json!(hex);
            }
            Err(_) => {
                let o = step.as_object_mut().unwrap();
                o.remove("size");
                o.remove("sha256");
            }
        }
    }
    std::fs::write(&path, serde_json::to_vec_pretty(&doc).unwrap()).unwrap();
}
