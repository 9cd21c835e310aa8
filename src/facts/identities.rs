//! Office's cached identities: the subkeys of
//! `HKCU\Software\Microsoft\Office\16.0\Common\Identity\Identities`, one per account Office
//! signed in with (`<id>_ADAL` for a work or school account, `<id>_LiveId` for a personal
//! Microsoft account), each with its `SignInName` (else `EmailAddress`) and, for a work or
//! school account, its `TenantId`. Only a whole export lists every identity; the collector
//! exports the Identity key.
//!
//! They tell which account Office signs in to office.com with, which the article compares
//! with the work accounts connected under Access work or school.

use super::accounts::AccountsFacts;
use super::model::{Evidence, Fact};
use super::office::IDENTITY;
use super::registry_read::{Reading, absent_key_evidence, text};
use crate::registry::RegistryView;

/// One account Office has cached.
#[derive(Debug, Clone)]
pub struct CachedIdentity {
    pub name: String,
    pub tenant_id: Option<String>,
    /// Where its name and tenant were read.
    pub evidence: Vec<Evidence>,
}

/// Every identity Office has cached, with the evidence of the listing (the `Identities` key
/// of a whole export, or a key known absent); `None` when the snapshot does not list them.
pub fn cached(view: &RegistryView) -> Option<(Evidence, Vec<CachedIdentity>)> {
    let identities = format!(r"{IDENTITY}\Identities");
    let Some(node) = view.key(&identities).filter(|n| n.listed) else {
        view.covers(&identities)?;
        return absent_key_evidence(view, &identities).map(|ev| (ev, Vec::new()));
    };
    let keys: Vec<_> = view
        .subkeys(&identities)
        .into_iter()
        .filter(|k| k.listed)
        .collect();
    let listing = Evidence {
        artifact: node.origin.artifact.to_string(),
        line: Some(node.origin.line),
        locator: node.path.clone(),
        seen: format!("{} subkey(s)", keys.len()),
    };
    let found = keys
        .into_iter()
        .map(|k| {
            let mut evidence = Vec::new();
            let mut value = |name: &str| match text(view, &k.path, name) {
                Reading::Set(v, ev) if !v.trim().is_empty() => {
                    evidence.push(ev);
                    Some(v.trim().to_owned())
                }
                _ => None,
            };
            let name = value("SignInName").or_else(|| value("EmailAddress"));
            let tenant_id = value("TenantId");
            let id = k.path.rsplit('\\').next().unwrap_or_default().to_owned();
            CachedIdentity {
                name: name.unwrap_or(id),
                tenant_id,
                evidence,
            }
        })
        .collect();
    Some((listing, found))
}

/// `accounts.work_account_in_office`: the cached identities whose tenant is the tenant of a
/// work account connected under Access work or school. Unknown without the listing, or when
/// a work account is connected but dsregcmd names no tenant id.
pub fn in_work_tenants(
    accounts: &AccountsFacts,
    cached: Option<&(Evidence, Vec<CachedIdentity>)>,
) -> Option<Fact<Vec<String>>> {
    let (listing, identities) = cached?;
    let ids = accounts.workplace_tenant_ids.as_ref()?;
    let connected = accounts.work_accounts.as_ref().is_some_and(|n| n.value > 0);
    if ids.value.is_empty() && connected {
        return None;
    }
    let matching: Vec<&CachedIdentity> = identities
        .iter()
        .filter(|i| {
            i.tenant_id
                .as_ref()
                .is_some_and(|t| ids.value.iter().any(|w| w.eq_ignore_ascii_case(t)))
        })
        .collect();
    let mut evidence: Vec<Evidence> = if matching.is_empty() {
        vec![listing.clone()]
    } else {
        matching.iter().flat_map(|i| i.evidence.clone()).collect()
    };
    evidence.extend(ids.evidence.iter().cloned());
    Some(Fact::new(
        matching.iter().map(|i| i.name.clone()).collect(),
        evidence,
    ))
}
