"""Map one neutral script-execution record to OCSF, twice.

* Script Activity (class 1009, activity 1 Execute): the script is the target,
  the process that ran it is ``actor.process``.
* Process Activity (class 1007, activity 1 Launch): the process that ran the
  script is ``process``, with the script text in ``process.cmd_line``, and its
  parent is ``actor.process``. For sources that report a real process launch
  and carry no script text, ``process.cmd_line`` is the real command line.

Absent facts are left out: no attribute is ever an empty string or an empty
object.
"""

from __future__ import annotations


from webapp.catalog import Release
from webapp.vendors.record import Hash, ScriptExecution

SCRIPT_ACTIVITY_UID = 1009
PROCESS_ACTIVITY_UID = 1007
EXECUTE = 1
LAUNCH = 1
SEVERITY_INFORMATIONAL = 1
ALGORITHMS = {1: "MD5", 2: "SHA-1", 3: "SHA-256", 4: "SHA-512"}
FILE_TYPE_REGULAR = 1


def _compact(data: dict) -> dict:
    """Drop keys whose value is None, an empty string, an empty list or an empty dict."""
    result = {}
    for key, value in data.items():
        if isinstance(value, dict):
            value = _compact(value)
        if value is None or value == "" or value == [] or value == {}:
            continue
        result[key] = value
    return result


def _basename(path: str | None) -> str | None:
    if not path:
        return None
    return path.replace("\\", "/").rstrip("/").split("/")[-1] or None


def _file(path: str | None, name: str | None = None, hashes: list[Hash] | None = None) -> dict:
    name = name or _basename(path)
    if not name:
        return {}
    return {"name": name, "path": path, "type_id": FILE_TYPE_REGULAR,
            "hashes": _fingerprints(hashes or [])}


def _fingerprints(hashes: list[Hash]) -> list[dict]:
    return [{"algorithm_id": h.algorithm_id, "algorithm": ALGORITHMS.get(h.algorithm_id),
             "value": h.value} for h in hashes]


def _user(record: ScriptExecution) -> dict:
    return {"name": record.user_name, "uid": record.user_uid, "domain": record.user_domain,
            "email_addr": record.user_email}


def _device(record: ScriptExecution) -> dict:
    os_types = {"windows": (100, "Windows"), "linux": (200, "Linux"), "macos": (300, "macOS")}
    device = {"hostname": record.device_hostname, "uid": record.device_uid, "type_id": 0}
    if record.device_os in os_types:
        type_id, name = os_types[record.device_os]
        device["os"] = {"type_id": type_id, "name": name}
    return device


def _host_process(record: ScriptExecution, cmd_line: str | None, with_parent: bool) -> dict:
    process = {
        "pid": record.process_pid,
        "uid": record.process_uid,
        "name": record.process_name or _basename(record.process_path),
        "file": _file(record.process_path, record.process_name, record.process_hashes),
        "cmd_line": cmd_line,
        "created_time": record.process_created_time,
    }
    if with_parent:
        process["parent_process"] = _parent_process(record)
    return process


def _parent_process(record: ScriptExecution) -> dict:
    return {
        "pid": record.parent_pid,
        "uid": record.parent_uid,
        "name": record.parent_name or _basename(record.parent_path),
        "file": _file(record.parent_path, record.parent_name),
        "cmd_line": record.parent_cmd_line,
        "created_time": record.parent_created_time,
    }


def _metadata(record: ScriptExecution, release: Release) -> dict:
    return {
        "version": release.version,
        "product": {"name": record.product_name, "vendor_name": record.vendor_name or "unknown"},
        "uid": record.event_uid,
        "logged_time": record.logged_time,
        "correlation_uid": record.correlation_uid,
    }


def _classification(release: Release, class_uid: int, activity_id: int) -> dict:
    schema = release.classes[release.class_by_uid[class_uid]]
    activity = schema.attributes["activity_id"].enum.get(str(activity_id))
    severity_id = SEVERITY_INFORMATIONAL
    return {
        "class_uid": class_uid,
        "class_name": schema.caption,
        "category_uid": schema.category_uid,
        "category_name": schema.category_name,
        "activity_id": activity_id,
        "activity_name": activity.caption if activity else None,
        "type_uid": class_uid * 100 + activity_id,
        "type_name": f"{schema.caption}: {activity.caption}" if activity else None,
        "severity_id": severity_id,
    }


def _severity(release: Release, event: dict, severity_id: int | None) -> None:
    if severity_id is not None:
        event["severity_id"] = severity_id
    enum = release.classes["base_event"].attributes["severity_id"].enum
    caption = enum.get(str(event["severity_id"]))
    if caption:
        event["severity"] = caption.caption


def _unmapped(record: ScriptExecution, extra: dict | None = None) -> dict:
    unmapped = {key: value for key, value in record.extras.items()}
    if record.script_type is not None:
        unmapped["script_type_evidence"] = record.script_type.evidence
    for h in record.script_hashes:
        if h.basis != "unknown":
            unmapped.setdefault("script_hash_encoding", h.basis)
    if record.script_size_unit:
        unmapped["untruncated_size_unit"] = record.script_size_unit
    unmapped.update(extra or {})
    return unmapped


def script_activity(record: ScriptExecution, release: Release) -> tuple[dict | None, str | None]:
    """Return (Script Activity event, None) or (None, the reason it cannot be made)."""
    # Check the name too: 1.0.0-rc.2 used uid 1009 for another class.
    if release.class_by_uid.get(SCRIPT_ACTIVITY_UID) != "script_activity" \
            or "script" not in release.objects:
        return None, f"OCSF {release.version} has no Script Activity class (added in 1.4.0)"
    if record.script_text is None:
        return None, ("the source carries no script text, and script.script_content is "
                      "required in Script Activity")
    if record.script_encrypted:
        return None, ("the script block is encrypted by Protected Event Logging; its "
                      "ciphertext is not script source")
    script_type = record.script_type
    content = {"value": record.script_text}
    if record.script_truncated:
        content["is_truncated"] = True
        content["untruncated_size"] = record.script_untruncated_size
    type_enum = release.objects["script"].attributes["type_id"].enum
    script = {
        "script_content": content,
        "type_id": script_type.type_id if script_type else 0,
        "type": (script_type.other_name if script_type and script_type.other_name else
                 type_enum.get(str(script_type.type_id if script_type else 0)).caption),
        "uid": record.script_uid,
        "parent_uid": record.script_parent_uid,
        "name": record.script_name or _basename(record.script_path),
        "file": _file(record.script_path, record.script_name),
        "hashes": _fingerprints(record.script_hashes),
    }
    event = {
        **_classification(release, SCRIPT_ACTIVITY_UID, EXECUTE),
        "time": record.time,
        "metadata": _metadata(record, release),
        "device": _device(record),
        "actor": {"process": _host_process(record, record.process_cmd_line, with_parent=True),
                  "user": _user(record)},
        "script": script,
        "unmapped": _unmapped(record),
    }
    _severity(release, event, record.severity_id)
    return _compact(event), None


def process_activity(record: ScriptExecution, release: Release) -> tuple[dict | None, str | None]:
    """Return (Process Activity event, None) or (None, the reason it cannot be made)."""
    if release.class_by_uid.get(PROCESS_ACTIVITY_UID) != "process_activity":
        return None, f"OCSF {release.version} has no Process Activity class with uid 1007"
    if record.process_pid is None and record.process_uid is None and not record.process_path \
            and not record.process_name:
        return None, "the source names no process, so there is nothing to launch"
    if record.granularity == "process":
        cmd_line = record.process_cmd_line
        extra = {}
    elif record.script_encrypted:
        # Ciphertext is no command line; the host's real one (if any) stays.
        cmd_line = record.process_cmd_line
        extra = {}
    else:
        cmd_line = record.script_text
        # The host's real command line has no slot left once the script takes cmd_line.
        extra = {"host_cmd_line": record.process_cmd_line} if record.process_cmd_line else {}
    event = {
        **_classification(release, PROCESS_ACTIVITY_UID, LAUNCH),
        "time": record.time,
        "metadata": _metadata(record, release),
        "device": _device(record),
        "process": _host_process(record, cmd_line, with_parent=False),
        "actor": {"process": _parent_process(record), "user": _user(record)},
        "unmapped": _unmapped(record, extra),
    }
    event["process"]["user"] = _user(record)
    _severity(release, event, record.severity_id)
    return _compact(event), None
