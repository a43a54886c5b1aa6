import pytest

from webapp.conformance.jsontext import MAX_DEPTH, JsonInputError, TextIndex, parse_values


def test_single_object_positions():
    text = '{\n  "a": 1,\n  "b": {"c": "x"}\n}'
    values = parse_values(text)
    index = TextIndex(text)

    assert len(values) == 1
    assert index.line_column(values[0].positions[("b", "c")]) == (3, 14)
    assert index.line_column(values[0].positions[("a",)]) == (2, 8)


def test_array_is_unpacked():
    values = parse_values('[{"a": 1},\n {"a": 2}]')

    assert [v.value["a"] for v in values] == [1, 2]
    assert values[1].positions[("a",)] == values[1].offset + 6


def test_comma_separated_objects_are_a_list():
    values = parse_values('{"a": 1},\n{"a": 2},\n')

    assert [v.value for v in values] == [{"a": 1}, {"a": 2}]


def test_ndjson():
    values = parse_values('{"a": 1}\n{"a": 2}\n{"a": 3}\n')

    assert len(values) == 3


def test_ndjson_bad_line_keeps_others():
    values = parse_values('{"a": 1}\n{"a": \n{"a": 3}\n')

    assert [v.value for v in values] == [{"a": 1}, {"a": 3}]
    assert values.line_errors[0][0] == 2


def test_truncated_json_names_line_and_column():
    with pytest.raises(JsonInputError) as caught:
        parse_values('{\n  "a": [1, 2\n')

    assert caught.value.line == 3
    assert "expected ',' or ']'" in caught.value.reason


def test_empty_input():
    with pytest.raises(JsonInputError, match="empty"):
        parse_values("  \n ")


def test_nesting_limit():
    deep = "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1)
    with pytest.raises(JsonInputError, match="nesting deeper"):
        parse_values('{"a": ' + deep + "}")


def test_huge_number_rejected():
    with pytest.raises(JsonInputError, match="number"):
        parse_values('{"a": ' + "9" * 5000 + "}")


def test_float_overflow_rejected():
    with pytest.raises(JsonInputError, match="range"):
        parse_values('{"a": 1e999}')


def test_surrogate_escape_decodes():
    values = parse_values('{"a": "\\ud83d\\ude80"}')

    assert values[0].value["a"] == "\U0001F680"
