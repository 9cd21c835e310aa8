//! The collector's listing of Office's licence folders (`caadoctor.licenses/1`): for each
//! folder whether it exists, and the names, sizes and dates of its files — never their
//! contents. Licence files left by an earlier account or tenant are part of the stale
//! activation state the article resets.

use serde::Deserialize;

/// The schema prefix that makes a JSON document a licence listing.
pub const SCHEMA_PREFIX: &str = "caadoctor.licenses/";

#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct Licenses {
    pub schema: String,
    #[serde(default)]
    pub folders: Vec<Folder>,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct Folder {
    pub path: String,
    #[serde(default)]
    pub exists: bool,
    #[serde(default)]
    pub files: Vec<File>,
    /// Why the folder could not be listed (whole or in part): its files are then unknown.
    #[serde(default)]
    pub error: Option<String>,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct File {
    pub name: String,
    #[serde(default)]
    pub size: Option<u64>,
    /// Last write time, ISO 8601 with the machine's offset.
    #[serde(default)]
    pub modified: Option<String>,
}

/// Parses a listing; the error says where the JSON or the schema is wrong.
pub fn parse(text: &str) -> Result<Licenses, String> {
    super::schema_json(text, SCHEMA_PREFIX, |d: &Licenses| d.schema.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_listing_reads_with_missing_folders_and_unknown_fields() {
        let text = r#"{"schema":"caadoctor.licenses/1","future":true,"folders":[
            {"path":"C:\\Users\\a\\AppData\\Local\\Microsoft\\Office\\Licenses","exists":true,
             "files":[{"name":"5\\c2r_tenant.lic","size":2974,"modified":"2026-10-02T09:14:55+02:00"}]},
            {"path":"C:\\ProgramData\\Microsoft\\Office\\Licenses","exists":false,"files":[]}]}"#;
        let l = parse(text).unwrap();
        assert_eq!(l.folders.len(), 2);
        assert_eq!(l.folders[0].files[0].size, Some(2974));
        assert!(!l.folders[1].exists);
        assert!(parse(r#"{"schema":"other/1"}"#).is_err());
        assert!(parse("{").unwrap_err().starts_with("line 1"));
    }
}
