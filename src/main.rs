//! The `caadoctor` command: argument parsing and exit codes. The work is in the library.
#![forbid(unsafe_code)]

use caadoctor::analysis;
use caadoctor::redact::{self, Pseudonymizer};
use caadoctor::report::{FactsDocument, Report, html, markdown, table};
use caadoctor::rules::{RuleSet, Status};
use caadoctor::snapshot::{self, Limits};
use clap::{Parser, Subcommand, ValueEnum};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

mod cmd_bulk;

/// Exit codes, a documented contract (README, "Exit codes").
const EXIT_CLEAN: u8 = 0;
const EXIT_FAIL_FOUND: u8 = 1;
const EXIT_CANNOT_ANALYZE: u8 = 2;

#[derive(Parser)]
#[command(
    name = "caadoctor",
    version,
    about = "Finds why Microsoft 365 Apps activation fails with 0xCAA70007 / 0xCAA80000, from a support snapshot of the failing PC.",
    after_help = "Examples:\n  caadoctor analyze caadoctor-PC042-20261120-101203.zip\n  caadoctor analyze snapshot-folder/ --format json > report.json\n  caadoctor analyze snapshot.zip --format html --output report.html --redact --redact-map map.json\n  caadoctor facts snapshot.zip\n  caadoctor rules\n  caadoctor decode 0xCAA82EFD\n  caadoctor collector --out to-send/\n  caadoctor fix snapshot.zip --out to-send/\n  caadoctor diff before.zip after.zip\n\nExit codes (analyze): 0 analyzed, nothing failed; 1 analyzed, at least one rule failed; 2 could not analyze. Each command's --help gives its own."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Analyze one snapshot (zip, folder, or a single exported file) and report every cause.
    #[command(after_help = ANALYZE_HELP)]
    Analyze {
        /// The snapshot: the collector's zip, its folder, or files exported by hand.
        path: PathBuf,
        /// table for the terminal, json for tools, markdown for a ticket comment, html for
        /// one self-contained page to attach or print.
        #[arg(long, value_enum, default_value_t = ReportFormat::Table)]
        format: ReportFormat,
        /// Write the report to FILE instead of standard output (never inside the snapshot).
        #[arg(long, short = 'o', value_name = "FILE")]
        output: Option<PathBuf>,
        /// Add or override rules with the *.toml files of this folder.
        #[arg(long, value_name = "DIR")]
        rules: Option<PathBuf>,
        /// When to colour the table.
        #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
        color: ColorChoice,
        #[command(flatten)]
        redact: RedactArgs,
    },
    /// Print the facts read from a snapshot, with their evidence, as JSON.
    Facts {
        path: PathBuf,
        /// Rules whose facts to establish (services they name), as for analyze.
        #[arg(long, value_name = "DIR")]
        rules: Option<PathBuf>,
        #[command(flatten)]
        redact: RedactArgs,
    },
    /// Analyze many support archives (zips and snapshot folders): one record per archive,
    /// in input order, and a fleet summary.
    #[command(
        after_help = "Examples:\n  caadoctor bulk tickets/ --format csv --output results.csv --summary summary.json\n  caadoctor bulk tickets/ --redact --redact-map map.json > results.jsonl\n  find /data -name '*.zip' | caadoctor bulk --from-list - --jobs 8 > results.jsonl\n  caadoctor bulk --from-list all.txt --shard 3/16 > part-3.jsonl\n\nExit codes: 0 every archive analyzed; 2 at least one could not be (its record says why), no archive under the paths, or bad usage."
    )]
    Bulk(cmd_bulk::BulkArgs),
    /// The fleet summary and dashboard from record files written earlier (bulk runs,
    /// shards, Spark), as if one bulk run had analyzed every archive.
    #[command(
        after_help = "Examples:\n  caadoctor fleet part-*.jsonl --summary summary.json --html fleet.html\n  caadoctor fleet spark-out/records/ --html fleet.html --redact\n\nExit codes: 0 read; 2 a record file could not be read, or a line in it is not a record (the rest is still counted), or bad usage."
    )]
    Fleet(cmd_bulk::FleetArgs),
    /// Explain error codes: 0xCAA… sign-in codes, HRESULTs, WinHTTP and Win32 numbers.
    #[command(
        after_help = "Examples:\n  caadoctor decode 0xCAA82EFD\n  caadoctor decode 0xCAA70007 -2147012867 12175 --format json"
    )]
    Decode {
        /// Codes as seen: 0xCAA82EFD, CAA82EFD, 0x80072EFD, -2147012867, 12029, %%2147942414, AADSTS50155.
        #[arg(required = true, allow_negative_numbers = true)]
        codes: Vec<String>,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Write the collector (the PowerShell script and its double-click launcher) to a folder,
    /// to send to the user of the failing PC.
    #[command(
        after_help = "Example:\n  caadoctor collector --out to-send/\n\nThe user puts both files in one folder and double-clicks caadoctor-collect.cmd;\nthe zip it makes on the Desktop is what `caadoctor analyze` reads."
    )]
    Collector {
        /// Folder to write the two files to (created if missing; files there are replaced).
        #[arg(long, value_name = "DIR", default_value = ".")]
        out: PathBuf,
    },
    /// Write the remediation of a snapshot's findings: a PowerShell script for the user's PC
    /// (with its double-click launcher and the collector, for the "after" snapshot), or the
    /// plan it is made from, as JSON.
    #[command(
        after_help = "Examples:\n  caadoctor fix samples/win7-sp1-no-tls12.zip --out fix/\n  caadoctor fix snapshot.zip --format json --only tls12,proxy\n  caadoctor fix snapshot.zip --exclude activation-state --out to-send/\n\nThe script changes only what the snapshot showed (it checks each value on the PC first),\nbacks up before each change, writes caadoctor-undo.ps1, asks once, and asks Windows for\nadministrator rights only when a change needs them. docs/fix-plan.md describes the plan.\n\nExit codes: 0 written (or nothing to change); 2 the snapshot or the options could not be used."
    )]
    Fix {
        /// The snapshot the plan is made from (zip, folder or exported files).
        path: PathBuf,
        /// Folder for the files (created if missing; files there are replaced). With --format
        /// json, the plan is written there as caadoctor-fix-plan.json instead of printed.
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        /// Act only on these rules.
        #[arg(long, value_name = "RULE,...", value_delimiter = ',')]
        only: Vec<String>,
        /// Leave these rules alone.
        #[arg(long, value_name = "RULE,...", value_delimiter = ',')]
        exclude: Vec<String>,
        #[arg(long, value_enum, default_value_t = FixFormat::Ps1)]
        format: FixFormat,
        /// Add or override rules with the *.toml files of this folder.
        #[arg(long, value_name = "DIR")]
        rules: Option<PathBuf>,
    },
    /// Compare two snapshots of the same PC, before and after a fix: per rule the verdict
    /// before and after, the facts that changed with their evidence, artifacts added or
    /// missing, and sign-in codes logged after the first snapshot.
    #[command(
        after_help = "Examples:\n  caadoctor diff before.zip after.zip\n  caadoctor diff before.zip after.zip --format markdown > ticket.md\n\nExit codes: 0 no rule got worse; 1 at least one rule got worse; 2 a snapshot could not be read."
    )]
    Diff {
        /// The snapshot before the fix.
        before: PathBuf,
        /// The snapshot after it.
        after: PathBuf,
        #[arg(long, value_enum, default_value_t = DiffFormat::Table)]
        format: DiffFormat,
        /// Add or override rules with the *.toml files of this folder.
        #[arg(long, value_name = "DIR")]
        rules: Option<PathBuf>,
    },
    /// List the rules: id, title, severity and the article section each maps to.
    Rules {
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
        #[arg(long, value_name = "DIR")]
        rules: Option<PathBuf>,
        /// Also list every fact a rule condition can use.
        #[arg(long)]
        facts: bool,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Table,
    Json,
}

/// What `analyze` writes.
#[derive(Clone, Copy, ValueEnum)]
enum ReportFormat {
    Table,
    Json,
    #[value(alias = "md")]
    Markdown,
    Html,
}

const ANALYZE_HELP: &str = "Examples:
  caadoctor analyze samples/win7-sp1-no-tls12.zip --format json
  caadoctor analyze snapshot.zip --format html --output report.html
  caadoctor analyze snapshot.zip --format markdown --redact > comment.md
  caadoctor analyze snapshot.zip --format html -o report.html --redact-map map.json --redact-keywords words.txt

The HTML page is one file that opens offline (no script, font, image or link loads
anything); Markdown is short enough for a ticket comment, with the evidence folded.
With --redact every format shows the same pseudonyms; --redact-map keeps the way back.";

/// Pseudonyms for names, addresses and ids of people and organisations.
#[derive(clap::Args)]
struct RedactArgs {
    /// Replace what identifies a person or an organisation (host, user, UPN, tenant, ids,
    /// IP and MAC addresses, proxies, profile paths) by consistent pseudonyms: host-1,
    /// user-1, proxy.org-1.example:3128, 10.255.0.1. Microsoft's endpoints, error codes,
    /// registry paths, build numbers and verdicts are kept.
    #[arg(long)]
    redact: bool,
    /// Write the map back (pseudonym → original) as JSON to FILE, to keep private.
    /// Implies --redact.
    #[arg(long, value_name = "FILE")]
    redact_map: Option<PathBuf>,
    /// Customer words to replace too, one per line (# starts a comment): a project name,
    /// a site. Implies --redact.
    #[arg(long, value_name = "FILE")]
    redact_keywords: Option<PathBuf>,
}

impl RedactArgs {
    /// The run's pseudonymizer, when redaction is asked for.
    fn start(&self) -> Result<Option<Pseudonymizer>, String> {
        if !self.redact && self.redact_map.is_none() && self.redact_keywords.is_none() {
            return Ok(None);
        }
        let mut p = Pseudonymizer::new();
        if let Some(path) = &self.redact_keywords {
            let text = std::fs::read_to_string(path)
                .map_err(|e| format!("cannot read the keywords {}: {e}", path.display()))?;
            for word in p.add_keywords(&text) {
                eprintln!(
                    "caadoctor: keyword '{word}' is one of caadoctor's own words (rules, paths, endpoints); not replaced"
                );
            }
        }
        Ok(Some(p))
    }

    /// Writes the map, when asked for.
    fn finish(&self, p: &Pseudonymizer, inputs: &[&Path]) -> Result<(), String> {
        match &self.redact_map {
            Some(path) => write_file(path, &p.map_json(), inputs, true),
            None => Ok(()),
        }
    }
}

#[derive(Clone, Copy, ValueEnum)]
enum DiffFormat {
    Table,
    Json,
    Markdown,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum FixFormat {
    Ps1,
    Json,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ColorChoice {
    Auto,
    Always,
    Never,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(message) => {
            eprintln!("caadoctor: error: {message}");
            ExitCode::from(EXIT_CANNOT_ANALYZE)
        }
    }
}

fn load_rules(dir: Option<&Path>) -> Result<RuleSet, String> {
    let mut set = RuleSet::builtin().map_err(|e| format!("built-in rule broken: {e}"))?;
    if let Some(dir) = dir {
        set.extend_from_dir(dir).map_err(|e| {
            format!("{e}\n  fix the rule file, or leave out --rules to use the built-in rules")
        })?;
    }
    Ok(set)
}

fn open(path: &Path) -> Result<snapshot::Snapshot, String> {
    snapshot::open(path, &Limits::default()).map_err(|e| {
        format!(
            "{e}\n  give the collector's zip, the folder it made, or a folder of exported files"
        )
    })
}

/// Says on standard error that nothing in the snapshot could be read (the report, with its
/// problems, is written all the same); true when so.
fn nothing_read(path: &Path, nothing: Option<&str>) -> bool {
    let Some(what) = nothing else {
        return false;
    };
    eprintln!(
        "caadoctor: error: no snapshot artifact could be read from {} ({what})\n  \
         the report lists why; give the collector's zip, the folder it made, or a folder of exported files",
        path.display()
    );
    true
}

fn print(text: &str) -> Result<(), String> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        // A closed pipe (`| head`) is not an error of ours.
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(format!("cannot write output: {e}"))
        }
        _ => Ok(()),
    }
}

/// Writes `text` to `path` whole or not at all (a temporary file renamed into place),
/// refusing to write into an input: a snapshot folder is evidence. `private` files (the
/// redaction map) are readable by their owner only.
fn write_file(path: &Path, text: &str, inputs: &[&Path], private: bool) -> Result<(), String> {
    let name = path
        .file_name()
        .ok_or_else(|| format!("{} is not a file name", path.display()))?;
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let dir = dir
        .canonicalize()
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    let target = dir.join(name);
    for input in inputs {
        let Ok(input) = input.canonicalize() else {
            continue;
        };
        if target == input || (input.is_dir() && target.starts_with(&input)) {
            return Err(format!(
                "will not write {} inside the snapshot {}\n  give a path outside it",
                path.display(),
                input.display()
            ));
        }
    }
    let tmp = dir.join(format!(
        ".{}.caadoctor-{}.tmp",
        name.to_string_lossy(),
        std::process::id()
    ));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    if private {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    #[cfg(not(unix))]
    let _ = private;
    let written = options
        .open(&tmp)
        .and_then(|mut f| f.write_all(text.as_bytes()).and_then(|_| f.sync_all()))
        .and_then(|_| std::fs::rename(&tmp, &target));
    written.map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        format!("cannot write {}: {e}", path.display())
    })
}

fn run(cli: Cli) -> Result<u8, String> {
    match cli.command {
        Command::Analyze {
            path,
            format,
            output,
            rules,
            color,
            redact,
        } => {
            let rules = load_rules(rules.as_deref())?;
            let pseudonyms = redact.start()?;
            let analysis = analysis::analyze(open(&path)?, &rules);
            let nothing = analysis.nothing_read.clone();
            let seeds = pseudonyms
                .as_ref()
                .map(|_| redact::seeds::collect(&analysis));
            let mut report = Report::from_analysis(analysis);
            if let (Some(mut p), Some(seeds)) = (pseudonyms, seeds) {
                p.redact(&seeds, &mut report);
                report.redacted = true;
                redact.finish(&p, &[&path])?;
            }
            let text = match format {
                ReportFormat::Json => report.to_json() + "\n",
                ReportFormat::Markdown => markdown::render(&report),
                ReportFormat::Html => html::render(&report),
                ReportFormat::Table => {
                    let tty = output.is_none() && std::io::stdout().is_terminal();
                    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
                    let color = match color {
                        ColorChoice::Always => true,
                        ColorChoice::Never => false,
                        ColorChoice::Auto => tty && !no_color,
                    };
                    let width = if tty { None } else { Some(110) };
                    table::render(&report, table::Style { color, width })
                }
            };
            match &output {
                Some(file) => write_file(file, &text, &[&path], false)?,
                None => print(&text)?,
            }
            if nothing_read(&path, nothing.as_deref()) {
                return Ok(EXIT_CANNOT_ANALYZE);
            }
            let failed = report.findings.iter().any(|f| f.status == Status::Fail);
            Ok(if failed { EXIT_FAIL_FOUND } else { EXIT_CLEAN })
        }
        Command::Facts {
            path,
            rules,
            redact,
        } => {
            let rules = load_rules(rules.as_deref())?;
            let pseudonyms = redact.start()?;
            let analysis = analysis::analyze(open(&path)?, &rules);
            let doc = FactsDocument::new(&analysis);
            let text = match pseudonyms {
                Some(mut p) => {
                    let mut value = serde_json::to_value(&doc)
                        .map_err(|e| format!("cannot build the facts document: {e}"))?;
                    p.redact(&redact::seeds::collect(&analysis), &mut value);
                    redact.finish(&p, &[&path])?;
                    serde_json::to_string_pretty(&value).unwrap_or_default()
                }
                None => doc.to_json(),
            };
            print(&(text + "\n"))?;
            if nothing_read(&path, analysis.nothing_read.as_deref()) {
                return Ok(EXIT_CANNOT_ANALYZE);
            }
            Ok(EXIT_CLEAN)
        }
        Command::Bulk(args) => cmd_bulk::bulk(args),
        Command::Fleet(args) => cmd_bulk::fleet(args),
        Command::Decode { codes, format } => {
            let mut decoded = Vec::with_capacity(codes.len());
            for text in &codes {
                use caadoctor::codes;
                let d = match (codes::parse_code(text), codes::parse_aadsts(text)) {
                    (Some(code), _) => codes::decode(code),
                    (None, Some(n)) => codes::decode_aadsts(n),
                    _ => {
                        return Err(format!(
                            "'{text}' is not a code\n  give it as 0xCAA82EFD, 0x80072EFD, -2147012867, 12029 or AADSTS50155"
                        ));
                    }
                };
                decoded.push(d);
            }
            print(&caadoctor::report::decode_listing(
                &decoded,
                matches!(format, Format::Json),
            ))?;
            Ok(EXIT_CLEAN)
        }
        Command::Collector { out } => {
            let written = caadoctor::collector::write_to(&out)
                .map_err(|e| format!("cannot write the collector to {}: {e}", out.display()))?;
            let mut text = String::new();
            for path in written {
                text.push_str(&format!("{}\n", path.display()));
            }
            text.push_str(
                "Send both files to the user: they go in one folder; double-click caadoctor-collect.cmd.\n",
            );
            print(&text)?;
            Ok(EXIT_CLEAN)
        }
        Command::Fix {
            path,
            out,
            only,
            exclude,
            format,
            rules,
        } => fix(
            &path,
            out.as_deref(),
            only,
            exclude,
            format,
            rules.as_deref(),
        ),
        Command::Diff {
            before,
            after,
            format,
            rules,
        } => {
            let rules = load_rules(rules.as_deref())?;
            let before = analysis::analyze(open(&before)?, &rules);
            let after = analysis::analyze(open(&after)?, &rules);
            let d = caadoctor::diff::diff(&before, &after);
            for w in &d.warnings {
                eprintln!("caadoctor: warning: {w}");
            }
            let text = match format {
                DiffFormat::Json => d.to_json() + "\n",
                DiffFormat::Markdown => caadoctor::diff::render::markdown(&d),
                DiffFormat::Table => {
                    let width = (!std::io::stdout().is_terminal()).then_some(110);
                    caadoctor::diff::render::table(&d, width)
                }
            };
            print(&text)?;
            Ok(if d.worse() {
                EXIT_FAIL_FOUND
            } else {
                EXIT_CLEAN
            })
        }
        Command::Rules {
            format,
            rules,
            facts,
        } => {
            let rules = load_rules(rules.as_deref())?;
            print(&caadoctor::report::rules_listing(
                &rules,
                matches!(format, Format::Json),
                facts,
            ))?;
            Ok(EXIT_CLEAN)
        }
    }
}

fn fix(
    path: &Path,
    out: Option<&Path>,
    only: Vec<String>,
    exclude: Vec<String>,
    format: FixFormat,
    rules: Option<&Path>,
) -> Result<u8, String> {
    use caadoctor::fix;
    let rules = load_rules(rules)?;
    let selection = fix::Selection::new(only, exclude, &rules).map_err(|e| {
        let ids: Vec<&str> = rules.rules.iter().map(|r| r.id.as_str()).collect();
        format!("{e}\n  rules: {}", ids.join(", "))
    })?;
    let analysis = analysis::analyze(open(path)?, &rules);
    let plan = fix::plan(&analysis, &selection);
    if format == FixFormat::Json {
        let json = plan.to_json() + "\n";
        match out {
            Some(dir) => {
                let file = dir.join("caadoctor-fix-plan.json");
                std::fs::create_dir_all(dir)
                    .and_then(|_| std::fs::write(&file, json))
                    .map_err(|e| format!("cannot write {}: {e}", file.display()))?;
                print(&format!("{}\n", file.display()))?;
            }
            None => print(&json)?,
        }
        return Ok(EXIT_CLEAN);
    }
    let mut text = fix::text::render(&plan);
    if plan.actions.is_empty() {
        text.push_str("\nNothing for a script to change: no file was written.\n");
        print(&text)?;
        return Ok(EXIT_CLEAN);
    }
    let dir = out.unwrap_or(Path::new("."));
    let written = fix::script::write_to(&plan, dir)
        .map_err(|e| format!("cannot write the script to {}: {e}", dir.display()))?;
    text.push('\n');
    for path in written {
        text.push_str(&format!("{}\n", path.display()));
    }
    text.push_str(
        "Send the four files to the user: they go in one folder; double-click caadoctor-fix.cmd.\n",
    );
    print(&text)?;
    Ok(EXIT_CLEAN)
}
