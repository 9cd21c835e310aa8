//! Installed Windows updates (`Get-HotFix` / `wmic qfe`) and how old the newest one was
//! when the snapshot was collected (the manifest's start time).

use super::model::{Evidence, Fact, fact_group};
use crate::date::Date;
use crate::parse::hotfix::Hotfix;

fact_group! {
    /// Installed updates.
    pub struct UpdatesFacts {
        /// Installed update ids (KB numbers).
        installed: Vec<String>,
        /// Date the newest update was installed (YYYY-MM-DD).
        newest: String,
        /// Days from the newest update's installation to the collection.
        days_since_newest: i64,
        /// Update KB3140245 (TLS 1.1/1.2 as WinHTTP defaults on 7 SP1 / 2008 R2 SP1 / 2012) is in the list.
        kb3140245: bool,
        /// System log: updates Windows Update installed (WindowsUpdateClient 19).
        installed_events: i64,
        /// System log: failed installations (WindowsUpdateClient 20).
        install_failures: i64,
        /// System log: the updates that failed, with their error code and how often.
        failed_updates: Vec<String>,
    }
}

pub fn build(
    list: Option<&(String, Vec<Hotfix>)>,
    collected: Option<(Date, Evidence)>,
) -> UpdatesFacts {
    let Some((artifact, fixes)) = list else {
        return UpdatesFacts::default();
    };
    let whole = Evidence {
        artifact: artifact.clone(),
        line: None,
        locator: "installed updates".to_owned(),
        seen: format!("{} updates", fixes.len()),
    };
    let mut u = UpdatesFacts {
        installed: Some(Fact::new(
            fixes.iter().map(|f| f.id.clone()).collect(),
            vec![whole.clone()],
        )),
        ..Default::default()
    };
    let kb = fixes.iter().find(|f| f.id == "KB3140245");
    u.kb3140245 = Some(Fact::new(
        kb.is_some(),
        vec![kb.map_or(whole, |f| Evidence {
            artifact: artifact.clone(),
            line: Some(f.line),
            locator: "installed updates".to_owned(),
            seen: f.id.clone(),
        })],
    ));
    let newest = fixes
        .iter()
        .filter_map(|f| f.installed_on.map(|d| (d, f)))
        .max_by_key(|(d, _)| *d);
    if let Some((date, fix)) = newest {
        let ev = Evidence {
            artifact: artifact.clone(),
            line: Some(fix.line),
            locator: "installed updates: newest InstalledOn".to_owned(),
            seen: format!("{} installed {date}", fix.id),
        };
        u.newest = Some(Fact::new(date.to_string(), vec![ev.clone()]));
        if let Some((at, at_ev)) = collected {
            u.days_since_newest = Some(
                Fact::new(at.days() - date.days(), vec![ev, at_ev]).with_note(format!(
                    "{} installed {date}; snapshot collected {at}",
                    fix.id
                )),
            );
        }
    }
    u
}
