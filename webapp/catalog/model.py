"""The normalized schema model that every layer above the catalog uses.

Packaged releases come in two export shapes and local checkouts come from
``ocsf-lib``; the loader turns all of them into these dataclasses, so nothing
above the catalog knows which shape a release came from.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class EnumValue:
    value: str
    caption: str
    description: str = ""
    deprecated_since: str | None = None


@dataclass
class Attribute:
    name: str
    caption: str
    description: str
    type: str
    type_name: str
    requirement: str
    group: str | None = None
    object_type: str | None = None
    is_array: bool = False
    enum: dict[str, EnumValue] = field(default_factory=dict)
    sibling: str | None = None
    profiles: tuple[str, ...] = ()
    deprecated_since: str | None = None
    deprecated_message: str | None = None
    observable: int | None = None  # observable type_id the attribute declares itself
    references: list[dict] = field(default_factory=list)
    # Name of the class or object in the chain that introduces the attribute,
    # or of the profile that adds it.
    defined_in: str = ""
    # (class or object name, [changed facets]) for each later link that changed it.
    overridden_by: list[tuple[str, list[str]]] = field(default_factory=list)

    @property
    def is_object(self) -> bool:
        return self.object_type is not None


@dataclass
class Schema:
    """A class or an object: both are a named set of attributes."""

    kind: str  # "class" or "object"
    name: str
    caption: str
    description: str
    extends: str | None
    attributes: dict[str, Attribute]
    profiles: tuple[str, ...] = ()
    constraints: dict[str, list[str]] = field(default_factory=dict)
    associations: dict[str, list[str]] = field(default_factory=dict)
    references: list[dict] = field(default_factory=list)
    deprecated_since: str | None = None
    deprecated_message: str | None = None
    # Classes only.
    uid: int | None = None
    category: str | None = None
    category_uid: int | None = None
    category_name: str | None = None
    # Objects only: the observable type_id that values of this object carry.
    observable: int | None = None
    extension: str | None = None  # "win" for classes and objects of an extension
    # Names from the root down to this schema, e.g. base_event, system, script_activity.
    chain: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class DataType:
    name: str
    caption: str
    description: str
    base: str | None  # the scalar type it refines, e.g. long_t for timestamp_t
    regex: str | None = None
    max_len: int | None = None
    range: tuple[int, int] | None = None
    values: tuple | None = None
    observable: int | None = None  # observable type_id of values of this type


@dataclass(frozen=True)
class Category:
    name: str
    caption: str
    uid: int
    description: str = ""


@dataclass(frozen=True)
class Profile:
    name: str
    caption: str
    description: str = ""


@dataclass
class Release:
    """One OCSF schema version, fully loaded."""

    version: str
    label: str  # what the version switcher shows: "1.8.0" or "local:dev"
    classes: dict[str, Schema]
    objects: dict[str, Schema]
    types: dict[str, DataType]
    categories: dict[str, Category]
    profiles: dict[str, Profile]
    class_by_uid: dict[int, str] = field(default_factory=dict)
    # Dictionary attributes: the shared definitions classes and objects refine.
    dictionary: dict[str, Attribute] = field(default_factory=dict)
    # Local checkouts only: the source folder and captions of abstract links
    # (``_entity``) that only the source files describe.
    source_path: str | None = None
    link_captions: dict[str, str] = field(default_factory=dict)
    # Derived data (search index, reverse lookups) built on first use.
    cache: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def is_local(self) -> bool:
        return self.source_path is not None

    def chain_caption(self, name: str) -> str:
        """Return the caption of a link in a class or object chain."""
        if name in self.classes:
            return self.classes[name].caption
        if name in self.categories:
            return self.categories[name].caption
        if name in self.objects:
            return self.objects[name].caption
        if name in self.profiles:
            return f"{self.profiles[name].caption} profile"
        return self.link_captions.get(name, name)

    def base_type(self, type_name: str) -> str:
        """Return the scalar JSON-level type (``string_t``, ``long_t``…) of a type."""
        seen = set()
        while type_name in self.types and self.types[type_name].base and type_name not in seen:
            seen.add(type_name)
            type_name = self.types[type_name].base
        return type_name
