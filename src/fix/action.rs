//! One action from one typed change: who does it, whether it needs administrator rights,
//! and the words the plan and the script show for it (before, after, the run-time check,
//! the backup, the undo), all derived from the change so they cannot drift apart.

use super::model::{Action, Actor, Change, Justification, Opens, Undo, dword};

/// Where the script saves what an action moves, inside the run's folder (a key's export is
/// this path plus `.reg`, a folder's copy is this folder).
pub fn backup_path(id: &str) -> String {
    format!(r"backup\{id}")
}

/// Where WinHTTP keeps its proxy (the `WinHttpSettings` value): what proxy actions export.
pub const WINHTTP_CONNECTIONS: &str = crate::facts::proxy::WINHTTP_CONNECTIONS;

/// The Winsock catalog's registry home, exported for reference before a reset.
pub const WINSOCK_PARAMETERS: &str = r"HKLM\SYSTEM\CurrentControlSet\Services\WinSock2\Parameters";

fn machine(key: &str) -> bool {
    key.get(..5)
        .is_some_and(|r| r.eq_ignore_ascii_case("HKLM\\"))
}

/// A service start type in words, as `sc config` names it.
pub fn start_word(start: u32) -> &'static str {
    match start {
        0 => "boot",
        1 => "system",
        2 => "automatic",
        3 => "manual",
        4 => "disabled",
        _ => "unknown",
    }
}

struct Texts {
    before: String,
    after: String,
    check: String,
    backup: Option<String>,
    undo: String,
}

fn texts(change: &Change) -> Texts {
    match change {
        Change::RegistryValue {
            key,
            name,
            before,
            after,
            key_existed,
            ..
        } => Texts {
            before: format!(r"{key}\{name} = {}", dword(*before)),
            after: format!(r"{key}\{name} = {}", dword(*after)),
            check: format!(r"{key}\{name} is still {}", dword(*before)),
            backup: Some(if *key_existed {
                format!("reg export of {key}")
            } else {
                format!("nothing to export: {key} does not exist yet")
            }),
            undo: match before {
                Some(v) => format!("{name} set back to {v:#x}"),
                None => format!("{name} removed again"),
            },
        },
        Change::RegistryKeyMove { key, subkeys } => Texts {
            before: format!("{key} with {} subkey(s): {}", subkeys.len(), subkeys.join(", ")),
            after: format!("{key} moved to the backup (exported, then deleted)"),
            check: format!("{key} holds exactly the subkeys the snapshot showed"),
            backup: Some(format!("reg export of {key}")),
            undo: format!("the export imported again, while {key} does not exist"),
        },
        Change::RegistryKeyRestore { key, from } => Texts {
            before: format!("{key} does not exist"),
            after: format!("{key} imported from {from}"),
            check: format!("{key} does not exist (nothing made a new one meanwhile)"),
            backup: None,
            undo: "nothing to undo".to_owned(),
        },
        Change::FolderMove { path, files } => Texts {
            before: format!("{path}: {} file(s)", files.len()),
            after: format!("{path} moved to the backup (copied, the copy checked, then removed)"),
            check: format!("{path} holds exactly the files the snapshot listed"),
            backup: Some(format!("a copy of {path}")),
            undo: format!("the copy put back, while {path} does not exist"),
        },
        Change::FolderRestore { path, from, .. } => Texts {
            before: format!("{path} does not exist"),
            after: format!("{path} copied back from {from}"),
            check: format!("{path} does not exist (nothing made a new one meanwhile)"),
            backup: None,
            undo: "nothing to undo".to_owned(),
        },
        Change::CredentialDelete { target } => Texts {
            before: format!("Credential Manager holds {target}"),
            after: format!("{target} removed"),
            check: format!("cmdkey /list still lists {target}"),
            backup: Some(
                "its name, in the log: Credential Manager does not export a secret, and Office stores a new one at the next sign-in"
                    .to_owned(),
            ),
            undo: "cannot be put back (the secret was never readable); Office stores a new credential when the user signs in again".to_owned(),
        },
        Change::WinhttpProxy { before, after } => Texts {
            before: format!("WinHTTP: {}", before.describe()),
            after: format!("WinHTTP: {}", after.describe()),
            check: match after {
                super::model::Winhttp::Browser { server, .. } => format!(
                    "WinHTTP still has {}, and the user's browser still uses proxy {server}",
                    before.describe()
                ),
                _ => format!("WinHTTP still has {}", before.describe()),
            },
            backup: Some(format!("reg export of {WINHTTP_CONNECTIONS} (WinHttpSettings)")),
            undo: format!("WinHTTP set back to {}", before.describe()),
        },
        Change::WinsockReset { providers, dlls } => Texts {
            before: format!("the Winsock catalog holds {}", providers.join("; ")),
            after: "the Winsock catalog holds Windows' own providers only (after a restart)"
                .to_owned(),
            check: format!("netsh winsock show catalog still lists {}", dlls.join(", ")),
            backup: Some(format!(
                "the catalog as netsh winsock show catalog prints it, and reg export of {WINSOCK_PARAMETERS} (for the record: importing it back is no way to restore a catalog)"
            )),
            undo: format!(
                "cannot be undone: reinstall the product that installed {} if it is still wanted",
                dlls.join(", ")
            ),
        },
        Change::Service {
            service,
            before,
            after,
            start,
        } => Texts {
            before: format!("{service}: start {} ({before})", start_word(*before)),
            after: format!(
                "{service}: start {} ({after}){}",
                start_word(*after),
                if *start { ", and running" } else { "" }
            ),
            check: format!("{service}'s Start value is still {before}"),
            backup: Some(format!(
                r"reg export of HKLM\SYSTEM\CurrentControlSet\Services\{service} (its values, if the whole key cannot be exported)"
            )),
            undo: format!(
                "start type set back to {} (a service that was started keeps running until the next restart)",
                start_word(*before)
            ),
        },
        Change::Open(opens) => {
            let (before, after, check) = match opens {
                Opens::OfficeUpdate { version } => (
                    format!("Microsoft 365 Apps {version}"),
                    "Click-to-Run's update started for the user (it closes Office's apps when it installs)".to_owned(),
                    format!("Office still reports version {version}"),
                ),
                Opens::WindowsUpdate { build, ubr } => {
                    let b = ubr.map_or(build.to_string(), |u| format!("{build}.{u}"));
                    (
                        format!("Windows build {b}"),
                        "Windows Update open for the user to install what it offers and restart".to_owned(),
                        format!("Windows still has build {b}"),
                    )
                }
                Opens::WorkAccounts { accounts } => (
                    format!("connected under Access work or school: {}", accounts.join(", ")),
                    "Settings > Accounts > Access work or school open: disconnecting is the user's choice".to_owned(),
                    "dsregcmd /status still shows a connected work or school account".to_owned(),
                ),
                Opens::Update { kb, url } => (
                    format!("{kb} is not installed"),
                    format!("the Microsoft Update Catalog's page for {kb} open ({url}): the user installs it and restarts"),
                    format!("{kb} is still not installed"),
                ),
            };
            Texts {
                before,
                after,
                check,
                backup: None,
                undo: "nothing to undo: the script only opens it".to_owned(),
            }
        }
    }
}

impl Action {
    /// An action of `rule` making `change`, with every text derived from the change.
    pub fn new(
        id: impl Into<String>,
        rule: &str,
        title: impl Into<String>,
        change: Change,
        justification: Justification,
    ) -> Action {
        let id = id.into();
        let t = texts(&change);
        let (by, admin) = match &change {
            Change::Open(_) => (Actor::User, false),
            Change::RegistryValue { key, .. }
            | Change::RegistryKeyMove { key, .. }
            | Change::RegistryKeyRestore { key, .. } => (Actor::Script, machine(key)),
            Change::FolderMove { .. }
            | Change::FolderRestore { .. }
            | Change::CredentialDelete { .. } => (Actor::Script, false),
            Change::WinhttpProxy { .. } | Change::WinsockReset { .. } | Change::Service { .. } => {
                (Actor::Script, true)
            }
        };
        Action {
            undo: Undo {
                how: t.undo,
                change: change.inverse(&backup_path(&id)),
            },
            id,
            rule: rule.to_owned(),
            also: Vec::new(),
            title: title.into(),
            by,
            admin,
            change,
            before: t.before,
            after: t.after,
            justification,
            check: t.check,
            backup: t.backup,
            restart: false,
            close_office: false,
            note: None,
        }
    }

    pub fn restart(mut self) -> Self {
        self.restart = true;
        self
    }

    pub fn close_office(mut self) -> Self {
        self.close_office = true;
        self
    }

    pub fn note(mut self, note: impl Into<String>) -> Self {
        self.note = Some(note.into());
        self
    }
}
