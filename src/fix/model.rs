//! The plan's types: what `caadoctor fix --format json` prints (`caadoctor.fix-plan/1`,
//! documented in `docs/fix-plan.md`) and what the script is generated from. Every change
//! is typed, with the value the snapshot showed before it and the value after, so the
//! script can check at run time that the PC still shows the former, and the tests can apply
//! the plan to a copy of the snapshot.

use crate::facts::Evidence;
use crate::rules::{FactEvidence, Status};
use serde::Serialize;

pub const PLAN_SCHEMA: &str = "caadoctor.fix-plan/1";

/// The remediation of one snapshot's findings.
#[derive(Debug, Clone, Serialize)]
pub struct Plan {
    pub schema: &'static str,
    pub tool: crate::report::Tool,
    pub snapshot: Target,
    /// The rules `--only` kept and `--exclude` left out (absent when all were considered).
    #[serde(skip_serializing_if = "Selection::is_all")]
    pub selection: Selection,
    /// Every finding that is `fail` or `warn`, in rule order: how the plan handles it.
    pub rules: Vec<PlanRule>,
    /// What the script does, in the order it does it.
    pub actions: Vec<Action>,
}

/// The PC the plan is for: the script refuses to run on another.
#[derive(Debug, Clone, Serialize)]
pub struct Target {
    pub source: String,
    pub host: Option<String>,
    /// `DOMAIN\user` who collected: the user's own settings (HKCU, credentials, licence
    /// folders) are changed only in that user's session.
    pub user: Option<String>,
    pub collected_at: Option<String>,
    pub os: Option<String>,
    pub build: Option<i64>,
}

/// Which rules the plan may act on.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Selection {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub only: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub exclude: Vec<String>,
}

impl Selection {
    pub fn is_all(&self) -> bool {
        self.only.is_empty() && self.exclude.is_empty()
    }

    pub fn admits(&self, rule: &str) -> bool {
        (self.only.is_empty() || self.only.iter().any(|r| r == rule))
            && !self.exclude.iter().any(|r| r == rule)
    }
}

/// How the plan handles one finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Handling {
    /// The script's changes remove the cause.
    Script,
    /// The script's changes, once the user has done a step the script opens for them (an
    /// update to install).
    ScriptAndUser,
    /// The script opens what the user needs (Windows Update, Office's update, Access work
    /// or school); what happens is theirs to decide.
    User,
    /// A Group Policy decides: nothing is changed locally, and the note is the message for IT.
    AskIt,
    /// Nothing the script can do (the network, the Windows version, history in a log).
    None,
}

/// One `fail` or `warn` finding and what the plan does about it.
#[derive(Debug, Clone, Serialize)]
pub struct PlanRule {
    pub rule: String,
    pub status: Status,
    pub title: String,
    pub messages: Vec<String>,
    pub handling: Handling,
    /// The actions that serve it, by id.
    pub actions: Vec<String>,
    /// The verdict once the plan is done (`pass` for `script` and `script_and_user`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expect: Option<Status>,
    /// Other rules whose failure came from the same cause and are expected to pass too.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub also_fixes: Vec<String>,
    /// What is left, why nothing is done, or the message to forward to IT.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Who carries an action out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Actor {
    /// The script changes the PC.
    Script,
    /// The script opens something; the user completes it.
    User,
}

/// One thing the script does.
#[derive(Debug, Clone, Serialize)]
pub struct Action {
    /// Stable within a plan: `tls12-winhttp`, `services-netprofm`, `office-credential-1`.
    pub id: String,
    /// The rule it serves.
    pub rule: String,
    /// Other rules it serves too (an Office credential removed for `office-credentials` is
    /// also part of the `activation-state` reset).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub also: Vec<String>,
    pub title: String,
    pub by: Actor,
    /// Needs administrator rights (the script asks Windows for them once, for all such
    /// actions together).
    pub admin: bool,
    pub change: Change,
    /// What the PC showed in the snapshot, and what the action leaves, in words.
    pub before: String,
    pub after: String,
    pub justification: Justification,
    /// What the script checks on the PC before it changes anything; when the PC shows
    /// something else, the action is skipped with a message.
    pub check: String,
    /// What is saved first, in words (`None`: nothing to save, e.g. opening a settings page).
    pub backup: Option<String>,
    pub undo: Undo,
    /// Takes effect after a restart of the PC.
    pub restart: bool,
    /// Office must be closed (its apps rewrite what the action removes).
    pub close_office: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Why an action is in the plan: the finding and the evidence it rests on.
#[derive(Debug, Clone, Serialize)]
pub struct Justification {
    pub status: Status,
    /// The finding's facts that call for this action.
    pub evidence: Vec<FactEvidence>,
    /// Where the snapshot shows the thing the action changes, as it was.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub seen: Vec<Evidence>,
}

/// How an action is undone: `caadoctor-undo.ps1` makes `change` for each action that was
/// done, newest first; `None` when it cannot be (a removed credential, a Winsock reset).
#[derive(Debug, Clone, Serialize)]
pub struct Undo {
    pub how: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub change: Option<Change>,
}

/// WinHTTP's proxy setting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "mode", rename_all = "snake_case")]
pub enum Winhttp {
    /// Direct access (no proxy).
    Direct,
    /// A named proxy and its bypass list.
    Proxy { server: String, bypass: String },
    /// `netsh winhttp import proxy source=ie`: the browser's proxy and bypass list, which the
    /// snapshot showed.
    Browser { server: String, bypass: String },
    /// Windows 11: WinHTTP follows each user's own settings, PAC file included
    /// (`netsh winhttp set advproxy setting-scope=user`).
    PerUser {
        auto_config_url: String,
        auto_detect: bool,
    },
}

impl Winhttp {
    pub fn describe(&self) -> String {
        match self {
            Winhttp::Direct => "direct access (no proxy)".to_owned(),
            Winhttp::Proxy { server, bypass } | Winhttp::Browser { server, bypass } => {
                if bypass.is_empty() {
                    format!("proxy {server}")
                } else {
                    format!("proxy {server}, bypass {bypass}")
                }
            }
            Winhttp::PerUser {
                auto_config_url,
                auto_detect,
            } => {
                let mut how = Vec::new();
                if !auto_config_url.is_empty() {
                    how.push(format!("PAC {auto_config_url}"));
                }
                if *auto_detect {
                    how.push("automatic detection".to_owned());
                }
                format!("each user's own settings ({})", how.join(", "))
            }
        }
    }
}

/// What a "user" action opens.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "what", rename_all = "snake_case")]
pub enum Opens {
    /// Click-to-Run's update (`OfficeC2RClient.exe /update user`), while Office still has
    /// the version the snapshot showed.
    OfficeUpdate { version: String },
    /// Windows Update, while Windows still has the build (and revision) the snapshot showed.
    WindowsUpdate { build: i64, ubr: Option<i64> },
    /// Settings > Accounts > Access work or school, while the work account is still
    /// connected.
    WorkAccounts { accounts: Vec<String> },
    /// The Microsoft Update Catalog's page of an update, while it is not installed.
    Update { kb: String, url: String },
}

/// A change, typed: the value before is what the snapshot showed, and what the script
/// checks for before it acts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Change {
    /// A DWORD value set (`after` a number) or removed (`after` null); `before` null: not set.
    RegistryValue {
        key: String,
        name: String,
        before: Option<u32>,
        after: Option<u32>,
        /// The key existed (its export is the backup; a key the action creates stays,
        /// empty, after an undo).
        key_existed: bool,
        /// Policy values that would override this one (`KEY\Name`): when one is set on the
        /// PC, the action is skipped and IT is named.
        #[serde(skip_serializing_if = "Vec::is_empty")]
        overridden_by: Vec<String>,
    },
    /// A key moved to the backup: exported, then deleted. The snapshot's subkeys are the
    /// ones expected.
    RegistryKeyMove { key: String, subkeys: Vec<String> },
    /// Undo of a move: the export imported again, while the key does not exist.
    RegistryKeyRestore { key: String, from: String },
    /// A folder moved to the backup: copied, the copy checked, then removed. The snapshot's
    /// files are the ones expected.
    FolderMove { path: String, files: Vec<String> },
    /// Undo of a move: the copy put back, while the folder does not exist.
    FolderRestore {
        path: String,
        from: String,
        files: Vec<String>,
    },
    /// `cmdkey /delete:<target>` (the target exactly as `cmdkey /list` showed it).
    CredentialDelete { target: String },
    /// WinHTTP's proxy (`netsh winhttp ...`).
    WinhttpProxy { before: Winhttp, after: Winhttp },
    /// `netsh winsock reset`, removing the providers named (their DLLs are what the check
    /// looks for).
    WinsockReset {
        providers: Vec<String>,
        dlls: Vec<String>,
    },
    /// A service's start type (the registry's `Start`), and whether to start it.
    Service {
        service: String,
        before: u32,
        after: u32,
        start: bool,
    },
    /// Something opened for the user.
    Open(Opens),
}

/// Policy values that override a value of `key` named `name`, where Windows or Office has
/// one.
fn policies_over(key: &str, name: &str) -> Vec<String> {
    let lower = key.to_ascii_lowercase();
    if lower.starts_with(r"hkcu\software\microsoft\office\16.0\common\identity") {
        return vec![
            format!(r"HKCU\Software\Policies\Microsoft\Office\16.0\Common\Identity\{name}"),
            format!(r"HKLM\SOFTWARE\Policies\Microsoft\Office\16.0\Common\Identity\{name}"),
        ];
    }
    if name.eq_ignore_ascii_case("SecureProtocols") {
        return crate::facts::tls::SECURE_PROTOCOLS_KEYS
            .iter()
            .filter(|k| k.to_ascii_lowercase().contains(r"\policies\"))
            .map(|k| format!(r"{k}\{name}"))
            .collect();
    }
    if name.eq_ignore_ascii_case("EnableActiveProbing") {
        return vec![format!(r"{}\NoActiveProbe", crate::facts::ncsi::POLICY)];
    }
    Vec::new()
}

impl Change {
    /// A DWORD set (`after` a number) or removed (`after` `None`), with the policy values
    /// that would override it.
    pub fn value(
        key: &str,
        name: &str,
        before: Option<u32>,
        after: Option<u32>,
        key_existed: bool,
    ) -> Change {
        Change::RegistryValue {
            key: key.to_owned(),
            name: name.to_owned(),
            before,
            after,
            key_existed,
            overridden_by: policies_over(key, name),
        }
    }

    /// The registry key a change touches, if any (what is exported first).
    pub fn registry_key(&self) -> Option<&str> {
        match self {
            Change::RegistryValue { key, .. }
            | Change::RegistryKeyMove { key, .. }
            | Change::RegistryKeyRestore { key, .. } => Some(key),
            _ => None,
        }
    }

    /// The change that puts back what this one changed, where one can. `backup` is the
    /// path (inside the run's folder) where the script saves what the action moves.
    pub fn inverse(&self, backup: &str) -> Option<Change> {
        Some(match self {
            Change::RegistryValue {
                key,
                name,
                before,
                after,
                ..
            } => Change::RegistryValue {
                key: key.clone(),
                name: name.clone(),
                before: *after,
                after: *before,
                key_existed: true,
                overridden_by: Vec::new(),
            },
            Change::RegistryKeyMove { key, .. } => Change::RegistryKeyRestore {
                key: key.clone(),
                from: format!("{backup}.reg"),
            },
            Change::FolderMove { path, files } => Change::FolderRestore {
                path: path.clone(),
                from: backup.to_owned(),
                files: files.clone(),
            },
            Change::WinhttpProxy { before, after } => Change::WinhttpProxy {
                before: after.clone(),
                after: before.clone(),
            },
            Change::Service {
                service,
                before,
                after,
                ..
            } => Change::Service {
                service: service.clone(),
                before: *after,
                after: *before,
                start: false,
            },
            Change::RegistryKeyRestore { .. }
            | Change::FolderRestore { .. }
            | Change::CredentialDelete { .. }
            | Change::WinsockReset { .. }
            | Change::Open(_) => return None,
        })
    }
}

/// A DWORD as the plan shows it: `0xa00 (2560)`, or `not set`.
pub fn dword(v: Option<u32>) -> String {
    match v {
        Some(v) => format!("{v:#x} ({v})"),
        None => "not set".to_owned(),
    }
}
