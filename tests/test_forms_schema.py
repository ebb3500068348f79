"""The JSON Schema editors use: generated from spec.py, kept in forms/schema.json."""

import json
import textwrap

import jsonschema
import pytest
import yaml

import forms
from forms import spec
from forms.schema import SCHEMA_PATH

from test_forms_load import EVERY_TYPE

SCHEMA = forms.build_schema()


def as_editor_sees(text):
    """YAML as a language server hands it to the schema: JSON data, keys as strings."""
    return json.loads(json.dumps(yaml.safe_load(text), default=str))


def schema_errors(text):
    validator = jsonschema.Draft202012Validator(SCHEMA)
    return [e.message for e in validator.iter_errors(as_editor_sees(text))]


def test_schema_json_matches_the_key_catalogue():
    assert SCHEMA_PATH.read_text(encoding="utf-8") == forms.schema_text(), (
        "forms/schema.json is out of date with forms/spec.py; run `make schema` and commit the result"
    )


def test_schema_is_a_valid_draft_2020_12_schema():
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_schema_text_is_the_schema_as_json():
    assert json.loads(forms.schema_text()) == SCHEMA


def test_a_valid_form_validates_against_the_schema():
    forms.load_form_text(EVERY_TYPE)  # valid for the parser too

    assert schema_errors(EVERY_TYPE) == []


def test_a_misspelt_question_key_fails_the_schema():
    found = schema_errors(EVERY_TYPE.replace("required: true", "requird: true"))

    assert found and any("requird" in message for message in found)


def test_a_misspelt_form_key_fails_the_schema():
    assert any("privcy" in m for m in schema_errors(EVERY_TYPE.replace("privacy:", "privcy:")))


def test_an_unknown_question_type_fails_the_schema():
    assert any("nubmer" in m for m in schema_errors(EVERY_TYPE.replace("type: number", "type: nubmer")))


def test_a_key_of_another_type_fails_the_schema():
    text = EVERY_TYPE.replace("label: Anything else?", "label: Anything else?\n        pattern: x")

    assert schema_errors(text)


def test_a_missing_required_key_fails_the_schema():
    text = textwrap.dedent("""\
        id: parks
        version: 1
        sections:
          - id: about
            title: About
            questions:
              - {id: a, type: text, label: A}
    """)

    assert any("'title' is a required property" in m for m in schema_errors(text))


def test_every_key_of_the_catalogue_is_in_the_schema_with_its_help():
    question = SCHEMA["$defs"]["question"]["properties"]

    assert set(SCHEMA["properties"]) == set(spec.FORM_KEYS)
    assert set(question) == set(spec.QUESTION_KEYS)
    for key in spec.QUESTION_KEYS.values():
        assert question[key.name]["description"].startswith(key.help)


@pytest.mark.parametrize("qtype", list(spec.QUESTION_TYPES))
def test_the_schema_allows_each_type_exactly_its_keys(qtype):
    rule = next(r for r in SCHEMA["$defs"]["question"]["allOf"] if r["if"]["properties"]["type"]["const"] == qtype)

    assert set(rule["then"]["propertyNames"]["enum"]) == set(spec.TYPE_KEYS[qtype])
