#!/usr/bin/env python3
"""Builds the sample snapshots in samples/ with a real reg.exe (Wine's).

Each sample is a folder laid out as the collector writes it (docs/snapshot-format.md) plus
the same files as a zip. The .reg files are written by `wine reg export`, so their encoding
(UTF-16LE with BOM, CRLF) and their line wrapping are reg.exe's, not ours: the values are
imported under HKCU\\caadoctor-sample\\<root>\\... in a scratch Wine prefix, exported, and
the export's key lines are renamed back to the real root (wrapping does not depend on the
key path). Tests never need Wine; rerun this only to change a sample, then review the
golden reports it changes.

    WINEPREFIX=/tmp/caadoctor-wine python3 samples/generate/make_samples.py
"""

import hashlib
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
SAMPLES = os.path.dirname(HERE)
SCRATCH = r"HKEY_CURRENT_USER\caadoctor-sample"
ROOTS = {"HKLM": "HKEY_LOCAL_MACHINE", "HKCU": "HKEY_CURRENT_USER"}

sys.path.insert(0, HERE)
from evtx_writer import write_evtx  # noqa: E402
from sample_data import SAMPLES_DEFINED, commands_default, event_logs, probes_json  # noqa: E402

WEVTUTIL_QUERY = "*[System[TimeCreated[timediff(@SystemTime) <= 2592000000]]]"

# The analyzer's kind of each console program's and document's output, as the collector's
# tables declare it.
KINDS = {
    "cmd-netsh-winhttp-proxy": "netsh-winhttp-proxy",
    "cmd-netsh-winhttp-advproxy": "netsh-winhttp-advproxy",
    "cmd-dsregcmd": "dsregcmd",
    "cmd-cmdkey": "cmdkey-list",
    "cmd-netsh-winsock-catalog": "netsh-winsock-catalog",
    "cmd-ipconfig-all": "ipconfig-all",
    "cmd-whoami-upn": "whoami-upn",
    "cmd-services-json": "services-json",
    "cmd-installed-updates": "hotfix-list",
    "cmd-office-licenses": "office-licenses",
    "cmd-vnextdiag": "vnextdiag-list",
    "cmd-ospp-dstatus": "ospp-dstatus",
    **{f"cmd-sc-{verb}-{name}": f"sc-{verb}" for verb in ("query", "qc")
       for name in ("nlasvc", "netprofm", "eventlog", "ncdautosetup")},
}


def wine(*args):
    env = dict(os.environ, WINEDEBUG="-all")
    env.setdefault("WINEPREFIX", "/tmp/caadoctor-wine")
    subprocess.run(["wine", *args], check=True, env=env, stdout=subprocess.DEVNULL)


def utf16(bs):
    return bs


def hexlist(data):
    return ",".join(f"{b:02x}" for b in data)


def reg_line(name, kind, data):
    q = '@' if name == "" else '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if kind == "sz":
        return f'{q}="' + data.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if kind == "dword":
        return f"{q}=dword:{data:08x}"
    if kind == "qword":
        return f"{q}=hex(b):{hexlist(data.to_bytes(8, 'little'))}"
    if kind == "binary":
        return f"{q}=hex:{hexlist(data)}"
    if kind == "expand":
        return f"{q}=hex(2):{hexlist((data + chr(0)).encode('utf-16-le'))}"
    if kind == "multi":
        body = "".join(s + "\0" for s in data) + "\0"
        return f"{q}=hex(7):{hexlist(body.encode('utf-16-le'))}"
    raise ValueError(kind)


def scratch_path(key):
    root, rest = key.split("\\", 1)
    return f"{SCRATCH}\\{root}\\{rest}"


def reg_query_value(name, kind, data):
    """One value line as `reg query` prints it: four spaces, name, type, data."""
    shown = "(Default)" if name == "" else name
    if kind == "sz":
        ty, text = "REG_SZ", data
    elif kind == "expand":
        ty, text = "REG_EXPAND_SZ", data
    elif kind == "multi":
        ty, text = "REG_MULTI_SZ", "\\0".join(data)
    elif kind == "dword":
        ty, text = "REG_DWORD", f"0x{data:x}"
    elif kind == "qword":
        ty, text = "REG_QWORD", f"0x{data:x}"
    elif kind == "binary":
        ty, text = "REG_BINARY", data.hex().upper()
    else:
        raise ValueError(kind)
    return f"    {shown}    {ty}    {text}"


# As the collector: one value of the environment (machine variables may hold proxy
# passwords), and the os-version listing without the encoded product key and the names.
QUERY_ONE_VALUE = {"reg-environment": "PROCESSOR_ARCHITECTURE"}
DROPPED_VALUES = {"reg-os-version": {"DigitalProductId", "DigitalProductId4", "RegisteredOwner",
                                     "RegisteredOrganization"}}


def reg_query_text(sample, key, step_id=None):
    """What `reg query KEY` prints for the sample's registry: the key's values in the order
    they were set, then its direct subkeys (Windows keeps subkeys sorted), CRLF. Written by
    hand rather than by Wine's reg.exe, whose `reg query` prints REG_QWORD as "(null)"."""
    root, rest = key.split("\\", 1)
    full = ROOTS[root] + "\\" + rest
    values = next((v for k, v in sample["registry"].items() if k.lower() == key.lower()), [])
    if step_id in QUERY_ONE_VALUE:
        # `reg query KEY /v NAME`: the key and that value alone.
        values = [v for v in values if v[0] == QUERY_ONE_VALUE[step_id]]
        return "\r\n".join(["", full] + [reg_query_value(*v) for v in values] + ["", ""])
    values = [v for v in values if v[0] not in DROPPED_VALUES.get(step_id, ())]
    lines = ["", full] + [reg_query_value(*v) for v in values] + [""]
    prefix = key.lower() + "\\"
    children = sorted({k[len(prefix):].split("\\")[0] for k in sample["registry"] if k.lower().startswith(prefix)},
                      key=str.lower)
    lines += [full + "\\" + c for c in children]
    if children:
        lines.append("")
    return "\r\n".join(lines) + "\r\n"


def build_registry(sample, out_dir, tmp):
    """Imports the sample's keys, exports or queries each collected key, returns manifest steps."""
    lines = ["Windows Registry Editor Version 5.00", ""]
    for key, values in sample["registry"].items():
        lines.append(f"[{scratch_path(key)}]")
        for name, kind, data in values:
            lines.append(reg_line(name, kind, data))
        lines.append("")
    imp = os.path.join(tmp, "import.reg")
    with open(imp, "wb") as f:
        f.write(b"\xff\xfe" + "\r\n".join(lines).encode("utf-16-le"))
    try:
        wine("reg", "delete", SCRATCH, "/f")
    except subprocess.CalledProcessError:
        pass
    wine("reg", "import", imp)

    steps = []
    for step_id, artifact, key, how in sample["exports"]:
        present = any(k.lower() == key.lower() or k.lower().startswith(key.lower() + "\\")
                      for k in sample["registry"])
        if how == "reg-query":
            command = f'reg query "{key}"' + (f" /v {QUERY_ONE_VALUE[step_id]}" if step_id in QUERY_ONE_VALUE else "")
        else:
            command = f'reg export "{key}" "{artifact}" /y'
        extra = {"registry_key": key}
        if not present:
            steps.append(step(step_id, command, "absent", kind=how, extra=extra, exit_code=1, duration_ms=31,
                              error="ERROR: The system was unable to find the specified registry key or value."))
            continue
        if how == "reg-query":
            text = reg_query_text(sample, key, step_id)
        else:
            exported = os.path.join(tmp, "export.reg")
            wine("reg", "export", scratch_path(key), exported, "/y")
            text = open(exported, "rb").read()[2:].decode("utf-16-le")
            root, _ = key.split("\\", 1)
            text = text.replace(f"[{SCRATCH}\\{root}\\", f"[{ROOTS[root]}\\")
        data = b"\xff\xfe" + text.encode("utf-16-le")
        write_file(out_dir, artifact, data)
        steps.append(step(step_id, command, "ok", kind=how, artifact=artifact, extra=extra, data=data, exit_code=0,
                          duration_ms=40 + len(data) // 2000))
    return steps


def write_file(out_dir, rel, data):
    """Writes `data` at `rel` (a snapshot path with `/`) under `out_dir`."""
    path = os.path.join(out_dir, *rel.split("/"))
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


def step(id_, command, status, kind=None, artifact=None, extra=None, data=None, exit_code=None, duration_ms=0,
         error=None):
    """A manifest step with its fields in the order the collector's Complete-Step writes them."""
    out = {"id": id_}
    if artifact and status == "ok":
        out["artifact"] = artifact
    if kind:
        out["kind"] = kind
    out.update(extra or {})
    out["command"] = command
    out["status"] = status
    if data is not None and status == "ok":
        out["size"] = len(data)
        out["sha256"] = hashlib.sha256(data).hexdigest()
    if exit_code is not None:
        out["exit_code"] = exit_code
    out["duration_ms"] = duration_ms
    if error:
        out["error"] = error.strip()
    return out


def json_document(value):
    """JSON as the collector's ConvertTo-JsonValue writes it: two-space indent, CRLF, UTF-8."""
    return (json.dumps(value, indent=2, ensure_ascii=False).replace("\n", "\r\n") + "\r\n").encode("utf-8")


def write_commands(sample, out_dir):
    steps = []
    for step_id, file_name, command, how, payload in sample.get("commands", commands_default()):
        artifact = f"commands/{file_name}" if file_name else None
        kind = KINDS[step_id]
        if how == "absent":
            steps.append(step(step_id, command, "absent", kind=kind, exit_code=None if ("dsregcmd" in command or "vNextDiag" in command) else 1,
                              duration_ms=40, error=payload))
            continue
        if how == "json":
            data = json_document(payload)
        else:
            data = b"\xff\xfe" + payload.encode("utf-16-le")
        write_file(out_dir, "commands/" + file_name, data)
        steps.append(step(step_id, command, "ok", kind=kind, artifact=artifact, data=data,
                          exit_code=0 if how == "text" else None, duration_ms=180 if how == "text" else 60))
    # The collector's order: console programs (dsregcmd, the slowest, last), then documents.
    order = ["cmd-dsregcmd", "cmd-vnextdiag", "cmd-ospp-dstatus"]
    steps.sort(key=lambda st: (st["id"] in ("cmd-services-json", "cmd-installed-updates", "cmd-office-licenses"),
                               order.index(st["id"]) + 1 if st["id"] in order else 0))
    return steps


def write_probes(sample, out_dir):
    args = dict(sample.get("probe_args", {}))
    text = probes_json(sample["started"], **args).encode("utf-8")
    write_file(out_dir, "probes/connectivity.json", text)
    return [step("probes", "DNS, TCP, WinHttp.WinHttpRequest.5.1 and WinINet for the article's endpoints", "ok",
                 kind="probe-results", artifact="probes/connectivity.json", data=text, duration_ms=9400)]


def write_event_logs(sample, out_dir):
    """Logs as `wevtutil epl` exports them (the last 30 days); a channel the machine does
    not have is a step with status absent, as wevtutil's error 15007 says."""
    steps = []
    for step_id, file_name, channel, events in event_logs(sample):
        artifact = f"eventlogs/{file_name}"
        command = f'wevtutil epl "{channel}" "{artifact}" /q:"{WEVTUTIL_QUERY}" /ow:true'
        extra = {"event_log": channel}
        if events is None:
            steps.append(step(step_id, command, "absent", kind="event-log", extra=extra, exit_code=15007, duration_ms=22,
                              error=f"Failed to read configuration for log {channel}. The specified channel could not be found."))
            continue
        data = write_evtx(events, first_record_id=1000 + len(events) * 3)
        write_file(out_dir, artifact, data)
        steps.append(step(step_id, command, "ok", kind="event-log", artifact=artifact, extra=extra, data=data,
                          exit_code=0, duration_ms=300 + len(data) // 4000))
    # The collector's order: the small logs of the failure first, then System and Application.
    order = ["eventlog-oalerts", "eventlog-aad", "eventlog-ncsi", "eventlog-system", "eventlog-application"]
    steps.sort(key=lambda st: order.index(st["id"]))
    return steps


def write_manifest(sample, out_dir, steps):
    m = {
        "schema": "caadoctor.manifest/1",
        "collector": {"name": "caadoctor-collect", "version": "0.3.0"},
        "started": sample["started"],
        "finished": sample["finished"],
        "host": sample["host"],
        "user": sample["user"],
        "elevated": sample.get("elevated", False),
        "os": sample["manifest_os"],
        "powershell": sample["powershell"],
        "language_mode": "FullLanguage",
        "process": {"bits": 64, "os_bits": 64, "relaunched": False},
        "codepages": sample["codepages"],
        "locale": sample.get("locale", {"name": "en-US", "short_date": "M/d/yyyy"}),
        "options": {"days": 30, "probes": True},
        "limits": {"command_s": 45, "probes_s": 75, "eventlogs_s": 75, "registry_s": 40, "commands_s": 75,
                   "documents_s": 40},
        "excluded": [],
        "stopped": None,
        "steps": steps,
    }
    # PowerShell 2.0 has no ConvertTo-Json: the collector writes JSON by hand, UTF-8, CRLF.
    text = json.dumps(m, indent=2, ensure_ascii=False).replace("\n", "\r\n") + "\r\n"
    with open(os.path.join(out_dir, "manifest.json"), "wb") as f:
        f.write(text.encode("utf-8"))


def write_zip(sample, out_dir, zip_path):
    top = os.path.basename(out_dir)
    sep = sample.get("zip_separator", "/")
    files = []
    for base, _, names in os.walk(out_dir):
        for n in names:
            full = os.path.join(base, n)
            rel = os.path.relpath(full, out_dir).replace(os.sep, "/")
            files.append((rel, full))
    files.sort()
    with zipfile.ZipFile(zip_path, "w", zipfile.ZIP_DEFLATED) as z:
        for rel, full in files:
            name = (top + "/" + rel).replace("/", sep)
            info = zipfile.ZipInfo(name, date_time=(2026, 11, 20, 10, 12, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, open(full, "rb").read())


def main():
    wanted = set(sys.argv[1:])
    with tempfile.TemporaryDirectory() as tmp:
        for sample in SAMPLES_DEFINED:
            if wanted and sample["name"] not in wanted:
                continue
            out_dir = os.path.join(SAMPLES, sample["name"])
            shutil.rmtree(out_dir, ignore_errors=True)
            os.makedirs(out_dir)
            # The collector's order: event logs, registry, console programs, documents, probes.
            steps = (write_event_logs(sample, out_dir) + build_registry(sample, out_dir, tmp)
                     + write_commands(sample, out_dir) + write_probes(sample, out_dir))
            write_manifest(sample, out_dir, steps)
            write_zip(sample, out_dir, os.path.join(SAMPLES, sample["name"] + ".zip"))
            print("wrote", sample["name"])
    try:
        wine("reg", "delete", SCRATCH, "/f")
    except subprocess.CalledProcessError:
        pass


if __name__ == "__main__":
    main()
