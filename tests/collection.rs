//! A collection that did not go to plan, as the collector 0.3 records it in its manifest
//! (docs/snapshot-format.md): a console program stopped at its time limit with what it had
//! printed kept, a registry export that failed and left a `.partial` file, a step skipped
//! for lack of time, the probes skipped in Constrained Language mode, a file left out of
//! the zip, a run by 32-bit PowerShell on 64-bit Windows, stopped by Ctrl+C. The analyzer
//! reads what is whole, reads the partial output as partial, never reads the `.partial`
//! file, and says each of these things once.

mod common;

use common::{copy_dir, finding, repo, report_of, scratch};
use serde_json::{Value, json};

fn step_mut<'a>(manifest: &'a mut Value, id: &str) -> &'a mut Value {
    manifest["steps"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|s| s["id"] == id)
        .unwrap_or_else(|| panic!("{id}"))
}

fn utf16(text: &str) -> Vec<u8> {
    let mut out = vec![0xFF, 0xFE];
    out.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    out
}

#[test]
fn a_collection_that_did_not_go_to_plan_is_read_for_what_it_is() {
    let dir = scratch("collection-not-to-plan").join("caadoctor-PC-HEALTHY-11-20261120-101203");
    copy_dir(&repo().join("samples/win11-healthy"), &dir);
    let manifest_path = dir.join("manifest.json");
    let mut m: Value = serde_json::from_slice(&std::fs::read(&manifest_path).unwrap()).unwrap();
    m["process"] = json!({"bits": 32, "os_bits": 64, "relaunched": false});
    m["language_mode"] = json!("ConstrainedLanguage");
    m["stopped"] = json!("the collection was interrupted (Ctrl+C)");
    // The Application log could not be removed after its step failed: not zipped, and
    // only the step says so. The NCSI log was written whole but still held at zip time.
    m["excluded"] = json!(["eventlogs/Microsoft-Windows-NCSI-Operational.evtx"]);
    std::fs::remove_file(dir.join("eventlogs/Application.evtx")).unwrap();
    std::fs::remove_file(dir.join("eventlogs/Microsoft-Windows-NCSI-Operational.evtx")).unwrap();
    *step_mut(&mut m, "eventlog-application") = json!({
        "id": "eventlog-application", "kind": "event-log", "event_log": "Application",
        "command": "wevtutil epl \"Application\" \"eventlogs/Application.evtx\"",
        "status": "failed", "duration_ms": 120,
        "error": "the file was still held by wevtutil", "partial_file": "locked: left out of the zip"});
    // dsregcmd stopped at its limit: the join state it printed first is kept.
    let dsreg = std::fs::read(dir.join("commands/dsregcmd-status.txt")).unwrap();
    let text = String::from_utf16_lossy(
        &dsreg[2..]
            .chunks_exact(2)
            .map(|c| u16::from_le_bytes([c[0], c[1]]))
            .collect::<Vec<_>>(),
    );
    let cut = &text[..text.find("| SSO State").expect("an SSO section")];
    std::fs::write(dir.join("commands/dsregcmd-status.txt"), utf16(cut)).unwrap();
    let s = step_mut(&mut m, "cmd-dsregcmd");
    s["status"] = json!("timeout");
    s["partial"] = json!(true);
    s["error"] = json!("stopped after 45 s; what it printed until then is kept");
    // The SCHANNEL export failed half-way; the collector could only rename its file.
    std::fs::rename(
        dir.join("registry/schannel.reg"),
        dir.join("registry/schannel.reg.partial"),
    )
    .unwrap();
    let s = step_mut(&mut m, "reg-schannel");
    s.as_object_mut().unwrap().remove("artifact");
    s["status"] = json!("timeout");
    s["error"] = json!("no answer in 45 s");
    s["partial_file"] = json!("renamed to schannel.reg.partial");
    // No time left for the licence listing; no probes in Constrained Language mode.
    std::fs::remove_file(dir.join("commands/office-licenses.json")).unwrap();
    let s = step_mut(&mut m, "cmd-office-licenses");
    s.as_object_mut().unwrap().remove("artifact");
    s["status"] = json!("skipped");
    s["error"] = json!("not started: the documents steps used their time budget of 40 s");
    std::fs::remove_file(dir.join("probes/connectivity.json")).unwrap();
    let s = step_mut(&mut m, "probes");
    s.as_object_mut().unwrap().remove("artifact");
    s["status"] = json!("skipped");
    s["error"] =
        json!("PowerShell is in Constrained Language mode: the connection test needs .NET and COM");
    std::fs::write(&manifest_path, serde_json::to_vec_pretty(&m).unwrap()).unwrap();

    let report = report_of(dir.to_str().unwrap(), 0);
    let problems = report["problems"].as_array().unwrap();
    let collection: Vec<String> = problems
        .iter()
        .filter(|p| p["kind"] == "collection")
        .map(|p| {
            format!(
                "{}: {}",
                p["artifact"].as_str().unwrap_or("-"),
                p["message"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(collection.len(), 7, "{collection:#?}");
    assert_eq!(problems.len(), 7, "nothing else: {problems:#?}");
    let has = |needle: &str| collection.iter().any(|c| c.contains(needle));
    assert!(has(
        "registry/schannel.reg.partial: left by a collection step that did not finish; not read"
    ));
    assert!(has(
        "commands/dsregcmd-status.txt: partial: `dsregcmd /status` timed out"
    ));
    assert!(has("not collected: step reg-schannel"));
    assert!(has("not collected: step cmd-office-licenses"));
    assert!(has("not collected: step probes") && has("Constrained Language mode"));
    assert!(has("not collected: step eventlog-application") && has("still held by wevtutil"));
    assert!(has(
        "eventlogs/Microsoft-Windows-NCSI-Operational.evtx was left out of the zip"
    ));

    let notes: Vec<&str> = report["snapshot"]["notes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_str().unwrap())
        .collect();
    assert!(
        notes.iter().any(|n| n.contains("did not run to its end")),
        "{notes:?}"
    );
    assert!(
        notes
            .iter()
            .any(|n| n.contains("32-bit PowerShell on 64-bit Windows"))
    );
    assert!(notes.iter().any(|n| n.contains("ConstrainedLanguage")));

    // The .partial file is listed, never read; the partial output is read.
    let artifact = |suffix: &str| {
        report["artifacts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["path"].as_str().unwrap().ends_with(suffix))
            .unwrap_or_else(|| panic!("{suffix}"))
            .clone()
    };
    assert_eq!(artifact("schannel.reg.partial")["used"], false);
    assert_eq!(artifact("dsregcmd-status.txt")["used"], true);
    let facts = common::json_of(&common::caadoctor(&["facts", dir.to_str().unwrap()]));
    assert_eq!(facts["facts"]["accounts"]["azure_ad_joined"]["value"], true);
    // Without the SCHANNEL export, the SCHANNEL facts are not known (the .partial file
    // is not taken for a whole export whose missing values would read as "not set").
    assert!(
        facts["facts"]["tls"]
            .get("schannel_tls12_client_enabled")
            .is_none_or(|v| v.is_null())
    );
    // Without probes, the endpoint rule cannot decide.
    assert_eq!(finding(&report, "endpoints")["status"], "unknown");
}
