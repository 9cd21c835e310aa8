"""What each sample machine's registry holds. Values follow what Windows ships
(service keys, NCSI defaults, Internet Settings blobs); the product keys and ids are
random but shaped like real ones. Each sample differs from the healthy one only where
its cause lives."""

import random

RNG = random.Random(20261120)


def rand_bytes(n, zero_tail=0):
    return bytes(RNG.randrange(256) for _ in range(n - zero_tail)) + bytes(zero_tail)


def current_version(build, ubr, product, edition, display=None, major=True, csd=None,
                    buildlab="", installation="Client"):
    v = [
        ("BuildLab", "sz", buildlab),
        ("BuildLabEx", "sz", buildlab.replace(".", ".1.amd64fre.", 1) if buildlab else ""),
        ("CurrentBuild", "sz", str(build)),
        ("CurrentBuildNumber", "sz", str(build)),
        ("CurrentType", "sz", "Multiprocessor Free"),
        ("CurrentVersion", "sz", "6.3" if major else "6.1"),
        ("DigitalProductId", "binary", rand_bytes(164, 60)),
        ("DigitalProductId4", "binary", rand_bytes(1272, 600)),
        ("EditionID", "sz", edition),
        ("InstallationType", "sz", installation),
        ("InstallDate", "dword", 0x6512A0C4),
        ("PathName", "sz", "C:\\Windows"),
        ("ProductId", "sz", "00330-80000-00000-AA%03d" % RNG.randrange(1000)),
        ("ProductName", "sz", product),
        ("RegisteredOrganization", "sz", ""),
        ("RegisteredOwner", "sz", "Windows User"),
        ("SoftwareType", "sz", "System"),
        ("SystemRoot", "sz", "C:\\Windows"),
    ]
    if major:
        v += [
            ("CurrentMajorVersionNumber", "dword", 10),
            ("CurrentMinorVersionNumber", "dword", 0),
            ("DisplayVersion", "sz", display),
            ("InstallTime", "qword", 133412318120000000),
            ("LCUVer", "sz", f"10.0.{build}.{ubr}"),
            ("ReleaseId", "sz", "2009"),
            ("UBR", "dword", ubr),
        ]
    if csd:
        v.append(("CSDVersion", "sz", csd))
    return sorted(v, key=lambda x: x[0].lower())


def environment():
    return [
        ("ComSpec", "expand", "%SystemRoot%\\system32\\cmd.exe"),
        ("NUMBER_OF_PROCESSORS", "sz", "8"),
        ("OS", "sz", "Windows_NT"),
        ("Path", "expand", "%SystemRoot%\\system32;%SystemRoot%;%SystemRoot%\\System32\\Wbem;%SYSTEMROOT%\\System32\\WindowsPowerShell\\v1.0\\"),
        ("PATHEXT", "sz", ".COM;.EXE;.BAT;.CMD;.VBS;.VBE;.JS;.JSE;.WSF;.WSH;.MSC"),
        ("PROCESSOR_ARCHITECTURE", "sz", "AMD64"),
        ("PROCESSOR_IDENTIFIER", "sz", "Intel64 Family 6 Model 140 Stepping 1, GenuineIntel"),
        ("PROCESSOR_LEVEL", "sz", "6"),
        ("PROCESSOR_REVISION", "sz", "8c01"),
        ("TEMP", "expand", "%SystemRoot%\\TEMP"),
        ("TMP", "expand", "%SystemRoot%\\TEMP"),
        ("USERNAME", "sz", "SYSTEM"),
        ("windir", "expand", "%SystemRoot%"),
    ]


def winhttp_direct_blob():
    # WinHttpSettings as `netsh winhttp reset proxy` leaves it: version 0x18, counter, direct.
    return bytes.fromhex("1800000000000000010000000000000000000000")


def lp(text):
    """A length-prefixed ANSI field of the Connections blobs."""
    raw = text.encode("cp1252")
    return len(raw).to_bytes(4, "little") + raw


def wininet_blob(counter, flags, proxy="", bypass="", pac=""):
    return (bytes.fromhex("46000000") + counter.to_bytes(4, "little") + flags.to_bytes(4, "little")
            + lp(proxy) + lp(bypass) + lp(pac) + bytes(32))


SCHANNEL = r"HKLM\SYSTEM\CurrentControlSet\Control\SecurityProviders\SCHANNEL"
IS = r"Microsoft\Windows\CurrentVersion\Internet Settings"
SVC = r"HKLM\SYSTEM\CurrentControlSet\Services"
DOTNET = r"HKLM\SOFTWARE\Microsoft\.NETFramework\v4.0.30319"
DOTNET_WOW64 = r"HKLM\SOFTWARE\WOW6432Node\Microsoft\.NETFramework\v4.0.30319"
WINSOCK2 = r"HKLM\SYSTEM\CurrentControlSet\Services\WinSock2\Parameters"
LICENSING = r"HKCU\Software\Microsoft\Office\16.0\Common\Licensing"
C2R = r"HKLM\SOFTWARE\Microsoft\Office\ClickToRun\Configuration"
OFFICE_POLICY = r"HKLM\SOFTWARE\Policies\Microsoft\office\16.0\common\officeupdate"
IDENTITY = r"HKCU\Software\Microsoft\Office\16.0\Common\Identity"


def schannel(extra=None):
    keys = {
        SCHANNEL: [("EventLogging", "dword", 1)],
        SCHANNEL + r"\Ciphers": [],
        SCHANNEL + r"\CipherSuites": [],
        SCHANNEL + r"\Hashes": [],
        SCHANNEL + r"\KeyExchangeAlgorithms": [],
        SCHANNEL + r"\Protocols": [],
        SCHANNEL + r"\Protocols\SSL 2.0": [],
        SCHANNEL + r"\Protocols\SSL 2.0\Client": [("DisabledByDefault", "dword", 1)],
    }
    keys.update(extra or {})
    return keys


def internet_settings_hklm(wow=False, winhttp=None):
    base = "HKLM\\SOFTWARE\\" + ("WOW6432Node\\" if wow else "") + IS
    keys = {
        base: [
            ("ActiveXCache", "sz", "C:\\Windows\\Downloaded Program Files"),
            ("CodeBaseSearchPath", "sz", "CODEBASE"),
            ("EnablePunycode", "dword", 1),
            ("MinorVersion", "sz", "0"),
            ("WarnOnIntranet", "dword", 1),
        ],
        base + r"\Connections": [("WinHttpSettings", "binary", winhttp_direct_blob())],
        base + r"\ZoneMap": [("IntranetName", "dword", 1), ("ProxyByPass", "dword", 1),
                             ("UNCAsIntranet", "dword", 1)],
    }
    if winhttp is not None:
        keys[base + r"\WinHttp"] = winhttp
    return keys


def internet_settings_hkcu(secure_protocols, proxy=None):
    """`proxy`: (server, bypass) the user's browser goes through, or None for direct."""
    base = "HKCU\\Software\\" + IS
    proxy_values = []
    flags = 0x09
    server, bypass = "", ""
    if proxy:
        server, bypass = proxy
        proxy_values = [("ProxyOverride", "sz", bypass), ("ProxyServer", "sz", server)]
        flags = 0x0B
    return {
        base: sorted(proxy_values + [
            ("CertificateRevocation", "dword", 1),
            ("DisableCachingOfSSLPages", "dword", 0),
            ("EnableHttp1_1", "dword", 1),
            ("EnableNegotiate", "dword", 1),
            ("IE5_UA_Backup_Flag", "sz", "5.0"),
            ("MigrateProxy", "dword", 1),
            ("PrivacyAdvanced", "dword", 1),
            ("ProxyEnable", "dword", 1 if proxy else 0),
            ("ProxyHttp1.1", "dword", 1),
            ("SecureProtocols", "dword", secure_protocols),
            ("User Agent", "sz", "Mozilla/4.0 (compatible; MSIE 8.0; Win32)"),
            ("WarnonZoneCrossing", "dword", 0),
            ("ZonesSecurityUpgrade", "binary", bytes.fromhex("7a2b0d3f8c9ad901")),
        ], key=lambda v: v[0].lower()),
        base + r"\Connections": [
            ("DefaultConnectionSettings", "binary", wininet_blob(0x1c, flags, server, bypass)),
            ("SavedLegacySettings", "binary", wininet_blob(0x21, flags, server, bypass)),
        ],
    }


def ncsi_internet(win7=False, **overrides):
    if win7:
        v = {
            "ActiveDnsProbeContent": ("sz", "131.107.255.255"),
            "ActiveDnsProbeHost": ("sz", "dns.msftncsi.com"),
            "ActiveWebProbeContent": ("sz", "Microsoft NCSI"),
            "ActiveWebProbeHost": ("sz", "www.msftncsi.com"),
            "ActiveWebProbePath": ("sz", "ncsi.txt"),
            "EnableActiveProbing": ("dword", 1),
            "PassivePollPeriod": ("dword", 0xF),
            "StaleThreshold": ("dword", 0x1E),
            "WebTimeout": ("dword", 0x23),
        }
    else:
        v = {
            "ActiveDnsProbeContent": ("sz", "131.107.255.255"),
            "ActiveDnsProbeContentV6": ("sz", "fd3e:4f5a:5b81::1"),
            "ActiveDnsProbeHost": ("sz", "dns.msftncsi.com"),
            "ActiveDnsProbeHostV6": ("sz", "dns.msftncsi.com"),
            "ActiveWebProbeContent": ("sz", "Microsoft Connect Test"),
            "ActiveWebProbeContentV6": ("sz", "Microsoft Connect Test"),
            "ActiveWebProbeHost": ("sz", "www.msftconnecttest.com"),
            "ActiveWebProbeHostV6": ("sz", "ipv6.msftconnecttest.com"),
            "ActiveWebProbePath": ("sz", "connecttest.txt"),
            "ActiveWebProbePathV6": ("sz", "connecttest.txt"),
            "CaptivePortalTimer": ("dword", 0),
            "CaptivePortalTimerBackoffIncrementsInSeconds": ("dword", 5),
            "CaptivePortalTimerMaxInSeconds": ("dword", 0x1E),
            "EnableActiveProbing": ("dword", 1),
            "PassivePollPeriod": ("dword", 0xF),
            "StaleThreshold": ("dword", 0x1E),
            "WebTimeout": ("dword", 0x23),
        }
    v.update({k: ("dword", d) for k, d in overrides.items()})
    return [(k, t, d) for k, (t, d) in sorted(v.items(), key=lambda x: x[0].lower())]


def service(name, start, display, desc, image, account, privileges, depends=None, dll=None,
            extra=None):
    vals = [
        ("Description", "sz", desc),
        ("DisplayName", "sz", display),
        ("ErrorControl", "dword", 1),
        ("FailureActions", "binary", bytes.fromhex(
            "805101000000000000000000030000001400000001000000c0d4010001000000e09304000000000000000000")),
        ("ImagePath", "expand", image),
        ("ObjectName", "sz", account),
        ("RequiredPrivileges", "multi", privileges),
        ("ServiceSidType", "dword", 1),
        ("Start", "dword", start),
        ("Type", "dword", 0x20),
    ]
    if depends:
        vals.append(("DependOnService", "multi", depends))
    keys = {f"{SVC}\\{name}": sorted(vals, key=lambda x: x[0].lower())}
    if dll:
        keys[f"{SVC}\\{name}\\Parameters"] = [("ServiceDll", "expand", dll),
                                               ("ServiceDllUnloadOnStop", "dword", 1)]
    keys.update(extra or {})
    return keys


def services(win7=False, starts=None, ncsi=None):
    s = {"NlaSvc": 2, "netprofm": 3, "EventLog": 2, "NcdAutoSetup": 3}
    s.update(starts or {})
    p = "" if win7 else " -p"
    keys = {}
    keys.update(service(
        "NlaSvc", s["NlaSvc"], "@%SystemRoot%\\System32\\nlasvc.dll,-1",
        "@%SystemRoot%\\System32\\nlasvc.dll,-2",
        "%SystemRoot%\\System32\\svchost.exe -k NetworkService" + p, "NT AUTHORITY\\NetworkService",
        ["SeChangeNotifyPrivilege", "SeImpersonatePrivilege", "SeAuditPrivilege", "SeCreateGlobalPrivilege"],
        depends=["NSI", "RpcSs", "TcpIp", "Dhcp", "Eventlog"],
        dll="%SystemRoot%\\System32\\nlasvc.dll",
        extra={f"{SVC}\\NlaSvc\\Parameters\\Internet": ncsi or ncsi_internet(win7)}))
    keys.update(service(
        "netprofm", s["netprofm"], "@%SystemRoot%\\system32\\netprofmsvc.dll,-202",
        "@%SystemRoot%\\system32\\netprofmsvc.dll,-203",
        "%SystemRoot%\\System32\\svchost.exe -k LocalService" + p, "NT AUTHORITY\\LocalService",
        ["SeChangeNotifyPrivilege", "SeImpersonatePrivilege", "SeCreateGlobalPrivilege"],
        depends=["RpcSs", "nsi"], dll="%SystemRoot%\\System32\\netprofmsvc.dll"))
    keys.update(service(
        "EventLog", s["EventLog"], "@%SystemRoot%\\system32\\wevtsvc.dll,-200",
        "@%SystemRoot%\\system32\\wevtsvc.dll,-201",
        "%SystemRoot%\\System32\\svchost.exe -k LocalServiceNetworkRestricted" + p,
        "NT AUTHORITY\\LocalService",
        ["SeChangeNotifyPrivilege", "SeImpersonatePrivilege", "SeAuditPrivilege"],
        dll="%SystemRoot%\\System32\\wevtsvc.dll",
        extra={
            f"{SVC}\\EventLog\\Application": [
                ("File", "expand", "%SystemRoot%\\System32\\Winevt\\Logs\\Application.evtx"),
                ("MaxSize", "dword", 0x1400000), ("PrimaryModule", "sz", "Application"),
                ("Retention", "dword", 0)],
            f"{SVC}\\EventLog\\System": [
                ("File", "expand", "%SystemRoot%\\System32\\Winevt\\Logs\\System.evtx"),
                ("MaxSize", "dword", 0x1400000), ("PrimaryModule", "sz", "System"),
                ("Retention", "dword", 0)],
        }))
    if not win7:
        keys.update(service(
            "NcdAutoSetup", s["NcdAutoSetup"], "@%SystemRoot%\\System32\\NcdAutoSetup.dll,-100",
            "@%SystemRoot%\\System32\\NcdAutoSetup.dll,-101",
            "%SystemRoot%\\System32\\svchost.exe -k LocalServiceNoNetwork" + p,
            "NT AUTHORITY\\LocalService", ["SeChangeNotifyPrivilege", "SeCreateGlobalPrivilege"],
            depends=["netprofm"], dll="%SystemRoot%\\System32\\NcdAutoSetup.dll"))
    return keys


def tcpip6(disabled_components=None):
    vals = [("Dhcpv6DUID", "binary", bytes.fromhex("000100012c8f31a4d8bbc1a0f37e"))]
    if disabled_components is not None:
        vals.append(("DisabledComponents", "dword", disabled_components))
    return {r"HKLM\SYSTEM\CurrentControlSet\Services\Tcpip6\Parameters": vals}


def dotnet_crypto(strong=True):
    """.NET 4 TLS settings (SchUseStrongCrypto / SystemDefaultTlsVersions), both views."""
    values = [("SchUseStrongCrypto", "dword", 1), ("SystemDefaultTlsVersions", "dword", 1)] if strong else []
    return {DOTNET: values, DOTNET_WOW64: list(values)}


def winsock2_parameters():
    """WinSock2\\Parameters: which catalogs are current (the entries are in netsh's output)."""
    return {WINSOCK2: [("Current_NameSpace_Catalog", "sz", "NameSpace_Catalog5"),
                       ("Current_Protocol_Catalog", "sz", "Protocol_Catalog9"),
                       ("Ws2_32NumHandleBuckets", "dword", 0x20), ("Ws2_32SpinCount", "dword", 0xfa0)],
            WINSOCK2 + "\\Protocol_Catalog9": [("Next_Catalog_Entry_ID", "dword", 0x42c),
                                                ("Num_Catalog_Entries", "dword", 0x12),
                                                ("Serial_Access_Num", "dword", 0x13)]}


def office_licensing():
    """HKCU Office licensing (the vNext licensing marker of Microsoft 365 Apps)."""
    return {LICENSING: [], LICENSING + "\\LicensingNext": [("o365proplusretail", "dword", 2)]}


# (step id, file, key, how): keys whose own values are all the analyzer needs are read with
# `reg query` (a standard user cannot `reg export` EventLog: its Security subkey is not
# readable), the others exported (collectors/caadoctor-collect.ps1: $RegistryExports).
EXPORTS = [
    ("reg-os-version", "os-version.txt", r"HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion", "reg-query"),
    ("reg-environment", "environment.txt", r"HKLM\SYSTEM\CurrentControlSet\Control\Session Manager\Environment", "reg-query"),
    ("reg-schannel", "schannel.reg", SCHANNEL, "reg-export"),
    ("reg-internet-settings-hklm", "internet-settings-hklm.reg", "HKLM\\SOFTWARE\\" + IS, "reg-export"),
    ("reg-internet-settings-hklm-wow64", "internet-settings-hklm-wow64.reg", "HKLM\\SOFTWARE\\WOW6432Node\\" + IS, "reg-export"),
    ("reg-internet-settings-hkcu", "internet-settings-hkcu.reg", "HKCU\\Software\\" + IS, "reg-export"),
    ("reg-internet-settings-policy-hklm", "internet-settings-policy-hklm.reg", "HKLM\\SOFTWARE\\Policies\\" + IS, "reg-export"),
    ("reg-internet-settings-policy-hkcu", "internet-settings-policy-hkcu.reg", "HKCU\\SOFTWARE\\Policies\\" + IS, "reg-export"),
    ("reg-dotnet-crypto", "dotnet-crypto.txt", DOTNET, "reg-query"),
    ("reg-dotnet-crypto-wow64", "dotnet-crypto-wow64.txt", DOTNET_WOW64, "reg-query"),
    ("reg-ncsi-policy", "ncsi-policy.reg", r"HKLM\SOFTWARE\Policies\Microsoft\Windows\NetworkConnectivityStatusIndicator", "reg-export"),
    ("reg-tcpip6", "tcpip6.txt", r"HKLM\SYSTEM\CurrentControlSet\Services\Tcpip6\Parameters", "reg-query"),
    ("reg-winsock2", "winsock2.txt", WINSOCK2, "reg-query"),
    ("reg-svc-nlasvc", "svc-nlasvc.reg", SVC + r"\NlaSvc", "reg-export"),
    ("reg-svc-netprofm", "svc-netprofm.txt", SVC + r"\netprofm", "reg-query"),
    ("reg-svc-eventlog", "svc-eventlog.txt", SVC + r"\EventLog", "reg-query"),
    ("reg-svc-ncdautosetup", "svc-ncdautosetup.txt", SVC + r"\NcdAutoSetup", "reg-query"),
    ("reg-office-c2r", "office-c2r.reg", C2R, "reg-export"),
    ("reg-office-update-policy", "office-update-policy.reg", OFFICE_POLICY, "reg-export"),
    ("reg-office-identity", "office-identity.reg", IDENTITY, "reg-export"),
    ("reg-office-licensing", "office-licensing.reg", LICENSING, "reg-export"),
]
# Paths inside the snapshot, as the collector's manifest names them.
EXPORTS = [(i, "registry/" + f, k, how) for i, f, k, how in EXPORTS]



NETSH_DIRECT = "\r\nCurrent WinHTTP proxy settings:\r\n\r\n    Direct access (no proxy server).\r\n\r\n"


SERVICE_INFO = {
    # name: (display name, type line, image, account, dependencies)
    "NlaSvc": ("Network Location Awareness", "30  WIN32", "NetworkService", "NT AUTHORITY\\NetworkService",
               ["NSI", "RpcSs", "TcpIp", "Dhcp", "Eventlog"]),
    "netprofm": ("Network List Service", "30  WIN32", "LocalService", "NT AUTHORITY\\LocalService",
                 ["RpcSs", "nsi"]),
    "EventLog": ("Windows Event Log", "30  WIN32", "LocalServiceNetworkRestricted",
                 "NT AUTHORITY\\LocalService", []),
    "NcdAutoSetup": ("Network Connected Devices Auto-Setup", "30  WIN32", "LocalServiceNoNetwork",
                     "NT AUTHORITY\\LocalService", ["netprofm"]),
}
STATE_WORDS = {1: "STOPPED", 4: "RUNNING"}
START_WORDS = {2: "AUTO_START", 3: "DEMAND_START", 4: "DISABLED"}
NOT_INSTALLED = ("[SC] EnumQueryServicesStatus:OpenService FAILED 1060:\r\n\r\n"
                 "The specified service does not exist as an installed service.\r\n\r\n")
NOT_INSTALLED_QC = ("[SC] OpenService FAILED 1060:\r\n\r\n"
                    "The specified service does not exist as an installed service.\r\n\r\n")


def sc_query(name, state, win7=False):
    type_line = "20  WIN32_SHARE_PROCESS" if win7 else SERVICE_INFO[name][1]
    flags = ("(STOPPABLE, NOT_PAUSABLE, ACCEPTS_SHUTDOWN)" if state == 4
             else "(NOT_STOPPABLE, NOT_PAUSABLE, IGNORES_SHUTDOWN)")
    return ("\r\nSERVICE_NAME: %s \r\n        TYPE               : %s  \r\n"
            "        STATE              : %d  %s \r\n                                %s\r\n"
            "        WIN32_EXIT_CODE    : %s\r\n        SERVICE_EXIT_CODE  : 0  (0x0)\r\n"
            "        CHECKPOINT         : 0x0\r\n        WAIT_HINT          : 0x0\r\n"
            % (name, type_line, state, STATE_WORDS[state], flags,
               "0  (0x0)" if state == 4 else "1077  (0x435)"))


def sc_qc(name, start, win7=False):
    display, type_line, group, account, deps = SERVICE_INFO[name]
    if win7:
        type_line = "20  WIN32_SHARE_PROCESS"
    p = "" if win7 else " -p"
    dep_lines = "".join(("        DEPENDENCIES       : " if i == 0 else "                           : ") + d + "\r\n"
                        for i, d in enumerate(deps)) or "        DEPENDENCIES       : \r\n"
    return ("[SC] QueryServiceConfig SUCCESS\r\n\r\nSERVICE_NAME: %s\r\n"
            "        TYPE               : %s\r\n        START_TYPE         : %d   %s\r\n"
            "        ERROR_CONTROL      : 1   NORMAL\r\n"
            "        BINARY_PATH_NAME   : C:\\Windows\\System32\\svchost.exe -k %s%s\r\n"
            "        LOAD_ORDER_GROUP   : \r\n        TAG                : 0\r\n"
            "        DISPLAY_NAME       : %s\r\n%s        SERVICE_START_NAME : %s\r\n"
            % (name, type_line, start, START_WORDS[start], group, p, display, dep_lines, account))


def cmdkey_list(entries):
    """`cmdkey /list`: (target, type, user, persistence) per credential."""
    if not entries:
        return "\r\nCurrently stored credentials:\r\n\r\n* NONE *\r\n"
    out = "\r\nCurrently stored credentials:\r\n\r\n"
    for target, kind, user, persistence in entries:
        out += f"    Target: {target}\r\n    Type: {kind} \r\n    User: {user}\r\n    {persistence}\r\n    \r\n"
    return out


CMDKEY_TYPICAL = [
    ("MicrosoftAccount:target=SSO_POP_Device", "Generic", "02kqxzbfmrlweiaj", "Saved for this logon only"),
    ("WindowsLive:target=virtualapp/didlogical", "Generic", "02kqxzbfmrlweiaj", "Local machine persistence"),
]


def box(title):
    return ("+" + "-" * 70 + "+\r\n| " + title.ljust(69) + "|\r\n+" + "-" * 70 + "+\r\n \r\n")


def dsregcmd(upn, tenant, azure_ad=True, domain=False, work_accounts=()):
    """`dsregcmd /status` as Windows 11 prints it (blank lines hold one space)."""
    tid = "4b2f1e0c-6c5d-4a3e-9f1b-2d7e8a9c0b1d"
    fields = lambda pairs: "".join(f"{k.rjust(30)} : {v}\r\n" for k, v in pairs) + " \r\n"
    out = box("Device State") + fields([
        ("AzureAdJoined", "YES" if azure_ad else "NO"), ("EnterpriseJoined", "NO"),
        ("DomainJoined", "YES" if domain else "NO")] + ([("DomainName", "CONTOSO")] if domain else []) + [
        ("Virtual Desktop", "NOT SET"), ("Device Name", "pc.contoso.com")])
    if azure_ad:
        out += box("Tenant Details") + fields([
            ("TenantName", tenant), ("TenantId", tid), ("AuthCodeUrl", f"https://login.microsoftonline.com/{tid}/oauth2/authorize"),
            ("AccessTokenUrl", f"https://login.microsoftonline.com/{tid}/oauth2/token"), ("MdmUrl", ""),
            ("JoinSrvUrl", "https://enterpriseregistration.windows.net/EnrollmentServer/device/")])
    out += box("User State") + fields([
        ("NgcSet", "YES" if azure_ad else "NO"), ("NgcKeyId", "{2C0F7E8B-5A1D-4F36-9B2E-7D4C1A0E6F35}" if azure_ad else ""),
        ("CanReset", "DestructiveAndNonDestructive" if azure_ad else "NonDestructiveOnly"),
        ("WorkplaceJoined", "YES" if work_accounts else "NO"),
        ("WamDefaultSet", "YES" if azure_ad else "NO"),
        ("WamDefaultAuthority", "organizations"), ("WamDefaultId", "https://login.microsoft.com"),
        ("WamDefaultGUID", "{B16898C6-A148-4967-9171-64D755DA8520} (AzureAd)")])
    out += box("SSO State") + fields([
        ("AzureAdPrt", "YES" if azure_ad else "NO"), ("AzureAdPrtUpdateTime", "2026-11-20 07:58:12.000 UTC"),
        ("AzureAdPrtExpiryTime", "2026-12-04 07:58:11.000 UTC"),
        ("AzureAdPrtAuthority", f"https://login.microsoftonline.com/{tid}"),
        ("EnterprisePrt", "YES" if domain else "NO"), ("OnPremTgt", "YES" if domain else "NO"), ("CloudTgt", "YES")])
    for i, (wtenant, wtid) in enumerate(work_accounts, 1):
        out += box(f"Work Account {i}") + fields([
            ("WorkplaceDeviceId", "9d6c2b1e-8f47-4a3d-b5e2-1c0f9a7e6d52"),
            ("WorkplaceThumbprint", "5E0D6A1C9B3F4E27A8D1C6B0F2E9A7D4C3B1E0F8"),
            ("DeviceCertificateValidity", "[ 2026-03-02 09:11:40.000 UTC -- 2036-03-02 09:41:40.000 UTC ]"),
            ("KeyContainerId", "e2b7c1d0-3f5a-4c68-9d2e-0a1b7c6d5e4f"),
            ("KeyProvider", "Microsoft Platform Crypto Provider"), ("TpmProtected", "YES"),
            ("WorkplaceIdp", "login.windows.net"), ("WorkplaceTenantId", wtid),
            ("WorkplaceTenantName", wtenant), ("WorkplaceMdmUrl", ""), ("WorkplaceSettingsUrl", "")])
    out += box("Diagnostic Data") + fields([
        ("AadRecoveryEnabled", "NO"), ("Executing Account Name", f"CONTOSO\\{upn.split('@')[0]}, {upn}"),
        ("KeySignTest", "PASSED")])
    out += "For more information, please visit https://www.microsoft.com/aadjerrors\r\n"
    return out


def winsock_entry(entry_type, desc, pid, path, cid, af, maxlen, minlen, socktype, proto, flags, chain):
    rows = [("Entry Type", entry_type), ("Description", desc), ("Provider ID", pid), ("Provider Path", path),
            ("Catalog Entry ID", str(cid)), ("Version", "2"), ("Address Family", str(af)),
            ("Max Address Length", str(maxlen)), ("Min Address Length", str(minlen)),
            ("Socket Type", str(socktype)), ("Protocol", str(proto)), ("Service Flags", flags),
            ("Protocol Chain Length", str(len(chain) if len(chain) != 1 or entry_type.startswith("Base") else 1))]
    out = "\r\nWinsock Catalog Provider Entry\r\n" + "-" * 54 + "\r\n"
    out += "".join((k + ":").ljust(36) + v + "\r\n" for k, v in rows)
    if len(chain) > 1:
        out += "Protocol Chain: " + " : ".join(str(c) for c in chain) + "\r\n"
    return out + "\r\n"


def namespace_entry(desc, pid, ns, active="1", version="1"):
    rows = [("Description", desc), ("Provider ID", pid), ("Name Space", ns), ("Active", active), ("Version", version)]
    return ("\r\nName Space Provider Entry\r\n" + "-" * 54 + "\r\n"
            + "".join((k + ":").ljust(36) + v + "\r\n" for k, v in rows) + "\r\n")


MSWSOCK = "%SystemRoot%\\system32\\mswsock.dll"
TCPIP4 = "{E70F1AA0-AB8B-11CF-8CA3-00805F48A192}"
TCPIP6 = "{F9EAB0C0-26D4-11D0-BBBF-00AA006C34E4}"


def winsock_catalog(lsp=False, win7=False):
    """`netsh winsock show catalog` of a Windows 10/11 (or 7) PC; `lsp` adds a third-party
    layered provider over TCP/UDP as the corpus's Lavasoft example shows it."""
    base = [
        ("MSAFD Tcpip [TCP/IP]", TCPIP4, 1001, 2, 16, 16, 1, 6, "0x20066"),
        ("MSAFD Tcpip [UDP/IP]", TCPIP4, 1002, 2, 16, 16, 2, 17, "0x20609"),
        ("MSAFD Tcpip [RAW/IP]", TCPIP4, 1003, 2, 16, 16, 3, 0, "0x20609"),
        ("MSAFD Tcpip [TCP/IPv6]", TCPIP6, 1004, 23, 28, 28, 1, 6, "0x20066"),
        ("MSAFD Tcpip [UDP/IPv6]", TCPIP6, 1005, 23, 28, 28, 2, 17, "0x20609"),
        ("MSAFD Tcpip [RAW/IPv6]", TCPIP6, 1006, 23, 28, 28, 3, 0, "0x20609"),
    ]
    out = ""
    for desc, pid, cid, af, mx, mn, st, pr, fl in base:
        out += winsock_entry("Base Service Provider", desc, pid, MSWSOCK, cid, af, mx, mn, st, pr, fl, [cid])
    if not win7:
        out += winsock_entry("Base Service Provider", "AF_UNIX", "{A00943D9-9C2E-4633-9B59-0057A3160994}",
                             MSWSOCK, 1007, 1, 110, 2, 1, 0, "0x20026", [1007])
        out += winsock_entry("Base Service Provider", "Hyper-V RAW", "{1234191B-4BF7-4CA7-86E0-DFD7C32B5445}",
                             "%SystemRoot%\\system32\\mswsock.dll", 1008, 34, 36, 36, 1, 1, "0x20026", [1008])
    out += winsock_entry("Base Service Provider", "MSAFD RfComm [Bluetooth]", "{9FC48064-7298-43E4-B7BD-181F2089792A}",
                         MSWSOCK, 1009, 32, 30, 30, 1, 3, "0x20026", [1009])
    if lsp:
        lsp_id = "{D3C21122-85E1-48F3-9AB6-23D90C73077F}"
        out += winsock_entry("Layered Service Provider", "LavasoftLSP", lsp_id,
                             "C:\\WINDOWS\\system32\\LavasoftTcpService64.dll", 1030, 2, 16, 16, 1, 6, "0x66", [])
        out += winsock_entry("Layered Chain Entry", "LavasoftLSP over [MSAFD Tcpip [TCP/IP]]",
                             "{1C39A736-9641-4F43-9C20-AEED81692A07}",
                             "C:\\WINDOWS\\system32\\LavasoftTcpService64.dll", 1031, 2, 16, 16, 1, 6, "0x66",
                             [1030, 1001])
        out += winsock_entry("Layered Chain Entry", "LavasoftLSP over [MSAFD Tcpip [UDP/IP]]",
                             "{4A9D2F70-4A3A-4FE6-8C66-0E0C87A1B2E4}",
                             "C:\\WINDOWS\\system32\\LavasoftTcpService64.dll", 1032, 2, 16, 16, 2, 17, "0x609",
                             [1030, 1002])
    out += namespace_entry("Network Location Awareness Legacy (NLAv1) Namespace",
                           "{6642243A-3BA8-4AA6-BAA5-2E0BD71FDD83}", "15")
    out += namespace_entry("Tcpip", "{22059D40-7E9E-11CF-AE5A-00AA00A7112B}", "12")
    out += namespace_entry("NTDS", "{3B2637EE-E580-11CF-A555-00C04FD8D4AC}", "32")
    out += namespace_entry("E-mail Naming Shim Provider", "{964ACBA2-B2BC-40EB-8C6A-A6DB40161CAE}", "37")
    if not win7:
        out += namespace_entry("Bluetooth Namespace", "{9FC48064-7298-43E4-B7BD-181F2089792A}", "16")
    return out


WIN11_UPDATES = [
    ("KB5044284", "Update", (2024, 10, 8)), ("KB5054979", "Update", (2025, 3, 11)),
    ("KB5066835", "Security Update", (2025, 10, 14)), ("KB5068861", "Update", (2026, 9, 8)),
    ("KB5071412", "Security Update", (2026, 11, 11)),
]
WIN10_ESU_UPDATES = [
    ("KB5011048", "Update", (2022, 4, 19)), ("KB5015684", "Update", (2022, 7, 27)),
    ("KB5066791", "Security Update", (2025, 10, 14)), ("KB5071546", "Security Update", (2026, 11, 11)),
]
WIN7_UPDATES = [
    ("KB2534111", "Hotfix", (2015, 5, 22)), ("KB2849697", "Update", (2015, 5, 22)),
    ("KB976902", "Update", (2010, 11, 21)), ("KB4467107", "Security Update", (2018, 11, 14)),
    ("KB4534310", "Security Update", (2020, 1, 14)),
]


def ipconfig_all(host, ipv6_global=True, win7=False):
    """`ipconfig /all` of a PC with one wired adapter (and a disconnected Wi-Fi)."""
    def row(label, value):
        # ipconfig's leader dots sit on odd columns up to column 35, then " : ".
        out = "   " + label
        while len(out) < 36:
            out += "." if len(out) % 2 == 1 else " "
        return out + " : " + value + "\r\n"
    out = "\r\nWindows IP Configuration\r\n\r\n"
    out += row("Host Name", host) + row("Primary Dns Suffix", "contoso.com") + row("Node Type", "Hybrid")
    out += row("IP Routing Enabled", "No") + row("WINS Proxy Enabled", "No") + row("DNS Suffix Search List", "contoso.com")
    out += "\r\nEthernet adapter Ethernet:\r\n\r\n"
    out += row("Connection-specific DNS Suffix", "contoso.com")
    out += row("Description", "Intel(R) Ethernet Connection (16) I219-LM")
    out += row("Physical Address", "3C-52-82-6A-1F-C4") + row("DHCP Enabled", "Yes") + row("Autoconfiguration Enabled", "Yes")
    if ipv6_global:
        out += row("IPv6 Address", "2a02:8071:6c80:4e00:9d1b:3f2e:7a64:c2d1(Preferred)")
        out += row("Temporary IPv6 Address", "2a02:8071:6c80:4e00:51e7:a4c9:18b3:6f20(Preferred)")
    out += row("Link-local IPv6 Address", "fe80::8f3a:21c4:d9b7:5e02%11(Preferred)")
    out += row("IPv4 Address", "10.20.31.57(Preferred)") + row("Subnet Mask", "255.255.255.0")
    out += row("Lease Obtained", "Friday, November 20, 2026 7:58:02 AM") + row("Lease Expires", "Saturday, November 21, 2026 7:58:02 AM")
    gateways = ["fe80::1%11", "10.20.31.1"] if ipv6_global else ["10.20.31.1"]
    out += row("Default Gateway", gateways[0]) + "".join(" " * 39 + g + "\r\n" for g in gateways[1:])
    out += row("DHCP Server", "10.20.31.1")
    if not win7:
        out += row("DHCPv6 IAID", "104878722") + row("DHCPv6 Client DUID", "00-01-00-01-2C-8F-31-A4-D8-BB-C1-A0-F3-7E")
    out += row("DNS Servers", "10.20.0.10") + " " * 39 + "10.20.0.11\r\n"
    out += row("NetBIOS over Tcpip", "Enabled")
    out += "\r\nWireless LAN adapter Wi-Fi:\r\n\r\n"
    out += row("Media State", "Media disconnected") + row("Connection-specific DNS Suffix", "")
    out += row("Description", "Intel(R) Wi-Fi 6E AX211 160MHz") + row("Physical Address", "A4-6B-B6-19-0E-77")
    out += row("DHCP Enabled", "Yes") + row("Autoconfiguration Enabled", "Yes")
    return out


ADVPROXY_DIRECT = ("\r\nCurrent WinHTTP advanced proxy settings:\r\n\r\n{\r\n"
                   "\t\"ProxyIsEnabled\":\tfalse,\r\n\t\"AutoConfigIsEnabled\":\tfalse,\r\n"
                   "\t\"AutoDetect\":\tfalse,\r\n\t\"PerUserProxySettings\":\tfalse\r\n}\r\n")
ADVPROXY_MISSING = "The following command was not found: winhttp show advproxy.\r\n"


def commands_default(states=None, starts=None, win7=False, upn="amelie.durand@contoso.com",
                     cmdkey=CMDKEY_TYPICAL, dsreg=None, lsp=False, host="PC", updates=None, ipv6_global=None,
                     advproxy=False, licenses=None):
    """What the collector's console commands and documents give, in its order
    (collectors/caadoctor-collect.ps1: $Commands, then $Documents but the probes).

    Each item: (step id, file under commands/, command as the manifest names it, how, data)
    with how = "text" (console output; saved UTF-16LE as Out-File writes it), "absent" (the
    command does not exist here; data is its message) or "json" (a document the script
    writes by hand, UTF-8)."""
    states = dict({"NlaSvc": 4, "netprofm": 4, "EventLog": 4, "NcdAutoSetup": 1}, **(states or {}))
    starts = dict({"NlaSvc": 2, "netprofm": 3, "EventLog": 2, "NcdAutoSetup": 3}, **(starts or {}))
    out = [("cmd-netsh-winhttp-proxy", "netsh-winhttp-show-proxy.txt", "netsh winhttp show proxy", "text", NETSH_DIRECT)]
    if advproxy:
        out.append(("cmd-netsh-winhttp-advproxy", "netsh-winhttp-show-advproxy.txt", "netsh winhttp show advproxy",
                    "text", ADVPROXY_DIRECT))
    else:
        out.append(("cmd-netsh-winhttp-advproxy", None, "netsh winhttp show advproxy", "absent", ADVPROXY_MISSING))
    for name in ["NlaSvc", "netprofm", "EventLog", "NcdAutoSetup"]:
        low = name.lower()
        if win7 and name == "NcdAutoSetup":
            query, qc = NOT_INSTALLED, NOT_INSTALLED_QC
        else:
            query, qc = sc_query(name, states[name], win7), sc_qc(name, starts[name], win7)
        out.append((f"cmd-sc-query-{low}", f"sc-query-{low}.txt", f"sc query {name}", "text", query))
        out.append((f"cmd-sc-qc-{low}", f"sc-qc-{low}.txt", f"sc qc {name}", "text", qc))
    if win7:
        out.append(("cmd-dsregcmd", None, "dsregcmd /status", "absent", "dsregcmd does not exist before Windows 10"))
    else:
        out.append(("cmd-dsregcmd", "dsregcmd-status.txt", "dsregcmd /status", "text", dsreg or dsregcmd(upn, "Contoso")))
    out.append(("cmd-cmdkey", "cmdkey-list.txt", "cmdkey /list", "text", cmdkey_list(cmdkey)))
    out.append(("cmd-netsh-winsock-catalog", "netsh-winsock-show-catalog.txt", "netsh winsock show catalog", "text",
                winsock_catalog(lsp=lsp, win7=win7)))
    out.append(("cmd-ipconfig-all", "ipconfig-all.txt", "ipconfig /all", "text",
                ipconfig_all(host, ipv6_global=(not win7) if ipv6_global is None else ipv6_global, win7=win7)))
    out.append(("cmd-whoami-upn", "whoami-upn.txt", "whoami /upn", "text", upn + "\r\n"))
    licences = licenses or [("4b2f1e0c", "2026-09-14T08:41:07+02:00")]
    if win7:
        # Office 16.0.12527 predates vNextDiag.ps1 (version 2104).
        out.append(("cmd-vnextdiag", None, "vNextDiag.ps1 -action list", "absent",
                    "vNextDiag.ps1 is not in C:\\Program Files\\Microsoft Office\\Office16, "
                    "C:\\Program Files\\Microsoft Office\\root\\Office16"))
    else:
        out.append(("cmd-vnextdiag", "vnextdiag-list.txt", "vNextDiag.ps1 -action list", "text",
                    vnextdiag_list(upn, licences)))
    # A Click-to-Run install: its subscription SKU licensed, its grace SKU in OOB_GRACE.
    out.append(("cmd-ospp-dstatus", "ospp-dstatus.txt", "cscript //nologo OSPP.VBS /dstatus", "text",
                ospp_dstatus([("Office16O365ProPlusR_Subscription1", "LICENSED", None),
                              ("Office16O365ProPlusR_Grace", "OOB_GRACE", 5)])))
    # Documents the script writes itself.
    services = [{"Name": n, "DisplayName": SERVICE_INFO[n][0], "Status": states[n], "StartType": starts[n]}
                for n in ["NlaSvc", "netprofm", "EventLog", "NcdAutoSetup"] if not (win7 and n == "NcdAutoSetup")]
    out.append(("cmd-services-json", "services.json",
                "Get-Service NlaSvc,netprofm,EventLog,NcdAutoSetup and Win32_Service StartMode", "json", services))
    # WMI writes InstalledOn as M/d/yyyy in every language; the collector adds yyyy-MM-dd.
    fixes = [{"HotFixID": kb, "Description": desc, "InstalledBy": "NT AUTHORITY\\SYSTEM",
              "InstalledOn": "%04d-%02d-%02d" % day, "InstalledOnRaw": "%d/%d/%04d" % (day[1], day[2], day[0])}
             for kb, desc, day in (updates or (WIN7_UPDATES if win7 else WIN11_UPDATES))]
    out.append(("cmd-installed-updates", "installed-updates.json",
                "Win32_QuickFixEngineering (what Get-HotFix reads)", "json", fixes))
    out.append(("cmd-office-licenses", "office-licenses.json", "licence folders: names, sizes, dates (not contents)",
                "json", licenses_listing(upn, licenses)))
    return out


TENANT_IDS = {  # licence tenant prefixes of the samples → full ids (Contoso's is dsregcmd's)
    "4b2f1e0c": "4b2f1e0c-6c5d-4a3e-9f1b-2d7e8a9c0b1d",
    "7a1e5c3d": "7a1e5c3d-2b9f-4e60-8d41-c5f0a2b6e9d7",
    "c2d1b0a9": "c2d1b0a9-8e7f-4d6c-b5a4-93827160f5e4",
}


def json_object_ps(pairs):
    """One object as PowerShell 5.1's ConvertTo-Json prints it (vnextdiag's output)."""
    import json as _json
    body = ",\r\n".join(f'    "{k}":  {_json.dumps(v)}' for k, v in pairs)
    return "{\r\n" + body + "\r\n}\r\n"


def vnextdiag_list(upn, licences, collected="2026-11-20"):
    """`vNextDiag.ps1 -action list` (the script of Office 2104 and later; layout from a real
    output, tests/fixtures/real/licensing): one licence per (tenant prefix, modified) of the
    sample's licence files. A licence whose NotAfter is before the collection is RFM."""
    out = ("\r\n========== Mode per ProductReleaseId ==========\r\nO365ProPlusRetail = vNext\r\n\r\n"
           "========== Shared Computer Licensing ==========\r\nSharedComputerLicensing = Disabled\r\nNo tokens found.\r\n\r\n"
           "========== vNext licenses found ==========\r\n")
    for i, (tenant, modified) in enumerate(licences):
        day = modified[:10]
        year, month = int(day[:4]), int(day[5:7])
        end = f"{year + (month + 2) // 12:04d}-{(month + 2) % 12 + 1:02d}{day[7:]}"
        state = "Licensed" if end > collected else "RFM"
        out += json_object_ps([
            ("Version", "5"), ("Type", "User|Subscription"), ("Product", "O365ProPlusRetail"),
            ("Acid", "149dbce7-a48e-44db-8364-a53386cd4580"), ("Email", upn if i == 0 else None),
            ("LicenseState", state), ("EntitlementStatus", "Provisioned"), ("EntitlementExpiration", None),
            ("ReasonCode", None), ("NotBefore", day + "T06:41:07.0000000Z"), ("NotAfter", end + "T06:41:07.0000000Z"),
            ("NextRenewal", None), ("TenantId", TENANT_IDS[tenant]), ("LicenseId", f"EWW{i}A7C2F1B90D3E4")])
    out += "\r\n========== Device licenses found ==========\r\nNo licenses found.\r\n"
    return out


def ospp_dstatus(skus):
    """`cscript //nologo OSPP.VBS /dstatus` (layout from real outputs,
    tests/fixtures/real/licensing): (SKU, status, remaining days or None)."""
    sep = "-" * 39 + "\r\n"
    out = "---Processing--------------------------\r\n" + sep
    for i, (sku, status, days) in enumerate(skus):
        out += (f"PRODUCT ID: 00202-50000-00000-AA{990 + i}\r\nSKU ID: 149dbce7-a48e-44db-8364-a53386cd45{80 + i}\r\n"
                f"LICENSE NAME: Office 16, {sku} edition\r\n"
                f"LICENSE DESCRIPTION: Office 16, {'TIMEBASED_SUB' if 'Subscription' in sku else 'RETAIL(Grace)'} channel\r\n"
                f"LICENSE STATUS:  ---{status}---\r\n")
        if status == "LICENSED":
            out += "ERROR CODE: 0x4004FC04 (for information purposes only as the status is licensed)\r\n"
        else:
            out += "ERROR CODE: 0x4004F00C\r\n"
        if days is not None:
            out += f"REMAINING GRACE: {days} days  ({days * 1440 + 133} minute(s) before expiring)\r\n"
        out += "Last 5 characters of installed product key: M96P2\r\n" + sep
    return out + sep + "---Exiting-----------------------------\r\n"


def licenses_listing(upn, tenants=None):
    """The collector's listing of Office's licence folders (caadoctor.licenses/1). File
    names are illustrative: the analyzer counts them and never reads their contents."""
    user = upn.split("@")[0].split(".")[0]
    local = f"C:\\Users\\{user}\\AppData\\Local\\Microsoft\\Office"
    files = []
    for i, (tenant, modified) in enumerate(tenants or [("4b2f1e0c", "2026-09-14T08:41:07+02:00")]):
        files.append({"name": f"5\\{tenant}-{i:04x}-license.dat", "size": 2974 + 17 * i, "modified": modified})
    return {"schema": "caadoctor.licenses/1", "folders": [
        {"path": local + "\\Licenses", "exists": True, "files": files},
        {"path": local + "\\16.0\\Licensing", "exists": True,
         "files": [{"name": "LicensingNext.dat", "size": 812, "modified": "2026-09-14T08:41:09+02:00"}]},
        {"path": "C:\\ProgramData\\Microsoft\\Office\\Licenses", "exists": False, "files": []},
        {"path": local[:-len("Microsoft\\Office")] + "Packages\\Microsoft.AAD.BrokerPlugin_cw5n1h2txyewy\\AC\\TokenBroker\\Accounts",
         "exists": True, "files": [{"name": f"{i:02x}3c9e1f7a{tenant}.tbacct", "size": 3410, "modified": modified}
                                   for i, (tenant, modified) in enumerate(tenants or [("4b2f1e0c", "2026-09-14T08:41:07+02:00")])]},
    ]}


CHANNEL_URL = {
    "current": "http://officecdn.microsoft.com/pr/492350f6-3a01-4f97-b9c0-c7c6ddf67d60",
    "monthly": "http://officecdn.microsoft.com/pr/55336b82-a18d-4dd6-b5f6-9e5095c314a6",
}


def office_c2r(version, channel="current", updates="True", platform="x64", policy=None):
    keys = {C2R: sorted([
        ("AudienceData", "sz", "Production::CC" if channel == "current" else "Production::MEC"),
        ("CDNBaseUrl", "sz", CHANNEL_URL[channel]),
        ("ClientCulture", "sz", "en-us"),
        ("ClientFolder", "sz", "C:\\Program Files\\Common Files\\Microsoft Shared\\ClickToRun"),
        ("ClientVersionToReport", "sz", version),
        ("InstallationPath", "sz", "C:\\Program Files\\Microsoft Office"),
        ("O365ProPlusRetail.ExcludedApps", "sz", "groove,lync"),
        ("O365ProPlusRetail.MediaType", "sz", "CDN"),
        ("Platform", "sz", platform),
        ("ProductReleaseIds", "sz", "O365ProPlusRetail"),
        ("SharedComputerLicensing", "sz", "0"),
        ("UpdateChannel", "sz", CHANNEL_URL[channel]),
        ("UpdatesEnabled", "sz", updates),
        ("VersionToReport", "sz", version),
    ], key=lambda v: v[0].lower())}
    if policy:
        keys[OFFICE_POLICY] = policy
    return keys


def office_identity(emails, **values):
    keys = {IDENTITY: [("Version", "dword", 1)] + [(k, "dword", v) for k, v in sorted(values.items())]}
    keys[IDENTITY + "\\Identities"] = []
    for i, email in enumerate(emails):
        guid = "%08x-%04x-4%03x-a%03x-%012x" % (0x3f2a9c10 + i, 0x1b2c + i, 0x5d6 + i, 0x7e8 + i, 0x9a0b1c2d3e4f + i)
        keys[IDENTITY + "\\Identities\\" + guid + "_ADAL"] = [
            ("EmailAddress", "sz", email), ("FriendlyName", "sz", email.split("@")[0].replace(".", " ").title()),
            ("IdP", "dword", 4), ("ProviderId", "sz", "ADAL"), ("SignInName", "sz", email),
            ("TenantId", "sz", "4b2f1e0c-6c5d-4a3e-9f1b-2d7e8a9c0b1d")]
    return keys


def merge(*parts):
    out = {}
    for p in parts:
        out.update(p)
    return out


WIN11 = dict(
    started="2026-11-20T10:12:03.118+01:00", finished="2026-11-20T10:12:51.604+01:00",
    powershell="5.1.26100.7019", codepages={"oem": 850, "ansi": 1252},
    manifest_os={"caption": "Microsoft Windows 11 Pro", "version": "10.0.26100"},
)


def win10_registry(edition, user_email, office="16.0.20428.20170", channel="monthly", proxy=None, extra=None):
    """A Windows 10 22H2 PC with ESU updates (build 19045.6575)."""
    product = {"Enterprise": "Windows 10 Enterprise", "Professional": "Windows 10 Pro"}[edition]
    return merge(
        {r"HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion": current_version(
            19045, 6575, product, edition, "22H2", buildlab="19041.vb_release.191206-1406")},
        {r"HKLM\SYSTEM\CurrentControlSet\Control\Session Manager\Environment": environment()},
        schannel(),
        internet_settings_hklm(), internet_settings_hklm(wow=True),
        internet_settings_hkcu(0xA80, proxy=proxy),
        tcpip6(0x20),
        services(),
        office_c2r(office, channel=channel),
        office_identity([user_email]),
        dotnet_crypto(), winsock2_parameters(), office_licensing(),
        extra or {},
    )


def win11_registry(**changes):
    return merge(
        {r"HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion": current_version(
            26100, changes.get("ubr", 7171), "Windows 10 Pro", "Professional", "24H2",
            buildlab="26100.ge_release.240331-1435")},
        {r"HKLM\SYSTEM\CurrentControlSet\Control\Session Manager\Environment": environment()},
        schannel(),
        internet_settings_hklm(), internet_settings_hklm(wow=True),
        internet_settings_hkcu(0xA80),
        changes.get("tcpip6", tcpip6()),
        changes.get("services", services()),
        changes.get("office", office_c2r("16.0.20628.20102")),
        changes.get("identity", office_identity(changes.get("emails", ["amelie.durand@contoso.com"]))),
        dotnet_crypto(), winsock2_parameters(), office_licensing(),
        changes.get("extra", {}),
    )


SAMPLES_DEFINED = [
    dict(
        name="win11-healthy", host="PC-HEALTHY-11", user="CONTOSO\\amelie.durand",
        exports=EXPORTS, registry=win11_registry(), **WIN11,
    ),
    dict(
        name="win7-sp1-no-tls12", host="WIN7-ACCT-03", user="ACCOUNTS\\jkowalski",
        started="2026-11-18T15:40:27.902+01:00", finished="2026-11-18T15:41:44.310+01:00",
        powershell="2.0", codepages={"oem": 850, "ansi": 1252},
        manifest_os={"caption": "Microsoft Windows 7 Professional", "version": "6.1.7601"},
        zip_separator="\\",
        probe_args=dict(mode="tls"),
        exports=EXPORTS,
        command_args=dict(win7=True, upn="jkowalski@accounts.local", cmdkey=[
            ("Domain:target=FILESRV02", "Domain Password", "ACCOUNTS\\jkowalski", "Local machine persistence")]),
        registry=merge(
            {r"HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion": current_version(
                7601, None, "Windows 7 Professional", "Professional", major=False,
                csd="Service Pack 1", buildlab="7601.win7sp1_ldr_escrow.200102-1707")},
            {r"HKLM\SYSTEM\CurrentControlSet\Control\Session Manager\Environment": environment()},
            schannel(),
            internet_settings_hklm(), internet_settings_hklm(wow=True),
            internet_settings_hkcu(0xA0),
            tcpip6(),
            services(win7=True),
            office_c2r("16.0.12527.22286", platform="x86"),
            office_identity(["jkowalski@accounts.local"]),
            # .NET 4.8 on Windows 7 without the TLS registry settings; Office 2019-era
            # licensing had no vNext marker.
            dotnet_crypto(strong=False), winsock2_parameters(),
        ),
    ),
    dict(
        name="win10-ncsi-probing-off", host="LT-SALES-117", user="CONTOSO\\b.nguyen",
        started="2026-11-21T08:03:55.040-05:00", finished="2026-11-21T08:04:41.977-05:00",
        powershell="5.1.19041.6456", codepages={"oem": 437, "ansi": 1252},
        manifest_os={"caption": "Microsoft Windows 10 Enterprise", "version": "10.0.19045"},
        exports=EXPORTS,
        registry=win10_registry("Enterprise", "b.nguyen@contoso.com", extra={
            r"HKLM\SOFTWARE\Policies\Microsoft\Windows\NetworkConnectivityStatusIndicator":
                [("NoActiveProbe", "dword", 1)]}),
    ),
    dict(
        name="win10-proxy-browser-only", host="LT-FIN-022", user="CONTOSO\\k.meyer",
        probe_args=dict(mode="proxy_only", proxy="proxy.contoso.com:8080"),
        started="2026-11-22T09:31:12.550+01:00", finished="2026-11-22T09:31:58.016+01:00",
        powershell="5.1.19041.6456", codepages={"oem": 850, "ansi": 1252},
        manifest_os={"caption": "Microsoft Windows 10 Enterprise", "version": "10.0.19045"},
        exports=EXPORTS,
        registry=win10_registry("Enterprise", "k.meyer@contoso.com",
                                proxy=("proxy.contoso.com:8080", "*.contoso.com;<local>")),
    ),
    dict(
        name="win11-office-credentials", host="PC-MKT-031", user="CONTOSO\\l.moreau",
        exports=EXPORTS, registry=win11_registry(),
        command_args=dict(upn="l.moreau@contoso.com", cmdkey=CMDKEY_TYPICAL + [
            ("LegacyGeneric:target=MicrosoftOffice16_Data:SSPI:l.moreau@contoso.com", "Generic",
             "l.moreau@contoso.com", "Local machine persistence"),
            ("LegacyGeneric:target=MicrosoftOffice16_Data:ADAL:6c9d2a41-7e3f-4b80-a1d5-0f28c4e9b7a3", "Generic",
             "l.moreau@contoso.com", "Local machine persistence"),
        ], dsreg=dsregcmd("l.moreau@contoso.com", "Contoso")),
        **WIN11,
    ),
    dict(
        name="win11-second-work-account", host="PC-ENG-207", user="CONTOSO\\t.okafor",
        exports=EXPORTS, registry=win11_registry(),
        command_args=dict(upn="t.okafor@contoso.com", dsreg=dsregcmd(
            "t.okafor@contoso.com", "Contoso", azure_ad=True, domain=True,
            work_accounts=[("Fabrikam Consulting", "7a1e5c3d-2b9f-4e60-8d41-c5f0a2b6e9d7")])),
        **WIN11,
    ),
    dict(
        name="win10-winsock-lsp", host="HOME-OFFICE-7", user="DESKTOP-7Q2K9\\martin",
        started="2026-11-23T19:02:44.870+01:00", finished="2026-11-23T19:03:29.115+01:00",
        powershell="5.1.19041.6456", codepages={"oem": 850, "ansi": 1252},
        manifest_os={"caption": "Microsoft Windows 10 Pro", "version": "10.0.19045"},
        exports=EXPORTS,
        registry=win10_registry("Professional", "martin.keller@outlook.com",
                                office="16.0.20628.20102", channel="current"),
        command_args=dict(upn="martin.keller@outlook.com", lsp=True,
                                  dsreg=dsregcmd("martin.keller@outlook.com", "", azure_ad=False)),
    ),
    dict(
        name="win11-updates-stalled", host="PC-WAREHOUSE-2", user="CONTOSO\\s.lindqvist",
        exports=EXPORTS, registry=win11_registry(ubr=6899),
        command_args=dict(upn="s.lindqvist@contoso.com", updates=[
            ("KB5044284", "Update", (2024, 10, 8)), ("KB5054979", "Update", (2025, 3, 11)),
            ("KB5062553", "Security Update", (2025, 7, 8)), ("KB5066835", "Security Update", (2025, 10, 14)),
        ]),
        **WIN11,
    ),
    dict(
        name="win11-office-updates-off", host="PC-LAB-114", user="CONTOSO\\r.haddad",
        exports=EXPORTS,
        registry=win11_registry(office=office_c2r("16.0.18730.20220", updates="False", policy=[
            ("enableautomaticupdates", "dword", 0), ("hideenabledisableupdates", "dword", 1)])),
        command_args=dict(upn="r.haddad@contoso.com"),
        **WIN11,
    ),
    dict(
        name="win11-adal-disabled", host="PC-HR-009", user="CONTOSO\\n.schmidt",
        exports=EXPORTS,
        registry=win11_registry(identity=office_identity(["n.schmidt@contoso.com"], EnableADAL=0, DisableAADWAM=1)),
        command_args=dict(upn="n.schmidt@contoso.com"),
        **WIN11,
    ),
    dict(
        name="win11-stale-identities", host="PC-SALES-044", user="CONTOSO\\p.ivanova",
        exports=EXPORTS,
        registry=win11_registry(emails=["p.ivanova@contoso.com", "p.ivanova@fabrikam.com", "polina.ivanova@outlook.com"]),
        command_args=dict(upn="p.ivanova@contoso.com", licenses=[
            ("4b2f1e0c", "2026-09-14T08:41:07+02:00"), ("7a1e5c3d", "2025-03-02T16:20:44+01:00"),
            ("c2d1b0a9", "2024-11-27T10:05:13+01:00")]),
        **WIN11,
    ),
    dict(
        name="win11-firewall-blocks-signin", host="PC-BRANCH-12", user="CONTOSO\\j.silva",
        exports=EXPORTS, registry=win11_registry(), probe_args=dict(mode="firewall"),
        command_args=dict(upn="j.silva@contoso.com"),
        **WIN11,
    ),
    dict(
        # A cloud proxy decrypts TLS: every HTTPS endpoint shows Zscaler's chain; WinHTTP
        # trusts it (the root is deployed), and the sign-in fails further on.
        name="win11-tls-inspection", host="PC-FIN-031", user="CONTOSO\\r.haddad",
        exports=EXPORTS, registry=win11_registry(), probe_args=dict(inspection="zscaler"),
        command_args=dict(upn="r.haddad@contoso.com"),
        **WIN11,
    ),
    dict(
        name="win11-clock-skew", host="PC-KIOSK-03", user="CONTOSO\\kiosk",
        exports=EXPORTS, registry=win11_registry(), probe_args=dict(skew=-742),
        command_args=dict(upn="kiosk@contoso.com"),
        **WIN11,
    ),
    dict(
        name="win11-ipv6-broken", host="PC-LAB-221", user="CONTOSO\\d.novak",
        exports=EXPORTS, registry=win11_registry(), probe_args=dict(mode="ipv6_broken"),
        command_args=dict(upn="d.novak@contoso.com"),
        **WIN11,
    ),
    dict(
        name="win11-netprofm-disabled", host="PC-RECEPTION", user="CONTOSO\\front.desk",
        exports=EXPORTS,
        registry=win11_registry(services=services(starts={"netprofm": 4}), tcpip6=tcpip6(0x20)),
        command_args=dict(states={"netprofm": 1}, starts={"netprofm": 4}),
        **WIN11,
    ),
]


for _sample in SAMPLES_DEFINED:
    _args = dict(_sample.pop("command_args", {}))
    _args.setdefault("host", _sample["host"])
    _args.setdefault("advproxy", _sample["name"].startswith("win11"))
    if _sample["name"].startswith("win10"):
        _args.setdefault("updates", WIN10_ESU_UPDATES)
    _sample["commands"] = commands_default(**_args)


def hresult(code):
    """An HRESULT as PowerShell prints a COM exception's HResult: a signed 32-bit number."""
    return code - (1 << 32) if code >= 1 << 31 else code


ENDPOINT_STATUS = {"https": 200, "http": 200}
V6_HOSTS = {"login.microsoftonline.com", "login.microsoft.com", "officecdn.microsoft.com",
            "www.microsoft.com", "go.microsoft.com", "officeclient.microsoft.com", "aadcdn.msauth.net"}


# Certificate chains as the collector records them (leaf first). Issuer names are real:
# Microsoft's from "Azure Certificate Authority details" (learn.microsoft.com/azure/security/
# fundamentals/azure-ca-details), the sign-in hosts' DigiCert chain as public issues show it
# (Azure/azure-cli#20921); which issuing CA serves which other host is illustrative.
# Zscaler's from its documentation of the Zscaler root and intermediate certificates
# (help.zscaler.com, "Adding Custom Certificate to an Application-Specific Trust Store").
DIGICERT_ROOT = "CN=DigiCert Global Root CA, OU=www.digicert.com, O=DigiCert Inc, C=US"
DIGICERT_G2 = "CN=DigiCert Global Root G2, OU=www.digicert.com, O=DigiCert Inc, C=US"
ZSCALER_ROOT = "CN=Zscaler Root CA, OU=Zscaler Inc., O=Zscaler Inc., L=San Jose, S=California, C=US"
ZSCALER_INTERMEDIATE = ("CN=Zscaler Intermediate Root CA (zscaler.net), OU=Zscaler Inc., O=Zscaler Inc., "
                        "L=San Jose, S=California, C=US")


def cert(subject, issuer, not_before, not_after):
    import hashlib
    return {"subject": subject, "issuer": issuer,
            "thumbprint": hashlib.sha1((subject + issuer).encode()).hexdigest().upper(),
            "not_before": not_before, "not_after": not_after}


def tls_chain(host, i, inspection=None):
    """The chain the collector records for an HTTPS host, direct."""
    if inspection == "zscaler":
        chain = [cert(f"CN={host}", ZSCALER_INTERMEDIATE, "2026-11-19T00:00:00Z", "2026-12-03T00:00:00Z"),
                 cert(ZSCALER_INTERMEDIATE, ZSCALER_ROOT, "2021-04-20T00:00:00Z", "2031-04-18T00:00:00Z"),
                 cert(ZSCALER_ROOT, ZSCALER_ROOT, "2014-12-19T00:27:55Z", "2042-05-06T00:27:55Z")]
    elif host.startswith("login."):
        issuing = "CN=DigiCert SHA2 Secure Server CA, O=DigiCert Inc, C=US"
        chain = [cert(f"CN=stamp2.{host}, O=Microsoft Corporation, L=Redmond, S=WA, C=US", issuing,
                      "2026-07-10T00:00:00Z", "2027-07-09T23:59:59Z"),
                 cert(issuing, DIGICERT_ROOT, "2013-03-08T12:00:00Z", "2023-03-08T12:00:00Z"),
                 cert(DIGICERT_ROOT, DIGICERT_ROOT, "2006-11-10T00:00:00Z", "2031-11-10T00:00:00Z")]
    else:
        n = "07" if host in CDN_HOSTS else "04"
        issuing = f"CN=Microsoft Azure RSA TLS Issuing CA {n}, O=Microsoft Corporation, C=US"
        chain = [cert(f"CN={host}, O=Microsoft Corporation, L=Redmond, S=WA, C=US", issuing,
                      "2026-08-01T00:00:00Z", "2027-01-28T23:59:59Z"),
                 cert(issuing, DIGICERT_G2, "2023-06-08T00:00:00Z", "2026-08-25T23:59:59Z"),
                 cert(DIGICERT_G2, DIGICERT_G2, "2013-08-01T12:00:00Z", "2038-01-15T12:00:00Z")]
    return [{"via": "direct", "protocol": "Tls12", "chain": chain, "chain_status": [], "error": None,
             "ms": 60 + 3 * i}]


CDN_HOSTS = ["officecdn.microsoft.com", "cdn.odc.officeapps.live.com", "ajax.aspnetcdn.com",
             "aadcdn.msauth.net", "aadcdn.msauthimages.net"]


def probes_json(started, mode="ok", skew=1, proxy=None, inspection=None):
    """The collector's probes.json (caadoctor.probes/1) for the article's endpoints.

    mode: ok | tls (no TLS 1.2: every HTTPS request fails with 12175) | proxy_only (direct
    connections blocked; only the browser's proxy gets out) | firewall (two sign-in hosts
    dropped) | ipv6_broken (AAAA answers but IPv6 TCP times out). inspection: None, or
    "zscaler" (every HTTPS chain is Zscaler's)."""
    import datetime
    import json
    import os
    import tomllib
    here = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(here, "..", "..", "analyzers", "data", "endpoints.toml"), "rb") as f:
        urls = tomllib.load(f)["endpoints"]
    t0 = datetime.datetime.fromisoformat(started).astimezone(datetime.timezone.utc) + datetime.timedelta(seconds=20)
    results = []
    for i, url in enumerate(urls):
        https = url.startswith("https://")
        host = url.split("://")[1].split("/")[0]
        octet = sum(map(ord, host)) % 200 + 20
        v4 = [f"20.{190 + i % 10}.{octet}.{(i * 37) % 250 + 1}"]
        v6 = [f"2603:1026:{octet:x}::{i + 1:x}"] if host in V6_HOSTS else []
        server = t0 + datetime.timedelta(seconds=i)
        local = server + datetime.timedelta(seconds=skew, milliseconds=140)
        date = server.strftime("%a, %d %b %Y %H:%M:%S GMT")
        iso = lambda t: t.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
        # Fields in the collector's order; no cache (the collector bypasses it) and no Age.
        ok_http = lambda ms, via: {"status": 200, "error_code": None, "error": None,
                                   "proxy": via, "ms": ms, "date": date, "age": None, "from_cache": False,
                                   "sent_utc": iso(local - datetime.timedelta(milliseconds=ms)),
                                   "local_time_utc": iso(local)}
        fail_http = lambda code, text, ms, via: {"status": None, "error_code": hresult(code), "error": text,
                                                 "proxy": via, "ms": ms, "date": None, "age": None,
                                                 "from_cache": None, "sent_utc": iso(local), "local_time_utc": None}
        tcp = [{"family": "ipv4", "address": v4[0], "port": 443 if https else 80, "ok": True, "ms": 18 + i, "error": None}]
        tcp += [{"family": "ipv6", "address": a, "port": 443 if https else 80, "ok": True, "ms": 16 + i, "error": None} for a in v6]
        winhttp, wininet = ok_http(120 + 7 * i, "direct"), ok_http(140 + 5 * i, "direct")
        if mode == "tls" and https:
            text = "A security error occurred"
            winhttp = fail_http(0x80072F8F, text, 95 + i, "direct")
            wininet = fail_http(0x80072F8F, text, 101 + i, "direct")
        elif mode == "proxy_only":
            for t in tcp:
                t.update(ok=False, ms=21000, error="timeout")
            winhttp = fail_http(0x80072EE2, "The operation timed out", 30000, "direct")
            wininet = ok_http(260 + 9 * i, proxy)
        elif mode == "firewall" and host in ("login.microsoftonline.com", "ols.officeapps.live.com"):
            for t in tcp:
                t.update(ok=False, ms=21000, error="timeout")
            winhttp = fail_http(0x80072EE2, "The operation timed out", 30000, "direct")
            wininet = fail_http(0x80072EE2, "The operation timed out", 30000, "direct")
        elif mode == "ipv6_broken":
            for t in tcp:
                if t["family"] == "ipv6":
                    t.update(ok=False, ms=21000, error="timeout")
            if v6:
                winhttp["ms"] = 21100 + i
                wininet["ms"] = 21200 + i
        result = {"url": url, "host": host,
                  "dns": {"ok": True, "ipv4": v4, "ipv6": v6, "error": None, "ms": 4 + i % 7},
                  "tcp": tcp, "winhttp": winhttp, "wininet": wininet}
        # The chain: read when the TLS handshake can be made (not where TCP is blocked, and
        # not without TLS 1.2, where the handshake fails).
        tcp_ok = any(t["ok"] for t in tcp)
        if https and tcp_ok and mode != "tls":
            result["tls"] = tls_chain(host, i, inspection)
        elif https:
            why = "The handshake failed due to an unexpected packet format." if mode == "tls" else "no handshake in 8 s"
            result["tls"] = [{"via": "direct", "protocol": None, "chain": [], "chain_status": [], "error": why,
                              "ms": 8000 if not tcp_ok else 40}]
            if mode == "proxy_only":
                through = tls_chain(host, i)[0]
                through["via"] = f"proxy {proxy}"
                result["tls"].append(through)
        results.append(result)
    doc = {"schema": "caadoctor.probes/1", "started": started, "deadline_s": 90, "results": results}
    return json.dumps(doc, indent=2).replace("\n", "\r\n") + "\r\n"


# ---------------------------------------------------------------------------------------
# Event logs: what each sample's failing PC logged (see event_data.py for the layouts).

import datetime as _dt  # noqa: E402

import event_data as ev  # noqa: E402

# The code each sample's user saw, and what the AAD log said at the same moment.
SAMPLE_EVENTS = {
    "win11-healthy": dict(code=None),
    "win7-sp1-no-tls12": dict(code="0xCAA82F8F", schannel=True),
    "win10-ncsi-probing-off": dict(code="0xCAA70007", ncsi_local=True,
                                   aad=("0xCAA70007", "The network is not available.")),
    "win10-proxy-browser-only": dict(code="0xCAA70007",
                                     aad=("0xCAA82EE2", "The operation timed out")),
    "win11-office-credentials": dict(code="0xCAA20003"),
    "win11-second-work-account": dict(code="0xCAA5001C"),
    "win10-winsock-lsp": dict(code="0xCAA80000", aad=("0xCAA82EFD", "A connection with the server could not be established")),
    "win11-updates-stalled": dict(code="0xCAA70007"),
    "win11-office-updates-off": dict(code="0xCAA70007"),
    "win11-adal-disabled": dict(code="0xCAA70007"),
    "win11-stale-identities": dict(code="0xCAA20003"),
    "win11-firewall-blocks-signin": dict(code="0xCAA82EE2",
                                         aad=("0xCAA82EE2", "The operation timed out")),
    "win11-clock-skew": dict(code="0xCAA82F05"),
    "win11-tls-inspection": dict(code="0xCAA82F8F", aad=("0xCAA82F8F", "A security error occurred")),
    "win11-ipv6-broken": dict(code="0xCAA82EE2", aad=("0xCAA82EE2", "The operation timed out")),
    "win11-netprofm-disabled": dict(code="0xCAA70007", netprofm_disabled=True,
                                    aad=("0xCAA70007", "The network is not available.")),
}

# When the user tried to sign in, before the collection started.
ATTEMPTS = [_dt.timedelta(days=-2, hours=-1, minutes=-17), _dt.timedelta(days=-2, hours=-1, minutes=-10),
            _dt.timedelta(days=-1, hours=4, minutes=19), _dt.timedelta(hours=-1, minutes=-9),
            _dt.timedelta(minutes=-11)]


def event_logs(sample):
    """(step id, file name, channel, events or None when the channel does not exist)."""
    spec = SAMPLE_EVENTS[sample["name"]]
    start = ev.utc(sample["started"])
    host = sample["host"]
    win7 = sample["name"].startswith("win7")
    office_build = "16.0.12527.22286" if win7 else "16.0.18429.20132"
    attempts = [start + a for a in ATTEMPTS]
    booted = start - _dt.timedelta(days=3, hours=2)

    oalerts = []
    for day in range(12, 0, -1):  # Office starts: the short record every start writes
        oalerts.append(ev.oalert(start - _dt.timedelta(days=day, hours=1, minutes=day * 3), host))
    if spec["code"]:
        for i, at in enumerate(attempts):
            app = ["Microsoft Word", "Microsoft Outlook", "Microsoft Excel"][i % 3]
            oalerts.append(ev.oalert(at, host, spec["code"], app=app, build=office_build))
    oalerts.sort(key=lambda e: e.when)

    system = ev.boot(booted, host)
    services = ["NlaSvc", "netprofm", "EventLog"] + ([] if win7 else ["NcdAutoSetup"])
    for i, name in enumerate(services):
        running = not (name == "netprofm" and spec.get("netprofm_disabled"))
        if running:
            system.append(ev.scm_state(booted + _dt.timedelta(seconds=5 + i), host, name, True))
    system.append(ev.scm_state(booted + _dt.timedelta(seconds=30), host, "BITS", True))
    if spec.get("netprofm_disabled"):
        system.append(ev.scm_start_type(start - _dt.timedelta(days=5), host, "netprofm",
                                        "demand start", "disabled"))
    # WinHTTP's auto-proxy service starts on demand at every sign-in attempt.
    if spec["code"]:
        for at in attempts:
            system.append(ev.scm_state(at - _dt.timedelta(seconds=4), host, "WinHttpAutoProxySvc", True))
    if spec.get("schannel"):
        for at in attempts:
            system.append(ev.schannel_credential(at + _dt.timedelta(seconds=1), host, 10013))
            system.append(ev.schannel_alert(at + _dt.timedelta(seconds=2), host, 70))
    system.sort(key=lambda e: e.when)

    # Application: the Software Protection service's routine information events.
    application = [ev.spp_info(booted + _dt.timedelta(minutes=m), host) for m in (2, 62, 1442)]
    logs = [("eventlog-application", "Application.evtx", "Application", application),
            ("eventlog-system", "System.evtx", "System", system)]
    if win7:
        logs.append(("eventlog-aad", "Microsoft-Windows-AAD-Operational.evtx", ev.AAD_CHANNEL, None))
    else:
        aad = []
        if spec.get("aad"):
            code, text = spec["aad"]
            for i, at in enumerate(attempts):
                corr = f"{{6f1c{i:04x}-2b7e-4d0a-9c3e-{0x5a17c0de + i:012x}}}"
                aad.append(ev.aad_error(at + _dt.timedelta(seconds=3), host, code, text,
                                        "xmlhttpwebrequest.cpp, line: 163, method: XMLHTTPWebRequest::ReceiveResponse.",
                                        corr))
        logs.append(("eventlog-aad", "Microsoft-Windows-AAD-Operational.evtx", ev.AAD_CHANNEL, aad))
    logs.append(("eventlog-oalerts", "OAlerts.evtx", "OAlerts", oalerts))
    ncsi = [ev.ncsi_capability(booted + _dt.timedelta(seconds=50), host, 2, 0)]
    if spec.get("ncsi_local"):
        ncsi = [ev.ncsi_capability(booted + _dt.timedelta(seconds=50), host, 1, 0)]
    logs.append(("eventlog-ncsi", "Microsoft-Windows-NCSI-Operational.evtx", ev.NCSI_CHANNEL, ncsi))
    return logs
