@echo off
rem caadoctor launcher: double-click it. It runs the PowerShell script of the same name next
rem to this file with Windows PowerShell, and waits at the end so the result can be read:
rem caadoctor-collect.cmd runs the collector, caadoctor-fix.cmd the fix that caadoctor fix
rem writes, caadoctor-undo.cmd the undo that the fix leaves with its backup. One launcher,
rem the same bytes under each name. Arguments are passed on (-OutputPath, -Days, -NoProbes).
rem No parenthesised blocks: cmd expands %~dp0 inside one when it reads the block, so a
rem folder named like "caadoctor (1)" would end it early.
setlocal
title caadoctor
set "NAME=%~n0"
set "SCRIPT=%~dpn0.ps1"
rem A browser saves a second download as "caadoctor-collect (1).cmd": then the script of the
rem name it was sent with.
if not exist "%SCRIPT%" if /i "%NAME:~0,17%"=="caadoctor-collect" set "SCRIPT=%~dp0caadoctor-collect.ps1"
if not exist "%SCRIPT%" if /i "%NAME:~0,13%"=="caadoctor-fix" set "SCRIPT=%~dp0caadoctor-fix.ps1"
if not exist "%SCRIPT%" if /i "%NAME:~0,14%"=="caadoctor-undo" set "SCRIPT=%~dp0caadoctor-undo.ps1"
call :leaf "%SCRIPT%"
if exist "%SCRIPT%" goto found
echo %SCRIPTNAME% must be in the same folder as this file:
echo   "%~dp0"
echo Extract all the files from the e-mail or zip first, then double-click this file again.
echo.
pause
exit /b 1

:found
rem The 64-bit PowerShell even when a 32-bit program (a file manager, an archive tool, a
rem mail client) started this file: for it, System32 is the 32-bit SysWOW64, and the script
rem would see the 32-bit registry and programs. Sysnative exists only in 32-bit processes.
set "PS=%SystemRoot%\System32\WindowsPowerShell\v1.0\powershell.exe"
if exist "%SystemRoot%\Sysnative\WindowsPowerShell\v1.0\powershell.exe" set "PS=%SystemRoot%\Sysnative\WindowsPowerShell\v1.0\powershell.exe"
if exist "%PS%" goto check
echo Windows PowerShell was not found on this PC:
echo   "%PS%"
echo Please tell support; they will send you another way to collect the information.
echo.
pause
exit /b 1

:check
rem Before the script runs: remove the "downloaded from the internet" mark from this file and
rem the script (PowerShell 3 and later; Unblock-File is the way Windows offers), then ask the
rem PC's script policy. Nothing here gets around a policy: where the organisation allows only
rem signed scripts and this one is not signed (or not validly), or allows none, this says so
rem and stops.
set "CAADOCTOR_SCRIPT=%SCRIPT%"
set "CAADOCTOR_LAUNCHER=%~f0"
"%PS%" -NoProfile -ExecutionPolicy Bypass -Command "if ($PSVersionTable.PSVersion.Major -ge 3) { Unblock-File -LiteralPath $env:CAADOCTOR_SCRIPT, $env:CAADOCTOR_LAUNCHER -ErrorAction SilentlyContinue } else { $v = 2 }; $p = [string](Get-ExecutionPolicy); if ($p -eq 'Restricted') { exit 3 }; if ($p -eq 'AllSigned') { if ((Get-AuthenticodeSignature -FilePath $env:CAADOCTOR_SCRIPT).Status -eq 'Valid') { exit 0 }; exit 3 }; if (($p -eq 'RemoteSigned' -or $p -eq 'Unrestricted') -and $PSVersionTable.PSVersion.Major -lt 3) { exit 4 }; exit 0"
set "CHECK=%ERRORLEVEL%"
if "%CHECK%"=="3" goto policy
if not "%CHECK%"=="4" goto run
rem PowerShell 2.0 under a RemoteSigned policy refuses the script while it carries the mark
rem (under Unrestricted it asks, and its default answer is "Do not run"). dir /r lists the
rem mark as a stream named Zone.Identifier.
dir /r "%SCRIPT%" | find /i ":Zone.Identifier" >nul
if errorlevel 1 goto run
echo Windows marked %SCRIPTNAME% as downloaded from the internet, and this PC's
echo settings do not run such scripts. To allow it:
echo   1. Right-click %SCRIPTNAME% and choose Properties.
echo   2. At the bottom of the General tab, click "Unblock" (or tick it), then OK.
echo   3. Double-click %~nx0 again.
echo.
pause
exit /b 4

:policy
echo This PC runs only PowerShell scripts that are digitally signed, or none at all,
echo and %SCRIPTNAME% does not carry a valid signature.
echo This is a setting of your organisation, and caadoctor will not work around it.
echo Please forward this message to your IT department: they can sign %SCRIPTNAME%
echo with the organisation's code-signing certificate, or run it for you.
echo.
pause
exit /b 3

:run
"%PS%" -NoProfile -ExecutionPolicy Bypass -File "%SCRIPT%" %*
set "RESULT=%ERRORLEVEL%"
echo.
echo Press any key to close this window.
pause >nul
exit /b %RESULT%

rem The file name of the script (its folder may hold characters a for loop would trip on).
:leaf
set "SCRIPTNAME=%~nx1"
exit /b 0
