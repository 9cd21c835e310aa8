//! Service states and start types from `sc query`, `sc qc` and PowerShell's
//! `Get-Service | ConvertTo-Json`.
//!
//! `sc` translates its labels (`STATE` is `STATUS` in German) but not the constant names
//! after the numbers, so a block is read by its values: `4  RUNNING` is a state,
//! `2   AUTO_START` a start type. A block starts at `SERVICE_NAME:` (never translated).
//! From the corpus (Wine's `sc.exe query EventLog`):
//!
//! ```text
//! SERVICE_NAME: EventLog
//!         TYPE               : 20  WIN32_SHARE_PROCESS
//!         STATE              : 4  RUNNING
//!         WIN32_EXIT_CODE    : 0  (0x0)
//! ```
//!
//! A service that does not exist is `[SC] OpenService FAILED 1060:` (`FEHLER 1060` in German):
//! the number is kept; the name must come from the command that was run.
//!
//! `ConvertTo-Json` in Windows PowerShell 5.1 writes `Status` and `StartType` as numbers
//! (`4`, `2`); PowerShell 7 with `-EnumsAsStrings` as words (`"Running"`, `"Automatic"`).
//! Both are accepted, in an object or an array of objects.

use serde_json::Value;

/// What one source says about one service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceState {
    pub name: String,
    /// `running`, `stopped`, `start_pending`, `stop_pending`, `continue_pending`,
    /// `pause_pending`, `paused`.
    pub state: Option<&'static str>,
    /// `boot`, `system`, `automatic`, `automatic-delayed`, `manual`, `disabled`.
    pub start_type: Option<&'static str>,
    /// The service does not exist (`sc` error 1060).
    pub missing: bool,
    /// Line of the block (1-based; for JSON, the line of the object's name).
    pub line: usize,
}

const STATES: [(u32, &str, &str); 7] = [
    (1, "STOPPED", "stopped"),
    (2, "START_PENDING", "start_pending"),
    (3, "STOP_PENDING", "stop_pending"),
    (4, "RUNNING", "running"),
    (5, "CONTINUE_PENDING", "continue_pending"),
    (6, "PAUSE_PENDING", "pause_pending"),
    (7, "PAUSED", "paused"),
];

const START_TYPES: [(u32, &str, &str); 5] = [
    (0, "BOOT_START", "boot"),
    (1, "SYSTEM_START", "system"),
    (2, "AUTO_START", "automatic"),
    (3, "DEMAND_START", "manual"),
    (4, "DISABLED", "disabled"),
];

/// `4  RUNNING` or `2   AUTO_START  (DELAYED)` after the label's colon.
fn value_word(line: &str) -> Option<(u32, &str, bool)> {
    let (_, value) = line.split_once(':')?;
    let mut parts = value.split_whitespace();
    let number = parts.next()?.parse().ok()?;
    let word = parts.next()?;
    let delayed = parts
        .next()
        .is_some_and(|p| p.eq_ignore_ascii_case("(DELAYED)"));
    Some((number, word, delayed))
}

/// Reads every `sc query` / `sc qc` block of a text. `command_service` names the service
/// when the text is one `sc ... NAME` answer that failed (the answer does not name it).
pub fn parse_sc(
    lines: &[(usize, &str)],
    command_service: Option<&str>,
) -> Result<Vec<ServiceState>, String> {
    let mut out: Vec<ServiceState> = Vec::new();
    let mut missing_at: Option<usize> = None;
    for &(n, line) in lines {
        let t = line.trim();
        if let Some(name) = t.strip_prefix("SERVICE_NAME:") {
            out.push(ServiceState {
                name: name.trim().to_owned(),
                state: None,
                start_type: None,
                missing: false,
                line: n,
            });
            continue;
        }
        if t.starts_with("[SC]") && t.contains(" 1060") {
            missing_at = Some(n);
            continue;
        }
        let Some(current) = out.last_mut() else {
            continue;
        };
        let Some((number, word, delayed)) = value_word(t) else {
            continue;
        };
        if let Some(&(_, _, s)) = STATES.iter().find(|(v, w, _)| *v == number && word == *w) {
            current.state.get_or_insert(s);
        } else if let Some(&(_, _, s)) = START_TYPES
            .iter()
            .find(|(v, w, _)| *v == number && word == *w)
        {
            current
                .start_type
                .get_or_insert(if s == "automatic" && delayed {
                    "automatic-delayed"
                } else {
                    s
                });
        }
    }
    if let Some(line) = missing_at {
        match command_service {
            Some(name) if out.is_empty() => out.push(ServiceState {
                name: name.to_owned(),
                state: None,
                start_type: None,
                missing: true,
                line,
            }),
            _ if out.is_empty() => {
                return Err(format!(
                    "line {line}: 'service does not exist' (1060) without the service's name; \
                     keep the sc command in the collector's manifest"
                ));
            }
            _ => {}
        }
    }
    if out.is_empty() {
        return Err("no SERVICE_NAME: block".to_owned());
    }
    Ok(out)
}

fn state_of(v: &Value) -> Option<&'static str> {
    match v {
        Value::Number(n) => STATES
            .iter()
            .find(|(k, _, _)| Some(u64::from(*k)) == n.as_u64())
            .map(|s| s.2),
        Value::String(s) => {
            let s = s.to_ascii_lowercase();
            STATES
                .iter()
                .find(|(_, _, w)| w.replace('_', "") == s.replace(['_', ' '], ""))
                .map(|s| s.2)
        }
        _ => None,
    }
}

fn start_type_of(v: &Value) -> Option<&'static str> {
    match v {
        Value::Number(n) => START_TYPES
            .iter()
            .find(|(k, _, _)| Some(u64::from(*k)) == n.as_u64())
            .map(|s| s.2),
        Value::String(s) => match s.to_ascii_lowercase().as_str() {
            "boot" => Some("boot"),
            "system" => Some("system"),
            "automatic" => Some("automatic"),
            "automaticdelayedstart" => Some("automatic-delayed"),
            "manual" => Some("manual"),
            "disabled" => Some("disabled"),
            _ => None,
        },
        _ => None,
    }
}

/// Reads `Get-Service | ConvertTo-Json` (one object or an array). Nested service objects
/// (`RequiredServices`, `DependentServices`) are not services of their own here.
pub fn parse_json(text: &str) -> Result<Vec<ServiceState>, String> {
    let text = text.trim_start_matches('\u{feff}');
    let value: Value = serde_json::from_str(text)
        .or_else(|_| serde_json::from_str(&unwrap_strings(text)))
        .map_err(|e| format!("line {} column {}: {e}", e.line(), e.column()))?;
    let items: Vec<&Value> = match &value {
        Value::Array(a) => a.iter().collect(),
        v @ Value::Object(_) => vec![v],
        _ => return Err("neither a service object nor an array of them".to_owned()),
    };
    let mut out = Vec::new();
    for item in items {
        let Some(name) = item
            .get("Name")
            .or_else(|| item.get("ServiceName"))
            .and_then(Value::as_str)
        else {
            continue;
        };
        let line = line_of(text, name);
        out.push(ServiceState {
            name: name.to_owned(),
            state: item.get("Status").and_then(state_of),
            start_type: item.get("StartType").and_then(start_type_of),
            missing: false,
            line,
        });
    }
    if out.is_empty() {
        return Err("no object with a Name".to_owned());
    }
    Ok(out)
}

/// Output copied from a console can carry line breaks inside JSON strings (a long
/// `DependentServices` wrapped at the window's width); JSON forbids them. They become
/// spaces, and nothing else changes (evidence lines are still counted in the original).
fn unwrap_strings(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let (mut in_string, mut escaped) = (false, false);
    for c in text.chars() {
        match c {
            _ if escaped => escaped = false,
            '\\' if in_string => escaped = true,
            '"' => in_string = !in_string,
            '\r' | '\n' if in_string => {
                out.push(' ');
                continue;
            }
            _ => {}
        }
        out.push(c);
    }
    out
}

/// The line where `"Name": "<name>"` first appears, for evidence.
fn line_of(text: &str, name: &str) -> usize {
    let needle = format!("\"{name}\"");
    text.find(&needle)
        .map_or(1, |at| text[..at].matches('\n').count() + 1)
}

/// The service a `sc query NAME` / `sc qc NAME` command line names.
pub fn service_of_command(command: &str) -> Option<&str> {
    let mut words = command.split_whitespace();
    let exe = words.next()?;
    if !exe.trim_end_matches(".exe").eq_ignore_ascii_case("sc") {
        return None;
    }
    let verb = words.next()?;
    if !["query", "qc", "queryex"]
        .iter()
        .any(|v| verb.eq_ignore_ascii_case(v))
    {
        return None;
    }
    words.next().map(|w| w.trim_matches('"'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::numbered as lines;

    #[test]
    fn sc_query_blocks_in_any_language() {
        let en = "SERVICE_NAME: NlaSvc\r\nDISPLAY_NAME: Network Location Awareness\r\n        TYPE               : 30  WIN32\r\n        STATE              : 4  RUNNING\r\n                                (STOPPABLE, NOT_PAUSABLE, ACCEPTS_SHUTDOWN)\r\n\r\nSERVICE_NAME: netprofm\r\n        TYPE               : 20  WIN32_SHARE_PROCESS\r\n        STATE              : 1  STOPPED\r\n";
        let s = parse_sc(&lines(en), None).unwrap();
        assert_eq!(s.len(), 2);
        assert_eq!(
            (s[0].name.as_str(), s[0].state, s[0].line),
            ("NlaSvc", Some("running"), 1)
        );
        assert_eq!(s[1].state, Some("stopped"));
        let de = "SERVICE_NAME: EventLog\r\nANZEIGENAME: Windows-Ereignisprotokoll\r\n        TYP                : 30  WIN32\r\n        STATUS             : 4  RUNNING\r\n";
        assert_eq!(
            parse_sc(&lines(de), None).unwrap()[0].state,
            Some("running")
        );
    }

    #[test]
    fn sc_qc_start_types_and_missing_services() {
        let qc = "[SC] QueryServiceConfig ERFOLG\r\n\r\nSERVICE_NAME: NlaSvc\r\n        TYP                : 30  WIN32\r\n        STARTTYP           : 2   AUTO_START  (DELAYED)\r\n        FEHLERSTEUERUNG    : 1   NORMAL\r\n";
        let s = parse_sc(&lines(qc), None).unwrap();
        assert_eq!(s[0].start_type, Some("automatic-delayed"));
        let missing = "[SC] OpenService FEHLER 1060:\r\n\r\nDer angegebene Dienst ist kein installierter Dienst.\r\n";
        let s = parse_sc(&lines(missing), Some("NcdAutoSetup")).unwrap();
        assert!(s[0].missing);
        assert!(parse_sc(&lines(missing), None).is_err());
        assert_eq!(service_of_command("sc.exe qc \"NlaSvc\""), Some("NlaSvc"));
        assert_eq!(service_of_command("netsh winsock show catalog"), None);
    }

    #[test]
    fn get_service_json_numbers_and_words() {
        let ps51 = r#"[{"Name":"NlaSvc","DisplayName":"Network Location Awareness","Status":4,"StartType":2},
                       {"Name":"netprofm","Status":1,"StartType":3}]"#;
        let s = parse_json(ps51).unwrap();
        assert_eq!(
            (s[0].state, s[0].start_type),
            (Some("running"), Some("automatic"))
        );
        assert_eq!(
            (s[1].state, s[1].start_type, s[1].line),
            (Some("stopped"), Some("manual"), 2)
        );
        let ps7 = r#"{"Name":"EventLog","Status":"Running","StartType":"Automatic"}"#;
        assert_eq!(parse_json(ps7).unwrap()[0].state, Some("running"));
        assert!(parse_json("[1, 2]").is_err());
    }
}
