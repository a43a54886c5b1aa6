"""The table of finding codes: each example produces its code, path and severity."""

import sys
from pathlib import Path

import pytest

from webapp.conformance import CheckOptions, validate_event

sys.path.insert(0, str(Path(__file__).parents[1] / "scripts"))
from findings_doc import EXAMPLES  # noqa: E402

RUNNABLE = [example for example in EXAMPLES if example[4] is not None]


@pytest.mark.parametrize("example", RUNNABLE, ids=[e[0] for e in RUNNABLE])
def test_example_produces_code(catalog, example):
    code, severity, _, _, event, options, path = example
    report = validate_event(event, catalog, CheckOptions(**options))
    found = [f for f in report.errors + report.warnings
             if f.code == code and (path is None or f.attribute_path == path)]

    assert found, [(f.code, f.attribute_path) for f in report.errors + report.warnings]
    assert found[0].severity == severity


def test_document_lists_every_code():
    text = (Path(__file__).parents[1] / "docs/findings.md").read_text()

    for code, *_ in EXAMPLES:
        assert f"## {code}\n" in text, code


def _release_with_refined_types(release):
    """A copy of a release where device.hostname and device.uid use refining types."""
    import copy
    import dataclasses

    from webapp.catalog import DataType, EnumValue

    changed = copy.copy(release)
    changed.types = dict(release.types)
    changed.types["tight_t"] = DataType("tight_t", "Tight", "", base="string_t", max_len=5,
                                        regex="^[a-z]+$", values=("abc", "abcd", "toolongvalue"))
    changed.types["tighter_t"] = DataType("tighter_t", "Tighter", "", base="tight_t")
    changed.types["small_t"] = DataType("small_t", "Small", "", base="integer_t", range=(0, 9))
    changed.types["smaller_t"] = DataType("smaller_t", "Smaller", "", base="small_t")
    changed.objects = dict(release.objects)
    device = copy.copy(release.objects["device"])
    device.attributes = dict(device.attributes)
    device.attributes["hostname"] = dataclasses.replace(device.attributes["hostname"],
                                                        type="tighter_t")
    device.attributes["type_id"] = dataclasses.replace(
        device.attributes["type_id"], type="smaller_t",
        enum={**device.attributes["type_id"].enum,
              "2": EnumValue("2", "Desktop", deprecated_since="1.8.0")})
    changed.objects["device"] = device
    return changed


def test_super_type_constraint_codes(release):
    from webapp.conformance.checker import check_event
    from webapp.conformance.findings import EventReport

    from .test_conformance import event

    changed = _release_with_refined_types(release)
    data = event(device__hostname="TOOLONGVALUE", device__type_id=12)
    report = check_event(data, changed, EventReport(index=0))
    codes = {(f.code, f.severity) for f in report.errors + report.warnings}

    assert ("attribute_value_exceeds_super_type_max_len", "error") in codes
    assert ("attribute_value_super_type_regex_not_matched", "warning") in codes
    assert ("attribute_value_not_in_super_type_values", "error") in codes
    assert ("attribute_value_exceeds_super_type_range", "error") in codes


def test_enum_value_deprecated(release):
    from webapp.conformance.checker import check_event
    from webapp.conformance.findings import EventReport

    from .test_conformance import event

    changed = _release_with_refined_types(release)
    report = check_event(event(device__hostname="abc"), changed, EventReport(index=0))
    found = [f for f in report.warnings if f.code == "attribute_enum_value_deprecated"]

    assert found[0].attribute_path == "device.type_id"
    assert found[0].context["since"] == "1.8.0"
