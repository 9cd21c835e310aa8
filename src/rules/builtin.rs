//! The rule files of `analyzers/`, compiled into the binary, in the order the article
//! presents the causes (report order). A test checks that every file of the folder is here.

macro_rules! builtin {
    ($($name:literal),* $(,)?) => {
        &[$(($name, include_str!(concat!("../../analyzers/", $name)))),*]
    };
}

/// `(file name, contents)` of every built-in rule.
pub const BUILTIN: &[(&str, &str)] = builtin![
    "symptom.toml",
    "tls12.toml",
    "tls-handshake.toml",
    "tls-inspection.toml",
    "os-support.toml",
    "windows-updates.toml",
    "office-updates.toml",
    "activation-state.toml",
    "proxy.toml",
    "endpoints.toml",
    "winsock.toml",
    "ipv6.toml",
    "services.toml",
    "office-credentials.toml",
    "work-account.toml",
    "msoidcrl.toml",
    "ncsi-probe.toml",
    "identity-policy.toml",
    "clock-skew.toml",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_file_in_analyzers_is_built_in_and_loads() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/analyzers");
        let mut on_disk: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".toml"))
            .collect();
        on_disk.sort();
        let mut built: Vec<String> = BUILTIN.iter().map(|(n, _)| (*n).to_owned()).collect();
        built.sort();
        assert_eq!(on_disk, built);
        let set = crate::rules::RuleSet::builtin().unwrap_or_else(|e| panic!("{e}"));
        for (rule, (file, _)) in set.rules.iter().zip(BUILTIN) {
            assert_eq!(
                format!("{}.toml", rule.id),
                *file,
                "a rule file is named after its id"
            );
        }
    }
}
