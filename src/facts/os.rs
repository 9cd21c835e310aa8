//! Operating system identity from `HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion`.
//!
//! Windows 11 still says "Windows 10" in `ProductName`; the build decides (22000 and up is
//! Windows 11 on clients). Windows 10 and later report `CurrentVersion` "6.3" for old
//! programs, so the version comes from `CurrentMajorVersionNumber` where it exists.

use super::model::{Fact, fact_group};
use super::registry_read::{Reading, int, text};
use crate::registry::RegistryView;

pub const CURRENT_VERSION: &str = r"HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion";
pub const ENVIRONMENT: &str = r"HKLM\SYSTEM\CurrentControlSet\Control\Session Manager\Environment";

fact_group! {
    /// The Windows version and edition.
    pub struct OsFacts {
        /// ProductName as the registry spells it (Windows 11 says "Windows 10" here).
        product_name: String,
        /// Friendly name decided by the build, e.g. "Windows 11 Pro 23H2" or "Windows 7 Professional SP1".
        name: String,
        /// windows-7, windows-8, windows-8.1, windows-10, windows-11, server-2008-r2, server-2012, server-2012-r2, server-2016, server-2019, server-2022, server-2025 (and older ones).
        family: String,
        /// CurrentBuildNumber (7601, 9600, 19045, 22631, ...).
        build: i64,
        /// Update build revision (UBR): the cumulative update level, Windows 10 and later.
        ubr: i64,
        /// Kernel version, "6.1" for Windows 7, "10.0" for Windows 10 and later.
        version: String,
        /// Service pack number from CSDVersion (0 when none is installed).
        service_pack: i64,
        /// EditionID (Professional, Enterprise, ServerStandard, ...).
        edition: String,
        /// InstallationType: Client, Server or Server Core.
        installation_type: String,
        /// DisplayVersion or ReleaseId (22H2, 23H2, 1607, ...).
        display_version: String,
        /// A server edition of Windows.
        server: bool,
        /// Windows 8.1 / Server 2012 R2 or older (build below 10240): the article's legacy case.
        legacy: bool,
        /// PROCESSOR_ARCHITECTURE of the system (AMD64, x86, ARM64).
        arch: String,
    }
}

pub fn build(view: &RegistryView) -> OsFacts {
    let mut os = OsFacts::default();
    let key = CURRENT_VERSION;
    let product = text(view, key, "ProductName");
    let build_no = match int(view, key, "CurrentBuildNumber") {
        Reading::NotCollected => Reading::NotCollected,
        Reading::Set(v, e) => Reading::Set(v, e),
        Reading::NotSet(_) => int(view, key, "CurrentBuild"),
    };
    let installation = text(view, key, "InstallationType");
    let edition = text(view, key, "EditionID");
    let display = match text(view, key, "DisplayVersion") {
        Reading::Set(v, e) => Reading::Set(v, e),
        _ => text(view, key, "ReleaseId"),
    };
    os.product_name = set(&product);
    os.build = set(&build_no);
    os.ubr = set(&int(view, key, "UBR"));
    os.edition = set(&edition);
    os.installation_type = set(&installation);
    os.display_version = set(&display);
    os.arch = set(&text(view, ENVIRONMENT, "PROCESSOR_ARCHITECTURE"));

    os.version = match (
        int(view, key, "CurrentMajorVersionNumber"),
        int(view, key, "CurrentMinorVersionNumber"),
    ) {
        (Reading::Set(major, e1), Reading::Set(minor, e2)) => {
            Some(Fact::new(format!("{major}.{minor}"), vec![e1, e2]))
        }
        _ => set(&text(view, key, "CurrentVersion")),
    };
    os.service_pack = match text(view, key, "CSDVersion") {
        Reading::Set(csd, e) => {
            let n = csd
                .split_whitespace()
                .last()
                .and_then(|w| w.parse().ok())
                .unwrap_or(0);
            Some(Fact::new(n, vec![e]))
        }
        Reading::NotSet(e) => Some(Fact::new(0, vec![e])),
        Reading::NotCollected => None,
    };

    let Reading::Set(build, build_ev) = &build_no else {
        return os;
    };
    let build = *build;
    let server = match (&installation, &product, &edition) {
        (Reading::Set(t, e), _, _) => Some((t.starts_with("Server"), e)),
        (_, Reading::Set(p, e), _) if p.contains("Server") => Some((true, e)),
        (_, _, Reading::Set(ed, e)) => Some((ed.starts_with("Server"), e)),
        (_, Reading::Set(_, e), _) => Some((false, e)),
        _ => None,
    };
    os.legacy = Some(
        Fact::new(build < 10240, vec![build_ev.clone()])
            .with_note("Windows 8.1 / Server 2012 R2 and older have builds below 10240"),
    );
    if let Some((is_server, server_ev)) = server {
        os.server = Some(Fact::new(is_server, vec![server_ev.clone()]));
        let fam = family(build, is_server);
        os.family = Some(Fact::new(
            fam.to_owned(),
            vec![build_ev.clone(), server_ev.clone()],
        ));
        let sp = os.service_pack.as_ref().map_or(0, |f| f.value);
        let name = friendly_name(
            product.value().map(String::as_str),
            build,
            is_server,
            sp,
            display.value().map(String::as_str),
        );
        let mut evidence = vec![build_ev.clone()];
        evidence.extend(product.evidence().cloned());
        os.name = Some(Fact::new(name, evidence));
    }
    os
}

fn set<T: Clone>(r: &Reading<T>) -> Option<Fact<T>> {
    match r {
        Reading::Set(v, e) => Some(Fact::new(v.clone(), vec![e.clone()])),
        _ => None,
    }
}

/// The product family a build belongs to.
pub fn family(build: i64, server: bool) -> &'static str {
    match (build, server) {
        (..6000, _) => "windows-xp-or-older",
        (6000..=6003, false) => "windows-vista",
        (6000..=6003, true) => "server-2008",
        (7600..=7601, false) => "windows-7",
        (7600..=7601, true) => "server-2008-r2",
        (9200, false) => "windows-8",
        (9200, true) => "server-2012",
        (9600, false) => "windows-8.1",
        (9600, true) => "server-2012-r2",
        (10240..=21999, false) => "windows-10",
        (22000.., false) => "windows-11",
        (14393, true) => "server-2016",
        (17763, true) => "server-2019",
        (20348, true) => "server-2022",
        (26100.., true) => "server-2025",
        (10240.., true) => "server-semi-annual",
        (_, false) => "windows-unknown",
        (_, true) => "server-unknown",
    }
}

fn friendly_name(
    product: Option<&str>,
    build: i64,
    server: bool,
    service_pack: i64,
    display: Option<&str>,
) -> String {
    let mut name = match product {
        Some(p) if !server && build >= 22000 => p.replacen("Windows 10", "Windows 11", 1),
        Some(p) => p.to_owned(),
        None => family(build, server).to_owned(),
    };
    if let Some(rest) = name.strip_prefix("Microsoft ") {
        name = rest.to_owned();
    }
    if service_pack > 0 {
        name.push_str(&format!(" SP{service_pack}"));
    }
    if let Some(d) = display.filter(|d| !d.is_empty()) {
        name.push(' ');
        name.push_str(d);
    }
    name
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn families_by_build() {
        assert_eq!(family(7601, false), "windows-7");
        assert_eq!(family(7601, true), "server-2008-r2");
        assert_eq!(family(9200, true), "server-2012");
        assert_eq!(family(22631, false), "windows-11");
        assert_eq!(family(19045, false), "windows-10");
        assert_eq!(family(20348, true), "server-2022");
    }

    #[test]
    fn windows_11_is_named_by_its_build() {
        assert_eq!(
            friendly_name(Some("Windows 10 Pro"), 22631, false, 0, Some("23H2")),
            "Windows 11 Pro 23H2"
        );
        assert_eq!(
            friendly_name(Some("Microsoft Windows 7"), 7601, false, 1, None),
            "Windows 7 SP1"
        );
    }
}
