//! The registry view on real and made-up exports: roots, coverage, overrides, scopes.

use super::*;
use crate::parse::reg;

fn scoped(files: &[(&str, &str, Scope)]) -> RegistryView {
    let mut v = RegistryView::new();
    for (name, text, scope) in files {
        let parsed = reg::parse(text);
        assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
        v.merge(name, &parsed, *scope);
    }
    v
}

fn view(files: &[(&str, &str)]) -> RegistryView {
    let whole: Vec<_> = files
        .iter()
        .map(|(n, t)| (*n, *t, Scope::WholeExport))
        .collect();
    scoped(&whole)
}

const SCHANNEL: &str = "Windows Registry Editor Version 5.00\r\n\r\n\
    [HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Control\\SecurityProviders\\SCHANNEL]\r\n\r\n\
    [HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Control\\SecurityProviders\\SCHANNEL\\Protocols\\TLS 1.2\\Client]\r\n\
    \"Enabled\"=dword:00000001\r\n";

#[test]
fn roots_alias_and_case_folds() {
    let v = view(&[("s.reg", SCHANNEL)]);
    let Lookup::Found(key, value) = v.value(r"hklm\system\currentcontrolset\control\securityproviders\schannel\protocols\tls 1.2\client", "ENABLED") else {
        panic!()
    };
    assert_eq!(
        key.path,
        r"HKLM\SYSTEM\CurrentControlSet\Control\SecurityProviders\SCHANNEL\Protocols\TLS 1.2\Client"
    );
    assert_eq!((value.data.as_u64(), value.origin.line), (Some(1), 6));
}

#[test]
fn coverage_tells_absent_from_not_collected() {
    let v = view(&[("s.reg", SCHANNEL)]);
    let base = r"HKLM\SYSTEM\CurrentControlSet\Control\SecurityProviders\SCHANNEL";
    assert!(matches!(
        v.value(
            &format!(r"{base}\Protocols\TLS 1.2\Client"),
            "DisabledByDefault"
        ),
        Lookup::ValueAbsent(_)
    ));
    assert!(matches!(
        v.value(&format!(r"{base}\Protocols\TLS 1.1\Client"), "Enabled"),
        Lookup::KeyAbsent(_)
    ));
    assert!(matches!(
        v.value(r"HKLM\SOFTWARE\Other", "X"),
        Lookup::NotCollected
    ));
    // A key that is only an intermediate of the exported one is not covered.
    assert!(matches!(
        v.value(r"HKLM\SYSTEM\CurrentControlSet\Control", "X"),
        Lookup::NotCollected
    ));
}

#[test]
fn later_files_override_and_conflicts_are_kept() {
    let a = "Windows Registry Editor Version 5.00\r\n\r\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\T]\r\n\"A\"=dword:00000001\r\n\"B\"=\"x\"\r\n";
    let b = "Windows Registry Editor Version 5.00\r\n\r\n[HKLM\\Software\\t]\r\n\"a\"=dword:00000002\r\n";
    let v = view(&[("a.reg", a), ("b.reg", b)]);
    let Lookup::Found(_, val) = v.value(r"HKLM\SOFTWARE\T", "A") else {
        panic!()
    };
    assert_eq!(val.data, RegData::Dword(2));
    assert!(matches!(
        v.value(r"HKLM\SOFTWARE\T", "B"),
        Lookup::Found(..)
    ));
    assert_eq!(v.conflicts().len(), 1);
    assert_eq!(&*v.conflicts()[0].overridden.artifact, "a.reg");
}

#[test]
fn wow6432node_is_its_own_branch_and_deletions_never_apply() {
    let a = "Windows Registry Editor Version 5.00\r\n\r\n\
        [HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\X]\r\n\"V\"=dword:00000001\r\n\r\n\
        [HKEY_LOCAL_MACHINE\\SOFTWARE\\Wow6432Node\\Microsoft\\X]\r\n\"V\"=dword:00000002\r\n\r\n";
    let undo = "Windows Registry Editor Version 5.00\r\n\r\n\
        [-HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\X]\r\n\r\n\
        [HKEY_LOCAL_MACHINE\\SOFTWARE\\Wow6432Node\\Microsoft\\X]\r\n\"V\"=-\r\n";
    let v = scoped(&[
        ("a.reg", a, Scope::WholeExport),
        ("undo.reg", undo, Scope::Partial),
    ]);
    let found = |key| match v.value(key, "V") {
        Lookup::Found(_, val) => val.data.as_u64(),
        _ => None,
    };
    assert_eq!(found(r"HKLM\SOFTWARE\Microsoft\X"), Some(1));
    assert_eq!(found(r"HKLM\SOFTWARE\Wow6432Node\Microsoft\X"), Some(2));
}

const TWEAK: &str = "Windows Registry Editor Version 5.00\r\n\r\n\
    [HKEY_CURRENT_USER\\Software\\Microsoft\\Windows\\CurrentVersion\\Internet Settings]\r\n\
    \"AutoConfigURL\"=\"http://wpad/proxy.pac\"\r\n";
const IS: &str = r"HKCU\Software\Microsoft\Windows\CurrentVersion\Internet Settings";

#[test]
fn a_partial_file_says_only_what_it_sets() {
    let v = scoped(&[("tweak.reg", TWEAK, Scope::Partial)]);
    let Lookup::Found(node, val) = v.value(IS, "AutoConfigURL") else {
        panic!()
    };
    assert_eq!(
        (val.origin.scope, val.origin.line, node.listed),
        (Scope::Partial, 4, false)
    );
    assert!(matches!(v.value(IS, "ProxyEnable"), Lookup::Unstated(_)));
    assert!(matches!(
        v.value(&format!(r"{IS}\Connections"), "DefaultConnectionSettings"),
        Lookup::NotCollected
    ));
    assert!(v.covers(IS).is_none());
}

#[test]
fn an_export_beats_a_partial_file_and_an_observed_value_beats_absence() {
    let export = "Windows Registry Editor Version 5.00\r\n\r\n\
        [HKEY_CURRENT_USER\\Software\\Microsoft\\Windows\\CurrentVersion\\Internet Settings]\r\n\
        \"AutoConfigURL\"=\"http://real/proxy.pac\"\r\n\"ProxyEnable\"=dword:00000000\r\n\r\n";
    let set_more = TWEAK.replace("AutoConfigURL", "ProxyServer");
    for order in [[0, 1, 2], [1, 2, 0]] {
        let files = [
            ("export.reg", export, Scope::WholeExport),
            ("tweak.reg", TWEAK, Scope::Partial),
            ("more.reg", set_more.as_str(), Scope::Partial),
        ];
        let v = scoped(&order.map(|i| files[i]));
        let Lookup::Found(_, pac) = v.value(IS, "AutoConfigURL") else {
            panic!()
        };
        assert_eq!(pac.data, RegData::String("http://real/proxy.pac".into()));
        assert_eq!(&*v.conflicts()[0].used.artifact, "export.reg");
        assert_eq!(&*v.conflicts()[0].overridden.artifact, "tweak.reg");
        // Not in the export, set by a file: the file's value is what is known.
        let Lookup::Found(_, server) = v.value(IS, "ProxyServer") else {
            panic!()
        };
        assert_eq!(&*server.origin.artifact, "more.reg");
        assert!(matches!(
            v.value(IS, "ProxyOverride"),
            Lookup::ValueAbsent(_)
        ));
    }
}

#[test]
fn a_keeping_view_holds_only_the_keys_it_keeps() {
    let keep = Keep::new(&[
        (r"HKLM\SYSTEM\CurrentControlSet\Services", 1),
        (r"HKCU\Software\T", 0),
    ]);
    let folded = |k: &str| fold(&canonical(k));
    assert!(keep.keeps(&folded(r"HKLM\SYSTEM\ControlSet001\Services\NlaSvc")));
    assert!(!keep.keeps(&folded(
        r"HKLM\SYSTEM\CurrentControlSet\Services\NlaSvc\Parameters"
    )));
    assert!(keep.touches(&folded(r"HKEY_LOCAL_MACHINE\SYSTEM")));
    assert!(!keep.touches(&folded(r"HKLM\SOFTWARE")));
    let export = "Windows Registry Editor Version 5.00\r\n\r\n\
        [HKEY_LOCAL_MACHINE\\SYSTEM]\r\n\r\n\
        [HKEY_LOCAL_MACHINE\\SYSTEM\\Setup]\r\n\"A\"=dword:00000001\r\n\r\n\
        [HKEY_LOCAL_MACHINE\\SYSTEM\\ControlSet001]\r\n\r\n\
        [HKEY_LOCAL_MACHINE\\SYSTEM\\ControlSet001\\Services]\r\n\r\n\
        [HKEY_LOCAL_MACHINE\\SYSTEM\\ControlSet001\\Services\\NlaSvc]\r\n\"Start\"=dword:00000002\r\n\r\n\
        [HKEY_LOCAL_MACHINE\\SYSTEM\\ControlSet001\\Services\\NlaSvc\\Parameters]\r\n\"B\"=dword:00000001\r\n\r\n";
    let mut v = RegistryView::keeping(keep);
    v.merge("system.reg", &reg::parse(export), Scope::WholeExport);
    assert_eq!(v.key_count(), 2, "Services and NlaSvc only");
    let Lookup::Found(_, start) =
        v.value(r"HKLM\SYSTEM\CurrentControlSet\Services\NlaSvc", "Start")
    else {
        panic!()
    };
    assert_eq!(start.data, RegData::Dword(2));
    // The export's coverage starts at its root, kept because it holds kept keys.
    let Lookup::KeyAbsent(c) = v.value(r"HKLM\SYSTEM\CurrentControlSet\Services\Gone", "Start")
    else {
        panic!()
    };
    assert_eq!((c.key.as_str(), c.origin.line), (r"HKLM\SYSTEM", 3));
}

#[test]
fn manifest_absence_and_control_set_alias() {
    let a = "Windows Registry Editor Version 5.00\r\n\r\n[HKEY_LOCAL_MACHINE\\SYSTEM\\ControlSet001\\Services\\NlaSvc]\r\n\"Start\"=dword:00000002\r\n";
    let mut v = view(&[("a.reg", a)]);
    v.mark_absent(
        r"HKLM\SOFTWARE\Policies\Microsoft\Windows\NetworkConnectivityStatusIndicator",
        "manifest.json",
    );
    assert!(matches!(
        v.value(r"HKLM\SYSTEM\CurrentControlSet\Services\NlaSvc", "Start"),
        Lookup::Found(..)
    ));
    let Lookup::KeyAbsent(c) = v.value(
        r"HKLM\SOFTWARE\Policies\Microsoft\Windows\NetworkConnectivityStatusIndicator",
        "NoActiveProbe",
    ) else {
        panic!()
    };
    assert!(c.absent);
    assert_eq!(v.subkeys(r"HKLM\SYSTEM\ControlSet001\Services").len(), 1);
    assert_eq!(
        v.subkeys(r"HKLM\SYSTEM\CurrentControlSet\Services").len(),
        1
    );
}

#[test]
fn the_signed_in_users_hive_reads_as_hkcu() {
    let sid = "S-1-5-21-1004336348-1177238915-682003330-1107";
    let text = format!(
        "Windows Registry Editor Version 5.00\r\n\r\n[HKEY_USERS\\{sid}\\Software\\Microsoft\\Office\\16.0\\Common\\Identity]\r\n\"EnableADAL\"=dword:00000000\r\n\r\n"
    );
    let mut v = RegistryView::new();
    v.read_user_hive_as_hkcu(sid);
    v.merge("x.reg", &reg::parse(&text), Scope::WholeExport);
    let key = r"HKCU\Software\Microsoft\Office\16.0\Common\Identity";
    assert!(matches!(v.value(key, "EnableADAL"), Lookup::Found(..)));
    // Another SID's hive stays where it is.
    let mut w = RegistryView::new();
    w.read_user_hive_as_hkcu("S-1-5-21-1-2-3-500");
    w.merge("x.reg", &reg::parse(&text), Scope::WholeExport);
    assert!(matches!(w.value(key, "EnableADAL"), Lookup::NotCollected));
}
