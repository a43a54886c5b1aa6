"""Fuzz the JSON API from its OpenAPI document: no input may cause a 5xx.

Requests go through the Flask test client in this process; the run is bounded
by hypothesis' example counts.
"""

import json
import random
import re
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .conftest import SAMPLES

sys.path.insert(0, str(Path(__file__).parents[1] / "scripts"))
from generate_events import MUTATIONS, make_event, mutate  # noqa: E402

SAMPLE_TEXTS = [p.read_text(encoding="utf-8") for p in sorted(SAMPLES.rglob("*")) if p.is_file()]
NAMES = st.one_of(st.sampled_from(["script_activity", "process_activity", "script", "process",
                                   "win/win_service", "base_event", "..", "%00", "a" * 300]),
                  st.text(max_size=30))
QUERY_TEXT = st.one_of(st.sampled_from(["1.8.0", "1.4.0", "1.0.0-rc.2", "9.9", "", "local:x"]),
                       st.text(max_size=20))


def _event_text(seed: int, mutation: int) -> str:
    event = make_event(random.Random(seed), seed)
    if mutation >= 0:
        mutate(event, MUTATIONS[mutation % len(MUTATIONS)])
    return json.dumps(event)


JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=15),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(
        st.sampled_from(["class_uid", "activity_id", "type_uid", "metadata", "version",
                         "profiles", "script", "events", "observables", "x"]), children,
        max_size=5),
    max_leaves=25)

BODIES = st.one_of(
    st.binary(max_size=200),
    st.text(max_size=300).map(lambda t: t.encode("utf-8", "surrogatepass")),
    JSONISH.map(lambda v: json.dumps(v).encode()),
    st.builds(_event_text, st.integers(0, 10_000), st.integers(-1, 20)).map(str.encode),
    st.builds(lambda text, cut: text[:cut].encode(), st.sampled_from(SAMPLE_TEXTS),
              st.integers(0, 3000)),
    st.sampled_from(SAMPLE_TEXTS).map(str.encode),
)


@pytest.fixture(scope="module")
def document(app):
    return app.test_client().get("/api/openapi.json").get_json()


def test_openapi_document(document):
    assert document["openapi"].startswith("3.")
    assert "/api/validate" in document["paths"]
    assert "/api/map" in document["paths"]


@settings(max_examples=250, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(path=st.sampled_from(["/api/validate", "/api/map"]), body=BODIES,
       version=QUERY_TEXT, extra=st.dictionaries(
           st.sampled_from(["format", "profiles", "missing_recommended"]), QUERY_TEXT,
           max_size=2))
def test_post_endpoints_never_fail(app, path, body, version, extra):
    client = app.test_client()
    response = client.post(path, data=body, query_string={"version": version, **extra},
                           content_type="text/plain")

    assert response.status_code < 500, response.get_data(as_text=True)[:500]
    assert response.is_json


@settings(max_examples=250, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(template=st.sampled_from(["/api/classes/{name}", "/api/objects/{name}",
                                 "/api/classes/{name}/history", "/api/objects/{name}/history",
                                 "/api/classes/{name}/sample", "/api/formats/{name}",
                                 "/api/search?q={name}"]),
       name=NAMES, version=QUERY_TEXT)
def test_get_endpoints_never_fail(app, document, template, name, version):
    from urllib.parse import quote

    documented = re.sub(r"\?.*", "", template).replace("{name}", "{format_id}") \
        if "formats" in template else re.sub(r"\?.*", "", template)
    assert documented in document["paths"]
    url = template.replace("{name}", quote(name, safe=""))
    url += ("&" if "?" in url else "?") + "version=" + quote(version, safe="")
    response = app.test_client().get(url)

    assert response.status_code < 500, (url, response.get_data(as_text=True)[:500])
