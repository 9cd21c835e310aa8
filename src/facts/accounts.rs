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
        /// Tenants of the connected work accounts (WorkplaceTenantName, else WorkplaceTenantId).
        workplace_tenants: Vec<String>,
        /// Tenant ids of the connected work accounts (WorkplaceTenantId).
        workplace_tenant_ids: Vec<String>,
        /// The device's tenant (dsregcmd TenantName).
        tenant_name: String,
        /// The user has a Primary Refresh Token for single sign-on (dsregcmd AzureAdPrt).
        azure_ad_prt: bool,
        /// The account Windows signs in with, as a UPN (whoami /upn, else dsregcmd Executing Account Name).
        signed_in_upn: String,
        /// What Windows signs in with: "entra" (a Microsoft Entra ID work or school account), "domain" (an Active Directory account) or "local" (a local or personal Microsoft account).
        windows_account: String,
        /// Office's cached identities (Office Identity\Identities) in the tenant of a work account connected under Access work or school.
        work_account_in_office: Vec<String>,
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
        // Per Work Account section: its tenant's name, else its id.
        let named = |name: &str| -> Vec<&crate::parse::accounts::DsregField> {
            d.fields
                .iter()
                .filter(|f| f.name.eq_ignore_ascii_case(name) && !f.value.is_empty())
                .collect()
        };
        let ids = named("WorkplaceTenantId");
        let mut tenants = named("WorkplaceTenantName");
        let unnamed: Vec<_> = ids
            .iter()
            .filter(|i| !tenants.iter().any(|t| t.section == i.section))
            .copied()
            .collect();
        tenants.extend(unnamed);
        tenants.sort_by_key(|f| f.line);
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
            let id_evidence = ids
                .iter()
                .map(|f| {
                    let locator = format!("dsregcmd {}: WorkplaceTenantId", f.section);
                    ev(artifact, f.line, &locator, &f.value)
                })
                .collect::<Vec<_>>();
            let id_evidence = if id_evidence.is_empty() {
                a.work_accounts
                    .iter()
                    .flat_map(|f| f.evidence.clone())
                    .collect()
            } else {
                id_evidence
            };
            a.workplace_tenant_ids = Some(Fact::new(
                ids.iter().map(|f| f.value.clone()).collect(),
                id_evidence,
            ));
        }
        a.windows_account = windows_account(artifact, d);
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

/// How Windows signs in, from `dsregcmd /status`; the first of these that speaks decides:
///
/// 1. `Executing Account Name` (the account dsregcmd ran as: the user's, since the collector
///    runs as the user): `AzureAD\user` is an Entra ID account; `DOMAIN\user`, with the
///    PC's `DomainName`, a domain account — an Entra ID one on a PC also joined to Entra ID
///    (hybrid: the domain account is synced); any other prefix, the computer's name, a local
///    account (a personal Microsoft account signs in to one too);
/// 2. `IsUserAzureAD` (Ngc Prerequisite Check): YES Entra ID; NO a domain account on a
///    domain-joined PC, else a local one;
/// 3. joined to neither Entra ID nor a domain: a local or personal Microsoft account, the
///    only kinds such a PC has;
/// 4. joined to Entra ID with a Primary Refresh Token for the user: Entra ID.
fn windows_account(artifact: &str, d: &Dsreg) -> Option<Fact<String>> {
    let field = |name: &str| d.get(name).filter(|f| !f.value.is_empty());
    let flag = |name: &str| field(name).and_then(|f| accounts::yes(&f.value));
    let at = |f: &crate::parse::accounts::DsregField| {
        ev(artifact, f.line, &format!("dsregcmd {}", f.name), &f.value)
    };
    let entra_joined = flag("AzureAdJoined");
    let domain_joined = flag("DomainJoined");
    let fact = |kind: &str, why: String, evidence: Vec<Evidence>| {
        let what = match kind {
            "entra" => "a Microsoft Entra ID (work or school) account",
            "domain" => "an Active Directory domain account",
            _ => "a local account or a personal Microsoft account",
        };
        Some(Fact::new(kind.to_owned(), evidence).with_note(format!("{what}: {why}")))
    };
    if let Some(f) = field("Executing Account Name")
        && let Some((prefix, _)) = f.value.split_once('\\')
    {
        let prefix = prefix.trim();
        let domain = field("DomainName").filter(|_| domain_joined == Some(true));
        let why = format!("dsregcmd ran as {}", f.value);
        return if prefix.eq_ignore_ascii_case("AzureAD") {
            fact("entra", why, vec![at(f)])
        } else if let Some(dn) = domain.filter(|dn| dn.value.eq_ignore_ascii_case(prefix)) {
            match field("AzureAdJoined").filter(|_| entra_joined == Some(true)) {
                Some(j) => fact(
                    "entra",
                    format!("{why}, a domain account on a PC also joined to Entra ID (hybrid)"),
                    vec![at(f), at(dn), at(j)],
                ),
                None => fact("domain", why, vec![at(f), at(dn)]),
            }
        } else {
            fact("local", why, vec![at(f)])
        };
    }
    if let Some(f) = field("IsUserAzureAD")
        && let Some(azure) = accounts::yes(&f.value)
    {
        let why = format!("dsregcmd IsUserAzureAD {}", f.value);
        return match (azure, domain_joined) {
            (true, _) => fact("entra", why, vec![at(f)]),
            (false, Some(true)) => fact("domain", why, vec![at(f)]),
            (false, _) => fact("local", why, vec![at(f)]),
        };
    }
    let fields = |names: [&str; 2]| names.into_iter().filter_map(|n| field(n).map(at)).collect();
    match (entra_joined, domain_joined) {
        (Some(false), Some(false)) => fact(
            "local",
            "the PC is joined to neither Entra ID nor a domain".to_owned(),
            fields(["AzureAdJoined", "DomainJoined"]),
        ),
        (Some(true), _) if flag("AzureAdPrt") == Some(true) => fact(
            "entra",
            "the PC is joined to Entra ID and the user has a Primary Refresh Token".to_owned(),
            fields(["AzureAdJoined", "AzureAdPrt"]),
        ),
        _ => None,
    }
}
