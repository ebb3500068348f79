"""The immutable model of a form that every part of the kit works from.

Web capture, paper printouts, paper entry, sync and exports all read these
objects and never the YAML, so a form means the same thing everywhere.
"""

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from types import MappingProxyType


class Text(Mapping):
    """A human-readable text in each of the form's languages."""

    __slots__ = ("_by_lang",)

    def __init__(self, by_lang):
        object.__setattr__(self, "_by_lang", MappingProxyType(dict(by_lang)))

    def __setattr__(self, name, value):
        raise AttributeError("Text is immutable")

    def __getitem__(self, lang):
        return self._by_lang[lang]

    def __iter__(self):
        return iter(self._by_lang)

    def __len__(self):
        return len(self._by_lang)

    def __hash__(self):
        return hash(tuple(sorted(self._by_lang.items())))

    def __eq__(self, other):
        return isinstance(other, Mapping) and dict(self) == dict(other)

    def __repr__(self):
        return f"Text({dict(self._by_lang)!r})"

    def pick(self, lang):
        """The text in lang, or in the first language given when lang is missing."""
        if lang in self._by_lang:
            return self._by_lang[lang]
        return next(iter(self._by_lang.values()), "")


@dataclass(frozen=True)
class Condition:
    """A parsed show_if: its source text and the JSON syntax tree both evaluators run."""

    source: str
    tree_json: str

    @property
    def tree(self):
        return json.loads(self.tree_json)

    @cached_property
    def _parsed(self):
        # The tree that holds() and references() read and never change: a page view or an answer
        # check runs every show_if of the form, over a hundred a response, and parsing the JSON
        # each time was a measurable share of the collector's time. `tree` still gives callers
        # their own copy to change.
        return json.loads(self.tree_json)

    def references(self):
        """Ids of the questions the condition reads, in order of appearance."""
        found = []

        def walk(node):
            if "answer" in node:
                if node["answer"] not in found:
                    found.append(node["answer"])
            for arg in node.get("args", ()):
                walk(arg)

        walk(self._parsed)
        return found

    def holds(self, answers):
        from .expr import evaluate

        return evaluate(self._parsed, answers)


@dataclass(frozen=True)
class Choice:
    value: str
    label: Text


@dataclass(frozen=True)
class Statement:
    id: str
    label: Text


@dataclass(frozen=True)
class Scale:
    min: int
    max: int
    labels: Mapping = field(default_factory=lambda: MappingProxyType({}))

    @property
    def points(self):
        return tuple(range(self.min, self.max + 1))


@dataclass(frozen=True)
class Question:
    id: str
    type: str
    label: Text
    hint: Text | None = None
    required: bool = False
    show_if: Condition | None = None
    personal: bool = False
    sensitive: bool = False
    print: bool = True
    max_length: int | None = None
    pattern: str | None = None
    pattern_message: Text | None = None
    min: Decimal | None = None
    max: Decimal | None = None
    decimals: int = 0
    choices: tuple = ()
    other: bool = False
    min_selected: int | None = None
    max_selected: int | None = None
    statements: tuple = ()
    scale: Scale | None = None
    line: int | None = None

    @property
    def answerable(self):
        return self.type != "note"

    def choice_values(self):
        values = [c.value for c in self.choices]
        if self.type == "yes_no":
            values = ["yes", "no"]
        if self.other:
            values.append(OTHER)
        return values


@dataclass(frozen=True)
class Section:
    id: str
    title: Text
    questions: tuple
    show_if: Condition | None = None


@dataclass(frozen=True)
class Form:
    id: str
    version: str
    title: Text
    sections: tuple
    languages: tuple = ("en",)
    description: Text | None = None
    intro: Text | None = None
    privacy: Text | None = None
    thank_you: Text | None = None
    retention_days: int | None = None
    choice_lists: Mapping = field(default_factory=lambda: MappingProxyType({}))
    source: str = ""

    @property
    def questions(self):
        return tuple(q for s in self.sections for q in s.questions)

    def question(self, qid):
        for q in self.questions:
            if q.id == qid:
                return q
        raise KeyError(qid)

    def section_of(self, qid):
        for s in self.sections:
            if any(q.id == qid for q in s.questions):
                return s
        raise KeyError(qid)


# The stored value of the "Other (please specify)" option; its text is kept
# under the key "<question id>.other".
OTHER = "other"


def other_key(qid):
    return f"{qid}.{OTHER}"
