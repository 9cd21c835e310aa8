"""Events for the samples' and tests' logs, laid out as Windows writes them.

Real layouts (from public logs in ../shared/corpus/evtx): OAlerts event 300 carries six
unnamed strings (application, dialog text, alert id, Office build, a tag, HRESULT), each but
the tag ending in a newline; Service Control Manager events carry param1..paramN and a
Binary holding the service's key name in UTF-16 (7036: `name/state`). The rest follows
Microsoft's event manifests as public event catalogues list them: Schannel 36871
(`Type`, `ErrorState`) and 36887/36888 (`AlertDesc`, `ErrorState`), NCSI 4042
(`InterfaceGuid`, `IfLuid`, `Family`, `Capability`, `CapabilityChangeReason`,
`PreviousCapability`). The AAD Operational error events are written with their message
text (the error code, its text and where it was logged) because their field names are not
public; the analyzer reads codes from any field. What activation failures look like in
these logs is our model of the article, not a capture from a failing PC.
"""

import datetime

from evtx_writer import Event, write_evtx

SCM = ("Service Control Manager", "{555908d1-a6d7-4695-8e1e-26931d2012f4}")
SCHANNEL = ("Schannel", "{1f678132-5938-4686-9fdc-c8ff68f15c85}")
AAD = ("Microsoft-Windows-AAD", "{4de9bc9c-b27a-43c9-8994-0915f1a5e24f}")
NCSI = ("Microsoft-Windows-NCSI", "{314de49f-ce63-4779-ba2b-d616f6963a88}")
KERNEL_GENERAL = ("Microsoft-Windows-Kernel-General", "{a68ca8b7-004f-d7b6-a698-07e2de0f1f5d}")
DNS_CLIENT = ("Microsoft-Windows-DNS-Client", "{1c95126e-7eea-49a9-a3fe-a378b03ddb4d}")
SPP = ("Microsoft-Windows-Security-SPP", "{e23b33b0-c8c9-472c-a5f9-f2bdfea0f156}")

AAD_CHANNEL = "Microsoft-Windows-AAD/Operational"
NCSI_CHANNEL = "Microsoft-Windows-NCSI/Operational"

DISPLAY = {
    "NlaSvc": "Network Location Awareness",
    "netprofm": "Network List Service",
    "EventLog": "Windows Event Log",
    "NcdAutoSetup": "Network Connected Devices Auto-Setup",
    "WinHttpAutoProxySvc": "WinHTTP Web Proxy Auto-Discovery Service",
    "BITS": "Background Intelligent Transfer Service",
}

DIALOG = ("We're sorry, but we are unable to connect right now. Please check your network "
          "and try again later.")


def utc(text):
    return datetime.datetime.fromisoformat(text).astimezone(datetime.timezone.utc)


def service_binary(name, state=None):
    text = name if state is None else f"{name}/{state}"
    return (text + "\0").encode("utf-16-le")


def oalert(when, computer, code=None, app="Microsoft Word", build="16.0.18429.20132",
           text=DIALOG, alert_id="200495"):
    """One OAlerts event 300: an activation dialog when `code` is set, else the short
    `Compositor Type` record Office writes at start."""
    if code is None:
        data = [(None, "Compositor Type: 0"), (None, "OfficeC2RClient")]
    else:
        data = [(None, app + "\n"), (None, text + "\n"), (None, alert_id + "\n"),
                (None, build + "\n"), (None, "7wklu"), (None, code + "\n")]
    return Event(when, "Microsoft Office 16 Alerts", 300, "OAlerts", computer, data=data,
                 qualifiers=0, level=4)


def scm_state(when, computer, name, running):
    state = "running" if running else "stopped"
    return Event(when, SCM[0], 7036, "System", computer, guid=SCM[1], qualifiers=16384,
                 keywords=0x8080000000000000, pid=780, tid=1200,
                 data=[("param1", DISPLAY[name]), ("param2", state)],
                 binary=service_binary(name, 4 if running else 1))


def scm_start_type(when, computer, name, old, new, user="S-1-5-18"):
    return Event(when, SCM[0], 7040, "System", computer, guid=SCM[1], qualifiers=16384,
                 keywords=0x8080000000000000, pid=780, tid=1300, user=user,
                 data=[("param1", DISPLAY[name]), ("param2", old), ("param3", new),
                       ("param4", name)])


def scm_crash(when, computer, name, times=1):
    """7031: the service terminated unexpectedly (level 2, error)."""
    return Event(when, SCM[0], 7031, "System", computer, guid=SCM[1], qualifiers=49152,
                 level=2, keywords=0x8080000000000000, pid=780, tid=1400,
                 data=[("param1", DISPLAY[name]), ("param2", str(times)),
                       ("param3", "60000"), ("param4", "1"),
                       ("param5", "Restart the service")],
                 binary=service_binary(name))


def scm_failed_start(when, computer, name, error="%%1058"):
    """7000: the service failed to start (error as a message reference)."""
    return Event(when, SCM[0], 7000, "System", computer, guid=SCM[1], qualifiers=49152,
                 level=2, keywords=0x8080000000000000, pid=780, tid=1500,
                 data=[("param1", DISPLAY[name]), ("param2", error)],
                 binary=service_binary(name))


def schannel_credential(when, computer, state=10013):
    """36871: a fatal error creating a TLS client credential (10013: protocol disabled)."""
    return Event(when, SCHANNEL[0], 36871, "System", computer, guid=SCHANNEL[1], level=2,
                 keywords=0x8000000000000000, pid=712, tid=2100, user="S-1-5-18",
                 data=[("Type", "client"), ("ErrorState", str(state))])


def schannel_alert(when, computer, alert, received=True, state=None):
    """36887 (a fatal alert received) or 36888 (generated) with the TLS alert number."""
    data = [("AlertDesc", str(alert))]
    if state is not None:
        data.append(("ErrorState", str(state)))
    return Event(when, SCHANNEL[0], 36887 if received else 36888, "System", computer,
                 guid=SCHANNEL[1], level=2, keywords=0x8000000000000000, pid=712, tid=2104,
                 user="S-1-5-18", data=data)


def aad_error(when, computer, code, text, where, correlation, event_id=1098):
    message = (f"Error: {code} {text}\nLogged at {where}\n"
               f"Request: authority: https://login.microsoftonline.com/common, client: "
               f"d3590ed6-52b3-4102-aeff-aad2292ab01c, redirect URI: "
               f"urn:ietf:wg:oauth:2.0:oob, resource: https://officeapps.live.com, "
               f"correlation ID (request): {correlation}")
    return Event(when, AAD[0], event_id, AAD_CHANNEL, computer, guid=AAD[1],
                 level=2 if event_id == 1098 else 3, keywords=0x4000000000000000,
                 pid=10440, tid=11232, user="S-1-5-21-3623811015-3361044348-30300820-1013",
                 activity=correlation, task=101, opcode=0,
                 data=[("Error", message)])


def ncsi_capability(when, computer, capability, previous, reason=4, family=0):
    return Event(when, NCSI[0], 4042, NCSI_CHANNEL, computer, guid=NCSI[1], level=4,
                 keywords=0x4000000000000020, pid=1696, tid=3516, user="S-1-5-20",
                 data=[("InterfaceGuid", "{3d03b11e-98a0-4304-84e2-cd3aae8efe1d}"),
                       ("IfLuid", "1689399649632256"), ("Family", str(family)),
                       ("Capability", str(capability)),
                       ("CapabilityChangeReason", str(reason)),
                       ("PreviousCapability", str(previous))])


def boot(when, computer):
    """Noise every System log has: the clock set at boot, a DNS timeout."""
    return [
        Event(when, KERNEL_GENERAL[0], 12, "System", computer, guid=KERNEL_GENERAL[1],
              keywords=0x8000000000000080, pid=4, tid=8, user="S-1-5-18",
              data=[("MajorVersion", "10"), ("MinorVersion", "0"), ("BuildVersion", "26100"),
                    ("QfeVersion", "7171"), ("ServiceVersion", "0"), ("BootMode", "0"),
                    ("StartTime", "2026-11-18T07:58:11.500000Z")]),
        Event(when + datetime.timedelta(seconds=40), DNS_CLIENT[0], 1014, "System", computer,
              guid=DNS_CLIENT[1], level=3, keywords=0x4000000010000000, pid=2412, tid=2800,
              user="S-1-5-20",
              data=[("QueryName", "wpad.contoso.local"), ("AddressLength", "128"),
                    ("Address", "")]),
    ]


def spp_error(when, computer, hr="0x8007232B"):
    """Software Protection 8198: licence activation (slui.exe) failed (classic unnamed data)."""
    return Event(when, SPP[0], 8198, "Application", computer, guid=SPP[1], qualifiers=49152,
                 level=2, keywords=0x80000000000000,
                 data=[(None, f"hr={hr}"), (None, "RuleId=eeba1977-569e-4571-b639-7623d8bfecc0;Action=AutoActivate;AppId=55c92734-d682-4d71-983e-d6ec3f16059f;SkuId=4de7cb65-cdf1-4de9-8ae8-e3cce27b9f2c;NotificationInterval=1440;Trigger=TimerEvent")])


def spp_info(when, computer):
    """Software Protection 1003 (information): not an error, not kept."""
    return Event(when, SPP[0], 1003, "Application", computer, guid=SPP[1], qualifiers=16384,
                 level=4, data=[(None, "55c92734-d682-4d71-983e-d6ec3f16059f"), (None, "")])
