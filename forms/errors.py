"""Problems found in a form, gathered so a volunteer can fix them all in one pass,
and the small helpers that word them."""

import difflib
from dataclasses import dataclass

from .spec import LANGUAGE_NAMES


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a form file, located as precisely as we can."""

    file: str
    line: int | None
    column: int | None
    message: str
    question: str | None = None
    suggestion: str | None = None

    @property
    def where(self):
        if self.line is None:
            return self.file
        return f"{self.file}:{self.line}:{self.column or 1}"

    @property
    def text(self):
        """The message with its question and suggestion, without the location."""
        text = self.message
        if self.question:
            text = f"question '{self.question}': {text}"
        if self.suggestion:
            text += f" Did you mean '{self.suggestion}'?"
        return text

    def __str__(self):
        return f"{self.where}: {self.text}"


class FormError(Exception):
    """Every problem found in one form file; raised only after the whole file is read."""

    def __init__(self, problems):
        self.problems = tuple(
            sorted(problems, key=lambda p: (p.file, p.line or 0, p.column or 0))
        )
        super().__init__("\n".join(str(p) for p in self.problems))


def suggest(word, options):
    """The closest option to a misspelt word, or None."""
    if not isinstance(word, str):
        return None
    found = difflib.get_close_matches(word.lower(), list(options), n=1, cutoff=0.6)
    return found[0] if found else None


def describe(value):
    if isinstance(value, str) and len(value) > 60:
        # Echo enough of a long value to find it, not a whole pasted paragraph.
        return f"'{value[:57]}...'"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, dict):
        return "a set of keys"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "an empty value"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    return f"'{value}'"


def language_names(langs):
    return " and ".join(LANGUAGE_NAMES.get(lang, (lang,))[0] for lang in langs)
