//! Parsers: one module per artifact kind, each a pure function from decoded text (or
//! bytes) to a typed value plus the errors it met, with line and column. Parsers never
//! judge what they read; that is the job of facts and rules.

pub mod accounts;
pub mod eventlog;
pub mod hotfix;
pub mod ipconfig;
pub mod licenses;
pub mod licensing;
pub mod manifest;
pub mod netsh_winhttp;
pub mod probes;
pub mod proxy_blob;
pub mod reg;
pub mod reg_query;
pub mod services;
pub mod winsock;

/// A JSON document of ours: parsed into `T`, whose `schema` field must start with `prefix`
/// (`caadoctor.manifest/`); the error says where the JSON or the schema is wrong.
pub(crate) fn schema_json<T: serde::de::DeserializeOwned>(
    text: &str,
    prefix: &str,
    schema: impl Fn(&T) -> &str,
) -> Result<T, String> {
    let text = text.trim_start_matches('\u{feff}');
    let doc: T = serde_json::from_str(text)
        .map_err(|e| format!("line {} column {}: {e}", e.line(), e.column()))?;
    let found = schema(&doc);
    if !found.starts_with(prefix) {
        return Err(format!("schema '{found}' is not {prefix}N"));
    }
    Ok(doc)
}

/// Test input as the parsers receive it: numbered lines without their CR/LF.
#[cfg(test)]
pub(crate) fn numbered(text: &str) -> Vec<(usize, &str)> {
    text.split('\n')
        .map(|l| l.trim_end_matches('\r'))
        .enumerate()
        .map(|(i, l)| (i + 1, l))
        .collect()
}
