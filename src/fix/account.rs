//! The user's Office sign-in state: `identity-policy` (the values that keep Office from
//! modern sign-in removed, unless a policy sets them: then IT), `office-credentials`
//! (`cmdkey /delete:` for each Office credential the snapshot listed, by its exact target)
//! and `activation-state` (Microsoft's reset: the cached identities, the two licence
//! folders and the Office credentials, everything moved to the backup, nothing deleted).
//! All of it is the user's own: no administrator rights, and Office must be closed.

use super::{Action, Change, Ctx, Finding, Handling, Justification, Outcome, from_policy};
use crate::facts::office::IDENTITY;

pub(super) fn identity_policy(ctx: &mut Ctx<'_>, f: &Finding) -> Outcome {
    let id = &ctx.facts().identity;
    let mut ids = Vec::new();
    let mut by_policy = Vec::new();
    for (fact, name, bad, path) in [
        (&id.enable_adal, "EnableADAL", 0, "identity.enable_adal"),
        (
            &id.disable_aad_wam,
            "DisableAADWAM",
            1,
            "identity.disable_aad_wam",
        ),
        (
            &id.disable_adal_atop_wam_override,
            "DisableADALatopWAMOverride",
            1,
            "identity.disable_adal_atop_wam_override",
        ),
    ] {
        let Some(fact) = fact.as_ref().filter(|v| v.value == bad) else {
            continue;
        };
        if from_policy(&fact.evidence) {
            by_policy.push(format!("{name}={bad}"));
            continue;
        }
        let Some(now) = ctx.dword(IDENTITY, name) else {
            continue;
        };
        let why = Justification {
            status: f.status,
            evidence: Ctx::evidence(f, &[path]),
            seen: vec![now.seen],
        };
        let change = Change::value(IDENTITY, name, now.value, None, true);
        let title = format!("Office sign-in: {name}={bad} removed (Windows' default applies)");
        let action_id = format!("identity-{}", name.to_ascii_lowercase());
        ids.push(
            ctx.add(Action::new(action_id, "identity-policy", title, change, why).close_office()),
        );
    }
    let it = format!(
        "A Group Policy sets {}: please ask IT to remove it from the policy (User Configuration > Administrative Templates > Microsoft Office 2016 > ...); the script does not change it.",
        by_policy.join(", ")
    );
    if ids.is_empty() && !by_policy.is_empty() {
        return Outcome::ask_it(it);
    }
    let mut out = Outcome::of(
        Handling::Script,
        ids,
        "The snapshot does not show the values to remove.",
    );
    if !by_policy.is_empty() {
        out.complete = false;
        out = out.with_note(it);
    }
    out
}

/// One `cmdkey /delete:` per Office credential the snapshot listed.
fn credentials(ctx: &mut Ctx<'_>, f: &Finding, rule: &str) -> Vec<String> {
    let Some(creds) = ctx.facts().accounts.office_credentials.as_ref() else {
        return Vec::new();
    };
    let mut ids = Vec::new();
    for (i, target) in creds.value.iter().enumerate() {
        let seen = creds
            .evidence
            .iter()
            .filter(|e| e.seen.contains(target.as_str()))
            .cloned()
            .collect();
        let why = Justification {
            status: f.status,
            evidence: Ctx::evidence(f, &["accounts.office_credentials"]),
            seen,
        };
        let change = Change::CredentialDelete {
            target: target.clone(),
        };
        let title = format!("Credential Manager: {target} removed");
        let action = Action::new(
            format!("office-credential-{}", i + 1),
            rule,
            title,
            change,
            why,
        )
        .close_office();
        ids.push(ctx.add(action));
    }
    ids
}

pub(super) fn office_credentials(ctx: &mut Ctx<'_>, f: &Finding) -> Outcome {
    let ids = credentials(ctx, f, "office-credentials");
    Outcome::of(
        Handling::Script,
        ids,
        "The snapshot does not list the credentials' targets.",
    )
    .with_note("Start an Office app afterwards and sign in with the licensed work account.")
}

/// The user's licence folders Microsoft's reset clears (not `%ProgramData%`'s, which are
/// the device's).
const LICENCE_FOLDERS: &[&str] = &[
    r"\Microsoft\Office\Licenses",
    r"\Microsoft\Office\16.0\Licensing",
];

pub(super) fn activation_state(ctx: &mut Ctx<'_>, f: &Finding) -> Outcome {
    let mut ids = credentials(ctx, f, "activation-state");
    let view = &ctx.analysis.inputs.registry;
    let identities = format!(r"{IDENTITY}\Identities");
    // Only a whole export lists every identity: nothing else is moved.
    let listed: Vec<String> = if view.key(&identities).is_some_and(|k| k.listed) {
        view.subkeys(&identities)
            .into_iter()
            .filter(|s| s.listed)
            .filter_map(|s| s.path.rsplit('\\').next().map(str::to_owned))
            .collect()
    } else {
        Vec::new()
    };
    if !listed.is_empty() {
        let seen = view
            .key(&identities)
            .and_then(|_| crate::facts::registry_read::key_evidence(view, &identities))
            .into_iter()
            .collect();
        let why = Justification {
            status: f.status,
            evidence: Ctx::evidence(f, &["identity.cached_identities"]),
            seen,
        };
        let change = Change::RegistryKeyMove {
            key: identities.clone(),
            subkeys: listed,
        };
        let action = Action::new(
            "activation-state-identities",
            "activation-state",
            "Office's cached identities moved to the backup",
            change,
            why,
        )
        .close_office();
        ids.push(ctx.add(action));
    }
    if let Some((artifact, licenses)) = &ctx.analysis.inputs.licenses {
        for folder in &licenses.folders {
            let Some(which) = LICENCE_FOLDERS.iter().position(|end| {
                folder
                    .path
                    .to_ascii_lowercase()
                    .ends_with(&end.to_ascii_lowercase())
            }) else {
                continue;
            };
            if !folder.exists || folder.error.is_some() {
                continue;
            }
            let seen = vec![crate::facts::Evidence {
                artifact: artifact.clone(),
                line: None,
                locator: folder.path.clone(),
                seen: format!("{} file(s)", folder.files.len()),
            }];
            let why = Justification {
                status: f.status,
                evidence: Ctx::evidence(
                    f,
                    &[
                        "licensing.expired",
                        "licensing.other_tenant",
                        "licensing.grace",
                        "office.license_files",
                    ],
                ),
                seen,
            };
            let change = Change::FolderMove {
                path: folder.path.clone(),
                files: folder.files.iter().map(|x| x.name.clone()).collect(),
            };
            let (id, title) = if which == 0 {
                (
                    "activation-state-licenses",
                    "Office's licence tokens (Office\\Licenses) moved to the backup",
                )
            } else {
                (
                    "activation-state-licensing",
                    "Office's licensing cache (Office\\16.0\\Licensing) moved to the backup",
                )
            };
            ids.push(
                ctx.add(Action::new(id, "activation-state", title, change, why).close_office()),
            );
        }
    }
    Outcome::of(
        Handling::Script,
        ids,
        "The snapshot does not show the identities, licence folders or credentials to reset.",
    )
    .with_note(
        "Then start an Office app and sign in with the licensed work account: Office fetches a new licence.",
    )
}
