"""The form definition language: YAML forms read into a validated, immutable model.

Pure Python: nothing here imports Flask, SQLite or reportlab, so every other
part of the kit can depend on it.
"""

from .errors import FormError, Problem
from .expr import evaluate, parse_condition
from .model import OTHER, Choice, Condition, Form, Question, Scale, Section, Statement, Text, other_key
from .parse import load_form, load_form_text
from .schema import build_schema, schema_text
from .validate import Message, clean_answers, validate_answers

__all__ = [
    "Choice", "Condition", "Form", "FormError", "Message", "OTHER", "Problem", "Question",
    "Scale", "Section", "Statement", "Text", "build_schema", "clean_answers", "evaluate",
    "load_form", "load_form_text", "other_key", "parse_condition", "schema_text",
    "validate_answers",
]
