"""Search one release: classes, objects, dictionary attributes, profiles and enum captions.

Matching is case-insensitive on names, captions and class uids. Results rank
an exact match first, then a match at the start of a word, then any other
substring match; ties sort by name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .model import Release

GROUPS = ("classes", "objects", "attributes", "profiles", "enums")
INDEX_KEY = "search_index"
# Enums whose captions repeat class captions, which the classes group already finds.
MIRRORED_ENUMS = ("class_uid", "type_uid")


@dataclass(frozen=True)
class Entry:
    group: str
    name: str  # class, object, attribute or profile name, or "script.type_id" for enum values
    caption: str
    detail: str  # class uid, type or enum value
    terms: tuple[str, ...]  # lower-case texts the query is matched against
    # Enum values only: the class or object and attribute that define the value.
    owner_kind: str = ""
    owner: str = ""
    attribute: str = ""
    value: str = ""


@dataclass
class SearchResult:
    query: str
    groups: dict[str, list[Entry]]
    totals: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.totals.values())


def search(release: Release, query: str, limit: int = 25) -> SearchResult:
    """Return up to ``limit`` ranked entries per group and the full count of each group."""
    text = query.strip().lower()
    groups: dict[str, list[Entry]] = {group: [] for group in GROUPS}
    totals = {group: 0 for group in GROUPS}
    if not text:
        return SearchResult(query, groups, totals)
    scored: dict[str, list[tuple[int, str, Entry]]] = {group: [] for group in GROUPS}
    for entry in _index(release):
        rank = _rank(entry.terms, text)
        if rank is not None:
            scored[entry.group].append((rank, entry.name, entry))
    for group, items in scored.items():
        items.sort(key=lambda item: (item[0], item[1]))
        totals[group] = len(items)
        groups[group] = [entry for _, _, entry in items[:limit]]
    return SearchResult(query, groups, totals)


def _rank(terms: tuple[str, ...], text: str) -> int | None:
    best = None
    for term in terms:
        if term == text:
            return 0
        position = term.find(text)
        if position < 0:
            continue
        rank = 1 if position == 0 or not term[position - 1].isalnum() else 2
        best = rank if best is None else min(best, rank)
    return best


def _index(release: Release) -> list[Entry]:
    """Build the search entries of a release once and keep them in its cache."""
    cached = release.cache.get(INDEX_KEY)
    if cached is not None:
        return cached
    entries = []
    for schema in release.classes.values():
        entries.append(Entry("classes", schema.name, schema.caption,
                             f"uid {schema.uid}" if schema.uid is not None else "",
                             _terms(schema.name, schema.caption, str(schema.uid or ""))))
    for schema in release.objects.values():
        entries.append(Entry("objects", schema.name, schema.caption, "",
                             _terms(schema.name, schema.caption)))
    for name, attr in _attributes(release).items():
        entries.append(Entry("attributes", name, attr.caption, attr.type_name,
                             _terms(name, attr.caption)))
    for profile in release.profiles.values():
        entries.append(Entry("profiles", profile.name, profile.caption, "",
                             _terms(profile.name, profile.caption)))
    entries.extend(_enum_entries(release))
    release.cache[INDEX_KEY] = entries
    return entries


def _attributes(release: Release) -> dict:
    if release.dictionary:
        return release.dictionary
    found = {}
    for schema in list(release.classes.values()) + list(release.objects.values()):
        for name, attr in schema.attributes.items():
            found.setdefault(name, attr)
    return found


def _enum_entries(release: Release) -> list[Entry]:
    """Build one entry per enum value of each class and object attribute, by caption."""
    entries = []
    for kind, pool in (("class", release.classes), ("object", release.objects)):
        for schema in pool.values():
            for attr in schema.attributes.values():
                if attr.name in MIRRORED_ENUMS:
                    continue
                for value in attr.enum.values():
                    entries.append(Entry(
                        "enums", f"{schema.name}.{attr.name}", value.caption,
                        f"{attr.name} = {value.value}", (value.caption.lower(),),
                        owner_kind=kind, owner=schema.name, attribute=attr.name,
                        value=value.value))
    return entries


def _terms(*texts: str) -> tuple[str, ...]:
    found = []
    for text in texts:
        lowered = text.lower()
        if lowered:
            found.append(lowered)
            spaced = re.sub(r"[_/]", " ", lowered)
            if spaced != lowered:
                found.append(spaced)
    return tuple(found)
