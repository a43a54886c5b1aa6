"""Read an OCSF schema source tree (a checkout of ocsf-schema) as its files state it.

The compiled schema flattens inheritance. The source files still state which
class or object introduces an attribute, which later link changes it, and which
profile adds it. This module reads those statements:

* ``events/base_event.json``, ``events/<category>/<category>.json`` and the
  class files, linked by ``extends``;
* ``objects/*.json``, linked by ``extends`` up to ``object``;
* ``profiles/*.json`` and ``includes/**.json``, pulled in by ``$include``;
* ``extensions/<folder>/``, whose files either add classes and objects
  (named ``<extension>/<name>``) or, without a ``name`` of their own, patch the
  core class or object that they extend.

Profile markers follow the compiler's deep merge: a profile ``$include`` marks
its attributes with the profile, a later ``"profile": null`` clears the mark,
and a later entry without a ``profile`` key keeps it.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import orjson

BASE_EVENT = "base_event"
OBJECT_ROOT = "object"
# Attribute facets whose change by a later link counts as an override.
FACETS = ("requirement", "enum", "group", "type", "description")


class SourceError(Exception):
    """A schema source tree that is missing or cannot be read or compiled."""

    def __init__(self, root: Path | str, message: str, file: str | None = None):
        where = f"{root}" + (f": {file}" if file else "")
        super().__init__(f"schema source {where}: {message}")
        self.root = str(root)
        self.file = file
        self.message = message


@dataclass
class StatedAttribute:
    """Facts the source files state about one attribute of a compiled class or object."""

    defined_in: str
    profiles: tuple[str, ...] = ()
    overridden_by: list[tuple[str, list[str]]] = field(default_factory=list)


@dataclass
class Link:
    """One class or object of the source tree with every file that contributes to it."""

    kind: str  # "class" or "object"
    key: str  # "script_activity", "win/reg_key", "system", "_entity"
    path: str  # the file that names it, relative to the tree root
    extends: str | None
    extension: str | None = None  # extension name ("win") for extension files
    # Attribute entries the link states itself: its own, its non-profile
    # includes and the patches that extensions apply to it.
    own: dict[str, dict] = field(default_factory=dict)
    # Attribute entries that profile includes add: name -> [(profile, entry)].
    from_profiles: dict[str, list[tuple[str, dict]]] = field(default_factory=dict)
    patched_by: list[str] = field(default_factory=list)


def fingerprint(root: Path) -> str:
    """Return a digest of the path, mtime and size of every JSON file under ``root``."""
    digest = hashlib.sha1()
    for directory, folders, files in os.walk(root):
        folders.sort()
        for name in sorted(files):
            if not name.endswith(".json"):
                continue
            path = os.path.join(directory, name)
            stat = os.stat(path)
            digest.update(f"{path}\0{stat.st_mtime_ns}\0{stat.st_size}\n".encode())
    return digest.hexdigest()


def read_json(root: Path, relative: str) -> dict:
    """Parse one JSON file of the tree, or raise :class:`SourceError` naming the position."""
    try:
        data = (root / relative).read_bytes()
    except OSError as error:
        raise SourceError(root, f"cannot read: {error.strerror}", relative) from None
    try:
        value = orjson.loads(data)
    except orjson.JSONDecodeError:
        try:
            json.loads(data.decode("utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            position = ""
            if isinstance(error, json.JSONDecodeError):
                position = f" at line {error.lineno}, column {error.colno}"
            raise SourceError(root, f"invalid JSON{position}: {_reason(error)}",
                              relative) from None
        raise SourceError(root, "invalid JSON", relative) from None
    if not isinstance(value, dict):
        raise SourceError(root, "expected a JSON object at the top level", relative)
    return value


def _reason(error: Exception) -> str:
    if isinstance(error, json.JSONDecodeError):
        return error.msg
    return str(error)


class SourceTree:
    """The classes, objects and profiles of one source tree, read from its JSON files.

    Raise :class:`SourceError` when the folder is missing, is not a schema
    tree, or holds a file that is not valid JSON. Folders are read in name
    order, so the error names the first such file in that order.
    """

    def __init__(self, root: Path | str):
        self.root = Path(root)
        if not self.root.is_dir():
            raise SourceError(self.root, "folder not found")
        if not (self.root / "version.json").is_file():
            raise SourceError(self.root, "not an OCSF schema tree: version.json is missing")
        self.files = self._read_all()
        self.version = str(self.files["version.json"].get("version", "0.0.0"))
        self.extensions = self._extension_names()
        self.profile_names = self._profile_names()
        self.classes: dict[str, Link] = {}
        self.objects: dict[str, Link] = {}
        self._collect_links()

    def _read_all(self) -> dict[str, dict]:
        files = {}
        for directory, folders, names in os.walk(self.root):
            folders.sort()
            relative_dir = Path(directory).relative_to(self.root)
            if relative_dir.parts[:1] in (("metaschema",), ("templates",)):
                continue
            for name in sorted(names):
                if name.endswith(".json"):
                    relative = (relative_dir / name).as_posix()
                    files[relative] = read_json(self.root, relative)
        return files

    def _extension_names(self) -> dict[str, str]:
        """Map each extension folder (``extensions/windows``) to its name (``win``)."""
        names = {}
        for relative, data in self.files.items():
            parts = relative.split("/")
            if len(parts) == 3 and parts[0] == "extensions" and parts[2] == "extension.json":
                names["/".join(parts[:2])] = str(data.get("name") or parts[1])
        return names

    def _extension_of(self, relative: str) -> tuple[str | None, str | None]:
        """Return (extension folder, extension name) for a file, or (None, None)."""
        parts = relative.split("/")
        if parts[0] == "extensions" and len(parts) > 2:
            folder = "/".join(parts[:2])
            return folder, self.extensions.get(folder, parts[1])
        return None, None

    def _profile_names(self) -> dict[str, str]:
        """Map each profile file to the name classes use for it (``linux/linux_users``)."""
        names = {}
        for relative, data in self.files.items():
            parts = relative.split("/")
            _, extension = self._extension_of(relative)
            if extension and len(parts) == 4 and parts[2] == "profiles":
                names[relative] = f"{extension}/{data.get('name') or Path(relative).stem}"
            elif len(parts) == 2 and parts[0] == "profiles":
                names[relative] = str(data.get("name") or Path(relative).stem)
        return names

    def _collect_links(self) -> None:
        patches = []
        for relative, data in self.files.items():
            kind = _kind_of(relative)
            if kind is None:
                continue
            folder, extension = self._extension_of(relative)
            name = data.get("name")
            if extension and (not name or name == data.get("extends")):
                patches.append((kind, relative, data))
                continue
            key = f"{extension}/{name}" if extension else str(name or Path(relative).stem)
            pool = self.classes if kind == "class" else self.objects
            link = Link(kind, key, relative, data.get("extends"), extension)
            self._add_entries(link, relative, data)
            pool[key] = link

        for kind, relative, data in patches:
            pool = self.classes if kind == "class" else self.objects
            target = pool.get(str(data.get("extends")))
            if target is None:
                raise SourceError(self.root, f"patches unknown {kind} {data.get('extends')!r}",
                                  relative)
            target.patched_by.append(relative)
            self._add_entries(target, relative, data)

        for pool in (self.classes, self.objects):
            for link in pool.values():
                link.extends = self._resolve_parent(pool, link)

    def _resolve_parent(self, pool: dict[str, Link], link: Link) -> str | None:
        parent = link.extends
        if not parent:
            return None
        if link.extension and f"{link.extension}/{parent}" in pool:
            return f"{link.extension}/{parent}"
        return parent

    def _add_entries(self, link: Link, relative: str, data: dict) -> None:
        attributes = data.get("attributes") or {}
        includes = attributes.get("$include") or []
        if isinstance(includes, str):
            includes = [includes]
        for include in includes:
            target = self._resolve_include(relative, include)
            included = self.files[target].get("attributes") or {}
            annotations = self.files[target].get("annotations") or {}
            profile = self.profile_names.get(target)
            for name, entry in included.items():
                if name == "$include" or not isinstance(entry, dict):
                    continue
                entry = {**annotations, **entry}
                if profile:
                    link.from_profiles.setdefault(name, []).append((profile, entry))
                else:
                    link.own[name] = _merge(link.own.get(name, {}), entry)
        for name, entry in attributes.items():
            if name != "$include" and isinstance(entry, dict):
                link.own[name] = _merge(link.own.get(name, {}), entry)

    def _resolve_include(self, relative: str, include: str) -> str:
        folder, _ = self._extension_of(relative)
        candidates = [f"{folder}/{include}"] if folder else []
        candidates.append(include)
        for candidate in candidates:
            if candidate in self.files:
                return candidate
        raise SourceError(self.root, f"$include {include!r} not found", relative)

    def chain(self, kind: str, key: str) -> list[str]:
        """Return the names from the root down to ``key`` as ``extends`` links them.

        Every object chain starts at ``object``, the root ``objects/object.json``
        describes, even when an object file names no parent.
        """
        pool = self.classes if kind == "class" else self.objects
        chain = [key]
        current = pool.get(key)
        while current is not None and current.extends and current.extends not in chain:
            chain.append(current.extends)
            current = pool.get(current.extends)
        if kind == "object" and chain[-1] != OBJECT_ROOT:
            chain.append(OBJECT_ROOT)
        return list(reversed(chain))

    def stated(self, kind: str, key: str, names: list[str],
               dictionary: dict[str, dict] | None = None) -> dict[str, StatedAttribute]:
        """Return what the files state for each attribute in ``names`` of a compiled schema.

        ``dictionary`` gives the dictionary entry of each attribute, the start
        value of its facets; by default the tree's own dictionaries are used.
        """
        pool = self.classes if kind == "class" else self.objects
        links = [pool[name] for name in self.chain(kind, key) if name in pool]
        dictionary = dictionary if dictionary is not None else self.dictionary()
        found = {}
        for name in names:
            found[name] = self._stated_attribute(links, name, dictionary.get(name, {}))
        for name, item in found.items():
            if item.defined_in:
                continue
            # Attributes no file states are made by the compiler: the datetime
            # profile's ``*_dt`` twins and the caption siblings of enum ids.
            if name.endswith("_dt") and name[:-3] in found:
                item.defined_in = "datetime"
                item.profiles = ("datetime",)
                continue
            sibling_of = _sibling_source(links, name, dictionary)
            if sibling_of in found:
                item.defined_in = found[sibling_of].defined_in
                item.profiles = found[sibling_of].profiles
        return found

    def _stated_attribute(self, links: list[Link], name: str,
                          dictionary_entry: dict) -> StatedAttribute:
        marker: tuple[str, ...] = ()
        facets = {facet: dictionary_entry.get(facet) for facet in FACETS}
        facets["enum"] = dict(dictionary_entry.get("enum") or {})
        changes: list[tuple[str, list[str]]] = []
        first_own = marked_at = None
        for link in links:
            profile_entries = link.from_profiles.get(name, [])
            own = link.own.get(name)
            stated = [entry for _, entry in profile_entries] + ([own] if own else [])
            if not stated:
                continue
            if profile_entries:
                marker = tuple(sorted({profile for profile, _ in profile_entries}))
            if own and "profile" in own:
                marker = (own["profile"],) if own["profile"] else ()
            if marker and marked_at is None:
                marked_at = len(changes)
            elif not marker:
                marked_at = None
            if own and first_own is None:
                first_own = len(changes)
            changes.append((link.key, _apply_facets(facets, stated)))

        # Overrides are the changes after the link or profile include that
        # introduces the attribute.
        start = marked_at if marker else first_own
        if start is None:
            return StatedAttribute(defined_in=marker[0] if marker else "", profiles=marker)
        overrides = [(key, changed) for key, changed in changes[start + 1:] if changed]
        defined_in = marker[0] if marker else changes[start][0]
        return StatedAttribute(defined_in=defined_in, profiles=marker, overridden_by=overrides)

    def dictionary(self) -> dict[str, dict]:
        """Return the attribute entries of ``dictionary.json`` and extension dictionaries."""
        merged: dict[str, dict] = {}
        for relative, data in self.files.items():
            if relative == "dictionary.json" or (
                    relative.startswith("extensions/") and relative.endswith("/dictionary.json")):
                for name, entry in (data.get("attributes") or {}).items():
                    if isinstance(entry, dict):
                        merged[name] = _merge(merged.get(name, {}), entry)
        return merged

    def check_links(self) -> None:
        """Raise :class:`SourceError` for the first file whose ``extends`` names nothing."""
        for kind, pool in (("class", self.classes), ("object", self.objects)):
            roots = (BASE_EVENT, OBJECT_ROOT)
            for link in sorted(pool.values(), key=lambda item: item.path):
                if link.extends and link.extends not in pool and link.extends not in roots:
                    raise SourceError(self.root, f"{kind} {link.key!r} extends unknown "
                                      f"{kind} {link.extends!r}", link.path)

    def captions(self) -> dict[str, str]:
        """Map every class and object key to the caption its file gives."""
        found = {}
        for pool in (self.classes, self.objects):
            for key, link in pool.items():
                caption = self.files[link.path].get("caption")
                if caption:
                    found[key] = str(caption)
        return found

    def link_files(self, kind: str, key: str) -> list[str]:
        """Return the files that state a class or object: its own file and its patches."""
        pool = self.classes if kind == "class" else self.objects
        link = pool.get(key)
        return [link.path, *link.patched_by] if link else []


def _kind_of(relative: str) -> str | None:
    parts = relative.split("/")
    if parts[0] == "extensions" and len(parts) > 3:
        parts = parts[2:]
    if parts[0] == "events" and len(parts) >= 2:
        return "class"
    if parts[0] == "objects" and len(parts) == 2:
        return "object"
    return None


def _merge(base: dict, update: dict) -> dict:
    """Deep-merge two attribute entries: ``update`` wins and nested enums are combined."""
    merged = dict(base)
    for key, value in update.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _apply_facets(facets: dict, entries: list[dict]) -> list[str]:
    """Apply stated entries to the running facet values and return the facets they change."""
    changed = []
    for facet in FACETS:
        for entry in entries:
            if facet not in entry:
                continue
            value = entry[facet]
            if facet == "enum":
                value = _merge(facets["enum"], value or {})
            if value != facets[facet]:
                facets[facet] = value
                if facet not in changed:
                    changed.append(facet)
    return changed


def _sibling_source(links: list[Link], name: str, dictionary: dict[str, dict]) -> str | None:
    """Return the attribute whose ``sibling`` is ``name`` (``type_id`` for ``type``)."""
    for link in links:
        for other, entry in link.own.items():
            if entry.get("sibling") == name:
                return other
    for other, entry in dictionary.items():
        if entry.get("sibling") == name:
            return other
    return None
