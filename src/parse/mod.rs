//! Parsers: one module per artifact kind, each a pure function from decoded text (or
//! bytes) to a typed value plus the errors it met, with line and column. Parsers never
//! judge what they read; that is the job of facts and rules.

pub mod accounts;
pub mod eventlog;
pub mod hotfix;
pub mod ipconfig;
pub mod licenses;
pub mod manifest;
pub mod netsh_winhttp;
pub mod probes;
pub mod proxy_blob;
pub mod reg;
pub mod services;
pub mod winsock;

/// Test input as the parsers receive it: numbered lines without their CR/LF.
#[cfg(test)]
pub(crate) fn numbered(text: &str) -> Vec<(usize, &str)> {
    text.split('\n')
        .map(|l| l.trim_end_matches('\r'))
        .enumerate()
        .map(|(i, l)| (i + 1, l))
        .collect()
}
