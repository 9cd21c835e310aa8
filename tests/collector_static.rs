//! The collector on the PCs it will really meet (issue 17), checked on its syntax tree
//! since no Windows runs here: each test is one fault the script must never have again,
//! and each rule is shown to catch the fault on a small example. The syntax-tree helpers
//! are in `support/powershell.rs`.

mod common;
#[path = "support/powershell.rs"]
mod powershell;

use common::repo;
use powershell::*;

fn script() -> String {
    // CRLF as Windows tools write it; the checks read lines.
    std::fs::read_to_string(repo().join("collectors/caadoctor-collect.ps1"))
        .unwrap()
        .replace("\r\n", "\n")
}

fn launcher() -> String {
    String::from_utf8(std::fs::read(repo().join("collectors/caadoctor-collect.cmd")).unwrap())
        .unwrap()
}

/// The value of `$Name = <integer>` at the top of the script.
fn constant(src: &str, name: &str) -> i64 {
    let line = src
        .lines()
        .find(|l| l.starts_with(&format!("${name} = ")))
        .unwrap_or_else(|| panic!("${name}"));
    line.split('=').nth(1).unwrap().trim().parse().unwrap()
}

/// `$Budgets = @{ 'eventlogs' = 75; ... }`.
fn budget(src: &str, group: &str) -> i64 {
    let line = src
        .lines()
        .find(|l| l.starts_with("$Budgets = @{"))
        .unwrap();
    let at = line.find(&format!("'{group}' = ")).unwrap() + group.len() + 5;
    line[at..]
        .split([';', ' ', '}'])
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

// ---------------------------------------------------------------------------------------
// 1. WMI

#[test]
fn wmi_is_reached_only_through_one_helper_with_a_deadline() {
    let src = script();
    let outside = wmi_outside_helper(&src);
    assert!(outside.is_empty(), "{outside:#?}");
    let helper = function_text(&src, "Invoke-Wmi");
    // PowerShell 3+: the cmdlet's own timeout; 2.0: the searcher's; around both, a runspace
    // abandoned at the deadline.
    let tree = parse(helper);
    let cim: Vec<_> = commands(tree.root_node(), helper)
        .into_iter()
        .filter(|c| c.name.eq_ignore_ascii_case("Get-CimInstance"))
        .collect();
    assert_eq!(cim.len(), 1);
    assert!(
        helper.contains("'OperationTimeoutSec' = $Seconds") && cim[0].elements[0] == "@cim",
        "Get-CimInstance gets -OperationTimeoutSec"
    );
    assert!(helper.contains("$searcher.Options.Timeout = New-TimeSpan -Seconds $Seconds"));
    assert!(helper.contains("Invoke-Bounded $query"));
    // The OS comes from the registry.
    assert!(!src.contains("Win32_OperatingSystem"));
    assert!(src.contains("'HKLM:\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion'"));
    // The rule sees a stray call.
    assert_eq!(
        wmi_outside_helper("function F { Get-WmiObject Win32_Service }\n$x = [wmisearcher]'x'")
            .len(),
        2
    );
}

#[test]
fn invoke_bounded_stops_waiting_at_its_deadline() {
    let src = script();
    let f = function_text(&src, "Invoke-Bounded");
    assert!(f.contains("$handle.AsyncWaitHandle.WaitOne($Seconds * 1000, $false)"));
    // Never Stop() or Dispose() a pipeline still running: both wait for it.
    let waits = f.split("WaitOne(").nth(1).unwrap();
    let (done, _) = waits.split_once("} catch").unwrap();
    assert!(done.contains("$ps.Dispose()"), "disposed only when done");
    assert!(!f.contains(".Stop("));
}

// ---------------------------------------------------------------------------------------
// 2. A 32-bit parent

#[test]
fn a_32_bit_start_becomes_a_64_bit_run() {
    let cmd = launcher();
    let prefer = "if exist \"%SystemRoot%\\Sysnative\\WindowsPowerShell\\v1.0\\powershell.exe\" set \"PS=%SystemRoot%\\Sysnative\\WindowsPowerShell\\v1.0\\powershell.exe\"";
    let at = cmd.find(prefer).expect("the launcher prefers Sysnative");
    let run = cmd
        .find("\"%PS%\" -NoProfile -ExecutionPolicy Bypass -File \"%SCRIPT%\" %*")
        .expect("the script runs with %PS%");
    assert!(at < run);
    // The script restarts itself through Sysnative, before its first step.
    let src = script();
    let relaunch = src
        .find("if ($env:PROCESSOR_ARCHITEW6432 -and -not $Relaunched) {")
        .expect("the relaunch");
    let block = &src[relaunch..];
    let block = &block[..block.find("\n}\n").unwrap()];
    for needed in [
        "Sysnative\\WindowsPowerShell\\v1.0\\powershell.exe",
        "'-Relaunched'",
        "'-Days'",
        "'-OutputPath'",
        "'-NoProbes'",
        "exit $LASTEXITCODE",
    ] {
        assert!(block.contains(needed), "{needed}");
    }
    assert!(relaunch < src.find("Invoke-Group 'eventlogs'").unwrap());
    // ... and the manifest says which bitness collected.
    assert!(src.contains(
        "$script:ProcessInfo = New-JsonObject @('bits', $bits, 'os_bits', $osBits, 'relaunched', [bool]$Relaunched)"
    ));
    assert!(src.contains("'process', $script:ProcessInfo,"));
}

// ---------------------------------------------------------------------------------------
// 3 and 4. Partial files; what a timed-out program printed

/// The functions that run one step each.
const STEP_FUNCTIONS: &[&str] = &[
    "Invoke-RegistryStep",
    "Invoke-CommandStep",
    "Invoke-EventLogStep",
    "Invoke-DocumentStep",
];

#[test]
fn a_step_that_did_not_finish_leaves_no_file_that_looks_whole() {
    let src = script();
    // Steps are recorded in one place only.
    let tree = parse(&src);
    let writers: Vec<_> = nodes_of(tree.root_node(), "assignment_expression")
        .into_iter()
        .filter(|a| {
            a.child(0)
                .is_some_and(|l| text(l, &src).trim().eq_ignore_ascii_case("$script:Steps"))
        })
        .map(|a| (line(a), enclosing_function(a, &src)))
        .collect();
    assert_eq!(writers.len(), 2, "{writers:?}");
    for (at, f) in &writers {
        assert!(
            *f == Some("Complete-Step") || f.is_none(),
            "line {at}: $script:Steps changed in {f:?}"
        );
    }
    // Complete-Step removes the file of a step that did not end ok (unless it keeps a
    // program's partial output on purpose, marked as such).
    let complete = function_text(&src, "Complete-Step");
    assert!(complete.contains(
        "if ($Step['File'] -and $Status -ne 'ok' -and -not $partial) { $partialFile = Remove-PartialFile $Step['File'] }"
    ));
    assert!(complete.contains("@('partial_file', $partialFile)"));
    // Every step that writes a file hands it to New-Step.
    for f in STEP_FUNCTIONS {
        let body = function_text(&src, f);
        assert!(
            body.contains("$step = New-Step $id $kind $command $full"),
            "{f}"
        );
        let t = parse(body);
        for c in commands(t.root_node(), body) {
            if c.name == "Complete-Step" {
                assert_eq!(c.elements[0], "$step", "{f}: line {}", line(c.node));
            }
        }
    }
    // Removed, else renamed *.partial (which the analyzer does not read), else left out of
    // the zip.
    let remove = function_text(&src, "Remove-PartialFile");
    let order = ["Remove-Item", "Rename-Item", "$script:NotZipped += $Path"];
    let at: Vec<usize> = order.iter().map(|o| remove.find(o).unwrap()).collect();
    assert!(at.windows(2).all(|w| w[0] < w[1]), "{order:?}");
    assert!(remove.contains("'.partial'"));
    assert!(
        function_text(&src, "Get-SnapshotFiles")
            .contains("$script:NotZipped -contains $f.FullName")
    );
    // A file still locked at zip time is left out, not the end of the zip.
    let zipfile = function_text(&src, "New-ZipWithZipFile");
    let per_file = zipfile
        .split("foreach ($f in (Get-SnapshotFiles))")
        .nth(1)
        .unwrap();
    assert!(
        per_file.trim_start().starts_with('{')
            && per_file.contains("try {")
            && per_file.contains("$script:NotZipped += $f.FullName")
    );
}

#[test]
fn a_program_stopped_at_its_time_limit_keeps_what_it_printed() {
    let src = script();
    let console = function_text(&src, "Invoke-Console");
    // The output is read whether the program ended or was stopped.
    let read = console
        .find("$result['Text'] = Read-ConsoleFile $out")
        .unwrap();
    let kill = console.rfind("& $taskkill /T /F /PID $p.Id").unwrap();
    let branch_end = console[kill..].find("\n    }").unwrap() + kill;
    assert_eq!(
        console.matches("$result['TimedOut'] = $true").count(),
        2,
        "both language modes"
    );
    assert!(
        read > branch_end,
        "read after the if/else, for both outcomes"
    );
    // The command step saves it, marked partial, with status timeout.
    let step = function_text(&src, "Invoke-CommandStep");
    let timeout = step.split("if ($r['TimedOut']) {").nth(1).unwrap();
    let timeout = &timeout[..timeout.find("\n        return").unwrap()];
    assert!(timeout.contains("Write-TextFile $full $r['Text'] 'utf16'"));
    assert!(
        timeout.contains(
            "Complete-Step $step 'timeout' @{ 'artifact' = $artifact; 'partial' = $true;"
        )
    );
}

// ---------------------------------------------------------------------------------------
// 5. Errors are captured, never swallowed

#[test]
fn errors_are_kept_never_swallowed() {
    let src = script();
    let found = swallowed_errors(&src);
    assert!(found.is_empty(), "{found:#?}");
    assert_eq!(
        swallowed_errors("Get-ChildItem C:\\ -ErrorAction SilentlyContinue").len(),
        1
    );
    // A licence folder that could not be listed says so: unknown, not "no licence".
    let list = src.split("$ListFoldersScript = {").nth(1).unwrap();
    assert!(list.contains("-ErrorVariable listErrors"));
    assert!(list.contains("$entry['error'] = [string]@($listErrors)[0]"));
    // A WMI failure is the step's error (failed or timeout), or kept with the document.
    let updates = function_text(&src, "Get-UpdatesDocument");
    assert!(updates.contains("$status = 'failed'") && updates.contains("$status = 'timeout'"));
    assert!(function_text(&src, "Get-ServicesDocument").contains("'Error' = $wmi['Error']"));
}

// ---------------------------------------------------------------------------------------
// 6. Time caps that cap

#[test]
fn the_worst_case_fits_in_what_the_user_is_told() {
    let src = script();
    let worst = constant(&src, "StartupReserve")
        + budget(&src, "eventlogs")
        + constant(&src, "NativeTimeout")
        + constant(&src, "ProbeTimeout")
            .max(budget(&src, "registry") + budget(&src, "commands") + budget(&src, "documents"))
        + constant(&src, "ZipTimeout");
    let told = constant(&src, "MaxMinutes");
    assert!(worst <= told * 60, "worst case {worst} s, told {told} min");
    assert!(src.contains("never more than $MaxMinutes."));
    assert!(src.contains(
        "$script:Deadline = $script:StartedAt.AddSeconds($MaxMinutes * 60 - $ZipTimeout)"
    ));
    assert!(!src.contains("about a minute"));
}

#[test]
fn every_program_and_step_has_a_time_limit() {
    let src = script();
    let tree = parse(&src);
    let command_timeout = constant(&src, "CommandTimeout");
    for c in commands(tree.root_node(), &src) {
        match c.name.as_str() {
            "Invoke-Console" => {
                let limit = &c.elements[1];
                let ok =
                    limit == "$seconds" || limit.parse::<i64>().is_ok_and(|s| s <= command_timeout);
                assert!(ok, "line {}: Invoke-Console limit {limit}", line(c.node));
            }
            "Invoke-Bounded" => {
                let limit = &c.elements[2];
                assert!(
                    ["($Seconds + 5)", "$Seconds", "$NativeTimeout"].contains(&limit.as_str()),
                    "line {}: {limit}",
                    line(c.node)
                );
            }
            _ => {}
        }
    }
    // Where `$seconds` comes from: the step's limit within its group's budget.
    for f in STEP_FUNCTIONS {
        assert!(
            function_text(&src, f).contains("$seconds = Get-StepSeconds "),
            "{f}"
        );
    }
    let budget = function_text(&src, "Get-StepSeconds");
    assert!(budget.contains("$script:GroupBudget") && budget.contains("$script:Deadline"));
    // Compiling C# and the Shell zip are bounded too.
    assert!(src.contains("Invoke-Bounded $AddNativeScript @($NativeSource) $NativeTimeout"));
    let add_type: Vec<_> = commands(tree.root_node(), &src)
        .into_iter()
        .filter(|c| c.name == "Add-Type" && c.has("-TypeDefinition"))
        .collect();
    assert_eq!(add_type.len(), 1);
    assert!(
        src.split("$AddNativeScript = {")
            .nth(1)
            .unwrap()
            .starts_with("\n    param([string]$Source)\n    if (-not ('CaadoctorNative' -as [type])) { Add-Type -TypeDefinition")
    );
    assert!(
        function_text(&src, "New-ZipWithShell").contains("while ((Get-Now) -lt $script:ZipUntil)")
    );
    assert!(
        function_text(&src, "New-SnapshotZip")
            .contains("$script:ZipUntil = (Get-Now).AddSeconds($ZipTimeout)")
    );
    // The manifest is rewritten after every step.
    assert!(
        function_text(&src, "Complete-Step")
            .trim_end()
            .ends_with("Save-Manifest\n}")
    );
}

#[test]
fn event_logs_come_first_and_the_zip_is_made_whatever_happens() {
    let src = script();
    let order = [
        "Invoke-Group 'eventlogs' $EventLogs 'Invoke-EventLogStep'",
        "try { $probeState = Start-Probes }",
        "Invoke-Group 'registry' $RegistryExports 'Invoke-RegistryStep'",
        "Invoke-Group 'commands' $Commands 'Invoke-CommandStep'",
        "Invoke-Group 'documents' $Documents[0..2] 'Invoke-DocumentsGroup'",
        "$probes = Complete-Probes $probeState",
    ];
    let at: Vec<usize> = order
        .iter()
        .map(|o| src.find(o).unwrap_or_else(|| panic!("{o}")))
        .collect();
    assert!(at.windows(2).all(|w| w[0] < w[1]), "{order:#?}");
    // The main body is one try whose finally writes the manifest and makes the zip.
    let main = &src[src.find("\n# Main\n").unwrap()..];
    let tree = parse(main);
    let tries: Vec<_> = nodes_of(tree.root_node(), "try_statement")
        .into_iter()
        .filter(|t| {
            t.parent().is_some_and(|p| {
                p.kind() == "statement_list" && p.parent().is_some_and(|q| q.kind() == "program")
            })
        })
        .collect();
    let main_try = tries
        .iter()
        .find(|t| text(**t, main).contains("Invoke-Group 'eventlogs'"))
        .expect("the main try");
    let finally = nodes_of(*main_try, "finally_clause");
    assert_eq!(finally.len(), 1);
    let f = text(finally[0], main);
    assert!(f.contains("Save-Manifest") && f.contains("$zipResult = New-SnapshotZip"));
    // Each step runs in its own try: one step's error does not end the group.
    let group = function_text(&src, "Invoke-Group");
    assert!(group.contains("try {\n            & $Function $entry\n        } catch {"));
}

// ---------------------------------------------------------------------------------------
// 7 and 8. Where the zip goes; temporary files

#[test]
fn the_zip_falls_back_from_the_desktop_to_documents_to_temp() {
    let src = script();
    let folders = function_text(&src, "Get-ZipFolders");
    let order = [
        "$candidates += $OutputPath",
        "Get-ShellFolder 'Desktop'",
        "Get-ShellFolder 'Personal'",
        "$candidates += @($desktop, $documents, $env:TEMP)",
    ];
    let at: Vec<usize> = order.iter().map(|o| folders.find(o).unwrap()).collect();
    assert!(at.windows(2).all(|w| w[0] < w[1]));
    let zip = function_text(&src, "New-SnapshotZip");
    assert!(zip.contains("foreach ($folder in (Get-ZipFolders))"));
    // The user is told where it went, or which folder to zip by hand.
    assert!(src.contains("Write-Host \"  $($zipResult['Zip'])\""));
    assert!(src.contains("Please zip this folder and send it to support"));
}

#[test]
fn no_temporary_file_names_from_windows() {
    let src = script();
    let tree = parse(&src);
    let mut names = nodes_of(tree.root_node(), "member_name");
    names.extend(nodes_of(tree.root_node(), "command_name"));
    for api in [
        "GetTempFileName",
        "GetTempPath",
        "New-TemporaryFile",
        "GetRandomFileName",
    ] {
        assert!(
            !names
                .iter()
                .any(|n| text(*n, &src).eq_ignore_ascii_case(api)),
            "{api}"
        );
    }
    assert!(function_text(&src, "New-ScratchFile").contains("[guid]::NewGuid()"));
}

// ---------------------------------------------------------------------------------------
// 9, 13, 14, 15. Probes

#[test]
fn every_endpoint_probes_in_its_own_runspace_and_keeps_each_stage() {
    let src = script();
    let start = function_text(&src, "Start-Probes");
    assert!(start.contains("CreateRunspacePool(1, $ProbeUrls.Count)"));
    assert!(start.contains("[hashtable]::Synchronized("));
    let probe = src.split("$ProbeScript = {").nth(1).unwrap();
    let probe = &probe[..probe.find("\n}\n").unwrap()];
    let stages = [
        "$Record['dns'] = $dns",
        "$Record['tcp'] = $tcp",
        "$Record['winhttp'] = $h",
        "$Record['wininet'] = $h",
        "$Record['stage'] = 'done'",
    ];
    let at: Vec<usize> = stages
        .iter()
        .map(|s| probe.find(s).unwrap_or_else(|| panic!("{s}")))
        .collect();
    assert!(at.windows(2).all(|w| w[0] < w[1]));
    // Every stage has its own limit.
    assert!(probe.contains("BeginGetHostAddresses") && probe.contains("WaitOne(8000, $false)"));
    assert!(probe.contains("$req.SetTimeouts(8000, 8000, 10000, 15000)"));
    assert!(probe.contains("[CaadoctorNative]::WinInetGet($Url, 15000)"));
    // At the deadline, what each probe recorded is written and the running stage named.
    let complete = function_text(&src, "Complete-Probes");
    assert!(complete.contains("$pairs += @('incomplete', $stageNow)"));
    // The stage is read before the stages (a stage ending meanwhile is not lost), and a
    // result has one error at most (a second key would make the document unreadable).
    let stage_read = complete.find("$stageNow = [string]$rec['stage']").unwrap();
    assert!(stage_read < complete.find("foreach ($stage in @('dns'").unwrap());
    assert_eq!(complete.matches("@('error'").count(), 1);
    assert!(complete.contains("WaitOne($left, $false)"));
}

#[test]
fn the_browser_stack_is_probed_without_cache_prompt_or_hidden_errors() {
    let src = script();
    // No MSXML: it reads the WinINet cache, may prompt for a proxy password, and returns
    // WinINet errors as HTTP statuses.
    assert!(!src.to_ascii_lowercase().contains("msxml"));
    let native = src.split("$NativeSource = @'").nth(1).unwrap();
    let native = &native[..native.find("'@").unwrap()];
    // INTERNET_FLAG_RELOAD | NO_CACHE_WRITE | PRAGMA_NOCACHE | NO_UI | NO_COOKIES.
    assert!(native.contains(
        "const uint Flags = 0x80000000 | 0x04000000 | 0x00000100 | 0x00000200 | 0x00080000;"
    ));
    assert!(!native.contains("InternetErrorDlg"), "never a dialog");
    // Errors come back as WinINet numbers, not statuses; a request still waiting at the
    // deadline is ended by closing its session.
    assert!(native.contains("Result.Error = Marshal.GetLastWin32Error()"));
    assert!(native.contains("bool done = worker.Join(timeoutMs + 2000);"));
    let after_join = native.split("bool done = worker.Join").nth(1).unwrap();
    assert!(after_join.contains("InternetCloseHandle(session);"));
    // C# 2.0: what PowerShell 2.0's compiler takes.
    for newer in ["var ", "=>", "$\"", "?.", "nameof(", " get; set; "] {
        assert!(!native.contains(newer), "C# 3+ construct {newer:?}");
    }
    // The cache is bypassed for WinHTTP too, and the probe records what the analyzer needs
    // to tell a cached Date from a skewed clock.
    let probe = src.split("$ProbeScript = {").nth(1).unwrap();
    assert!(probe.contains("$req.SetRequestHeader('Cache-Control', 'no-cache')"));
    for field in ["'age'", "'from_cache'", "'sent_utc'", "'local_time_utc'"] {
        assert!(probe.contains(field), "{field}");
    }
}

// ---------------------------------------------------------------------------------------
// 10. Execution policy

#[test]
fn the_launcher_unblocks_the_files_but_never_gets_around_a_policy() {
    let cmd = launcher();
    let check = cmd
        .lines()
        .find(|l| l.starts_with("\"%PS%\" -NoProfile -ExecutionPolicy Bypass -Command \""))
        .expect("the policy check");
    let command = check
        .split("-Command \"")
        .nth(1)
        .unwrap()
        .trim_end()
        .trim_end_matches('"');
    // PowerShell that cmd passes through unchanged: no double quotes or percent signs.
    assert!(!command.contains('"') && !command.contains('%'));
    assert!(syntax_errors(command).is_empty());
    assert!(
        ps3_violations(command).is_empty(),
        "{:?}",
        ps3_violations(command)
    );
    assert!(
        command
            .contains("Unblock-File -LiteralPath $env:CAADOCTOR_SCRIPT, $env:CAADOCTOR_LAUNCHER")
    );
    // Restricted stops; AllSigned stops unless the script carries a valid signature (the
    // way an organisation that signs it lets it run); Unrestricted on 2.0 prompts for a
    // downloaded file, so is treated like RemoteSigned.
    assert!(command.contains("if ($p -eq 'Restricted') { exit 3 }"));
    assert!(command.contains("if ($p -eq 'AllSigned') { if ((Get-AuthenticodeSignature -FilePath $env:CAADOCTOR_SCRIPT).Status -eq 'Valid') { exit 0 }; exit 3 }"));
    assert!(command.contains("if (($p -eq 'RemoteSigned' -or $p -eq 'Unrestricted') -and $PSVersionTable.PSVersion.Major -lt 3) { exit 4 }"));
    assert!(cmd.contains("if \"%CHECK%\"==\"3\" goto policy"));
    let policy = cmd.split(":policy").nth(1).unwrap();
    assert!(policy.contains("IT department") && policy.contains("will not work around it"));
    // PowerShell 2.0: how to unblock by hand.
    assert!(cmd.contains("dir /r \"%SCRIPT%\" | find /i \":Zone.Identifier\" >nul"));
    assert!(cmd.contains("Properties") && cmd.contains("Unblock"));
    // Nothing that bypasses a policy.
    let lower = cmd.to_ascii_lowercase();
    for trick in [
        "invoke-expression",
        "iex ",
        "-encodedcommand",
        "set-executionpolicy",
        "executionpolicy unrestricted",
        "get-content",
        "type \"%script%\"",
        "copy ",
        "%script%:zone.identifier",
    ] {
        assert!(!lower.contains(trick), "{trick}");
    }
    // An organisation that allows only signed scripts is told how to sign it.
    let doc = std::fs::read_to_string(repo().join("docs/snapshot-format.md")).unwrap();
    assert!(doc.contains("Set-AuthenticodeSignature"));
}

// ---------------------------------------------------------------------------------------
// 11. Keys a standard user cannot export whole

/// Keys with a subkey a standard user may not read: `reg export` of them fails as a whole.
const UNEXPORTABLE: &[&str] = &[
    r"HKLM\SYSTEM\CurrentControlSet\Services\EventLog",
    r"HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion",
];

#[test]
fn keys_with_unreadable_subkeys_are_queried_not_exported() {
    let src = script();
    let rows: Vec<&str> = src
        .lines()
        .filter(|l| l.trim_start().starts_with("@('reg-"))
        .collect();
    assert_eq!(rows.len(), 21);
    for key in UNEXPORTABLE {
        let row = rows
            .iter()
            .find(|r| r.contains(&format!("'{key}')")))
            .unwrap_or_else(|| panic!("{key}"));
        assert!(row.contains("'reg-query'"), "{row}");
    }
    // Any other export that fails while its key exists falls back to the key's own values.
    let step = function_text(&src, "Invoke-RegistryStep");
    let fallback = step
        .split("# The key exists but could not be exported")
        .nth(1)
        .unwrap();
    assert!(fallback.contains("Invoke-Console \"reg.exe query `\"$key`\"\" $seconds"));
    assert!(fallback.contains("$valuesArtifact = $artifact -replace '\\.reg$', '-values.txt'"));
    assert!(fallback.contains("'fallback' = "));
}

// ---------------------------------------------------------------------------------------
// 12. Constrained Language mode

#[test]
fn dotnet_com_and_add_type_run_only_in_full_language_mode() {
    let src = script();
    let found = clm_violations(&src);
    assert!(found.is_empty(), "{found:#?}");
    // Decided first, from the session itself.
    let decided = src
        .find("$script:FullLanguage = ($ExecutionContext.SessionState.LanguageMode -eq 'FullLanguage')")
        .unwrap();
    assert!(decided < src.find("function ").unwrap());
    assert!(src.contains("'language_mode', [string]$ExecutionContext.SessionState.LanguageMode"));
    // The user is told in plain words.
    assert!(src.contains("Constrained Language mode"));
    assert!(src.contains("the connection test cannot run"));
}

#[test]
fn the_language_mode_rule_finds_what_constrained_mode_refuses() {
    let refused = [
        "$b = [System.IO.File]::ReadAllBytes('x')",
        "$s = New-Object System.Text.StringBuilder",
        "$c = New-Object -ComObject Shell.Application",
        "Add-Type -AssemblyName System.Core",
        "$p = Start-Process cmd -PassThru; $p.WaitForExit(5)",
        "$t = New-Object System.Net.Sockets.TcpClient; $t.ReceiveTimeout = 5",
        "function F { [System.IO.File]::Exists('x') }\nF",
        "$q = { [Console]::Beep() }\n& $q",
    ];
    for s in refused {
        assert!(!clm_violations(s).is_empty(), "not found: {s}");
    }
    let allowed = [
        "if ($script:FullLanguage) { [System.IO.File]::Exists('x') } else { Test-Path x }",
        "$d = (Get-Date).ToString('yyyy', [Globalization.CultureInfo]::InvariantCulture)",
        "$g = [guid]::NewGuid().ToString(); $t = 'a b'.Replace(' ', '').Trim()",
        "$h = @{}; if ($h.ContainsKey('a')) { $h.Remove('a') }",
        "function F { [System.IO.File]::Exists('x') }\nif ($script:FullLanguage) { F } else { $x = 1 }",
        "$q = { [Console]::Beep() }\nif ($script:FullLanguage -and $y) { & $q }",
        "if ($PSVersionTable.PSVersion.Major -ge 3) { Get-CimInstance Win32_BIOS } else { $s = [wmisearcher]'x'; $s.Options.Timeout = 5 }",
    ];
    for s in allowed {
        assert!(clm_violations(s).is_empty(), "{s}: {:?}", clm_violations(s));
    }
}

// ---------------------------------------------------------------------------------------
// 16. The Shell zip

#[test]
fn the_shell_zip_is_counted_before_it_is_called_done() {
    let src = script();
    let shell = function_text(&src, "New-ZipWithShell");
    assert!(shell.contains("if ((Get-ZipFileCount $Zip) -eq $expected) { return }"));
    assert!(shell.contains("throw"));
    // The central directory, entry by entry: file entries only (folders end in a
    // separator), so an empty folder does not hide a dropped file.
    let count = function_text(&src, "Get-ZipFileCount");
    assert!(count.contains("$bytes[$at + 2] -ne 1 -or $bytes[$at + 3] -ne 2"));
    assert!(count.contains("$last -ne 0x2f -and $last -ne 0x5c"));
}

#[test]
fn whole_folder_zips_take_a_copy_of_what_may_be_zipped() {
    let src = script();
    let zip = function_text(&src, "New-SnapshotZip");
    assert!(zip.contains("Compress-Archive -LiteralPath $stage -DestinationPath $zip"));
    assert!(zip.contains("New-ZipWithShell $zip $stage"));
    let stage = function_text(&src, "New-ZipStage");
    assert!(stage.contains("foreach ($f in (Get-SnapshotFiles))"));
    assert!(
        stage.contains("-ErrorVariable copyErrors")
            && stage.contains("$script:Excluded += $f.FullName")
    );
    // ZipFile writes the manifest's entry last, from memory.
    let zipfile = function_text(&src, "New-ZipWithZipFile");
    let manifest = zipfile
        .find("$archive.CreateEntry($top + '/manifest.json')")
        .unwrap();
    assert!(manifest > zipfile.find("CreateEntryFromFile").unwrap());
    assert!(zipfile.contains("$writer.Write((Get-ManifestText))"));
}

// ---------------------------------------------------------------------------------------
// After a review of 0.3.0 against Windows 7 to 11

#[test]
fn durations_and_deadlines_do_not_follow_the_wall_clock() {
    let src = script();
    let tree = parse(&src);
    for c in commands(tree.root_node(), &src) {
        if c.name.eq_ignore_ascii_case("Get-Date") {
            let f = enclosing_function(c.node, &src);
            let line_text = src.lines().nth(line(c.node) - 1).unwrap();
            assert!(
                f == Some("Get-IsoNow") || line_text.starts_with("$stamp = "),
                "line {}: Get-Date outside the local-time stamps",
                line(c.node)
            );
        }
    }
    assert!(function_text(&src, "Get-Now").contains("[DateTime]::UtcNow"));
    assert!(function_text(&src, "Get-Milliseconds").contains("if ($ms -lt 0) { $ms = 0 }"));
}

#[test]
fn console_programs_come_from_system32_and_a_program_that_did_not_run_is_no_evidence() {
    let src = script();
    let console = function_text(&src, "Invoke-Console");
    assert!(console.contains(
        "set \"PATH=' + $system + ';' + $env:SystemRoot + '\" & set \"PATHEXT=.COM;.EXE\" & "
    ));
    assert!(console.contains("$taskkill = Join-Path $system 'taskkill.exe'"));
    // Hidden by .NET in FullLanguage mode (Windows Terminal ignores a hidden window style).
    assert!(console.contains("$psi.CreateNoWindow = $true"));
    let did_not_run = function_text(&src, "Test-DidNotRun");
    assert!(did_not_run.contains("$code -eq 9009") && did_not_run.contains("$code -lt 0"));
    let step = function_text(&src, "Invoke-CommandStep");
    assert!(step.contains("if (Test-DidNotRun $r) {"));
    assert!(
        step.find("if (Test-DidNotRun $r)").unwrap()
            < step
                .rfind("Write-TextFile $full $r['Text'] 'utf16'")
                .unwrap()
    );
}

#[test]
fn the_compiled_helpers_threads_never_throw() {
    let src = script();
    let native = src.split("$NativeSource = @'").nth(1).unwrap();
    let native = &native[..native.find("'@").unwrap()];
    // Every method run on a thread of its own catches everything: an exception there
    // ends the process, before the zip.
    for run in native.split("public void Run() {").skip(1) {
        let body = &run[..run.find("\n        }\n").unwrap()];
        assert!(body.contains("catch (Exception"), "{body}");
    }
    assert!(
        native.contains("Int32.TryParse(status, out code)"),
        "no Parse that throws"
    );
}

#[test]
fn no_product_key_owner_or_machine_variables_are_collected() {
    let src = script();
    for name in [
        "DigitalProductId",
        "DigitalProductId4",
        "RegisteredOwner",
        "RegisteredOrganization",
    ] {
        assert!(src.contains(&format!("'{name}'")), "{name} dropped");
    }
    assert!(src.contains("$QueryOneValue = @{ 'reg-environment' = 'PROCESSOR_ARCHITECTURE' }"));
    assert!(
        function_text(&src, "Invoke-RegistryStep")
            .contains("if ($DroppedValues.ContainsKey($id)) {")
    );
}

#[test]
fn constrained_mode_wmi_and_powershell_7_exits_have_deadlines_too() {
    let src = script();
    let wmi = function_text(&src, "Invoke-Wmi");
    assert!(wmi.contains("$job = Start-Job -ScriptBlock $query"));
    assert!(wmi.contains("Wait-Job -Job $job -Timeout ($Seconds + 10)"));
    assert!(src.contains(
        "if ($script:FullLanguage -and $PSVersionTable.PSVersion.Major -ge 6) { [Environment]::Exit($exitCode) }"
    ));
    // Each step keeps time to be stopped and cleaned up within its group's budget.
    assert!(function_text(&src, "Get-StepSeconds").contains("- $StepReserve"));
}
