"""Check OCSF events against a schema release.

Finding codes and trigger rules follow the OCSF server's ``/api/v2/validate``
(ocsf-server 4.x). Codes the server does not have are listed in
``docs/findings.md`` as this project's own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from webapp.catalog import Attribute, Catalog, Release, Schema

from .beyond import check_beyond_server
from .findings import ERROR, WARNING, EventReport, Finding

INT64 = (-(2**63), 2**63 - 1)


@dataclass
class CheckOptions:
    schema_version: str | None = None  # force this release instead of metadata.version
    missing_recommended: bool = False
    extra_profiles: tuple[str, ...] = ()  # profiles applied on top of metadata.profiles


@dataclass
class _Walk:
    release: Release
    profiles: set[str]
    report: EventReport
    missing_recommended: bool
    regex_cache: dict = field(default_factory=dict)


def choose_release(event: Any, catalog: Catalog, options: CheckOptions) -> tuple[Release, str | None]:
    """Pick the release to check ``event`` against, with a note when it differs from its own."""
    if options.schema_version:
        return catalog.get(options.schema_version), None
    declared = None
    if isinstance(event, dict) and isinstance(event.get("metadata"), dict):
        declared = event["metadata"].get("version")
    if isinstance(declared, str) and catalog.has(declared):
        return catalog.get(declared), None
    release = catalog.get()
    if isinstance(declared, str):
        return release, (f"metadata.version {declared!r} is not available here, "
                         f"so the event was checked against {release.version}")
    return release, None


def check_event(event: Any, release: Release, report: EventReport,
                options: CheckOptions | None = None) -> EventReport:
    """Check one event and add its findings to ``report``; return the report."""
    options = options or CheckOptions()
    if not isinstance(event, dict):
        report.input_error = (f"event {report.index} is a JSON {_json_type(event)}, "
                              "but an OCSF event must be a JSON object")
        return report

    class_uid = event.get("class_uid")
    report.class_uid = class_uid
    report.uid = (event.get("metadata") or {}).get("uid") if isinstance(
        event.get("metadata"), dict) else None
    if "class_uid" not in event:
        report.add(Finding("attribute_required_missing", ERROR,
                           "Required attribute \"class_uid\" is missing.",
                           attribute_path="class_uid", located_path=()))
        return report
    if isinstance(class_uid, bool) or not isinstance(class_uid, int) \
            or not INT64[0] <= class_uid <= INT64[1]:
        report.add(Finding("attribute_wrong_type", ERROR,
                           f"Attribute \"class_uid\" has the wrong type: expected integer, "
                           f"got {_json_type(class_uid)}.",
                           attribute_path="class_uid", located_path=("class_uid",),
                           context={"value": _short(class_uid), "value_type": _json_type(class_uid),
                                    "expected_type": "integer_t"}))
        return report
    schema = _class_for_uid(release, class_uid)
    if schema is None:
        report.add(Finding("class_uid_unknown", ERROR,
                           f"Unknown \"class_uid\" value; no class is defined for {class_uid!r} "
                           f"in OCSF {release.version}.",
                           attribute_path="class_uid", located_path=("class_uid",),
                           context={"value": class_uid}))
        return report
    report.class_name = schema.name
    report.class_caption = schema.caption
    report.schema_version = release.version

    profiles = _event_profiles(event, release, report) | set(options.extra_profiles)
    walk = _Walk(release, profiles, report, options.missing_recommended)
    if schema.deprecated_since:
        report.add(Finding("class_deprecated", WARNING,
                           f"Class \"{schema.name}\" is deprecated since {schema.deprecated_since}. "
                           f"{_plain(schema.deprecated_message)}",
                           context={"since": schema.deprecated_since}))
    _check_object(walk, event, schema, (), "")
    _check_version(event, release, report)
    _check_type_uid(event, schema, report)
    _check_observables(walk, event, schema)
    check_beyond_server(event, schema, release, report, walk.profiles)
    return report


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if value is None:
        return "null"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def _class_for_uid(release: Release, class_uid: Any) -> Schema | None:
    if isinstance(class_uid, bool) or not isinstance(class_uid, int):
        return None
    name = release.class_by_uid.get(class_uid)
    return release.classes.get(name) if name else None


def _event_profiles(event: dict, release: Release, report: EventReport) -> set[str]:
    metadata = event.get("metadata")
    declared = metadata.get("profiles") if isinstance(metadata, dict) else None
    if not isinstance(declared, list):
        return set()
    profiles = set()
    for position, name in enumerate(declared):
        if not isinstance(name, str):
            continue
        if name not in release.profiles:
            report.add(Finding("profile_unknown", ERROR,
                               f"Unknown profile \"{name}\" in metadata.profiles.",
                               attribute_path=f"metadata.profiles[{position}]",
                               located_path=("metadata", "profiles", position),
                               context={"value": name}))
        profiles.add(name)
    return profiles


def _check_type_uid(event: dict, schema: Schema, report: EventReport) -> None:
    activity_id = event.get("activity_id")
    type_uid = event.get("type_uid")
    if not isinstance(activity_id, int) or isinstance(activity_id, bool):
        return
    if not isinstance(type_uid, int) or isinstance(type_uid, bool):
        return
    expected = schema.uid * 100 + activity_id
    if type_uid != expected:
        report.add(Finding("type_uid_incorrect", ERROR,
                           f"Attribute \"type_uid\" value {type_uid} is incorrect; "
                           f"class_uid {schema.uid} * 100 + activity_id {activity_id} "
                           f"is {expected}.",
                           attribute_path="type_uid", located_path=("type_uid",),
                           context={"value": type_uid, "expected_value": expected},
                           schema_ref=(f"class:{schema.name}", "type_uid")))


def _visible(attr: Attribute, profiles: set[str]) -> bool:
    return not attr.profiles or any(p in profiles for p in attr.profiles)


def _join(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


def _check_object(walk: _Walk, data: dict, schema: Schema, path: tuple, dotted: str) -> None:
    report = walk.report
    ref_kind = f"{schema.kind}:{schema.name}"
    attributes = schema.attributes

    for key, value in data.items():
        attr = attributes.get(key)
        key_path = path + (key,)
        key_dotted = _join(dotted, key)
        if attr is None or not _visible(attr, walk.profiles):
            if attr is None and not attributes:
                continue  # the generic ``object`` type takes any keys
            hint = ""
            if attr is not None:
                hint = f" It belongs to profile {', '.join(attr.profiles)}, which the event " \
                       "does not declare in metadata.profiles."
            report.add(Finding("attribute_unknown", ERROR,
                               f"Unknown attribute at \"{key_dotted}\"; it is not defined in "
                               f"{schema.kind} \"{schema.name}\".{hint}",
                               attribute_path=key_dotted, located_path=key_path,
                               schema_ref=(ref_kind, "")))
            continue
        if value is None:
            continue  # null counts as missing: the requirement check reports it
        if attr.deprecated_since:
            report.add(Finding("attribute_deprecated", WARNING,
                               f"Attribute \"{key_dotted}\" is deprecated since "
                               f"{attr.deprecated_since}. {_plain(attr.deprecated_message)}",
                               attribute_path=key_dotted, located_path=key_path,
                               context={"since": attr.deprecated_since},
                               schema_ref=(ref_kind, key)))
        if attr.is_array:
            if not isinstance(value, list):
                _wrong_type(walk, attr, value, key_path, key_dotted, ref_kind, "array")
                continue
            for position, item in enumerate(value):
                _check_value(walk, attr, item, key_path + (position,),
                             f"{key_dotted}[{position}]", ref_kind, in_array=True)
        else:
            _check_value(walk, attr, value, key_path, key_dotted, ref_kind, in_array=False)

    _check_requirements(walk, data, schema, path, dotted)
    _check_constraints(walk, data, schema, path, dotted)
    _check_siblings(walk, data, schema, path, dotted)


def _check_requirements(walk: _Walk, data: dict, schema: Schema, path: tuple, dotted: str) -> None:
    for name, attr in schema.attributes.items():
        if data.get(name) is not None or not _visible(attr, walk.profiles):
            continue
        if attr.requirement == "required":
            code, severity, word = "attribute_required_missing", ERROR, "Required"
        elif attr.requirement == "recommended" and walk.missing_recommended:
            code, severity, word = "attribute_recommended_missing", WARNING, "Recommended"
        else:
            continue
        attr_dotted = _join(dotted, name)
        where = f" in {schema.kind} \"{schema.name}\"" if dotted else ""
        walk.report.add(Finding(code, severity,
                                f"{word} attribute \"{attr_dotted}\" is missing{where}.",
                                attribute_path=attr_dotted,
                                located_path=path + (name,) if name in data else path,
                                schema_ref=(f"{schema.kind}:{schema.name}", name)))


def _check_constraints(walk: _Walk, data: dict, schema: Schema, path: tuple, dotted: str) -> None:
    for kind, names in schema.constraints.items():
        # As in the OCSF server, a key with a null value counts as present here. Some
        # constraints name nested attributes ("device.os.version" in Patch State).
        present = [name for name in names if _has_path(data, name)]
        if kind == "at_least_one" and present:
            continue
        if kind == "just_one" and len(present) == 1:
            continue
        if kind not in ("at_least_one", "just_one"):
            continue
        wording = "at least one" if kind == "at_least_one" else "exactly one"
        where = f"\"{dotted}\"" if dotted else f"class \"{schema.name}\""
        walk.report.add(Finding("constraint_failed", ERROR,
                                f"Constraint failed in {where}: {wording} of "
                                f"{', '.join(names)} must be present; found "
                                f"{', '.join(present) or 'none'}.",
                                attribute_path=dotted or None, located_path=path,
                                context={"constraint": {kind: names}},
                                schema_ref=(f"{schema.kind}:{schema.name}", "")))


def _has_path(data: dict, dotted: str) -> bool:
    *parents, last = dotted.split(".")
    for key in parents:
        data = data.get(key)
        if not isinstance(data, dict):
            return False
    return last in data


def _check_siblings(walk: _Walk, data: dict, schema: Schema, path: tuple, dotted: str) -> None:
    for name, attr in schema.attributes.items():
        if not attr.enum or not attr.sibling or attr.sibling not in data:
            continue
        if not _visible(attr, walk.profiles) or data.get(name) is None:
            continue
        if attr.is_array:
            _check_array_siblings(walk, data, schema, attr, path, dotted)
            continue
        value, caption = data[name], data[attr.sibling]
        key = _enum_key(value)
        if key is None or key not in attr.enum or caption is None:
            continue
        sibling_dotted = _join(dotted, attr.sibling)
        expected = attr.enum[key].caption
        ref = (f"{schema.kind}:{schema.name}", attr.sibling)
        if key == "99":
            if caption == expected:
                walk.report.add(Finding(
                    "attribute_enum_sibling_suspicious_other", WARNING,
                    f"Attribute \"{sibling_dotted}\" is {caption!r}, the caption of value 99 of "
                    f"\"{_join(dotted, name)}\"; with 99 the sibling should carry the "
                    "source's own label.",
                    attribute_path=sibling_dotted, located_path=path + (attr.sibling,),
                    context={"value": caption}, schema_ref=ref))
        elif caption != expected:
            walk.report.add(Finding(
                "attribute_enum_sibling_incorrect", WARNING,
                f"Attribute \"{sibling_dotted}\" value {caption!r} does not match the caption "
                f"{expected!r} of \"{_join(dotted, name)}\" value {value}.",
                attribute_path=sibling_dotted, located_path=path + (attr.sibling,),
                context={"value": caption, "expected_value": expected}, schema_ref=ref))


def _check_array_siblings(walk: _Walk, data: dict, schema: Schema, attr: Attribute,
                          path: tuple, dotted: str) -> None:
    values, captions = data[attr.name], data[attr.sibling]
    if not isinstance(values, list):
        return
    captions = captions if isinstance(captions, list) else []
    ref = (f"{schema.kind}:{schema.name}", attr.sibling)
    for position, value in enumerate(values):
        key = _enum_key(value)
        if key is None or key not in attr.enum or key == "99":
            continue
        expected = attr.enum[key].caption
        sibling_dotted = f"{_join(dotted, attr.sibling)}[{position}]"
        caption = captions[position] if position < len(captions) else None
        if caption is None:
            walk.report.add(Finding(
                "attribute_enum_array_sibling_missing", ERROR,
                f"Attribute \"{sibling_dotted}\" is missing; it should be {expected!r}, the "
                f"caption of \"{_join(dotted, attr.name)}[{position}]\" value {value}.",
                attribute_path=sibling_dotted, located_path=path + (attr.sibling,),
                context={"expected_value": expected}, schema_ref=ref))
        elif caption != expected:
            walk.report.add(Finding(
                "attribute_enum_array_sibling_incorrect", ERROR,
                f"Attribute \"{sibling_dotted}\" value {caption!r} does not match the caption "
                f"{expected!r} of \"{_join(dotted, attr.name)}[{position}]\" value {value}.",
                attribute_path=sibling_dotted,
                located_path=path + (attr.sibling, position),
                context={"value": caption, "expected_value": expected}, schema_ref=ref))


def _enum_key(value: Any) -> str | None:
    """Return the enum key of a value as the OCSF server looks it up, or None."""
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        return None
    return str(value)


def _wrong_type(walk: _Walk, attr: Attribute, value: Any, path: tuple, dotted: str,
                ref_kind: str, expected: str) -> None:
    walk.report.add(Finding("attribute_wrong_type", ERROR,
                            f"Attribute \"{dotted}\" has the wrong type: expected {expected}, "
                            f"got {_json_type(value)}.",
                            attribute_path=dotted, located_path=path,
                            context={"value": _short(value), "expected_type": attr.type,
                                     "expected_type_name": attr.type_name},
                            schema_ref=(ref_kind, attr.name)))


def _check_value(walk: _Walk, attr: Attribute, value: Any, path: tuple, dotted: str,
                 ref_kind: str, in_array: bool) -> None:
    release = walk.release
    if attr.object_type:
        if not isinstance(value, dict):
            _wrong_type(walk, attr, value, path, dotted, ref_kind,
                        f"object {attr.object_type}")
            return
        target = release.objects.get(attr.object_type)
        if target is None:
            return
        if target.deprecated_since:
            walk.report.add(Finding("object_deprecated", WARNING,
                                    f"Object \"{target.name}\" at \"{dotted}\" is deprecated "
                                    f"since {target.deprecated_since}.",
                                    attribute_path=dotted, located_path=path,
                                    context={"since": target.deprecated_since}))
        _check_object(walk, value, target, path, dotted)
        return

    if value is None:
        return
    base = release.base_type(attr.type)
    if not _matches_base(base, value):
        _wrong_type(walk, attr, value, path, dotted, ref_kind, _BASE_WORDS.get(base, base))
        return
    if attr.enum:
        _check_enum(walk, attr, value, path, dotted, ref_kind, in_array)
    _check_type_constraints(walk, attr, value, path, dotted, ref_kind)


_BASE_WORDS = {
    "string_t": "string", "integer_t": "integer (32-bit)", "long_t": "integer (64-bit)",
    "float_t": "number", "boolean_t": "boolean", "json_t": "any JSON value",
}


def _matches_base(base: str, value: Any) -> bool:
    if base == "string_t":
        return isinstance(value, str)
    if base in ("integer_t", "long_t"):
        # The OCSF server accepts the 64-bit range for integer_t as well.
        if isinstance(value, bool) or not isinstance(value, int):
            return False
        return INT64[0] <= value <= INT64[1]
    if base == "float_t":
        # As in the OCSF server, an integer literal such as 5 is not a float.
        return isinstance(value, float)
    if base == "boolean_t":
        return isinstance(value, bool)
    return True  # json_t and types the export does not describe take any value


def _check_enum(walk: _Walk, attr: Attribute, value: Any, path: tuple, dotted: str,
                ref_kind: str, in_array: bool) -> None:
    key = _enum_key(value)
    item = attr.enum.get(key) if key is not None else None
    code_part = "attribute_enum_array_value" if in_array else "attribute_enum_value"
    if item is None:
        allowed = [int(v) if v.lstrip("-").isdigit() else v for v in attr.enum]
        walk.report.add(Finding(f"{code_part}_unknown", ERROR,
                                f"Attribute \"{dotted}\" has the unknown enum value {value!r}; "
                                f"allowed values are {', '.join(map(str, allowed))}.",
                                attribute_path=dotted, located_path=path,
                                context={"value": value, "allowed_values": allowed},
                                schema_ref=(ref_kind, attr.name)))
    elif item.deprecated_since:
        walk.report.add(Finding(f"{code_part}_deprecated", WARNING,
                                f"Enum value {value!r} of \"{dotted}\" is deprecated since "
                                f"{item.deprecated_since}.",
                                attribute_path=dotted, located_path=path,
                                context={"value": value, "since": item.deprecated_since},
                                schema_ref=(ref_kind, attr.name)))


# Finding codes of the type constraint checks: (own type, super type), as the OCSF server names them.
_CONSTRAINT_CODES = {
    "values": ("attribute_value_not_in_type_values", "attribute_value_not_in_super_type_values"),
    "range": ("attribute_value_exceeds_range", "attribute_value_exceeds_super_type_range"),
    "max_len": ("attribute_value_exceeds_max_len", "attribute_value_exceeds_super_type_max_len"),
    "regex": ("attribute_value_regex_not_matched", "attribute_value_super_type_regex_not_matched"),
}


def _constraint_source(release: Release, type_name: str, kind: str):
    """Return (data type, is_super) of the first type in the chain that sets ``kind``."""
    seen = set()
    is_super = False
    while type_name in release.types and type_name not in seen:
        seen.add(type_name)
        data_type = release.types[type_name]
        if getattr(data_type, kind) is not None and getattr(data_type, kind) != ():
            return data_type, is_super
        type_name = data_type.base
        is_super = True
    return None, False


def _check_type_constraints(walk: _Walk, attr: Attribute, value: Any, path: tuple,
                            dotted: str, ref_kind: str) -> None:
    release = walk.release
    is_number = isinstance(value, (int, float)) and not isinstance(value, bool)
    for kind, (own_code, super_code) in _CONSTRAINT_CODES.items():
        data_type, is_super = _constraint_source(release, attr.type, kind)
        if data_type is None:
            continue
        code = super_code if is_super else own_code
        context = {"value": _short(value), "type": attr.type}
        if is_super:
            context["super_type"] = data_type.name
        if kind == "values" and value not in data_type.values:
            _constraint(walk, code, dotted, path, ref_kind, attr,
                        f"is not one of the values of type {data_type.name}",
                        {**context, "allowed_values": list(data_type.values)})
        elif kind == "range" and is_number:
            low, high = data_type.range
            if not low <= value <= high:
                key = "super_type_range" if is_super else "range"
                _constraint(walk, code, dotted, path, ref_kind, attr,
                            f"is outside the range {low} to {high} of type {data_type.name}",
                            {**context, key: [low, high]})
        elif kind == "max_len" and isinstance(value, str) and len(value) > data_type.max_len:
            _constraint(walk, code, dotted, path, ref_kind, attr,
                        f"is longer than {data_type.max_len} characters, the maximum of type "
                        f"{data_type.name}",
                        {**context, "max_len": data_type.max_len, "length": len(value)})
        elif kind == "regex" and isinstance(value, str):
            pattern = walk.regex_cache.get(data_type.regex)
            if pattern is None:
                pattern = _compile(data_type.regex)
                walk.regex_cache[data_type.regex] = pattern
            if pattern is not False and not pattern.search(value):
                _constraint(walk, code, dotted, path, ref_kind, attr,
                            f"does not match the pattern of type {data_type.name}",
                            {**context, "regex": data_type.regex}, severity=WARNING)


def _compile(regex: str):
    try:
        return re.compile(regex)
    except re.error:
        return False  # NOTE: a pattern Python cannot compile is not checked


def _constraint(walk: _Walk, code: str, dotted: str, path: tuple, ref_kind: str,
                attr: Attribute, reason: str, context: dict, severity: str = ERROR) -> None:
    walk.report.add(Finding(code, severity, f"Attribute \"{dotted}\" value {reason}.",
                            attribute_path=dotted, located_path=path, context=context,
                            schema_ref=(ref_kind, attr.name)))


def _short(value: Any, limit: int = 200) -> Any:
    if isinstance(value, str) and len(value) > limit:
        return value[:limit] + "…"
    if isinstance(value, (dict, list)):
        return f"<{_json_type(value)}>"
    return value


def _plain(html: str | None) -> str:
    return re.sub(r"<[^>]+>", "", html or "").strip()


def _check_observables(walk: _Walk, event: dict, schema: Schema) -> None:
    observables = event.get("observables")
    if not isinstance(observables, list):
        return
    for position, item in enumerate(observables):
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            continue
        name = item["name"]
        if _resolves(walk, schema, name.split(".")):
            continue
        walk.report.add(Finding("observable_name_invalid_reference", ERROR,
                                f"Observable {position} names \"{name}\", which is not an "
                                f"attribute path of class \"{schema.name}\".",
                                attribute_path=f"observables[{position}].name",
                                located_path=("observables", position, "name"),
                                context={"name": name, "class_uid": schema.uid,
                                         "class_name": schema.name}))


def _resolves(walk: _Walk, schema: Schema, segments: list[str]) -> bool:
    current = schema
    for position, segment in enumerate(segments):
        attr = current.attributes.get(segment) if current else None
        if attr is None or not _visible(attr, walk.profiles):
            return False
        if position < len(segments) - 1:
            if not attr.object_type:
                return False
            current = walk.release.objects.get(attr.object_type)
    return True


_VERSION = re.compile(r"^(\d+)\.(\d+)\.(\d+)(?:-(dev|rc\.\d+|alpha\.\d+|beta\.\d+))?$")


def parse_version(text: str) -> tuple | None:
    """Parse ``1.8.0``, ``1.9.0-dev`` or ``1.0.0-rc.2`` into a sortable tuple, else None."""
    match = _VERSION.match(text)
    if not match:
        return None
    major, minor, patch, pre = match.groups()
    # A pre-release sorts before its release: (…, 0, "dev") < (…, 1, "").
    return int(major), int(minor), int(patch), 0 if pre else 1, pre or ""


def _check_version(event: dict, release: Release, report: EventReport) -> None:
    """Compare ``metadata.version`` with the release the event is checked against.

    Semantic versions are compared, not strings: ``1.10.0`` is later than ``1.5.0``.
    """
    metadata = event.get("metadata")
    declared = metadata.get("version") if isinstance(metadata, dict) else None
    if not isinstance(declared, str) or declared == release.version:
        return
    context = {"value": declared, "expected_value": release.version}
    location = dict(attribute_path="metadata.version", located_path=("metadata", "version"),
                    context=context, schema_ref=("object:metadata", "version"))
    event_version = parse_version(declared)
    schema_version = parse_version(release.version)
    if event_version is None:
        report.add(Finding("version_invalid_format", ERROR,
                           f"metadata.version {declared!r} is not a semantic version such as "
                           f"{release.version!r}.", **location))
        return
    if schema_version is None:
        return
    if event_version[0] == 0:
        report.add(Finding("version_incompatible_initial_development", ERROR,
                           f"metadata.version {declared!r} is an initial-development (0.x) "
                           f"version, which is incompatible with {release.version}.",
                           **location))
    elif event_version[3] == 0:
        report.add(Finding("version_incompatible_prerelease", ERROR,
                           f"metadata.version {declared!r} is a pre-release that differs from "
                           f"{release.version}; pre-releases are compatible only with "
                           "themselves.", **location))
    elif event_version > schema_version:
        report.add(Finding("version_incompatible_later", ERROR,
                           f"metadata.version {declared!r} is later than {release.version}; "
                           "an event cannot be checked against an earlier schema.",
                           **location))
    elif event_version[0] != schema_version[0]:
        report.add(Finding("version_incompatible_later", ERROR,
                           f"metadata.version {declared!r} has another major version than "
                           f"{release.version}.", **location))
    else:
        report.add(Finding("version_earlier", WARNING,
                           f"metadata.version {declared!r} is earlier than {release.version}, "
                           "the schema used for this check.", **location))
