"""A fast yes/no check for bulk validation: typed decoding with msgspec.

For each class and set of declared profiles, the schema becomes a family of
``msgspec.Struct`` types: unknown keys are rejected, integers are 64-bit and
never floats, enums are ``Literal`` types, type ranges and maximum lengths are
``Meta`` constraints, and ``at_least_one``/``just_one`` constraints and hash
lengths are checked in ``__post_init__``. Decoding the raw JSON of an event
into that family parses and checks it in one pass in C.

The fast check never calls an event valid that the full checker
(:mod:`webapp.conformance.checker`) rejects: where a rule is not expressed
exactly it is stricter, and the event then goes to the full checker, whose
verdict is final. "Fast says valid" is always right; "fast says invalid" only
means "check in full". Warnings play no part in the verdict.
"""

from __future__ import annotations

import itertools
import operator
import re
import sys
import threading
import types
from typing import Annotated, Any, Literal, Union

import msgspec

from webapp.catalog import Attribute, Catalog, Release, Schema

from .beyond import DIGEST_HEX_LENGTH
from .checker import INT64, CheckOptions

UNSET = msgspec.UNSET
_HEX = re.compile(r"[0-9a-fA-F]+")
_family_numbers = itertools.count()


class _HeadMetadata(msgspec.Struct):
    version: Any = None
    profiles: Any = None
    uid: Any = None


class _HeadObservable(msgspec.Struct):
    name: Any = None


class _Head(msgspec.Struct):
    """The keys needed to choose the release, class and profiles of an event.

    A ``metadata`` that is not an object, or ``observables`` that are not a list
    of objects, fail this decoding: such events go to the full checker.
    """

    class_uid: Any = None
    metadata: _HeadMetadata | None = None
    activity_id: Any = None
    type_uid: Any = None
    observables: list[_HeadObservable] | None = None
    schema_version: Any = None  # set by the checker: the release the event was checked against


_head_decoder = msgspec.json.Decoder(_Head)


class _Family:
    """The Struct types of one class under one set of profiles, in a module of their own."""

    def __init__(self, release: Release, class_name: str, profiles: frozenset[str]):
        self.release = release
        self.profiles = profiles
        self.module = types.ModuleType(f"webapp.conformance._fast{next(_family_numbers)}")
        sys.modules[self.module.__name__] = self.module
        self.names: dict[str, str] = {}  # schema name -> struct name
        self.pending: list[Schema] = []
        root = self._struct_name(release.classes[class_name])
        while self.pending:
            self._define(self.pending.pop())
        self.decoder = msgspec.json.Decoder(getattr(self.module, root))

    def _struct_name(self, schema: Schema) -> str:
        key = f"{schema.kind}:{schema.name}"
        if key not in self.names:
            self.names[key] = f"S{len(self.names)}"
            self.pending.append(schema)
        return self.names[key]

    def _visible(self, attr: Attribute) -> bool:
        return not attr.profiles or any(p in self.profiles for p in attr.profiles)

    def _scalar(self, attr: Attribute) -> Any:
        release = self.release
        base = release.base_type(attr.type)
        bounds = _type_bounds(release, attr.type)
        if base == "string_t":
            if attr.enum:
                return Literal[tuple(attr.enum)]
            if bounds.get("max_length"):
                return Annotated[str, msgspec.Meta(max_length=bounds["max_length"])]
            return str
        if base in ("integer_t", "long_t"):
            if attr.enum:
                values = tuple(int(v) for v in attr.enum if v.lstrip("-").isdigit())
                return Literal[values] if values else int
            low = max(INT64[0], bounds.get("ge", INT64[0]))
            high = min(INT64[1], bounds.get("le", INT64[1]))
            return Annotated[int, msgspec.Meta(ge=low, le=high)]
        if base == "boolean_t":
            return bool
        # float_t must be a number literal with a fraction or an exponent, which
        # msgspec's float type does not require: __post_init__ checks the raw text.
        return msgspec.Raw

    def _annotation(self, attr: Attribute) -> Any:
        if attr.object_type:
            target = self.release.objects.get(attr.object_type)
            item = dict if target is None or not target.attributes else self._struct_name(target)
        else:
            item = self._scalar(attr)
        return list[item] if attr.is_array else item

    def _define(self, schema: Schema) -> None:
        struct_name = self.names[f"{schema.kind}:{schema.name}"]
        visible = [a for a in schema.attributes.values() if self._visible(a)]
        fields, rename = [], {}
        float_fields = []
        for position, attr in enumerate(visible):
            field_name = f"f{position}"
            rename[field_name] = attr.name
            annotation = self._annotation(attr)
            if not attr.object_type and self.release.base_type(attr.type) == "float_t":
                float_fields.append((field_name, attr))
            if attr.requirement == "required":
                fields.append((field_name, annotation))
            else:
                # None (JSON null) is accepted like an absent key, as the full checker does.
                # UNSET marks an absent key, which the constraint checks count differently.
                fields.append((field_name, Union[annotation, None, msgspec.UnsetType], UNSET))
        field_of = {attr.name: f"f{position}" for position, attr in enumerate(visible)}
        # Array enums with a caption sibling: a wrong or missing caption is an error.
        array_siblings = [
            (field_of[attr.name], field_of[attr.sibling],
             {int(v): item.caption for v, item in attr.enum.items() if v.lstrip("-").isdigit()})
            for attr in visible
            if attr.is_array and attr.enum and attr.sibling in field_of
        ]
        checks = _post_checks(schema, field_of, float_fields, self.release, array_siblings)
        namespace = {"__post_init__": checks} if checks else {}
        # gc=False: decoded events hold no reference cycles, and tracking them costs time.
        struct = msgspec.defstruct(struct_name, fields, kw_only=True, forbid_unknown_fields=True, gc=False,
                                   rename=rename, module=self.module.__name__,
                                   namespace=namespace)
        setattr(self.module, struct_name, struct)


def _type_bounds(release: Release, type_name: str) -> dict:
    bounds: dict = {}
    seen = set()
    while type_name in release.types and type_name not in seen:
        seen.add(type_name)
        data_type = release.types[type_name]
        if data_type.range:
            bounds.setdefault("ge", data_type.range[0])
            bounds.setdefault("le", data_type.range[1])
        if data_type.max_len:
            bounds.setdefault("max_length", data_type.max_len)
        type_name = data_type.base
    return bounds


def _post_checks(schema: Schema, field_of: dict, float_fields: list, release: Release,
                 array_siblings: list | None = None):
    """Build the ``__post_init__`` of a struct, or None when it needs none."""
    array_siblings = array_siblings or []
    constraints = []
    for kind, names in schema.constraints.items():
        present_fields = [field_of[n] for n in names if n in field_of]
        if kind in ("at_least_one", "just_one"):
            constraints.append((kind, present_fields))
    digest_fields = None
    if schema.name == "fingerprint" and "algorithm_id" in field_of and "value" in field_of:
        digest_fields = (field_of["algorithm_id"], field_of["value"])
    floats = [(name, _type_bounds(release, attr.type)) for name, attr in float_fields]
    if not constraints and not digest_fields and not floats and not array_siblings:
        return None
    if len(constraints) == 1 and not digest_fields and not floats and not array_siblings:
        return _constraint_only_check(*constraints[0])

    def post_init(self):
        for kind, names in constraints:
            count = sum(1 for name in names if getattr(self, name) is not UNSET)
            if count == 0 or (kind == "just_one" and count != 1):
                raise ValueError(f"{kind} constraint failed")
        if digest_fields:
            algorithm_id = getattr(self, digest_fields[0])
            value = getattr(self, digest_fields[1])
            length = DIGEST_HEX_LENGTH.get(algorithm_id)
            if length and (len(value) != length or not _HEX.fullmatch(value)):
                raise ValueError("digest length does not fit the algorithm")
        for ids_field, captions_field, captions in array_siblings:
            ids, found_captions = getattr(self, ids_field), getattr(self, captions_field)
            if ids is UNSET or ids is None or found_captions is UNSET:
                continue
            found_captions = found_captions or []
            for position, value in enumerate(ids):
                if value == 99:
                    continue
                if position >= len(found_captions) \
                        or found_captions[position] != captions.get(value):
                    raise ValueError("array enum caption does not match")
        for name, bounds in floats:
            raw = getattr(self, name)
            if raw is UNSET or raw is None:
                continue
            number = msgspec.json.decode(raw)
            if type(number) is not float:
                raise ValueError("float_t needs a number with a fraction or an exponent")
            if not bounds.get("ge", number) <= number <= bounds.get("le", number):
                raise ValueError("float outside the type range")

    return post_init


def _constraint_only_check(kind: str, names: list[str]):
    """Build the ``__post_init__`` for the common case of one constraint, with C-level calls."""
    if not names:
        def never(self):
            raise ValueError(f"{kind} constraint failed")
        return never
    total = len(names)
    # attrgetter of one name returns the value itself, not a tuple.
    getter = operator.attrgetter(*names) if total > 1 else (
        lambda item, name=names[0]: (getattr(item, name),))
    if kind == "at_least_one":
        def at_least_one(self):
            if getter(self).count(UNSET) == total:
                raise ValueError("at_least_one constraint failed")
        return at_least_one

    def just_one(self):
        if getter(self).count(UNSET) != total - 1:
            raise ValueError("just_one constraint failed")
    return just_one


class FastChecker:
    """Yes/no verdicts for many events; struct families cached per class and profiles."""

    def __init__(self, catalog: Catalog, options: CheckOptions | None = None):
        self.catalog = catalog
        self.options = options or CheckOptions()
        self._families: dict[tuple, _Family] = {}
        self._observable_paths: dict[tuple, bool] = {}
        self._lock = threading.Lock()

    def _family(self, release: Release, class_name: str, profiles: frozenset[str]) -> _Family:
        key = (release.label, class_name, profiles)
        family = self._families.get(key)
        if family is None:
            with self._lock:
                family = self._families.get(key)
                if family is None:
                    family = self._families[key] = _Family(release, class_name, profiles)
        return family

    def surely_valid(self, event: Any, raw: bytes | None = None) -> bool:
        """Return True only when the full checker would find no error in the event.

        ``raw`` is the event's JSON text; without it ``event`` is encoded first.
        """
        if raw is None:
            if not isinstance(event, dict):
                return False
            raw = msgspec.json.encode(event)
        return self.check_raw(raw) is not None

    def check_raw(self, raw: bytes) -> _Head | None:
        """Return the event's head keys when the event is surely valid, else None."""
        try:
            head = _head_decoder.decode(raw)
        except (msgspec.DecodeError, msgspec.ValidationError, RecursionError):
            return None
        chosen = self._choose(head)
        if chosen is None:
            return None
        release, class_name, profiles = chosen
        schema = release.classes[class_name]
        if type(head.activity_id) is int and type(head.type_uid) is int \
                and head.type_uid != schema.uid * 100 + head.activity_id:
            return None
        if head.observables is not None and not self._observables_resolve(
                release, schema, profiles, head.observables):
            return None
        try:
            self._family(release, class_name, profiles).decoder.decode(raw)
        except (msgspec.ValidationError, msgspec.DecodeError, RecursionError):
            return None
        head.schema_version = release.version
        return head

    def _choose(self, head: _Head) -> tuple[Release, str, frozenset[str]] | None:
        class_uid, metadata = head.class_uid, head.metadata
        if type(class_uid) is not int or metadata is None:
            return None
        version = metadata.version
        forced = self.options.schema_version
        if forced:
            release = self.catalog.get(forced)
            if version != release.version:
                return None  # the version findings need the full checker
        elif type(version) is str and self.catalog.has(version):
            release = self.catalog.get(version)
        else:
            return None
        class_name = release.class_by_uid.get(class_uid)
        if class_name is None:
            return None
        declared = metadata.profiles
        extra = frozenset(self.options.extra_profiles)
        if declared is None:
            return release, class_name, extra
        if type(declared) is list and all(type(p) is str and p in release.profiles
                                          for p in declared):
            return release, class_name, frozenset(declared) | extra
        return None

    def _observables_resolve(self, release: Release, schema: Schema, profiles: frozenset[str],
                             observables: list[_HeadObservable]) -> bool:
        for item in observables:
            if type(item.name) is not str:
                continue
            key = (release.label, schema.name, profiles, item.name)
            known = self._observable_paths.get(key)
            if known is None:
                known = _resolves(release, schema, profiles, item.name.split("."))
                self._observable_paths[key] = known
            if not known:
                return False
        return True


def _resolves(release: Release, schema: Schema, profiles: frozenset[str],
              segments: list[str]) -> bool:
    current: Schema | None = schema
    for position, segment in enumerate(segments):
        attr = current.attributes.get(segment) if current else None
        if attr is None or (attr.profiles and not any(p in profiles for p in attr.profiles)):
            return False
        if position < len(segments) - 1:
            if not attr.object_type:
                return False
            current = release.objects.get(attr.object_type)
    return True
