//! IPv6 preference from `Tcpip6\Parameters\DisabledComponents`: 0 everything on, 0x20
//! prefer IPv4 over IPv6, 0xFF all IPv6 off except loopback, 0x01 tunnels off, 0x10
//! native interfaces off.

use super::model::fact_group;
use super::ncsi::with_default;
use super::registry_read::int;
use crate::registry::RegistryView;

pub const PARAMETERS: &str = r"HKLM\SYSTEM\CurrentControlSet\Services\Tcpip6\Parameters";

fact_group! {
    /// IPv6 configuration.
    pub struct Ipv6Facts {
        /// DisabledComponents (0 when not set: IPv6 on and preferred).
        disabled_components: i64,
    }
}

pub fn build(view: &RegistryView) -> Ipv6Facts {
    Ipv6Facts {
        disabled_components: with_default(int(view, PARAMETERS, "DisabledComponents"), 0),
    }
}
