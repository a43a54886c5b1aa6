"""Changes of one class or object between schema versions.

A change compares two versions of the same schema attribute by attribute:
attributes added or removed, requirement, type and object type changes, enum
values added or removed, and new deprecations of the schema, an attribute or
an enum value. Captions and descriptions are not compared.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from .model import Attribute, Release, Schema


@dataclass(frozen=True)
class Change:
    """One difference between two versions of a class or object."""

    kind: str  # see CHANGE_KINDS
    attribute: str | None  # None for changes of the schema itself
    before: str | None = None
    after: str | None = None
    detail: str = ""  # profile name, deprecation message or enum captions

    def to_json(self) -> dict:
        return asdict(self)


CHANGE_KINDS = {
    "schema_added": "first appearance",
    "schema_removed": "removed",
    "schema_deprecated": "deprecated",
    "attribute_added": "attribute added",
    "attribute_removed": "attribute removed",
    "requirement_changed": "requirement changed",
    "type_changed": "type changed",
    "object_type_changed": "object type changed",
    "enum_values_added": "enum values added",
    "enum_values_removed": "enum values removed",
    "attribute_deprecated": "attribute deprecated",
    "enum_value_deprecated": "enum value deprecated",
}


@dataclass
class VersionEntry:
    """The state of one schema in one version of the timeline and its changes."""

    label: str
    version: str
    is_local: bool
    present: bool
    changes: list[Change]

    def to_json(self) -> dict:
        return {"label": self.label, "version": self.version, "is_local": self.is_local,
                "present": self.present, "changes": [c.to_json() for c in self.changes]}


def lookup(release: Release, kind: str, name: str) -> Schema | None:
    pool = release.classes if kind == "class" else release.objects
    return pool.get(name)


def schema_changes(before: Schema | None, after: Schema | None) -> list[Change]:
    """Return the changes from ``before`` to ``after``, either of which may be None."""
    if before is None and after is None:
        return []
    if before is None:
        return [Change("schema_added", None, after=after.caption)]
    if after is None:
        return [Change("schema_removed", None, before=before.caption)]

    changes = []
    if after.deprecated_since and not before.deprecated_since:
        changes.append(Change("schema_deprecated", None, after=after.deprecated_since,
                              detail=after.deprecated_message or ""))
    for name in sorted(set(before.attributes) | set(after.attributes)):
        old, new = before.attributes.get(name), after.attributes.get(name)
        if old is None:
            changes.append(Change("attribute_added", name, after=_type_label(new),
                                  detail=_profile_note(new)))
        elif new is None:
            changes.append(Change("attribute_removed", name, before=_type_label(old),
                                  detail=_profile_note(old)))
        else:
            changes.extend(attribute_changes(old, new))
    return changes


def attribute_changes(old: Attribute, new: Attribute) -> list[Change]:
    """Return the changes of one attribute present in both versions."""
    name = new.name
    changes = []
    if old.requirement != new.requirement:
        changes.append(Change("requirement_changed", name, old.requirement, new.requirement))
    if old.object_type and new.object_type and old.object_type != new.object_type:
        changes.append(Change("object_type_changed", name, _type_label(old), _type_label(new)))
    elif (old.type, old.object_type, old.is_array) != (new.type, new.object_type, new.is_array):
        changes.append(Change("type_changed", name, _type_label(old), _type_label(new)))

    added = [value for value in new.enum if value not in old.enum]
    removed = [value for value in old.enum if value not in new.enum]
    if added:
        changes.append(Change("enum_values_added", name, after=", ".join(added),
                              detail=_captions(new, added)))
    if removed:
        changes.append(Change("enum_values_removed", name, before=", ".join(removed),
                              detail=_captions(old, removed)))

    if new.deprecated_since and not old.deprecated_since:
        changes.append(Change("attribute_deprecated", name, after=new.deprecated_since,
                              detail=new.deprecated_message or ""))
    for value, item in new.enum.items():
        previous = old.enum.get(value)
        if item.deprecated_since and previous is not None and not previous.deprecated_since:
            changes.append(Change("enum_value_deprecated", name, after=item.deprecated_since,
                                  detail=f"{value} {item.caption}"))
    return changes


def _type_label(attr: Attribute) -> str:
    label = attr.type_name or attr.object_type or attr.type
    if attr.object_type:
        label = f"{label} ({attr.object_type})"
    elif attr.type_name and attr.type_name != attr.type:
        label = f"{label} ({attr.type})"
    return f"array of {label}" if attr.is_array else label


def _profile_note(attr: Attribute) -> str:
    return f"profile {', '.join(attr.profiles)}" if attr.profiles else ""


def _captions(attr: Attribute, values: list[str]) -> str:
    return "; ".join(f"{value} {attr.enum[value].caption}" for value in values)


def schema_history(timeline: list[Release], kind: str, name: str) -> list[VersionEntry]:
    """Return one entry per version of ``timeline``, each with its changes from the one before.

    The first version that has the schema gets a ``schema_added`` change;
    versions without it have ``present`` false.
    """
    entries = []
    previous: Schema | None = None
    for release in timeline:
        current = lookup(release, kind, name)
        changes = schema_changes(previous, current)
        entries.append(VersionEntry(release.label, release.version, release.is_local,
                                    current is not None, changes))
        previous = current
    return entries
