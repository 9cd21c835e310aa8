//! What the user completes: `office-updates` (Click-to-Run's update started for them),
//! `windows-updates` (Windows Update opened), `work-account` (Settings > Access work or
//! school opened with the account named: disconnecting is the user's choice). Updates a
//! policy turns off are IT's.

use super::{Action, Change, Ctx, Finding, Handling, Justification, Opens, Outcome, from_policy};

pub(super) fn office_updates(ctx: &mut Ctx<'_>, f: &Finding) -> Outcome {
    let o = &ctx.facts().office;
    if let Some(enabled) = o.updates_enabled.as_ref().filter(|e| !e.value) {
        let who = if from_policy(&enabled.evidence) {
            "A Group Policy turns Microsoft 365 Apps updates off"
        } else {
            "Office's deployment turned its updates off (UpdatesEnabled=False)"
        };
        return Outcome::ask_it(format!(
            "{who}: please ask IT to turn them on again or to move this PC to a supported build of its channel; the script does not change it."
        ));
    }
    if let Some(target) = &o.target_version {
        return Outcome::ask_it(format!(
            "A Group Policy pins Office to version {}: please ask IT to raise or remove the target version; the script does not change it.",
            target.value
        ));
    }
    let Some(version) = &o.version else {
        return Outcome::none("The snapshot does not show Office's version.");
    };
    let why = Justification {
        status: f.status,
        evidence: Ctx::evidence(f, &["office.version", "office.build_age_months"]),
        seen: version.evidence.clone(),
    };
    let mut action = Action::new(
        "office-updates-update-now",
        "office-updates",
        "Microsoft 365 Apps updated now (Click-to-Run: OfficeC2RClient.exe /update user)",
        Change::Open(Opens::OfficeUpdate {
            version: version.value.clone(),
        }),
        why,
    );
    let build = ctx.facts().os.build.as_ref().map_or(0, |b| b.value);
    if build > 0 && build < 9200 {
        action = action.note(
            "On Windows 7 Microsoft 365 Apps gets no build newer than its last one for Windows 7 (version 2002, build 12527): only a newer Windows brings a supported Office.",
        );
    }
    Outcome::of(Handling::User, vec![ctx.add(action)], "")
}

pub(super) fn windows_updates(ctx: &mut Ctx<'_>, f: &Finding) -> Outcome {
    let os = &ctx.facts().os;
    let Some(build) = &os.build else {
        return Outcome::none("The snapshot does not show the Windows build.");
    };
    let why = Justification {
        status: f.status,
        evidence: Ctx::evidence(
            f,
            &[
                "updates.days_since_newest",
                "updates.install_failures",
                "updates.failed_updates",
            ],
        ),
        seen: build.evidence.clone(),
    };
    let action = Action::new(
        "windows-updates-open",
        "windows-updates",
        "Windows Update opened: install everything it offers, then restart",
        Change::Open(Opens::WindowsUpdate {
            build: build.value,
            ubr: os.ubr.as_ref().map(|u| u.value),
        }),
        why,
    )
    .restart();
    Outcome::of(Handling::User, vec![ctx.add(action)], "").with_note(
        "If Windows Update offers nothing or fails, ask IT whether WSUS, Intune or a policy holds updates back.",
    )
}

pub(super) fn work_account(ctx: &mut Ctx<'_>, f: &Finding) -> Outcome {
    let a = &ctx.facts().accounts;
    let accounts = a
        .workplace_tenants
        .as_ref()
        .map(|t| t.value.clone())
        .unwrap_or_default();
    if accounts.is_empty() {
        return Outcome::none("The snapshot does not name the connected account.");
    }
    let why = Justification {
        status: f.status,
        evidence: Ctx::evidence(
            f,
            &[
                "accounts.work_accounts",
                "accounts.workplace_tenants",
                "accounts.azure_ad_joined",
                "accounts.signed_in_upn",
            ],
        ),
        seen: a
            .workplace_tenants
            .iter()
            .flat_map(|t| t.evidence.clone())
            .collect(),
    };
    let action = Action::new(
        "work-account-open",
        "work-account",
        format!(
            "Settings > Accounts > Access work or school opened: {} is the account to look at",
            accounts.join(", ")
        ),
        Change::Open(Opens::WorkAccounts { accounts }),
        why,
    )
    .note(
        "Disconnecting an account is the user's choice: select it, Disconnect, restart, then sign in to Office with the account the licence belongs to.",
    );
    Outcome::of(Handling::User, vec![ctx.add(action)], "")
}
