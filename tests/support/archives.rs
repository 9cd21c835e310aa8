//! Makes N support archives for bulk tests and benchmarks: copies of the sample zips (15
//! causes) under new host names, some with a large attachment (a screenshot users add), and
//! one in twenty junk of five kinds that caadoctor cannot analyze. What each archive is
//! comes back with it: the ground truth the tests compare the bulk summary against.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// What was written.
#[derive(Debug, Clone)]
pub struct Archive {
    pub path: PathBuf,
    /// The sample it copies, or `None` for junk.
    pub sample: Option<String>,
    /// For junk: what kind.
    pub junk: Option<&'static str>,
    pub bytes: u64,
}

/// Junk kinds: none of them is a snapshot.
pub const JUNK: &[&str] = &[
    "random-bytes",
    "empty-file",
    "truncated",
    "photos",
    "escaping-names",
];

/// xorshift64: the same archives on every run.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| (self.next() >> 24) as u8).collect()
    }
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The sample zips, by name.
pub fn samples() -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(repo().join("samples"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "zip"))
        .map(|p| {
            (
                p.file_stem().unwrap().to_string_lossy().into_owned(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect();
    out.sort();
    out
}

fn write_zip(path: &Path, entries: &[(String, Vec<u8>, bool)]) {
    let file = std::fs::File::create(path).unwrap();
    let mut w = zip::ZipWriter::new(std::io::BufWriter::new(file));
    for (name, data, compress) in entries {
        let method = if *compress {
            zip::CompressionMethod::Deflated
        } else {
            zip::CompressionMethod::Stored
        };
        let options = zip::write::SimpleFileOptions::default().compression_method(method);
        w.start_file(name.as_str(), options).unwrap();
        w.write_all(data).unwrap();
    }
    w.finish().unwrap();
}

/// A copy of a sample zip under a new top folder, with the manifest's host renamed; the
/// other members are copied compressed as they are. `extra`: a member to add, stored.
fn copy_sample(path: &Path, sample: &[u8], name: &str, index: usize, extra: Option<Vec<u8>>) {
    let top = format!("caadoctor-{name}-{index:05}");
    let mut src = zip::ZipArchive::new(std::io::Cursor::new(sample)).unwrap();
    let file = std::fs::File::create(path).unwrap();
    let mut w = zip::ZipWriter::new(std::io::BufWriter::new(file));
    for i in 0..src.len() {
        let member_name = src.by_index_raw(i).unwrap().name().unwrap().into_owned();
        // Zips made by Compress-Archive on PowerShell 5.1 separate with `\`.
        let rest = member_name
            .split_once(['/', '\\'])
            .map_or(member_name.as_str(), |(_, r)| r)
            .replace('\\', "/");
        let new_name = format!("{top}/{rest}");
        if rest == "manifest.json" {
            let mut text = String::new();
            src.by_index(i).unwrap().read_to_string(&mut text).unwrap();
            let text = text.replacen("\"host\": \"", &format!("\"host\": \"N{index:05}-"), 1);
            let options = zip::write::SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Deflated);
            w.start_file(new_name.as_str(), options).unwrap();
            w.write_all(text.as_bytes()).unwrap();
        } else {
            let raw = src.by_index_raw(i).unwrap();
            w.raw_copy_file_rename(raw, new_name).unwrap();
        }
    }
    if let Some(data) = extra {
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored);
        w.start_file(format!("{top}/screenshot-{index}.png"), options)
            .unwrap();
        w.write_all(&data).unwrap();
    }
    w.finish().unwrap();
}

/// Writes `n` archives into `dir` (created) and says what each is.
pub fn generate(dir: &Path, n: usize) -> Vec<Archive> {
    std::fs::create_dir_all(dir).unwrap();
    let samples = samples();
    let mut rng = Rng(0x005E_ED0F_B01C);
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let path = dir.join(format!("ticket-{i:05}.zip"));
        if i % 20 == 19 {
            let kind = JUNK[(i / 20) % JUNK.len()];
            match kind {
                "random-bytes" => {
                    let len = 4096 + (rng.next() % 60_000) as usize;
                    std::fs::write(&path, rng.bytes(len)).unwrap();
                }
                "empty-file" => std::fs::write(&path, b"").unwrap(),
                "truncated" => {
                    // A download cut after the first local header: no member can be read.
                    let (_, bytes) = &samples[i % samples.len()];
                    std::fs::write(&path, &bytes[..120]).unwrap();
                }
                "photos" => {
                    let entries: Vec<(String, Vec<u8>, bool)> = (0..3)
                        .map(|k| (format!("IMG_{k:04}.jpg"), rng.bytes(20_000), false))
                        .collect();
                    write_zip(&path, &entries);
                }
                _ => {
                    let entries = vec![
                        (
                            "../../evil.reg".to_owned(),
                            b"Windows Registry Editor Version 5.00\r\n".to_vec(),
                            true,
                        ),
                        ("/etc/passwd".to_owned(), b"root:x:0:0\n".to_vec(), true),
                    ];
                    write_zip(&path, &entries);
                }
            }
            out.push(Archive {
                bytes: std::fs::metadata(&path).unwrap().len(),
                path,
                sample: None,
                junk: Some(kind),
            });
            continue;
        }
        let (sample, bytes) = &samples[(i * 7 + i / 15) % samples.len()];
        // A screenshot the user attached to every tenth: incompressible, 64 to 320 KB.
        let extra = (i % 10 == 3).then(|| {
            let len = 65_536 + (rng.next() % 262_144) as usize;
            rng.bytes(len)
        });
        copy_sample(&path, bytes, sample, i, extra);
        out.push(Archive {
            bytes: std::fs::metadata(&path).unwrap().len(),
            path,
            sample: Some(sample.clone()),
            junk: None,
        });
    }
    out
}
