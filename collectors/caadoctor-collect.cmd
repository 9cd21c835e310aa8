@echo off
rem caadoctor collector launcher: double-click it. It runs caadoctor-collect.ps1 (next to
rem this file) with Windows PowerShell, whatever the script policy, and waits at the end so
rem the result can be read. Arguments are passed on (-OutputPath, -Days, -NoProbes).
rem No parenthesised blocks use the folder's name: a folder like "caadoctor (1)" must work.
setlocal
title caadoctor - collecting information for support
set "SCRIPT=%~dp0caadoctor-collect.ps1"
if exist "%SCRIPT%" goto run
echo caadoctor-collect.ps1 must be in the same folder as this file:
echo   "%~dp0"
echo Extract both files from the e-mail or zip first, then double-click this file again.
echo.
pause
exit /b 1

:run
"%SystemRoot%\System32\WindowsPowerShell\v1.0\powershell.exe" -NoProfile -ExecutionPolicy Bypass -File "%SCRIPT%" %*
set "RESULT=%ERRORLEVEL%"
echo.
echo Press any key to close this window.
pause >nul
exit /b %RESULT%
