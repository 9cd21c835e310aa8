//! One snapshot, end to end: decode and classify every artifact, run the parser of its
//! kind, merge what the parsers produced into [`Inputs`], build the [`Facts`], evaluate
//! the rules. Everything that could not be read becomes a [`Problem`]; every artifact is
//! listed with what was made of it, so nothing is skipped silently.

use crate::classify::{self, ArtifactKind};
use crate::decode::{self, CodePage, CodePageHints, Encoding};
use crate::facts::services::StateSource;
use crate::facts::{Facts, Inputs};
use crate::parse::{
    accounts, hotfix, ipconfig, licenses, licensing, manifest, netsh_winhttp, probes, services,
    winsock,
};
use crate::problem::{Problem, ProblemKind};
use crate::rules::{Finding, RuleSet, collect};
use crate::snapshot::{Artifact, Snapshot, SourceFormat};
use serde::Serialize;

mod event_logs;
mod reg_files;
mod soundness;

/// What the analyzer made of one artifact.
#[derive(Debug, Clone, Serialize)]
pub struct ArtifactInfo {
    pub path: String,
    pub kind: ArtifactKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encoding: Option<Encoding>,
    pub bytes: usize,
    /// Whether facts were taken from it.
    pub used: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Where the snapshot came from and whose machine it shows.
#[derive(Debug, Clone, Serialize)]
pub struct SnapshotInfo {
    pub source: String,
    pub format: SourceFormat,
    pub collected_at: Option<String>,
    pub host: Option<String>,
    pub user: Option<String>,
    pub os: Option<String>,
    /// Office's version, channel and platform (`16.0.17928.20156 (Current channel, x64)`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub office: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub collector: Option<String>,
    /// Whether the collector ran elevated, as its manifest says.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub elevated: Option<bool>,
    /// Caveats about the whole snapshot (an elevated collection, a second manifest).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// The result of analyzing one snapshot.
#[derive(Debug)]
pub struct Analysis {
    pub snapshot: SnapshotInfo,
    pub inputs: Inputs,
    pub facts: Facts,
    pub findings: Vec<Finding>,
    pub artifacts: Vec<ArtifactInfo>,
    pub problems: Vec<Problem>,
    /// Set when no artifact could be read (none of a kind caadoctor knows): what became of
    /// the snapshot's files, as `42 files: 40 encrypted, 2 not recognised`. The verdicts are
    /// then all `unknown`, and the snapshot counts as not analyzed.
    pub nothing_read: Option<String>,
}

/// What to say about an artifact no parser reads.
fn pending_note(kind: ArtifactKind) -> Option<&'static str> {
    (kind == ArtifactKind::Unknown).then_some("not a kind of artifact caadoctor knows; not read")
}

struct Decoded<'a> {
    artifact: &'a Artifact,
    kind: ArtifactKind,
    text: Option<decode::Text>,
    /// The kind is the manifest's, not the content's.
    declared: bool,
}

/// How an analysis is run.
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    /// Check every artifact against the size and SHA-256 the manifest records
    /// ([`integrity`](crate::integrity)). Off only to measure what the check costs.
    pub verify: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings { verify: true }
    }
}

/// Analyzes a snapshot with a rule set.
pub fn analyze(snapshot: Snapshot, rules: &RuleSet) -> Analysis {
    analyze_with(snapshot, rules, Settings::default())
}

/// Analyzes a snapshot with a rule set and [`Settings`].
pub fn analyze_with(snapshot: Snapshot, rules: &RuleSet, settings: Settings) -> Analysis {
    let mut problems = snapshot.problems.clone();
    let mut inputs = Inputs::default();
    inputs.registry = crate::facts::registry_view();
    let mut notes = Vec::new();

    // Pass 1: what is each artifact? The manifest, if any, tells the code pages; a `.reg`
    // file in a legacy page is read in the ANSI one.
    let mut decoded: Vec<Decoded<'_>> = snapshot.artifacts.iter().map(|a| first_look(a)).collect();
    for d in decoded.iter().filter(|d| d.kind == ArtifactKind::Manifest) {
        let Some(text) = &d.text else { continue };
        let parsed = if text.text.len() > MAX_MANIFEST {
            Err(format!(
                "{} MiB, more than any collector writes ({} MiB at most is read)",
                text.text.len() >> 20,
                MAX_MANIFEST >> 20
            ))
        } else {
            manifest::parse(&text.text)
        };
        match parsed {
            Ok(m) if inputs.manifest.is_none() => inputs.set_manifest(&d.artifact.path, m),
            Ok(_) => notes.push(format!(
                "more than one collector manifest; {} was not used",
                d.artifact.path
            )),
            Err(e) => problems.push(Problem::new(
                Some(&d.artifact.path),
                ProblemKind::Parse,
                format!("collector manifest unreadable ({e}); the snapshot is read without it"),
            )),
        }
    }
    // The manifest names the command behind each file it lists: that decides the kind.
    for d in decoded.iter_mut() {
        let declared = inputs
            .step_for(&d.artifact.path)
            .and_then(classify::declared_kind);
        if let Some(kind) = declared.filter(|k| *k != d.kind) {
            let binary_kind = kind == ArtifactKind::EventLog;
            if binary_kind == d.text.is_none() {
                d.kind = kind;
                d.declared = true;
            }
        }
    }
    // Run elevated as another account, the collector read the signed-in user's settings
    // from HKEY_USERS\<sid>: they are HKCU.
    if let Some(sid) = inputs
        .manifest
        .as_ref()
        .and_then(|(_, m)| m.user_hive.as_ref())
        .map(|h| h.sid.clone())
    {
        inputs.registry.read_user_hive_as_hkcu(&sid);
    }
    let paths: Vec<&str> = snapshot.artifacts.iter().map(|a| a.path.as_str()).collect();
    let account = crate::collection::account(
        inputs.manifest.as_ref().map(|(p, m)| (p.as_str(), m)),
        &paths,
    );
    problems.extend(account.problems);
    notes.extend(account.notes);
    let to_verify = if settings.verify {
        soundness::to_verify(&snapshot, &inputs, &account.unread)
    } else {
        Vec::new()
    };
    let verified_at = problems.len();
    let hints = code_page_hints(&inputs);
    let ansi = reg_files::ansi_page(&hints);
    for d in decoded.iter_mut() {
        let legacy = d
            .text
            .as_ref()
            .is_some_and(|t| matches!(t.encoding, Encoding::Legacy(_)));
        if !legacy {
            continue;
        }
        let redecoded = if d.kind == ArtifactKind::RegExport {
            reg_files::decode_ansi(&d.artifact.bytes, ansi)
        } else if hints.oem.is_some() || hints.ansi.is_some() {
            decode::decode(&d.artifact.bytes, &hints).ok()
        } else {
            None
        };
        if let Some(t) = redecoded {
            if !d.declared {
                d.kind = classify::classify_text(&t.text);
            }
            d.text = Some(t);
        }
    }

    // Pass 2: parse what we can. The digests of the artifacts are computed beside it, on a
    // second thread: the analysis is one thread, and hashing every byte is its largest
    // fixed cost.
    let (artifacts, mismatches) = std::thread::scope(|scope| {
        let hashing =
            (!to_verify.is_empty()).then(|| scope.spawn(|| soundness::verify(&to_verify)));
        let artifacts = parse_all(&decoded, &account.unread, ansi, &mut inputs, &mut problems);
        (artifacts, hashing.map(|h| h.join()))
    });
    let mut mismatches = match mismatches {
        None => Vec::new(),
        Some(Ok(found)) => found,
        Some(Err(_)) => vec![Problem::new(
            None,
            ProblemKind::Integrity,
            "the artifacts could not be checked against the manifest (the check failed); please report this snapshot",
        )],
    };
    if settings.verify {
        mismatches.extend(soundness::missing(&snapshot, &inputs));
    }
    problems.splice(verified_at..verified_at, mismatches);
    inputs.apply_manifest();
    let nothing_read = soundness::nothing_read(&snapshot, &artifacts, &account.unread);
    if let Some(what) = &nothing_read {
        problems.push(Problem::new(
            None,
            ProblemKind::Unreadable,
            format!("no snapshot artifact could be read ({what})"),
        ));
    }

    let (facts, fact_problems) = Facts::build(&inputs, &rules.wanted());
    problems.extend(fact_problems);
    let findings = rules.evaluate(&facts, &|way| collect::collected(&inputs, way));
    let snapshot_info = snapshot_info(&snapshot, &inputs, &facts, notes);
    Analysis {
        snapshot: snapshot_info,
        inputs,
        facts,
        findings,
        artifacts,
        problems,
        nothing_read,
    }
}

/// Pass 2: runs the parser of each artifact's kind into `inputs`; says what was made of
/// each artifact, and adds what could not be read to `problems`.
fn parse_all(
    decoded: &[Decoded<'_>],
    unread: &std::collections::BTreeSet<String>,
    ansi: CodePage,
    inputs: &mut Inputs,
    problems: &mut Vec<Problem>,
) -> Vec<ArtifactInfo> {
    let mut artifacts = Vec::with_capacity(decoded.len());
    for d in decoded {
        let path = d.artifact.path.as_str();
        let damage = d
            .text
            .as_ref()
            .and_then(|t| t.damage.clone())
            .filter(|_| d.kind != ArtifactKind::Unknown && !unread.contains(path));
        let outcome = match &d.text {
            _ if unread.contains(path) => Outcome {
                note: Some("left by a collection step that did not finish; not read".to_owned()),
                ..Outcome::default()
            },
            Some(text) => take(d.kind, path, text, ansi, inputs),
            None if d.kind == ArtifactKind::EventLog => {
                event_logs::take(path, &d.artifact.bytes, inputs)
            }
            None => Outcome::default(),
        };
        if let Some(t) = d
            .text
            .as_ref()
            .filter(|t| t.guessed && d.kind != ArtifactKind::Unknown)
        {
            problems.push(Problem::new(
                Some(path),
                ProblemKind::Decode,
                format!(
                    "decoded as {}, a guess from its bytes: no collector manifest names the \
                     machine's code pages; names with accents or non-Latin letters may read wrong",
                    t.encoding
                ),
            ));
        }
        problems.extend(
            outcome
                .parts
                .iter()
                .map(|m| Problem::new(Some(path), ProblemKind::Parse, m.clone())),
        );
        let used = outcome.used;
        let parse_problem = outcome.problem;
        // One problem per artifact: what the decoder met, then what the parser met.
        match (damage, parse_problem) {
            (None, None) => {}
            (Some(damage), None) => problems.push(Problem::new(
                Some(path),
                ProblemKind::Decode,
                format!("{damage}; the rest was read"),
            )),
            (damage, Some(parsed)) => {
                let message = match damage {
                    Some(d) => format!("{d}; {parsed}"),
                    None => parsed,
                };
                problems.push(Problem::new(Some(path), ProblemKind::Parse, message));
            }
        }
        artifacts.push(ArtifactInfo {
            path: path.to_owned(),
            kind: d.kind,
            encoding: d.text.as_ref().map(|t| t.encoding),
            bytes: d.artifact.bytes.len(),
            used,
            note: match (d.kind, &d.text) {
                (ArtifactKind::Unknown, None) => {
                    Some("binary data of no kind caadoctor knows; not read".to_owned())
                }
                (kind, _) => outcome
                    .note
                    .or_else(|| pending_note(kind).map(str::to_owned)),
            },
        });
    }
    artifacts
}

/// What parsing one artifact gave.
#[derive(Default)]
struct Outcome {
    /// Facts may come from it.
    used: bool,
    /// Why (part of) it could not be read: becomes a problem.
    problem: Option<String>,
    /// Why it was read but not used (a second copy of the same output).
    note: Option<String>,
    /// Damaged parts of an artifact that was otherwise read (an event log's chunks): one
    /// problem each.
    parts: Vec<String>,
}

/// Keeps the first parsed copy, or turns the parser's error into a problem.
fn first<T, E: std::fmt::Display>(
    slot: &mut Option<(String, T)>,
    path: &str,
    parsed: Result<T, E>,
) -> Outcome {
    match parsed {
        Ok(value) => keep_first(slot, (path.to_owned(), value)),
        Err(e) => not_read(e),
    }
}

/// Keeps the first parsed copy of a one-per-snapshot output.
fn keep_first<T>(slot: &mut Option<T>, value: T) -> Outcome {
    if slot.is_some() {
        return Outcome {
            note: Some(
                "another copy of this output was read first; this one was not used".to_owned(),
            ),
            ..Outcome::default()
        };
    }
    *slot = Some(value);
    Outcome {
        used: true,
        ..Outcome::default()
    }
}

/// A command output or a document of ours larger than this is not read: the largest real
/// ones (an update list, a Winsock catalog) are a few hundred KiB, and their parsers hold
/// structures several times the size of their input.
const MAX_DOCUMENT: usize = 16 << 20;
/// The collector's manifest is a few tens of KiB; one larger than this is not read.
const MAX_MANIFEST: usize = 4 << 20;
/// Lines of a line-by-line output read at most: each costs its parser a place in an index.
const MAX_LINES: usize = 200_000;

/// Runs the parser of the artifact's kind and stores what it gives in `inputs`.
fn take(
    kind: ArtifactKind,
    path: &str,
    text: &decode::Text,
    ansi: CodePage,
    inputs: &mut Inputs,
) -> Outcome {
    if !matches!(kind, ArtifactKind::RegExport | ArtifactKind::RegQuery)
        && text.text.len() > MAX_DOCUMENT
    {
        return not_read(format!(
            "{} MiB of text, more than any {} (at most {} MiB is read)",
            text.text.len() >> 20,
            kind.name(),
            MAX_DOCUMENT >> 20
        ));
    }
    let lines = || text.lines().take(MAX_LINES).collect::<Vec<(usize, &str)>>();
    let outcome = take_kind(kind, path, text, ansi, &lines, inputs);
    let count = memchr::memchr_iter(b'\n', text.text.as_bytes()).count() + 1;
    if count <= MAX_LINES || kind == ArtifactKind::RegExport {
        return outcome;
    }
    let mut outcome = outcome;
    outcome.parts.push(format!(
        "only its first {MAX_LINES} lines of {count} were read: no real output of its kind is longer"
    ));
    outcome
}

/// Runs the parser of `kind`; `lines` gives the text's first [`MAX_LINES`] lines.
fn take_kind<'t>(
    kind: ArtifactKind,
    path: &str,
    text: &'t decode::Text,
    ansi: CodePage,
    lines: &dyn Fn() -> Vec<(usize, &'t str)>,
    inputs: &mut Inputs,
) -> Outcome {
    match kind {
        ArtifactKind::RegExport => reg_files::take(path, text, ansi, inputs),
        ArtifactKind::RegQuery => reg_files::take_query(path, &lines(), inputs),
        ArtifactKind::NetshWinhttpProxy => match netsh_winhttp::parse_proxy(&lines()) {
            Ok(n) => keep_first(&mut inputs.netsh_proxy, (path.to_owned(), n)),
            Err(e) => failed(e.line, &e.message),
        },
        ArtifactKind::NetshWinhttpAdvproxy => match netsh_winhttp::parse_advproxy(&text.text) {
            Ok((line, a)) => keep_first(&mut inputs.advproxy, (path.to_owned(), line, a)),
            Err(e) => failed(e.line, &e.message),
        },
        ArtifactKind::ScQuery | ArtifactKind::ScQc => {
            let lines = lines();
            let command = inputs.step_for(path).and_then(|s| s.command.clone());
            let named = command.as_deref().and_then(services::service_of_command);
            let label = if kind == ArtifactKind::ScQuery {
                "sc query"
            } else {
                "sc qc"
            };
            match services::parse_sc(&lines, named) {
                Ok(states) => keep_states(inputs, path, label, states),
                Err(e) => not_read(e),
            }
        }
        ArtifactKind::ServicesJson => match services::parse_json(&text.text) {
            Ok(states) => keep_states(inputs, path, "Get-Service", states),
            Err(e) => not_read(e),
        },
        ArtifactKind::CmdkeyList => {
            first(&mut inputs.cmdkey, path, accounts::parse_cmdkey(&lines()))
        }
        ArtifactKind::Dsregcmd => first(
            &mut inputs.dsregcmd,
            path,
            accounts::parse_dsregcmd(&lines()),
        ),
        ArtifactKind::WhoamiUpn => match accounts::parse_whoami_upn(&text.text) {
            Some((line, upn)) => keep_first(&mut inputs.whoami_upn, (path.to_owned(), line, upn)),
            None => Outcome::default(),
        },
        ArtifactKind::NetshWinsockCatalog => {
            first(&mut inputs.winsock, path, winsock::parse(&lines()))
        }
        ArtifactKind::HotfixList => {
            match hotfix::parse(&text.text, &lines(), inputs.date_order()) {
                Ok(list) => Outcome {
                    parts: list.notes,
                    ..keep_first(&mut inputs.hotfixes, (path.to_owned(), list.fixes))
                },
                Err(e) => not_read(e),
            }
        }
        ArtifactKind::ProbeResults => match probes::parse(&text.text) {
            Ok(p) => {
                // The line of each result: where its URL first appears after the previous one.
                // Counted on from the previous result, so the text is read once.
                let mut lines = Vec::with_capacity(p.results.len());
                let (mut from, mut line) = (0, 1);
                for r in &p.results {
                    let needle = format!("\"{}\"", r.url);
                    let at = text.text[from..].find(&needle).map_or(from, |i| from + i);
                    line += memchr::memchr_iter(b'\n', &text.text.as_bytes()[from..at]).count();
                    lines.push(line);
                    from = at;
                }
                keep_first(&mut inputs.probes, (path.to_owned(), p, lines))
            }
            Err(e) => not_read(e),
        },
        ArtifactKind::IpconfigAll => first(&mut inputs.ipconfig, path, ipconfig::parse(&lines())),
        ArtifactKind::VnextdiagList => {
            let v = licensing::parse_vnextdiag(&lines());
            let problem = v.errors.first().map(|(line, e)| {
                format!(
                    "{} licence object(s) not read (the first at line {line}: {e})",
                    v.errors.len()
                )
            });
            Outcome {
                problem,
                ..keep_first(&mut inputs.vnextdiag, (path.to_owned(), v))
            }
        }
        ArtifactKind::OsppDstatus => keep_first(
            &mut inputs.ospp,
            (path.to_owned(), licensing::parse_ospp(&lines())),
        ),
        ArtifactKind::OfficeLicenses => {
            first(&mut inputs.licenses, path, licenses::parse(&text.text))
        }
        ArtifactKind::Manifest => Outcome {
            used: inputs.manifest.as_ref().is_some_and(|(p, _)| p == path),
            ..Outcome::default()
        },
        _ => Outcome::default(),
    }
}

fn keep_states(
    inputs: &mut Inputs,
    path: &str,
    command: &'static str,
    states: Vec<services::ServiceState>,
) -> Outcome {
    inputs
        .service_states
        .extend(states.into_iter().map(|state| StateSource {
            artifact: path.to_owned(),
            command,
            state,
        }));
    Outcome {
        used: true,
        ..Outcome::default()
    }
}

fn not_read(reason: impl std::fmt::Display) -> Outcome {
    Outcome {
        problem: Some(format!("not read: {reason}")),
        ..Outcome::default()
    }
}

fn failed(line: usize, message: &str) -> Outcome {
    Outcome {
        problem: Some(format!("not read: line {line}: {message}")),
        ..Outcome::default()
    }
}

fn first_look(artifact: &Artifact) -> Decoded<'_> {
    if let Some(kind) = classify::classify_bytes(&artifact.bytes) {
        return Decoded {
            artifact,
            kind,
            text: None,
            declared: false,
        };
    }
    match decode::decode(&artifact.bytes, &CodePageHints::default()) {
        Ok(text) => Decoded {
            artifact,
            kind: classify::classify_text(&text.text),
            text: Some(text),
            declared: false,
        },
        Err(_) => Decoded {
            artifact,
            kind: ArtifactKind::Unknown,
            text: None,
            declared: false,
        },
    }
}

fn code_page_hints(inputs: &Inputs) -> CodePageHints {
    let pages = inputs.manifest.as_ref().and_then(|(_, m)| m.codepages);
    CodePageHints {
        oem: pages.and_then(|p| p.oem).and_then(CodePage::from_number),
        ansi: pages.and_then(|p| p.ansi).and_then(CodePage::from_number),
    }
}

fn snapshot_info(
    snapshot: &Snapshot,
    inputs: &Inputs,
    facts: &Facts,
    mut notes: Vec<String>,
) -> SnapshotInfo {
    let m = inputs.manifest.as_ref().map(|(_, m)| m);
    match (m.and_then(|m| m.elevated), m.and_then(|m| m.user_hive.as_ref())) {
        (Some(true), Some(h)) => notes.push(format!(
            "the collector ran elevated as another account: the signed-in user's settings ({}) were read from HKEY_USERS\\{} as HKCU; Credential Manager and the licence folders are still the administrator's",
            h.user.as_deref().unwrap_or("user"),
            h.sid
        )),
        (Some(true), None) => notes.push(
            "the collector ran elevated: HKCU settings are the administrator's, not the user's"
                .to_owned(),
        ),
        _ => {}
    }
    let os = facts.os.name.as_ref().map(|n| {
        let build = facts.os.build.as_ref().map(|b| b.value);
        let ubr = facts.os.ubr.as_ref().map(|u| u.value);
        match (build, ubr) {
            (Some(b), Some(u)) => format!("{} (build {b}.{u})", n.value),
            (Some(b), None) => format!("{} (build {b})", n.value),
            _ => n.value.clone(),
        }
    });
    SnapshotInfo {
        source: snapshot.source.clone(),
        format: snapshot.format,
        collected_at: m.and_then(|m| m.started.clone()),
        host: m.and_then(|m| m.host.clone()),
        user: m.and_then(|m| m.user.clone()),
        os: os.or_else(|| {
            m.and_then(|m| m.os.as_ref())
                .and_then(|o| o.caption.clone())
        }),
        office: office_line(facts),
        elevated: m.and_then(|m| m.elevated),
        collector: m.and_then(|m| m.collector.as_ref()).map(|c| {
            format!(
                "{} {}",
                c.name.as_deref().unwrap_or("collector"),
                c.version.as_deref().unwrap_or("")
            )
            .trim()
            .to_owned()
        }),
        notes,
    }
}

/// `16.0.17928.20156 (Current channel, x64)`, from the Office facts.
fn office_line(facts: &Facts) -> Option<String> {
    let o = &facts.office;
    let version = o.version.as_ref()?.value.clone();
    let about: Vec<String> = [
        o.channel.as_ref().map(|c| format!("{} channel", c.value)),
        o.platform.as_ref().map(|p| p.value.clone()),
    ]
    .into_iter()
    .flatten()
    .collect();
    Some(if about.is_empty() {
        version
    } else {
        format!("{version} ({})", about.join(", "))
    })
}
