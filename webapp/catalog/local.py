"""Local schema checkouts: source trees compiled with ocsf-lib and served next to releases.

Each checkout is compiled on first use and again whenever one of its JSON
files changes (path, mtime and size fingerprint). Inheritance facts ("defined
in", overrides, profile marks) come from the source files, not from the
compiled output, because the files state them.
"""

from __future__ import annotations

import logging
import os
import re
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from .exports import release_from_export
from .model import Release
from .sources import SourceError, SourceTree, fingerprint

log = logging.getLogger(__name__)

LABEL_PREFIX = "local:"


@dataclass(frozen=True)
class SchemaSource:
    """A source tree to serve, and the version label the switcher shows for it."""

    path: Path
    label: str  # "local:dev"

    @classmethod
    def parse(cls, spec: str) -> SchemaSource:
        """Parse ``PATH`` or ``PATH=LABEL``. The label defaults to the folder name."""
        path_text, label = spec, ""
        head, separator, tail = spec.rpartition("=")
        if separator and head and tail and "/" not in tail and os.sep not in tail:
            path_text, label = head, tail
        path = Path(path_text).expanduser()
        name = label or path.resolve().name or str(path)
        return cls(path=path, label=LABEL_PREFIX + name)


def parse_sources(value: str | list | tuple | None) -> list[SchemaSource]:
    """Read the ``SCHEMA_SOURCES`` setting: a list of specs or one os.pathsep-joined string."""
    if not value:
        return []
    if isinstance(value, str):
        specs = [part for part in value.split(os.pathsep) if part.strip()]
    else:
        specs = list(value)
    sources = [spec if isinstance(spec, SchemaSource) else SchemaSource.parse(spec.strip())
               for spec in specs]
    labels = [source.label for source in sources]
    for label in labels:
        if labels.count(label) > 1:
            paths = [str(s.path) for s in sources if s.label == label]
            raise SourceError(paths[0], f"label {label!r} is used for {', '.join(paths)}. "
                              "Give each a label with PATH=LABEL.")
    return sources


class LocalCheckout:
    """One source tree: compiled on first use, recompiled when its files change."""

    def __init__(self, source: SchemaSource):
        self.source = source
        self._lock = threading.Lock()
        self._fingerprint: str | None = None
        self._release: Release | None = None

    @property
    def label(self) -> str:
        return self.source.label

    def load(self) -> Release:
        """Return the compiled release, or raise :class:`SourceError` if it does not compile."""
        root = self.source.path
        if not root.is_dir():
            raise SourceError(root, "folder not found")
        current = fingerprint(root)
        if current == self._fingerprint and self._release is not None:
            return self._release
        with self._lock:
            if current != self._fingerprint or self._release is None:
                started = time.perf_counter()
                self._release = compile_checkout(root, self.label)
                self._fingerprint = current
                log.info("compiled %s from %s: OCSF %s, %d classes, %d objects in %.2f s",
                         self.label, root, self._release.version, len(self._release.classes),
                         len(self._release.objects), time.perf_counter() - started)
        return self._release


def compile_checkout(root: Path, label: str) -> Release:
    """Compile a source tree into a :class:`Release` whose inheritance facts come from the files."""
    tree = SourceTree(root)
    tree.check_links()
    export = _compile_to_export(tree)
    release = release_from_export(export, label=label)
    release.source_path = str(root)
    _apply_stated(release, tree)
    return release


class _TracedOperation:
    """An ocsf-lib compile operation that names its file when it fails."""

    def __init__(self, operation, root: Path):
        self.operation = operation
        self.target = operation.target
        self.root = root

    def apply(self, proto):
        try:
            return self.operation.apply(proto)
        except Exception as error:  # ocsf-lib raises many kinds
            raise SourceError(self.root, f"does not compile: {type(error).__name__}: {error}",
                              str(self.target)) from error


def _compile_to_export(tree: SourceTree) -> dict:
    from ocsf.compile import Compilation, CompilationOptions
    from ocsf.repository import read_repo
    from ocsf.schema import to_dict

    try:
        repo = read_repo(str(tree.root), preserve_raw_data=False)
        compilation = Compilation(repo, CompilationOptions())
        plan = compilation.order()
    except Exception as error:  # ocsf-lib raises many kinds
        raise SourceError(tree.root, f"ocsf-lib cannot read it: {error}",
                          _file_in(str(error))) from error
    compilation.compile([_TracedOperation(operation, tree.root) for operation in plan])
    try:
        compiled = to_dict(compilation.build())
    except Exception as error:
        raise SourceError(tree.root, f"does not compile: {error}",
                          _file_in(str(error))) from error
    return _export_shape(compiled, tree)


def _file_in(message: str) -> str | None:
    """Return the first schema file path that an ocsf-lib error message mentions."""
    match = re.search(r"(?:events|objects|profiles|extensions|includes)/[\w./-]+?\.json",
                      message)
    return match.group(0) if match else None


def _export_shape(compiled: dict, tree: SourceTree) -> dict:
    """Turn ocsf-lib's output into the shape of the packaged v1 export.

    NOTE: ocsf-lib 0.10.4 lets a profile's ``annotations`` set the group of
    its attributes where the packaged exports keep another group, so groups
    of profile attributes can differ (risk_score of web_resources_activity is
    primary here and context in the packaged 1.8.0 export).
    """
    types = compiled.get("types") or {}
    objects = compiled.get("objects") or {}
    categories = compiled.get("categories") or {}
    for kind in ("classes", "objects"):
        for key, raw in (compiled.get(kind) or {}).items():
            raw["name"] = key
            for attr in (raw.get("attributes") or {}).values():
                _fill_attribute_types(attr, types, objects)
            category = categories.get(raw.get("category") or "")
            if kind == "classes" and category:
                raw["category_uid"] = category.get("uid")
                raw["category_name"] = category.get("caption")
            if "/" in key:
                raw["extension"] = key.split("/", 1)[0]
    dictionary = tree.dictionary()
    for attr in dictionary.values():
        _fill_attribute_types(attr, types, objects)
    compiled["dictionary_attributes"] = dictionary
    compiled["version"] = tree.version
    return compiled


def _fill_attribute_types(attr: dict, types: dict, objects: dict) -> None:
    """Set ``object_t``/``object_type`` and ``type_name`` as the packaged exports do.

    NOTE: ocsf-lib 0.10.4 leaves an object's name in ``type`` even with
    ``set_object_types`` on, so the object types are set here.
    """
    type_name = attr.get("type")
    if type_name in objects and type_name not in types:
        attr["type"] = "object_t"
        attr["object_type"] = type_name
        attr["object_name"] = objects[type_name].get("caption", type_name)
    elif type_name in types and not attr.get("type_name"):
        attr["type_name"] = types[type_name].get("caption", type_name)


def _apply_stated(release: Release, tree: SourceTree) -> None:
    """Replace derived chains, "defined in", overrides and profile marks with stated ones."""
    dictionary = tree.dictionary()
    for kind, pool in (("class", release.classes), ("object", release.objects)):
        for key, schema in pool.items():
            schema.chain = tree.chain(kind, key)
            stated = tree.stated(kind, key, list(schema.attributes), dictionary)
            for name, attr in schema.attributes.items():
                facts = stated[name]
                attr.defined_in = facts.defined_in or key
                attr.overridden_by = facts.overridden_by
                attr.profiles = facts.profiles
    # Profile marks of objects are final now, so each schema can collect its profiles.
    for schema in list(release.classes.values()) + list(release.objects.values()):
        schema.profiles = _reachable_profiles(release, schema)
    release.link_captions = tree.captions()


def _reachable_profiles(release: Release, schema) -> tuple[str, ...]:
    """Return the profiles of a schema and of every object reachable from it."""
    found = set(schema.profiles)
    seen = {schema.name}
    pending = [schema]
    while pending:
        current = pending.pop()
        for attr in current.attributes.values():
            found.update(attr.profiles)
            target = release.objects.get(attr.object_type or "")
            if target is not None and target.name not in seen:
                seen.add(target.name)
                pending.append(target)
    return tuple(sorted(name for name in found if name in release.profiles))
