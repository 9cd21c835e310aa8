//! How each kind of identifying value gets its entry and its pseudonym: the snapshot's
//! seeds ([`Seed`]) and what a text shows by its shape ([`scan`]). A DNS name's
//! organisation label, an account's domain and user, an e-mail's user and domain each
//! become entries of their own, so their parts keep one pseudonym wherever they stand.

use super::{Kind, Pseudonymizer, Seed, names, scan};
use std::net::IpAddr;

fn guid(text: &str) -> Option<String> {
    let t = text.trim().trim_start_matches('{').trim_end_matches('}');
    let groups: Vec<&str> = t.split('-').collect();
    let shape = groups.iter().map(|g| g.len()).collect::<Vec<_>>() == [8, 4, 4, 4, 12];
    (shape && t.chars().all(|c| c.is_ascii_hexdigit() || c == '-')).then(|| t.to_owned())
}

impl Pseudonymizer {
    pub(super) fn seed(&mut self, seed: &Seed) {
        match seed {
            Seed::Host(h) => self.host(h),
            Seed::Account(a) => self.account(a),
            Seed::Org(o) => {
                self.org(o);
            }
            Seed::Email(e) => self.email(e),
            Seed::Domain(d) => {
                self.domain(d);
            }
            Seed::Proxy(p) => self.proxy(p),
            Seed::Tenant(t) => {
                let anywhere = names::replace_anywhere(t);
                self.entry(Kind::Tenant, t, anywhere, |p| p.numbered("tenant"));
            }
            Seed::Guid(g) => self.guid(g),
            Seed::Address(a) => {
                let ip = crate::parse::ipconfig::address(a).or_else(|| a.trim().parse().ok());
                if let Some(ip) = ip {
                    self.address(ip);
                }
            }
            Seed::Name(n) => {
                let anywhere = names::replace_anywhere(n) && n.chars().count() >= 4;
                self.entry(Kind::Name, n, anywhere, |p| p.numbered("name"));
            }
            Seed::Microsoft(ip) => {
                self.microsoft.insert(*ip);
            }
        }
    }

    fn host(&mut self, name: &str) {
        let name = name.trim().trim_end_matches('.');
        if name.parse::<IpAddr>().is_ok() || names::is_protected_domain(name) {
            return;
        }
        let (first, rest) = match name.split_once('.') {
            Some((h, d)) => (h, Some(d)),
            None => (name, None),
        };
        if let Some(rest) = rest.filter(|r| r.contains('.')) {
            self.domain(rest);
        } else if let Some(rest) = rest {
            self.org(rest);
        }
        if !first.is_empty() {
            let anywhere = names::replace_anywhere(first);
            self.entry(Kind::Host, first, anywhere, |p| p.numbered("host"));
        }
    }

    /// An organisation by its name (`contoso`, `CONTOSO`): returns its number.
    fn org(&mut self, name: &str) -> u32 {
        let anywhere = names::replace_anywhere(name);
        let id = self.entry(Kind::Org, name, anywhere, |p| {
            let n = p.next("org");
            format!("org-{n}")
        });
        let e = &mut self.entries[id];
        if e.org == 0 {
            e.org = e
                .pseudonym
                .strip_prefix("org-")
                .and_then(|n| n.parse().ok())
                .unwrap_or(u32::MAX);
        }
        e.org
    }

    /// A DNS name: its registrable part becomes `org-N.example` (an internal top level
    /// kept), the labels before it stay (they are replaced only if they are names too).
    fn domain(&mut self, name: &str) -> Option<usize> {
        let name = name.trim().trim_start_matches("*.").trim_end_matches('.');
        if names::is_protected_domain(name) {
            return None;
        }
        let (registrable, label) = names::registrable(name)?;
        let org = self.org(&label);
        let tld = names::pseudonym_tld(&registrable);
        Some(self.entry(Kind::Domain, &registrable, true, move |_| {
            format!("org-{org}.{tld}")
        }))
    }

    fn user(&mut self, name: &str) -> usize {
        let anywhere = names::replace_anywhere(name);
        self.entry(Kind::User, name, anywhere, |p| p.numbered("user"))
    }

    /// `DOMAIN\user`: both parts, and the pair, which is replaced wherever it stands.
    fn account(&mut self, text: &str) {
        let Some((domain, user)) = text.trim().split_once('\\') else {
            if !text.trim().is_empty() {
                self.user(text.trim());
            }
            return;
        };
        if domain.is_empty() || user.is_empty() {
            return;
        }
        let d = if domain.contains('.') {
            self.domain(domain)
                .unwrap_or_else(|| self.org(domain) as usize)
        } else {
            let _ = self.org(domain);
            self.by_key
                .get(&domain.to_lowercase())
                .copied()
                .unwrap_or(0)
        };
        let u = self.user(user);
        let pseudonym = format!(
            "{}\\{}",
            self.entries[d].pseudonym, self.entries[u].pseudonym
        );
        let id = self.entry(Kind::Account, text.trim(), true, |_| pseudonym);
        self.entries[id].parts = Some((d, u));
    }

    fn email(&mut self, text: &str) {
        let Some((local, domain)) = text.trim().rsplit_once('@') else {
            return;
        };
        if !local.is_empty() {
            self.user(local);
        }
        self.domain(domain);
    }

    /// A proxy setting: every host in it (`http=a:80;https=b:443`, `http://pac.x/p.pac`).
    fn proxy(&mut self, text: &str) {
        for part in text.split([';', ' ', ',']) {
            let part = part.rsplit('=').next().unwrap_or(part).trim();
            let part = part.split_once("://").map_or(part, |(_, r)| r);
            let host = part.split(['/', '?']).next().unwrap_or(part);
            // A port, or a wildcard bypass entry (`10.*`, `<local>`).
            let host = host.rsplit_once(':').map_or(host, |(h, port)| {
                if port.chars().all(|c| c.is_ascii_digit()) {
                    h
                } else {
                    host
                }
            });
            if host.is_empty() || host.contains(['*', '<', '[']) && !host.starts_with("*.") {
                continue;
            }
            if let Ok(ip) = host.parse::<IpAddr>() {
                self.address(ip);
            } else if host.contains('.') {
                self.domain(host);
            } else if !host.eq_ignore_ascii_case("direct") {
                self.host(host);
            }
        }
    }

    fn guid(&mut self, text: &str) {
        if let Some(g) = guid(text) {
            self.entry(Kind::Guid, &g, true, |p| {
                let n = p.next("guid");
                format!("00000000-0000-4000-8000-{n:012x}")
            });
        }
    }

    fn address(&mut self, ip: IpAddr) {
        if self.microsoft.contains(&ip) {
            return;
        }
        match ip {
            IpAddr::V4(v4) if !names::ipv4_is_generic(v4) => {
                let class = match v4.octets() {
                    [10, ..] => "ipv4-10",
                    [172, 16..=31, ..] => "ipv4-172",
                    [192, 168, ..] => "ipv4-192",
                    [100, 64..=127, ..] => "ipv4-100",
                    [169, 254, ..] => "ipv4-169",
                    _ => "ipv4",
                };
                self.entry(Kind::Ipv4, &v4.to_string(), true, |p| {
                    names::ipv4_pseudonym(v4, p.next(class)).to_string()
                });
            }
            IpAddr::V6(v6) if !names::ipv6_is_generic(v6) => {
                self.entry(Kind::Ipv6, &v6.to_string(), true, |p| {
                    names::ipv6_pseudonym(v6, p.next("ipv6")).to_string()
                });
            }
            _ => {}
        }
    }

    /// Finds identifying values by their shape in `text`.
    pub(super) fn detect(&mut self, text: &str) {
        for (s, _, e) in scan::emails(text) {
            self.email(&text[s..e]);
        }
        for (_, _, ip) in scan::ipv4s(text) {
            self.address(IpAddr::V4(ip));
        }
        for (_, _, ip) in scan::ipv6s(text) {
            self.address(IpAddr::V6(ip));
        }
        for (s, e) in scan::macs(text) {
            self.entry(Kind::Mac, &text[s..e], true, |p| {
                let n = p.next("mac");
                format!("00-00-5e-00-{:02x}-{:02x}", 0x53 + (n >> 8), n & 0xFF)
            });
        }
        for (s, e) in scan::sids(text) {
            let sid = &text[s..e];
            self.entry(Kind::Sid, sid, true, |p| {
                let n = p.next("sid");
                let rid = sid.rsplit('-').next().unwrap_or("0");
                if sid.starts_with("S-1-12-1-") {
                    format!("S-1-12-1-0-0-{n}-{rid}")
                } else {
                    format!("S-1-5-21-0-0-{n}-{rid}")
                }
            });
        }
        for (s, e) in scan::profile_names(text) {
            self.user(&text[s..e]);
        }
    }
}
