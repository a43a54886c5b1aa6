"""Generate realistic Script Activity events, about 10 % of them invalid in varied ways.

Used by the validation benchmark and by the test that compares the fast and the
full checker. Hosts, users and ids are invented. Run as a script to write
NDJSON: ``python scripts/generate_events.py 10000 > events.ndjson``.
"""

from __future__ import annotations

import hashlib
import json
import random
import sys
import uuid

HOSTS = [f"wks-{n:04d}.corp.example.test" for n in range(40)] + [
    f"srv-app-{n:02d}.example.test" for n in range(10)]
USERS = ["a.moreau", "j.okafor", "r.lindqvist", "svc_backup", "m.tanaka", "system"]
SCRIPTS = [
    (2, "PowerShell", "powershell.exe",
     "Get-ChildItem -Path $env:TEMP -Filter *.log | Remove-Item -WhatIf\r\n"),
    (2, "PowerShell", "pwsh.exe",
     "$r = Invoke-RestMethod -Uri https://api.example.test/v1/status\nWrite-Output $r.state\n"),
    (3, "Python", "python3",
     "#!/usr/bin/env python3\nimport os\nprint(sorted(os.listdir('/var/log'))[:5])\n"),
    (6, "Unix Shell", "bash", "#!/bin/bash\nset -eu\nfind /tmp -mtime +7 -delete\n"),
    (4, "JavaScript", "wscript.exe", "var s = new ActiveXObject('WScript.Shell');\n"),
    (5, "VBScript", "cscript.exe", "WScript.Echo \"inventory \" & Now()\n"),
    (1, "Windows Command Prompt", "cmd.exe", "@echo off\r\nipconfig /all > %TEMP%\\ip.txt\r\n"),
]

MUTATIONS = [
    "drop_required", "wrong_type", "unknown_attribute", "bad_enum", "bad_type_uid",
    "empty_actor", "undeclared_profile_attribute", "bad_hash_length", "string_pid",
    "bad_observable_name",
]


def make_event(rng: random.Random, index: int) -> dict:
    type_id, type_name, image, text = rng.choice(SCRIPTS)
    text = text + f"# run {index}\n" * rng.randint(0, 3)
    host = rng.choice(HOSTS)
    time = 1764800000000 + index * 137 + rng.randint(0, 99)
    event = {
        "class_uid": 1009,
        "class_name": "Script Activity",
        "category_uid": 1,
        "category_name": "System Activity",
        "activity_id": 1,
        "activity_name": "Execute",
        "type_uid": 100901,
        "type_name": "Script Activity: Execute",
        "severity_id": 1,
        "severity": "Informational",
        "time": time,
        "metadata": {
            "version": "1.8.0",
            "uid": str(uuid.UUID(int=rng.getrandbits(128))),
            "product": {"name": "Example EDR", "vendor_name": "Example Corp", "version": "4.2"},
            "logged_time": time + rng.randint(10, 5000),
        },
        "device": {"hostname": host, "type_id": 2 if host.startswith("wks") else 1,
                   "uid": hashlib.sha1(host.encode()).hexdigest()},
        "actor": {
            "process": {"pid": rng.randint(100, 65000), "name": image,
                        "cmd_line": f"{image} -NoProfile", "created_time": time - 2000,
                        "file": {"name": image, "path": f"C:\\Windows\\System32\\{image}",
                                 "type_id": 1}},
            "user": {"name": rng.choice(USERS), "uid": f"S-1-5-21-1000-{rng.randint(1000, 9999)}"},
        },
        "script": {
            "type_id": type_id,
            "type": type_name,
            "uid": str(uuid.UUID(int=rng.getrandbits(128))),
            "script_content": {"value": text},
            "hashes": [{"algorithm_id": 3, "algorithm": "SHA-256",
                        "value": hashlib.sha256(text.encode("utf-16-le")).hexdigest()}],
        },
        "observables": [{"name": "device.hostname", "type_id": 1, "value": host}],
    }
    if rng.random() < 0.3:
        event["metadata"]["profiles"] = ["host"]
        event["actor"]["session"] = {"uid": str(rng.randint(1, 9999))}
    return event


def mutate(event: dict, kind: str) -> None:
    """Introduce one mistake of the given kind."""
    if kind == "drop_required":
        del event["script"]["script_content"]
    elif kind == "wrong_type":
        event["time"] = str(event["time"])
    elif kind == "unknown_attribute":
        event["script"]["language"] = "ps1"
    elif kind == "bad_enum":
        event["script"]["type_id"] = 42
    elif kind == "bad_type_uid":
        event["type_uid"] = 100902
    elif kind == "empty_actor":
        event["actor"] = {}
    elif kind == "undeclared_profile_attribute":
        event["is_alert"] = True
    elif kind == "bad_hash_length":
        event["script"]["hashes"][0]["value"] = "deadbeef"
    elif kind == "string_pid":
        event["actor"]["process"]["pid"] = "4242"
    elif kind == "bad_observable_name":
        event["observables"][0]["name"] = "device.host"


def generate(count: int, seed: int = 1009, invalid_share: float = 0.1) -> list[dict]:
    """Return ``count`` events; ``invalid_share`` of them carry one mistake each."""
    rng = random.Random(seed)
    events = []
    for index in range(count):
        event = make_event(rng, index)
        if rng.random() < invalid_share:
            mutate(event, MUTATIONS[index % len(MUTATIONS)])
        events.append(event)
    return events


if __name__ == "__main__":
    total = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    for item in generate(total):
        sys.stdout.write(json.dumps(item) + "\n")
