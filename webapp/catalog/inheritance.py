"""Derive inheritance chains and "defined in" facts from a compiled export.

A compiled export flattens inheritance: each class lists every attribute it
ends up with, and abstract links such as the ``system`` category class or the
``_entity`` object are not exported at all. This module rebuilds what the
source tree states:

* the chain of a class (``base_event`` → category class → … → class) and of an
  object (``object`` → … → object);
* for each attribute, the link that introduces it, or the profile that adds it;
* for each attribute, the later links that change its requirement, enum,
  group, type or description.

An abstract link that is not exported (``system``, ``_entity``) is taken to
define exactly the attributes that every exported schema below it shares and
that its own parent does not have.
"""

from __future__ import annotations

from .model import Attribute, Release, Schema

BASE_EVENT = "base_event"
OBJECT_ROOT = "object"
FACETS = ("requirement", "enum", "group", "type", "description")


def derive_inheritance(release: Release) -> None:
    """Fill ``chain``, ``defined_in`` and ``overridden_by`` in place for a release."""
    for schema in release.classes.values():
        schema.chain = _class_chain(release, schema)
    for schema in release.objects.values():
        schema.chain = _object_chain(release, schema)

    virtual = _virtual_links(release)
    for schema in list(release.classes.values()) + list(release.objects.values()):
        _attribute_origins(release, schema, virtual)


def _class_chain(release: Release, schema: Schema) -> list[str]:
    chain = [schema.name]
    current = schema
    while current.extends and current.name != BASE_EVENT and len(chain) < 16:
        parent = current.extends
        chain.append(parent)
        if parent in release.classes:
            current = release.classes[parent]
        else:
            # A category class such as ``system`` is abstract and extends base_event.
            if parent != BASE_EVENT:
                chain.append(BASE_EVENT)
            break
    return list(reversed(chain))


def _object_chain(release: Release, schema: Schema) -> list[str]:
    chain = [schema.name]
    current: Schema | None = schema
    while current is not None and current.extends and len(chain) < 16:
        parent = current.extends
        chain.append(parent)
        current = release.objects.get(parent)
    if chain[-1] != OBJECT_ROOT:
        chain.append(OBJECT_ROOT)
    return list(reversed(chain))


def _members(release: Release, link: str) -> list[Schema]:
    """Exported schemas whose chain passes through ``link`` below it."""
    pool = list(release.classes.values()) + list(release.objects.values())
    return [s for s in pool if link in s.chain[:-1]]


def _virtual_links(release: Release) -> dict[str, dict[str, Attribute | None]]:
    """For each abstract link, the attributes it is taken to define.

    The value is the attribute as all members agree on it for each facet, or
    ``None`` for the facets they disagree on (kept per facet in ``_facet_of``).
    """
    links: set[str] = set()
    for schema in list(release.classes.values()) + list(release.objects.values()):
        for link in schema.chain[:-1]:
            if link not in release.classes and link not in release.objects:
                links.add(link)
    links.discard(OBJECT_ROOT)

    found: dict[str, dict[str, Attribute | None]] = {}
    for link in links:
        members = _members(release, link)
        if not members:
            continue
        shared = set.intersection(*(set(_own_names(m)) for m in members))
        found[link] = {name: _agreed(members, name) for name in sorted(shared)}
    return found


def _own_names(schema: Schema) -> list[str]:
    return [name for name, attr in schema.attributes.items() if not attr.profiles]


def _agreed(members: list[Schema], name: str) -> Attribute | None:
    """Return the first member's attribute, marking facets the members disagree on."""
    first = members[0].attributes[name]
    agreed = Attribute(**{**first.__dict__})
    agreed.overridden_by = []
    disagreements = []
    for facet in FACETS:
        values = {_facet_of(m.attributes[name], facet) for m in members}
        if len(values) > 1:
            disagreements.append(facet)
    agreed.__dict__["_disagree"] = tuple(disagreements)
    return agreed


def _facet_of(attr: Attribute, facet: str):
    if facet == "enum":
        return tuple((v.value, v.caption) for v in attr.enum.values())
    if facet == "type":
        return (attr.type, attr.object_type, attr.is_array)
    return getattr(attr, facet)


def _link_attribute(release: Release, virtual: dict, link: str, name: str) -> Attribute | None:
    if link in release.classes and link not in virtual:
        attr = release.classes[link].attributes.get(name)
    elif link in release.objects and link not in virtual:
        attr = release.objects[link].attributes.get(name)
    else:
        attr = virtual.get(link, {}).get(name)
    if attr is not None and attr.profiles:
        return None
    return attr


def _attribute_origins(release: Release, schema: Schema, virtual: dict) -> None:
    ancestors = schema.chain[:-1]
    for name, attr in schema.attributes.items():
        attr.overridden_by = []
        if attr.profiles:
            attr.defined_in = attr.profiles[0]
            continue

        origin = schema.name
        for link in ancestors:
            if _link_attribute(release, virtual, link, name) is not None:
                origin = link
                break
        attr.defined_in = origin
        if origin == schema.name:
            continue

        later = schema.chain[schema.chain.index(origin):]
        first = _link_attribute(release, virtual, origin, name)
        known = {facet: _facet_of(first, facet) for facet in FACETS}
        for link in later[1:]:
            current = attr if link == schema.name else _link_attribute(
                release, virtual, link, name)
            if current is None:
                continue
            # Facets that the members of an abstract link disagree on say
            # nothing about that link, so the last known value stays.
            unknown = current.__dict__.get("_disagree", ())
            changed = []
            for facet in FACETS:
                if facet in unknown:
                    continue
                value = _facet_of(current, facet)
                if value != known[facet]:
                    changed.append(facet)
                    known[facet] = value
            if changed:
                attr.overridden_by.append((link, changed))
