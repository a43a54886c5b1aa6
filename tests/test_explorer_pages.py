"""Explorer pages over the packaged releases: lists, search, class page extras, 404s."""

import re

import pytest


def html_of(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def row(html: str, row_id: str) -> str:
    return html.split(f'id="{row_id}"')[1].split("</tr>")[0]


def alternate_href(html: str) -> str:
    match = re.search(r'<link rel="alternate" type="application/json" href="([^"]+)"', html)
    assert match, "page has no JSON alternate link"
    return match.group(1).replace("&amp;", "&")


@pytest.mark.parametrize("url", [
    "/categories", "/classes", "/objects", "/profiles", "/profiles/host", "/dictionary",
    "/types", "/search?q=script", "/classes/script_activity?profiles=host",
    "/objects/script", "/classes/script_activity/history", "/objects/script/diff",
    "/classes/win/registry_key_activity", "/classes?version=1.4.0",
])
def test_page_links_json_twin(client, url):
    html = html_of(client, url)
    href = alternate_href(html)

    assert href == "/api" + url
    twin = client.get(href)
    assert twin.status_code == 200
    assert twin.is_json


def test_categories_list(client):
    html = html_of(client, "/categories")
    data = client.get("/api/categories").get_json()
    system = next(c for c in data["categories"] if c["name"] == "system")

    assert system["uid"] == 1
    assert system["caption"] == "System Activity"
    assert system["class_count"] == 14
    assert "System Activity" in row(html, "category-system")


def test_classes_grouped_by_category(client):
    html = html_of(client, "/classes")
    data = client.get("/api/classes").get_json()
    system = next(c for c in data["categories"] if c["name"] == "system")
    section = html.split('id="category-system"')[1].split("</section>")[0]

    assert data["class_count"] == 83
    assert {"name": "script_activity", "uid": 1009} in [
        {"name": c["name"], "uid": c["uid"]} for c in system["classes"]]
    assert 'href="/classes/script_activity"' in section
    assert 'href="/classes/win/registry_key_activity"' in section
    assert 'href="/classes/process_activity"' not in html.split('id="category-network"')[1]


def test_classes_list_marks_deprecated(client):
    html = html_of(client, "/classes")

    assert "deprecated since 1.5.0" in row(html, "class-file_query")


def test_objects_list(client):
    data = client.get("/api/objects?version=1.4.0").get_json()
    script = next(o for o in data["objects"] if o["name"] == "script")

    assert data["version"] == "1.4.0"
    assert script["extends"] == "object"
    assert script["attribute_count"] == 8
    assert 'href="/objects/script?version=1.4.0"' in html_of(client, "/objects?version=1.4.0")


def test_profiles_list_and_detail(client):
    profiles = client.get("/api/profiles").get_json()["profiles"]
    host = client.get("/api/profiles/host").get_json()
    html = html_of(client, "/profiles/host")

    assert "linux/linux_users" in [p["name"] for p in profiles]
    assert [a["name"] for a in host["attributes"]] == ["actor", "device"]
    assert "script_activity" in [c["name"] for c in host["classes"]]
    assert 'id="attr-device"' in html
    assert 'href="/classes/script_activity?profile=host"' in html


def test_extension_profile_detail(client):
    data = client.get("/api/profiles/linux/linux_users").get_json()

    assert data["caption"] == "Linux Users"
    assert {"egid", "euid"} <= {a["name"] for a in data["attributes"]}


def test_dictionary_list(client):
    data = client.get("/api/dictionary").get_json()
    names = [a["name"] for a in data["attributes"]]
    content = next(a for a in data["attributes"] if a["name"] == "script_content")

    assert len(names) == 960
    assert names == sorted(names)
    assert content["object_type"] == "long_string"
    assert 'href="/objects/long_string"' in row(html_of(client, "/dictionary"),
                                                "attr-script_content")


def test_types_show_constraints(client):
    html = html_of(client, "/types")
    types = {t["name"]: t for t in client.get("/api/types").get_json()["types"]}

    assert types["port_t"]["range"] == [0, 65535]
    assert types["port_t"]["base"] == "integer_t"
    assert types["mac_t"]["max_len"] == 32
    assert types["boolean_t"]["values"] == [False, True]
    assert "range 0 to 65535" in row(html, "type-port_t")
    assert "max length 32" in row(html, "type-mac_t")


def test_search_page_without_javascript(client):
    html = html_of(client, "/search?q=powershell")

    assert "<html" in html
    assert 'href="/objects/script#attr-type_id-2">PowerShell</a>' in html
    assert 'action="/search"' in html


def test_search_groups(client):
    data = client.get("/api/search?q=script").get_json()
    groups = {g["group"]: g for g in data["groups"]}

    assert groups["classes"]["entries"][0]["name"] == "script_activity"
    assert groups["objects"]["entries"][0]["name"] == "script"
    assert groups["attributes"]["entries"][0]["name"] == "script"
    assert "script_content" in [e["name"] for e in groups["attributes"]["entries"]]
    assert data["total"] == sum(g["total"] for g in data["groups"])


def test_search_finds_profiles_and_class_uids(client):
    by_profile = client.get("/api/search?q=security control").get_json()
    by_uid = client.get("/api/search?q=1009").get_json()

    profiles = next(g for g in by_profile["groups"] if g["group"] == "profiles")
    classes = next(g for g in by_uid["groups"] if g["group"] == "classes")
    assert profiles["entries"][0]["name"] == "security_control"
    assert [e["name"] for e in classes["entries"]] == ["script_activity"]


def test_search_htmx_returns_results_only(client):
    response = client.get("/search?q=powershell", headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)

    assert "<html" not in html
    assert html.lstrip().startswith('<section id="search-results"')
    assert "PowerShell" in html
    assert response.headers["Vary"] == "HX-Request"


def test_home_has_live_search_with_fallback(client):
    html = html_of(client, "/")
    form = html.split('<form class="search"')[1].split("</form>")[0]

    assert 'action="/search"' in form
    assert 'hx-get="/search"' in form
    assert 'hx-target="#search-results"' in form
    assert 'id="search-results"' in html


def test_empty_search(client):
    data = client.get("/api/search?q=").get_json()

    assert data["total"] == 0


def test_version_switcher_on_list_pages(client):
    html = html_of(client, "/objects?version=1.4.0")

    assert '<option value="1.4.0" selected>' in html
    assert '<optgroup label="Releases">' in html


# -- class page extras -------------------------------------------------------------------------

def attribute_names(client, url: str) -> list[str]:
    return [a["name"] for a in client.get(url).get_json()["attributes"]]


def test_group_filter(client):
    data = client.get("/api/classes/script_activity?group=primary").get_json()

    assert data["attributes"]
    assert {a["group"] for a in data["attributes"]} == {"primary"}
    assert data["hidden_by_filters"] > 0


def test_requirement_filter(client):
    names = attribute_names(client, "/api/classes/script_activity?requirement=required")

    assert sorted(names) == ["activity_id", "actor", "category_uid", "class_uid", "device",
                             "metadata", "script", "severity_id", "time", "type_uid"]


def test_inherited_attributes_off(client):
    only_own = attribute_names(client, "/api/classes/script_activity?inherited=0")
    form_off = attribute_names(client, "/api/classes/script_activity?inherited=0&profile=host")

    assert only_own == ["script"]
    assert form_off == ["script"]


def test_hidden_count_inside_swapped_region(client):
    plain = client.get("/classes/script_activity", headers={"HX-Request": "true"})
    chosen = client.get("/classes/script_activity?profile=security_control",
                        headers={"HX-Request": "true"})

    assert '<span class="hidden-count">24 attributes hidden</span>' in \
        plain.get_data(as_text=True)
    assert '<span class="hidden-count">6 attributes hidden</span>' in \
        chosen.get_data(as_text=True)


def test_filters_keep_htmx_partial(client):
    response = client.get("/classes/script_activity?requirement=required",
                          headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)

    assert html.lstrip().startswith('<section id="attributes">')
    assert 'id="attr-script"' in html
    assert 'id="attr-message"' not in html


def test_deprecated_markers(client):
    html = html_of(client, "/classes/email_file_activity")
    file_query = html_of(client, "/classes/file_query")

    assert "deprecated 1.4.0" in row(html, "attr-email_uid")
    assert "deprecated since 1.5.0" in file_query.split('id="deprecated"')[1]


def test_constraints_marked_on_attributes(client):
    html = html_of(client, "/classes/event_log_actvity")
    data = client.get("/api/classes/event_log_actvity").get_json()
    log_name = next(a for a in data["attributes"] if a["name"] == "log_name")

    assert data["constraints"] == {"at_least_one": ["log_file", "log_name", "log_provider",
                                                    "log_type", "log_type_id"]}
    assert log_name["constraints"] == ["at_least_one"]
    assert "at least one" in html.split('id="constraints"')[1]
    assert "at least one" in row(html, "attr-log_name")
    assert "at least one" not in row(html, "attr-time")


def test_associations_and_observables(client):
    html = html_of(client, "/classes/script_activity")
    data = client.get("/api/objects/script").get_json()

    assert "<code>device</code> is associated with <code>actor.user</code>" in html
    assert {"name": "script_content", "type_id": 36, "caption": "Script Content"} in \
        data["observables"]
    assert "36 Script Content" in html_of(client, "/objects/script").split(
        'id="observables"')[1]


def test_references_shown(client):
    html = html_of(client, "/classes/group_management")

    assert 'href="https://d3fend.mitre.org/event/d3f:GroupManagementEvent/"' in \
        html.split('id="references"')[1]


def test_class_page_links_history_diff_sample(client):
    data = client.get("/api/classes/script_activity?profiles=host").get_json()

    assert data["links"]["history"] == "/classes/script_activity/history"
    assert data["links"]["diff"] == "/classes/script_activity/diff"
    assert data["links"]["sample"] == "/classes/script_activity/sample?profiles=host"


def test_extension_class_page(client):
    html = html_of(client, "/classes/win/registry_key_activity")

    assert "Registry Key Activity" in html
    assert "201001" in html
    assert 'href="/objects/win/reg_key"' in html


# -- not found ---------------------------------------------------------------------------------

def test_class_missing_from_release_links_releases(client):
    response = client.get("/classes/script_activity?version=1.3.0")
    html = response.get_data(as_text=True)
    available = html.split('id="available-in"')[1].split("</p>")[0]

    assert response.status_code == 404
    assert "There is no class named &#39;script_activity&#39; in OCSF 1.3.0." in html
    assert re.findall(r">([\d.]+)</a>", available) == ["1.4.0", "1.5.0", "1.6.0", "1.7.0",
                                                       "1.8.0"]
    assert 'href="/classes/script_activity?version=1.4.0"' in available


def test_class_missing_from_release_json(client):
    response = client.get("/api/classes/script_activity?version=1.3.0")
    body = response.get_json()

    assert response.status_code == 404
    assert body["error"] == "not found"
    assert body["available_in"] == ["1.4.0", "1.5.0", "1.6.0", "1.7.0", "1.8.0"]


@pytest.mark.parametrize("url, suggestion", [
    ("/classes/script_activty", "script_activity"),
    ("/classes/Script Activity", "script_activity"),
    ("/objects/scirpt", "script"),
    ("/profiles/hots", "host"),
    ("/classes/script_activity?profiles=hots", "host"),
    ("/classes/script_activity/sample?profiles=secuirty_control", "security_control"),
    ("/objects/script/history?version=1.8.0&x=1", None),
])
def test_unknown_names_suggest_nearest(client, url, suggestion):
    response = client.get(url)
    api = client.get("/api" + url)

    if suggestion is None:
        assert response.status_code == 200
        return
    assert response.status_code == 404
    assert api.status_code == 404
    assert suggestion in api.get_json()["suggestions"]
    assert suggestion in response.get_data(as_text=True).split('id="suggestions"')[1]


def test_unknown_version(client):
    response = client.get("/classes/script_activity?version=1.8")
    api = client.get("/api/objects?version=1.8")
    html = response.get_data(as_text=True)

    assert response.status_code == 404
    assert api.status_code == 404
    assert "1.8.0" in api.get_json()["suggestions"]
    assert 'href="/classes/script_activity?version=1.8.0"' in html


def test_unknown_object_in_every_version(client):
    response = client.get("/api/objects/no_such_thing")

    assert response.status_code == 404
    assert response.get_json()["available_in"] == []
    assert "no object named 'no_such_thing'" in response.get_json()["message"]
