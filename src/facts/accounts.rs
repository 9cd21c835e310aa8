//! Stored credentials and connected accounts: `cmdkey /list` (Credential Manager),
//! `dsregcmd /status` (device join, work accounts, SSO) and `whoami /upn` (the account
//! Windows signs in with).

use super::merge::{Source, merge};
use super::model::{Evidence, Fact, fact_group};
use crate::parse::accounts::{self, Credential, Dsreg};

fact_group! {
    /// Credentials and work or school accounts.
    pub struct AccountsFacts {
        /// Credentials stored in Credential Manager (cmdkey /list).
        stored_credentials: i64,
        /// Targets of the Office credentials (MicrosoftOffice16_Data:..., MicrosoftOffice15_Data:...).
        office_credentials: Vec<String>,
        /// The device is joined to Microsoft Entra ID (dsregcmd AzureAdJoined).
        azure_ad_joined: bool,
        /// The device is joined to an Active Directory domain (dsregcmd DomainJoined).
        domain_joined: bool,
        /// A work or school account is connected under Access work or school (dsregcmd WorkplaceJoined).
        workplace_joined: bool,
        /// Connected work or school accounts (dsregcmd Work Account sections, or 1 for WorkplaceJoined).
        work_accounts: i64,
        /// Tenants of the connected work accounts (WorkplaceTenantName).
        workplace_tenants: Vec<String>,
        /// The device's tenant (dsregcmd TenantName).
        tenant_name: String,
        /// The user has a Primary Refresh Token for single sign-on (dsregcmd AzureAdPrt).
        azure_ad_prt: bool,
        /// The account Windows signs in with, as a UPN (whoami /upn, else dsregcmd Executing Account Name).
        signed_in_upn: String,
    }
}

fn ev(artifact: &str, line: usize, locator: &str, seen: &str) -> Evidence {
    Evidence {
        artifact: artifact.to_owned(),
        line: Some(line),
        locator: locator.to_owned(),
        seen: seen.to_owned(),
    }
}

pub fn build(
    cmdkey: Option<&(String, Vec<Credential>)>,
    dsreg: Option<&(String, Dsreg)>,
    whoami: Option<&(String, usize, String)>,
) -> AccountsFacts {
    let mut a = AccountsFacts::default();
    if let Some((artifact, creds)) = cmdkey {
        let all = ev(
            artifact,
            1,
            "cmdkey /list",
            &format!("{} credential(s)", creds.len()),
        );
        a.stored_credentials = Some(Fact::new(creds.len() as i64, vec![all.clone()]));
        let office: Vec<&Credential> = creds
            .iter()
            .filter(|c| accounts::is_office_credential(&c.target))
            .collect();
        let evidence = if office.is_empty() {
            vec![all]
        } else {
            office
                .iter()
                .map(|c| ev(artifact, c.line, "cmdkey /list Target", &c.target))
                .collect()
        };
        a.office_credentials = Some(Fact::new(
            office.iter().map(|c| c.target.clone()).collect(),
            evidence,
        ));
    }
    if let Some((artifact, d)) = dsreg {
        let flag = |name: &str| {
            d.get(name).and_then(|f| {
                accounts::yes(&f.value).map(|b| {
                    Fact::new(
                        b,
                        vec![ev(artifact, f.line, &format!("dsregcmd {name}"), &f.value)],
                    )
                })
            })
        };
        a.azure_ad_joined = flag("AzureAdJoined");
        a.domain_joined = flag("DomainJoined");
        a.workplace_joined = flag("WorkplaceJoined");
        a.azure_ad_prt = flag("AzureAdPrt");
        if let Some(f) = d.get("TenantName").filter(|f| !f.value.is_empty()) {
            a.tenant_name = Some(Fact::new(
                f.value.clone(),
                vec![ev(artifact, f.line, "dsregcmd TenantName", &f.value)],
            ));
        }
        let tenants: Vec<&crate::parse::accounts::DsregField> = d
            .fields
            .iter()
            .filter(|f| f.name.eq_ignore_ascii_case("WorkplaceTenantName"))
            .collect();
        let sections = d.sections("Work Account").len();
        let joined = a.workplace_joined.as_ref().is_some_and(|f| f.value);
        let count = sections.max(usize::from(joined));
        let mut evidence: Vec<Evidence> = tenants
            .iter()
            .map(|f| {
                ev(
                    artifact,
                    f.line,
                    &format!("dsregcmd {}: WorkplaceTenantName", f.section),
                    &f.value,
                )
            })
            .collect();
        if evidence.is_empty()
            && let Some(w) = &a.workplace_joined
        {
            evidence.extend(w.evidence.iter().cloned());
        }
        if a.workplace_joined.is_some() || sections > 0 {
            a.work_accounts = Some(Fact::new(count as i64, evidence.clone()));
            a.workplace_tenants = Some(Fact::new(
                tenants.iter().map(|f| f.value.clone()).collect(),
                evidence,
            ));
        }
    }
    a.signed_in_upn = signed_in_upn(dsreg, whoami);
    a
}

const UPN_WHY: &str =
    "whoami /upn asks Windows for the signed-in user's name; dsregcmd prints the account it ran as";

/// The account Windows signs in with, merged in this order (see `merge.rs`): `whoami /upn`,
/// then dsregcmd's `Executing Account Name` (`CONTOSO\user, user@contoso.com`); both are
/// observations, and when they name different accounts both are kept.
fn signed_in_upn(
    dsreg: Option<&(String, Dsreg)>,
    whoami: Option<&(String, usize, String)>,
) -> Option<Fact<String>> {
    let mut sources: Vec<Source<String>> = Vec::new();
    if let Some((artifact, line, upn)) = whoami {
        let e = ev(artifact, *line, "whoami /upn", upn);
        sources.push(Source::observed(upn.clone(), upn, "whoami /upn", vec![e]));
    }
    if let Some((artifact, d)) = dsreg
        && let Some(f) = d.get("Executing Account Name")
        && let Some(upn) = f.value.rsplit(',').next().map(str::trim)
        && accounts::looks_like_upn(upn)
    {
        let e = ev(
            artifact,
            f.line,
            "dsregcmd Executing Account Name",
            &f.value,
        );
        sources.push(Source::observed(
            upn.to_owned(),
            upn,
            "dsregcmd Executing Account Name",
            vec![e],
        ));
    }
    merge(&sources, |a, b| a.eq_ignore_ascii_case(b), UPN_WHY)
}
