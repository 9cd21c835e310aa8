//! The identifying values a snapshot itself names, read from its facts and parsed inputs —
//! the machine's name, the accounts, the organisation's domains and tenants, device and
//! tenant ids, proxies, the PC's own addresses — in a fixed order, so that the same
//! snapshot gets the same pseudonyms whichever document is redacted. What only shows in
//! free text (an address in a log line) is found by its shape ([`super::scan`]) while the
//! document is redacted.
//!
//! The addresses the article's endpoints resolved to are Microsoft's: they are recorded
//! so that they are never replaced.

use crate::analysis::Analysis;
use crate::facts::Fact;
use std::net::IpAddr;

/// One identifying value, by what it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seed {
    /// A machine name, or a DNS name whose first label is the machine's.
    Host(String),
    /// `DOMAIN\user`.
    Account(String),
    /// A NetBIOS domain name (`CONTOSO`).
    Org(String),
    Email(String),
    /// A DNS name of the organisation (a proxy's, a PAC file's, a bypass entry's).
    Domain(String),
    /// A proxy as configured: `proxy.contoso.com:8080`, `http=p:80;https=p:443`, a URL.
    Proxy(String),
    Tenant(String),
    Guid(String),
    Address(String),
    /// A person's name, or an account id that is neither an address nor a GUID.
    Name(String),
    /// An address of one of Microsoft's endpoints: never replaced.
    Microsoft(IpAddr),
}

/// The identifying values of one snapshot, in the order they get their pseudonyms.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Seeds(pub Vec<Seed>);

impl Seeds {
    fn add(&mut self, seed: Seed) {
        if !self.0.contains(&seed) {
            self.0.push(seed);
        }
    }

    fn text(&mut self, make: Make, value: Option<&str>) {
        if let Some(v) = value.map(str::trim).filter(|v| !v.is_empty()) {
            self.add(make(v.to_owned()));
        }
    }

    fn fact(&mut self, make: Make, fact: &Option<Fact<String>>) {
        self.text(make, fact.as_ref().map(|f| f.value.as_str()));
    }

    fn list(&mut self, make: Make, fact: &Option<Fact<Vec<String>>>) {
        for v in fact.iter().flat_map(|f| &f.value) {
            self.text(make, Some(v));
        }
    }
}

/// Makes a seed of a value.
type Make = fn(String) -> Seed;

/// dsregcmd fields that name the organisation, the device or the account.
const DSREG_NAMES: &[(&str, Make)] = &[
    ("Device Name", Seed::Host),
    ("DomainName", Seed::Org),
    ("TenantName", Seed::Tenant),
    ("WorkplaceTenantName", Seed::Tenant),
    ("TenantId", Seed::Guid),
    ("DeviceId", Seed::Guid),
    ("WorkplaceDeviceId", Seed::Guid),
    ("WorkplaceTenantId", Seed::Guid),
    ("KeyContainerId", Seed::Guid),
    ("NgcKeyId", Seed::Guid),
    ("Thumbprint", Seed::Name),
    ("WorkplaceThumbprint", Seed::Name),
];

/// The seeds of an analysis.
pub fn collect(a: &Analysis) -> Seeds {
    let mut s = Seeds::default();
    let i = &a.inputs;
    let f = &a.facts;
    // Microsoft's addresses first: nothing below may take them.
    if let Some((_, probes, _)) = &i.probes {
        for p in &probes.results {
            let dns = p.dns.iter().flat_map(|d| d.ipv4.iter().chain(&d.ipv6));
            let tcp = p.tcp.iter().filter_map(|t| t.address.as_ref());
            for ip in dns.chain(tcp).filter_map(|t| t.parse::<IpAddr>().ok()) {
                if is_public(ip) {
                    s.add(Seed::Microsoft(ip));
                }
            }
        }
    }
    s.text(Seed::Host, a.snapshot.host.as_deref());
    for (_, log) in &i.event_logs {
        s.text(Seed::Host, log.computer.as_deref());
    }
    // Domains before tenants and accounts: a NetBIOS domain or a tenant named like the
    // organisation's domain then shares its pseudonym (`CONTOSO`, `Contoso`, `contoso.com`).
    s.fact(Seed::Email, &f.accounts.signed_in_upn);
    if let Some((_, _, upn)) = &i.whoami_upn {
        s.text(Seed::Email, Some(upn));
    }
    if let Some((_, d)) = &i.dsregcmd {
        for field in &d.fields {
            if field.name.eq_ignore_ascii_case("Executing Account Name") {
                for part in field.value.split(',') {
                    let make = if part.contains('@') {
                        Seed::Email
                    } else {
                        Seed::Account
                    };
                    s.text(make, Some(part));
                }
            }
        }
    }
    s.fact(Seed::Proxy, &f.proxy.winhttp_proxy);
    s.fact(Seed::Proxy, &f.proxy.wininet_proxy);
    s.fact(Seed::Proxy, &f.proxy.winhttp_auto_config_url);
    s.fact(Seed::Proxy, &f.proxy.wininet_auto_config_url);
    s.list(Seed::Proxy, &f.proxy.winhttp_bypass);
    s.list(Seed::Proxy, &f.proxy.wininet_bypass);
    if let Some((_, n)) = &i.netsh_proxy {
        s.text(Seed::Proxy, n.proxy.as_deref());
    }
    if let Some((_, _, adv)) = &i.advproxy {
        s.text(Seed::Proxy, adv.proxy.as_deref());
        s.text(Seed::Proxy, adv.auto_config_url.as_deref());
    }
    for p in i.probes.iter().flat_map(|(_, p, _)| &p.results) {
        for h in [&p.winhttp, &p.wininet].into_iter().flatten() {
            s.text(Seed::Proxy, h.proxy.as_deref());
        }
        for chain in &p.tls {
            s.text(
                Seed::Proxy,
                chain.via.as_deref().and_then(|v| v.strip_prefix("proxy ")),
            );
        }
    }
    s.text(Seed::Account, a.snapshot.user.as_deref());
    if let Some((_, d)) = &i.dsregcmd {
        for (name, make) in DSREG_NAMES {
            for field in d
                .fields
                .iter()
                .filter(|f| f.name.eq_ignore_ascii_case(name))
            {
                s.text(*make, Some(&field.value));
            }
        }
    }
    s.fact(Seed::Tenant, &f.accounts.tenant_name);
    s.list(Seed::Tenant, &f.accounts.workplace_tenants);
    s.list(Seed::Guid, &f.accounts.workplace_tenant_ids);
    s.list(Seed::Guid, &f.licensing.tenants);
    identities(a, &mut s);
    credentials(a, &mut s);
    if let Some((_, v)) = &i.vnextdiag {
        for l in v
            .user_licenses
            .iter()
            .chain(&v.device_licenses)
            .chain(&v.shared_tokens)
        {
            s.text(Seed::Email, l.email.as_deref());
            s.text(Seed::Guid, l.tenant_id.as_deref());
            s.text(Seed::Guid, l.device_id.as_deref());
        }
    }
    for ad in i.ipconfig.iter().flat_map(|(_, list)| list) {
        let all = ad
            .ipv4
            .iter()
            .chain(&ad.ipv6)
            .chain(&ad.gateways)
            .chain(&ad.dns_servers);
        for addr in all.chain(&ad.dhcp_server) {
            s.text(Seed::Address, Some(addr));
        }
    }
    for fact in [
        &f.network.ipv4_addresses,
        &f.network.ipv6_global,
        &f.network.dns_servers,
        &f.network.default_gateways,
    ] {
        s.list(Seed::Address, fact);
    }
    s
}

/// Office's cached identities: sign-in names, display names, tenants.
fn identities(a: &Analysis, s: &mut Seeds) {
    let view = &a.inputs.registry;
    let listing = format!(r"{}\Identities", crate::facts::office::IDENTITY);
    for key in view.subkeys(&listing) {
        for (name, make) in [
            ("EmailAddress", Seed::Email as Make),
            ("SignInName", Seed::Email),
            ("FriendlyName", Seed::Name),
            ("TenantId", Seed::Guid),
        ] {
            let value = key.value(name).and_then(|v| v.data.as_str());
            let make = if name == "SignInName" && !value.is_some_and(|v| v.contains('@')) {
                Seed::Name
            } else {
                make
            };
            s.text(make, value);
        }
        // `<user object id>_ADAL`, `<cid>_LiveId`.
        if let Some(id) = key
            .path
            .rsplit('\\')
            .next()
            .and_then(|k| k.split('_').next())
        {
            let make = if id.len() == 36 {
                Seed::Guid
            } else {
                Seed::Name
            };
            s.text(make, Some(id));
        }
    }
}

/// Credential Manager's entries: the account a target names (`…:SSPI:<upn>`,
/// `…:ADAL:<object id>`, `Domain:target=<server>`) and the user names stored with them.
fn credentials(a: &Analysis, s: &mut Seeds) {
    let Some((_, creds)) = &a.inputs.cmdkey else {
        return;
    };
    for c in creds {
        let target = c.target.trim();
        let named = target.split_once("target=").map_or(target, |(_, t)| t);
        let microsoft_account = target.starts_with("WindowsLive:")
            || target.starts_with("MicrosoftAccount:")
            || named.starts_with("SSO_POP_")
            || named.starts_with("virtualapp/");
        if crate::parse::accounts::is_office_credential(named) {
            if let Some(account) = named.rsplit(':').next() {
                let make = match account {
                    a if a.contains('@') => Seed::Email,
                    a if a.len() == 36 && a.matches('-').count() == 4 => Seed::Guid,
                    _ => Seed::Name,
                };
                s.text(make, Some(account));
            }
        } else if !microsoft_account {
            // `TERMSRV/server.contoso.com`, `Domain:target=fileserver`, `git:https://host`.
            let host = named
                .rsplit(['/', '='])
                .find(|p| !p.is_empty())
                .unwrap_or(named);
            let make = if host.contains('.') {
                Seed::Domain
            } else {
                Seed::Host
            };
            s.text(make, Some(host));
        }
        if let Some(user) = &c.user {
            let make = if user.contains('@') {
                Seed::Email
            } else if user.contains('\\') {
                Seed::Account
            } else {
                Seed::Name
            };
            s.text(make, Some(user));
        }
    }
}

/// A routable address (not private, link-local, shared or loopback).
fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            !(v4.is_private()
                || v4.is_loopback()
                || v4.is_link_local()
                || v4.is_unspecified()
                || (a == 100 && (64..=127).contains(&b)))
        }
        IpAddr::V6(v6) => {
            let first = v6.segments()[0];
            !(v6.is_loopback()
                || v6.is_unspecified()
                || first & 0xFFC0 == 0xFE80
                || first & 0xFE00 == 0xFC00)
        }
    }
}
