"""Schema explorer pages, each with a JSON twin under /api/ built from the same dict.

Pages: home with live search, search, categories, classes, objects, profiles,
dictionary attributes, data types, class and object detail with filters,
their version history and diff between two versions, and sample events.
Unknown classes, objects, profiles and versions get a 404 that suggests
the nearest names and, for a class or object, the versions that have it.
"""

from __future__ import annotations

import difflib
import re

from flask import Blueprint, jsonify, request, url_for

from webapp.catalog import Attribute, Release, Schema, UnknownVersion
from webapp.catalog.history import CHANGE_KINDS, lookup, schema_changes, schema_history
from webapp.catalog.jsonschema import json_schema
from webapp.catalog.sample import build_sample
from webapp.catalog.search import GROUPS, search

from ..errors import error_response
from .rendering import catalog, render_page

bp = Blueprint("explorer", __name__)

GROUP_ORDER = {"classification": 0, "occurrence": 1, "primary": 2, "context": 3}
REQUIREMENT_ORDER = {"required": 0, "recommended": 1, "optional": 2}
KIND_POOLS = {"class": "classes", "object": "objects"}
API_PREFIX = "/api"


# -- request helpers ---------------------------------------------------------------------------

def is_api() -> bool:
    return request.path.startswith(API_PREFIX + "/")


def json_url() -> str:
    """Return the JSON twin of the current page: the same path and query under /api/."""
    query = request.query_string.decode("latin-1")
    return API_PREFIX + request.path + (f"?{query}" if query else "")


def respond(template: str, data: dict, partial: str | None = None, status: int = 200):
    """Send ``data`` as JSON under /api/, else render the page (or its htmx partial)."""
    if is_api():
        return jsonify(data), status
    return render_page(template, partial, status=status, data=data, json_url=json_url())


def twin(rule: str, endpoint: str):
    """Register a view for ``rule`` and for its JSON twin ``/api`` + ``rule``."""
    def register(view):
        bp.add_url_rule(rule, endpoint, view)
        bp.add_url_rule(API_PREFIX + rule, f"api_{endpoint}", view)
        return view
    return register


def chosen_release() -> Release:
    """Return the release named by ``?version=`` (or the default), or raise a 404."""
    version = request.args.get("version") or None
    try:
        return catalog().get(version)
    except UnknownVersion as error:
        raise NotFound("version", error.version, _nearest(error.version, error.available),
                       versions=error.available) from None


def selected_profiles(release: Release | None = None) -> list[str]:
    """Return profiles from ``?profiles=a,b`` or repeated ``?profile=a``, or raise a 404."""
    names = []
    for value in request.args.getlist("profiles") + request.args.getlist("profile"):
        names.extend(part.strip() for part in value.split(",") if part.strip())
    names = sorted(set(names))
    if release is not None:
        for name in names:
            if name not in release.profiles:
                raise NotFound("profile", name, _nearest(name, list(release.profiles)),
                               version=release.label)
    return names


def _nearest(name: str, pool: list[str]) -> list[str]:
    close = difflib.get_close_matches(name, pool, n=5, cutoff=0.5)
    lowered = name.lower()
    partial = [candidate for candidate in pool
               if lowered and lowered in candidate.lower() and candidate not in close]
    return (close + sorted(partial))[:8]


# -- not found ---------------------------------------------------------------------------------

class NotFound(Exception):
    """An unknown class, object, profile or version, sent as a 404 with suggestions."""

    def __init__(self, kind: str, name: str, suggestions: list[str], version: str = "",
                 available_in: list[str] | None = None, versions: list[str] | None = None):
        where = f" in OCSF {version}" if version else ""
        super().__init__(f"no {kind} named {name!r}{where}")
        self.data = {
            "kind": kind,
            "name": name,
            "version": version,
            "message": f"There is no {kind} named {name!r}{where}.",
            "suggestions": suggestions,
            "available_in": available_in or [],
            "versions": versions or [],
        }


@bp.app_errorhandler(NotFound)
def not_found(error: NotFound):
    data = error.data
    if is_api():
        return error_response(404, "not found", data["message"], kind=data["kind"],
                              name=data["name"], suggestions=data["suggestions"],
                              available_in=data["available_in"])
    return render_page("explorer/not_found.html", status=404, data=data, json_url=None)


def find_schema(release: Release, kind: str, name: str) -> Schema:
    """Return the class or object ``name``, or raise :class:`NotFound` with suggestions."""
    schema = lookup(release, kind, name)
    if schema is not None:
        return schema
    pool = getattr(release, KIND_POOLS[kind])
    captions = {s.caption.lower(): s.name for s in pool.values()}
    suggestions = _nearest(name, list(pool))
    by_caption = captions.get(name.replace("_", " ").lower())
    if by_caption and by_caption not in suggestions:
        suggestions.insert(0, by_caption)
    available = [r.label for r in catalog().timeline() if lookup(r, kind, name) is not None]
    raise NotFound(kind, name, suggestions, version=release.label, available_in=available)


# -- class and object pages --------------------------------------------------------------------

def observable_caption(release: Release, type_id: int | None) -> str:
    observable = release.objects.get("observable")
    attr = observable.attributes.get("type_id") if observable else None
    item = attr.enum.get(str(type_id)) if attr and type_id is not None else None
    return item.caption if item else ""


def observable_of(release: Release, attr: Attribute) -> int | None:
    """Return the observable type_id of an attribute, its data type or its object."""
    if attr.observable is not None:
        return attr.observable
    data_type = release.types.get(attr.type)
    if data_type is not None and data_type.observable is not None:
        return data_type.observable
    target = release.objects.get(attr.object_type or "")
    return target.observable if target else None


def attribute_row(release: Release, attr: Attribute, schema: Schema | None = None) -> dict:
    """Everything the attribute table and its JSON twin show about one attribute."""
    constraints = []
    if schema is not None:
        constraints = [kind for kind, names in schema.constraints.items() if attr.name in names]
    observable = observable_of(release, attr)
    return {
        "name": attr.name,
        "caption": attr.caption,
        "description": attr.description,
        "group": attr.group,
        "requirement": attr.requirement,
        "type": attr.type,
        "type_name": attr.type_name,
        "object_type": attr.object_type,
        "is_array": attr.is_array,
        "enum": [{"value": v.value, "caption": v.caption, "description": v.description,
                  "deprecated_since": v.deprecated_since} for v in attr.enum.values()],
        "sibling": attr.sibling,
        "profiles": list(attr.profiles),
        "defined_in": attr.defined_in,
        "defined_in_caption": release.chain_caption(attr.defined_in),
        "inherited": schema is not None and attr.defined_in in schema.chain[:-1],
        "overridden_by": [{"name": name, "caption": release.chain_caption(name),
                           "facets": facets} for name, facets in attr.overridden_by],
        "deprecated_since": attr.deprecated_since,
        "deprecated_message": attr.deprecated_message,
        "constraints": constraints,
        "observable": observable,
        "observable_caption": observable_caption(release, observable),
        "references": attr.references,
    }


def attribute_filters() -> dict:
    return {
        "group": request.args.get("group") or "",
        "requirement": request.args.get("requirement") or "",
        # The "hide inherited attributes" checkbox sends inherited=0.
        "inherited": request.args.get("inherited") not in ("0", "false", "off"),
    }


def _row_shown(row: dict, filters: dict) -> bool:
    if filters["group"] and (row["group"] or "none") != filters["group"]:
        return False
    if filters["requirement"] and row["requirement"] != filters["requirement"]:
        return False
    return filters["inherited"] or not row["inherited"]


def schema_context(release: Release, schema: Schema, profiles: list[str],
                   filters: dict | None = None) -> dict:
    """Build the page and JSON data of a class or object with the chosen profiles and filters."""
    filters = filters or {"group": "", "requirement": "", "inherited": True}
    visible = [attr for attr in schema.attributes.values()
               if not attr.profiles or any(p in profiles for p in attr.profiles)]
    all_rows = [attribute_row(release, attr, schema) for attr in visible]
    rows = [row for row in all_rows if _row_shown(row, filters)]
    rows.sort(key=lambda row: (GROUP_ORDER.get(row["group"] or "", 4),
                               REQUIREMENT_ORDER.get(row["requirement"], 3), row["name"]))
    kind_path = KIND_POOLS[schema.kind]
    return {
        "kind": schema.kind,
        "name": schema.name,
        "caption": schema.caption,
        "description": schema.description,
        "uid": schema.uid,
        "category": schema.category,
        "category_uid": schema.category_uid,
        "category_name": schema.category_name,
        "extends": schema.extends,
        "extension": schema.extension,
        "chain": [{"name": link, "caption": release.chain_caption(link),
                   "is_page": lookup(release, schema.kind, link) is not None}
                  for link in schema.chain],
        "profiles_available": [{"name": p, "caption": release.profiles[p].caption
                                if p in release.profiles else p, "selected": p in profiles}
                               for p in schema.profiles],
        "profiles_selected": profiles,
        "hidden_by_profiles": len(schema.attributes) - len(visible),
        "hidden_by_filters": len(all_rows) - len(rows),
        "filters": filters,
        "groups_available": sorted({row["group"] or "none" for row in all_rows},
                                   key=lambda g: GROUP_ORDER.get(g, 4)),
        "constraints": schema.constraints,
        "associations": schema.associations,
        "observables": [{"name": row["name"], "type_id": row["observable"],
                         "caption": row["observable_caption"]}
                        for row in sorted(all_rows, key=lambda r: r["name"])
                        if row["observable"] is not None],
        "observable": schema.observable,
        "observable_caption": observable_caption(release, schema.observable),
        "references": schema.references,
        "deprecated_since": schema.deprecated_since,
        "deprecated_message": schema.deprecated_message,
        "version": release.version,
        "label": release.label,
        "is_local": release.is_local,
        "source_path": release.source_path,
        "links": {
            "history": url_for(f"explorer.{schema.kind}_history", name=schema.name,
                               version=request.args.get("version") or None),
            # The diff ends at the version this page shows.
            "diff": url_for(f"explorer.{schema.kind}_diff", name=schema.name,
                            to=request.args.get("version") or None,
                            version=request.args.get("version") or None),
            "sample": url_for("explorer.class_sample", name=schema.name,
                              version=request.args.get("version") or None,
                              profiles=",".join(profiles) or None)
            if schema.kind == "class" else None,
            "json_schema": url_for(f"explorer.{schema.kind}_json_schema", name=schema.name,
                                   version=request.args.get("version") or None,
                                   profiles=",".join(profiles) or None),
            "validate": url_for("validate.form", sample=schema.name,
                                version=request.args.get("version") or None,
                                profiles=",".join(profiles) or None)
            if schema.kind == "class" else None,
            "list": url_for(f"explorer.{kind_path}_list",
                            version=request.args.get("version") or None),
        },
        "attributes": rows,
    }


def _schema_data(kind: str, name: str) -> dict:
    release = chosen_release()
    schema = find_schema(release, kind, name)
    return schema_context(release, schema, selected_profiles(release), attribute_filters())


@twin("/classes/<path:name>", "class_detail")
def class_detail(name: str):
    return respond("explorer/schema.html", _schema_data("class", name),
                   "explorer/_attribute_table.html")


@twin("/objects/<path:name>", "object_detail")
def object_detail(name: str):
    return respond("explorer/schema.html", _schema_data("object", name),
                   "explorer/_attribute_table.html")


def class_json(name: str):
    return jsonify(_schema_data("class", name))


def object_json(name: str):
    return jsonify(_schema_data("object", name))


# -- history and diff --------------------------------------------------------------------------

def change_row(change) -> dict:
    return {**change.to_json(), "title": CHANGE_KINDS.get(change.kind, change.kind)}


def _history_data(kind: str, name: str) -> dict:
    timeline = catalog().timeline()
    entries = schema_history(timeline, kind, name)
    if not any(entry.present for entry in entries):
        release = chosen_release()
        find_schema(release, kind, name)
    newest = next(lookup(r, kind, name) for r in reversed(timeline) if lookup(r, kind, name))
    present = [entry.label for entry in entries if entry.present]
    return {
        "kind": kind,
        "name": name,
        "caption": newest.caption,
        "first_version": present[0],
        "present_in": present,
        "versions": [{**entry.to_json(),
                      "changes": [change_row(change) for change in entry.changes]}
                     for entry in entries],
    }


@twin("/classes/<path:name>/history", "class_history")
def class_history(name: str):
    return respond("explorer/history.html", _history_data("class", name))


@twin("/objects/<path:name>/history", "object_history")
def object_history(name: str):
    return respond("explorer/history.html", _history_data("object", name))


def _version_or_404(label: str) -> Release:
    try:
        return catalog().get(label)
    except UnknownVersion as error:
        raise NotFound("version", label, _nearest(label, error.available),
                       versions=error.available) from None


def _diff_data(kind: str, name: str) -> dict:
    labels = [release.label for release in catalog().timeline()]
    present = [label for label in labels if lookup(catalog().get(label), kind, name)]
    if not present:
        find_schema(chosen_release(), kind, name)
    target = request.args.get("to") or present[-1]
    source = request.args.get("from")
    if not source:
        # By default compare with the version before the target that has the schema.
        earlier = present[:present.index(target)] if target in present else present[:-1]
        source = earlier[-1] if earlier else present[0]
    before = lookup(_version_or_404(source), kind, name)
    after = lookup(_version_or_404(target), kind, name)
    changes = schema_changes(before, after)
    newest = after or before
    return {
        "kind": kind,
        "name": name,
        "caption": newest.caption if newest else name,
        "from": source,
        "to": target,
        "from_present": before is not None,
        "to_present": after is not None,
        "versions": labels,
        "present_in": present,
        "changes": [change_row(change) for change in changes],
    }


@twin("/classes/<path:name>/diff", "class_diff")
def class_diff(name: str):
    return respond("explorer/diff.html", _diff_data("class", name))


@twin("/objects/<path:name>/diff", "object_diff")
def object_diff(name: str):
    return respond("explorer/diff.html", _diff_data("object", name))


# -- sample event ------------------------------------------------------------------------------

@twin("/classes/<path:name>/sample", "class_sample")
def class_sample(name: str):
    """Return a sample event as JSON: required attributes, recommended with ``?recommended=1``."""
    release = chosen_release()
    schema = find_schema(release, "class", name)
    profiles = selected_profiles(release)
    recommended = request.args.get("recommended") in ("1", "true", "on")
    return jsonify(build_sample(release, schema, profiles, recommended))


@twin("/classes/<path:name>/schema.json", "class_json_schema")
def class_json_schema(name: str):
    """Return the class's Draft 2020-12 JSON Schema with the chosen profiles."""
    release = chosen_release()
    schema = find_schema(release, "class", name)
    return jsonify(json_schema(release, schema, selected_profiles(release)))


@twin("/objects/<path:name>/schema.json", "object_json_schema")
def object_json_schema(name: str):
    """Return the object's Draft 2020-12 JSON Schema with the chosen profiles."""
    release = chosen_release()
    schema = find_schema(release, "object", name)
    return jsonify(json_schema(release, schema, selected_profiles(release)))


# -- lists -------------------------------------------------------------------------------------

def _plain(html: str | None, limit: int = 0) -> str:
    text = re.sub(r"<[^>]+>", "", html or "").strip()
    if limit and len(text) > limit:
        return text[:limit].rsplit(" ", 1)[0] + "…"
    return text


def _release_facts(release: Release) -> dict:
    return {"version": release.version, "label": release.label, "is_local": release.is_local}


@twin("/categories", "categories_list")
def categories_list():
    release = chosen_release()
    counts: dict[str, int] = {}
    for schema in release.classes.values():
        counts[schema.category or ""] = counts.get(schema.category or "", 0) + 1
    categories = [{"name": c.name, "caption": c.caption, "uid": c.uid,
                   "description": _plain(c.description), "class_count": counts.get(c.name, 0)}
                  for c in sorted(release.categories.values(), key=lambda c: c.uid)]
    return respond("explorer/categories.html", {**_release_facts(release),
                                                 "categories": categories})


@twin("/classes", "classes_list")
def classes_list():
    release = chosen_release()
    groups: dict[str, dict] = {}
    for category in sorted(release.categories.values(), key=lambda c: c.uid):
        groups[category.name] = {"name": category.name, "caption": category.caption,
                                 "uid": category.uid, "classes": []}
    for schema in sorted(release.classes.values(), key=lambda s: (s.uid or 0, s.name)):
        key = schema.category or "other"
        if key not in groups:
            groups[key] = {"name": key, "caption": schema.category_name or key.title(),
                           "uid": schema.category_uid, "classes": []}
        groups[key]["classes"].append({
            "name": schema.name, "caption": schema.caption, "uid": schema.uid,
            "extension": schema.extension, "deprecated_since": schema.deprecated_since,
            "description": _plain(schema.description, 160)})
    categories = [group for group in groups.values() if group["classes"]]
    return respond("explorer/classes.html", {**_release_facts(release),
                                              "class_count": len(release.classes),
                                              "categories": categories})


@twin("/objects", "objects_list")
def objects_list():
    release = chosen_release()
    objects = [{"name": s.name, "caption": s.caption, "extends": s.extends,
                "extension": s.extension, "deprecated_since": s.deprecated_since,
                "attribute_count": len(s.attributes), "description": _plain(s.description, 160)}
               for s in sorted(release.objects.values(), key=lambda s: s.name)]
    return respond("explorer/objects.html", {**_release_facts(release), "objects": objects})


def _profile_users(release: Release, name: str) -> tuple[list[dict], list[dict]]:
    """Return the attributes a profile adds (with their owners) and the classes using it."""
    attributes: dict[str, dict] = {}
    for kind, pool in (("class", release.classes), ("object", release.objects)):
        for schema in pool.values():
            for attr in schema.attributes.values():
                if name not in attr.profiles:
                    continue
                row = attributes.setdefault(attr.name, {
                    "name": attr.name, "caption": attr.caption, "type_name": attr.type_name,
                    "object_type": attr.object_type, "requirement": attr.requirement,
                    "classes": [], "objects": []})
                row["classes" if kind == "class" else "objects"].append(schema.name)
    classes = [{"name": s.name, "caption": s.caption}
               for s in sorted(release.classes.values(), key=lambda s: s.name)
               if name in s.profiles]
    return sorted(attributes.values(), key=lambda row: row["name"]), classes


@twin("/profiles", "profiles_list")
def profiles_list():
    release = chosen_release()
    profiles = []
    for profile in sorted(release.profiles.values(), key=lambda p: p.name):
        users = sum(1 for s in release.classes.values() if profile.name in s.profiles)
        profiles.append({"name": profile.name, "caption": profile.caption,
                         "description": _plain(profile.description), "class_count": users})
    return respond("explorer/profiles.html", {**_release_facts(release), "profiles": profiles})


@twin("/profiles/<path:name>", "profile_detail")
def profile_detail(name: str):
    release = chosen_release()
    profile = release.profiles.get(name)
    if profile is None:
        raise NotFound("profile", name, _nearest(name, list(release.profiles)),
                       version=release.label)
    attributes, classes = _profile_users(release, name)
    return respond("explorer/profile.html", {
        **_release_facts(release), "name": profile.name, "caption": profile.caption,
        "description": _plain(profile.description), "attributes": attributes,
        "classes": classes})


@twin("/dictionary", "dictionary_list")
def dictionary_list():
    release = chosen_release()
    attributes = [{"name": a.name, "caption": a.caption, "type": a.type,
                   "type_name": a.type_name, "object_type": a.object_type,
                   "is_array": a.is_array, "deprecated_since": a.deprecated_since,
                   "description": _plain(a.description, 200)}
                  for a in sorted(release.dictionary.values(), key=lambda a: a.name)]
    return respond("explorer/dictionary.html", {**_release_facts(release),
                                                 "attributes": attributes})


@twin("/types", "types_list")
def types_list():
    release = chosen_release()
    types = [{"name": t.name, "caption": t.caption, "base": t.base,
              "description": _plain(t.description), "regex": t.regex, "max_len": t.max_len,
              "range": list(t.range) if t.range else None,
              "values": list(t.values) if t.values else None,
              "observable": t.observable,
              "observable_caption": observable_caption(release, t.observable)}
             for t in sorted(release.types.values(), key=lambda t: t.name)]
    return respond("explorer/types.html", {**_release_facts(release), "types": types})


# -- search and home ---------------------------------------------------------------------------

def search_data(release: Release, query: str) -> dict:
    result = search(release, query)
    groups = []
    for group in GROUPS:
        entries = [{"name": e.name, "caption": e.caption, "detail": e.detail,
                    "owner_kind": e.owner_kind, "owner": e.owner, "attribute": e.attribute,
                    "value": e.value} for e in result.groups[group]]
        groups.append({"group": group, "total": result.totals[group], "entries": entries})
    return {**_release_facts(release), "query": query, "total": result.total,
            "groups": groups}


@twin("/search", "search_page")
def search_page():
    release = chosen_release()
    data = search_data(release, request.args.get("q", "")[:200])
    return respond("explorer/search.html", data, "explorer/_search_results.html")


@bp.get("/")
def home():
    release = chosen_release()
    showcase = [("class", "script_activity"), ("object", "script"), ("class", "process_activity")]
    links = []
    for kind, name in showcase:
        schema = lookup(release, kind, name)
        if schema is not None:
            links.append({"kind": kind, "name": name, "caption": schema.caption})
    return render_page("explorer/home.html", release=release, links=links)
