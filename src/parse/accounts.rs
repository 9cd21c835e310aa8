//! Credentials and accounts: `cmdkey /list`, `dsregcmd /status` and `whoami /upn`.
//!
//! `cmdkey` translates its labels (`Target:` is `目标:` in Chinese) but keeps the layout: a
//! title line, then one block per credential whose first `label: value` line is the target,
//! the second the type, the third the user. From the corpus (Windows 11):
//!
//! ```text
//! Currently stored credentials:
//!
//!     Target: MicrosoftAccount:target=SSO_POP_Device
//!     Type: Generic
//!     User: 02erabxflqezalbj
//!     Saved for this logon only
//! ```
//!
//! `dsregcmd /status` prints boxed sections of `Field : value` lines whose field names are
//! English in every language; blank lines may hold a single space.

/// One stored credential. Passwords are never part of the output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credential {
    /// The target as cmdkey shows it (`LegacyGeneric:target=MicrosoftOffice16_Data:SSPI:...`).
    pub target: String,
    pub kind: Option<String>,
    pub user: Option<String>,
    pub line: usize,
}

/// `label: value` as cmdkey writes it: the label ends at the first colon followed by a
/// space (targets hold colons of their own).
fn labelled(line: &str) -> Option<&str> {
    let t = line.trim();
    let (label, value) = t.split_once(": ")?;
    (!label.is_empty() && !label.contains('=')).then_some(value.trim())
}

/// Reads `cmdkey /list`. An empty list (`* NONE *`, translated) is `Ok(vec![])`.
pub fn parse_cmdkey(lines: &[(usize, &str)]) -> Result<Vec<Credential>, String> {
    let title = lines
        .iter()
        .position(|(_, l)| !l.trim().is_empty())
        .ok_or("empty output")?;
    if !lines[title].1.trim_end().ends_with(':') {
        return Err(format!(
            "line {}: expected the title line ending in ':'",
            lines[title].0
        ));
    }
    let mut out: Vec<Credential> = Vec::new();
    let mut field = 0usize;
    for &(n, line) in &lines[title + 1..] {
        if line.trim().is_empty() {
            field = 0;
            continue;
        }
        let Some(value) = labelled(line) else {
            continue;
        };
        match field {
            0 => out.push(Credential {
                target: value.to_owned(),
                kind: None,
                user: None,
                line: n,
            }),
            1 => {
                if let Some(c) = out.last_mut() {
                    c.kind = Some(value.to_owned());
                }
            }
            2 => {
                if let Some(c) = out.last_mut() {
                    c.user = Some(value.to_owned());
                }
            }
            _ => {}
        }
        field += 1;
    }
    Ok(out)
}

/// True for the credentials Office keeps (`MicrosoftOffice16_Data:...`, `MicrosoftOffice15_Data:...`).
pub fn is_office_credential(target: &str) -> bool {
    target.to_ascii_lowercase().contains("microsoftoffice1")
}

/// `dsregcmd /status`: every `Field : value`, with its section and line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Dsreg {
    pub fields: Vec<DsregField>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DsregField {
    pub section: String,
    pub name: String,
    pub value: String,
    pub line: usize,
}

impl Dsreg {
    /// The first field of this name (any section).
    pub fn get(&self, name: &str) -> Option<&DsregField> {
        self.fields
            .iter()
            .find(|f| f.name.eq_ignore_ascii_case(name))
    }

    /// Sections whose title starts with `prefix` (`Work Account 1`, `Work Account 2`).
    pub fn sections(&self, prefix: &str) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for f in &self.fields {
            if f.section.starts_with(prefix) && !out.contains(&f.section.as_str()) {
                out.push(&f.section);
            }
        }
        out
    }
}

pub fn parse_dsregcmd(lines: &[(usize, &str)]) -> Result<Dsreg, String> {
    let mut d = Dsreg::default();
    let mut section = String::new();
    for &(n, line) in lines {
        let t = line.trim();
        if let Some(title) = t.strip_prefix('|').and_then(|r| r.strip_suffix('|')) {
            section = title.trim().to_owned();
            continue;
        }
        if t.starts_with('+') || t.is_empty() {
            continue;
        }
        // `Field : value`; old builds print `KeySignTest: : PASSED`.
        let Some((name, value)) = t
            .split_once(" : ")
            .or_else(|| t.strip_suffix(" :").map(|n| (n, "")))
        else {
            continue;
        };
        d.fields.push(DsregField {
            section: section.clone(),
            name: name.trim().trim_end_matches(':').to_owned(),
            value: value.trim().to_owned(),
            line: n,
        });
    }
    if d.get("AzureAdJoined").is_none() {
        return Err("no AzureAdJoined field: not dsregcmd /status output".to_owned());
    }
    Ok(d)
}

/// `YES` / `NO` of dsregcmd.
pub fn yes(value: &str) -> Option<bool> {
    match value.trim().to_ascii_uppercase().as_str() {
        "YES" => Some(true),
        "NO" => Some(false),
        _ => None,
    }
}

/// `whoami /upn`: the one line that is a user principal name. A local or Microsoft
/// account has none (`whoami` prints a translated error): `None`.
pub fn parse_whoami_upn(text: &str) -> Option<(usize, String)> {
    let lines: Vec<(usize, &str)> = text
        .split('\n')
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim()))
        .filter(|(_, l)| !l.is_empty())
        .collect();
    match lines.as_slice() {
        [(n, l)] if looks_like_upn(l) => Some((*n, (*l).to_owned())),
        _ => None,
    }
}

pub fn looks_like_upn(s: &str) -> bool {
    let Some((user, domain)) = s.split_once('@') else {
        return false;
    };
    !user.is_empty()
        && domain.contains('.')
        && !s.contains(char::is_whitespace)
        && !domain.contains('@')
        && !s.contains(['\\', '/', ':'])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::numbered as lines;

    #[test]
    fn cmdkey_blocks_and_office_targets() {
        let text = "\r\nCurrently stored credentials:\r\n\r\n    Target: LegacyGeneric:target=MicrosoftOffice16_Data:SSPI:amelie@contoso.com\r\n    Type: Generic \r\n    User: amelie@contoso.com\r\n    Local machine persistence\r\n\r\n    Target: Domain:interactive=CONTOSO\\amelie\r\n    Type: Domain Password\r\n    User: CONTOSO\\amelie\r\n";
        let c = parse_cmdkey(&lines(text)).unwrap();
        assert_eq!(c.len(), 2);
        assert_eq!(
            c[0].target,
            "LegacyGeneric:target=MicrosoftOffice16_Data:SSPI:amelie@contoso.com"
        );
        assert_eq!(
            (c[0].user.as_deref(), c[0].line),
            (Some("amelie@contoso.com"), 4)
        );
        assert!(is_office_credential(&c[0].target) && !is_office_credential(&c[1].target));
        assert!(
            parse_cmdkey(&lines(
                "\r\nCurrently stored credentials:\r\n\r\n* NONE *\r\n"
            ))
            .unwrap()
            .is_empty()
        );
        assert!(parse_cmdkey(&lines("random text\r\n")).is_err());
    }

    #[test]
    fn dsregcmd_fields_and_sections() {
        let text = "+---+\r\n| Device State |\r\n+---+\r\n \r\n     AzureAdJoined : NO\r\n      DomainJoined : YES\r\n+---+\r\n| User State |\r\n+---+\r\n   WorkplaceJoined : YES\r\n+---+\r\n| Work Account 1 |\r\n+---+\r\n  WorkplaceTenantName : Fabrikam\r\n      KeySignTest: : PASSED\r\n            MdmUrl :\r\n";
        let d = parse_dsregcmd(&lines(text)).unwrap();
        assert_eq!(
            d.get("DomainJoined").map(|f| (f.value.as_str(), f.line)),
            Some(("YES", 6))
        );
        assert_eq!(d.get("WorkplaceJoined").unwrap().section, "User State");
        assert_eq!(d.sections("Work Account"), vec!["Work Account 1"]);
        assert_eq!(d.get("KeySignTest").unwrap().value, "PASSED");
        assert_eq!(d.get("MdmUrl").unwrap().value, "");
        assert!(parse_dsregcmd(&lines("hello : world\r\n")).is_err());
    }

    #[test]
    fn whoami_upn_or_nothing() {
        assert_eq!(
            parse_whoami_upn("amelie.durand@contoso.com\r\n"),
            Some((1, "amelie.durand@contoso.com".to_owned()))
        );
        assert_eq!(
            parse_whoami_upn(
                "ERROR: Unable to get User Principal Name (UPN) as the current logged-on user\r\nis not a domain user.\r\n"
            ),
            None
        );
        assert!(!looks_like_upn("CONTOSO\\amelie"));
    }
}
