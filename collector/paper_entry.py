"""What the paper entry pages work from: serials as typed, printed questions as numbered on paper.

Screen and paper share one numbering (printouts.routing.question_numbers), so a
volunteer reading question 5 on a copy types into the field labelled "5. ...".
Questions left off paper (print: false) were never asked, so they are never required.
"""

import json
import re
from types import SimpleNamespace

from werkzeug.datastructures import MultiDict

import forms
from forms import Condition, other_key
from printouts.routing import question_numbers

from .fields import section_fields

# Fields the entry and decision pages post that are not answers.
PAGE_FIELDS = {"_entry", "lang"}
PICK = "_pick."
MAX_SERIAL = 40


def normalise_serial(text):
    """A serial as printed ('K7P-000012') from what was typed ('k7p 000012', 'K7P000012'); None if it cannot be one."""
    serial = "-".join(p for p in re.split(r"[\s\-]+", str(text).upper()) if p)
    if re.fullmatch(r"[0-9A-Z]{3}[0-9]{6}", serial):
        serial = f"{serial[:3]}-{serial[3:]}"  # the shape `collector print` gives
    if len(serial) > MAX_SERIAL or not re.fullmatch(r"[0-9A-Z]+(-[0-9A-Z]+)*", serial):
        return None
    return serial


class NumberedText:
    """A question's label with its paper number in front, in any of the form's languages."""

    def __init__(self, number, text):
        self.number = number
        self.text = text

    def pick(self, lang):
        return f"{self.number}. {self.text.pick(lang)}"


class PaperQuestion:
    """A printed question as the entry pages draw it with the question macro.

    Its label carries the paper number, and its section's show_if is joined to
    its own, because the entry page holds every section at once: the question is
    hidden exactly when clean_answers would drop its answer.
    """

    def __init__(self, question, number, section, conditional=True):
        self.question = question
        self.number = number
        self.label = NumberedText(number, question.label)
        self.show_if = _joined(section.show_if, question.show_if) if conditional else None

    def __getattr__(self, name):
        return getattr(self.question, name)


def _joined(first, second):
    if first is None or second is None:
        return first or second
    tree = {"op": "and", "args": [first.tree, second.tree]}
    return Condition(f"({first.source}) and ({second.source})", json.dumps(tree))


def paper_sections(form, conditional=True):
    """[(section, [PaperQuestion])] for each section with a printed question, in paper order."""
    numbers = question_numbers(form)
    found = []
    for section in form.sections:
        shown = [PaperQuestion(q, numbers[q.id], section, conditional) for q in section.questions if q.id in numbers]
        if shown:
            found.append((section, shown))
    return found


def paper_questions(form, conditional=True):
    return [q for _, shown in paper_sections(form, conditional) for q in shown]


def unprinted(form):
    """Ids of the questions left off paper: not asked, so never required."""
    return frozenset(q.id for q in form.questions if not q.print)


def read_paper_answers(questions, posted):
    """Raw answers to these questions from a POST; UnknownField for a field they do not have."""
    fields = MultiDict([(k, v) for k, v in posted.items(multi=True) if k not in PAGE_FIELDS and not k.startswith(PICK)])
    return section_fields(SimpleNamespace(questions=questions), fields)


def clean_paper_answers(form, raw, lang):
    """forms.clean_answers over what was on paper: (clean answers, {question id: [messages]})."""
    return forms.clean_answers(form, raw, lang, skip=unprinted(form))


def _keys(q):
    return (q.id, other_key(q.id))


def compare_keyings(form, first, second):
    """One row per printed question: the question and whether the two keyings differ on it."""
    return [
        SimpleNamespace(q=q, differs=any(first.get(k) != second.get(k) for k in _keys(q)))
        for q in paper_questions(form, conditional=False)
    ]


def decided_answers(rows, first, second, picks, typed):
    """The answers a coordinator settled on: the keyings' where they agree, else the pick per question.

    picks maps a differing question's id to 'first', 'second' or 'paper' (typed from the copy).
    """
    chosen = {}
    for row in rows:
        source = {"first": first, "second": second, "paper": typed}[picks[row.q.id]] if row.differs else first
        chosen.update({k: source[k] for k in _keys(row.q) if k in source})
    return chosen
