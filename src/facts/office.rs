//! Microsoft 365 Apps: the Click-to-Run configuration (version, channel, whether it updates)
//! and its update policies, and the Office sign-in (identity) settings of the user.
//!
//! The age of a build is *estimated* from its number: Microsoft 365 Apps builds advance by
//! about 100 a month (16.0.16026 was Version 2301, January 2023; 16.0.18429 Version 2501,
//! January 2025). The fact says so in its note.

use super::merge::{Source, merge};
use super::model::{Evidence, Fact, fact_group};
use super::ncsi::{only_set, with_default};
use super::registry_read::{Reading, int, key_evidence, text};
use crate::date::Date;
use crate::registry::RegistryView;

pub const C2R: &str = r"HKLM\SOFTWARE\Microsoft\Office\ClickToRun\Configuration";
pub const UPDATE_POLICY: &str = r"HKLM\SOFTWARE\Policies\Microsoft\office\16.0\common\officeupdate";
pub const IDENTITY: &str = r"HKCU\Software\Microsoft\Office\16.0\Common\Identity";

/// Update channels by the GUID that ends `CDNBaseUrl` / `UpdateChannel`.
pub const CHANNELS: &[(&str, &str)] = &[
    ("492350f6-3a01-4f97-b9c0-c7c6ddf67d60", "Current"),
    ("64256afe-f5d9-4f86-8936-8840a6a4f5be", "Current (Preview)"),
    ("55336b82-a18d-4dd6-b5f6-9e5095c314a6", "Monthly Enterprise"),
    (
        "7ffbc6bf-bc32-4f92-8982-f9dd17fd3114",
        "Semi-Annual Enterprise",
    ),
    (
        "b8f9b850-328d-4355-9145-c59439a0c4cf",
        "Semi-Annual Enterprise (Preview)",
    ),
    ("5440fd1f-7ecb-4221-8110-145efaa6372f", "Beta"),
];

fact_group! {
    /// Microsoft 365 Apps (Click-to-Run).
    pub struct OfficeFacts {
        /// Click-to-Run Office is installed (its Configuration key exists).
        installed: bool,
        /// VersionToReport, e.g. 16.0.18429.20132.
        version: String,
        /// The build number, the third part of the version (18429).
        build: i64,
        /// Update channel: Current, Monthly Enterprise, Semi-Annual Enterprise, Beta, ... (from UpdateChannel, else CDNBaseUrl).
        channel: String,
        /// Platform: x86 or x64.
        platform: String,
        /// The WinHTTP view Office's own processes read: "native" (64-bit Office, or any Office on 32-bit Windows) or "Wow6432Node" (32-bit Office on 64-bit Windows).
        winhttp_view: String,
        /// ProductReleaseIds (O365ProPlusRetail, O365BusinessRetail, ...).
        products: String,
        /// Shared computer activation is on.
        shared_computer_licensing: bool,
        /// Office may update itself: UpdatesEnabled is not False and no policy turns updates off.
        updates_enabled: bool,
        /// A policy pins Office to a version (updatetargetversion), when set.
        target_version: String,
        /// Estimated months between the build's release and the collection (about 100 builds a month).
        build_age_months: i64,
        /// Files in Office's licence folders (the collector's listing: names, sizes, dates).
        license_files: i64,
        /// The licence folders that exist, with their file count and newest file.
        license_folders: Vec<String>,
    }
}

fact_group! {
    /// Office sign-in settings of the user (Office\16.0\Common\Identity).
    pub struct IdentityFacts {
        /// EnableADAL (1 when not set): 0 turns modern authentication off.
        enable_adal: i64,
        /// DisableAADWAM (0 when not set): 1 keeps Office from the Web Account Manager.
        disable_aad_wam: i64,
        /// DisableADALatopWAMOverride (0 when not set): 1 forces ADAL instead of WAM.
        disable_adal_atop_wam_override: i64,
        /// Identities Office has cached (subkeys of Identity\Identities).
        cached_identities: i64,
    }
}

/// Build 18429 was released in January 2025 (Version 2501); about 100 builds a month.
const ANCHOR_BUILD: i64 = 18429;
const ANCHOR_MONTH: i64 = 2025 * 12;
const BUILDS_PER_MONTH: i64 = 100;

fn channel_of(url: &str) -> Option<&'static str> {
    let lower = url.to_ascii_lowercase();
    CHANNELS
        .iter()
        .find(|(guid, _)| lower.contains(guid))
        .map(|(_, name)| *name)
}

pub fn build_office(view: &RegistryView, collected: Option<&(Date, Evidence)>) -> OfficeFacts {
    let mut o = OfficeFacts::default();
    match (
        key_evidence(view, C2R),
        super::registry_read::absent_key_evidence(view, C2R),
    ) {
        (Some(ev), _) => o.installed = Some(Fact::new(true, vec![ev])),
        (None, Some(ev)) => {
            o.installed = Some(Fact::new(false, vec![ev]));
            return o;
        }
        (None, None) if view.key(C2R).is_none() => return o,
        // Values set by a file that is not a whole export: read, whether Office is installed
        // is not known.
        (None, None) => {}
    }
    let version = text(view, C2R, "VersionToReport");
    if let Reading::Set(v, ev) = &version {
        o.version = Some(Fact::new(v.clone(), vec![ev.clone()]));
        if let Some(build) = v.split('.').nth(2).and_then(|b| b.parse::<i64>().ok()) {
            o.build = Some(Fact::new(build, vec![ev.clone()]));
            if let Some((at, at_ev)) = collected {
                let released = ANCHOR_MONTH + (build - ANCHOR_BUILD).div_euclid(BUILDS_PER_MONTH);
                let now = i64::from(at.year) * 12 + i64::from(at.month) - 1;
                let age = (now - released).max(0);
                o.build_age_months = Some(Fact::new(age, vec![ev.clone(), at_ev.clone()]).with_note(format!(
                    "estimated: build {build} ≈ {}-{:02} at about 100 builds a month; collected {at}",
                    released.div_euclid(12),
                    released.rem_euclid(12) + 1
                )));
            }
        }
    }
    o.channel = channel(view);
    o.platform = only_set(text(view, C2R, "Platform"));
    o.products = only_set(text(view, C2R, "ProductReleaseIds"));
    o.shared_computer_licensing = match text(view, C2R, "SharedComputerLicensing") {
        Reading::Set(v, ev) => Some(Fact::new(v.trim() == "1", vec![ev])),
        Reading::NotSet(ev) => Some(Fact::new(false, vec![ev])),
        Reading::NotCollected => None,
    };
    let enabled = text(view, C2R, "UpdatesEnabled");
    let policy = int(view, UPDATE_POLICY, "enableautomaticupdates");
    o.updates_enabled = match (&enabled, &policy) {
        (_, Reading::Set(0, ev)) => Some(
            Fact::new(false, vec![ev.clone()])
                .with_note("policy enableautomaticupdates=0 turns updates off"),
        ),
        (Reading::Set(v, ev), _) if v.eq_ignore_ascii_case("false") => {
            Some(Fact::new(false, vec![ev.clone()]).with_note("Click-to-Run UpdatesEnabled=False"))
        }
        // The policy must be known not to disable updates before "enabled" is claimed.
        (
            Reading::Set(_, ev) | Reading::NotSet(ev),
            Reading::Set(_, pev) | Reading::NotSet(pev),
        ) => Some(Fact::new(true, vec![ev.clone(), pev.clone()])),
        _ => None,
    };
    o.target_version = only_set(text(view, UPDATE_POLICY, "updatetargetversion"));
    o
}

const CHANNEL_WHY: &str =
    "UpdateChannel is the channel Office updates from; CDNBaseUrl the one its build came from";

/// The update channel, merged in this order (see `merge.rs`): the channel GUID of
/// `UpdateChannel`, then of `CDNBaseUrl`. When they name different channels (a channel
/// change not applied yet) both are kept.
fn channel(view: &RegistryView) -> Option<Fact<String>> {
    let sources: Vec<Source<String>> = ["UpdateChannel", "CDNBaseUrl"]
        .into_iter()
        .filter_map(|name| match text(view, C2R, name) {
            Reading::Set(url, ev) => {
                let c = channel_of(&url)?;
                Some(Source::observed(c.to_owned(), c, name, vec![ev]))
            }
            _ => None,
        })
        .collect();
    merge(&sources, |a, b| a == b, CHANNEL_WHY)
}

pub fn build_identity(
    view: &RegistryView,
    cached: Option<&(Evidence, Vec<super::identities::CachedIdentity>)>,
) -> IdentityFacts {
    // Only a whole export lists every identity.
    let cached = cached.map(|(ev, ids)| Fact::new(ids.len() as i64, vec![ev.clone()]));
    IdentityFacts {
        enable_adal: with_default(int(view, IDENTITY, "EnableADAL"), 1),
        disable_aad_wam: with_default(int(view, IDENTITY, "DisableAADWAM"), 0),
        disable_adal_atop_wam_override: with_default(
            int(view, IDENTITY, "DisableADALatopWAMOverride"),
            0,
        ),
        cached_identities: cached,
    }
}

/// Which WinHTTP view Office reads, from its platform and Windows' architecture: a 32-bit
/// program on 64-bit Windows reads `HKLM\SOFTWARE\Wow6432Node`, a 64-bit one (and any
/// program on 32-bit Windows) the native keys. Unknown without the platform, or for 32-bit
/// Office without the architecture.
pub fn apply_winhttp_view(o: &mut OfficeFacts, arch: Option<&Fact<String>>) {
    let Some(platform) = &o.platform else {
        return;
    };
    let x86 = |s: &str| s.trim().eq_ignore_ascii_case("x86");
    let (view, note, evidence) = if !x86(&platform.value) {
        (
            "native",
            format!(
                "64-bit Office (Platform {}) reads WinHTTP's native view",
                platform.value
            ),
            platform.evidence.clone(),
        )
    } else {
        let Some(arch) = arch else {
            return;
        };
        let evidence = [platform.evidence.clone(), arch.evidence.clone()].concat();
        if x86(&arch.value) {
            (
                "native",
                "32-bit Office on 32-bit Windows reads WinHTTP's only view".to_owned(),
                evidence,
            )
        } else {
            (
                "Wow6432Node",
                format!(
                    "32-bit Office on 64-bit Windows ({}) reads WinHTTP's Wow6432Node view",
                    arch.value
                ),
                evidence,
            )
        }
    };
    o.winhttp_view = Some(Fact::new(view.to_owned(), evidence).with_note(note));
}

/// Adds the collector's listing of the licence folders.
pub fn apply_licenses(
    o: &mut OfficeFacts,
    listing: Option<&(String, crate::parse::licenses::Licenses)>,
) {
    let Some((path, l)) = listing else {
        return;
    };
    let mut evidence = Vec::new();
    let mut lines = Vec::new();
    let mut total = 0;
    // A folder that could not be listed leaves the count unknown, not zero.
    let mut listed_whole = true;
    // The WAM accounts' folder is listed with them; it is the licensing facts' own.
    let licence_folders = l.folders.iter().filter(|f| {
        !f.path
            .to_ascii_lowercase()
            .ends_with(&super::licensing::BROKER_ACCOUNTS.to_ascii_lowercase())
    });
    for f in licence_folders {
        let newest = f
            .files
            .iter()
            .filter_map(|x| x.modified.as_deref())
            .max()
            .map(|m| format!(", newest {m}"))
            .unwrap_or_default();
        let seen = match (&f.error, f.exists) {
            (Some(e), _) => {
                listed_whole = false;
                format!("could not be listed ({e})")
            }
            (None, true) => {
                let n = f.files.len();
                format!("{n} file{}{newest}", if n == 1 { "" } else { "s" })
            }
            (None, false) => "does not exist".to_owned(),
        };
        evidence.push(Evidence {
            artifact: path.clone(),
            line: None,
            locator: format!("licence folder {}", f.path),
            seen: seen.clone(),
        });
        if f.exists {
            total += f.files.len() as i64;
            lines.push(format!("{}: {seen}", f.path));
        }
    }
    o.license_files = listed_whole.then(|| Fact::new(total, evidence.clone()));
    o.license_folders = Some(Fact::new(lines, evidence));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channels_by_guid() {
        assert_eq!(
            channel_of("http://officecdn.microsoft.com/pr/492350f6-3a01-4f97-b9c0-c7c6ddf67d60"),
            Some("Current")
        );
        assert_eq!(
            channel_of("http://officecdn.microsoft.com/pr/7FFBC6BF-BC32-4F92-8982-F9DD17FD3114"),
            Some("Semi-Annual Enterprise")
        );
        assert_eq!(channel_of("http://example.com/x"), None);
    }
}
