<#
.SYNOPSIS
    caadoctor fix: makes, on the PC a caadoctor snapshot came from, the changes that
    `caadoctor fix` planned from that snapshot's findings - and nothing else.

.DESCRIPTION
    Lists the planned changes and asks once (Y/N). Then, for each change: checks that the
    PC still shows what the snapshot showed (otherwise the change is skipped, with the
    reason), backs up what it will change (reg export of the key, a copy of the folder),
    makes the change and checks the result. Every outcome goes to a log next to the
    backup, and caadoctor-undo.ps1 there puts back every change that was made. Windows is
    asked for administrator rights (UAC) once, only when a change needs them; the user's
    own settings are changed in the user's own session.

    Never: deletes the user's data (what the reset of the activation state removes is
    moved to the backup), changes a value a Group Policy sets (it says what to ask IT),
    touches anything the snapshot did not show, or works on another PC than the one the
    snapshot came from.

    Runs on Windows 7 SP1 (PowerShell 2.0) to Windows 11 (PowerShell 5.1 and 7), also in
    Constrained Language mode. Every console program has a time limit. Written by
    caadoctor from collectors/caadoctor-fix.ps1 and the plan below; caadoctor-undo.ps1 is
    this script with the inverse plan.

.PARAMETER Part
    Set by the script itself: 'admin' for the part it starts with administrator rights.

.PARAMETER RunFolder
    Set by the script itself: the folder of the backup and the log.

.PARAMETER Token
    Set by the script itself: the answer the user gave, for the administrator part.

.PARAMETER UserSid
    Set by the script itself: the user whose settings the checks read.

.PARAMETER Relaunched
    Set by the script itself when it restarts in 64-bit PowerShell; not for users.

.EXAMPLE
    Double-click caadoctor-fix.cmd next to this file.
#>
[CmdletBinding()]
param(
    [string]$Part = 'user',
    [string]$RunFolder = '',
    [string]$Token = '',
    [string]$UserSid = '',
    [switch]$Relaunched
)

Set-StrictMode -Version 2.0
$ErrorActionPreference = 'Continue'

$ScriptPath = $MyInvocation.MyCommand.Path
$CommandTimeout = 45
# How long the part with administrator rights may take: each of its actions runs a few
# console programs of $CommandTimeout at most, and the UAC prompt waits for the user.
$AdminPromptSeconds = 300
$OfficeProcesses = @('WINWORD', 'EXCEL', 'POWERPNT', 'OUTLOOK', 'ONENOTE', 'MSACCESS', 'MSPUB', 'VISIO', 'WINPROJ', 'lync')

# ---- plan: begin (written by caadoctor fix; the undo script is this file with another plan)
$Mode = 'fix'
$Plan = @{ 'Host' = ''; 'User' = ''; 'Source' = ''; 'Collected' = ''; 'Tool' = '' }
$Actions = @()
$Messages = @()
# ---- plan: end

$script:FullLanguage = ($ExecutionContext.SessionState.LanguageMode -eq 'FullLanguage')

# ---------------------------------------------------------------------------------------
# From the collector (caadoctor copies these functions from collectors/caadoctor-collect.ps1):
# local time for people, UTC for durations, console programs from System32 with a time
# limit, WMI with a deadline, the user's shell folders.

# @include Get-IsoNow
# @include Get-Now
# @include Get-Milliseconds
# @include New-ScratchFile
# @include New-ParentFolder
# @include Write-TextFile
# @include Invoke-Bounded
# @include Invoke-Wmi
# @include Invoke-Console
# @include Test-DidNotRun
# @include Read-ConsoleFile
# @include Get-ShellFolder

# ---------------------------------------------------------------------------------------
# The log and the outcomes.

$script:Outcomes = @()

function Write-Log([string]$Line) {
    if (-not $script:LogPath) { return }
    $logErrors = $null
    Add-Content -LiteralPath $script:LogPath -Value $Line -Encoding UTF8 -ErrorAction SilentlyContinue -ErrorVariable logErrors
}

# done, skipped (the PC did not show what the snapshot showed, or nothing could be saved
# first), failed (the change did not take), opened (something for the user).
function Write-Outcome($A, [string]$Status, [string]$Message) {
    $colour = 'Green'
    if ($Status -eq 'skipped') { $colour = 'Yellow' }
    if ($Status -eq 'failed') { $colour = 'Red' }
    Write-Host ('  ' + $Status + ': ' + $Message) -ForegroundColor $colour
    $script:Outcomes += @{ 'Id' = $A['Id']; 'Status' = $Status; 'Message' = $Message; 'Title' = $A['Title'] }
    Write-Log ((Get-IsoNow) + "`t" + $Part + "`t" + $A['Id'] + "`t" + $Status + "`t" + $Message)
}

# ---------------------------------------------------------------------------------------
# The PC as it is now.

# A registry key as the provider names it. HKCU in the part with administrator rights is
# the user's own hive (HKEY_USERS\<sid>): the administrator may be another account.
function Get-RegistryPath([string]$Key) {
    if ($Key.StartsWith('HKLM\')) { return ('Registry::HKEY_LOCAL_MACHINE\' + $Key.Substring(5)) }
    if ($Key.StartsWith('HKCU\')) {
        if ($Part -eq 'admin' -and $UserSid) { return ('Registry::HKEY_USERS\' + $UserSid + '\' + $Key.Substring(5)) }
        return ('Registry::HKEY_CURRENT_USER\' + $Key.Substring(5))
    }
    return ('Registry::' + $Key)
}

# A value now: whether its key and the value exist, and the value (a DWORD as 0..2^32-1).
function Get-RegistryValue([string]$Key, [string]$Name) {
    $out = @{ 'KeyExists' = $false; 'Exists' = $false; 'Value' = $null }
    $path = Get-RegistryPath $Key
    if (-not (Test-Path -LiteralPath $path)) { return $out }
    $out['KeyExists'] = $true
    $readErrors = $null
    $item = Get-ItemProperty -LiteralPath $path -Name $Name -ErrorAction SilentlyContinue -ErrorVariable readErrors
    if ($item) {
        $out['Exists'] = $true
        $v = $item.$Name
        if ($v -is [int] -and $v -lt 0) { $v = [long]$v + 4294967296 }
        $out['Value'] = $v
    }
    return $out
}

function Format-Dword($Value) {
    if ($null -eq $Value) { return 'not set' }
    # A value of another type than the DWORD expected is shown as it is.
    if (-not ($Value -is [int] -or $Value -is [long])) { return ('"' + [string]$Value + '"') }
    return ('0x{0:x} ({0})' -f [long]$Value)
}

# The value is what $Expected says: $null for not set, else that number.
function Test-Dword($Now, $Expected) {
    if ($null -eq $Expected) { return (-not $Now['Exists']) }
    return ($Now['Exists'] -and ($Now['Value'] -is [int] -or $Now['Value'] -is [long]) -and [long]$Now['Value'] -eq [long]$Expected)
}

# WinHTTP's proxy from the WinHttpSettings value (the same in every language): flags at
# byte 8 (0x2: a named proxy), then the proxy and the bypass list, each a length and ANSI
# bytes. No value: direct.
function Get-WinHttpProxy {
    $out = @{ 'Mode' = 'direct'; 'Proxy' = ''; 'Bypass' = '' }
    $now = Get-RegistryValue 'HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Internet Settings\Connections' 'WinHttpSettings'
    if (-not $now['Exists']) { return $out }
    $b = @($now['Value'])
    if ($b.Count -lt 16) { return $out }
    $at = 12
    $fields = @()
    for ($f = 0; $f -lt 2; $f++) {
        $text = ''
        if ($at + 4 -le $b.Count) {
            $len = [int]$b[$at] + 256 * [int]$b[$at + 1] + 65536 * [int]$b[$at + 2]
            $at += 4
            $chars = @()
            for ($i = 0; $i -lt $len -and $at + $i -lt $b.Count; $i++) { if ([int]$b[$at + $i] -ne 0) { $chars += [char][int]$b[$at + $i] } }
            $text = -join $chars
            $at += $len
        }
        $fields += $text
    }
    if (([int]$b[8] -band 2) -ne 0 -and $fields[0]) {
        $out['Mode'] = 'proxy'
        $out['Proxy'] = $fields[0]
        $out['Bypass'] = $fields[1]
    }
    return $out
}

function Get-OfficeRunning {
    $psErrors = $null
    $running = @(Get-Process -Name $OfficeProcesses -ErrorAction SilentlyContinue -ErrorVariable psErrors)
    $names = @()
    foreach ($p in $running) { if ($names -notcontains $p.ProcessName) { $names += $p.ProcessName } }
    return $names
}

# The elevated token carries the high integrity level's SID (works in every language mode).
function Test-Elevated {
    $groups = Invoke-Console 'whoami /groups' 10
    return $groups['Text'].Contains('S-1-16-12288')
}

function Get-UserSid {
    $who = Invoke-Console 'whoami /user' 10
    if ($who['Text'] -match '(S-1-5-[0-9-]+)') { return $Matches[1] }
    return ''
}

function Get-CatalogText {
    $r = Invoke-Console 'netsh winsock show catalog' $CommandTimeout
    if ($r['TimedOut'] -or (Test-DidNotRun $r)) { return $null }
    return $r['Text']
}

function Get-CredentialList {
    $r = Invoke-Console 'cmdkey /list' $CommandTimeout
    if ($r['TimedOut'] -or (Test-DidNotRun $r)) { return $null }
    return $r['Text']
}

# cmdkey prints "<label>: <target>" (the label is translated, the target is not; some
# languages write a full-width colon).
function Test-CredentialListed([string]$List, [string]$Target) {
    foreach ($line in ($List -split "`r?`n")) {
        $t = $line.Trim()
        if (-not $t.EndsWith($Target)) { continue }
        $label = $t.Substring(0, $t.Length - $Target.Length).TrimEnd()
        if ($label.EndsWith(':') -or $label.EndsWith([string][char]0xFF1A)) { return $true }
    }
    return $false
}

function Get-Files([string]$Path) {
    $listErrors = $null
    $names = @()
    foreach ($f in @(Get-ChildItem -LiteralPath $Path -Recurse -Force -ErrorAction SilentlyContinue -ErrorVariable listErrors | Where-Object { -not $_.PSIsContainer })) {
        $names += $f.FullName.Substring($Path.Length).TrimStart('\')
    }
    return @{ 'Names' = $names; 'Error' = (@($listErrors).Count -gt 0) }
}

# The same names, whatever their order and case.
function Test-SameNames([object[]]$A, [object[]]$B) {
    if (@($A).Count -ne @($B).Count) { return $false }
    foreach ($x in @($A)) { if (@($B) -notcontains $x) { return $false } }
    return $true
}

function Get-ServiceStart([string]$Service) {
    return (Get-RegistryValue ('HKLM\SYSTEM\CurrentControlSet\Services\' + $Service) 'Start')
}

function Test-ServiceRunning([string]$Service) {
    $r = Invoke-Console ('sc query ' + $Service) 15
    # The state's number and word are not translated: "STATE : 4  RUNNING".
    return ($r['Text'] -match ':\s*4\s+RUNNING')
}

function Get-UpdateInstalled([string]$Kb) {
    $wmi = Invoke-Wmi 'Win32_QuickFixEngineering' ("HotFixID='" + $Kb + "'") @('HotFixID') 20
    if ($wmi['Error'] -and $wmi['Items'].Count -eq 0) { return $null }
    return ($wmi['Items'].Count -gt 0)
}

function Get-C2RClient {
    foreach ($base in @($env:CommonProgramFiles, ${env:CommonProgramW6432}, ${env:CommonProgramFiles(x86)})) {
        if (-not $base) { continue }
        $exe = Join-Path $base 'Microsoft Shared\ClickToRun\OfficeC2RClient.exe'
        if (Test-Path -LiteralPath $exe) { return $exe }
    }
    return $null
}

# ---------------------------------------------------------------------------------------
# 1. Does the PC still show what the snapshot showed? $null when it does, else why not.

function Test-Action($A) {
    if ($A['CloseOffice']) {
        $office = @(Get-OfficeRunning)
        if ($office.Count -gt 0) { return ('Office is open (' + ($office -join ', ') + '): close every Office app and run this again') }
    }
    switch ($A['Kind']) {
        'registry-value' {
            foreach ($p in @($A['Policy'])) {
                if (-not ($p -match '^(.+)\\([^\\]+)$')) { continue }
                $policy = Get-RegistryValue $Matches[1] $Matches[2]
                if ($policy['Exists']) { return ('a Group Policy sets ' + $p + ': ask IT to change it there; the local value would not apply') }
            }
            $now = Get-RegistryValue $A['Key'] $A['Name']
            if (-not (Test-Dword $now $A['Old'])) {
                $seen = Format-Dword $now['Value']
                if (-not $now['Exists']) { $seen = 'not set' }
                return ($A['Name'] + ' is ' + $seen + ' now, not ' + (Format-Dword $A['Old']) + ' as in the snapshot: changed since, so left as it is')
            }
        }
        'registry-key-move' {
            $path = Get-RegistryPath $A['Key']
            if (-not (Test-Path -LiteralPath $path)) { return ($A['Key'] + ' no longer exists') }
            $listErrors = $null
            $names = @()
            foreach ($k in @(Get-ChildItem -LiteralPath $path -ErrorAction SilentlyContinue -ErrorVariable listErrors)) { $names += $k.PSChildName }
            if (-not (Test-SameNames $names @($A['Subkeys']))) { return ($A['Key'] + ' holds other identities now (' + ($names -join ', ') + ') than the snapshot showed: left as it is') }
        }
        'registry-key-restore' {
            if (Test-Path -LiteralPath (Get-RegistryPath $A['Key'])) { return ($A['Key'] + ' exists again (Office made a new one): left as it is; the old one is in ' + (Join-Path $script:Here $A['From'])) }
            if (-not (Test-Path -LiteralPath (Join-Path $script:Here $A['From']))) { return ('the backup ' + $A['From'] + ' is missing') }
        }
        'folder-move' {
            if (-not (Test-Path -LiteralPath $A['Path'])) { return ($A['Path'] + ' does not exist for this user') }
            $files = Get-Files $A['Path']
            if ($files['Error']) { return ($A['Path'] + ' cannot be read whole') }
            if (-not (Test-SameNames $files['Names'] @($A['Files']))) { return ($A['Path'] + ' holds other files now than the snapshot listed: left as it is') }
        }
        'folder-restore' {
            if (Test-Path -LiteralPath $A['Path']) { return ($A['Path'] + ' exists again (Office made a new one): left as it is; the old files are in ' + (Join-Path $script:Here $A['From'])) }
            if (-not (Test-Path -LiteralPath (Join-Path $script:Here $A['From']))) { return ('the backup ' + $A['From'] + ' is missing') }
        }
        'credential' {
            $list = Get-CredentialList
            if ($null -eq $list) { return 'cmdkey /list did not answer' }
            if (-not (Test-CredentialListed $list $A['Target'])) { return ($A['Target'] + ' is no longer in Credential Manager') }
        }
        'winhttp' {
            $now = Get-WinHttpProxy
            if ($A['OldMode'] -eq 'per-user') {
                $adv = Invoke-Console 'netsh winhttp show advproxy' $CommandTimeout
                if ($adv['Text'] -notmatch '"PerUserProxySettings"\s*:\s*true') { return 'WinHTTP no longer follows the user''s settings: left as it is' }
            } elseif ($now['Mode'] -ne $A['OldMode'] -or ($A['OldMode'] -eq 'proxy' -and ($now['Proxy'] -ne $A['OldProxy'] -or $now['Bypass'] -ne $A['OldBypass']))) {
                return ('WinHTTP has ' + $now['Mode'] + ' ' + $now['Proxy'] + ' now, not what the snapshot showed: left as it is')
            }
            if ($A['NewMode'] -eq 'browser') {
                $key = 'HKCU\Software\Microsoft\Windows\CurrentVersion\Internet Settings'
                $enable = Get-RegistryValue $key 'ProxyEnable'
                $server = Get-RegistryValue $key 'ProxyServer'
                $bypass = Get-RegistryValue $key 'ProxyOverride'
                $over = ''
                if ($bypass['Exists']) { $over = [string]$bypass['Value'] }
                if (-not (Test-Dword $enable 1) -or [string]$server['Value'] -ne $A['NewProxy'] -or $over -ne $A['NewBypass']) {
                    return ('the browser no longer uses proxy ' + $A['NewProxy'] + ': WinHTTP left as it is')
                }
            }
            if ($A['NewMode'] -eq 'per-user' -and [int]$script:Build -lt 22000) { return 'netsh winhttp set advproxy needs Windows 11' }
        }
        'winsock-reset' {
            $catalog = Get-CatalogText
            if ($null -eq $catalog) { return 'netsh winsock show catalog did not answer' }
            foreach ($dll in @($A['Dlls'])) {
                if ($dll -and -not $catalog.ToLower().Contains($dll.ToLower())) { return ('the catalog no longer lists ' + $dll) }
            }
            if (@($A['Dlls']).Count -eq 0 -and $catalog.Contains('MSAFD Tcpip [TCP/IP]')) { return 'the catalog has Windows'' TCP/IP provider again' }
        }
        'service' {
            $now = Get-ServiceStart $A['Service']
            if (-not (Test-Dword $now $A['OldStart'])) { return ($A['Service'] + ' starts ' + (Format-Dword $now['Value']) + ' now, not ' + $A['OldStart'] + ' as in the snapshot: left as it is') }
        }
        'open' {
            switch ($A['Opens']) {
                'office-update' {
                    $v = Get-RegistryValue 'HKLM\SOFTWARE\Microsoft\Office\ClickToRun\Configuration' 'VersionToReport'
                    if ([string]$v['Value'] -ne $A['Version']) { return ('Office reports version ' + [string]$v['Value'] + ' now, not ' + $A['Version'] + ': it has updated since') }
                    if (-not (Get-C2RClient)) { return 'OfficeC2RClient.exe is not on this PC' }
                }
                'windows-update' {
                    $cv = 'HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion'
                    $b = Get-RegistryValue $cv 'CurrentBuildNumber'
                    $u = Get-RegistryValue $cv 'UBR'
                    if ([string]$b['Value'] -ne [string]$A['Build'] -or ($null -ne $A['Ubr'] -and -not (Test-Dword $u $A['Ubr']))) { return 'Windows has been updated since the snapshot' }
                }
                'work-accounts' {
                    $r = Invoke-Console 'dsregcmd /status' $CommandTimeout
                    if ($r['Text'] -notmatch 'WorkplaceJoined\s*:\s*YES') { return 'no work or school account is connected any more' }
                }
                'update' {
                    $installed = Get-UpdateInstalled $A['Kb']
                    if ($installed) { return ($A['Kb'] + ' is installed now') }
                }
            }
        }
        default { return ('unknown kind of action: ' + $A['Kind']) }
    }
    return $null
}

# ---------------------------------------------------------------------------------------
# 2. Save what the action changes, before it changes it.

function Get-BackupPath([string]$Id) {
    return (Join-Path $script:BackupFolder $Id)
}

function Export-Key([string]$Key, [string]$File) {
    New-ParentFolder $File
    $r = Invoke-Console ('reg.exe export "' + $Key + '" "' + $File + '" /y') $CommandTimeout
    return (-not $r['TimedOut'] -and $r['ExitCode'] -eq 0 -and (Test-Path -LiteralPath $File))
}

function Save-Backup($A) {
    $out = @{ 'Ok' = $true; 'Error' = '' }
    $file = (Get-BackupPath $A['Id']) + '.reg'
    switch ($A['Kind']) {
        'registry-value' {
            if (Test-Path -LiteralPath (Get-RegistryPath $A['Key'])) {
                if (-not (Export-Key $A['Key'] $file)) { $out = @{ 'Ok' = $false; 'Error' = 'reg export of ' + $A['Key'] + ' failed' } }
            }
        }
        'registry-key-move' {
            if (-not (Export-Key $A['Key'] $file)) { $out = @{ 'Ok' = $false; 'Error' = 'reg export of ' + $A['Key'] + ' failed' } }
        }
        'folder-move' {
            $copy = Get-BackupPath $A['Id']
            $bad = 0
            New-ParentFolder (Join-Path $copy 'x')
            foreach ($f in @($A['Files'])) {
                $to = Join-Path $copy $f
                New-ParentFolder $to
                $copyErrors = $null
                Copy-Item -LiteralPath (Join-Path $A['Path'] $f) -Destination $to -Force -ErrorAction SilentlyContinue -ErrorVariable copyErrors
                if ($copyErrors) { $bad++ }
            }
            $copied = Get-Files $copy
            if ($bad -gt 0 -or -not (Test-SameNames $copied['Names'] @($A['Files']))) { $out = @{ 'Ok' = $false; 'Error' = 'the copy of ' + $A['Path'] + ' is not whole' } }
        }
        'credential' {
            $saveErrors = $null
            Add-Content -LiteralPath (Join-Path $script:BackupFolder 'credentials-removed.txt') -Value $A['Target'] -Encoding UTF8 -ErrorAction SilentlyContinue -ErrorVariable saveErrors
        }
        'winhttp' {
            if (-not (Export-Key 'HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Internet Settings\Connections' $file)) { $out = @{ 'Ok' = $false; 'Error' = 'reg export of WinHTTP''s settings failed' } }
        }
        'winsock-reset' {
            $catalog = Get-CatalogText
            if ($null -eq $catalog) { $out = @{ 'Ok' = $false; 'Error' = 'netsh winsock show catalog did not answer' } }
            else {
                Write-TextFile ((Get-BackupPath $A['Id']) + '-catalog.txt') $catalog 'utf16'
                [void](Export-Key 'HKLM\SYSTEM\CurrentControlSet\Services\WinSock2\Parameters' $file)
            }
        }
        'service' {
            $key = 'HKLM\SYSTEM\CurrentControlSet\Services\' + $A['Service']
            if (-not (Export-Key $key $file)) {
                # A subkey only the system may read: the key's own values, as the collector does.
                $q = Invoke-Console ('reg.exe query "' + $key + '"') $CommandTimeout
                if ($q['TimedOut'] -or $q['ExitCode'] -ne 0) { $out = @{ 'Ok' = $false; 'Error' = 'neither reg export nor reg query of ' + $key + ' worked' } }
                else { Write-TextFile ((Get-BackupPath $A['Id']) + '.txt') $q['Text'] 'utf16' }
            }
        }
    }
    return $out
}

# ---------------------------------------------------------------------------------------
# 3. The change, and a look at the result.

function Invoke-Checked([string]$CommandLine) {
    $r = Invoke-Console $CommandLine $CommandTimeout
    $ok = -not $r['TimedOut'] -and $r['ExitCode'] -eq 0
    $text = ($r['Text'] -replace '\s+', ' ').Trim()
    if ($r['TimedOut']) { $text = 'no answer in ' + $CommandTimeout + ' s' }
    return @{ 'Ok' = $ok; 'Text' = $text; 'ExitCode' = $r['ExitCode'] }
}

function Get-StartWord($Start) {
    switch ([int]$Start) { 2 { return 'auto' } 3 { return 'demand' } 4 { return 'disabled' } }
    return 'demand'
}

function Invoke-Change($A) {
    $out = @{ 'Ok' = $false; 'Changed' = $false; 'Message' = '' }
    switch ($A['Kind']) {
        'registry-value' {
            if ($null -eq $A['New']) { $r = Invoke-Checked ('reg.exe delete "' + $A['Key'] + '" /v "' + $A['Name'] + '" /f') }
            else { $r = Invoke-Checked ('reg.exe add "' + $A['Key'] + '" /v "' + $A['Name'] + '" /t REG_DWORD /d ' + [long]$A['New'] + ' /f') }
            $now = Get-RegistryValue $A['Key'] $A['Name']
            $out['Changed'] = -not (Test-Dword $now $A['Old'])
            $out['Ok'] = Test-Dword $now $A['New']
            $out['Message'] = $A['Name'] + ': ' + (Format-Dword $A['Old']) + ' -> ' + (Format-Dword $now['Value'])
            if (-not $now['Exists']) { $out['Message'] = $A['Name'] + ': ' + (Format-Dword $A['Old']) + ' -> not set' }
            if (-not $out['Ok']) { $out['Message'] = $out['Message'] + ' (reg: ' + $r['Text'] + ')' }
        }
        'registry-key-move' {
            $r = Invoke-Checked ('reg.exe delete "' + $A['Key'] + '" /f')
            $out['Ok'] = -not (Test-Path -LiteralPath (Get-RegistryPath $A['Key']))
            $out['Changed'] = $out['Ok']
            $out['Message'] = $A['Key'] + ' moved to ' + (Get-BackupPath $A['Id']) + '.reg'
            if (-not $out['Ok']) { $out['Message'] = 'reg delete failed: ' + $r['Text'] }
        }
        'registry-key-restore' {
            $r = Invoke-Checked ('reg.exe import "' + (Join-Path $script:Here $A['From']) + '"')
            $out['Ok'] = Test-Path -LiteralPath (Get-RegistryPath $A['Key'])
            $out['Changed'] = $out['Ok']
            $out['Message'] = $A['Key'] + ' imported from ' + $A['From']
            if (-not $out['Ok']) { $out['Message'] = 'reg import failed: ' + $r['Text'] }
        }
        'folder-move' {
            $removeErrors = $null
            Remove-Item -LiteralPath $A['Path'] -Recurse -Force -ErrorAction SilentlyContinue -ErrorVariable removeErrors
            $out['Ok'] = -not (Test-Path -LiteralPath $A['Path'])
            $out['Changed'] = $true
            $out['Message'] = $A['Path'] + ' moved to ' + (Get-BackupPath $A['Id'])
            if (-not $out['Ok']) { $out['Message'] = 'some files stayed (' + [string]@($removeErrors)[0] + '); every file is in ' + (Get-BackupPath $A['Id']) }
        }
        'folder-restore' {
            $copyErrors = $null
            Copy-Item -LiteralPath (Join-Path $script:Here $A['From']) -Destination $A['Path'] -Recurse -Force -ErrorAction SilentlyContinue -ErrorVariable copyErrors
            $files = Get-Files $A['Path']
            $out['Ok'] = (Test-SameNames $files['Names'] @($A['Files']))
            $out['Changed'] = $true
            $out['Message'] = $A['Path'] + ' copied back'
            if (-not $out['Ok']) { $out['Message'] = 'the copy back is not whole: ' + [string]@($copyErrors)[0] }
        }
        'credential' {
            $r = Invoke-Checked ('cmdkey.exe /delete:"' + $A['Target'] + '"')
            $list = Get-CredentialList
            $out['Ok'] = ($null -ne $list -and -not (Test-CredentialListed $list $A['Target']))
            $out['Changed'] = $out['Ok']
            $out['Message'] = $A['Target'] + ' removed'
            if (-not $out['Ok']) { $out['Message'] = 'cmdkey: ' + $r['Text'] }
        }
        'winhttp' {
            $r = Set-WinHttpProxy $A
            $now = Get-WinHttpProxy
            $want = $A['NewMode']
            if ($want -eq 'browser') { $want = 'proxy' }
            if ($want -eq 'per-user') {
                $adv = Invoke-Console 'netsh winhttp show advproxy' $CommandTimeout
                $out['Ok'] = ($adv['Text'] -match '"PerUserProxySettings"\s*:\s*true')
            } else {
                $out['Ok'] = ($now['Mode'] -eq $want -and ($want -eq 'direct' -or $now['Proxy'] -eq $A['NewProxy']))
            }
            $out['Changed'] = $r['Ok'] -or $out['Ok']
            $out['Message'] = 'WinHTTP: ' + $now['Mode'] + ' ' + $now['Proxy'] + ' ' + $now['Bypass']
            if (-not $out['Ok']) { $out['Message'] = $out['Message'] + ' (netsh: ' + $r['Text'] + ')' }
        }
        'winsock-reset' {
            $r = Invoke-Checked 'netsh winsock reset'
            $out['Ok'] = $r['Ok']
            $out['Changed'] = $r['Ok']
            $out['Message'] = 'Winsock reset: restart the PC to finish it'
            if (-not $r['Ok']) { $out['Message'] = 'netsh winsock reset: ' + $r['Text'] }
        }
        'service' {
            $name = $A['Service']
            $messages = @()
            if ([int]$A['NewStart'] -ne [int]$A['OldStart']) {
                $r = Invoke-Checked ('sc.exe config ' + $name + ' start= ' + (Get-StartWord $A['NewStart']))
                $now = Get-ServiceStart $name
                if (-not (Test-Dword $now $A['NewStart'])) { $out['Message'] = 'sc config: ' + $r['Text']; return $out }
                $out['Changed'] = $true
                $messages += ('starts ' + (Get-StartWord $A['NewStart']))
            }
            if ($A['Start']) {
                if (-not (Test-ServiceRunning $name)) {
                    $r = Invoke-Checked ('sc.exe start ' + $name)
                    $started = Get-Now
                    while (-not (Test-ServiceRunning $name) -and ((Get-Now) - $started).TotalSeconds -lt 30) { Start-Sleep -Seconds 2 }
                }
                if (-not (Test-ServiceRunning $name)) { $out['Message'] = (($messages + 'did not start') -join ', '); return $out }
                $messages += 'running'
            }
            $out['Ok'] = $true
            $out['Message'] = $name + ': ' + ($messages -join ', ')
        }
        'open' {
            $openErrors = $null
            switch ($A['Opens']) {
                'office-update' { Start-Process -FilePath (Get-C2RClient) -ArgumentList '/update user' -ErrorAction SilentlyContinue -ErrorVariable openErrors }
                'windows-update' {
                    if ([int]$script:Build -ge 10240) { Start-Process -FilePath 'ms-settings:windowsupdate' -ErrorAction SilentlyContinue -ErrorVariable openErrors }
                    else { Start-Process -FilePath (Join-Path $env:SystemRoot 'System32\control.exe') -ArgumentList '/name Microsoft.WindowsUpdate' -ErrorAction SilentlyContinue -ErrorVariable openErrors }
                }
                'work-accounts' { Start-Process -FilePath 'ms-settings:workplace' -ErrorAction SilentlyContinue -ErrorVariable openErrors }
                'update' { Start-Process -FilePath $A['Url'] -ErrorAction SilentlyContinue -ErrorVariable openErrors }
            }
            $out['Ok'] = -not $openErrors
            $out['Message'] = 'opened: ' + $A['After']
            if ($openErrors) { $out['Message'] = 'could not open it: ' + [string]@($openErrors)[0] + '; ' + $A['After'] }
        }
    }
    return $out
}

# WinHTTP's proxy as the action says. `import proxy source=ie` copies the browser settings
# of the account it runs as: only when that is the user whose settings were checked.
function Set-WinHttpProxy($A) {
    $mode = $A['NewMode']
    if ($mode -eq 'browser' -and $script:AdminSid -eq $UserSid -and $UserSid) { return (Invoke-Checked 'netsh winhttp import proxy source=ie') }
    if ($mode -eq 'browser' -or $mode -eq 'proxy') {
        if ($A['OldMode'] -eq 'per-user') { return (Set-AdvProxy 'machine' $A['NewProxy'] $A['NewBypass'] '' $false) }
        $line = 'netsh winhttp set proxy proxy-server="' + $A['NewProxy'] + '"'
        if ($A['NewBypass']) { $line = $line + ' bypass-list="' + $A['NewBypass'] + '"' }
        return (Invoke-Checked $line)
    }
    if ($mode -eq 'per-user') { return (Set-AdvProxy 'user' '' '' $A['NewPac'] $A['NewAutoDetect']) }
    if ($A['OldMode'] -eq 'per-user') { return (Set-AdvProxy 'machine' '' '' '' $false) }
    return (Invoke-Checked 'netsh winhttp reset proxy')
}

# Windows 11's advanced proxy, from a settings file (no quoting through cmd).
function Set-AdvProxy([string]$Scope, [string]$Proxy, [string]$Bypass, [string]$Pac, [bool]$Detect) {
    $file = (Get-BackupPath 'advproxy') + '-' + $Scope + '.json'
    $detectText = 'false'
    if ($Detect) { $detectText = 'true' }
    $json = '{"Proxy":"' + $Proxy.Replace('\', '\\') + '","ProxyBypass":"' + $Bypass.Replace('\', '\\') + '","AutoconfigUrl":"' + $Pac.Replace('\', '\\') + '","AutoDetect":' + $detectText + '}'
    Write-TextFile $file $json 'utf8'
    return (Invoke-Checked ('netsh winhttp set advproxy setting-scope=' + $Scope + ' settings-file="' + $file + '"'))
}

# ---------------------------------------------------------------------------------------
# The undo script: this file, with the inverse of each action done, newest first.

function ConvertTo-PsLiteral($Value) {
    if ($null -eq $Value) { return '$null' }
    if ($Value -is [bool]) { if ($Value) { return '$true' } else { return '$false' } }
    if ($Value -is [int] -or $Value -is [long]) { return [string]$Value }
    if ($Value -is [hashtable]) {
        $parts = @()
        foreach ($k in @($Value.Keys | Sort-Object)) { $parts += ((ConvertTo-PsLiteral ([string]$k)) + ' = ' + (ConvertTo-PsLiteral $Value[$k])) }
        return ('@{ ' + ($parts -join '; ') + ' }')
    }
    if ($Value -is [array]) {
        $parts = @()
        foreach ($v in $Value) { $parts += (ConvertTo-PsLiteral $v) }
        return ('@(' + ($parts -join ', ') + ')')
    }
    # Every character PowerShell takes for a single quote is doubled.
    $s = [string]$Value
    foreach ($q in @("'", [string][char]0x2018, [string][char]0x2019, [string][char]0x201A, [string][char]0x201B)) { $s = $s.Replace($q, $q + $q) }
    return ("'" + $s + "'")
}

function Save-UndoScript {
    $rowsFile = Join-Path $script:RunFolder 'undo-rows.txt'
    $readErrors = $null
    $rows = @(Get-Content -LiteralPath $rowsFile -Encoding UTF8 -ErrorAction SilentlyContinue -ErrorVariable readErrors)
    $self = @(Get-Content -LiteralPath $ScriptPath -Encoding UTF8)
    $begin = -1
    $end = -1
    for ($i = 0; $i -lt $self.Count; $i++) {
        if ($self[$i].StartsWith('# ---- plan: begin')) { $begin = $i }
        if ($self[$i].StartsWith('# ---- plan: end')) { $end = $i }
    }
    if ($begin -lt 0 -or $end -lt $begin) { return }
    $plan = @($self[$begin], "`$Mode = 'undo'", ('$Plan = ' + (ConvertTo-PsLiteral $Plan)), '$Actions = @(')
    for ($i = $rows.Count - 1; $i -ge 0; $i--) {
        $comma = ','
        if ($i -eq 0) { $comma = '' }
        if ($rows[$i]) { $plan += ('    ' + $rows[$i] + $comma) }
    }
    $plan += @(')', '$Messages = @()')
    $text = (@($self[0..($begin - 1)]) + $plan + @($self[$end..($self.Count - 1)])) -join "`r`n"
    Save-Script (Join-Path $script:RunFolder 'caadoctor-undo.ps1') ($text + "`r`n")
}

# UTF-8 with a BOM: PowerShell 2.0 reads a script without one as ANSI.
function Save-Script([string]$Path, [string]$Text) {
    if ($script:FullLanguage) {
        [System.IO.File]::WriteAllText($Path, $Text, (New-Object System.Text.UTF8Encoding($true)))
    } else {
        Set-Content -LiteralPath $Path -Value $Text -Encoding UTF8 -ErrorAction Stop
    }
}

function Add-Undo($A) {
    if ($Mode -ne 'fix' -or -not $A['Undo']) { return }
    $saveErrors = $null
    Add-Content -LiteralPath (Join-Path $script:RunFolder 'undo-rows.txt') -Value (ConvertTo-PsLiteral $A['Undo']) -Encoding UTF8 -ErrorAction SilentlyContinue -ErrorVariable saveErrors
    try { Save-UndoScript } catch { Write-Log ('the undo script could not be written: ' + $_.Exception.Message) }
}

# ---------------------------------------------------------------------------------------
# One action: check, back up, change. Isolated: whatever it throws is its own failure.

function Invoke-Action($A) {
    Write-Host ''
    Write-Host ($A['Title']) -ForegroundColor Cyan
    $why = Test-Action $A
    if ($why) {
        Write-Outcome $A 'skipped' $why
        return
    }
    $saved = Save-Backup $A
    if (-not $saved['Ok']) {
        Write-Outcome $A 'skipped' ('nothing was changed: ' + $saved['Error'])
        return
    }
    $result = Invoke-Change $A
    if ($result['Changed']) { Add-Undo $A }
    if ($A['Kind'] -eq 'open') { $status = 'opened' } elseif ($result['Ok']) { $status = 'done' } else { $status = 'failed' }
    Write-Outcome $A $status $result['Message']
}

function Invoke-Actions([bool]$Admin) {
    foreach ($a in $Actions) {
        if ([bool]$a['Admin'] -ne $Admin) { continue }
        if (-not $Admin -and -not $script:SameUser) {
            Write-Host ''
            Write-Host ($a['Title']) -ForegroundColor Cyan
            Write-Outcome $a 'skipped' ('these are the settings of ' + $Plan['User'] + ', who collected the snapshot; this window runs as ' + $env:USERDOMAIN + '\' + $env:USERNAME)
            continue
        }
        try {
            Invoke-Action $a
        } catch {
            Write-Outcome $a 'failed' ('an error stopped it: ' + $_.Exception.Message)
        }
    }
}

# ---------------------------------------------------------------------------------------
# Where the backup and the log go: the Desktop, else Documents, else the local AppData.

# The undo's folder is inside the fix's, next to the backup it restores from.
function New-RunFolder {
    $stamp = (Get-Date).ToString('yyyyMMdd-HHmmss', [Globalization.CultureInfo]::InvariantCulture)
    $name = 'caadoctor-' + $Mode + '-' + $env:COMPUTERNAME + '-' + $stamp
    if ($Mode -eq 'undo') {
        $bases = @($script:Here)
    } else {
        $desktop = Get-ShellFolder 'Desktop'
        if (-not $desktop) { $desktop = Join-Path $env:USERPROFILE 'Desktop' }
        $documents = Get-ShellFolder 'Personal'
        if (-not $documents) { $documents = Join-Path $env:USERPROFILE 'Documents' }
        $bases = @($desktop, $documents, $env:LOCALAPPDATA)
    }
    foreach ($base in $bases) {
        if (-not $base -or -not (Test-Path -LiteralPath $base)) { continue }
        $folder = Join-Path $base $name
        try {
            [void](New-Item -ItemType Directory -Path (Join-Path $folder 'backup') -Force -ErrorAction Stop)
            Set-Content -LiteralPath (Join-Path $folder ('caadoctor-' + $Mode + '.log')) -Value ('caadoctor ' + $Mode + ' on ' + $env:COMPUTERNAME + ', ' + (Get-IsoNow)) -Encoding UTF8 -ErrorAction Stop
            return $folder
        } catch { }
    }
    return $null
}

# ---------------------------------------------------------------------------------------
# Before anything else: 64-bit PowerShell (a 32-bit one sees the 32-bit registry).

if ($env:PROCESSOR_ARCHITEW6432 -and -not $Relaunched -and $Part -eq 'user') {
    $native64 = Join-Path $env:SystemRoot 'Sysnative\WindowsPowerShell\v1.0\powershell.exe'
    if ($ScriptPath -and (Test-Path -LiteralPath $native64)) {
        & $native64 @('-NoProfile', '-ExecutionPolicy', 'Bypass', '-File', $ScriptPath, '-Relaunched')
        exit $LASTEXITCODE
    }
}

# ---------------------------------------------------------------------------------------
# Main

$script:Here = Split-Path -Parent $ScriptPath
$script:Scratch = Join-Path $env:TEMP ('caadoctor-fix-' + [guid]::NewGuid().ToString())
$scratchErrors = $null
[void](New-Item -ItemType Directory -Path $script:Scratch -Force -ErrorAction SilentlyContinue -ErrorVariable scratchErrors)
$script:OemCodePage = $null
try {
    $chcp = Invoke-Console 'chcp' 10
    $digits = $chcp['Text'] -replace '[^0-9]', ''
    if ($digits) { $script:OemCodePage = [int]$digits }
} catch { }
$script:Build = [string](Get-RegistryValue 'HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion' 'CurrentBuildNumber')['Value']
if ($script:Build -notmatch '^[0-9]+$') { $script:Build = '0' }
$script:LogPath = $null
$script:RunFolder = $null
$script:BackupFolder = $null
$script:SameUser = (-not $Plan['User']) -or (($env:USERDOMAIN + '\' + $env:USERNAME) -eq $Plan['User'])
$exitCode = 0

# The part with administrator rights: started by the user's part, after the user's answer.
if ($Part -eq 'admin') {
    $consent = Join-Path $RunFolder 'consent.txt'
    $given = $null
    if ($RunFolder -and (Test-Path -LiteralPath $consent)) { $given = [string](Get-Content -LiteralPath $consent -Encoding UTF8 | Select-Object -First 1) }
    if (-not $Token -or $given -ne $Token) {
        Write-Host 'This part runs only when caadoctor-fix.cmd starts it, after your answer.' -ForegroundColor Red
        exit 2
    }
    $script:RunFolder = $RunFolder
    $script:BackupFolder = Join-Path $RunFolder 'backup'
    $script:LogPath = Join-Path $RunFolder ('caadoctor-' + $Mode + '.log')
    $script:AdminSid = Get-UserSid
    Write-Host 'caadoctor: the changes that need administrator rights' -ForegroundColor Cyan
    Invoke-Actions $true
    $removeErrors = $null
    Remove-Item -LiteralPath $script:Scratch -Recurse -Force -ErrorAction SilentlyContinue -ErrorVariable removeErrors
    if ($script:FullLanguage -and $PSVersionTable.PSVersion.Major -ge 6) { [Environment]::Exit(0) }
    exit 0
}

Write-Host ''
if ($Mode -eq 'fix') {
    Write-Host 'caadoctor: changes to make Microsoft 365 activation work again' -ForegroundColor Cyan
} else {
    Write-Host 'caadoctor: putting back what caadoctor-fix changed' -ForegroundColor Cyan
}
Write-Host ('Made for ' + $Plan['Host'] + ' from the snapshot ' + $Plan['Source'] + ' (' + $Plan['Collected'] + ') by ' + $Plan['Tool'] + '.')
Write-Host ''

if ($Plan['Host'] -and $env:COMPUTERNAME -ne $Plan['Host']) {
    Write-Host ('This script was made for the PC ' + $Plan['Host'] + ', and this PC is ' + $env:COMPUTERNAME + '. Nothing was changed.') -ForegroundColor Red
    exit 2
}
if ($env:PROCESSOR_ARCHITEW6432) {
    Write-Host 'This is 32-bit PowerShell on 64-bit Windows: start caadoctor-fix.cmd instead. Nothing was changed.' -ForegroundColor Red
    exit 2
}
if ($Actions.Count -eq 0) {
    Write-Host 'There is nothing to change.'
    foreach ($m in $Messages) { Write-Host ''; Write-Host $m -ForegroundColor Yellow }
    exit 0
}

Write-Host 'Planned changes:'
$n = 0
$admin = 0
$restart = $false
$office = $false
foreach ($a in $Actions) {
    $n++
    $marks = @()
    if ($a['Admin']) { $marks += 'administrator'; $admin++ }
    if ($a['Restart']) { $marks += 'restart'; $restart = $true }
    if ($a['CloseOffice']) { $office = $true }
    $suffix = ''
    if ($marks.Count -gt 0) { $suffix = '  [' + ($marks -join ', ') + ']' }
    Write-Host ('{0,3}. {1}{2}' -f $n, $a['Title'], $suffix)
    Write-Host ('       now:   ' + $a['Before'])
    Write-Host ('       after: ' + $a['After'])
}
foreach ($m in $Messages) { Write-Host ''; Write-Host $m -ForegroundColor Yellow }
Write-Host ''
Write-Host 'Before each change the script checks that the PC still shows what the snapshot showed,'
Write-Host 'and saves what it changes; caadoctor-undo.cmd, next to the backup, puts it all back.'
if ($admin -gt 0) { Write-Host ('Windows will ask once for administrator rights, for the ' + $admin + ' change(s) marked so.') }
if ($office) { Write-Host 'Close every Office app (Word, Excel, Outlook, Teams meetings in Outlook...) before you answer.' -ForegroundColor Yellow }
Write-Host ''
$answer = Read-Host 'Make these changes? (Y/N)'
if ($answer -notmatch '^\s*[YyJjOoSs]') {
    Write-Host 'Nothing was changed.'
    exit 0
}

$folder = New-RunFolder
if (-not $folder) {
    Write-Host 'No folder for the backup could be made (Desktop, Documents and AppData refuse it). Nothing was changed.' -ForegroundColor Red
    exit 2
}
$script:RunFolder = $folder
$script:BackupFolder = Join-Path $folder 'backup'
$script:LogPath = Join-Path $folder ('caadoctor-' + $Mode + '.log')
$token = [guid]::NewGuid().ToString()
Set-Content -LiteralPath (Join-Path $folder 'consent.txt') -Value $token -Encoding UTF8
if ($Mode -eq 'fix') {
    # The undo's launcher is this one's (one launcher runs the script of its own name).
    foreach ($cmd in @('caadoctor-fix.cmd', 'caadoctor-collect.cmd')) {
        $launcher = Join-Path $script:Here $cmd
        if (Test-Path -LiteralPath $launcher) {
            $copyErrors = $null
            Copy-Item -LiteralPath $launcher -Destination (Join-Path $folder 'caadoctor-undo.cmd') -Force -ErrorAction SilentlyContinue -ErrorVariable copyErrors
            break
        }
    }
}
Write-Host ''
Write-Host ('Backup and log: ' + $folder)

$script:UserSidNow = Get-UserSid
$UserSid = $script:UserSidNow
$script:AdminSid = $UserSid
Invoke-Actions $false

if ($admin -gt 0) {
    if (Test-Elevated) {
        Invoke-Actions $true
    } else {
        Write-Host ''
        Write-Host 'Asking Windows for administrator rights (a window opens and shows each change)...' -ForegroundColor Cyan
        $ps = Join-Path $env:SystemRoot 'System32\WindowsPowerShell\v1.0\powershell.exe'
        $sid = $UserSid
        if (-not $sid) { $sid = 'unknown' }
        $arguments = '-NoProfile -ExecutionPolicy Bypass -File "' + $ScriptPath + '" -Part admin -RunFolder "' + $folder + '" -Token ' + $token + ' -UserSid ' + $sid
        $before = @(Get-Content -LiteralPath $script:LogPath -Encoding UTF8).Count
        $p = $null
        try {
            $p = Start-Process -FilePath $ps -ArgumentList $arguments -Verb RunAs -PassThru -ErrorAction Stop
        } catch {
            foreach ($a in $Actions) {
                if ($a['Admin']) { Write-Host ''; Write-Host ($a['Title']) -ForegroundColor Cyan; Write-Outcome $a 'skipped' 'administrator rights were not given' }
            }
        }
        if ($p) {
            $waitErrors = $null
            $limit = $AdminPromptSeconds + $admin * 4 * $CommandTimeout
            Wait-Process -InputObject $p -Timeout $limit -ErrorAction SilentlyContinue -ErrorVariable waitErrors
            $ended = $true
            try { $ended = $p.HasExited } catch { }
            if (-not $ended) { Write-Host ('The administrator part is still running after ' + $limit + ' s; its outcomes will be in ' + $script:LogPath) -ForegroundColor Yellow }
            # Its outcomes, from the log it wrote.
            $lines = @(Get-Content -LiteralPath $script:LogPath -Encoding UTF8)
            for ($i = $before; $i -lt $lines.Count; $i++) {
                $f = $lines[$i] -split "`t"
                if ($f.Count -ge 5 -and $f[1] -eq 'admin') { $script:Outcomes += @{ 'Id' = $f[2]; 'Status' = $f[3]; 'Message' = $f[4]; 'Title' = $f[2] } }
            }
        }
    }
}

# The summary.
$done = @($script:Outcomes | Where-Object { $_['Status'] -eq 'done' }).Count
$opened = @($script:Outcomes | Where-Object { $_['Status'] -eq 'opened' }).Count
$skipped = @($script:Outcomes | Where-Object { $_['Status'] -eq 'skipped' })
$failed = @($script:Outcomes | Where-Object { $_['Status'] -eq 'failed' })
Write-Host ''
Write-Host ('Done: ' + $done + ' changed, ' + $opened + ' opened for you, ' + $skipped.Count + ' skipped, ' + $failed.Count + ' failed.') -ForegroundColor Cyan
foreach ($o in ($skipped + $failed)) { Write-Host ('  ' + $o['Status'] + ' ' + $o['Id'] + ': ' + $o['Message']) -ForegroundColor Yellow }
if ($failed.Count -gt 0) { $exitCode = 1 }
foreach ($m in $Messages) { Write-Host ''; Write-Host $m -ForegroundColor Yellow }
Write-Host ''
Write-Host ('The log and the backup are in ' + $folder)
if ($Mode -eq 'fix' -and ($done -gt 0)) {
    Write-Host 'To put everything back: double-click caadoctor-undo.cmd there.'
}
$removeErrors = $null
Remove-Item -LiteralPath $script:Scratch -Recurse -Force -ErrorAction SilentlyContinue -ErrorVariable removeErrors

# Offer the "after" snapshot.
if ($Mode -eq 'fix') {
    $collector = Join-Path $script:Here 'caadoctor-collect.cmd'
    Write-Host ''
    if ($restart) { Write-Host 'Some changes take effect after a restart: restart the PC first, then double-click caadoctor-collect.cmd to send support the "after" snapshot.' -ForegroundColor Yellow }
    if (Test-Path -LiteralPath $collector) {
        $again = Read-Host 'Collect the "after" snapshot for support now? (Y/N)'
        if ($again -match '^\s*[YyJjOoSs]') {
            $startErrors = $null
            Start-Process -FilePath $collector -WorkingDirectory $script:Here -ErrorAction SilentlyContinue -ErrorVariable startErrors
        }
    } else {
        Write-Host 'Run the collector again (caadoctor-collect.cmd, as before) and send support the new zip.'
    }
}
if ($script:FullLanguage -and $PSVersionTable.PSVersion.Major -ge 6) { [Environment]::Exit($exitCode) }
exit $exitCode
