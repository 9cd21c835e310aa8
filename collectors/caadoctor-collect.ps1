<#
.SYNOPSIS
    caadoctor collector: gathers what support needs to find why Microsoft 365 Apps cannot
    activate ("We are unable to connect right now", 0xCAA70007 / 0xCAA80000), into one zip.

.DESCRIPTION
    Reads settings (registry), the state of four Windows services, stored credential *names*
    (never passwords), event logs of the last days, and tests the connection to the
    Microsoft sign-in and activation addresses. Changes nothing on the PC. Writes
    caadoctor-<computer>-<date>.zip on the Desktop (else in Documents, else in the Temp
    folder); send that file to support.

    Runs on Windows 7 SP1 (PowerShell 2.0) to Windows 11 (PowerShell 5.1 and 7), without
    administrator rights, and in Constrained Language mode (AppLocker, WDAC) with what
    cmdlets and console programs can collect. Every step has a time limit and every group
    of steps a time budget; a step that fails or hangs is recorded in manifest.json and the
    collection goes on. The manifest is rewritten after every step and the zip is made
    whatever happened before. The format is docs/snapshot-format.md of caadoctor; the
    analyzer reads it with `caadoctor analyze <zip>`.

.PARAMETER OutputPath
    Folder for the zip (default: the Desktop, else Documents, else the Temp folder).

.PARAMETER Days
    How many days of event logs to collect (default 30).

.PARAMETER NoProbes
    Do not test the connection to Microsoft's addresses.

.PARAMETER Relaunched
    Set by the script itself when it restarts in 64-bit PowerShell; not for users.

.EXAMPLE
    powershell -NoProfile -ExecutionPolicy Bypass -File caadoctor-collect.ps1
#>
[CmdletBinding()]
param(
    [string]$OutputPath = '',
    [int]$Days = 30,
    [switch]$NoProbes,
    [switch]$Relaunched
)

Set-StrictMode -Version 2.0
$ErrorActionPreference = 'Continue'

$CollectorName = 'caadoctor-collect'
$CollectorVersion = '0.3.0'
$ScriptPath = $MyInvocation.MyCommand.Path

# ---------------------------------------------------------------------------------------
# Time. Each console program has a limit; each group of steps a budget (a step that would
# start past it is recorded as skipped); the probes run in the background while the
# registry, commands and documents are collected. The most this can take is
# $StartupReserve + eventlogs + $NativeTimeout + max($ProbeTimeout, registry + commands +
# documents) + $ZipTimeout, and the user is told $MaxMinutes: caadoctor's tests check that
# the sum fits.
$CommandTimeout = 45
$Budgets = @{ 'eventlogs' = 75; 'registry' = 40; 'commands' = 75; 'documents' = 40 }
$StartupReserve = 30
# Kept free at the end of a group's budget: stopping a program and removing what it wrote.
$StepReserve = 8
$NativeTimeout = 20
$ProbeTimeout = 90
$ZipTimeout = 60
$MaxMinutes = 6

# ---------------------------------------------------------------------------------------
# The contract: every artifact this script writes. docs/snapshot-format.md lists the same
# and caadoctor's tests check that both agree and that the analyzer reads each one.
# Columns: step id, artifact path, what it is (the analyzer's kind), what produces it.
# Event logs come first: they are the evidence of the failure itself.

$EventLogs = @(
    @('eventlog-oalerts', 'eventlogs/OAlerts.evtx', 'event-log', 'OAlerts'),
    @('eventlog-aad', 'eventlogs/Microsoft-Windows-AAD-Operational.evtx', 'event-log', 'Microsoft-Windows-AAD/Operational'),
    @('eventlog-ncsi', 'eventlogs/Microsoft-Windows-NCSI-Operational.evtx', 'event-log', 'Microsoft-Windows-NCSI/Operational'),
    @('eventlog-system', 'eventlogs/System.evtx', 'event-log', 'System'),
    @('eventlog-application', 'eventlogs/Application.evtx', 'event-log', 'Application')
)

# `reg export` writes a key with every subkey, and fails as a whole when one subkey is not
# readable by the user (EventLog\Security is not): keys whose own values are all the
# analyzer needs are read with `reg query` (kind reg-query), the others exported. An
# export that fails although its key exists falls back to `reg query` of the key's own
# values (registry/<name>-values.txt, recorded as the step's `fallback`).
$RegistryExports = @(
    @('reg-os-version', 'registry/os-version.txt', 'reg-query', 'HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion'),
    @('reg-environment', 'registry/environment.txt', 'reg-query', 'HKLM\SYSTEM\CurrentControlSet\Control\Session Manager\Environment'),
    @('reg-schannel', 'registry/schannel.reg', 'reg-export', 'HKLM\SYSTEM\CurrentControlSet\Control\SecurityProviders\SCHANNEL'),
    @('reg-internet-settings-hklm', 'registry/internet-settings-hklm.reg', 'reg-export', 'HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Internet Settings'),
    @('reg-internet-settings-hklm-wow64', 'registry/internet-settings-hklm-wow64.reg', 'reg-export', 'HKLM\SOFTWARE\WOW6432Node\Microsoft\Windows\CurrentVersion\Internet Settings'),
    @('reg-internet-settings-hkcu', 'registry/internet-settings-hkcu.reg', 'reg-export', 'HKCU\Software\Microsoft\Windows\CurrentVersion\Internet Settings'),
    @('reg-internet-settings-policy-hklm', 'registry/internet-settings-policy-hklm.reg', 'reg-export', 'HKLM\SOFTWARE\Policies\Microsoft\Windows\CurrentVersion\Internet Settings'),
    @('reg-internet-settings-policy-hkcu', 'registry/internet-settings-policy-hkcu.reg', 'reg-export', 'HKCU\SOFTWARE\Policies\Microsoft\Windows\CurrentVersion\Internet Settings'),
    @('reg-dotnet-crypto', 'registry/dotnet-crypto.txt', 'reg-query', 'HKLM\SOFTWARE\Microsoft\.NETFramework\v4.0.30319'),
    @('reg-dotnet-crypto-wow64', 'registry/dotnet-crypto-wow64.txt', 'reg-query', 'HKLM\SOFTWARE\WOW6432Node\Microsoft\.NETFramework\v4.0.30319'),
    @('reg-ncsi-policy', 'registry/ncsi-policy.reg', 'reg-export', 'HKLM\SOFTWARE\Policies\Microsoft\Windows\NetworkConnectivityStatusIndicator'),
    @('reg-tcpip6', 'registry/tcpip6.txt', 'reg-query', 'HKLM\SYSTEM\CurrentControlSet\Services\Tcpip6\Parameters'),
    @('reg-winsock2', 'registry/winsock2.txt', 'reg-query', 'HKLM\SYSTEM\CurrentControlSet\Services\WinSock2\Parameters'),
    @('reg-svc-nlasvc', 'registry/svc-nlasvc.reg', 'reg-export', 'HKLM\SYSTEM\CurrentControlSet\Services\NlaSvc'),
    @('reg-svc-netprofm', 'registry/svc-netprofm.txt', 'reg-query', 'HKLM\SYSTEM\CurrentControlSet\Services\netprofm'),
    @('reg-svc-eventlog', 'registry/svc-eventlog.txt', 'reg-query', 'HKLM\SYSTEM\CurrentControlSet\Services\EventLog'),
    @('reg-svc-ncdautosetup', 'registry/svc-ncdautosetup.txt', 'reg-query', 'HKLM\SYSTEM\CurrentControlSet\Services\NcdAutoSetup'),
    @('reg-office-c2r', 'registry/office-c2r.reg', 'reg-export', 'HKLM\SOFTWARE\Microsoft\Office\ClickToRun\Configuration'),
    @('reg-office-update-policy', 'registry/office-update-policy.reg', 'reg-export', 'HKLM\SOFTWARE\Policies\Microsoft\office\16.0\common\officeupdate'),
    @('reg-office-identity', 'registry/office-identity.reg', 'reg-export', 'HKCU\Software\Microsoft\Office\16.0\Common\Identity'),
    @('reg-office-licensing', 'registry/office-licensing.reg', 'reg-export', 'HKCU\Software\Microsoft\Office\16.0\Common\Licensing')
)

# Only one value of a key is read (`reg query KEY /v NAME`): the machine's environment
# variables can hold proxy URLs with passwords, and only the architecture is needed.
$QueryOneValue = @{ 'reg-environment' = 'PROCESSOR_ARCHITECTURE' }

# Values never written into the snapshot although reg query lists them: the encoded Windows
# product key and the registered owner's and organisation's names.
$DroppedValues = @{ 'reg-os-version' = @('DigitalProductId', 'DigitalProductId4', 'RegisteredOwner', 'RegisteredOrganization') }

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
    @('cmd-cmdkey', 'commands/cmdkey-list.txt', 'cmdkey-list', 'cmdkey /list'),
    @('cmd-netsh-winsock-catalog', 'commands/netsh-winsock-show-catalog.txt', 'netsh-winsock-catalog', 'netsh winsock show catalog'),
    @('cmd-ipconfig-all', 'commands/ipconfig-all.txt', 'ipconfig-all', 'ipconfig /all'),
    @('cmd-whoami-upn', 'commands/whoami-upn.txt', 'whoami-upn', 'whoami /upn'),
    @('cmd-dsregcmd', 'commands/dsregcmd-status.txt', 'dsregcmd', 'dsregcmd /status'),
    # Office's licence state, as Microsoft's reset procedure reads it (both read-only; they
    # print the licensed account's e-mail and tenant id).
    @('cmd-vnextdiag', 'commands/vnextdiag-list.txt', 'vnextdiag-list', 'vNextDiag.ps1 -action list'),
    @('cmd-ospp-dstatus', 'commands/ospp-dstatus.txt', 'ospp-dstatus', 'cscript //nologo OSPP.VBS /dstatus')
)

# Where Office keeps the two licence tools: 64-bit and 32-bit Office, Click-to-Run's root.
$OfficeFolders = @(
    (Join-Path $env:ProgramFiles 'Microsoft Office\Office16'),
    (Join-Path $env:ProgramFiles 'Microsoft Office\root\Office16')
)
if (${env:ProgramFiles(x86)}) {
    $OfficeFolders += @(
        (Join-Path ${env:ProgramFiles(x86)} 'Microsoft Office\Office16'),
        (Join-Path ${env:ProgramFiles(x86)} 'Microsoft Office\root\Office16')
    )
}

# Written by this script itself (JSON by hand: PowerShell 2.0 has no ConvertTo-Json).
$Documents = @(
    @('cmd-services-json', 'commands/services.json', 'services-json', 'Get-Service NlaSvc,netprofm,EventLog,NcdAutoSetup and Win32_Service StartMode'),
    @('cmd-installed-updates', 'commands/installed-updates.json', 'hotfix-list', 'Win32_QuickFixEngineering (what Get-HotFix reads)'),
    @('cmd-office-licenses', 'commands/office-licenses.json', 'office-licenses', 'licence folders: names, sizes, dates (not contents)'),
    @('probes', 'probes/connectivity.json', 'probe-results', 'DNS, TCP, WinHttp.WinHttpRequest.5.1 and WinINet for the article''s endpoints')
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
# Constrained Language mode (AppLocker or WDAC) refuses .NET types other than a few core
# ones, Add-Type and COM. Everything below that needs them runs only when
# $script:FullLanguage is true, and has a branch for the other case: caadoctor's tests
# check this on the script's syntax tree.
$script:FullLanguage = ($ExecutionContext.SessionState.LanguageMode -eq 'FullLanguage')

# ---------------------------------------------------------------------------------------
# JSON by hand (PowerShell 2.0 has no ConvertTo-Json), with core types only.

function ConvertTo-JsonString($Value) {
    if ($null -eq $Value) { return 'null' }
    $s = ([string]$Value).Replace('\', '\\').Replace('"', '\"')
    if ($s -match '[\x00-\x1f]') {
        $s = $s.Replace("`r", '\r').Replace("`n", '\n').Replace("`t", '\t')
        if ($s -match '[\x00-\x1f]') {
            $parts = foreach ($c in $s.ToCharArray()) {
                if ([int]$c -lt 32) { '\u{0:x4}' -f [int]$c } else { [string]$c }
            }
            $s = -join $parts
        }
    }
    return ('"' + $s + '"')
}

# A JSON value from $null, bool, number, string, array or hashtable. A hashtable's keys come
# in the order of its '__order' entry when it has one; one with a '__json' entry is that
# text, already converted.
function ConvertTo-JsonValue($Value, [int]$Indent) {
    $pad = '  ' * $Indent
    $inner = '  ' * ($Indent + 1)
    if ($null -eq $Value) { return 'null' }
    if ($Value -is [bool]) { if ($Value) { return 'true' } else { return 'false' } }
    if ($Value -is [int] -or $Value -is [long] -or $Value -is [double] -or $Value -is [decimal] -or $Value -is [uint32]) {
        return ([string]::Format([Globalization.CultureInfo]::InvariantCulture, '{0}', $Value))
    }
    if ($Value -is [string]) { return (ConvertTo-JsonString $Value) }
    if ($Value -is [hashtable] -and $Value.ContainsKey('__json')) { return $Value['__json'] }
    if ($Value -is [hashtable]) {
        $keys = @()
        if ($Value.ContainsKey('__order')) { $keys = @($Value['__order']) } else { $keys = @($Value.Keys) }
        $parts = @()
        foreach ($k in $keys) {
            if ($Value.ContainsKey($k)) {
                $parts += ($inner + (ConvertTo-JsonString $k) + ': ' + (ConvertTo-JsonValue $Value[$k] ($Indent + 1)))
            }
        }
        if ($parts.Count -eq 0) { return '{}' }
        return ("{`r`n" + ($parts -join ",`r`n") + "`r`n" + $pad + '}')
    }
    if ($Value -is [array]) {
        if ($Value.Count -eq 0) { return '[]' }
        $parts = @()
        foreach ($item in $Value) { $parts += ($inner + (ConvertTo-JsonValue $item ($Indent + 1))) }
        return ("[`r`n" + ($parts -join ",`r`n") + "`r`n" + $pad + ']')
    }
    return (ConvertTo-JsonString ([string]$Value))
}

# An ordered object for ConvertTo-JsonValue (PowerShell 2.0 has no [ordered]).
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

# ---------------------------------------------------------------------------------------
# Files. Everything is written inside the collector's own folders under %TEMP%: the
# snapshot folder (what is zipped) and a scratch folder beside it (console output before it
# is converted). Names are GUIDs, never GetTempFileName (which fails for good once %TEMP%
# holds 65,535 tmp*.tmp files).

function Get-IsoNow {
    return (Get-Date).ToString('yyyy-MM-ddTHH:mm:ss.fffzzz', [Globalization.CultureInfo]::InvariantCulture)
}

# Durations and deadlines in UTC: a daylight-saving change or a clock being set right (this
# tool's own subject) must not make a duration negative or a budget endless.
function Get-Now {
    return [DateTime]::UtcNow
}

function Get-Milliseconds($Since) {
    $ms = [long]((Get-Now) - $Since).TotalMilliseconds
    if ($ms -lt 0) { $ms = 0 }
    return $ms
}

function Get-WorkPath([string]$Artifact) {
    return (Join-Path $script:Work ($Artifact.Replace('/', '\')))
}

function New-ScratchFile([string]$Extension) {
    return (Join-Path $script:Scratch ([guid]::NewGuid().ToString() + $Extension))
}

function New-ParentFolder([string]$Path) {
    $dir = Split-Path -Parent $Path
    if (-not (Test-Path -LiteralPath $dir)) { [void](New-Item -ItemType Directory -Path $dir -Force -ErrorAction Stop) }
}

# UTF-16LE with BOM (what Out-File writes) or UTF-8.
function Write-TextFile([string]$Path, [string]$Text, [string]$Encoding) {
    New-ParentFolder $Path
    if ($script:FullLanguage) {
        if ($Encoding -eq 'utf8') { $enc = New-Object System.Text.UTF8Encoding($false) } else { $enc = [System.Text.Encoding]::Unicode }
        [System.IO.File]::WriteAllText($Path, $Text, $enc)
    } else {
        # Set-Content writes a BOM in UTF-8 too, and a final line end: both are read.
        if ($Encoding -eq 'utf8') { $name = 'UTF8' } else { $name = 'Unicode' }
        Set-Content -LiteralPath $Path -Value $Text -Encoding $name -ErrorAction Stop
    }
}

function Save-Json([string]$Path, $Value) {
    Write-TextFile $Path ((ConvertTo-JsonValue $Value 0) + "`r`n") 'utf8'
}

# SHA-256 of a file, or $null: never the reason a step fails. The CryptoAPI class first
# (SHA256Managed, what SHA256.Create() gives on older .NET, refuses to run where FIPS mode
# is enforced).
$script:Sha256Csp = $null
function Get-Sha256([string]$Path) {
    if ($script:FullLanguage) {
        try {
            if ($null -eq $script:Sha256Csp) {
                $script:Sha256Csp = $false
                try {
                    Add-Type -AssemblyName System.Core -ErrorAction Stop
                    [void](New-Object System.Security.Cryptography.SHA256CryptoServiceProvider)
                    $script:Sha256Csp = $true
                } catch { }
            }
            if ($script:Sha256Csp) { $sha = New-Object System.Security.Cryptography.SHA256CryptoServiceProvider }
            else { $sha = [System.Security.Cryptography.SHA256]::Create() }
            $stream = [System.IO.File]::OpenRead($Path)
            try { $bytes = $sha.ComputeHash($stream) } finally { $stream.Close() }
            return (-join ($bytes | ForEach-Object { $_.ToString('x2') }))
        } catch {
            return $null
        }
    } else {
        if ($PSVersionTable.PSVersion.Major -ge 4) {
            $hashErrors = $null
            $h = Get-FileHash -LiteralPath $Path -Algorithm SHA256 -ErrorAction SilentlyContinue -ErrorVariable hashErrors
            if ($h) { return $h.Hash.ToLower() }
        } else {
            return $null
        }
        return $null
    }
}

# A file a step did not finish must not look like a whole artifact (the analyzer reads every
# file by its content): removed, else renamed to *.partial (which the analyzer reports and
# does not read), else left out of the zip. Returns what was done.
function Remove-PartialFile([string]$Path) {
    if (-not (Test-Path -LiteralPath $Path)) { return $null }
    for ($try = 0; $try -lt 6; $try++) {
        $removeErrors = $null
        Remove-Item -LiteralPath $Path -Force -ErrorAction SilentlyContinue -ErrorVariable removeErrors
        if (-not (Test-Path -LiteralPath $Path)) { return 'removed' }
        Start-Sleep -Milliseconds 500
    }
    # Move-Item: PowerShell 2.0's Rename-Item has no -LiteralPath.
    $renameErrors = $null
    $newName = (Split-Path -Leaf $Path) + '.partial'
    Move-Item -LiteralPath $Path -Destination ($Path + '.partial') -Force -ErrorAction SilentlyContinue -ErrorVariable renameErrors
    if (-not (Test-Path -LiteralPath $Path)) { return ('renamed to ' + $newName) }
    $script:NotZipped += $Path
    return 'locked: left out of the zip'
}

# ---------------------------------------------------------------------------------------
# Steps and the manifest. Every step ends in Complete-Step, which records it, removes what a
# step that did not finish left behind, and rewrites manifest.json: closing the window at
# any moment leaves a folder that says what it holds.

$script:Steps = @()
$script:StepsJson = @()
# Files not to zip: those of steps that did not finish and could not be removed, and
# (listed in the manifest as `excluded`) files of finished steps a program still held.
$script:NotZipped = @()
$script:Excluded = @()
$script:StepNumber = 0
$script:StepTotal = $EventLogs.Count + $RegistryExports.Count + $Commands.Count + $Documents.Count

function Show-Progress([string]$Activity) {
    $script:StepNumber++
    $percent = [int](100 * $script:StepNumber / ($script:StepTotal + 1))
    if ($percent -gt 100) { $percent = 100 }
    Write-Progress -Activity 'Collecting information for support' -Status $Activity -PercentComplete $percent
}

# A step under way: id, the kind of artifact it writes (the analyzer's name), command, the
# file it writes (if any) and extra fields.
function New-Step([string]$Id, [string]$Kind, [string]$Command, [string]$File, [hashtable]$Extra) {
    return @{ 'Id' = $Id; 'Kind' = $Kind; 'Command' = $Command; 'File' = $File; 'Extra' = $Extra; 'Started' = (Get-Now) }
}

# Records how a step ended. $Fields: artifact, exit_code, error, partial (the artifact holds
# what a program printed before it was stopped), fallback and the kind it gave instead.
function Complete-Step([hashtable]$Step, [string]$Status, [hashtable]$Fields) {
    if ($null -eq $Fields) { $Fields = @{} }
    $artifact = $null
    if ($Fields.ContainsKey('artifact')) { $artifact = $Fields['artifact'] }
    $partial = $Fields.ContainsKey('partial') -and $Fields['partial']
    $partialFile = $null
    if ($Step['File'] -and $Status -ne 'ok' -and -not $partial) { $partialFile = Remove-PartialFile $Step['File'] }
    $pairs = @('id', $Step['Id'])
    $full = $null
    if ($artifact) {
        $full = Get-WorkPath $artifact
        if (Test-Path -LiteralPath $full) { $pairs += @('artifact', $artifact) } else { $full = $null }
    }
    $kind = $Step['Kind']
    if ($Fields.ContainsKey('kind')) { $kind = $Fields['kind'] }
    if ($kind) { $pairs += @('kind', $kind) }
    if ($Step['Extra']) { foreach ($k in $Step['Extra'].Keys) { $pairs += @($k, $Step['Extra'][$k]) } }
    $pairs += @('command', $Step['Command'], 'status', $Status)
    if ($partial) { $pairs += @('partial', $true) }
    if ($full) {
        $item = Get-Item -LiteralPath $full -ErrorAction SilentlyContinue -ErrorVariable itemErrors
        if ($item) { $pairs += @('size', [long]$item.Length) }
        $pairs += @('sha256', (Get-Sha256 $full))
    }
    if ($Fields.ContainsKey('exit_code') -and $null -ne $Fields['exit_code']) { $pairs += @('exit_code', [int]$Fields['exit_code']) }
    $pairs += @('duration_ms', (Get-Milliseconds $Step['Started']))
    if ($Fields.ContainsKey('error') -and $Fields['error']) { $pairs += @('error', ([string]$Fields['error']).Trim()) }
    if ($Fields.ContainsKey('fallback') -and $Fields['fallback']) { $pairs += @('fallback', $Fields['fallback']) }
    if ($partialFile) { $pairs += @('partial_file', $partialFile) }
    $record = New-JsonObject $pairs
    $script:Steps += $record
    # Written once: the manifest is rewritten after every step.
    $script:StepsJson += @{ '__json' = (ConvertTo-JsonValue $record 2) }
    Save-Manifest
}

# The manifest as JSON text: the collection's account of itself so far.
function Get-ManifestText {
        $manifest = New-JsonObject @(
            'schema', 'caadoctor.manifest/1',
            'collector', (New-JsonObject @('name', $CollectorName, 'version', $CollectorVersion)),
            'started', $script:Started,
            'finished', $script:Finished,
            'host', $env:COMPUTERNAME,
            'user', ($env:USERDOMAIN + '\' + $env:USERNAME),
            'elevated', $script:Elevated,
            'os', $script:OsInfo,
            'powershell', $PSVersionTable.PSVersion.ToString(),
            'language_mode', [string]$ExecutionContext.SessionState.LanguageMode,
            'process', $script:ProcessInfo,
            'codepages', (New-JsonObject @('oem', $script:OemCodePage, 'ansi', $script:AnsiCodePage)),
            'locale', $script:Locale,
            'user_hive', $script:UserHive,
            'options', (New-JsonObject @('days', $Days, 'probes', (-not $NoProbes))),
            'limits', (New-JsonObject @('command_s', $CommandTimeout, 'probes_s', $ProbeTimeout,
                'eventlogs_s', $Budgets['eventlogs'], 'registry_s', $Budgets['registry'],
                'commands_s', $Budgets['commands'], 'documents_s', $Budgets['documents'])),
            'excluded', @(foreach ($x in $script:Excluded) { $x.Substring($script:Work.Length).TrimStart('\').Replace('\', '/') }),
            'stopped', $script:Stopped,
            'steps', @($script:StepsJson)
        )
        return ((ConvertTo-JsonValue $manifest 0) + "`r`n")
}

function Save-Manifest {
    try {
        Write-TextFile (Join-Path $script:Work 'manifest.json') (Get-ManifestText) 'utf8'
    } catch {
        Write-Host ('Could not write manifest.json: ' + $_.Exception.Message) -ForegroundColor Yellow
    }
}

# Seconds a step may take now: its own limit, within what is left of its group's budget
# and of the whole collection, less the time stopping it and cleaning up may take. Under 2:
# the step is skipped.
function Get-StepSeconds([int]$Limit) {
    $s = [double]$Limit
    $groupLeft = $script:GroupBudget - ((Get-Now) - $script:GroupStarted).TotalSeconds - $StepReserve
    $allLeft = ($script:Deadline - (Get-Now)).TotalSeconds - $StepReserve
    if ($groupLeft -lt $s) { $s = $groupLeft }
    if ($allLeft -lt $s) { $s = $allLeft }
    $whole = [int]$s
    if ($whole -gt $s) { $whole = $whole - 1 }
    return $whole
}

function Get-BudgetMessage {
    return ('not started: the ' + $script:Group + ' steps used their time budget of ' + $script:GroupBudget + ' s')
}

# Runs one group of steps within its budget. Each step is isolated: whatever it throws is
# recorded as that step's failure and the next one runs.
function Invoke-Group([string]$Name, [object[]]$Entries, [string]$Function) {
    $script:Group = $Name
    $script:GroupBudget = $Budgets[$Name]
    $script:GroupStarted = Get-Now
    foreach ($entry in $Entries) {
        try {
            & $Function $entry
        } catch {
            # The file the step was writing, if any, is removed with the record of its failure.
            Complete-Step (New-Step $entry[0] $entry[2] $entry[3] (Get-WorkPath $entry[1]) $null) 'failed' @{ 'error' = $_.Exception.Message }
        }
    }
}

# ---------------------------------------------------------------------------------------
# Bounded work. Invoke-Bounded runs a self-contained script block in a runspace of its own
# and stops waiting at the deadline (a hung WMI provider or compiler is left behind and
# ends with this process). Constrained Language mode has no runspaces: callers have a
# branch for it.

function Invoke-Bounded([scriptblock]$Script, [object[]]$Arguments, [int]$Seconds) {
    $result = @{ 'Done' = $false; 'Output' = @(); 'Errors' = @(); 'Ms' = 0 }
    $started = Get-Now
    if ($script:FullLanguage) {
        try {
            $ps = [System.Management.Automation.PowerShell]::Create()
            [void]$ps.AddScript($Script.ToString())
            foreach ($a in $Arguments) { [void]$ps.AddArgument($a) }
            $handle = $ps.BeginInvoke()
            if ($handle.AsyncWaitHandle.WaitOne($Seconds * 1000, $false)) {
                $result['Output'] = @($ps.EndInvoke($handle))
                foreach ($e in $ps.Streams.Error) { $result['Errors'] += [string]$e }
                $result['Done'] = $true
                $ps.Dispose()
            }
        } catch {
            $result['Errors'] += $_.Exception.Message
            $result['Done'] = $true
        }
    } else {
        $result['Errors'] += 'not run: PowerShell is in Constrained Language mode'
        $result['Done'] = $true
    }
    $result['Ms'] = Get-Milliseconds $started
    return $result
}

# The one place that talks to WMI, always with a deadline: Win32_* instances as hashtables
# of the named properties. On PowerShell 3 and later Get-CimInstance's own timeout; on 2.0
# a [wmisearcher] with Options.Timeout; and around both, a runspace that is abandoned at
# the deadline (a stuck WMI service does not honour timeouts).
function Invoke-Wmi([string]$Class, [string]$Where, [string[]]$Properties, [int]$Seconds) {
    $query = {
        param([string]$Class, [string]$Where, [string[]]$Properties, [int]$Seconds)
        $ErrorActionPreference = 'Stop'
        if ($PSVersionTable.PSVersion.Major -ge 3) {
            $cim = @{ 'ClassName' = $Class; 'Property' = $Properties; 'OperationTimeoutSec' = $Seconds }
            if ($Where) { $cim['Filter'] = $Where }
            $items = @(Get-CimInstance @cim)
        } else {
            $wql = 'SELECT ' + ($Properties -join ',') + ' FROM ' + $Class
            if ($Where) { $wql = $wql + ' WHERE ' + $Where }
            $searcher = [wmisearcher]$wql
            $searcher.Options.Timeout = New-TimeSpan -Seconds $Seconds
            $items = @($searcher.Get())
        }
        foreach ($item in $items) {
            $row = @{}
            foreach ($p in $Properties) { $row[$p] = $item.$p }
            $row
        }
    }
    $out = @{ 'Items' = @(); 'Error' = $null; 'TimedOut' = $false }
    if ($Seconds -lt 1) {
        $out['Error'] = 'not started: no time left'
        return $out
    }
    if ($script:FullLanguage) {
        $r = Invoke-Bounded $query @($Class, $Where, $Properties, $Seconds) ($Seconds + 5)
        if (-not $r['Done']) {
            $out['TimedOut'] = $true
            $out['Error'] = "$Class`: no answer from WMI in $($Seconds + 5) s"
        } else {
            $out['Items'] = @($r['Output'])
            if ($r['Errors'].Count -gt 0) { $out['Error'] = "$Class`: " + ($r['Errors'] -join '; ') }
        }
    } else {
        # Constrained Language mode has no runspaces: a background job (its own process,
        # which can be abandoned) keeps the deadline.
        try {
            $job = Start-Job -ScriptBlock $query -ArgumentList $Class, $Where, $Properties, $Seconds
            $jobErrors = $null
            if (Wait-Job -Job $job -Timeout ($Seconds + 10)) {
                $out['Items'] = @(Receive-Job -Job $job -ErrorAction SilentlyContinue -ErrorVariable jobErrors)
                if ($jobErrors) { $out['Error'] = "$Class`: " + ($jobErrors -join '; ') }
            } else {
                $out['TimedOut'] = $true
                $out['Error'] = "$Class`: no answer from WMI in $($Seconds + 10) s"
            }
            Remove-Job -Job $job -Force -ErrorAction SilentlyContinue -ErrorVariable jobErrors
        } catch {
            $out['Error'] = "$Class`: " + $_.Exception.Message
        }
    }
    return $out
}

# Runs a console program through cmd's redirection with a time limit. The output is read in
# the console's OEM code page. On timeout the program (and its children) is killed and what
# it had printed is returned all the same. Programs are found in System32 whatever PATH says
# (a damaged PATH is common on a failing PC). In FullLanguage mode the console is created
# hidden by .NET (Windows Terminal, when it is the default terminal, ignores a hidden
# window style); in Constrained Language mode Start-Process and Wait-Process do the same
# with cmdlets.
function Invoke-Console([string]$CommandLine, [int]$Seconds) {
    $out = New-ScratchFile '.out'
    $result = @{ 'TimedOut' = $false; 'ExitCode' = $null; 'Text' = '' }
    $system = Join-Path $env:SystemRoot 'System32'
    $cmd = Join-Path $system 'cmd.exe'
    $arguments = '/d /s /c "set "PATH=' + $system + ';' + $env:SystemRoot + '" & set "PATHEXT=.COM;.EXE" & ' + $CommandLine + ' > "' + $out + '" 2>&1"'
    $taskkill = Join-Path $system 'taskkill.exe'
    if ($script:FullLanguage) {
        $psi = New-Object System.Diagnostics.ProcessStartInfo($cmd, $arguments)
        $psi.UseShellExecute = $false
        $psi.CreateNoWindow = $true
        $psi.WorkingDirectory = $env:SystemRoot
        $p = [System.Diagnostics.Process]::Start($psi)
        if ($p.WaitForExit($Seconds * 1000)) {
            $result['ExitCode'] = $p.ExitCode
        } else {
            $result['TimedOut'] = $true
            & $taskkill /T /F /PID $p.Id 2>&1 | Out-Null
            [void]$p.WaitForExit(5000)
        }
    } else {
        $p = Start-Process -FilePath $cmd -ArgumentList $arguments -WorkingDirectory $env:SystemRoot -WindowStyle Hidden -PassThru -ErrorAction Stop
        # Keeping the handle makes ExitCode readable once the process is gone.
        $handle = $p.Handle
        $waitErrors = $null
        Wait-Process -InputObject $p -Timeout $Seconds -ErrorAction SilentlyContinue -ErrorVariable waitErrors
        if (-not $p.HasExited) {
            $result['TimedOut'] = $true
            & $taskkill /T /F /PID $p.Id 2>&1 | Out-Null
            Wait-Process -InputObject $p -Timeout 5 -ErrorAction SilentlyContinue -ErrorVariable waitErrors
        } else {
            $result['ExitCode'] = $p.ExitCode
        }
    }
    $result['Text'] = Read-ConsoleFile $out
    $removeErrors = $null
    Remove-Item -LiteralPath $out -Force -ErrorAction SilentlyContinue -ErrorVariable removeErrors
    return $result
}

# A program that could not run: not found (9009), crashed (a negative NTSTATUS such as
# 0xC0000142 when the desktop heap is exhausted), or silent. Its "output" is not evidence.
function Test-DidNotRun($Result) {
    $code = $Result['ExitCode']
    return ($code -eq 9009 -or ($null -ne $code -and $code -lt 0) -or -not $Result['Text'].Trim())
}

# Text a console program wrote through cmd's redirection, in the OEM code page.
function Read-ConsoleFile([string]$Path) {
    if (-not (Test-Path -LiteralPath $Path)) { return '' }
    if ($script:FullLanguage) {
        try {
            $bytes = [System.IO.File]::ReadAllBytes($Path)
            $oem = [Console]::OutputEncoding
            # PowerShell 7 may lack the legacy code pages: then the console's own encoding.
            try { $oem = [System.Text.Encoding]::GetEncoding($script:OemCodePage) } catch { }
            return $oem.GetString($bytes)
        } catch {
            return ''
        }
    } else {
        $readErrors = $null
        $lines = @(Get-Content -LiteralPath $Path -Encoding Oem -ErrorAction SilentlyContinue -ErrorVariable readErrors)
        return (($lines -join "`r`n") + "`r`n")
    }
}

# ---------------------------------------------------------------------------------------
# The steps.

function Test-RegistryKey([string]$Key) {
    $long = $Key -replace '^HKLM\\', 'HKEY_LOCAL_MACHINE\' -replace '^HKCU\\', 'HKEY_CURRENT_USER\' -replace '^HKU\\', 'HKEY_USERS\'
    return (Test-Path -LiteralPath ('Registry::' + $long))
}

function Invoke-RegistryStep($Entry) {
    $id, $artifact, $kind, $key = $Entry
    # The signed-in user's hive when this runs elevated as another account.
    if ($script:UserHiveSid -and $key.StartsWith('HKCU\')) { $key = 'HKU\' + $script:UserHiveSid + $key.Substring(4) }
    Show-Progress "Settings: $key"
    $full = Get-WorkPath $artifact
    New-ParentFolder $full
    $only = ''
    if ($QueryOneValue.ContainsKey($id)) { $only = ' /v ' + $QueryOneValue[$id] }
    if ($kind -eq 'reg-query') { $command = "reg query `"$key`"$only" } else { $command = "reg export `"$key`" `"$artifact`" /y" }
    $step = New-Step $id $kind $command $full @{ 'registry_key' = $key }
    $seconds = Get-StepSeconds $CommandTimeout
    if ($seconds -lt 2) { Complete-Step $step 'skipped' @{ 'error' = (Get-BudgetMessage) }; return }
    if ($kind -eq 'reg-query') {
        $r = Invoke-Console "reg.exe query `"$key`"$only" $seconds
        if ($r['TimedOut']) {
            Complete-Step $step 'timeout' @{ 'error' = "no answer in $seconds s" }
        } elseif ($r['ExitCode'] -eq 0) {
            $text = $r['Text']
            if ($DroppedValues.ContainsKey($id)) {
                $kept = @()
                foreach ($line in ($text -split "`r`n")) {
                    $drop = $false
                    foreach ($name in $DroppedValues[$id]) { if ($line.StartsWith('    ' + $name + '    REG_')) { $drop = $true } }
                    if (-not $drop) { $kept += $line }
                }
                $text = $kept -join "`r`n"
            }
            Write-TextFile $full $text 'utf16'
            Complete-Step $step 'ok' @{ 'artifact' = $artifact; 'exit_code' = 0 }
        } elseif (-not (Test-RegistryKey $key)) {
            # The key does not exist on this PC: an answer, not a failure.
            Complete-Step $step 'absent' @{ 'exit_code' = $r['ExitCode']; 'error' = $r['Text'] }
        } else {
            Complete-Step $step 'failed' @{ 'exit_code' = $r['ExitCode']; 'error' = $r['Text'] }
        }
        return
    }
    # reg.exe writes the file itself: UTF-16LE with BOM, long values wrapped.
    $r = Invoke-Console "reg.exe export `"$key`" `"$full`" /y" $seconds
    if ($r['TimedOut']) {
        Complete-Step $step 'timeout' @{ 'error' = "no answer in $seconds s" }
    } elseif ($r['ExitCode'] -eq 0 -and (Test-Path -LiteralPath $full)) {
        Complete-Step $step 'ok' @{ 'artifact' = $artifact; 'exit_code' = 0 }
    } elseif (-not (Test-RegistryKey $key)) {
        Complete-Step $step 'absent' @{ 'exit_code' = $r['ExitCode']; 'error' = $r['Text'] }
    } else {
        # The key exists but could not be exported (a subkey the user may not read): its own
        # values through `reg query`, which lists what it can.
        $why = $r['Text']
        $partialFile = Remove-PartialFile $full
        if ($partialFile) { $why = $why + ' (the export''s file: ' + $partialFile + ')' }
        $valuesArtifact = $artifact -replace '\.reg$', '-values.txt'
        $seconds = Get-StepSeconds $CommandTimeout
        $q = $null
        if ($seconds -ge 2) { $q = Invoke-Console "reg.exe query `"$key`"" $seconds }
        if ($q -and -not $q['TimedOut'] -and $q['ExitCode'] -eq 0) {
            Write-TextFile (Get-WorkPath $valuesArtifact) $q['Text'] 'utf16'
            Complete-Step $step 'ok' @{ 'artifact' = $valuesArtifact; 'exit_code' = 0; 'kind' = 'reg-query';
                'fallback' = 'reg query: the export failed, so only the key''s own values were collected'; 'error' = $why }
        } else {
            Complete-Step $step 'failed' @{ 'exit_code' = $r['ExitCode']; 'error' = $why }
        }
    }
}

function Invoke-CommandStep($Entry) {
    $id, $artifact, $kind, $command = $Entry
    Show-Progress $command
    $full = Get-WorkPath $artifact
    $step = New-Step $id $kind $command $full $null
    if ($command -eq 'dsregcmd /status' -and -not (Test-Path -LiteralPath (Join-Path $env:SystemRoot 'System32\dsregcmd.exe'))) {
        Complete-Step $step 'absent' @{ 'error' = 'dsregcmd does not exist before Windows 10' }
        return
    }
    $run = $command
    if ($kind -eq 'vnextdiag-list' -or $kind -eq 'ospp-dstatus') {
        $run = Get-LicenceToolCommand $kind
        if (-not $run) {
            Complete-Step $step 'absent' @{ 'error' = (($command -split ' ')[0] + ' is not in ' + ($OfficeFolders -join ', ')) }
            return
        }
    }
    $seconds = Get-StepSeconds $CommandTimeout
    if ($seconds -lt 2) { Complete-Step $step 'skipped' @{ 'error' = (Get-BudgetMessage) }; return }
    $r = Invoke-Console $run $seconds
    if ($r['TimedOut']) {
        # What it printed before it was stopped (dsregcmd's join state comes before its
        # network tests) is kept, and marked partial.
        if ($r['Text'].Trim()) {
            Write-TextFile $full $r['Text'] 'utf16'
            Complete-Step $step 'timeout' @{ 'artifact' = $artifact; 'partial' = $true; 'error' = "stopped after $seconds s; what it printed until then is kept" }
        } else {
            Complete-Step $step 'timeout' @{ 'error' = "no answer in $seconds s" }
        }
        return
    }
    if (Test-DidNotRun $r) {
        Complete-Step $step 'failed' @{ 'exit_code' = $r['ExitCode']; 'error' = ('the program did not run: ' + $r['Text']) }
        return
    }
    if ($kind -eq 'netsh-winhttp-advproxy' -and -not $r['Text'].Contains('{')) {
        # Before Windows 11, netsh has no "show advproxy".
        Complete-Step $step 'absent' @{ 'exit_code' = $r['ExitCode']; 'error' = $r['Text'] }
        return
    }
    Write-TextFile $full $r['Text'] 'utf16'
    # sc answers 1060 for a service that does not exist: the output is the answer.
    Complete-Step $step 'ok' @{ 'artifact' = $artifact; 'exit_code' = $r['ExitCode'] }
}

# The command line of Office's licence tool of that kind, or $null when Office has none.
function Get-LicenceToolCommand([string]$Kind) {
    foreach ($folder in $OfficeFolders) {
        if ($Kind -eq 'vnextdiag-list') {
            $path = Join-Path $folder 'vNextDiag.ps1'
            if (Test-Path -LiteralPath $path) {
                $ps = Join-Path $env:SystemRoot 'System32\WindowsPowerShell\v1.0\powershell.exe'
                return ('"' + $ps + '" -NoProfile -ExecutionPolicy Bypass -File "' + $path + '" -action list')
            }
        } else {
            $path = Join-Path $folder 'OSPP.VBS'
            if (Test-Path -LiteralPath $path) {
                return ('cscript.exe //nologo "' + $path + '" /dstatus')
            }
        }
    }
    return $null
}

function Invoke-EventLogStep($Entry) {
    $id, $artifact, $kind, $channel = $Entry
    Show-Progress "Event log: $channel"
    $full = Get-WorkPath $artifact
    New-ParentFolder $full
    $ms = [long]$Days * 86400000
    $query = "*[System[TimeCreated[timediff(@SystemTime) <= $ms]]]"
    $command = "wevtutil epl `"$channel`" `"$artifact`" /q:`"$query`" /ow:true"
    $step = New-Step $id $kind $command $full @{ 'event_log' = $channel }
    $seconds = Get-StepSeconds $CommandTimeout
    if ($seconds -lt 2) { Complete-Step $step 'skipped' @{ 'error' = (Get-BudgetMessage) }; return }
    $r = Invoke-Console ("wevtutil.exe epl `"$channel`" `"$full`" /q:`"$query`" /ow:true") $seconds
    if ($r['TimedOut']) {
        Complete-Step $step 'timeout' @{ 'error' = "no answer in $seconds s" }
    } elseif ($r['ExitCode'] -eq 0 -and (Test-Path -LiteralPath $full)) {
        Complete-Step $step 'ok' @{ 'artifact' = $artifact; 'exit_code' = 0 }
    } elseif ($r['ExitCode'] -eq 15007) {
        # The channel does not exist on this Windows (no AAD log before Windows 10).
        Complete-Step $step 'absent' @{ 'exit_code' = $r['ExitCode']; 'error' = $r['Text'] }
    } else {
        Complete-Step $step 'failed' @{ 'exit_code' = $r['ExitCode']; 'error' = $r['Text'] }
    }
}

# The four services: state from the Service Control Manager, start mode from WMI (with a
# deadline). An error is kept with the entry or the step, never turned into "nothing".
function Get-ServicesDocument([int]$Seconds) {
    $modes = @{ 'Boot' = 0; 'System' = 1; 'Auto' = 2; 'Manual' = 3; 'Disabled' = 4 }
    $names = @()
    foreach ($n in $Services) { $names += ("Name='" + $n + "'") }
    $wmi = Invoke-Wmi 'Win32_Service' ($names -join ' OR ') @('Name', 'StartMode') $Seconds
    $items = @()
    foreach ($name in $Services) {
        $serviceErrors = $null
        $svc = Get-Service -Name $name -ErrorAction SilentlyContinue -ErrorVariable serviceErrors
        if ($null -eq $svc) {
            $notFound = $true
            foreach ($e in @($serviceErrors)) { if ([string]$e.CategoryInfo.Category -ne 'ObjectNotFound') { $notFound = $false } }
            # Not installed: an answer (the service is missing from the list).
            if (-not $notFound) { $items += (New-JsonObject @('Name', $name, 'Error', [string]$serviceErrors[0])) }
            continue
        }
        $start = $null
        foreach ($w in $wmi['Items']) {
            if ([string]$w['Name'] -eq $name -and $modes.ContainsKey([string]$w['StartMode'])) { $start = $modes[[string]$w['StartMode']] }
        }
        $items += (New-JsonObject @('Name', $svc.Name, 'DisplayName', $svc.DisplayName, 'Status', [int]$svc.Status, 'StartType', $start))
    }
    return @{ 'Value' = $items; 'Error' = $wmi['Error']; 'Status' = 'ok' }
}

# Installed updates as Get-HotFix lists them (Win32_QuickFixEngineering), dates as
# yyyy-MM-dd. WMI writes InstalledOn as M/d/yyyy in every language (Get-HotFix parses it
# with the invariant culture), or as a hexadecimal FILETIME before Windows 7.
function Get-UpdatesDocument([int]$Seconds) {
    $wmi = Invoke-Wmi 'Win32_QuickFixEngineering' '' @('HotFixID', 'Description', 'InstalledBy', 'InstalledOn') $Seconds
    if ($wmi['Error'] -and $wmi['Items'].Count -eq 0) {
        $status = 'failed'
        if ($wmi['TimedOut']) { $status = 'timeout' }
        return @{ 'Value' = $null; 'Error' = $wmi['Error']; 'Status' = $status }
    }
    $items = @()
    foreach ($fix in $wmi['Items']) {
        $raw = [string]$fix['InstalledOn']
        $on = $null
        try {
            if ($raw -match '^[0-9a-fA-F]{16}$') {
                $on = [datetime]::FromFileTime([long]('0x' + $raw)).ToString('yyyy-MM-dd', [Globalization.CultureInfo]::InvariantCulture)
            } elseif ($raw) {
                $on = [datetime]::Parse($raw, [Globalization.CultureInfo]::InvariantCulture).ToString('yyyy-MM-dd', [Globalization.CultureInfo]::InvariantCulture)
            }
        } catch { }
        $items += (New-JsonObject @('HotFixID', [string]$fix['HotFixID'], 'Description', [string]$fix['Description'],
                                    'InstalledBy', [string]$fix['InstalledBy'], 'InstalledOn', $on, 'InstalledOnRaw', $raw))
    }
    return @{ 'Value' = $items; 'Error' = $wmi['Error']; 'Status' = 'ok' }
}

# Names, sizes and dates of the files in Office's licence folders (never their contents).
# A folder that cannot be listed says why ("error"): unknown, not "no licence".
$ListFoldersScript = {
    param([string[]]$Folders)
    foreach ($folder in $Folders) {
        $exists = Test-Path -LiteralPath $folder
        $files = @()
        $listErrors = $null
        if ($exists) {
            foreach ($f in @(Get-ChildItem -LiteralPath $folder -Recurse -Force -ErrorAction SilentlyContinue -ErrorVariable listErrors | Where-Object { -not $_.PSIsContainer })) {
                $files += @{ '__order' = @('name', 'size', 'modified'); 'name' = $f.FullName.Substring($folder.Length).TrimStart('\');
                    'size' = [long]$f.Length; 'modified' = $f.LastWriteTime.ToString('yyyy-MM-ddTHH:mm:sszzz', [Globalization.CultureInfo]::InvariantCulture) }
            }
        }
        $entry = @{ '__order' = @('path', 'exists', 'files', 'error'); 'path' = $folder; 'exists' = [bool]$exists; 'files' = $files }
        if ($listErrors -and @($listErrors).Count -gt 0) { $entry['error'] = [string]@($listErrors)[0] }
        $entry
    }
}

function Get-LicensesDocument([int]$Seconds) {
    $folders = @(
        (Join-Path $env:LOCALAPPDATA 'Microsoft\Office\Licenses'),
        (Join-Path $env:LOCALAPPDATA 'Microsoft\Office\16.0\Licensing'),
        (Join-Path $env:ProgramData 'Microsoft\Office\Licenses'),
        # The Web Account Manager's accounts (the names of its .tbacct files only).
        (Join-Path $env:LOCALAPPDATA 'Packages\Microsoft.AAD.BrokerPlugin_cw5n1h2txyewy\AC\TokenBroker\Accounts')
    )
    if ($script:FullLanguage) {
        $r = Invoke-Bounded $ListFoldersScript @(, $folders) $Seconds
        if (-not $r['Done']) { return @{ 'Value' = $null; 'Error' = "the folders could not be listed in $Seconds s"; 'Status' = 'timeout' } }
        $listed = @($r['Output'])
        $err = $null
        if ($r['Errors'].Count -gt 0) { $err = $r['Errors'] -join '; ' }
    } else {
        $listed = @(& $ListFoldersScript $folders)
        $err = $null
    }
    if ($listed.Count -eq 0) { return @{ 'Value' = $null; 'Error' = $err; 'Status' = 'failed' } }
    return @{ 'Value' = (New-JsonObject @('schema', 'caadoctor.licenses/1', 'folders', $listed)); 'Error' = $err; 'Status' = 'ok' }
}

# A document step: $Build gets the seconds it may take and returns Value, Error, Status.
function Invoke-DocumentStep($Entry, [string]$Build) {
    $id, $artifact, $kind, $command = $Entry
    Show-Progress $command
    $full = Get-WorkPath $artifact
    $step = New-Step $id $kind $command $full $null
    $seconds = Get-StepSeconds 30
    if ($seconds -lt 2) { Complete-Step $step 'skipped' @{ 'error' = (Get-BudgetMessage) }; return }
    $doc = & $Build $seconds
    if ($doc['Status'] -ne 'ok') {
        Complete-Step $step $doc['Status'] @{ 'error' = $doc['Error'] }
        return
    }
    Save-Json $full $doc['Value']
    Complete-Step $step 'ok' @{ 'artifact' = $artifact; 'error' = $doc['Error'] }
}

function Invoke-DocumentsGroup($Entry) {
    switch ($Entry[0]) {
        'cmd-services-json' { Invoke-DocumentStep $Entry 'Get-ServicesDocument' }
        'cmd-installed-updates' { Invoke-DocumentStep $Entry 'Get-UpdatesDocument' }
        'cmd-office-licenses' { Invoke-DocumentStep $Entry 'Get-LicensesDocument' }
    }
}

# ---------------------------------------------------------------------------------------
# Probes. Compiled once: WinHTTP's default proxy (what activation's requests go through),
# and a WinINet request (the browser's stack and proxy) that bypasses the cache, never shows
# a dialog (INTERNET_FLAG_NO_UI; a proxy asking for a password is a 407, not a prompt),
# returns WinINet's error numbers as errors, and is closed from outside at its deadline.
# C# 2.0, for PowerShell 2.0's compiler.
$NativeSource = @'
using System;
using System.Globalization;
using System.IO;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Threading;
using System.Runtime.InteropServices;

public class CaadoctorCert {
    public string Subject;
    public string Issuer;
    public string Thumbprint;
    public string NotBefore;
    public string NotAfter;
}

public class CaadoctorTlsResult {
    public string Protocol;
    public CaadoctorCert[] Chain;
    public string[] ChainStatus;
    public string Error;
    public bool TimedOut;
}

public class CaadoctorHttpResult {
    public int Status;
    public int Error;
    public string Date;
    public string Age;
    public bool FromCache;
    public bool TimedOut;
}

public static class CaadoctorNative {
    [StructLayout(LayoutKind.Sequential)]
    struct ProxyInfo { public uint AccessType; public IntPtr Proxy; public IntPtr Bypass; }
    [DllImport("winhttp.dll", SetLastError = true)]
    static extern bool WinHttpGetDefaultProxyConfiguration(ref ProxyInfo info);
    [DllImport("kernel32.dll")]
    static extern IntPtr GlobalFree(IntPtr mem);

    [DllImport("wininet.dll", CharSet = CharSet.Unicode, SetLastError = true)]
    static extern IntPtr InternetOpen(string agent, uint accessType, string proxy, string bypass, uint flags);
    [DllImport("wininet.dll", CharSet = CharSet.Unicode, SetLastError = true)]
    static extern IntPtr InternetOpenUrl(IntPtr session, string url, string headers, uint headersLength, uint flags, IntPtr context);
    [DllImport("wininet.dll", CharSet = CharSet.Unicode, SetLastError = true)]
    static extern bool InternetSetOption(IntPtr handle, uint option, ref uint value, uint length);
    [DllImport("wininet.dll", CharSet = CharSet.Unicode, SetLastError = true)]
    static extern bool InternetQueryOption(IntPtr handle, uint option, ref uint value, ref uint length);
    [DllImport("wininet.dll", CharSet = CharSet.Unicode, SetLastError = true)]
    static extern bool HttpQueryInfo(IntPtr request, uint level, StringBuilder buffer, ref uint length, IntPtr index);
    [DllImport("wininet.dll", SetLastError = true)]
    static extern bool InternetCloseHandle(IntPtr handle);

    // What `netsh winhttp show proxy` shows: "direct", the proxy list, or null.
    public static string WinHttpDefaultProxy() {
        ProxyInfo info = new ProxyInfo();
        if (!WinHttpGetDefaultProxyConfiguration(ref info)) { return null; }
        string proxy = info.Proxy == IntPtr.Zero ? null : Marshal.PtrToStringUni(info.Proxy);
        if (info.Proxy != IntPtr.Zero) { GlobalFree(info.Proxy); }
        if (info.Bypass != IntPtr.Zero) { GlobalFree(info.Bypass); }
        return (info.AccessType == 3 && !String.IsNullOrEmpty(proxy)) ? proxy : "direct";
    }

    const uint Flags = 0x80000000 | 0x04000000 | 0x00000100 | 0x00000200 | 0x00080000;

    class Request {
        public IntPtr Session;
        public string Url;
        public CaadoctorHttpResult Result = new CaadoctorHttpResult();
        // Runs on a thread of its own: nothing may escape it (an exception there ends the
        // whole process, before the zip).
        public void Run() {
            try {
                IntPtr h = InternetOpenUrl(Session, Url, "Cache-Control: no-cache\r\nPragma: no-cache\r\n", 0xFFFFFFFF, Flags, IntPtr.Zero);
                if (h == IntPtr.Zero) { Result.Error = Marshal.GetLastWin32Error(); return; }
                try {
                    int code;
                    string status = Header(h, 19);
                    // No status line: ERROR_HTTP_HEADER_NOT_FOUND, never "reached".
                    if (status != null && Int32.TryParse(status, out code) && code > 0) { Result.Status = code; }
                    else { Result.Error = 12150; }
                    Result.Date = Header(h, 9);
                    Result.Age = Header(h, 48);
                    uint reqFlags = 0; uint size = 4;
                    if (InternetQueryOption(h, 23, ref reqFlags, ref size)) { Result.FromCache = (reqFlags & 1) != 0; }
                } finally {
                    InternetCloseHandle(h);
                }
            } catch (Exception) {
                if (Result.Error == 0) { Result.Error = 12004; }
            }
        }
    }

    static string Header(IntPtr h, uint level) {
        StringBuilder sb = new StringBuilder(256);
        uint length = 512;
        if (!HttpQueryInfo(h, level, sb, ref length, IntPtr.Zero)) { return null; }
        return sb.ToString();
    }

    // The server's certificate chain as this PC builds it, directly or through a proxy's
    // CONNECT tunnel: recorded by the validation callback, which accepts any chain (only the
    // handshake is made; nothing is sent over it). At most timeoutMs: the socket is closed
    // from outside at the deadline.
    class TlsRequest {
        public string Host;
        public int Port;
        public string ProxyHost;
        public int ProxyPort;
        public int TimeoutMs;
        public TcpClient Client;
        public CaadoctorTlsResult Result = new CaadoctorTlsResult();

        public bool Validate(object sender, X509Certificate certificate, X509Chain chain, SslPolicyErrors errors) {
            if (chain == null) { return true; }
            CaadoctorCert[] list = new CaadoctorCert[chain.ChainElements.Count];
            for (int i = 0; i < list.Length; i++) {
                X509Certificate2 c = chain.ChainElements[i].Certificate;
                CaadoctorCert x = new CaadoctorCert();
                x.Subject = c.Subject;
                x.Issuer = c.Issuer;
                x.Thumbprint = c.Thumbprint;
                x.NotBefore = c.NotBefore.ToUniversalTime().ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
                x.NotAfter = c.NotAfter.ToUniversalTime().ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
                list[i] = x;
            }
            string[] status = new string[chain.ChainStatus.Length];
            for (int i = 0; i < status.Length; i++) { status[i] = chain.ChainStatus[i].Status.ToString(); }
            Result.Chain = list;
            Result.ChainStatus = status;
            return true;
        }

        NetworkStream Open() {
            Client = new TcpClient();
            Client.SendTimeout = TimeoutMs;
            Client.ReceiveTimeout = TimeoutMs;
            if (ProxyHost == null) {
                Client.Connect(Host, Port);
                return Client.GetStream();
            }
            Client.Connect(ProxyHost, ProxyPort);
            NetworkStream stream = Client.GetStream();
            byte[] ask = Encoding.ASCII.GetBytes("CONNECT " + Host + ":" + Port + " HTTP/1.1\r\nHost: " + Host + ":" + Port + "\r\n\r\n");
            stream.Write(ask, 0, ask.Length);
            // The proxy's answer, up to its blank line (8 KiB at most).
            StringBuilder head = new StringBuilder();
            while (head.Length < 8192 && !head.ToString().EndsWith("\r\n\r\n")) {
                int b = stream.ReadByte();
                if (b < 0) { break; }
                head.Append((char)b);
            }
            string first = head.ToString().Split('\n')[0].Trim();
            string[] parts = first.Split(' ');
            if (parts.Length < 2 || parts[1] != "200") { throw new IOException("the proxy answered: " + first); }
            return stream;
        }

        public void Run() {
            // TLS 1.2, 1.1 and 1.0 where this .NET knows them (.NET 4.5, or 3.5 with its TLS 1.2
            // update); else what it offers by default. Each try on a new connection.
            bool[] named = new bool[] { true, false };
            foreach (bool tls12 in named) {
                try {
                    SslStream ssl = new SslStream(Open(), false, new RemoteCertificateValidationCallback(Validate));
                    if (tls12) { ssl.AuthenticateAsClient(Host, null, (SslProtocols)(3072 | 768 | 192), false); }
                    else { ssl.AuthenticateAsClient(Host); }
                    Result.Protocol = ssl.SslProtocol.ToString();
                    Result.Error = null;
                    ssl.Close();
                    return;
                } catch (Exception e) {
                    Exception inner = e;
                    while (inner.InnerException != null) { inner = inner.InnerException; }
                    if (Result.Error == null) { Result.Error = inner.Message; }
                    if (Client != null) { Client.Close(); }
                    if (Result.Chain != null || e is IOException || e is SocketException) { return; }
                }
            }
        }
    }

    public static CaadoctorTlsResult TlsChain(string host, int port, string proxyHost, int proxyPort, int timeoutMs) {
        TlsRequest req = new TlsRequest();
        req.Host = host;
        req.Port = port;
        req.ProxyHost = proxyHost;
        req.ProxyPort = proxyPort;
        req.TimeoutMs = timeoutMs;
        Thread worker = new Thread(new ThreadStart(req.Run));
        worker.IsBackground = true;
        worker.Start();
        if (!worker.Join(timeoutMs + 2000)) {
            if (req.Client != null) { req.Client.Close(); }
            worker.Join(2000);
            CaadoctorTlsResult r = new CaadoctorTlsResult();
            r.TimedOut = true;
            r.Chain = req.Result.Chain;
            r.ChainStatus = req.Result.ChainStatus;
            return r;
        }
        return req.Result;
    }

    // GET through WinINet with the user's settings (proxy, PAC), at most timeoutMs.
    public static CaadoctorHttpResult WinInetGet(string url, int timeoutMs) {
        CaadoctorHttpResult r = new CaadoctorHttpResult();
        IntPtr session = InternetOpen("caadoctor", 0, null, null, 0);
        if (session == IntPtr.Zero) { r.Error = Marshal.GetLastWin32Error(); return r; }
        uint t = (uint)timeoutMs;
        uint one = 1;
        InternetSetOption(session, 2, ref t, 4);
        InternetSetOption(session, 5, ref t, 4);
        InternetSetOption(session, 6, ref t, 4);
        InternetSetOption(session, 3, ref one, 4);
        Request req = new Request();
        req.Session = session;
        req.Url = url;
        Thread worker = new Thread(new ThreadStart(req.Run));
        worker.IsBackground = true;
        worker.Start();
        bool done = worker.Join(timeoutMs + 2000);
        // Closing the session ends a request still waiting (ERROR_INTERNET_OPERATION_CANCELLED).
        InternetCloseHandle(session);
        if (!done) {
            worker.Join(3000);
            r.TimedOut = true;
            return r;
        }
        return req.Result;
    }
}
'@

$AddNativeScript = {
    param([string]$Source)
    if (-not ('CaadoctorNative' -as [type])) { Add-Type -TypeDefinition $Source -Language CSharp -ErrorAction Stop }
}

# One endpoint, in a runspace of its own: DNS (both families), TCP per family, HTTP(S)
# through WinHTTP (activation's stack) and through WinINet (the browser's). Each stage is
# written into $Record (a synchronized hashtable) as soon as it ends, so what finished is
# kept even if a later stage is still running at the deadline.
$ProbeScript = {
    param([string]$Url, $WinHttpProxy, $Record, [bool]$Native)
    $ErrorActionPreference = 'Continue'
    function Get-UtcNow { [DateTime]::UtcNow.ToString('yyyy-MM-ddTHH:mm:ss.fffZ', [Globalization.CultureInfo]::InvariantCulture) }
    function Get-ErrorText($Exception) {
        $e = $Exception
        while ($e.InnerException) { $e = $e.InnerException }
        return $e.Message.Trim()
    }
    $uri = New-Object System.Uri($Url)
    $Record['stage'] = 'dns'
    $dns = @{ '__order' = @('ok', 'ipv4', 'ipv6', 'error', 'ms'); 'ok' = $false; 'ipv4' = @(); 'ipv6' = @(); 'error' = $null; 'ms' = $null }
    $watch = [System.Diagnostics.Stopwatch]::StartNew()
    try {
        $async = [System.Net.Dns]::BeginGetHostAddresses($uri.Host, $null, $null)
        if ($async.AsyncWaitHandle.WaitOne(8000, $false)) {
            foreach ($a in [System.Net.Dns]::EndGetHostAddresses($async)) {
                if ($a.AddressFamily -eq [System.Net.Sockets.AddressFamily]::InterNetworkV6) { $dns['ipv6'] += $a.ToString() }
                else { $dns['ipv4'] += $a.ToString() }
            }
            $dns['ok'] = $true
        } else {
            $dns['error'] = 'no answer in 8 s'
        }
    } catch {
        $dns['error'] = Get-ErrorText $_.Exception
    }
    $dns['ms'] = [long]$watch.ElapsedMilliseconds
    $Record['dns'] = $dns

    # One connection per address family, both at once, 8 s at most.
    $Record['stage'] = 'tcp'
    $pending = @()
    foreach ($family in @('ipv4', 'ipv6')) {
        $list = @($dns[$family])
        if ($list.Count -eq 0) { continue }
        $t = @{ '__order' = @('family', 'address', 'port', 'ok', 'ms', 'error'); 'family' = $family; 'address' = $list[0]; 'port' = $uri.Port; 'ok' = $false; 'ms' = $null; 'error' = $null }
        try {
            $af = [System.Net.Sockets.AddressFamily]::InterNetwork
            if ($family -eq 'ipv6') { $af = [System.Net.Sockets.AddressFamily]::InterNetworkV6 }
            $client = New-Object System.Net.Sockets.TcpClient($af)
            $pending += @{ 'T' = $t; 'Client' = $client; 'Async' = $client.BeginConnect([System.Net.IPAddress]::Parse($list[0]), $uri.Port, $null, $null); 'Watch' = [System.Diagnostics.Stopwatch]::StartNew() }
        } catch {
            $t['error'] = Get-ErrorText $_.Exception
            $pending += @{ 'T' = $t; 'Client' = $null; 'Async' = $null; 'Watch' = [System.Diagnostics.Stopwatch]::StartNew() }
        }
    }
    $tcp = @()
    foreach ($p in $pending) {
        $t = $p['T']
        if ($p['Async']) {
            try {
                $left = 8000 - [int]$p['Watch'].ElapsedMilliseconds
                if ($left -lt 0) { $left = 0 }
                if ($p['Async'].AsyncWaitHandle.WaitOne($left, $false)) {
                    $p['Client'].EndConnect($p['Async'])
                    $t['ok'] = $true
                } else {
                    $t['error'] = 'timeout'
                }
            } catch {
                $t['error'] = Get-ErrorText $_.Exception
            } finally {
                $p['Client'].Close()
            }
        }
        $t['ms'] = [long]$p['Watch'].ElapsedMilliseconds
        $tcp += $t
    }
    $Record['tcp'] = $tcp

    $order = @('status', 'error_code', 'error', 'proxy', 'ms', 'date', 'age', 'from_cache', 'sent_utc', 'local_time_utc')
    $Record['stage'] = 'winhttp'
    $h = @{ '__order' = $order; 'proxy' = $WinHttpProxy; 'sent_utc' = (Get-UtcNow) }
    $watch = [System.Diagnostics.Stopwatch]::StartNew()
    try {
        $req = New-Object -ComObject 'WinHttp.WinHttpRequest.5.1'
        $req.SetTimeouts(8000, 8000, 10000, 15000)
        $req.Open('GET', $Url, $false)
        $req.SetRequestHeader('Cache-Control', 'no-cache')
        $req.Send()
        $h['status'] = [int]$req.Status
        $h['local_time_utc'] = Get-UtcNow
        try { $h['date'] = [string]$req.GetResponseHeader('Date') } catch { }
        try { $h['age'] = [string]$req.GetResponseHeader('Age') } catch { }
        $h['from_cache'] = $false
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
    $Record['winhttp'] = $h

    $Record['stage'] = 'wininet'
    if ($Native) {
        $h = @{ '__order' = $order; 'sent_utc' = (Get-UtcNow) }
        try {
            $p = [System.Net.WebRequest]::GetSystemWebProxy().GetProxy($uri)
            if ($p -and $p.AbsoluteUri -ne $uri.AbsoluteUri) { $h['proxy'] = $p.Authority } else { $h['proxy'] = 'direct' }
        } catch { }
        $watch = [System.Diagnostics.Stopwatch]::StartNew()
        try {
            $r = [CaadoctorNative]::WinInetGet($Url, 15000)
            if ($r.TimedOut) {
                $h['error'] = 'no answer in 15 s'
            } elseif ($r.Error -ne 0) {
                # HRESULT_FROM_WIN32: 0x8007xxxx with WinINet's number (12029 = 0x80072EFD).
                $h['error_code'] = [int](-2147024896 + $r.Error)
                $h['error'] = 'WinINet error ' + $r.Error
            } else {
                $h['status'] = $r.Status
                $h['local_time_utc'] = Get-UtcNow
                $h['date'] = $r.Date
                $h['age'] = $r.Age
                $h['from_cache'] = $r.FromCache
            }
        } catch {
            $h['error'] = Get-ErrorText $_.Exception
        }
        $h['ms'] = [long]$watch.ElapsedMilliseconds
        $Record['wininet'] = $h
    } else {
        $Record['wininet_skipped'] = 'the WinINet helper could not be compiled on this PC'
    }

    # The certificate chain the PC sees: directly, and through each proxy WinHTTP or the
    # browser use (a CONNECT tunnel), for HTTPS endpoints.
    if ($Native -and $uri.Scheme -eq 'https') {
        $Record['stage'] = 'tls'
        $vias = @('direct')
        foreach ($p in @($WinHttpProxy, $h['proxy'])) {
            if (-not $p -or $p -eq 'direct') { continue }
            # WinHTTP lists 'host:port' or 'http=host:port;https=host:port': the HTTPS one.
            $pick = $null
            foreach ($part in ([string]$p).Split(';')) {
                $part = $part.Trim()
                if ($part.StartsWith('https=')) { $pick = $part.Substring(6) }
                elseif (-not $pick -and -not $part.Contains('=')) { $pick = $part }
            }
            if ($pick -and $pick.Contains(':') -and $vias -notcontains ('proxy ' + $pick)) { $vias += ('proxy ' + $pick) }
        }
        $chains = @()
        foreach ($via in $vias) {
            $t = @{ '__order' = @('via', 'protocol', 'chain', 'chain_status', 'error', 'ms'); 'via' = $via }
            $watch = [System.Diagnostics.Stopwatch]::StartNew()
            try {
                $proxyHost = $null
                $proxyPort = 0
                if ($via -ne 'direct') {
                    $hostPort = $via.Substring(6)
                    $at = $hostPort.LastIndexOf(':')
                    $proxyHost = $hostPort.Substring(0, $at)
                    $proxyPort = [int]$hostPort.Substring($at + 1)
                }
                $r = [CaadoctorNative]::TlsChain($uri.Host, $uri.Port, $proxyHost, $proxyPort, 8000)
                $t['protocol'] = $r.Protocol
                $certs = @()
                foreach ($c in @($r.Chain)) {
                    if ($null -eq $c) { continue }
                    $certs += @{ '__order' = @('subject', 'issuer', 'thumbprint', 'not_before', 'not_after');
                        'subject' = $c.Subject; 'issuer' = $c.Issuer; 'thumbprint' = $c.Thumbprint;
                        'not_before' = $c.NotBefore; 'not_after' = $c.NotAfter }
                }
                $t['chain'] = $certs
                $t['chain_status'] = @(foreach ($x in @($r.ChainStatus)) { if ($x) { [string]$x } })
                if ($r.TimedOut) { $t['error'] = 'no handshake in 8 s' } else { $t['error'] = $r.Error }
            } catch {
                $t['error'] = Get-ErrorText $_.Exception
            }
            $t['ms'] = [long]$watch.ElapsedMilliseconds
            $chains += $t
            $Record['tls'] = $chains
        }
    }
    $Record['stage'] = 'done'
}

# Starts every probe at once, one runspace each, in the background; returns what
# Complete-Probes needs. $null when probes cannot run here.
function Start-Probes {
    if ($script:FullLanguage) {
        $native = Invoke-Bounded $AddNativeScript @($NativeSource) $NativeTimeout
        $script:NativeReady = [bool]('CaadoctorNative' -as [type])
        $script:NativeError = $null
        if (-not $native['Done']) { $script:NativeError = "compiling the helper took over $NativeTimeout s" }
        elseif ($native['Errors'].Count -gt 0) { $script:NativeError = $native['Errors'] -join '; ' }
        $winHttpProxy = $null
        if ($script:NativeReady) { try { $winHttpProxy = [CaadoctorNative]::WinHttpDefaultProxy() } catch { } }
        $pool = [System.Management.Automation.Runspaces.RunspaceFactory]::CreateRunspacePool(1, $ProbeUrls.Count)
        $pool.ApartmentState = [System.Threading.ApartmentState]::STA
        $pool.Open()
        $probes = @()
        foreach ($url in $ProbeUrls) {
            $record = [hashtable]::Synchronized(@{ 'stage' = 'queued' })
            $ps = [System.Management.Automation.PowerShell]::Create()
            $ps.RunspacePool = $pool
            [void]$ps.AddScript($ProbeScript.ToString()).AddArgument($url).AddArgument($winHttpProxy).AddArgument($record).AddArgument($script:NativeReady)
            $probes += @{ 'Url' = $url; 'Record' = $record; 'Shell' = $ps; 'Handle' = $ps.BeginInvoke() }
        }
        return @{ 'Pool' = $pool; 'Probes' = $probes; 'Started' = (Get-IsoNow); 'Deadline' = (Get-Now).AddSeconds($ProbeTimeout) }
    } else {
        return $null
    }
}

# Waits for the probes until their deadline, then writes what each one had recorded; a
# stage still running is marked incomplete. Runspaces still inside a call are left behind.
function Complete-Probes($State) {
    $results = @()
    $unfinished = 0
    $done = 0
    foreach ($probe in $State['Probes']) {
        Write-Progress -Activity 'Testing the connection to Microsoft' -Status $probe['Url'] -PercentComplete ([int](100 * $done / $State['Probes'].Count))
        $done++
        $left = [int]($State['Deadline'] - (Get-Now)).TotalMilliseconds
        if ($left -lt 0) { $left = 0 }
        $finished = $probe['Handle'].IsCompleted -or $probe['Handle'].AsyncWaitHandle.WaitOne($left, $false)
        $rec = $probe['Record']
        # The stage first: a stage that ends while the record is read is then not taken for
        # one still running, and the stages read are those that had ended.
        $stageNow = [string]$rec['stage']
        $pairs = @('url', $probe['Url'], 'host', ([uri]$probe['Url']).Host)
        foreach ($stage in @('dns', 'tcp', 'winhttp', 'wininet', 'tls')) {
            if ($rec.ContainsKey($stage)) { $pairs += @($stage, $rec[$stage]) }
        }
        if ($rec.ContainsKey('wininet_skipped')) { $pairs += @('wininet_skipped', $rec['wininet_skipped']) }
        $probeError = $null
        if ($finished) {
            try {
                [void]$probe['Shell'].EndInvoke($probe['Handle'])
                if ($probe['Shell'].Streams.Error.Count -gt 0) { $probeError = [string]$probe['Shell'].Streams.Error[0] }
            } catch {
                $probeError = $_.Exception.Message
            }
            $probe['Shell'].Dispose()
        }
        if ($stageNow -ne 'done') {
            $unfinished++
            $pairs += @('incomplete', $stageNow)
            if (-not $probeError) { $probeError = 'the ' + $stageNow + ' stage had not finished at the probes'' deadline (' + $ProbeTimeout + ' s)' }
        }
        # One error per result: a second key would make the document unreadable.
        if ($probeError) { $pairs += @('error', $probeError) }
        $results += (New-JsonObject $pairs)
    }
    # Closing waits for running pipelines: close in the background.
    try { [void]$State['Pool'].BeginClose($null, $null) } catch { }
    $problem = $null
    if ($unfinished -gt 0) { $problem = "$unfinished of $($results.Count) endpoints had not finished at the deadline" }
    if ($script:NativeError) {
        $more = 'WinINet not tested: ' + $script:NativeError
        if ($problem) { $problem = $problem + '; ' + $more } else { $problem = $more }
    }
    $doc = New-JsonObject @('schema', 'caadoctor.probes/1', 'started', $State['Started'], 'deadline_s', $ProbeTimeout, 'results', $results)
    return @{ 'Value' = $doc; 'Error' = $problem; 'Status' = 'ok' }
}

# ---------------------------------------------------------------------------------------
# The zip: the output folder (given, else the Desktop, else Documents, else the Temp
# folder: Controlled Folder Access or an offline redirected Desktop refuse writes), each
# tried with .NET 4.5's ZipFile, Compress-Archive (PowerShell 5; also in Constrained
# Language mode), then Windows' compressed folders (checked entry by entry).

function Get-ShellFolder([string]$Name) {
    $shellErrors = $null
    $k = Get-ItemProperty -LiteralPath 'HKCU:\Software\Microsoft\Windows\CurrentVersion\Explorer\User Shell Folders' -ErrorAction SilentlyContinue -ErrorVariable shellErrors
    # Strict mode: reading a value the key lacks throws.
    try { if ($k) { return [string]$k.$Name } } catch { }
    return $null
}

function Get-ZipFolders {
    $candidates = @()
    if ($OutputPath) { $candidates += $OutputPath }
    $desktop = Get-ShellFolder 'Desktop'
    if (-not $desktop) { $desktop = Join-Path $env:USERPROFILE 'Desktop' }
    $documents = Get-ShellFolder 'Personal'
    if (-not $documents) { $documents = Join-Path $env:USERPROFILE 'Documents' }
    $candidates += @($desktop, $documents, $env:TEMP)
    $out = @()
    foreach ($c in $candidates) { if ($c -and (Test-Path -LiteralPath $c)) { $out += $c } }
    return $out
}

# Files of the snapshot folder, the manifest last, without those left out.
function Get-SnapshotFiles {
    $listErrors = $null
    $all = @(Get-ChildItem -LiteralPath $script:Work -Recurse -Force -ErrorAction SilentlyContinue -ErrorVariable listErrors | Where-Object { -not $_.PSIsContainer })
    $files = @()
    $manifest = $null
    foreach ($f in $all) {
        if ($script:NotZipped -contains $f.FullName) { continue }
        if ($f.Name -eq 'manifest.json' -and $f.DirectoryName -eq $script:Work) { $manifest = $f } else { $files += $f }
    }
    if ($manifest) { $files += $manifest }
    return $files
}

# File entries of a zip (names not ending in a separator), read from its central directory:
# the Shell may leave a file out and still report success.
function Get-ZipFileCount([string]$Zip) {
    $bytes = [System.IO.File]::ReadAllBytes($Zip)
    $end = -1
    for ($i = $bytes.Length - 22; $i -ge 0 -and $i -ge $bytes.Length - 65557; $i--) {
        if ($bytes[$i] -eq 0x50 -and $bytes[$i + 1] -eq 0x4b -and $bytes[$i + 2] -eq 5 -and $bytes[$i + 3] -eq 6) { $end = $i; break }
    }
    if ($end -lt 0) { return -1 }
    $entries = [int]$bytes[$end + 10] + 256 * [int]$bytes[$end + 11]
    $at = [int]$bytes[$end + 16] + 256 * [int]$bytes[$end + 17] + 65536 * [int]$bytes[$end + 18] + 16777216 * [int]$bytes[$end + 19]
    $files = 0
    for ($n = 0; $n -lt $entries; $n++) {
        if ($at + 46 -gt $bytes.Length -or $bytes[$at] -ne 0x50 -or $bytes[$at + 1] -ne 0x4b -or $bytes[$at + 2] -ne 1 -or $bytes[$at + 3] -ne 2) { return -1 }
        $nameLength = [int]$bytes[$at + 28] + 256 * [int]$bytes[$at + 29]
        $extraLength = [int]$bytes[$at + 30] + 256 * [int]$bytes[$at + 31]
        $commentLength = [int]$bytes[$at + 32] + 256 * [int]$bytes[$at + 33]
        $last = $bytes[$at + 46 + $nameLength - 1]
        if ($nameLength -gt 0 -and $last -ne 0x2f -and $last -ne 0x5c) { $files++ }
        $at = $at + 46 + $nameLength + $extraLength + $commentLength
    }
    return $files
}

# A copy of what may be zipped, in the scratch folder: Compress-Archive and the Shell zip a
# whole folder, and must not meet a file a program still holds (Compress-Archive stops, the
# Shell shows a dialog) or one a step did not finish. The manifest, written last, lists
# what could not be copied.
function New-ZipStage {
    $stage = Join-Path $script:Scratch (Split-Path -Leaf $script:Work)
    if (Test-Path -LiteralPath $stage) {
        $cleanupErrors = $null
        Remove-Item -LiteralPath $stage -Recurse -Force -ErrorAction SilentlyContinue -ErrorVariable cleanupErrors
    }
    foreach ($f in (Get-SnapshotFiles)) {
        if ($f.Name -eq 'manifest.json' -and $f.DirectoryName -eq $script:Work) { continue }
        $dest = Join-Path $stage ($f.FullName.Substring($script:Work.Length).TrimStart('\'))
        New-ParentFolder $dest
        $copyErrors = $null
        Copy-Item -LiteralPath $f.FullName -Destination $dest -ErrorAction SilentlyContinue -ErrorVariable copyErrors
        if ($copyErrors -or -not (Test-Path -LiteralPath $dest)) {
            $script:NotZipped += $f.FullName
            $script:Excluded += $f.FullName
        }
    }
    Save-Manifest
    Write-TextFile (Join-Path $stage 'manifest.json') (Get-ManifestText) 'utf8'
    return $stage
}

function New-ZipWithZipFile([string]$Zip) {
    Add-Type -AssemblyName System.IO.Compression -ErrorAction Stop
    Add-Type -AssemblyName System.IO.Compression.FileSystem -ErrorAction Stop
    $top = Split-Path -Leaf $script:Work
    $archive = [System.IO.Compression.ZipFile]::Open($Zip, [System.IO.Compression.ZipArchiveMode]::Create)
    try {
        foreach ($f in (Get-SnapshotFiles)) {
            if ($f.Name -eq 'manifest.json' -and $f.DirectoryName -eq $script:Work) { continue }
            $name = $top + '/' + ($f.FullName.Substring($script:Work.Length).TrimStart('\') -replace '\\', '/')
            try {
                [void][System.IO.Compression.ZipFileExtensions]::CreateEntryFromFile($archive, $f.FullName, $name)
            } catch {
                # A file another program still holds: left out, and the manifest says so.
                $script:NotZipped += $f.FullName
                $script:Excluded += $f.FullName
            }
        }
        # The manifest last, from memory: it lists what was left out, and no program can
        # hold it.
        Save-Manifest
        $entry = $archive.CreateEntry($top + '/manifest.json')
        $writer = New-Object System.IO.StreamWriter($entry.Open(), (New-Object System.Text.UTF8Encoding($false)))
        try { $writer.Write((Get-ManifestText)) } finally { $writer.Dispose() }
    } finally {
        $archive.Dispose()
    }
}

function New-ZipWithShell([string]$Zip, [string]$Stage) {
    # An empty zip, then the Shell copies the folder in (asynchronously: wait for it).
    [System.IO.File]::WriteAllBytes($Zip, [byte[]](80, 75, 5, 6, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0))
    $listErrors = $null
    $expected = @(Get-ChildItem -LiteralPath $Stage -Recurse -Force -ErrorAction SilentlyContinue -ErrorVariable listErrors | Where-Object { -not $_.PSIsContainer }).Count
    $shell = New-Object -ComObject Shell.Application
    $target = $shell.NameSpace($Zip)
    $target.CopyHere($Stage, 0x14)
    # Done when the zip holds a file entry per file (the Shell may drop one silently) and
    # has stayed closed for three seconds; at most until the zip's shared deadline.
    $quiet = 0
    while ((Get-Now) -lt $script:ZipUntil) {
        Start-Sleep -Milliseconds 500
        $closed = $false
        try { $s = [System.IO.File]::Open($Zip, 'Open', 'Read', 'None'); $s.Close(); $closed = $true } catch { }
        if ($closed) { $quiet++ } else { $quiet = 0 }
        if ($quiet -ge 6) {
            if ((Get-ZipFileCount $Zip) -eq $expected) { return }
            if ($quiet -ge 20) { throw "the zip holds a different number of files than the $expected copied" }
        }
    }
    throw "Windows' compressed folders did not finish in time"
}

function New-SnapshotZip {
    $name = Split-Path -Leaf $script:Work
    $tried = @()
    # One deadline for every attempt, in every folder.
    $script:ZipUntil = (Get-Now).AddSeconds($ZipTimeout)
    $stage = $null
    foreach ($folder in (Get-ZipFolders)) {
        $zip = Join-Path $folder ($name + '.zip')
        $methods = @()
        if ($script:FullLanguage) { $methods += 'zipfile' }
        if ($PSVersionTable.PSVersion.Major -ge 5) { $methods += 'compress-archive' }
        if ($script:FullLanguage) { $methods += 'shell' }
        foreach ($method in $methods) {
            if ((Get-Now) -gt $script:ZipUntil) {
                $tried += ($zip + ' (' + $method + '): not tried, the zip''s time is up')
                continue
            }
            try {
                if ($method -ne 'zipfile' -and $null -eq $stage) { $stage = New-ZipStage }
                if ($method -eq 'compress-archive') {
                    if ($PSVersionTable.PSVersion.Major -ge 5) {
                        Compress-Archive -LiteralPath $stage -DestinationPath $zip -ErrorAction Stop
                    } else {
                        throw 'Compress-Archive needs PowerShell 5'
                    }
                } elseif ($script:FullLanguage -and $method -eq 'zipfile') {
                    New-ZipWithZipFile $zip
                } elseif ($script:FullLanguage -and $method -eq 'shell') {
                    New-ZipWithShell $zip $stage
                } else {
                    throw "$method needs FullLanguage mode"
                }
                return @{ 'Zip' = $zip; 'Method' = $method; 'Tried' = $tried }
            } catch {
                $tried += ($zip + ' (' + $method + '): ' + $_.Exception.Message)
                $cleanupErrors = $null
                Remove-Item -LiteralPath $zip -Force -ErrorAction SilentlyContinue -ErrorVariable cleanupErrors
            }
        }
    }
    return @{ 'Zip' = $null; 'Method' = $null; 'Tried' = $tried }
}

# ---------------------------------------------------------------------------------------
# Before anything else: a 32-bit PowerShell on 64-bit Windows (started from a 32-bit file
# manager, archive tool or mail client) sees the 32-bit registry and programs. Start again
# in the 64-bit one, with the same options.

if ($env:PROCESSOR_ARCHITEW6432 -and -not $Relaunched) {
    $native64 = Join-Path $env:SystemRoot 'Sysnative\WindowsPowerShell\v1.0\powershell.exe'
    if ($ScriptPath -and (Test-Path -LiteralPath $native64)) {
        $relaunch = @('-NoProfile', '-ExecutionPolicy', 'Bypass', '-File', $ScriptPath, '-Relaunched', '-Days', [string]$Days)
        if ($OutputPath) {
            # A trailing backslash would escape the closing quote of the argument.
            $o = $OutputPath.TrimEnd('\')
            if ($o.EndsWith(':')) { $o = $o + '\.' }
            $relaunch += @('-OutputPath', $o)
        }
        if ($NoProbes) { $relaunch += '-NoProbes' }
        & $native64 $relaunch
        exit $LASTEXITCODE
    }
}

# ---------------------------------------------------------------------------------------
# Main

$script:StartedAt = Get-Now
$script:Started = Get-IsoNow
$script:Finished = $null
# Cleared when the collection ends normally: Ctrl+C leaves it, and the manifest says so.
$script:Stopped = 'the collection did not finish (the window was closed, or Ctrl+C)'
$script:Deadline = $script:StartedAt.AddSeconds($MaxMinutes * 60 - $ZipTimeout)
$script:Elevated = $null
$script:OsInfo = $null
$script:OemCodePage = $null
$script:AnsiCodePage = $null
# How this machine writes dates (console tools follow it): the analyzer reads day and month
# in that order.
$script:Locale = $null
try {
    $culture = Get-Culture
    $script:Locale = New-JsonObject @('name', [string]$culture.Name, 'short_date', [string]$culture.DateTimeFormat.ShortDatePattern)
} catch { }
$script:NativeReady = $false
$script:NativeError = $null
$script:UserHive = $null
$script:UserHiveSid = $null
$script:Group = 'startup'
$script:GroupBudget = $StartupReserve
$script:GroupStarted = Get-Now
$bits = 64
if ($env:PROCESSOR_ARCHITECTURE -eq 'x86') { $bits = 32 }
$osBits = 32
if ($env:PROCESSOR_ARCHITECTURE -ne 'x86' -or $env:PROCESSOR_ARCHITEW6432) { $osBits = 64 }
$script:ProcessInfo = New-JsonObject @('bits', $bits, 'os_bits', $osBits, 'relaunched', [bool]$Relaunched)

$stamp = (Get-Date).ToString('yyyyMMdd-HHmmss', [Globalization.CultureInfo]::InvariantCulture)
$name = "caadoctor-$env:COMPUTERNAME-$stamp"
$root = $null
foreach ($base in @($env:TEMP, $env:LOCALAPPDATA, $env:USERPROFILE)) {
    if (-not $base) { continue }
    try {
        $candidate = Join-Path $base 'caadoctor'
        [void](New-Item -ItemType Directory -Path (Join-Path $candidate $name) -Force -ErrorAction Stop)
        [void](New-Item -ItemType Directory -Path (Join-Path $candidate ($name + '.scratch')) -Force -ErrorAction Stop)
        $root = $candidate
        break
    } catch { }
}
if (-not $root) {
    Write-Host 'caadoctor cannot create a folder to work in (TEMP, LOCALAPPDATA and the user profile refuse it).' -ForegroundColor Red
    exit 2
}
# TEMP may be a short 8.3 path (C:\Users\ADMINI~1\...): file names found under it come back
# long, so the folders' own names must be the long ones too.
$script:Work = (Get-Item -LiteralPath (Join-Path $root $name)).FullName
$script:Scratch = (Get-Item -LiteralPath (Join-Path $root ($name + '.scratch'))).FullName

Write-Host ''
Write-Host 'caadoctor: collecting information for Microsoft 365 activation support' -ForegroundColor Cyan
Write-Host ''
Write-Host 'This reads Windows and Office settings, the state of four network services, the'
Write-Host 'names of stored sign-in entries, recent event logs, and tests the connection to'
Write-Host 'Microsoft''s sign-in addresses. No passwords, tokens or documents are collected, and'
Write-Host 'nothing on this PC is changed.'
Write-Host "It usually takes one or two minutes, and never more than $MaxMinutes."
Write-Host ''

$exitCode = 0
try {
    $script:GroupStarted = Get-Now
    try {
        $chcp = Invoke-Console 'chcp' 10
        $digits = $chcp['Text'] -replace '[^0-9]', ''
        if ($digits) { $script:OemCodePage = [int]$digits }
    } catch { }
    if ($script:FullLanguage -and $null -eq $script:OemCodePage) { $script:OemCodePage = [int][Console]::OutputEncoding.CodePage }
    $nlsErrors = $null
    $nls = Get-ItemProperty -LiteralPath 'HKLM:\SYSTEM\CurrentControlSet\Control\Nls\CodePage' -ErrorAction SilentlyContinue -ErrorVariable nlsErrors
    if ($nls -and $nls.ACP -match '^[0-9]+$') { $script:AnsiCodePage = [int]$nls.ACP }

    # The OS from the registry (WMI may hang). Windows 11 still calls itself Windows 10 in
    # ProductName: its build number tells.
    $cvErrors = $null
    $cv = Get-ItemProperty -LiteralPath 'HKLM:\SOFTWARE\Microsoft\Windows NT\CurrentVersion' -ErrorAction SilentlyContinue -ErrorVariable cvErrors
    if ($cv) {
        $caption = [string]$cv.ProductName
        $build = [string]$cv.CurrentBuildNumber
        $version = [string]$cv.CurrentVersion + '.' + $build
        # Windows 10 and later: CurrentVersion stays 6.3; the major and minor numbers are values
        # of their own (absent before, where strict mode makes reading them throw).
        try { $version = [string]$cv.CurrentMajorVersionNumber + '.' + [string]$cv.CurrentMinorVersionNumber + '.' + $build } catch { }
        if ($build -match '^[0-9]+$' -and [int]$build -ge 22000) { $caption = $caption -replace 'Windows 10', 'Windows 11' }
        $script:OsInfo = New-JsonObject @('caption', $caption, 'version', $version)
    }

    if ($script:FullLanguage) {
        $identity = [System.Security.Principal.WindowsIdentity]::GetCurrent()
        $script:Elevated = (New-Object System.Security.Principal.WindowsPrincipal($identity)).IsInRole([System.Security.Principal.WindowsBuiltInRole]::Administrator)
        $mySid = $identity.User.Value
    } else {
        # The high integrity level's SID is in the token of an elevated process.
        $groups = Invoke-Console 'whoami /groups' 10
        $script:Elevated = $groups['Text'].Contains('S-1-16-12288')
        $mySid = $null
        $me = Invoke-Console 'whoami /user' 10
        if ($me['Text'] -match '(S-1-5-[0-9-]+)') { $mySid = $matches[1] }
    }
    # Elevated as another account ("Run as administrator" with an IT account): HKCU is that
    # account's. The signed-in user's settings are in HKEY_USERS under their SID, which
    # LogonUI records; export that hive's keys instead, and say so in the manifest.
    if ($script:Elevated -and $mySid) {
        $logonErrors = $null
        $logon = Get-ItemProperty -LiteralPath 'HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\Authentication\LogonUI' -ErrorAction SilentlyContinue -ErrorVariable logonErrors
        $signedIn = $null
        $signedInUser = $null
        try { $signedIn = [string]$logon.LastLoggedOnUserSID; $signedInUser = [string]$logon.LastLoggedOnSAMUser } catch { }
        if ($signedIn -match '^S-1-5-21-[0-9-]+$' -and $signedIn -ne $mySid -and (Test-Path -LiteralPath ('Registry::HKEY_USERS\' + $signedIn))) {
            $script:UserHive = New-JsonObject @('sid', $signedIn, 'user', $signedInUser)
            $script:UserHiveSid = $signedIn
        }
    }
    Save-Manifest

    Write-Host 'If this window is closed early, what was collected so far is in:'
    Write-Host "  $($script:Work)"
    Write-Host ''
    if ($script:Elevated -and $script:UserHiveSid) {
        Write-Host 'Note: this window runs as another account, as administrator. The settings of the' -ForegroundColor Yellow
        Write-Host 'account signed in to Windows are read from its own registry hive; its stored' -ForegroundColor Yellow
        Write-Host 'sign-in entries cannot be. If you can, run it again without "Run as administrator".' -ForegroundColor Yellow
        Write-Host ''
    } elseif ($script:Elevated) {
        Write-Host 'Note: this window runs as administrator. Settings of your own account (HKCU) are' -ForegroundColor Yellow
        Write-Host 'then the administrator''s; if you can, run it again without "Run as administrator".' -ForegroundColor Yellow
        Write-Host ''
    }
    if (-not $script:FullLanguage) {
        Write-Host 'Note: your organisation restricts PowerShell on this PC (Constrained Language mode,' -ForegroundColor Yellow
        Write-Host 'set by AppLocker or Windows Defender Application Control). Settings, services, logs' -ForegroundColor Yellow
        Write-Host 'and updates are still collected, but the connection test cannot run. Support may' -ForegroundColor Yellow
        Write-Host 'ask your IT department to run this script as a trusted script.' -ForegroundColor Yellow
        Write-Host ''
    }

    Invoke-Group 'eventlogs' $EventLogs 'Invoke-EventLogStep'

    $probeState = $null
    $probeStep = New-Step $Documents[3][0] $Documents[3][2] $Documents[3][3] (Get-WorkPath $Documents[3][1]) $null
    if (-not $NoProbes) {
        try { $probeState = Start-Probes } catch { Complete-Step $probeStep 'failed' @{ 'error' = $_.Exception.Message }; $probeStep = $null }
    }

    Invoke-Group 'registry' $RegistryExports 'Invoke-RegistryStep'
    Invoke-Group 'commands' $Commands 'Invoke-CommandStep'
    Invoke-Group 'documents' $Documents[0..2] 'Invoke-DocumentsGroup'

    Show-Progress 'Testing the connection to Microsoft'
    if ($NoProbes) {
        Complete-Step $probeStep 'skipped' @{ 'error' = 'the -NoProbes switch was given' }
    } elseif ($script:FullLanguage -and $probeState) {
        try {
            $probes = Complete-Probes $probeState
            Save-Json $probeStep['File'] $probes['Value']
            Complete-Step $probeStep 'ok' @{ 'artifact' = $Documents[3][1]; 'error' = $probes['Error'] }
        } catch {
            Complete-Step $probeStep 'failed' @{ 'error' = $_.Exception.Message }
        }
    } elseif ($probeStep) {
        Complete-Step $probeStep 'skipped' @{ 'error' = 'PowerShell is in Constrained Language mode: the connection test needs .NET and COM' }
    }
    Write-Progress -Activity 'Testing the connection to Microsoft' -Completed
    $script:Stopped = $null
} catch {
    $script:Stopped = 'the collection stopped early: ' + $_.Exception.Message
} finally {
    # Whatever happened above (an error, Ctrl+C): the manifest and the zip.
    Write-Progress -Activity 'Collecting information for support' -Completed
    $script:Finished = Get-IsoNow
    Save-Manifest
    $zipResult = New-SnapshotZip
    $failed = @($script:Steps | Where-Object { $_['status'] -eq 'failed' -or $_['status'] -eq 'timeout' }).Count
    Write-Host ''
    if ($zipResult['Zip']) {
        # After the Shell's copy the folders stay (a last file may still be in flight).
        $cleanupErrors = $null
        if ($zipResult['Method'] -ne 'shell') {
            Remove-Item -LiteralPath $script:Work -Recurse -Force -ErrorAction SilentlyContinue -ErrorVariable cleanupErrors
            Remove-Item -LiteralPath $script:Scratch -Recurse -Force -ErrorAction SilentlyContinue -ErrorVariable cleanupErrors
        }
        Write-Host 'Done. Please send this file to support:' -ForegroundColor Green
        Write-Host "  $($zipResult['Zip'])"
        if ($failed -gt 0) { Write-Host "($failed of $($script:Steps.Count) steps could not collect their part; support will see which.)" }
        $explorerErrors = $null
        try { Start-Process -FilePath 'explorer.exe' -ArgumentList ('/select,"' + $zipResult['Zip'] + '"') -ErrorAction SilentlyContinue -ErrorVariable explorerErrors } catch { }
    } else {
        $exitCode = 2
        Write-Host 'Done, but this PC could not make a zip. Please zip this folder and send it to support:' -ForegroundColor Yellow
        Write-Host "  $($script:Work)"
        Write-Host '(In Explorer: right-click the folder, Send to, Compressed (zipped) folder.)'
        foreach ($t in $zipResult['Tried']) { Write-Host "  $t" }
        $explorerErrors = $null
        try { Start-Process -FilePath 'explorer.exe' -ArgumentList ('"' + $script:Work + '"') -ErrorAction SilentlyContinue -ErrorVariable explorerErrors } catch { }
    }
}
# PowerShell 7 disposes every runspace on exit and waits for each: one abandoned inside a hung
# WMI call would keep the window from ever closing.
if ($script:FullLanguage -and $PSVersionTable.PSVersion.Major -ge 6) { [Environment]::Exit($exitCode) }
exit $exitCode
