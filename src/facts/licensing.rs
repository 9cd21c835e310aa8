//! Office's licence state, read the way Microsoft's reset procedure reads it: the vNext
//! licences vnextdiag lists (state, tenant, end date), the Software Protection licences
//! ospp.vbs lists, the licence folders, and the WAM accounts of the AAD token broker.
//!
//! vNext is the authority for Microsoft 365 Apps: ospp.vbs "does not work for Microsoft 365
//! Apps" (Microsoft's tools page), and a Click-to-Run install always shows a `_Grace` SKU in
//! `OOB_GRACE` next to its licensed subscription SKU; so an ospp grace or notification
//! state counts only when nothing is licensed.

use super::model::{Evidence, Fact, fact_group};
use crate::date::Date;
use crate::parse::accounts::Dsreg;
use crate::parse::licenses::Licenses;
use crate::parse::licensing::{Ospp, VNextDiag, VNextLicense};

fact_group! {
    /// Office's licence state (vnextdiag, ospp.vbs, licence folders, WAM accounts).
    pub struct LicensingFacts {
        /// A licence output was read (vnextdiag or ospp.vbs).
        read: bool,
        /// vNext licences, as "Product: state (tenant, until)".
        licenses: Vec<String>,
        /// Licences that have ended: vnextdiag's RFM (reduced functionality), or an end date before the collection.
        expired: Vec<String>,
        /// Licences in a grace or notification period, while none is licensed.
        grace: Vec<String>,
        /// Tenants the vNext licences belong to.
        tenants: Vec<String>,
        /// Licences of a tenant this PC's accounts are not in (dsregcmd's TenantId and WorkplaceTenantId; without them, any tenant but the newest licence's).
        other_tenant: Vec<String>,
        /// Shared computer activation does not match the licences present (on with only user licences, or off with only shared computer tokens).
        shared_computer_mismatch: bool,
        /// ospp.vbs licences, as "SKU: STATUS".
        ospp: Vec<String>,
        /// WAM accounts (files in the AAD broker's TokenBroker\Accounts).
        broker_accounts: i64,
    }
}

/// What the licensing facts are built from.
pub struct Sources<'a> {
    pub vnext: Option<&'a (String, VNextDiag)>,
    pub ospp: Option<&'a (String, Ospp)>,
    pub listing: Option<&'a (String, Licenses)>,
    pub dsreg: Option<&'a (String, Dsreg)>,
    /// The registry's SharedComputerLicensing (Click-to-Run configuration), when read.
    pub shared_computer: Option<bool>,
    pub collected: Option<Date>,
}

/// The folder of the AAD token broker's WAM accounts.
pub const BROKER_ACCOUNTS: &str =
    r"Microsoft.AAD.BrokerPlugin_cw5n1h2txyewy\AC\TokenBroker\Accounts";

fn ev(artifact: &str, line: usize, locator: String, seen: String) -> Evidence {
    Evidence {
        artifact: artifact.to_owned(),
        line: (line > 0).then_some(line),
        locator,
        seen,
    }
}

/// A GUID as dsregcmd and vnextdiag write tenant ids (not a masked `XXXX`).
fn tenant_id(s: &str) -> Option<String> {
    let t = s.trim().trim_matches(['{', '}']).to_ascii_lowercase();
    let shape = t.len() == 36
        && t.char_indices().all(|(i, c)| {
            if [8, 13, 18, 23].contains(&i) {
                c == '-'
            } else {
                c.is_ascii_hexdigit()
            }
        });
    shape.then_some(t)
}

fn end_of(l: &VNextLicense) -> Option<&str> {
    l.not_after
        .as_deref()
        .or(l.entitlement_expiration.as_deref())
        .or(l.expires_on.as_deref())
}

fn describe(l: &VNextLicense) -> String {
    let product = l.product.as_deref().unwrap_or("licence");
    let state = l.license_state.as_deref().unwrap_or("state unknown");
    let mut parts = Vec::new();
    if let Some(t) = l.tenant_id.as_deref().and_then(tenant_id) {
        parts.push(format!("tenant {t}"));
    }
    if let Some(end) = end_of(l) {
        parts.push(format!("until {}", &end[..end.len().min(10)]));
    }
    if parts.is_empty() {
        format!("{product}: {state}")
    } else {
        format!("{product}: {state} ({})", parts.join(", "))
    }
}

pub fn build(s: &Sources<'_>) -> LicensingFacts {
    let mut f = LicensingFacts::default();
    if let Some((path, listing)) = s.listing {
        let broker = listing.folders.iter().find(|d| {
            d.path
                .replace('/', "\\")
                .to_ascii_lowercase()
                .ends_with(&BROKER_ACCOUNTS.to_ascii_lowercase())
        });
        if let Some(d) = broker.filter(|d| d.error.is_none()) {
            let n = d
                .files
                .iter()
                .filter(|x| x.name.to_ascii_lowercase().ends_with(".tbacct"))
                .count() as i64;
            let seen = if d.exists {
                format!("{n} account files")
            } else {
                "the folder does not exist".to_owned()
            };
            f.broker_accounts = Some(Fact::new(
                n,
                vec![ev(path, 0, format!("folder {}", d.path), seen)],
            ));
        }
    }
    if s.vnext.is_none() && s.ospp.is_none() {
        return f;
    }
    let mut read_ev = Vec::new();
    let (mut licenses, mut lic_ev) = (Vec::new(), Vec::new());
    let (mut expired, mut exp_ev) = (Vec::new(), Vec::new());
    let (mut grace, mut grace_ev) = (Vec::new(), Vec::new());
    let mut tenants: Vec<String> = Vec::new();
    let mut any_licensed = false;
    let mut vnext_user = 0;
    if let Some((path, v)) = s.vnext {
        read_ev.push(ev(
            path,
            0,
            "vnextdiag -action list".to_owned(),
            format!(
                "{} vNext licences",
                v.user_licenses.len() + v.device_licenses.len()
            ),
        ));
        for l in v.user_licenses.iter().chain(&v.device_licenses) {
            vnext_user += usize::from(l.kind.as_deref().is_some_and(|k| k.starts_with("User")));
            let text = describe(l);
            let e = ev(
                path,
                l.line,
                format!("vNext licence {}", l.product.as_deref().unwrap_or("?")),
                text.clone(),
            );
            let state = l
                .license_state
                .as_deref()
                .unwrap_or("")
                .to_ascii_lowercase();
            let ended = end_of(l)
                .and_then(crate::date::parse)
                .zip(s.collected)
                .is_some_and(|(end, now)| end.days() < now.days());
            if state == "rfm" || ended {
                expired.push(text.clone());
                exp_ev.push(e.clone());
            } else if state == "grace" {
                grace.push(text.clone());
                grace_ev.push(e.clone());
            } else if state == "licensed" {
                any_licensed = true;
            }
            if let Some(t) = l.tenant_id.as_deref().and_then(tenant_id)
                && !tenants.contains(&t)
            {
                tenants.push(t);
            }
            licenses.push(text);
            lic_ev.push(e);
        }
    }
    let mut ospp_list = Vec::new();
    let mut ospp_ev = Vec::new();
    if let Some((path, o)) = s.ospp {
        read_ev.push(ev(
            path,
            o.no_keys.unwrap_or(0),
            "ospp.vbs /dstatus".to_owned(),
            format!("{} licences", o.licenses.len()),
        ));
        any_licensed |= o.licenses.iter().any(|l| l.status == "LICENSED");
        for l in &o.licenses {
            let text = format!("{}: {}", l.name, l.status);
            ospp_list.push(text);
            ospp_ev.push(ev(
                path,
                l.status_line,
                format!("ospp licence {}", l.name),
                format!("LICENSE STATUS: {}", l.status),
            ));
        }
        if !any_licensed {
            for l in o.licenses.iter().filter(|l| l.status != "LICENSED") {
                let days = l
                    .remaining_days
                    .map(|d| format!(", {d} days left"))
                    .unwrap_or_default();
                grace.push(format!("{}: {}{days}", l.name, l.status));
                grace_ev.push(ev(
                    path,
                    l.status_line,
                    format!("ospp licence {}", l.name),
                    format!("LICENSE STATUS: {}", l.status),
                ));
            }
        }
    }
    // Whose licences: the PC's tenants, when dsregcmd names them.
    let known: Vec<String> = s
        .dsreg
        .map(|(_, d)| {
            ["TenantId", "WorkplaceTenantId"]
                .iter()
                .filter_map(|n| d.get(n))
                .filter_map(|f| tenant_id(&f.value))
                .collect()
        })
        .unwrap_or_default();
    let (mut other, mut other_ev) = (Vec::new(), Vec::new());
    if let Some((path, v)) = s.vnext {
        let newest = v
            .user_licenses
            .iter()
            .filter(|l| l.tenant_id.as_deref().and_then(tenant_id).is_some())
            .max_by(|a, b| a.not_before.cmp(&b.not_before))
            .and_then(|l| l.tenant_id.as_deref().and_then(tenant_id));
        for l in v.user_licenses.iter().chain(&v.device_licenses) {
            let Some(t) = l.tenant_id.as_deref().and_then(tenant_id) else {
                continue;
            };
            let foreign = if known.is_empty() {
                tenants.len() > 1 && newest.as_ref() != Some(&t)
            } else {
                !known.contains(&t)
            };
            if foreign {
                other.push(describe(l));
                let why = if known.is_empty() {
                    "a second tenant next to the newest licence's".to_owned()
                } else {
                    format!("this PC's tenants: {}", known.join(", "))
                };
                other_ev.push(ev(
                    path,
                    l.line,
                    format!("vNext licence {}", l.product.as_deref().unwrap_or("?")),
                    format!("{}; {why}", describe(l)),
                ));
            }
        }
    }
    // Shared computer activation against the tokens present: vnextdiag's own lists when it
    // ran, else the licence folders (16.0\Licensing holds shared computer tokens, Licenses
    // the vNext user licences).
    let sca = s
        .vnext
        .and_then(|(_, v)| v.shared_computer.map(|x| x.1))
        .or(s.shared_computer);
    let folder_files = |suffix: &str| {
        s.listing.and_then(|(_, l)| {
            l.folders
                .iter()
                .find(|d| d.path.to_ascii_lowercase().ends_with(suffix) && d.error.is_none())
                .map(|d| d.files.len())
        })
    };
    let (sca_tokens, user_licences) = match s.vnext {
        Some((_, v)) => (Some(v.shared_tokens.len()), Some(vnext_user)),
        None => (
            folder_files(r"office\16.0\licensing"),
            folder_files(r"office\licenses"),
        ),
    };
    let mismatch = match (sca, sca_tokens, user_licences) {
        (Some(true), Some(0), Some(u)) => u > 0,
        (Some(false), Some(t), Some(0)) => t > 0,
        _ => false,
    };
    let whole = |v: Vec<Evidence>| if v.is_empty() { read_ev.clone() } else { v };
    f.read = Some(Fact::new(true, read_ev.clone()));
    f.licenses = Some(Fact::new(licenses, whole(lic_ev)));
    f.expired = Some(Fact::new(expired, whole(exp_ev)));
    f.grace = Some(Fact::new(grace, whole(grace_ev)));
    f.tenants = Some(Fact::new(tenants, read_ev.clone()));
    f.other_tenant = Some(Fact::new(other, whole(other_ev)));
    f.shared_computer_mismatch = sca.map(|on| {
        let count = |n: Option<usize>| n.map_or("unknown".to_owned(), |n| n.to_string());
        Fact::new(mismatch, read_ev.clone()).with_note(format!(
            "shared computer activation {}, {} shared computer tokens, {} user licences",
            if on { "on" } else { "off" },
            count(sca_tokens),
            count(user_licences)
        ))
    });
    f.ospp = s.ospp.map(|_| Fact::new(ospp_list, whole(ospp_ev)));
    f
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tenant_ids_are_guids_not_masks() {
        assert_eq!(
            tenant_id("{9188040D-6C67-4C5B-B112-36A304B66DAD}").as_deref(),
            Some("9188040d-6c67-4c5b-b112-36a304b66dad")
        );
        assert_eq!(tenant_id("XXXXXXXXXXXXXXXX"), None);
    }
}
