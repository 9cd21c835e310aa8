//! Service states and start types from `sc query`, `sc qc` and PowerShell's
//! `Get-Service | ConvertTo-Json`.
//!
//! `sc` translates its labels in some languages (`SERVICE_NAME` is `NOMBRE_SERVICIO` in
//! Spanish, `NOME_SERVIZIO` in Italian; `STATE` is `ESTADO`, `STATO`, `STATUS`) but never
//! the constant names after the numbers, so a block is read by its shape and values: a
//! line at the margin `LABEL: name` opens it when indented lines with a service type
//! (`20  WIN32_SHARE_PROCESS`, `1  KERNEL_DRIVER`) follow; `4  RUNNING` is a state,
//! `2   AUTO_START` a start type. From the corpus (Wine's `sc.exe query EventLog`):
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

/// The service types `sc` prints after the type number, in every language.
fn is_service_type(word: &str) -> bool {
    word.starts_with("WIN32")
        || word.starts_with("USER_")
        || matches!(
            word,
            "KERNEL_DRIVER" | "FILE_SYSTEM_DRIVER" | "ADAPTER" | "RECOGNIZER_DRIVER"
        )
}

/// `LABEL: value` at the left margin: the service name line (`SERVICE_NAME: NlaSvc`,
/// `NOMBRE_SERVICIO: NlaSvc`) or the display name line of `sc query`.
fn margin_label(line: &str) -> Option<&str> {
    if line.starts_with([' ', '\t']) || line.starts_with('[') {
        return None;
    }
    let (label, value) = line.split_once(':')?;
    let label = label.trim();
    let ok = !label.is_empty()
        && label
            .chars()
            .all(|c| c.is_alphabetic() || c == '_' || c.is_ascii_digit());
    ok.then(|| value.trim())
}

/// What a text of `sc` blocks holds: states (`sc query`), start types (`sc qc`), or only
/// the answer that the service does not exist.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScOutput {
    Query,
    Config,
    NotInstalled,
}

/// Recognises `sc query` / `sc qc` output by its shape, in any language.
pub fn sc_output(lines: &[(usize, &str)]) -> Option<ScOutput> {
    let mut typed = false;
    let (mut states, mut starts) = (0, 0);
    let mut name_above = false;
    for &(_, line) in lines {
        if margin_label(line).is_some() {
            name_above = true;
            continue;
        }
        let Some((number, word, _)) = value_word(line.trim()) else {
            continue;
        };
        if name_above && is_service_type(word) {
            typed = true;
        } else if typed && STATES.iter().any(|(v, w, _)| *v == number && *w == word) {
            states += 1;
        } else if typed
            && START_TYPES
                .iter()
                .any(|(v, w, _)| *v == number && *w == word)
        {
            starts += 1;
        }
    }
    let missing = lines.iter().any(|(_, l)| is_not_installed(l.trim()));
    match (states, starts) {
        (s, q) if s > 0 && s >= q => Some(ScOutput::Query),
        (_, q) if q > 0 => Some(ScOutput::Config),
        _ if missing => Some(ScOutput::NotInstalled),
        _ => None,
    }
}

/// `[SC] OpenService FAILED 1060:` in any language.
fn is_not_installed(t: &str) -> bool {
    t.starts_with("[SC]") && t.contains(" 1060")
}

/// Reads every `sc query` / `sc qc` block of a text. `command_service` names the service
/// when the text is one `sc ... NAME` answer that failed (the answer does not name it).
pub fn parse_sc(
    lines: &[(usize, &str)],
    command_service: Option<&str>,
) -> Result<Vec<ServiceState>, String> {
    let mut out: Vec<ServiceState> = Vec::new();
    let mut missing_at: Option<usize> = None;
    // The first margin line of a block names the service; the block is only taken when a
    // service type follows it (a display name line may come between).
    let mut candidate: Option<(usize, &str)> = None;
    let mut in_block = false;
    let mut after_indented = false;
    for &(n, line) in lines {
        let t = line.trim();
        if t.is_empty() {
            in_block = false;
            continue;
        }
        if let Some(value) = margin_label(line) {
            if t.starts_with("SERVICE_NAME:") {
                out.push(service(value, n));
                in_block = true;
                candidate = None;
            } else if (!in_block && candidate.is_none()) || after_indented {
                // A new block without a blank line between.
                in_block = false;
                candidate = Some((n, value));
            }
            after_indented = false;
            continue;
        }
        after_indented = line.starts_with([' ', '\t']);
        if is_not_installed(t) {
            missing_at = Some(n);
            continue;
        }
        let Some((number, word, delayed)) = value_word(t) else {
            continue;
        };
        if is_service_type(word) {
            if let Some((at, name)) = candidate.take() {
                out.push(service(name, at));
            }
            in_block = true;
            continue;
        }
        candidate = None;
        let Some(current) = out.last_mut().filter(|_| in_block) else {
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
                missing: true,
                ..service(name, line)
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
        return Err("no service block (a NAME: line followed by a service type)".to_owned());
    }
    Ok(out)
}

fn service(name: &str, line: usize) -> ServiceState {
    ServiceState {
        name: name.trim().to_owned(),
        state: None,
        start_type: None,
        missing: false,
        line,
    }
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
        // Spanish and Italian translate the label of the service name too.
        let es = "NOMBRE_SERVICIO: NlaSvc\r\nNOMBRE_MOSTRAR: Reconocimiento de ubicación de red\r\n        TIPO               : 30  WIN32\r\n        ESTADO             : 1  STOPPED\r\n";
        let s = parse_sc(&lines(es), None).unwrap();
        assert_eq!(
            (s[0].name.as_str(), s[0].state),
            ("NlaSvc", Some("stopped"))
        );
        assert_eq!(sc_output(&lines(es)), Some(ScOutput::Query));
        let it = "[SC] QueryServiceConfig OPERAZIONI RIUSCITE\r\n\r\nNOME_SERVIZIO: netprofm\r\n        TIPO                  : 20  WIN32_SHARE_PROCESS\r\n        TIPO_AVVIO            : 4   DISABLED\r\n";
        let s = parse_sc(&lines(it), None).unwrap();
        assert_eq!(
            (s[0].name.as_str(), s[0].start_type),
            ("netprofm", Some("disabled"))
        );
        assert_eq!(sc_output(&lines(it)), Some(ScOutput::Config));
        assert_eq!(
            sc_output(&lines("NAME: x\r\n  other : 4 RUNNING\r\n")),
            None
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
