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

Rules for what the export leaves out, checked against the source trees of
OCSF 1.4.0 to 1.8.0 by ``tests/test_inheritance_sources.py``:

* An abstract class link (``system``, ``network``, ``discovery_result``)
  extends ``base_event``.
* An abstract object link extends another abstract object link when its
  members have every attribute that all the other link's members share
  (``_resource`` extends ``_entity``); otherwise it extends ``object``.
* An abstract link defines the attributes that every exported schema below it
  shares and that its parent does not have. The export cannot show an
  attribute that each member states itself, so such an attribute is credited
  to the abstract link as well (the test lists these cases).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .model import Attribute, Release, Schema

BASE_EVENT = "base_event"
OBJECT_ROOT = "object"
FACETS = ("requirement", "enum", "group", "type", "description")
MAX_DEPTH = 16


@dataclass
class _Abstract:
    """An abstract link the export leaves out, with what it is taken to define."""

    name: str
    members: list[Schema]
    parent: str = ""
    attributes: dict[str, Attribute] = field(default_factory=dict)
    # Facets the members disagree on, per attribute: they tell nothing about the link.
    unknown: dict[str, set[str]] = field(default_factory=dict)


def derive_inheritance(release: Release) -> None:
    """Fill ``chain``, ``defined_in`` and ``overridden_by`` in place for a release."""
    for kind, pool in (("class", release.classes), ("object", release.objects)):
        partial = {name: _exported_chain(pool, schema) for name, schema in pool.items()}
        abstract = _abstract_links(pool, partial)
        _assign_abstract_parents(kind, abstract)
        for name, schema in pool.items():
            schema.chain = _full_chain(kind, partial[name], abstract)
        for link in abstract.values():
            link.members = [s for s in pool.values() if link.name in s.chain[:-1]]
        _abstract_attributes(pool, abstract)
        for schema in pool.values():
            _attribute_origins(pool, abstract, schema)


def _exported_chain(pool: dict[str, Schema], schema: Schema) -> list[str]:
    """Return the chain from the first link the export does not describe down to ``schema``."""
    chain = [schema.name]
    current: Schema | None = schema
    while current is not None and current.extends and len(chain) < MAX_DEPTH:
        if current.extends in chain:
            break
        chain.append(current.extends)
        current = pool.get(current.extends)
    return list(reversed(chain))


def _abstract_links(pool: dict[str, Schema], partial: dict[str, list[str]]) -> dict:
    found: dict[str, _Abstract] = {}
    for chain in partial.values():
        top = chain[0]
        if top not in pool and top not in (BASE_EVENT, OBJECT_ROOT):
            found.setdefault(top, _Abstract(top, []))
    for name, chain in partial.items():
        if chain[0] in found:
            found[chain[0]].members.append(pool[name])
    return found


def _assign_abstract_parents(kind: str, abstract: dict[str, _Abstract]) -> None:
    root = BASE_EVENT if kind == "class" else OBJECT_ROOT
    for link in abstract.values():
        link.parent = root
    if kind != "object":
        return
    shared = {name: _shared_names(link.members) for name, link in abstract.items()}
    for name, link in abstract.items():
        candidates = []
        for other, other_shared in shared.items():
            if other != name and other_shared and other_shared <= shared[name]:
                candidates.append((len(other_shared), other))
        if candidates:
            link.parent = max(candidates)[1]


def _shared_names(members: list[Schema]) -> set[str]:
    """Return the names of the non-profile attributes that all ``members`` have."""
    if not members:
        return set()
    return set.intersection(*(set(_own_names(m)) for m in members))


def _full_chain(kind: str, partial: list[str], abstract: dict[str, _Abstract]) -> list[str]:
    chain = list(partial)
    seen = set(chain)
    while chain[0] in abstract and abstract[chain[0]].parent not in seen:
        chain.insert(0, abstract[chain[0]].parent)
        seen.add(chain[0])
    if kind == "object" and chain[0] != OBJECT_ROOT:
        chain.insert(0, OBJECT_ROOT)
    return chain


def _own_names(schema: Schema) -> list[str]:
    return [name for name, attr in schema.attributes.items() if not attr.profiles]


def _abstract_attributes(pool: dict[str, Schema], abstract: dict[str, _Abstract]) -> None:
    """Decide which attributes each abstract link defines, parents before children."""
    done: set[str] = set()

    def visit(link: _Abstract) -> None:
        if link.name in done:
            return
        done.add(link.name)
        parent = abstract.get(link.parent)
        if parent is not None:
            visit(parent)
        if not link.members:
            return
        inherited = set(parent.attributes) if parent else set(
            _own_names(pool[link.parent]) if link.parent in pool else ())
        for name in sorted(_shared_names(link.members) - inherited):
            link.attributes[name] = link.members[0].attributes[name]
            link.unknown[name] = _disagreements(link.members, name)

    for link in abstract.values():
        visit(link)


def _disagreements(members: list[Schema], name: str) -> set[str]:
    return {facet for facet in FACETS
            if len({_facet_of(m.attributes[name], facet) for m in members}) > 1}


def _facet_of(attr: Attribute, facet: str):
    if facet == "enum":
        return tuple((v.value, v.caption) for v in attr.enum.values())
    if facet == "type":
        return (attr.type, attr.object_type, attr.is_array)
    return getattr(attr, facet)


def _link_attribute(pool: dict[str, Schema], abstract: dict[str, _Abstract], link: str,
                    name: str) -> Attribute | None:
    if link in abstract:
        return abstract[link].attributes.get(name)
    schema = pool.get(link)
    attr = schema.attributes.get(name) if schema else None
    if attr is not None and attr.profiles:
        return None
    return attr


def _attribute_origins(pool: dict[str, Schema], abstract: dict[str, _Abstract],
                       schema: Schema) -> None:
    ancestors = schema.chain[:-1]
    for name, attr in schema.attributes.items():
        attr.overridden_by = []
        if attr.profiles:
            attr.defined_in = sorted(attr.profiles)[0]
            continue

        origin = schema.name
        for link in ancestors:
            if _link_attribute(pool, abstract, link, name) is not None:
                origin = link
                break
        attr.defined_in = origin
        if origin == schema.name:
            continue

        first = _link_attribute(pool, abstract, origin, name)
        known = {facet: _facet_of(first, facet) for facet in FACETS}
        for link in schema.chain[schema.chain.index(origin) + 1:]:
            current = attr if link == schema.name else _link_attribute(
                pool, abstract, link, name)
            if current is None:
                continue
            # Facets that the members of an abstract link disagree on give no
            # information about that link, so the last known value stays.
            unknown = abstract[link].unknown.get(name, set()) if link in abstract else set()
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
