//! The plan as the engineer reads it in a terminal: each finding with what the plan does
//! about it, then each action with its before and after.

use super::model::{Actor, Handling, Plan};
use std::fmt::Write as _;

fn handling(h: Handling) -> &'static str {
    match h {
        Handling::Script => "the script fixes it",
        Handling::ScriptAndUser => "the script fixes it once the user has done the step it opens",
        Handling::User => "the script opens it for the user",
        Handling::AskIt => "ask IT (a Group Policy decides)",
        Handling::None => "not changed by the script",
    }
}

pub fn render(plan: &Plan) -> String {
    let mut out = String::new();
    let host = plan.snapshot.host.as_deref().unwrap_or("the PC");
    let admin = plan.actions.iter().filter(|a| a.admin).count();
    let _ = writeln!(
        out,
        "Plan for {host} ({}): {} action(s), {admin} with administrator rights.",
        plan.snapshot.os.as_deref().unwrap_or("Windows"),
        plan.actions.len()
    );
    for r in &plan.rules {
        let _ = writeln!(out, "\n{} ({}): {}", r.rule, r.status, handling(r.handling));
        for id in &r.actions {
            if let Some(a) = plan.action(id) {
                let who = if a.by == Actor::User {
                    "opens"
                } else {
                    "changes"
                };
                let _ = writeln!(out, "  - {id} {who}: {}", a.title);
                let _ = writeln!(out, "      before: {}", a.before);
                let _ = writeln!(out, "      after:  {}", a.after);
                if let Some(note) = &a.note {
                    let _ = writeln!(out, "      note:   {note}");
                }
            }
        }
        if !r.also_fixes.is_empty() {
            let _ = writeln!(out, "  expected to pass too: {}", r.also_fixes.join(", "));
        }
        if let Some(note) = &r.note {
            let _ = writeln!(out, "  note: {note}");
        }
    }
    out
}
