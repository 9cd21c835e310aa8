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
use sha2::Digest;

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
    let partial = utf16(cut);
    std::fs::write(dir.join("commands/dsregcmd-status.txt"), &partial).unwrap();
    let s = step_mut(&mut m, "cmd-dsregcmd");
    // The collector records the size and digest of what it kept.
    s["size"] = json!(partial.len());
    s["sha256"] = json!(
        sha2::Sha256::digest(&partial)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    );
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

/// Run elevated as another account, the collector exports the signed-in user's keys from
/// HKEY_USERS\<sid>; the analyzer reads them as HKCU, and says so.
#[test]
fn the_signed_in_users_hive_is_read_as_hkcu_after_an_elevated_run() {
    let sid = "S-1-5-21-1004336348-1177238915-682003330-1107";
    let dir = scratch("collection-user-hive").join("caadoctor-PC-ADAL-20261120-101203");
    copy_dir(&repo().join("samples/win11-adal-disabled"), &dir);
    let manifest_path = dir.join("manifest.json");
    let mut m: Value = serde_json::from_slice(&std::fs::read(&manifest_path).unwrap()).unwrap();
    m["elevated"] = json!(true);
    m["user_hive"] = json!({"sid": sid, "user": "CONTOSO\\a.user"});
    for s in m["steps"].as_array_mut().unwrap() {
        if let Some(k) = s["registry_key"].as_str().map(str::to_owned)
            && let Some(rest) = k.strip_prefix("HKCU\\")
        {
            s["registry_key"] = json!(format!("HKU\\{sid}\\{rest}"));
            // The file is written anew below, as the collector would have written it.
            let o = s.as_object_mut().unwrap();
            o.remove("size");
            o.remove("sha256");
        }
    }
    std::fs::write(&manifest_path, serde_json::to_vec_pretty(&m).unwrap()).unwrap();
    for e in std::fs::read_dir(dir.join("registry")).unwrap() {
        let path = e.unwrap().path();
        let bytes = std::fs::read(&path).unwrap();
        let text = String::from_utf16_lossy(
            &bytes[2..]
                .chunks_exact(2)
                .map(|c| u16::from_le_bytes([c[0], c[1]]))
                .collect::<Vec<_>>(),
        );
        if text.contains("HKEY_CURRENT_USER") {
            let moved = text.replace("HKEY_CURRENT_USER", &format!("HKEY_USERS\\{sid}"));
            std::fs::write(&path, utf16(&moved)).unwrap();
        }
    }
    let report = report_of(dir.to_str().unwrap(), 1);
    // EnableADAL=0 is read from the user's hive: the rule still fails on it.
    assert_eq!(finding(&report, "identity-policy")["status"], "fail");
    assert_eq!(report["problems"], json!([]));
    let notes = report["snapshot"]["notes"].to_string();
    assert!(
        notes.contains(&format!("HKEY_USERS\\\\{sid} as HKCU")),
        "{notes}"
    );
    // Without the manifest's word, another SID's hive is not HKCU: not read as such.
    m["user_hive"] = Value::Null;
    std::fs::write(&manifest_path, serde_json::to_vec_pretty(&m).unwrap()).unwrap();
    let report = common::json_of(&common::caadoctor(&[
        "analyze",
        dir.to_str().unwrap(),
        "--format",
        "json",
    ]));
    assert_ne!(finding(&report, "identity-policy")["status"], "fail");
}

/// A member changed, cut or removed after collection: the manifest's sizes and SHA-256s say
/// so, and what is there is still read.
#[test]
fn members_changed_after_collection_are_visible() {
    let dir = scratch("changed-after-collection").join("caadoctor-PC-HEALTHY-11-20261120-101203");
    copy_dir(&repo().join("samples/win11-healthy"), &dir);
    let schannel = dir.join("registry/schannel.reg");
    let mut bytes = std::fs::read(&schannel).unwrap();
    let at = bytes.len() / 2;
    bytes[at] ^= 0x20;
    std::fs::write(&schannel, &bytes).unwrap();
    let ipconfig = dir.join("commands/ipconfig-all.txt");
    let cut = std::fs::read(&ipconfig).unwrap();
    std::fs::write(&ipconfig, &cut[..cut.len() - 100]).unwrap();
    std::fs::remove_file(dir.join("commands/whoami-upn.txt")).unwrap();
    let report = report_of(dir.to_str().unwrap(), 0);
    let integrity: Vec<(&str, &str)> = report["problems"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["kind"] == "integrity")
        .map(|p| {
            (
                p["artifact"].as_str().unwrap(),
                p["message"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(integrity.len(), 3, "{integrity:#?}");
    assert_eq!(integrity[0].0, "commands/ipconfig-all.txt");
    assert!(
        integrity[0].1.starts_with(
            "not the file the collector wrote (3,808 bytes, the manifest records 3,908)"
        ),
        "{}",
        integrity[0].1
    );
    assert_eq!(integrity[1].0, "registry/schannel.reg");
    assert!(
        integrity[1].1.contains("SHA-256 ") && integrity[1].1.contains("the manifest records "),
        "{}",
        integrity[1].1
    );
    assert_eq!(integrity[2].0, "manifest.json");
    assert!(integrity[2].1.starts_with(
        "1 file the collector wrote is not in the snapshot (commands/whoami-upn.txt)"
    ));
}
