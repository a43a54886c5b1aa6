"""Build a sample event for a class: every required attribute, recommended ones on request.

The event is meant to pass this project's validator with no errors: enum
values come from the schema, each enum's caption sibling matches its value,
``type_uid`` is ``class_uid * 100 + activity_id``, ``metadata.version`` is the
release's version and ``metadata.profiles`` lists the chosen profiles.
Constraints (``at_least_one``, ``just_one``) of the class and of each object
are met by adding or dropping attributes.
"""

from __future__ import annotations

from typing import Any

from .model import Attribute, Release, Schema

# Below this depth, only required attributes of nested objects are filled in.
RECOMMENDED_DEPTH = 3
# Objects nested deeper than this are cut off. No chain of required objects in the
# packaged releases is this deep.
MAX_DEPTH = 12
SAMPLE_TIME_MS = 1735689600000  # 2025-01-01T00:00:00Z
SAMPLE_TIME_TEXT = "2025-01-01T00:00:00Z"
SHA256_OF_EMPTY = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

# Example values per OCSF data type. A type not listed uses its base type's value.
TYPE_EXAMPLES: dict[str, Any] = {
    "boolean_t": True,
    "bytestring_t": "ZXhhbXBsZQ==",
    "datetime_t": SAMPLE_TIME_TEXT,
    "email_t": "user@example.com",
    "file_hash_t": SHA256_OF_EMPTY,
    "file_name_t": "example.ps1",
    "file_path_t": "/opt/example/example.ps1",
    "float_t": 1.5,
    "hostname_t": "host.example.com",
    "integer_t": 1,
    "ip_t": "192.0.2.10",
    "json_t": {"example": True},
    "long_t": 1,
    "mac_t": "00:00:5e:00:53:01",
    "path_t": "example/path",
    "port_t": 443,
    "process_name_t": "powershell.exe",
    "reg_key_path_t": "HKEY_LOCAL_MACHINE\\SOFTWARE\\Example",
    "resource_uid_t": "resource-1",
    "string_t": "example",
    "subnet_t": "192.0.2.0/24",
    "timestamp_t": SAMPLE_TIME_MS,
    "url_t": "https://www.example.com/",
    "username_t": "alice",
    "uuid_t": "123e4567-e89b-12d3-a456-426614174000",
}
# Enum values chosen by attribute name, where the first ordinary value would clash
# with another attribute (a SHA-256 digest needs algorithm_id 3).
PREFERRED_ENUM_VALUES = {"algorithm_id": "3"}
UNKNOWN_OR_OTHER = ("0", "99", "-1")


class SampleError(ValueError):
    """Raised when a sample cannot be built, such as for an unknown profile."""


def build_sample(release: Release, schema: Schema, profiles: list[str],
                 recommended: bool = False) -> dict:
    """Return a sample event of class ``schema`` with the attributes of ``profiles``.

    Raise :class:`SampleError` for a profile the release does not define.
    """
    unknown = [name for name in profiles if name not in release.profiles]
    if unknown:
        raise SampleError(f"unknown profile {', '.join(unknown)!s} in OCSF {release.version}")
    builder = _Builder(release, set(profiles), recommended)
    event = builder.fill(schema, 0)
    _fix_class_fields(event, schema)
    builder.add_observable(event, schema)
    _fix_metadata(event, schema, release, profiles)
    return event


class _Builder:
    def __init__(self, release: Release, profiles: set[str], recommended: bool):
        self.release = release
        self.profiles = profiles
        self.recommended = recommended

    def visible(self, attr: Attribute) -> bool:
        return not attr.profiles or any(p in self.profiles for p in attr.profiles)

    def wanted(self, attr: Attribute, depth: int) -> bool:
        if not self.visible(attr):
            return False
        if attr.requirement == "required":
            return True
        return (self.recommended and attr.requirement == "recommended"
                and depth < RECOMMENDED_DEPTH and not attr.deprecated_since)

    def fill(self, schema: Schema, depth: int) -> dict:
        data: dict[str, Any] = {}
        siblings = {attr.sibling for attr in schema.attributes.values()
                    if attr.enum and attr.sibling}
        for attr in schema.attributes.values():
            # An enum's caption sibling is set together with the enum value.
            if self.wanted(attr, depth) and not (attr.name in siblings and attr.name in data):
                self.set_value(data, schema, attr, depth)
        self.meet_constraints(data, schema, depth)
        return data

    def set_value(self, data: dict, schema: Schema, attr: Attribute, depth: int) -> None:
        value = self.value(attr, depth)
        if value is None:
            return
        data[attr.name] = [value] if attr.is_array else value
        sibling = schema.attributes.get(attr.sibling or "")
        if attr.enum and sibling is not None and self.visible(sibling) \
                and self.release.base_type(sibling.type) == "string_t":
            caption = _caption(attr, value)
            data[sibling.name] = [caption] if sibling.is_array else caption

    def value(self, attr: Attribute, depth: int) -> Any:
        if attr.object_type:
            target = self.release.objects.get(attr.object_type)
            if target is None:
                return {}
            if depth >= MAX_DEPTH:
                return None
            return self.fill(target, depth + 1)
        if attr.enum:
            return _enum_value(attr)
        return self.scalar(attr)

    def scalar(self, attr: Attribute) -> Any:
        type_name = attr.type
        seen = set()
        while type_name not in TYPE_EXAMPLES and type_name not in seen:
            seen.add(type_name)
            data_type = self.release.types.get(type_name)
            if data_type is None or not data_type.base:
                break
            type_name = data_type.base
        return TYPE_EXAMPLES.get(type_name, "example")

    def meet_constraints(self, data: dict, schema: Schema, depth: int) -> None:
        for kind, names in schema.constraints.items():
            present = [n for n in names if _has_path(data, n)]
            if not present:
                for name in names:
                    if self.set_path(data, schema, name.split("."), depth):
                        break
            elif kind == "just_one" and len(present) > 1:
                for name in present[1:]:
                    _drop(data, schema, name)

    def set_path(self, data: dict, schema: Schema, segments: list[str], depth: int) -> bool:
        """Set the attribute at a dotted path such as ``os.version``, returning True if set."""
        attr = schema.attributes.get(segments[0])
        if attr is None or not self.visible(attr):
            return False
        if len(segments) == 1:
            self.set_value(data, schema, attr, depth)
            return attr.name in data
        target = self.release.objects.get(attr.object_type or "")
        if target is None or attr.is_array:
            return False
        child = data.get(attr.name)
        if not isinstance(child, dict):
            child = self.fill(target, depth + 1)
        if not self.set_path(child, target, segments[1:], depth + 1):
            return False
        data[attr.name] = child
        return True

    def add_observable(self, event: dict, schema: Schema) -> None:
        """Make ``observables`` name one attribute of the event, with its type and value."""
        attr = schema.attributes.get("observables")
        target = self.release.objects.get(attr.object_type or "") if attr else None
        if target is None or "observables" not in event:
            return
        path, value, type_id = _observable_source(self.release, schema, event)
        item = event["observables"][0] if event["observables"] else {}
        item["name"] = path
        type_attr = target.attributes.get("type_id")
        if type_attr is not None:
            key = str(type_id) if str(type_id) in type_attr.enum else "0"
            if key in type_attr.enum:
                item["type_id"] = int(key)
                if type_attr.sibling in target.attributes:
                    item[type_attr.sibling] = _caption(type_attr, int(key))
        if "value" in target.attributes:
            item["value"] = str(value)
        event["observables"] = [item]


def _enum_value(attr: Attribute) -> Any:
    """Pick an ordinary enum value: the preferred one, else the first not Unknown or Other."""
    values = [v for v in attr.enum.values() if not v.deprecated_since]
    preferred = PREFERRED_ENUM_VALUES.get(attr.name)
    chosen = next((v for v in values if v.value == preferred), None)
    chosen = chosen or next((v for v in values if v.value not in UNKNOWN_OR_OTHER), None)
    chosen = chosen or (values[0] if values else next(iter(attr.enum.values())))
    if attr.type in ("string_t",) or not chosen.value.lstrip("-").isdigit():
        return chosen.value
    return int(chosen.value)


def _caption(attr: Attribute, value: Any) -> str:
    """Return the sibling text of an enum value, or a source label for Other (99)."""
    if str(value) == "99":
        return "Example source label"
    return attr.enum[str(value)].caption


def _has_path(data: dict, dotted: str) -> bool:
    current: Any = data
    for segment in dotted.split("."):
        if not isinstance(current, dict) or segment not in current:
            return False
        current = current[segment]
    return True


def _drop(data: dict, schema: Schema, name: str) -> None:
    data.pop(name, None)
    attr = schema.attributes.get(name)
    if attr is not None and attr.sibling:
        data.pop(attr.sibling, None)


def _observable_source(release: Release, schema: Schema, event: dict) -> tuple[str, Any, int]:
    """Return (path, value, observable type_id) of a scalar in the event worth observing.

    An attribute whose type or declaration gives an observable type_id is
    preferred; otherwise ``class_name`` (or the first string) with type_id 0.
    """
    fallback = None
    pending: list[tuple[str, Schema, dict]] = [("", schema, event)]
    while pending:
        prefix, current, data = pending.pop(0)
        for name, value in data.items():
            attr = current.attributes.get(name)
            if attr is None or name == "observables":
                continue
            path = f"{prefix}{name}"
            target = release.objects.get(attr.object_type or "")
            if target is not None and isinstance(value, dict):
                pending.append((f"{path}.", target, value))
                continue
            if not isinstance(value, (str, int)) or isinstance(value, bool):
                continue
            data_type = release.types.get(attr.type)
            observable = attr.observable or (data_type.observable if data_type else None)
            if observable:
                return path, value, observable
            if fallback is None and isinstance(value, str):
                fallback = (path, value, 0)
    return fallback or ("class_name", event.get("class_name", ""), 0)


def _fix_class_fields(event: dict, schema: Schema) -> None:
    """Make class_uid, category_uid, type_uid and their captions agree with the class."""
    attributes = schema.attributes
    fixed = [("class_uid", schema.uid), ("category_uid", schema.category_uid)]
    for name, value in fixed:
        attr = attributes.get(name)
        if value is None or attr is None or str(value) not in attr.enum:
            continue
        event[name] = int(value)
        if attr.sibling in attributes:
            event[attr.sibling] = _caption(attr, value)

    type_uid = attributes.get("type_uid")
    activity = event.get("activity_id")
    if type_uid is None or schema.uid is None or not isinstance(activity, int):
        return
    value = schema.uid * 100 + activity
    event["type_uid"] = value
    item = type_uid.enum.get(str(value))
    if type_uid.sibling in attributes and item is not None:
        event[type_uid.sibling] = _caption(type_uid, value)


def _fix_metadata(event: dict, schema: Schema, release: Release, profiles: list[str]) -> None:
    metadata_attr = schema.attributes.get("metadata")
    metadata_schema = release.objects.get(metadata_attr.object_type or "") if metadata_attr \
        else None
    if metadata_schema is None:
        return
    metadata = event.setdefault("metadata", {})
    if "version" in metadata_schema.attributes:
        metadata["version"] = release.version
    if "profiles" in metadata_schema.attributes:
        metadata["profiles"] = list(profiles)
    if "time" in event and "time_dt" in event:
        event["time_dt"] = SAMPLE_TIME_TEXT
