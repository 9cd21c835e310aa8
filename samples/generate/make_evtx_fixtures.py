#!/usr/bin/env python3
"""Writes tests/fixtures/evtx/*.evtx: logs holding the events no public log has (Office
activation alerts, AAD token errors, Schannel failures, crashing network services), for the
parser's and the rules' tests. Deterministic; rerun after changing evtx_writer.py or
event_data.py, then run `cargo test --test evtx`.

    python3 samples/generate/make_evtx_fixtures.py [--check]

With --check, also reads every file back with python-evtx and libevtx's evtxexport when they
are installed (pip install python-evtx; apt-get install libevtx-utils) and compares the
record counts: three independent readers of what the writer made.
"""

import datetime
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import event_data as ev  # noqa: E402
from evtx_writer import write_evtx  # noqa: E402

OUT = os.path.join(HERE, "..", "..", "tests", "fixtures", "evtx")
HOST = "PC-FIXTURE-01"
T0 = datetime.datetime(2026, 11, 19, 8, 0, 0, tzinfo=datetime.timezone.utc)


def at(minutes, seconds=0):
    return T0 + datetime.timedelta(minutes=minutes, seconds=seconds)


def oalerts():
    events = [ev.oalert(at(-600 + i * 45), HOST) for i in range(8)]
    for m, code, app in [(0, "0xCAA70007", "Microsoft Word"), (7, "0xCAA70007", "Microsoft Word"),
                         (95, "0xCAA80000", "Microsoft Outlook"), (1440, "0xCAA82EFD", "Microsoft Excel"),
                         (1447, "0xCAA70007", "Microsoft Word")]:
        events.append(ev.oalert(at(m), HOST, code, app=app))
    # A dialog that is not about activation: its HRESULT must not count as a CAA code.
    events.append(ev.oalert(at(300), HOST, "0x80070002", text="Word experienced an error trying to open the file."))
    return sorted(events, key=lambda e: e.when)


def aad():
    events = []
    for i, m in enumerate([0, 7, 1447]):
        corr = f"{{0b9e{i:04x}-7c2d-4e11-a3f4-5d6e7f809a1b}}"
        events.append(ev.aad_error(at(m, 2), HOST, "0xCAA70004", "The server or proxy was not found.",
                                   "oauthtokenrequestbase.cpp, line: 418, method: OAuthTokenRequestBase::ProcessOAuthResponse.", corr))
    events.append(ev.aad_error(at(95, 3), HOST, "0x80070102", "The wait operation timed out.",
                               "xmlhttpwebrequest.cpp, line: 163, method: XMLHTTPWebRequest::ReceiveResponse.",
                               "{0b9e0099-7c2d-4e11-a3f4-5d6e7f809a1b}", event_id=1097))
    # An OAuth error from Entra ID itself: the device was deleted (no 0x code in it).
    events.append(ev.aad_error(at(2000), HOST, "AADSTS50155:", "Device authentication failed.",
                               "oauthtokenrequestbase.cpp, line: 447, method: OAuthTokenRequestBase::ProcessOAuthResponse.",
                               "{0b9e00aa-7c2d-4e11-a3f4-5d6e7f809a1b}", event_id=1081))
    return events


def system():
    events = ev.boot(at(-900), HOST)
    for i, name in enumerate(["NlaSvc", "netprofm", "EventLog", "NcdAutoSetup", "BITS"]):
        events.append(ev.scm_state(at(-899, i), HOST, name, True))
    events += [
        ev.scm_crash(at(-300), HOST, "NlaSvc", 1),
        ev.scm_state(at(-300, 1), HOST, "NlaSvc", False),
        ev.scm_crash(at(-120), HOST, "NlaSvc", 2),
        ev.scm_failed_start(at(-60), HOST, "NcdAutoSetup", "%%1058"),
        ev.scm_start_type(at(-30), HOST, "netprofm", "demand start", "disabled"),
        ev.scm_state(at(-29), HOST, "netprofm", False),
        ev.scm_crash(at(-20), HOST, "WinHttpAutoProxySvc", 1),
        ev.schannel_credential(at(0, 1), HOST, 10013),
        ev.schannel_credential(at(7, 1), HOST, 10013),
        ev.schannel_alert(at(7, 2), HOST, 70),
        ev.schannel_alert(at(95, 1), HOST, 40, received=False, state=1205),
        # Long before any sign-in attempt: not near one.
        ev.schannel_alert(at(-800), HOST, 48),
    ]
    return sorted(events, key=lambda e: e.when)


def ncsi():
    return [ev.ncsi_capability(at(-890), HOST, 2, 0), ev.ncsi_capability(at(-5), HOST, 1, 2, reason=1),
            ev.ncsi_capability(at(1500), HOST, 2, 1)]


def application():
    return [ev.spp_info(at(-100), HOST), ev.spp_error(at(-99), HOST),
            ev.spp_error(at(1400), HOST, "0xC004F074")]


FIXTURES = {
    "application-spp.evtx": (application, 40112),
    "oalerts-activation.evtx": (oalerts, 310),
    "aad-operational.evtx": (aad, 5021),
    "system-services-schannel.evtx": (system, 88102),
    "ncsi-operational.evtx": (ncsi, 17),
}


def check(path, expected):
    if shutil.which("evtxexport"):
        out = subprocess.run(["evtxexport", path], capture_output=True, text=True)
        got = out.stdout.count("Event number")
        assert got == expected and "Unable" not in out.stdout + out.stderr, (path, got, out.stderr)
        print("  evtxexport:", got)
    try:
        import Evtx.Evtx as pyevtx
    except ImportError:
        return
    with pyevtx.Evtx(path) as log:
        header = log.get_file_header()
        assert header.verify(), path
        assert all(c.verify() for c in header.chunks()), path
        got = sum(1 for r in log.records() if r.xml())
    assert got == expected, (path, got)
    print("  python-evtx:", got, "(checksums verified)")


def main():
    os.makedirs(OUT, exist_ok=True)
    for name, (make, first_id) in FIXTURES.items():
        events = make()
        path = os.path.join(OUT, name)
        with open(path, "wb") as f:
            f.write(write_evtx(events, first_record_id=first_id))
        print("wrote", name, len(events), "events")
        if "--check" in sys.argv:
            check(path, len(events))


if __name__ == "__main__":
    main()
