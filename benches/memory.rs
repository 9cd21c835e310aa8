//! Peak memory of `caadoctor analyze` against the size of its input, measured in one run
//! (peak RSS of the binary, with GNU time's `%M`):
//!
//! * the baseline: a sample snapshot zip (what any analysis costs: the binary, the rules);
//! * generated `.reg` files of 16, 64 and 160 MB: a whole export as `reg export` writes it
//!   (UTF-16LE with BOM, CLSID keys with strings, DWORDs and wrapped hex), and a file of many
//!   keys of tiny values in UTF-8 (the most structure per byte);
//! * the 160 MB export zipped (what a support archive is), and two such zips through
//!   `bulk --jobs 2`.
//!
//! Each line gives the peak, the peak as a multiple of the file size, and the peak above the
//! baseline as that multiple.
//!
//! Run: `cargo bench --bench memory` (needs /usr/bin/time: `apt-get install time`).

mod support;

use std::io::Write;
use std::path::{Path, PathBuf};

const MB: usize = 1 << 20;

/// A whole export of about `mb` MB: UTF-16LE with a BOM, CRLF, keys in export order.
fn export_utf16(mb: usize) -> Vec<u8> {
    let root = r"HKEY_LOCAL_MACHINE\SOFTWARE\Classes";
    let mut text = format!(
        "Windows Registry Editor Version 5.00\r\n\r\n[{root}]\r\n\r\n[{root}\\CLSID]\r\n\r\n"
    );
    let mut i: u32 = 0;
    while text.len() * 2 < mb * MB {
        i += 1;
        text.push_str(&format!(
            "[{root}\\CLSID\\{{{i:08X}-1234-5678-9ABC-DEF012345678}}]\r\n@=\"Component {i}\"\r\n\
             \"ThreadingModel\"=\"Apartment\"\r\n\"Version\"=dword:{i:08x}\r\n"
        ));
        if i.is_multiple_of(3) {
            let bytes: Vec<String> = (0..20u32)
                .map(|j| format!("{:02x}", i.wrapping_mul(j) & 0xff))
                .collect();
            let more: Vec<String> = (0..24u32)
                .map(|j| format!("{:02x}", i.wrapping_add(j) & 0xff))
                .collect();
            text.push_str(&format!(
                "\"Data\"=hex:{},\\\r\n  {}\r\n",
                bytes.join(","),
                more.join(",")
            ));
        }
        text.push_str("\r\n");
    }
    let mut out = vec![0xFF, 0xFE];
    out.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    out
}

/// About `mb` MB of keys with twenty DWORDs each, in UTF-8: 21 bytes a value.
fn tiny_values_utf8(mb: usize) -> Vec<u8> {
    let mut text = String::from("Windows Registry Editor Version 5.00\r\n\r\n");
    let mut i = 0;
    while text.len() < mb * MB {
        i += 1;
        text.push_str(&format!("[HKEY_CURRENT_USER\\Software\\K{i}]\r\n"));
        for j in 0..20 {
            text.push_str(&format!("\"v{j}\"=dword:{j:08x}\r\n"));
        }
        text.push_str("\r\n");
    }
    text.into_bytes()
}

/// Peak RSS in KiB of `caadoctor ARGS`.
fn peak_kb(args: &[&str]) -> Option<u64> {
    let args: Vec<&std::ffi::OsStr> = args.iter().map(|a| a.as_ref()).collect();
    support::peak_rss_kb(&args)
}

fn zip_one(path: &Path, name: &str, bytes: &[u8]) {
    let mut w = zip::ZipWriter::new(std::fs::File::create(path).expect("zip file"));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(bytes.len() > u32::MAX as usize);
    w.start_file(name, options).expect("member");
    w.write_all(bytes).expect("write");
    w.finish().expect("zip");
}

fn main() {
    if !Path::new("/usr/bin/time").exists() {
        println!("memory      not measured: /usr/bin/time (GNU time) is not installed");
        return;
    }
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/bench-memory");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("bench dir");
    let sample = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("samples/win11-healthy.zip");
    let analyze = |path: &Path| {
        peak_kb(&["analyze", path.to_str().expect("path"), "--format", "json"]).expect("peak")
    };
    let base = analyze(&sample);
    println!(
        "memory      baseline: a sample snapshot ({} KB) peaks at {:.1} MB",
        std::fs::metadata(&sample).map_or(0, |m| m.len() / 1024),
        base as f64 / 1024.0
    );
    let report = |what: &str, file_bytes: usize, peak: u64| {
        let file_kb = file_bytes as f64 / 1024.0;
        println!(
            "memory      {what} {:.0} MB: peak {:.0} MB  = {:.2}x the file  ({:.2}x above the baseline)",
            file_bytes as f64 / MB as f64,
            peak as f64 / 1024.0,
            peak as f64 / file_kb,
            (peak.saturating_sub(base)) as f64 / file_kb
        );
    };
    let mut biggest = Vec::new();
    for mb in [16, 64, 160] {
        for (label, bytes) in [
            ("export UTF-16", export_utf16(mb)),
            ("tiny values UTF-8", tiny_values_utf8(mb)),
        ] {
            let path = dir.join(format!("{}-{mb}.reg", label.replace(' ', "-")));
            std::fs::write(&path, &bytes).expect("reg file");
            report(&format!(".reg {label}"), bytes.len(), analyze(&path));
            std::fs::remove_file(&path).expect("remove");
            if mb == 160 && label.starts_with("export") {
                biggest = bytes;
            }
        }
    }
    let zipped = dir.join("a.zip");
    zip_one(&zipped, "snap/registry/big.reg", &biggest);
    report(
        &format!(
            "the export zipped ({} MB zip), .reg",
            std::fs::metadata(&zipped).map_or(0, |m| m.len() >> 20)
        ),
        biggest.len(),
        analyze(&zipped),
    );
    std::fs::copy(&zipped, dir.join("b.zip")).expect("second zip");
    let jobs = peak_kb(&[
        "bulk",
        dir.to_str().expect("dir"),
        "--jobs",
        "2",
        "--summary",
        "/dev/null",
    ])
    .expect("peak");
    report(
        "bulk --jobs 2 over two such zips, both .reg together",
        2 * biggest.len(),
        jobs,
    );
    let _ = std::fs::remove_dir_all(&dir);
}
