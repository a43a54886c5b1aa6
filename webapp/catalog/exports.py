"""Read the compiled OCSF exports shipped by the ``ocsf-json-schema`` package.

Two export shapes exist: the v1 export (releases up to 1.4.0) with top-level
``types``, ``base_event`` and ``dictionary_attributes``, and the v2 export
(1.5.0 and later) with ``dictionary``, ``categories`` and ``profiles``. Both
become a :class:`~webapp.catalog.model.Release`.
"""

from __future__ import annotations

from pathlib import Path

import orjson

from .inheritance import derive_inheritance
from .model import Attribute, Category, DataType, EnumValue, Profile, Release, Schema


def packaged_directory() -> Path:
    """Return the folder holding the packaged ``<version>.json`` exports."""
    import ocsf_json_schema

    return Path(ocsf_json_schema.__file__).parent / "ocsf"


def packaged_versions() -> list[str]:
    """List the packaged release versions, oldest first."""
    names = [path.stem for path in packaged_directory().glob("*.json")]
    return sorted(names, key=version_key)


def version_key(version: str) -> tuple:
    """Sort key that orders ``1.0.0-rc.2`` < ``1.0.0`` < ``1.10.0``."""
    core, _, pre = version.partition("-")
    numbers = []
    for part in core.split("."):
        numbers.append(int(part) if part.isdigit() else 0)
    while len(numbers) < 3:
        numbers.append(0)
    # A release without a pre-release tag sorts after its pre-releases.
    return (*numbers, 0 if pre else 1, pre)


def load_packaged(version: str) -> Release:
    """Load one packaged release by version; raise ``KeyError`` when it is not packaged."""
    path = packaged_directory() / f"{version}.json"
    if not path.is_file():
        raise KeyError(version)
    export = orjson.loads(path.read_bytes())
    return release_from_export(export, label=version)


def release_from_export(export: dict, label: str) -> Release:
    """Normalize a compiled export of either shape into a :class:`Release`."""
    is_v2 = "dictionary" in export
    classes_raw = dict(export.get("classes", {}))
    if "base_event" in export and "base_event" not in classes_raw:
        classes_raw["base_event"] = export["base_event"]

    if is_v2:
        types_raw = export["dictionary"]["types"]["attributes"]
    else:
        types_raw = export.get("types", {})
    types = {name: _data_type(name, raw) for name, raw in types_raw.items()}

    categories = _categories(export, classes_raw)
    profiles = _profiles(export, classes_raw, export.get("objects", {}))

    classes = {name: _schema("class", name, raw) for name, raw in classes_raw.items()}
    objects = {
        name: _schema("object", name, raw) for name, raw in export.get("objects", {}).items()
    }
    release = Release(
        version=str(export.get("version", label)),
        label=label,
        classes=classes,
        objects=objects,
        types=types,
        categories=categories,
        profiles=profiles,
    )
    release.class_by_uid = {c.uid: c.name for c in classes.values() if c.uid is not None}
    if is_v2:
        dictionary_raw = export["dictionary"].get("attributes", {})
    else:
        dictionary_raw = export.get("dictionary_attributes", {})
    release.dictionary = {
        name: _attribute(name, raw) for name, raw in dictionary_raw.items()
        if isinstance(raw, dict)
    }
    derive_inheritance(release)
    return release


def _data_type(name: str, raw: dict) -> DataType:
    rng = raw.get("range")
    values = raw.get("values")
    return DataType(
        name=name,
        caption=raw.get("caption", name),
        description=raw.get("description", ""),
        base=raw.get("type"),
        regex=raw.get("regex"),
        max_len=raw.get("max_len"),
        range=tuple(rng) if rng else None,
        values=tuple(values) if values else None,
        observable=raw.get("observable"),
    )


def _categories(export: dict, classes_raw: dict) -> dict[str, Category]:
    found: dict[str, Category] = {}
    declared = export.get("categories", {}).get("attributes", {})
    for name, raw in declared.items():
        found[name] = Category(name, raw.get("caption", name), int(raw.get("uid", 0)),
                               raw.get("description", ""))
    # v1 exports have no category list: read it off the classes.
    for raw in classes_raw.values():
        name = raw.get("category")
        if name and name not in found and raw.get("category_uid") is not None:
            found[name] = Category(name, raw.get("category_name", name), int(raw["category_uid"]))
    return found


def _profiles(export: dict, classes_raw: dict, objects_raw: dict) -> dict[str, Profile]:
    found: dict[str, Profile] = {}
    for name, raw in export.get("profiles", {}).items():
        found[name] = Profile(name, raw.get("caption", name), raw.get("description", ""))
    # v1 exports name profiles only where classes and attributes use them.
    for raw in list(classes_raw.values()) + list(objects_raw.values()):
        for name in raw.get("profiles") or []:
            if name not in found:
                caption = name.split("/")[-1].replace("_", " ").title()
                found[name] = Profile(name, caption)
    return found


def _schema(kind: str, name: str, raw: dict) -> Schema:
    deprecated = raw.get("@deprecated") or {}
    uid = raw.get("uid")
    return Schema(
        kind=kind,
        name=name,
        caption=raw.get("caption", name),
        description=raw.get("description", ""),
        extends=raw.get("extends"),
        attributes={
            attr_name: _attribute(attr_name, attr_raw)
            for attr_name, attr_raw in raw.get("attributes", {}).items()
        },
        profiles=tuple(raw.get("profiles") or ()),
        constraints=dict(raw.get("constraints") or {}),
        associations=dict(raw.get("associations") or {}),
        references=list(raw.get("references") or []),
        deprecated_since=deprecated.get("since"),
        deprecated_message=deprecated.get("message"),
        uid=int(uid) if kind == "class" and uid is not None else None,
        category=raw.get("category"),
        category_uid=raw.get("category_uid"),
        category_name=raw.get("category_name"),
        observable=raw.get("observable") if kind == "object" else None,
        extension=raw.get("extension"),
    )


def _attribute(name: str, raw: dict) -> Attribute:
    # v1 exports carry one profile name (or null), v2 exports a list (or null).
    if "profiles" in raw:
        profiles = tuple(raw.get("profiles") or ())
    else:
        profile = raw.get("profile")
        profiles = (profile,) if profile else ()
    deprecated = raw.get("@deprecated") or {}
    enum = {}
    for value, item in (raw.get("enum") or {}).items():
        item_deprecated = item.get("@deprecated") or {}
        enum[str(value)] = EnumValue(
            value=str(value),
            caption=item.get("caption", str(value)),
            description=item.get("description", ""),
            deprecated_since=item_deprecated.get("since"),
        )
    return Attribute(
        name=name,
        caption=raw.get("caption", name),
        description=raw.get("description", ""),
        type=raw.get("type", "string_t"),
        type_name=raw.get("type_name") or raw.get("object_name") or raw.get("type", ""),
        requirement=raw.get("requirement", "optional"),
        group=raw.get("group"),
        object_type=raw.get("object_type"),
        is_array=bool(raw.get("is_array")),
        enum=dict(sorted(enum.items(), key=lambda kv: _enum_sort_key(kv[0]))),
        sibling=raw.get("sibling"),
        profiles=profiles,
        deprecated_since=deprecated.get("since"),
        deprecated_message=deprecated.get("message"),
        observable=raw.get("observable"),
        references=list(raw.get("references") or []),
    )


def _enum_sort_key(value: str) -> tuple:
    try:
        return (0, int(value), "")
    except ValueError:
        return (1, 0, value)
