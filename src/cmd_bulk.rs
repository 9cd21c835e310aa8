//! `caadoctor bulk` and `caadoctor fleet`: arguments, files and exit codes. The work is in
//! the library's `bulk` and `fleet` modules.

use super::{EXIT_CANNOT_ANALYZE, EXIT_CLEAN, RedactArgs, load_rules, write_file};
use caadoctor::bulk;
use caadoctor::fleet::{self, Fleet};
use caadoctor::snapshot::Limits;
use clap::ValueEnum;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

#[derive(Clone, Copy, ValueEnum)]
pub enum BulkFormat {
    Jsonl,
    Csv,
    Table,
}

#[derive(clap::Args)]
pub struct BulkArgs {
    /// Zips, snapshot folders, or folders to search for them.
    paths: Vec<PathBuf>,
    #[arg(long, value_enum, default_value_t = BulkFormat::Jsonl)]
    format: BulkFormat,
    /// Archives analyzed at once (default: the number of CPUs).
    #[arg(long, value_name = "N")]
    jobs: Option<usize>,
    /// Write the records here instead of standard output. With --skip-known naming the
    /// same file, the new records are appended to it.
    #[arg(long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Write the summary as JSON here (otherwise it is a table on standard error).
    #[arg(long, value_name = "FILE")]
    summary: Option<PathBuf>,
    /// Write the fleet dashboard here: one self-contained HTML page.
    #[arg(long, value_name = "FILE")]
    html: Option<PathBuf>,
    /// Records (JSON lines) of earlier runs: archives they cover are not analyzed again,
    /// and the summary and dashboard count them with the new ones. A missing file is no
    /// known archive (the first run of a daily job).
    #[arg(long, value_name = "RECORDS")]
    skip_known: Option<PathBuf>,
    /// Read paths from this file, one per line (`-`: standard input).
    #[arg(long, value_name = "FILE")]
    from_list: Option<String>,
    /// Take only shard K of N of the archives (every N-th, from the K-th).
    #[arg(long, value_name = "K/N")]
    shard: Option<String>,
    /// Add or override rules with the *.toml files of this folder.
    #[arg(long, value_name = "DIR")]
    rules: Option<PathBuf>,
    /// The same pseudonyms across every record and the summary.
    #[command(flatten)]
    redact: RedactArgs,
}

fn rule_ids(rules: &caadoctor::rules::RuleSet) -> Vec<String> {
    rules.rules.iter().map(|r| r.id.clone()).collect()
}

fn count(n: usize, what: &str) -> String {
    format!("{n} {what}{}", if n == 1 { "" } else { "s" })
}

fn report_unreadable(bad: &fleet::read::Unreadable) {
    if bad.lines == 0 {
        return;
    }
    eprintln!(
        "caadoctor: {} not read as records (left out of the summary):",
        count(bad.lines, "line")
    );
    for line in &bad.first {
        eprintln!("  {line}");
    }
}

pub fn bulk(a: BulkArgs) -> Result<u8, String> {
    let rules = std::sync::Arc::new(load_rules(a.rules.as_deref())?);
    let mut pseudonyms = a.redact.start()?;
    if a.skip_known.is_some() && pseudonyms.is_some() {
        return Err("--skip-known cannot be combined with --redact: the pseudonyms of earlier runs are not known\n  \
             keep the records unredacted and redact what you share: caadoctor fleet RECORDS --redact --html FILE"
            .to_owned());
    }
    let mut paths = a.paths.clone();
    if let Some(list) = &a.from_list {
        let text = if list == "-" {
            let mut s = String::new();
            std::io::Read::read_to_string(&mut std::io::stdin(), &mut s)
                .map_err(|e| format!("cannot read the list from standard input: {e}"))?;
            s
        } else {
            std::fs::read_to_string(list)
                .map_err(|e| format!("cannot read the list {list}: {e}"))?
        };
        paths.extend(bulk::read_list(&text));
    }
    if paths.is_empty() {
        return Err(
            "no archives given\n  give zips or folders, or --from-list FILE (- for standard input)"
                .to_owned(),
        );
    }
    // The known records are read while the archives are found and looked at.
    let ids = rule_ids(&rules);
    let dashboard = a.html.is_some();
    let reading = a.skip_known.clone().map(|path| {
        let ids = ids.clone();
        std::thread::spawn(move || read_known(&path, Fleet::new(&ids, dashboard)))
    });
    let found = bulk::discover(&paths)?;
    if found.archives.is_empty() {
        return Err(format!(
            "no archive under the given paths (found {} and {}, not read)\n  \
             give snapshot zips, snapshot folders, or folders that hold them",
            count(found.ignored_files, "other file"),
            count(found.ignored_links, "link")
        ));
    }
    let mut archives = found.archives;
    if let Some(s) = &a.shard {
        archives = bulk::shard(archives, bulk::parse_shard(s)?);
    }
    if found.ignored_files + found.ignored_links > 0 {
        eprintln!(
            "caadoctor: {} files that are not zips and {} links under the given folders were not read",
            found.ignored_files, found.ignored_links
        );
    }
    let mut fleet = Fleet::new(&ids, dashboard);
    let mut append = false;
    if let (Some(known_file), Some(reading)) = (&a.skip_known, reading) {
        let places = bulk::known::places(&archives);
        let (known, read) = reading
            .join()
            .map_err(|_| "reading the known records failed".to_owned())??;
        fleet = read;
        let filtered = known.filter_places(archives, places);
        eprintln!(
            "caadoctor: {} new archive{}; {} known from {} ({} by path, size and time, {} by SHA-256)",
            filtered.new.len(),
            if filtered.new.len() == 1 { "" } else { "s" },
            filtered.by_place + filtered.by_hash,
            known_file.display(),
            filtered.by_place,
            filtered.by_hash
        );
        archives = filtered.new;
        append = a
            .output
            .as_deref()
            .is_some_and(|o| fleet::read::same_file(o, known_file));
        if append && !matches!(a.format, BulkFormat::Jsonl) {
            return Err(
                "--output names the --skip-known file: records are appended to it as JSON lines, so --format must be jsonl"
                    .to_owned(),
            );
        }
    }
    let jobs = a
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .max(1);
    let format = match a.format {
        BulkFormat::Jsonl => bulk::Format::Jsonl,
        BulkFormat::Csv => bulk::Format::Csv,
        BulkFormat::Table => bulk::Format::Table,
    };
    let mut file;
    let stdout = std::io::stdout();
    let mut lock;
    let out: &mut dyn Write = match &a.output {
        Some(path) => {
            let mut options = std::fs::OpenOptions::new();
            if append {
                options.append(true).create(true);
            } else {
                options.write(true).create(true).truncate(true);
            }
            file = std::io::BufWriter::new(
                options
                    .open(path)
                    .map_err(|e| format!("cannot write {}: {e}", path.display()))?,
            );
            &mut file
        }
        None => {
            lock = std::io::BufWriter::new(stdout.lock());
            &mut lock
        }
    };
    let run = bulk::run(
        archives,
        bulk::Run {
            rules,
            limits: Limits::default(),
            jobs,
            format,
            progress: std::io::stderr().is_terminal(),
            out,
            redact: pseudonyms.as_mut(),
            fleet: &mut fleet,
        },
    );
    let run = match run {
        Ok(s) => s,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => return Ok(EXIT_CLEAN),
        Err(e) => return Err(format!("cannot write the records: {e}")),
    };
    let errors_now = run.errors_now;
    let (summary, page) = fleet.finish(Some(run));
    let inputs: Vec<&Path> = a.paths.iter().map(PathBuf::as_path).collect();
    write_outputs(
        &summary,
        page,
        a.summary.as_deref(),
        a.html.as_deref(),
        &inputs,
        true,
    )?;
    if let Some(p) = &pseudonyms {
        a.redact.finish(p, &inputs)?;
    }
    Ok(if errors_now > 0 {
        EXIT_CANNOT_ANALYZE
    } else {
        EXIT_CLEAN
    })
}

/// Reads the known records: what they cover, and `fleet` counting them.
fn read_known(path: &Path, mut fleet: Fleet) -> Result<(bulk::known::Known, Fleet), String> {
    let mut known = bulk::known::Known::default();
    if path.exists() {
        let bad = fleet::read::records(&[path.to_path_buf()], |r| {
            known.add(&r);
            fleet.add(&r);
        })?;
        report_unreadable(&bad);
    } else {
        eprintln!(
            "caadoctor: {} does not exist yet: no archive is known",
            path.display()
        );
    }
    Ok((known, fleet))
}

/// The summary (JSON to a file, or a table on standard error when `table_on_stderr`, else
/// standard output) and the page.
fn write_outputs(
    summary: &bulk::summary::Summary,
    page: Option<String>,
    summary_file: Option<&Path>,
    html: Option<&Path>,
    inputs: &[&Path],
    table_on_stderr: bool,
) -> Result<(), String> {
    match summary_file {
        Some(path) if path.as_os_str() == "-" => print!("{}", summary.to_json()),
        Some(path) => write_file(path, &summary.to_json(), inputs, false)?,
        None if table_on_stderr => eprint!("{}", summary.to_table()),
        None => print!("{}", summary.to_table()),
    }
    if let (Some(path), Some(page)) = (html, page) {
        write_file(path, &page, inputs, false)?;
    }
    Ok(())
}

#[derive(clap::Args)]
pub struct FleetArgs {
    /// Record files (JSON lines, as `bulk` writes them), folders of part files (Spark's
    /// output: files starting with `_` or `.` are skipped), or `-` for standard input.
    #[arg(required = true)]
    records: Vec<PathBuf>,
    /// Write the summary as JSON here (`-`: standard output); otherwise it is a table on
    /// standard output.
    #[arg(long, value_name = "FILE")]
    summary: Option<PathBuf>,
    /// Write the fleet dashboard here: one self-contained HTML page.
    #[arg(long, value_name = "FILE")]
    html: Option<PathBuf>,
    /// Show pseudonyms (host-1, host-2...) instead of host names in the dashboard.
    #[arg(long)]
    redact: bool,
    /// The rule folder the records were made with (rules are listed in its order).
    #[arg(long, value_name = "DIR")]
    rules: Option<PathBuf>,
}

pub fn fleet(a: FleetArgs) -> Result<u8, String> {
    let rules = load_rules(a.rules.as_deref())?;
    let files = fleet::read::expand(&a.records)?;
    let mut fleet = Fleet::new(&rule_ids(&rules), a.html.is_some());
    let bad = fleet::read::records(&files, |r| fleet.add(&r))?;
    report_unreadable(&bad);
    if a.redact {
        fleet.pseudonymize_hosts();
    }
    let (summary, page) = fleet.finish(None);
    let inputs: Vec<&Path> = a.records.iter().map(PathBuf::as_path).collect();
    write_outputs(
        &summary,
        page,
        a.summary.as_deref(),
        a.html.as_deref(),
        &inputs,
        false,
    )?;
    Ok(if bad.lines > 0 {
        EXIT_CANNOT_ANALYZE
    } else {
        EXIT_CLEAN
    })
}
