"""Schema explorer: home, class and object pages, with JSON twins under /api/."""

from __future__ import annotations

import difflib

from flask import Blueprint, jsonify, request, url_for

from webapp.catalog import Attribute, Release, Schema

from ..errors import BadInput
from .rendering import render_page, requested_release

bp = Blueprint("explorer", __name__)

GROUP_ORDER = {"classification": 0, "occurrence": 1, "primary": 2, "context": 3}
REQUIREMENT_ORDER = {"required": 0, "recommended": 1, "optional": 2}


def selected_profiles() -> list[str]:
    """Profiles from ``?profiles=a,b`` or repeated ``?profile=a&profile=b``."""
    names = []
    for value in request.args.getlist("profiles") + request.args.getlist("profile"):
        names.extend(part.strip() for part in value.split(",") if part.strip())
    return sorted(set(names))


def _not_found(release: Release, kind: str, name: str):
    pool = release.classes if kind == "class" else release.objects
    nearest = difflib.get_close_matches(name, list(pool), n=5, cutoff=0.5)
    hint = f"; nearest names: {', '.join(nearest)}" if nearest else ""
    raise BadInput(f"OCSF {release.version} has no {kind} named {name!r}{hint}", status=404,
                   details={"suggestions": nearest})


def attribute_row(release: Release, attr: Attribute) -> dict:
    """Everything the attribute table and its JSON twin show about one attribute."""
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
        "overridden_by": [{"name": name, "caption": release.chain_caption(name),
                           "facets": facets} for name, facets in attr.overridden_by],
        "deprecated_since": attr.deprecated_since,
        "deprecated_message": attr.deprecated_message,
    }


def schema_context(release: Release, schema: Schema, profiles: list[str]) -> dict:
    """Build the page and JSON data of a class or object with the chosen profiles."""
    rows = [attribute_row(release, attr) for attr in schema.attributes.values()
            if not attr.profiles or any(p in profiles for p in attr.profiles)]
    rows.sort(key=lambda row: (GROUP_ORDER.get(row["group"] or "", 4),
                               REQUIREMENT_ORDER.get(row["requirement"], 3), row["name"]))
    hidden = sum(1 for attr in schema.attributes.values()
                 if attr.profiles and not any(p in profiles for p in attr.profiles))
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
        "chain": [{"name": link, "caption": release.chain_caption(link),
                   "is_page": link in release.classes or link in release.objects}
                  for link in schema.chain],
        "profiles_available": [{"name": p, "caption": release.profiles[p].caption
                                if p in release.profiles else p, "selected": p in profiles}
                               for p in schema.profiles],
        "profiles_selected": profiles,
        "hidden_by_profiles": hidden,
        "constraints": schema.constraints,
        "deprecated_since": schema.deprecated_since,
        "version": release.version,
        "attributes": rows,
    }


@bp.get("/")
def home():
    release = requested_release()
    showcase = [("class", "script_activity"), ("object", "script"), ("class", "process_activity")]
    links = []
    for kind, name in showcase:
        pool = release.classes if kind == "class" else release.objects
        if name in pool:
            links.append({"kind": kind, "name": name, "caption": pool[name].caption})
    return render_page("explorer/home.html", release=release, links=links)


def _class_data(name: str):
    release = requested_release()
    schema = release.classes.get(name)
    if schema is None:
        _not_found(release, "class", name)
    return schema_context(release, schema, selected_profiles())


def _object_data(name: str):
    release = requested_release()
    schema = release.objects.get(name)
    if schema is None:
        _not_found(release, "object", name)
    return schema_context(release, schema, selected_profiles())


@bp.get("/classes/<name>")
def class_detail(name: str):
    data = _class_data(name)
    json_url = url_for("api.class_detail", name=name, **request.args)
    return render_page("explorer/schema.html", "explorer/_attribute_table.html", data=data,
                       json_url=json_url)


@bp.get("/objects/<name>")
def object_detail(name: str):
    data = _object_data(name)
    json_url = url_for("api.object_detail", name=name, **request.args)
    return render_page("explorer/schema.html", "explorer/_attribute_table.html", data=data,
                       json_url=json_url)


def class_json(name: str):
    return jsonify(_class_data(name))


def object_json(name: str):
    return jsonify(_object_data(name))
