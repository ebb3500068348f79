"""Build the JSON Schema of the form language from the key catalogue in spec.py.

Editors with a YAML language server use it to complete keys and flag
mistakes while a person types; forms/schema.json is this output, and a test
fails when the two drift apart.
"""

import json
from pathlib import Path

from . import spec

SCHEMA_PATH = Path(__file__).with_name("schema.json")
SCHEMA_ID = "https://consultation-collector.example/forms/schema.json"

_KINDS = {
    "id": {"type": "string", "pattern": "^[a-z][a-z0-9_]*$", "maxLength": 64},
    "version": {"type": ["string", "integer", "number"]},
    "text": {"$ref": "#/$defs/text"},
    "languages": {"oneOf": [
        {"type": "string", "pattern": "^[a-z]{2,3}$"},
        {"type": "array", "items": {"type": "string", "pattern": "^[a-z]{2,3}$"}, "minItems": 1, "uniqueItems": True},
    ]},
    "choice_lists": {"type": "object", "additionalProperties": {"$ref": "#/$defs/choice_list"}},
    "sections": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/section"}},
    "questions": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/question"}},
    "condition": {"type": "string", "minLength": 1},
    "type": {"enum": list(spec.QUESTION_TYPES)},
    "bool": {"type": "boolean"},
    "int": {"type": "integer"},
    "positive_int": {"type": "integer", "minimum": 1},
    "nonneg_int": {"type": "integer", "minimum": 0},
    "number": {"type": "number"},
    "regex": {"type": "string", "format": "regex"},
    "scale_labels": {"type": "object", "propertyNames": {"pattern": "^-?[0-9]+$"}, "additionalProperties": {"$ref": "#/$defs/text"}},
    "choices": {"oneOf": [{"type": "string", "description": "The name of a choice_lists entry."}, {"$ref": "#/$defs/choice_list"}]},
    "statements": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/statement"}},
    "grid_scale": {"$ref": "#/$defs/grid_scale"},
    "value": {"type": ["string", "number"]},
}


def _object(keys, description=None):
    out = {"type": "object"}
    if description:
        out["description"] = description
    out["properties"] = {k.name: {**_KINDS[k.kind], "description": k.help} for k in keys.values()}
    required = [k.name for k in keys.values() if k.required]
    if required:
        out["required"] = required
    out["additionalProperties"] = False
    return out


def build_schema():
    """The JSON Schema for form files, as a dict."""
    question = _object(spec.QUESTION_KEYS, "One question.")
    question["allOf"] = [
        {
            "if": {"properties": {"type": {"const": qtype}}, "required": ["type"]},
            "then": {"propertyNames": {"enum": list(spec.TYPE_KEYS[qtype])}},
        }
        for qtype in spec.QUESTION_TYPES
    ]
    question["properties"]["type"]["enum"] = list(spec.QUESTION_TYPES)
    question["properties"]["type"]["description"] += " " + " ".join(
        f"{t}: {h}" for t, h in spec.QUESTION_TYPES.items()
    )
    choice = _object(spec.CHOICE_KEYS, "One option.")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "Collector form",
        "description": "A consultation form for Collector. See docs/forms.md.",
        **_object(spec.FORM_KEYS),
        "$defs": {
            "text": {
                "description": "Text, or text by language such as {en: ..., cy: ...}.",
                "oneOf": [
                    {"type": "string", "minLength": 1},
                    {"type": "number"},
                    {"type": "object", "propertyNames": {"pattern": "^[a-z]{2,3}$"}, "additionalProperties": {"type": "string", "minLength": 1}, "minProperties": 1},
                ],
            },
            "section": _object(spec.SECTION_KEYS, "One section: a page on screen."),
            "question": question,
            "choice_list": {"type": "array", "minItems": 1, "items": {"oneOf": [{"type": ["string", "number"]}, choice]}},
            "statement": _object(spec.STATEMENT_KEYS, "One statement of a grid."),
            "grid_scale": _object(spec.GRID_SCALE_KEYS, "The scale shared by a grid's statements."),
        },
    }


def schema_text():
    return json.dumps(build_schema(), indent=2, ensure_ascii=False) + "\n"
