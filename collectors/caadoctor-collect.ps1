<#
.SYNOPSIS
    caadoctor collector: gathers what support needs to find why Microsoft 365 Apps cannot
    activate ("We are unable to connect right now", 0xCAA70007 / 0xCAA80000), into one zip.

.DESCRIPTION
    Reads settings (registry exports), the state of four Windows services, stored credential
    *names* (never passwords), event logs of the last days, and tests the connection to the
    Microsoft sign-in and activation addresses. Changes nothing on the PC. Writes
    caadoctor-<computer>-<date>.zip on the Desktop; send that file to support.

    Runs on Windows 7 SP1 (PowerShell 2.0) to Windows 11 (PowerShell 5.1 and 7), without
    administrator rights. Every step is isolated: a step that fails or hangs is recorded in
    manifest.json and the collection goes on. The format is docs/snapshot-format.md of
    caadoctor; the analyzer reads it with `caadoctor analyze <zip>`.

.PARAMETER OutputPath
    Folder for the zip (default: the Desktop).

.PARAMETER Days
    How many days of event logs to collect (default 30).

.PARAMETER NoProbes
    Do not test the connection to Microsoft's addresses.

.EXAMPLE
    powershell -NoProfile -ExecutionPolicy Bypass -File caadoctor-collect.ps1
#>
[CmdletBinding()]
param(
    [string]$OutputPath = '',
    [int]$Days = 30,
    [switch]$NoProbes
)

Set-StrictMode -Version 2.0
$ErrorActionPreference = 'Continue'

$CollectorName = 'caadoctor-collect'
$CollectorVersion = '0.2.0'
# Hard caps: any one external command, all probes together, and the whole collection
# before the probes (seconds). A step past the last one is recorded as skipped.
$CommandTimeout = 60
$ProbeTimeout = 90
$CollectionTimeout = 180

# ---------------------------------------------------------------------------------------
# The contract: every artifact this script writes. docs/snapshot-format.md lists the same
# and caadoctor's tests check that both agree and that the analyzer reads each one.
# Columns: step id, artifact path, what it is (the analyzer's kind), what produces it.

$RegistryExports = @(
    @('reg-os-version', 'registry/os-version.reg', 'reg-export', 'HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion'),
    @('reg-environment', 'registry/environment.reg', 'reg-export', 'HKLM\SYSTEM\CurrentControlSet\Control\Session Manager\Environment'),
    @('reg-schannel', 'registry/schannel.reg', 'reg-export', 'HKLM\SYSTEM\CurrentControlSet\Control\SecurityProviders\SCHANNEL'),
    @('reg-internet-settings-hklm', 'registry/internet-settings-hklm.reg', 'reg-export', 'HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Internet Settings'),
    @('reg-internet-settings-hklm-wow64', 'registry/internet-settings-hklm-wow64.reg', 'reg-export', 'HKLM\SOFTWARE\WOW6432Node\Microsoft\Windows\CurrentVersion\Internet Settings'),
    @('reg-internet-settings-hkcu', 'registry/internet-settings-hkcu.reg', 'reg-export', 'HKCU\Software\Microsoft\Windows\CurrentVersion\Internet Settings'),
    @('reg-internet-settings-policy-hklm', 'registry/internet-settings-policy-hklm.reg', 'reg-export', 'HKLM\SOFTWARE\Policies\Microsoft\Windows\CurrentVersion\Internet Settings'),
    @('reg-internet-settings-policy-hkcu', 'registry/internet-settings-policy-hkcu.reg', 'reg-export', 'HKCU\SOFTWARE\Policies\Microsoft\Windows\CurrentVersion\Internet Settings'),
    @('reg-dotnet-crypto', 'registry/dotnet-crypto.reg', 'reg-export', 'HKLM\SOFTWARE\Microsoft\.NETFramework\v4.0.30319'),
    @('reg-dotnet-crypto-wow64', 'registry/dotnet-crypto-wow64.reg', 'reg-export', 'HKLM\SOFTWARE\WOW6432Node\Microsoft\.NETFramework\v4.0.30319'),
    @('reg-ncsi-policy', 'registry/ncsi-policy.reg', 'reg-export', 'HKLM\SOFTWARE\Policies\Microsoft\Windows\NetworkConnectivityStatusIndicator'),
    @('reg-tcpip6', 'registry/tcpip6.reg', 'reg-export', 'HKLM\SYSTEM\CurrentControlSet\Services\Tcpip6\Parameters'),
    @('reg-winsock2', 'registry/winsock2.reg', 'reg-export', 'HKLM\SYSTEM\CurrentControlSet\Services\WinSock2\Parameters'),
    @('reg-svc-nlasvc', 'registry/svc-nlasvc.reg', 'reg-export', 'HKLM\SYSTEM\CurrentControlSet\Services\NlaSvc'),
    @('reg-svc-netprofm', 'registry/svc-netprofm.reg', 'reg-export', 'HKLM\SYSTEM\CurrentControlSet\Services\netprofm'),
    @('reg-svc-eventlog', 'registry/svc-eventlog.reg', 'reg-export', 'HKLM\SYSTEM\CurrentControlSet\Services\EventLog'),
    @('reg-svc-ncdautosetup', 'registry/svc-ncdautosetup.reg', 'reg-export', 'HKLM\SYSTEM\CurrentControlSet\Services\NcdAutoSetup'),
    @('reg-office-c2r', 'registry/office-c2r.reg', 'reg-export', 'HKLM\SOFTWARE\Microsoft\Office\ClickToRun\Configuration'),
    @('reg-office-update-policy', 'registry/office-update-policy.reg', 'reg-export', 'HKLM\SOFTWARE\Policies\Microsoft\office\16.0\common\officeupdate'),
    @('reg-office-identity', 'registry/office-identity.reg', 'reg-export', 'HKCU\Software\Microsoft\Office\16.0\Common\Identity'),
    @('reg-office-licensing', 'registry/office-licensing.reg', 'reg-export', 'HKCU\Software\Microsoft\Office\16.0\Common\Licensing')
)

$Services = @('NlaSvc', 'netprofm', 'EventLog', 'NcdAutoSetup')

# Console programs: their output is saved as UTF-16LE text (what PowerShell's Out-File writes).
$Commands = @(
    @('cmd-netsh-winhttp-proxy', 'commands/netsh-winhttp-show-proxy.txt', 'netsh-winhttp-proxy', 'netsh winhttp show proxy'),
    @('cmd-netsh-winhttp-advproxy', 'commands/netsh-winhttp-show-advproxy.txt', 'netsh-winhttp-advproxy', 'netsh winhttp show advproxy'),
    @('cmd-sc-query-nlasvc', 'commands/sc-query-nlasvc.txt', 'sc-query', 'sc query NlaSvc'),
    @('cmd-sc-qc-nlasvc', 'commands/sc-qc-nlasvc.txt', 'sc-qc', 'sc qc NlaSvc'),
    @('cmd-sc-query-netprofm', 'commands/sc-query-netprofm.txt', 'sc-query', 'sc query netprofm'),
    @('cmd-sc-qc-netprofm', 'commands/sc-qc-netprofm.txt', 'sc-qc', 'sc qc netprofm'),
    @('cmd-sc-query-eventlog', 'commands/sc-query-eventlog.txt', 'sc-query', 'sc query EventLog'),
    @('cmd-sc-qc-eventlog', 'commands/sc-qc-eventlog.txt', 'sc-qc', 'sc qc EventLog'),
    @('cmd-sc-query-ncdautosetup', 'commands/sc-query-ncdautosetup.txt', 'sc-query', 'sc query NcdAutoSetup'),
    @('cmd-sc-qc-ncdautosetup', 'commands/sc-qc-ncdautosetup.txt', 'sc-qc', 'sc qc NcdAutoSetup'),
    @('cmd-dsregcmd', 'commands/dsregcmd-status.txt', 'dsregcmd', 'dsregcmd /status'),
    @('cmd-cmdkey', 'commands/cmdkey-list.txt', 'cmdkey-list', 'cmdkey /list'),
    @('cmd-netsh-winsock-catalog', 'commands/netsh-winsock-show-catalog.txt', 'netsh-winsock-catalog', 'netsh winsock show catalog'),
    @('cmd-ipconfig-all', 'commands/ipconfig-all.txt', 'ipconfig-all', 'ipconfig /all'),
    @('cmd-whoami-upn', 'commands/whoami-upn.txt', 'whoami-upn', 'whoami /upn')
)

# Written by this script itself (JSON by hand: PowerShell 2.0 has no ConvertTo-Json).
$Documents = @(
    @('cmd-services-json', 'commands/services.json', 'services-json', 'Get-Service NlaSvc,netprofm,EventLog,NcdAutoSetup and Win32_Service StartMode'),
    @('cmd-installed-updates', 'commands/installed-updates.json', 'hotfix-list', 'Get-HotFix'),
    @('cmd-office-licenses', 'commands/office-licenses.json', 'office-licenses', 'licence folders: names, sizes, dates (not contents)'),
    @('probes', 'probes/connectivity.json', 'probe-results', 'WinHttp.WinHttpRequest.5.1 and MSXML2.XMLHTTP for the article''s endpoints')
)

$EventLogs = @(
    @('eventlog-application', 'eventlogs/Application.evtx', 'event-log', 'Application'),
    @('eventlog-system', 'eventlogs/System.evtx', 'event-log', 'System'),
    @('eventlog-aad', 'eventlogs/Microsoft-Windows-AAD-Operational.evtx', 'event-log', 'Microsoft-Windows-AAD/Operational'),
    @('eventlog-oalerts', 'eventlogs/OAlerts.evtx', 'event-log', 'OAlerts'),
    @('eventlog-ncsi', 'eventlogs/Microsoft-Windows-NCSI-Operational.evtx', 'event-log', 'Microsoft-Windows-NCSI/Operational')
)

# The article's firewall list: the same as caadoctor's analyzers/data/endpoints.toml (a
# test checks it), in its order.
$ProbeUrls = @(
    'https://officecdn.microsoft.com/',
    'https://ols.officeapps.live.com/olsc',
    'https://activation.sls.microsoft.com/',
    'https://odc.officeapps.live.com/',
    'http://crl.microsoft.com/pki/crl/products/MicrosoftProductSecureServer.crl',
    'http://crl.microsoft.com/pki/crl/products/MicrosoftRootAuthority.crl',
    'http://crl.microsoft.com/pki/crl/products/MicrosoftProductSecureCommunicationsPCA.crl',
    'http://www.microsoft.com/pki/crl/products/MicrosoftProductSecureCommunicationsPCA.crl',
    'https://go.microsoft.com/',
    'https://office15client.microsoft.com/',
    'https://login.windows.net/',
    'https://login.microsoft.com/',
    'https://login.microsoftonline.com/',
    'https://crl.microsoft.com/',
    'https://cdn.odc.officeapps.live.com/',
    'https://ajax.aspnetcdn.com/',
    'https://officeclient.microsoft.com/',
    'https://aadcdn.msauth.net/',
    'https://aadcdn.msauthimages.net/',
    'https://enterpriseregistration.windows.net/'
)

# ---------------------------------------------------------------------------------------
# Helpers

$Steps = New-Object System.Collections.ArrayList
$script:StepNumber = 0
$script:StepTotal = $RegistryExports.Count + $Commands.Count + $Documents.Count + $EventLogs.Count

function Write-Progress-Step([string]$Activity) {
    $script:StepNumber++
    $percent = [int](100 * $script:StepNumber / [Math]::Max(1, $script:StepTotal))
    Write-Progress -Activity 'Collecting information for support' -Status $Activity -PercentComplete ([Math]::Min(100, $percent))
}

# JSON string literal: quotes, backslashes and control characters escaped.
function ConvertTo-JsonString($Value) {
    if ($null -eq $Value) { return 'null' }
    $s = [string]$Value
    $sb = New-Object System.Text.StringBuilder
    [void]$sb.Append('"')
    foreach ($c in $s.ToCharArray()) {
        $code = [int]$c
        if ($c -eq '"') { [void]$sb.Append('\"') }
        elseif ($c -eq '\') { [void]$sb.Append('\\') }
        elseif ($code -eq 10) { [void]$sb.Append('\n') }
        elseif ($code -eq 13) { [void]$sb.Append('\r') }
        elseif ($code -eq 9) { [void]$sb.Append('\t') }
        elseif ($code -lt 32) { [void]$sb.Append(('\u{0:x4}' -f $code)) }
        else { [void]$sb.Append($c) }
    }
    [void]$sb.Append('"')
    return $sb.ToString()
}

# A JSON value from a PowerShell value: $null, bool, number, string, array, hashtable.
# Hashtables keep the order of $Keys when given as a special '__order' entry.
function ConvertTo-JsonValue($Value, [int]$Indent = 0) {
    $pad = '  ' * $Indent
    $inner = '  ' * ($Indent + 1)
    if ($null -eq $Value) { return 'null' }
    if ($Value -is [bool]) { if ($Value) { return 'true' } else { return 'false' } }
    if ($Value -is [int] -or $Value -is [long] -or $Value -is [double] -or $Value -is [int64] -or $Value -is [uint32]) {
        return ([string]::Format([Globalization.CultureInfo]::InvariantCulture, '{0}', $Value))
    }
    if ($Value -is [string]) { return (ConvertTo-JsonString $Value) }
    if ($Value -is [System.Collections.IDictionary]) {
        $keys = @()
        if ($Value.Contains('__order')) { $keys = $Value['__order'] } else { $keys = @($Value.Keys) }
        if ($keys.Count -eq 0) { return '{}' }
        $parts = @()
        foreach ($k in $keys) {
            $parts += ($inner + (ConvertTo-JsonString $k) + ': ' + (ConvertTo-JsonValue $Value[$k] ($Indent + 1)))
        }
        return ("{`r`n" + ($parts -join ",`r`n") + "`r`n" + $pad + '}')
    }
    if ($Value -is [System.Collections.IEnumerable]) {
        $items = @($Value)
        if ($items.Count -eq 0) { return '[]' }
        $parts = @()
        foreach ($item in $items) { $parts += ($inner + (ConvertTo-JsonValue $item ($Indent + 1))) }
        return ("[`r`n" + ($parts -join ",`r`n") + "`r`n" + $pad + ']')
    }
    return (ConvertTo-JsonString ([string]$Value))
}

# An ordered object for ConvertTo-JsonValue: New-Object hashtable plus the key order
# (PowerShell 2.0 has no [ordered]).
function New-JsonObject([object[]]$Pairs) {
    $h = @{}
    $order = @()
    for ($i = 0; $i -lt $Pairs.Count; $i += 2) {
        $h[$Pairs[$i]] = $Pairs[$i + 1]
        $order += $Pairs[$i]
    }
    $h['__order'] = $order
    return $h
}

# SHA-256 of a file, or $null: never the reason a step fails. The CNG/CryptoAPI class first
# (SHA256Managed, what SHA256.Create() gives on older .NET, refuses to run where FIPS mode
# is enforced).
$script:Sha256Csp = $null
function Get-Sha256([string]$Path) {
    try {
        # Decided once: whether System.Core's CryptoServiceProvider class loads here.
        if ($null -eq $script:Sha256Csp) {
            $script:Sha256Csp = $false
            try {
                Add-Type -AssemblyName System.Core -ErrorAction Stop
                [void](New-Object System.Security.Cryptography.SHA256CryptoServiceProvider)
                $script:Sha256Csp = $true
            } catch { }
        }
        if ($script:Sha256Csp) {
            $sha = New-Object System.Security.Cryptography.SHA256CryptoServiceProvider
        } else {
            $sha = [System.Security.Cryptography.SHA256]::Create()
        }
        $stream = [System.IO.File]::OpenRead($Path)
        try {
            $bytes = $sha.ComputeHash($stream)
        } finally {
            $stream.Close()
        }
        return (-join ($bytes | ForEach-Object { $_.ToString('x2') }))
    } catch {
        return $null
    }
}

# WMI: Get-WmiObject on Windows PowerShell, Get-CimInstance where it exists (PowerShell 7
# has no Get-WmiObject).
function Get-WmiInstance([string]$Class, [string]$Filter) {
    if ($PSVersionTable.PSVersion.Major -ge 3) {
        if ($Filter) { return Get-CimInstance -ClassName $Class -Filter $Filter -ErrorAction SilentlyContinue }
        return Get-CimInstance -ClassName $Class -ErrorAction SilentlyContinue
    } else {
        if ($Filter) { return Get-WmiObject -Class $Class -Filter $Filter -ErrorAction SilentlyContinue }
        return Get-WmiObject -Class $Class -ErrorAction SilentlyContinue
    }
}

function Get-IsoNow {
    return (Get-Date).ToString('yyyy-MM-ddTHH:mm:ss.fffzzz', [Globalization.CultureInfo]::InvariantCulture)
}

# Records one step in the manifest: its outcome, and size and sha256 of what it wrote.
function Add-Step([string]$Id, [string]$Artifact, [string]$Command, [string]$Status,
                  $ExitCode, [long]$Milliseconds, [string]$ErrorText, [hashtable]$Extra) {
    $pairs = @('id', $Id)
    if ($Extra) { foreach ($k in $Extra.Keys) { $pairs += @($k, $Extra[$k]) } }
    $pairs += @('command', $Command, 'status', $Status)
    $full = $null
    if ($Artifact) { $full = Join-Path $script:Work ($Artifact -replace '/', '\') }
    if ($Artifact -and $Status -eq 'ok' -and (Test-Path -LiteralPath $full)) {
        $pairs = @('id', $Id, 'artifact', $Artifact) + $pairs[2..($pairs.Count - 1)]
        $pairs += @('size', [long](Get-Item -LiteralPath $full).Length, 'sha256', (Get-Sha256 $full))
    }
    if ($null -ne $ExitCode) { $pairs += @('exit_code', [int]$ExitCode) }
    $pairs += @('duration_ms', [long]$Milliseconds)
    if ($ErrorText) { $pairs += @('error', $ErrorText.Trim()) }
    [void]$script:Steps.Add((New-JsonObject $pairs))
}

# Runs a console program with a time limit. Output goes through cmd's redirection to a
# file in the OEM code page, and is saved again as UTF-16LE. Returns exit code and text.
function Invoke-Console([string]$CommandLine, [int]$TimeoutSeconds) {
    $tmp = [System.IO.Path]::GetTempFileName()
    $psi = New-Object System.Diagnostics.ProcessStartInfo
    $psi.FileName = Join-Path $env:SystemRoot 'System32\cmd.exe'
    $psi.Arguments = '/d /c "' + $CommandLine + ' > "' + $tmp + '" 2>&1"'
    $psi.UseShellExecute = $false
    $psi.CreateNoWindow = $true
    $p = [System.Diagnostics.Process]::Start($psi)
    $finished = $p.WaitForExit($TimeoutSeconds * 1000)
    if (-not $finished) {
        try { & taskkill.exe /T /F /PID $p.Id 2>&1 | Out-Null } catch { }
        Remove-Item -LiteralPath $tmp -ErrorAction SilentlyContinue
        return @{ TimedOut = $true; ExitCode = $null; Text = '' }
    }
    $bytes = [System.IO.File]::ReadAllBytes($tmp)
    Remove-Item -LiteralPath $tmp -ErrorAction SilentlyContinue
    # The console's OEM code page (PowerShell 7 may lack the legacy code pages: then the
    # console's own encoding).
    $oem = [Console]::OutputEncoding
    try { $oem = [System.Text.Encoding]::GetEncoding($script:OemCodePage) } catch { }
    return @{ TimedOut = $false; ExitCode = $p.ExitCode; Text = $oem.GetString($bytes) }
}

# True when the collection is past its time limit: the step is recorded as skipped.
function Test-OutOfTime([string]$Id, [string]$Command, [hashtable]$Extra) {
    if (((Get-Date) - $script:StartedAt).TotalSeconds -lt $CollectionTimeout) { return $false }
    Add-Step $Id $null $Command 'skipped' $null 0 "the collection reached its time limit of $CollectionTimeout s" $Extra
    return $true
}

function Save-Text([string]$Artifact, [string]$Text) {
    $full = Join-Path $script:Work ($Artifact -replace '/', '\')
    $dir = Split-Path -Parent $full
    if (-not (Test-Path -LiteralPath $dir)) { [void](New-Item -ItemType Directory -Path $dir -Force) }
    # UTF-16LE with BOM, as Out-File writes it.
    [System.IO.File]::WriteAllText($full, $Text, [System.Text.Encoding]::Unicode)
}

function Save-Json([string]$Artifact, $Value) {
    $full = Join-Path $script:Work ($Artifact -replace '/', '\')
    $dir = Split-Path -Parent $full
    if (-not (Test-Path -LiteralPath $dir)) { [void](New-Item -ItemType Directory -Path $dir -Force) }
    $text = (ConvertTo-JsonValue $Value 0) + "`r`n"
    # UTF-8 without BOM.
    [System.IO.File]::WriteAllText($full, $text, (New-Object System.Text.UTF8Encoding($false)))
}

# ---------------------------------------------------------------------------------------
# Steps

function Export-Registry($Entry) {
    $id, $artifact, $kind, $key = $Entry
    Write-Progress-Step "Settings: $key"
    $watch = [System.Diagnostics.Stopwatch]::StartNew()
    $full = Join-Path $script:Work ($artifact -replace '/', '\')
    $dir = Split-Path -Parent $full
    if (-not (Test-Path -LiteralPath $dir)) { [void](New-Item -ItemType Directory -Path $dir -Force) }
    $command = "reg export `"$key`" `"$artifact`" /y"
    if (Test-OutOfTime $id $command @{ 'registry_key' = $key }) { return }
    try {
        # reg.exe writes the file itself: UTF-16LE with BOM, long values wrapped.
        $r = Invoke-Console ("reg.exe export `"$key`" `"$full`" /y") $CommandTimeout
        $extra = @{ 'registry_key' = $key }
        if ($r.TimedOut) {
            Add-Step $id $null $command 'timeout' $null $watch.ElapsedMilliseconds "no answer in $CommandTimeout s" $extra
        } elseif ($r.ExitCode -eq 0 -and (Test-Path -LiteralPath $full)) {
            Add-Step $id $artifact $command 'ok' 0 $watch.ElapsedMilliseconds $null $extra
        } elseif (-not (Test-Path -LiteralPath ('Registry::' + ($key -replace '^HKLM\\', 'HKEY_LOCAL_MACHINE\' -replace '^HKCU\\', 'HKEY_CURRENT_USER\')))) {
            # The key does not exist on this PC: an answer, not a failure.
            Add-Step $id $null $command 'absent' $r.ExitCode $watch.ElapsedMilliseconds $r.Text $extra
        } else {
            # It exists but could not be exported (access denied to a subkey, ...).
            Add-Step $id $null $command 'failed' $r.ExitCode $watch.ElapsedMilliseconds $r.Text $extra
        }
    } catch {
        Add-Step $id $null $command 'failed' $null $watch.ElapsedMilliseconds $_.Exception.Message @{ 'registry_key' = $key }
    }
}

function Invoke-CommandStep($Entry) {
    $id, $artifact, $kind, $command = $Entry
    Write-Progress-Step $command
    $watch = [System.Diagnostics.Stopwatch]::StartNew()
    if (Test-OutOfTime $id $command $null) { return }
    try {
        $exe = ($command -split ' ')[0]
        if ($exe -eq 'dsregcmd' -and -not (Test-Path (Join-Path $env:SystemRoot 'System32\dsregcmd.exe'))) {
            Add-Step $id $null $command 'absent' $null $watch.ElapsedMilliseconds 'dsregcmd does not exist before Windows 10' $null
            return
        }
        $r = Invoke-Console $command $CommandTimeout
        if ($r.TimedOut) {
            Add-Step $id $null $command 'timeout' $null $watch.ElapsedMilliseconds "no answer in $CommandTimeout s" $null
            return
        }
        if ($kind -eq 'netsh-winhttp-advproxy' -and -not $r.Text.Contains('{')) {
            # Before Windows 11, netsh has no "show advproxy".
            Add-Step $id $null $command 'absent' $r.ExitCode $watch.ElapsedMilliseconds $r.Text $null
            return
        }
        Save-Text $artifact $r.Text
        # sc answers 1060 for a service that does not exist: the output is the answer.
        Add-Step $id $artifact $command 'ok' $r.ExitCode $watch.ElapsedMilliseconds $null $null
    } catch {
        Add-Step $id $null $command 'failed' $null $watch.ElapsedMilliseconds $_.Exception.Message $null
    }
}

function Get-ServicesDocument {
    $modes = @{ 'Boot' = 0; 'System' = 1; 'Auto' = 2; 'Manual' = 3; 'Disabled' = 4 }
    $items = @()
    foreach ($name in $Services) {
        $svc = Get-Service -Name $name -ErrorAction SilentlyContinue
        if ($null -eq $svc) { continue }
        $start = $null
        $wmi = Get-WmiInstance 'Win32_Service' ("Name='" + $name + "'")
        if ($wmi -and $modes.ContainsKey([string]$wmi.StartMode)) { $start = $modes[[string]$wmi.StartMode] }
        $items += (New-JsonObject @('Name', $svc.Name, 'DisplayName', $svc.DisplayName,
                                    'Status', [int]$svc.Status, 'StartType', $start))
    }
    return ,$items
}

function Get-UpdatesDocument {
    $items = @()
    foreach ($fix in @(Get-HotFix -ErrorAction SilentlyContinue)) {
        $on = $null
        # InstalledOn is a DateTime when Windows recorded one; ISO dates read everywhere.
        try { if ($fix.InstalledOn) { $on = ([datetime]$fix.InstalledOn).ToString('yyyy-MM-dd', [Globalization.CultureInfo]::InvariantCulture) } } catch { }
        $items += (New-JsonObject @('HotFixID', [string]$fix.HotFixID, 'Description', [string]$fix.Description,
                                    'InstalledBy', [string]$fix.InstalledBy, 'InstalledOn', $on))
    }
    return ,$items
}

# Names, sizes and dates of the files in Office's licence folders (never their contents).
function Get-LicensesDocument {
    $folders = @(
        (Join-Path $env:LOCALAPPDATA 'Microsoft\Office\Licenses'),
        (Join-Path $env:LOCALAPPDATA 'Microsoft\Office\16.0\Licensing'),
        (Join-Path $env:ProgramData 'Microsoft\Office\Licenses')
    )
    $out = @()
    foreach ($folder in $folders) {
        $exists = Test-Path -LiteralPath $folder
        $files = @()
        if ($exists) {
            foreach ($f in @(Get-ChildItem -LiteralPath $folder -Recurse -Force -ErrorAction SilentlyContinue | Where-Object { -not $_.PSIsContainer })) {
                $relative = $f.FullName.Substring($folder.Length).TrimStart('\')
                $files += (New-JsonObject @('name', $relative, 'size', [long]$f.Length,
                    'modified', $f.LastWriteTime.ToString('yyyy-MM-ddTHH:mm:sszzz', [Globalization.CultureInfo]::InvariantCulture)))
            }
        }
        $out += (New-JsonObject @('path', $folder, 'exists', [bool]$exists, 'files', $files))
    }
    return (New-JsonObject @('schema', 'caadoctor.licenses/1', 'folders', $out))
}

function Invoke-DocumentStep($Entry, [scriptblock]$Build) {
    $id, $artifact, $kind, $command = $Entry
    Write-Progress-Step $command
    $watch = [System.Diagnostics.Stopwatch]::StartNew()
    try {
        Save-Json $artifact (& $Build)
        Add-Step $id $artifact $command 'ok' $null $watch.ElapsedMilliseconds $null $null
    } catch {
        Add-Step $id $null $command 'failed' $null $watch.ElapsedMilliseconds $_.Exception.Message $null
    }
}

function Export-EventLog($Entry) {
    $id, $artifact, $kind, $channel = $Entry
    Write-Progress-Step "Event log: $channel"
    $watch = [System.Diagnostics.Stopwatch]::StartNew()
    $full = Join-Path $script:Work ($artifact -replace '/', '\')
    $dir = Split-Path -Parent $full
    if (-not (Test-Path -LiteralPath $dir)) { [void](New-Item -ItemType Directory -Path $dir -Force) }
    $ms = [long]$Days * 86400000
    $query = "*[System[TimeCreated[timediff(@SystemTime) <= $ms]]]"
    $command = "wevtutil epl `"$channel`" `"$artifact`" /q:`"$query`" /ow:true"
    $extra = @{ 'event_log' = $channel }
    if (Test-OutOfTime $id $command $extra) { return }
    try {
        $r = Invoke-Console ("wevtutil.exe epl `"$channel`" `"$full`" /q:`"$query`" /ow:true") $CommandTimeout
        if ($r.TimedOut) {
            Add-Step $id $null $command 'timeout' $null $watch.ElapsedMilliseconds "no answer in $CommandTimeout s" $extra
        } elseif ($r.ExitCode -eq 0 -and (Test-Path -LiteralPath $full)) {
            Add-Step $id $artifact $command 'ok' 0 $watch.ElapsedMilliseconds $null $extra
        } elseif ($r.ExitCode -eq 15007) {
            # The channel does not exist on this Windows (no AAD log before Windows 10).
            Add-Step $id $null $command 'absent' $r.ExitCode $watch.ElapsedMilliseconds $r.Text $extra
        } else {
            Add-Step $id $null $command 'failed' $r.ExitCode $watch.ElapsedMilliseconds $r.Text $extra
        }
    } catch {
        Add-Step $id $null $command 'failed' $null $watch.ElapsedMilliseconds $_.Exception.Message $extra
    }
}

# WinHTTP's default proxy (what `netsh winhttp show proxy` shows and what the
# WinHttpRequest probes go through): 'direct', the proxy list, or $null if it cannot be read.
function Get-WinHttpProxy {
    try {
        if (-not ('CaadoctorWinHttp' -as [type])) {
            Add-Type -TypeDefinition @'
using System;
using System.Runtime.InteropServices;
public static class CaadoctorWinHttp {
    [StructLayout(LayoutKind.Sequential)]
    struct ProxyInfo { public uint AccessType; public IntPtr Proxy; public IntPtr Bypass; }
    [DllImport("winhttp.dll", SetLastError = true)]
    static extern bool WinHttpGetDefaultProxyConfiguration(ref ProxyInfo info);
    [DllImport("kernel32.dll")]
    static extern IntPtr GlobalFree(IntPtr mem);
    public static string DefaultProxy() {
        ProxyInfo info = new ProxyInfo();
        if (!WinHttpGetDefaultProxyConfiguration(ref info)) { return null; }
        string proxy = info.Proxy == IntPtr.Zero ? null : Marshal.PtrToStringUni(info.Proxy);
        if (info.Proxy != IntPtr.Zero) { GlobalFree(info.Proxy); }
        if (info.Bypass != IntPtr.Zero) { GlobalFree(info.Bypass); }
        return (info.AccessType == 3 && !String.IsNullOrEmpty(proxy)) ? proxy : "direct";
    }
}
'@
        }
        return [CaadoctorWinHttp]::DefaultProxy()
    } catch {
        return $null
    }
}

# One endpoint: DNS (both families), TCP per family, HTTPS through WinHTTP (activation's
# stack) and through WinINet (the browser's). Runs in its own runspace.
$ProbeScript = {
    param([string]$Url, $WinHttpProxy)
    $ErrorActionPreference = 'Continue'
    function Now-Utc { [DateTime]::UtcNow.ToString('yyyy-MM-ddTHH:mm:ss.fffZ', [Globalization.CultureInfo]::InvariantCulture) }
    $uri = New-Object System.Uri($Url)
    $result = @{ 'url' = $Url; 'host' = $uri.Host }
    $dns = @{ 'ok' = $false; 'ipv4' = @(); 'ipv6' = @(); 'error' = $null; 'ms' = $null }
    $watch = [System.Diagnostics.Stopwatch]::StartNew()
    try {
        foreach ($a in [System.Net.Dns]::GetHostAddresses($uri.Host)) {
            if ($a.AddressFamily -eq [System.Net.Sockets.AddressFamily]::InterNetworkV6) { $dns['ipv6'] += $a.ToString() }
            else { $dns['ipv4'] += $a.ToString() }
        }
        $dns['ok'] = $true
    } catch {
        $dns['error'] = $_.Exception.InnerException.Message
        if (-not $dns['error']) { $dns['error'] = $_.Exception.Message }
    }
    $dns['ms'] = [long]$watch.ElapsedMilliseconds
    $result['dns'] = $dns
    $tcp = @()
    foreach ($family in @('ipv4', 'ipv6')) {
        $list = @($dns[$family])
        if ($list.Count -eq 0) { continue }
        $address = $list[0]
        $t = @{ 'family' = $family; 'address' = $address; 'port' = $uri.Port; 'ok' = $false; 'ms' = $null; 'error' = $null }
        $watch = [System.Diagnostics.Stopwatch]::StartNew()
        $client = $null
        try {
            $af = [System.Net.Sockets.AddressFamily]::InterNetwork
            if ($family -eq 'ipv6') { $af = [System.Net.Sockets.AddressFamily]::InterNetworkV6 }
            $client = New-Object System.Net.Sockets.TcpClient($af)
            $async = $client.BeginConnect([System.Net.IPAddress]::Parse($address), $uri.Port, $null, $null)
            if ($async.AsyncWaitHandle.WaitOne(10000, $false)) {
                $client.EndConnect($async)
                $t['ok'] = $true
            } else {
                $t['error'] = 'timeout'
            }
        } catch {
            $t['error'] = $_.Exception.InnerException.Message
            if (-not $t['error']) { $t['error'] = $_.Exception.Message }
        } finally {
            if ($client) { $client.Close() }
        }
        $t['ms'] = [long]$watch.ElapsedMilliseconds
        $tcp += $t
    }
    $result['tcp'] = $tcp
    foreach ($stack in @('winhttp', 'wininet')) {
        $h = @{ 'status' = $null; 'error_code' = $null; 'error' = $null; 'proxy' = $null; 'ms' = $null; 'date' = $null; 'local_time_utc' = $null }
        $watch = [System.Diagnostics.Stopwatch]::StartNew()
        try {
            if ($stack -eq 'winhttp') {
                $req = New-Object -ComObject 'WinHttp.WinHttpRequest.5.1'
                $req.SetTimeouts(10000, 10000, 15000, 15000)
                $h['proxy'] = $WinHttpProxy
            } else {
                $req = New-Object -ComObject 'MSXML2.XMLHTTP'
                try {
                    $p = [System.Net.WebRequest]::GetSystemWebProxy().GetProxy($uri)
                    if ($p -and $p.AbsoluteUri -ne $uri.AbsoluteUri) { $h['proxy'] = $p.Authority } else { $h['proxy'] = 'direct' }
                } catch { }
            }
            $req.Open('GET', $Url, $false)
            $req.Send()
            $h['status'] = [int]$req.Status
            $h['local_time_utc'] = Now-Utc
            try { $h['date'] = [string]$req.GetResponseHeader('Date') } catch { }
        } catch {
            $e = $_.Exception
            while ($e.InnerException) { $e = $e.InnerException }
            # A COM error's HRESULT; .NET 4.5+ exceptions also show theirs (on .NET 2.0 the
            # property is not public: then there is none).
            $code = $null
            if ($e -is [System.Runtime.InteropServices.COMException]) { $code = $e.ErrorCode }
            elseif ($null -ne $e.HResult) { $code = $e.HResult }
            if ($null -ne $code) { $h['error_code'] = [int]$code }
            $h['error'] = $e.Message.Trim()
        }
        $h['ms'] = [long]$watch.ElapsedMilliseconds
        $result[$stack] = $h
    }
    return $result
}

# Probes every endpoint at once in a runspace pool (PowerShell 2.0 has runspaces; 20 hosts
# take seconds, not minutes), with one deadline for all.
function Invoke-Probes {
    $pool = [System.Management.Automation.Runspaces.RunspaceFactory]::CreateRunspacePool(1, 10)
    $pool.ApartmentState = [System.Threading.ApartmentState]::STA
    $pool.Open()
    $jobs = @()
    $winHttpProxy = Get-WinHttpProxy
    foreach ($url in $ProbeUrls) {
        $ps = [System.Management.Automation.PowerShell]::Create()
        $ps.RunspacePool = $pool
        [void]$ps.AddScript($ProbeScript).AddArgument($url).AddArgument($winHttpProxy)
        $jobs += @{ 'Url' = $url; 'Shell' = $ps; 'Handle' = $ps.BeginInvoke() }
    }
    $deadline = (Get-Date).AddSeconds($ProbeTimeout)
    $results = @()
    $done = 0
    foreach ($job in $jobs) {
        Write-Progress -Activity 'Testing the connection to Microsoft' -Status $job['Url'] -PercentComplete ([int](100 * $done / $jobs.Count))
        $left = [Math]::Max(0, [int]($deadline - (Get-Date)).TotalMilliseconds)
        if ($job['Handle'].IsCompleted -or $job['Handle'].AsyncWaitHandle.WaitOne($left, $false)) {
            $out = $job['Shell'].EndInvoke($job['Handle'])
            if ($out.Count -gt 0) {
                $r = $out[0]
                $results += (New-JsonObject @('url', $r['url'], 'host', $r['host'], 'dns', $r['dns'],
                    'tcp', $r['tcp'], 'winhttp', $r['winhttp'], 'wininet', $r['wininet']))
            }
        } else {
            # Still inside a COM call that cannot be interrupted: left behind (Stop and
            # Dispose would wait for it); it ends with the process.
            $results += (New-JsonObject @('url', $job['Url'], 'host', ([uri]$job['Url']).Host,
                'error', "no answer in $ProbeTimeout s"))
            $job['Stuck'] = $true
        }
        if (-not $job.ContainsKey('Stuck')) { $job['Shell'].Dispose() }
        $done++
    }
    # Closing waits for running pipelines: close in the background.
    [void]$pool.BeginClose($null, $null)
    return (New-JsonObject @('schema', 'caadoctor.probes/1', 'started', $script:Started, 'results', $results))
}

# The zip: .NET 4.5's ZipArchive with '/' in entry names, else Windows' compressed folders,
# else the folder stays and the user is told to zip it.
function New-SnapshotZip([string]$Folder, [string]$Zip) {
    $Folder = (Get-Item -LiteralPath $Folder).FullName
    $top = Split-Path -Leaf $Folder
    try {
        Add-Type -AssemblyName System.IO.Compression -ErrorAction Stop
        Add-Type -AssemblyName System.IO.Compression.FileSystem -ErrorAction Stop
        $archive = [System.IO.Compression.ZipFile]::Open($Zip, [System.IO.Compression.ZipArchiveMode]::Create)
        try {
            foreach ($f in @(Get-ChildItem -LiteralPath $Folder -Recurse -Force | Where-Object { -not $_.PSIsContainer })) {
                $name = $top + '/' + ($f.FullName.Substring($Folder.Length).TrimStart('\') -replace '\\', '/')
                [void][System.IO.Compression.ZipFileExtensions]::CreateEntryFromFile($archive, $f.FullName, $name)
            }
        } finally {
            $archive.Dispose()
        }
        return 'zip'
    } catch {
        Remove-Item -LiteralPath $Zip -ErrorAction SilentlyContinue
    }
    try {
        # An empty zip, then the Shell copies the folder in (asynchronously: wait for it).
        [System.IO.File]::WriteAllBytes($Zip, [byte[]](80, 75, 5, 6, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0))
        $shell = New-Object -ComObject Shell.Application
        $target = $shell.NameSpace($Zip)
        $target.CopyHere($Folder, 0x14)
        # The copy runs in this process and opens the zip file by file: done when the zip
        # has its folder and stays closed for three seconds in a row.
        $until = (Get-Date).AddSeconds(120)
        $quiet = 0
        while ((Get-Date) -lt $until) {
            Start-Sleep -Milliseconds 500
            $closed = $false
            if ($target.Items().Count -ge 1) {
                try { $s = [System.IO.File]::Open($Zip, 'Open', 'Read', 'None'); $s.Close(); $closed = $true } catch { }
            }
            if ($closed) { $quiet++ } else { $quiet = 0 }
            if ($quiet -ge 6) { return 'shell' }
        }
    } catch { }
    Remove-Item -LiteralPath $Zip -ErrorAction SilentlyContinue
    return $null
}

# ---------------------------------------------------------------------------------------
# Main

$script:Started = Get-IsoNow
$script:StartedAt = Get-Date
$startedAt = $script:StartedAt
$hostName = $env:COMPUTERNAME
$stamp = $startedAt.ToString('yyyyMMdd-HHmmss', [Globalization.CultureInfo]::InvariantCulture)
$name = "caadoctor-$hostName-$stamp"
if (-not $OutputPath) { $OutputPath = [Environment]::GetFolderPath('Desktop') }
if (-not $OutputPath -or -not (Test-Path -LiteralPath $OutputPath)) { $OutputPath = $env:TEMP }
$script:Work = Join-Path $env:TEMP $name
[void](New-Item -ItemType Directory -Path $script:Work -Force)
# TEMP may be a short 8.3 path (C:\Users\ADMINI~1\...): file names found under it come back
# long, so the folder's own name must be the long one too.
$script:Work = (Get-Item -LiteralPath $script:Work).FullName

$script:OemCodePage = [int][Console]::OutputEncoding.CodePage
try {
    $chcp = (& cmd.exe /d /c chcp) -replace '[^0-9]', ''
    if ($chcp) { $script:OemCodePage = [int]$chcp }
} catch { }
# The system's ANSI code page (on PowerShell 7, [Text.Encoding]::Default is UTF-8).
$ansiCodePage = [int][System.Text.Encoding]::Default.CodePage
try {
    $nls = Get-ItemProperty -LiteralPath 'HKLM:\SYSTEM\CurrentControlSet\Control\Nls\CodePage' -ErrorAction Stop
    if ($nls.ACP -match '^[0-9]+$') { $ansiCodePage = [int]$nls.ACP }
} catch { }

$identity = [System.Security.Principal.WindowsIdentity]::GetCurrent()
$elevated = (New-Object System.Security.Principal.WindowsPrincipal($identity)).IsInRole([System.Security.Principal.WindowsBuiltInRole]::Administrator)

Write-Host ''
Write-Host 'caadoctor: collecting information for Microsoft 365 activation support' -ForegroundColor Cyan
Write-Host ''
Write-Host 'This reads Windows and Office settings, the state of four network services, the'
Write-Host 'names of stored sign-in entries, recent event logs, and tests the connection to'
Write-Host 'Microsoft''s sign-in addresses. No passwords, tokens or documents are collected, and'
Write-Host 'nothing on this PC is changed. It takes about a minute.'
Write-Host ''
if ($elevated) {
    Write-Host 'Note: this window runs as administrator. Settings of your own account (HKCU) are' -ForegroundColor Yellow
    Write-Host 'then the administrator''s; if you can, run it again without "Run as administrator".' -ForegroundColor Yellow
    Write-Host ''
}

foreach ($e in $RegistryExports) { Export-Registry $e }
foreach ($c in $Commands) { Invoke-CommandStep $c }
Invoke-DocumentStep $Documents[0] { Get-ServicesDocument }
Invoke-DocumentStep $Documents[1] { Get-UpdatesDocument }
Invoke-DocumentStep $Documents[2] { Get-LicensesDocument }
foreach ($l in $EventLogs) { Export-EventLog $l }
if ($NoProbes) {
    Add-Step $Documents[3][0] $null $Documents[3][3] 'skipped' $null 0 'the -NoProbes switch was given' $null
} else {
    Write-Progress-Step 'Testing the connection to Microsoft'
    Invoke-DocumentStep $Documents[3] { Invoke-Probes }
}
Write-Progress -Activity 'Collecting information for support' -Completed

$os = $null
try { $os = Get-WmiInstance 'Win32_OperatingSystem' '' } catch { }
$osObject = New-JsonObject @('caption', $(if ($os) { [string]$os.Caption } else { $null }),
                             'version', $(if ($os) { [string]$os.Version } else { $null }))
$manifest = New-JsonObject @(
    'schema', 'caadoctor.manifest/1',
    'collector', (New-JsonObject @('name', $CollectorName, 'version', $CollectorVersion)),
    'started', $script:Started,
    'finished', (Get-IsoNow),
    'host', $hostName,
    'user', ($env:USERDOMAIN + '\' + $env:USERNAME),
    'elevated', [bool]$elevated,
    'os', $osObject,
    'powershell', $PSVersionTable.PSVersion.ToString(),
    'codepages', (New-JsonObject @('oem', $script:OemCodePage, 'ansi', $ansiCodePage)),
    'options', (New-JsonObject @('days', $Days, 'probes', (-not $NoProbes))),
    'steps', $script:Steps
)
Save-Json 'manifest.json' $manifest

$zip = Join-Path $OutputPath ($name + '.zip')
$how = New-SnapshotZip $script:Work $zip
$failed = @($script:Steps | Where-Object { $_['status'] -eq 'failed' -or $_['status'] -eq 'timeout' }).Count
Write-Host ''
if ($how) {
    # After the Shell's copy the folder stays (a last file may still be in flight).
    if ($how -eq 'zip') { Remove-Item -LiteralPath $script:Work -Recurse -Force -ErrorAction SilentlyContinue }
    Write-Host 'Done. Please send this file to support:' -ForegroundColor Green
    Write-Host "  $zip"
    if ($failed -gt 0) { Write-Host "($failed of $($script:Steps.Count) steps could not collect their part; support will see which.)" }
    try { & explorer.exe "/select,`"$zip`"" } catch { }
} else {
    Write-Host 'Done, but this PC could not make a zip. Please zip this folder and send it to support:' -ForegroundColor Yellow
    Write-Host "  $($script:Work)"
    try { & explorer.exe $script:Work } catch { }
}
