//! Network Connectivity Status Indicator: whether Windows actively probes for internet
//! access (`NlaSvc\Parameters\Internet`) and whether a policy turned the probes off.
//! Office asks Windows whether it is online; with probing off it may be told "no".

use super::model::{Fact, fact_group};
use super::registry_read::{Reading, int, text};
use crate::registry::RegistryView;

pub const INTERNET: &str = r"HKLM\SYSTEM\CurrentControlSet\Services\NlaSvc\Parameters\Internet";
pub const POLICY: &str =
    r"HKLM\SOFTWARE\Policies\Microsoft\Windows\NetworkConnectivityStatusIndicator";

fact_group! {
    /// NCSI active probing.
    pub struct NcsiFacts {
        /// EnableActiveProbing (Windows default 1 when not set).
        enable_active_probing: i64,
        /// Policy NoActiveProbe (1 = "Turn off Windows Network Connectivity Status Indicator active tests"; 0 when not set).
        policy_no_active_probe: i64,
        /// ActiveWebProbeHost, when set (default www.msftconnecttest.com; www.msftncsi.com before Windows 10).
        active_web_probe_host: String,
        /// ActiveDnsProbeHost, when set (default dns.msftncsi.com).
        active_dns_probe_host: String,
    }
}

pub fn build(view: &RegistryView) -> NcsiFacts {
    NcsiFacts {
        enable_active_probing: with_default(int(view, INTERNET, "EnableActiveProbing"), 1),
        policy_no_active_probe: with_default(int(view, POLICY, "NoActiveProbe"), 0),
        active_web_probe_host: only_set(text(view, INTERNET, "ActiveWebProbeHost")),
        active_dns_probe_host: only_set(text(view, INTERNET, "ActiveDnsProbeHost")),
    }
}

/// A DWORD whose absence means the Windows default.
pub(super) fn with_default(r: Reading<i64>, default: i64) -> Option<Fact<i64>> {
    match r {
        Reading::Set(v, e) => Some(Fact::new(v, vec![e])),
        Reading::NotSet(e) => Some(
            Fact::new(default, vec![e]).with_note(format!("not set: Windows default {default}")),
        ),
        Reading::NotCollected => None,
    }
}

pub(super) fn only_set<T>(r: Reading<T>) -> Option<Fact<T>> {
    match r {
        Reading::Set(v, e) => Some(Fact::new(v, vec![e])),
        _ => None,
    }
}
