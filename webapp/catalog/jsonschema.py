"""JSON Schema (Draft 2020-12) of a class or object, with chosen profiles.

Built from the normalized model, so it works the same for packaged releases and
local checkouts. Objects become ``$defs`` entries referenced by ``$ref``;
attributes of profiles that are not chosen are left out, so an event that uses
them fails ``additionalProperties``. JSON null is accepted where the attribute
is not required, as the OCSF validator treats null as absent.
"""

from __future__ import annotations

from .model import Attribute, Release, Schema

DRAFT = "https://json-schema.org/draft/2020-12/schema"
INT64 = (-(2**63), 2**63 - 1)
_BASE_TYPES = {"string_t": "string", "integer_t": "integer", "long_t": "integer",
               "float_t": "number", "boolean_t": "boolean"}


def _pointer(name: str) -> str:
    return "#/$defs/" + name.replace("~", "~0").replace("/", "~1")


class _Builder:
    def __init__(self, release: Release, profiles: set[str]):
        self.release = release
        self.profiles = profiles
        self.definitions: dict[str, dict] = {}
        self.pending: list[str] = []

    def visible(self, attr: Attribute) -> bool:
        return not attr.profiles or any(p in self.profiles for p in attr.profiles)

    def scalar(self, attr: Attribute) -> dict:
        release = self.release
        base = release.base_type(attr.type)
        result: dict = {}
        if base in _BASE_TYPES:
            result["type"] = _BASE_TYPES[base]
        if base in ("integer_t", "long_t"):
            result["minimum"], result["maximum"] = INT64
        if attr.enum:
            if base in ("integer_t", "long_t"):
                result["enum"] = [int(v) for v in attr.enum if v.lstrip("-").isdigit()]
            else:
                result["enum"] = list(attr.enum)
        # The nearest type in the chain that sets a constraint decides it.
        type_name, seen, ranged = attr.type, set(), False
        while type_name in release.types and type_name not in seen:
            seen.add(type_name)
            data_type = release.types[type_name]
            if data_type.regex and "pattern" not in result:
                result["pattern"] = data_type.regex
            if data_type.max_len and "maxLength" not in result:
                result["maxLength"] = data_type.max_len
            if data_type.range and not ranged:
                ranged = True
                low, high = data_type.range
                result["minimum"] = max(result.get("minimum", low), low)
                result["maximum"] = min(result.get("maximum", high), high)
            type_name = data_type.base
        return result

    def attribute(self, attr: Attribute) -> dict:
        if attr.object_type:
            target = self.release.objects.get(attr.object_type)
            if target is None or not target.attributes:
                item: dict = {"type": "object"}
            else:
                if attr.object_type not in self.definitions:
                    self.definitions[attr.object_type] = {}
                    self.pending.append(attr.object_type)
                item = {"$ref": _pointer(attr.object_type)}
        else:
            item = self.scalar(attr)
        schema = {"type": "array", "items": item} if attr.is_array else item
        schema = dict(schema)
        schema["title"] = attr.caption
        if attr.deprecated_since:
            schema["deprecated"] = True
        return schema

    def body(self, target: Schema) -> dict:
        attributes = {n: a for n, a in target.attributes.items() if self.visible(a)}
        result: dict = {"type": "object", "title": target.caption}
        properties = {}
        for name, attr in attributes.items():
            schema = self.attribute(attr)
            if attr.requirement != "required":
                schema = {"anyOf": [schema, {"type": "null"}]}
            properties[name] = schema
        result["properties"] = properties
        result["additionalProperties"] = not attributes
        required = sorted(n for n, a in attributes.items() if a.requirement == "required")
        if required:
            result["required"] = required
        checks = []
        for kind, names in target.constraints.items():
            # Dotted names ("device.os.version") are left to the validator.
            options = [{"required": [n]} for n in names if "." not in n]
            if not options:
                continue
            checks.append({"anyOf": options} if kind == "at_least_one" else {"oneOf": options})
        if checks:
            result["allOf"] = checks
        return result


def json_schema(release: Release, schema: Schema, profiles: list[str]) -> dict:
    """Return the Draft 2020-12 JSON Schema of a class or object with ``profiles``."""
    builder = _Builder(release, set(profiles))
    document = {"$schema": DRAFT,
                "$id": f"urn:ocsf:{release.label}:{schema.kind}:{schema.name}",
                **builder.body(schema)}
    if schema.kind == "class" and schema.uid is not None:
        document["properties"]["class_uid"] = {"const": schema.uid, "title": "Class ID"}
    while builder.pending:
        name = builder.pending.pop()
        builder.definitions[name] = builder.body(release.objects[name])
    if builder.definitions:
        document["$defs"] = builder.definitions
    return document
