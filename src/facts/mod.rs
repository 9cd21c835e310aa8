//! The machine model: every fact the rules can see, typed, each with its evidence.
//!
//! Takes the parsed inputs of one snapshot ([`Inputs`]: the merged registry view and the
//! collector's manifest) and gives [`Facts`]. Groups are declared with [`fact_group!`],
//! which also yields the catalog ([`catalog`], [`kind_of`]) that rule files are checked
//! against when they load, and the lookup ([`Facts::get`]) the engine evaluates with.
//! A fact is absent when the snapshot does not say; a value that is not set on the machine
//! is present with the Windows default and evidence saying "not set". Where one truth has
//! several sources (a registry value and a command's output, two registry files), the
//! merge follows the order `merge.rs` states: an observation beats a default inferred from absence,
//! and observations that disagree are all kept on the fact.

pub mod accounts;
pub mod attempts;
pub mod events;
pub mod identities;
pub mod inspection;
pub mod ipv6;
pub mod licensing;
mod merge;
pub(crate) mod model;
pub mod ncsi;
pub mod network;
pub mod office;
pub mod os;
pub mod probes;
pub mod proxy;
pub(crate) mod registry_read;
pub mod services;
pub mod tls;
pub mod updates;
pub mod winsock;

pub use model::{
    Disagreement, Evidence, Fact, FactGroup, FactRef, FieldDef, Kind, Observation, Value,
};

use crate::parse::manifest::{Manifest, StepStatus};
use crate::parse::netsh_winhttp::{AdvProxy, NetshProxy};
use crate::problem::Problem;
use crate::registry::RegistryView;
use serde::Serialize;
use std::collections::BTreeMap;

/// The registry keys the facts (and the fix plan) read, each with how many levels of its subkeys they read
/// too: an analysis keeps only these of its `.reg` files in memory. A fact that reads another
/// key must add it here; in a debug build (the tests) a lookup outside them panics.
pub const REGISTRY_READ: &[(&str, usize)] = &[
    (os::CURRENT_VERSION, 0),
    (os::ENVIRONMENT, 0),
    (tls::SCHANNEL_TLS12_CLIENT, 0),
    (tls::WINHTTP, 0),
    (tls::WINHTTP_WOW64, 0),
    (tls::SECURE_PROTOCOLS_KEYS[0], 0),
    (tls::SECURE_PROTOCOLS_KEYS[1], 0),
    (tls::SECURE_PROTOCOLS_KEYS[2], 0),
    (tls::SECURE_PROTOCOLS_KEYS[3], 0),
    // Each base's Connections subkey holds the WinINet blob.
    (proxy::USER_SETTINGS, 1),
    (proxy::MACHINE_SETTINGS, 1),
    (proxy::POLICY, 0),
    (proxy::WINHTTP_CONNECTIONS, 0),
    (office::C2R, 0),
    (office::UPDATE_POLICY, 0),
    // Identity and its Identities subkey's subkeys (one per cached identity).
    (office::IDENTITY, 2),
    (ncsi::INTERNET, 0),
    (ncsi::POLICY, 0),
    (ipv6::PARAMETERS, 0),
    // Every service's own key.
    (services::SERVICES, 1),
    // Read by the fix plan: Windows 7's TLS 1.1 client, which the easy fix turns on too.
    (crate::fix::tls::SCHANNEL_TLS11_CLIENT, 0),
];

/// A registry view that keeps what the facts read ([`REGISTRY_READ`]).
pub fn registry_view() -> RegistryView {
    RegistryView::keeping(crate::registry::Keep::new(REGISTRY_READ))
}

/// Everything the parsers produced for one snapshot, ready to be turned into facts.
#[derive(Debug, Default)]
pub struct Inputs {
    pub registry: RegistryView,
    pub manifest: Option<(String, Manifest)>,
    /// `netsh winhttp show proxy`: artifact and parsed output.
    pub netsh_proxy: Option<(String, NetshProxy)>,
    /// `netsh winhttp show advproxy`: artifact, line of the object, parsed object.
    pub advproxy: Option<(String, usize, AdvProxy)>,
    /// Service states and start types from `sc` and `Get-Service`.
    pub service_states: Vec<services::StateSource>,
    /// `cmdkey /list`: artifact and credentials.
    pub cmdkey: Option<(String, Vec<crate::parse::accounts::Credential>)>,
    /// `dsregcmd /status`: artifact and fields.
    pub dsregcmd: Option<(String, crate::parse::accounts::Dsreg)>,
    /// `whoami /upn`: artifact, line, UPN.
    pub whoami_upn: Option<(String, usize, String)>,
    /// `netsh winsock show catalog`: artifact and entries.
    pub winsock: Option<(String, Vec<crate::parse::winsock::WinsockEntry>)>,
    /// Installed updates: artifact and list.
    pub hotfixes: Option<(String, Vec<crate::parse::hotfix::Hotfix>)>,
    /// `ipconfig /all`: artifact and adapters.
    pub ipconfig: Option<(String, Vec<crate::parse::ipconfig::Adapter>)>,
    /// Connectivity probes: artifact, results, and the line of each result.
    pub probes: Option<(String, crate::parse::probes::Probes, Vec<usize>)>,
    /// `vnextdiag.ps1 -action list`: artifact and what it listed.
    pub vnextdiag: Option<(String, crate::parse::licensing::VNextDiag)>,
    /// `ospp.vbs /dstatus`: artifact and licences.
    pub ospp: Option<(String, crate::parse::licensing::Ospp)>,
    /// Office's licence folders as the collector listed them.
    pub licenses: Option<(String, crate::parse::licenses::Licenses)>,
    /// Event logs: artifact and what was read.
    pub event_logs: Vec<(String, crate::parse::eventlog::EventLog)>,
    /// The manifest's first step for each artifact path it names (`/`-separated).
    steps_by_artifact: std::collections::HashMap<String, usize>,
}

impl Inputs {
    /// The day the snapshot was collected, from the manifest's start time.
    pub fn collected_on(&self) -> Option<(crate::date::Date, Evidence)> {
        let (path, m) = self.manifest.as_ref()?;
        let started = m.started.as_deref()?;
        let date = crate::date::parse(started)?;
        Some((
            date,
            Evidence {
                artifact: path.clone(),
                line: None,
                locator: "manifest started".to_owned(),
                seen: started.to_owned(),
            },
        ))
    }

    /// The order of the machine's short dates, when the manifest recorded its culture.
    pub fn date_order(&self) -> Option<crate::date::DateOrder> {
        let (_, m) = self.manifest.as_ref()?;
        let pattern = m.locale.as_ref()?.short_date.as_deref()?;
        crate::date::DateOrder::of_pattern(pattern)
    }

    /// Takes the collector's manifest found at `path`.
    pub fn set_manifest(&mut self, path: &str, m: Manifest) {
        self.steps_by_artifact.clear();
        for (i, step) in m.steps.iter().enumerate() {
            if let Some(a) = &step.artifact {
                self.steps_by_artifact
                    .entry(a.replace('\\', "/"))
                    .or_insert(i);
            }
        }
        self.manifest = Some((path.to_owned(), m));
    }

    /// The manifest step that wrote `artifact` (its path may carry the zip's top folder):
    /// the first step whose artifact is the path or a tail of it after a `/`.
    pub fn step_for(&self, artifact: &str) -> Option<&crate::parse::manifest::Step> {
        let (_, m) = self.manifest.as_ref()?;
        let tails = std::iter::once(artifact).chain(
            artifact
                .match_indices('/')
                .map(|(at, _)| &artifact[at + 1..]),
        );
        let first = tails.filter_map(|t| self.steps_by_artifact.get(t)).min()?;
        m.steps.get(*first)
    }

    /// Event log channels the collector found absent on the machine, with evidence.
    pub fn absent_logs(&self) -> Vec<(String, Evidence)> {
        let Some((path, m)) = &self.manifest else {
            return Vec::new();
        };
        m.steps
            .iter()
            .filter(|s| s.status == StepStatus::Absent)
            .filter_map(|s| {
                let channel = s.event_log.clone()?;
                let seen = s.error.clone().unwrap_or_else(|| "absent".to_owned());
                Some((
                    channel.clone(),
                    Evidence {
                        artifact: path.clone(),
                        line: None,
                        locator: format!("manifest step {}", s.id.as_deref().unwrap_or(&channel)),
                        seen,
                    },
                ))
            })
            .collect()
    }

    /// Applies what the manifest knows about registry keys: those it found absent.
    pub fn apply_manifest(&mut self) {
        let Some((path, manifest)) = &self.manifest else {
            return;
        };
        for step in &manifest.steps {
            if let (StepStatus::Absent, Some(key)) = (step.status, &step.registry_key) {
                self.registry.mark_absent(key, path);
            }
        }
    }
}

/// The facts of one machine.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Facts {
    pub os: os::OsFacts,
    pub tls: tls::TlsFacts,
    pub ncsi: ncsi::NcsiFacts,
    pub ipv6: ipv6::Ipv6Facts,
    pub proxy: proxy::ProxyFacts,
    pub accounts: accounts::AccountsFacts,
    pub winsock: winsock::WinsockFacts,
    pub updates: updates::UpdatesFacts,
    pub office: office::OfficeFacts,
    pub identity: office::IdentityFacts,
    pub probes: probes::ProbeFacts,
    pub inspection: inspection::InspectionFacts,
    pub licensing: licensing::LicensingFacts,
    pub network: network::NetworkFacts,
    pub events: events::EventsFacts,
    pub symptom: events::SymptomFacts,
    pub schannel: events::SchannelFacts,
    /// By service name as the registry spells it.
    pub services: BTreeMap<String, services::ServiceFacts>,
}

/// Dynamic parts of fact paths the rules ask for (which services), so the builder can
/// establish them even when they are absent.
#[derive(Debug, Clone, Default)]
pub struct Wanted {
    pub services: Vec<String>,
}

/// The fixed groups, by name, with their fields.
const GROUPS: &[(&str, &[FieldDef])] = &[
    ("os", <os::OsFacts as FactGroup>::FIELDS),
    ("tls", <tls::TlsFacts as FactGroup>::FIELDS),
    ("ncsi", <ncsi::NcsiFacts as FactGroup>::FIELDS),
    ("ipv6", <ipv6::Ipv6Facts as FactGroup>::FIELDS),
    ("proxy", <proxy::ProxyFacts as FactGroup>::FIELDS),
    ("accounts", <accounts::AccountsFacts as FactGroup>::FIELDS),
    ("winsock", <winsock::WinsockFacts as FactGroup>::FIELDS),
    ("updates", <updates::UpdatesFacts as FactGroup>::FIELDS),
    ("office", <office::OfficeFacts as FactGroup>::FIELDS),
    ("identity", <office::IdentityFacts as FactGroup>::FIELDS),
    ("probes", <probes::ProbeFacts as FactGroup>::FIELDS),
    (
        "inspection",
        <inspection::InspectionFacts as FactGroup>::FIELDS,
    ),
    (
        "licensing",
        <licensing::LicensingFacts as FactGroup>::FIELDS,
    ),
    ("network", <network::NetworkFacts as FactGroup>::FIELDS),
    ("events", <events::EventsFacts as FactGroup>::FIELDS),
    ("symptom", <events::SymptomFacts as FactGroup>::FIELDS),
    ("schannel", <events::SchannelFacts as FactGroup>::FIELDS),
];

/// Groups keyed by a name the rule chooses (`services.<name>.<field>`).
const KEYED_GROUPS: &[(&str, &[FieldDef])] =
    &[("services", <services::ServiceFacts as FactGroup>::FIELDS)];

impl Facts {
    /// Builds the facts; values that were read but turned out damaged (a binary blob that
    /// does not decode) are returned as problems.
    pub fn build(inputs: &Inputs, wanted: &Wanted) -> (Facts, Vec<Problem>) {
        let view = &inputs.registry;
        let mut problems = Vec::new();
        let os = os::build(view);
        let build = os.build.as_ref().map(|f| f.value);
        let arch = os.arch.as_ref().map(|f| f.value.as_str());
        let collected = inputs.collected_on();
        let proxy_sources = proxy::Sources {
            netsh: inputs.netsh_proxy.as_ref(),
            advproxy: inputs.advproxy.as_ref(),
        };
        let logs = events::build(&inputs.event_logs, inputs.absent_logs());
        let mut services = services::build(view, &wanted.services, &inputs.service_states);
        let cached_identities = identities::cached(view);
        events::apply_services(&mut services, &wanted.services, &inputs.event_logs);
        let office = {
            let mut o = office::build_office(view, collected.as_ref());
            office::apply_licenses(&mut o, inputs.licenses.as_ref());
            office::apply_winhttp_view(&mut o, os.arch.as_ref());
            o
        };
        let mut facts = Facts {
            tls: tls::build(view, build, arch),
            ncsi: ncsi::build(view),
            ipv6: ipv6::build(view),
            proxy: proxy::build(view, &proxy_sources, &mut problems),
            accounts: accounts::build(
                inputs.cmdkey.as_ref(),
                inputs.dsregcmd.as_ref(),
                inputs.whoami_upn.as_ref(),
            ),
            winsock: winsock::build(inputs.winsock.as_ref()),
            licensing: licensing::build(&licensing::Sources {
                vnext: inputs.vnextdiag.as_ref(),
                ospp: inputs.ospp.as_ref(),
                listing: inputs.licenses.as_ref(),
                dsreg: inputs.dsregcmd.as_ref(),
                shared_computer: office.shared_computer_licensing.as_ref().map(|f| f.value),
                collected: collected.as_ref().map(|(d, _)| *d),
            }),
            office,
            updates: {
                let mut u = updates::build(inputs.hotfixes.as_ref(), collected);
                events::apply_updates(&mut u, &inputs.event_logs);
                u
            },
            identity: office::build_identity(view, cached_identities.as_ref()),
            probes: probes::build(inputs.probes.as_ref()),
            inspection: inspection::build(inputs.probes.as_ref()),
            network: network::build(inputs.ipconfig.as_ref()),
            services,
            events: logs.events,
            symptom: logs.symptom,
            schannel: logs.schannel,
            os,
        };
        facts.accounts.work_account_in_office =
            identities::in_work_tenants(&facts.accounts, cached_identities.as_ref());
        facts.each_mut(&mut |f| registry_read::file_disagreements(view, f));
        (facts, problems)
    }

    /// Calls `f` with every fact present, in every group.
    fn each_mut(&mut self, f: &mut dyn FnMut(&mut dyn model::Provenance)) {
        self.os.each_mut(f);
        self.tls.each_mut(f);
        self.ncsi.each_mut(f);
        self.ipv6.each_mut(f);
        self.proxy.each_mut(f);
        self.accounts.each_mut(f);
        self.winsock.each_mut(f);
        self.updates.each_mut(f);
        self.office.each_mut(f);
        self.identity.each_mut(f);
        self.probes.each_mut(f);
        self.network.each_mut(f);
        self.events.each_mut(f);
        self.symptom.each_mut(f);
        self.schannel.each_mut(f);
        for s in self.services.values_mut() {
            s.each_mut(f);
        }
    }

    /// The fact at a dotted path (`os.build`, `services.NlaSvc.start`), if present.
    /// Keyed group names compare without case, as Windows service names do.
    pub fn get(&self, path: &str) -> Option<FactRef<'_>> {
        let (group, rest) = path.split_once('.')?;
        match group {
            "os" => self.os.get(rest),
            "tls" => self.tls.get(rest),
            "ncsi" => self.ncsi.get(rest),
            "ipv6" => self.ipv6.get(rest),
            "proxy" => self.proxy.get(rest),
            "accounts" => self.accounts.get(rest),
            "winsock" => self.winsock.get(rest),
            "updates" => self.updates.get(rest),
            "office" => self.office.get(rest),
            "identity" => self.identity.get(rest),
            "probes" => self.probes.get(rest),
            "inspection" => self.inspection.get(rest),
            "licensing" => self.licensing.get(rest),
            "network" => self.network.get(rest),
            "events" => self.events.get(rest),
            "symptom" => self.symptom.get(rest),
            "schannel" => self.schannel.get(rest),
            "services" => {
                let (name, field) = rest.split_once('.')?;
                self.services
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(name))
                    .and_then(|(_, s)| s.get(field))
            }
            _ => None,
        }
    }
}

/// The type of the fact at `path`, or why there is no such fact (for rule validation).
pub fn kind_of(path: &str) -> Result<Kind, String> {
    field_of(path).map(|f| f.kind)
}

/// The catalog description of the fact at `path`.
pub fn doc_of(path: &str) -> Option<&'static str> {
    field_of(path).ok().map(|f| f.doc)
}

fn field_of(path: &str) -> Result<&'static FieldDef, String> {
    let mut parts = path.split('.');
    let group = parts.next().unwrap_or_default();
    let find = |fields: &'static [FieldDef], field: &str, shown: &str| {
        fields.iter().find(|f| f.name == field).ok_or_else(|| {
            let names: Vec<_> = fields.iter().map(|f| f.name).collect();
            format!("unknown fact '{path}': {shown} has {}", names.join(", "))
        })
    };
    if let Some((_, fields)) = GROUPS.iter().find(|(g, _)| *g == group) {
        return match (parts.next(), parts.next()) {
            (Some(field), None) => find(fields, field, group),
            _ => Err(format!("unknown fact '{path}': expected {group}.<field>")),
        };
    }
    if let Some((_, fields)) = KEYED_GROUPS.iter().find(|(g, _)| *g == group) {
        return match (parts.next(), parts.next(), parts.next()) {
            (Some(name), Some(field), None) if !name.is_empty() => {
                find(fields, field, &format!("{group}.<name>"))
            }
            _ => Err(format!(
                "unknown fact '{path}': expected {group}.<name>.<field>"
            )),
        };
    }
    let all: Vec<_> = GROUPS.iter().chain(KEYED_GROUPS).map(|(g, _)| *g).collect();
    Err(format!(
        "unknown fact '{path}': fact groups are {}",
        all.join(", ")
    ))
}

/// One line of the catalog: a path pattern, its type and what it means.
#[derive(Debug, Clone, Serialize)]
pub struct CatalogEntry {
    pub path: String,
    pub kind: Kind,
    pub doc: &'static str,
}

/// Every fact a rule can name.
pub fn catalog() -> Vec<CatalogEntry> {
    let fixed = GROUPS.iter().flat_map(|(g, fields)| {
        fields.iter().map(move |f| CatalogEntry {
            path: format!("{g}.{}", f.name),
            kind: f.kind,
            doc: f.doc,
        })
    });
    let keyed = KEYED_GROUPS.iter().flat_map(|(g, fields)| {
        fields.iter().map(move |f| CatalogEntry {
            path: format!("{g}.<name>.{}", f.name),
            kind: f.kind,
            doc: f.doc,
        })
    });
    fixed.chain(keyed).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_catalog_validates_paths() {
        assert_eq!(kind_of("os.build"), Ok(Kind::Int));
        assert_eq!(kind_of("services.NlaSvc.start_type"), Ok(Kind::Text));
        assert!(
            kind_of("os.nope")
                .unwrap_err()
                .contains("os has product_name")
        );
        assert!(kind_of("services.start").is_err());
        assert!(
            kind_of("weather.today")
                .unwrap_err()
                .contains("fact groups are os, tls")
        );
        assert!(
            catalog()
                .iter()
                .any(|e| e.path == "tls.winhttp_tls12" && e.kind == Kind::Bool)
        );
    }
}
