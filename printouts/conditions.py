"""A show_if syntax tree in plain words, for the people filling in a paper form.

Screens hide a question until its condition holds; paper cannot, so a
condition that is not a simple routing ("Go to question 7") is printed before
its question: "Answer this question only if you answered 'Yes' to question 3
and your answer to question 5 is 10 or less." Questions are named by their
printed numbers and answers by their labels, never by ids.

English clauses come without "if"; Welsh clauses start with "os" (or "os na"),
because Welsh negates and joins them there ("... ac os yw ...").
"""

from datetime import date

from forms import OTHER

from .words import join_or, quoted, say

SINGLE_CHOICE = ("choice", "yes_no")
MULTI = ("choices", "ranking")
_FLIP = {"<": ">", ">": "<", "<=": ">=", ">=": "<=", "==": "==", "!=": "!="}


class Namer:
    """What a clause needs to know about the form: question numbers and answer labels."""

    def __init__(self, form, numbers):
        self.questions = {q.id: q for q in form.questions}
        self.numbers = numbers

    def question(self, qid):
        return self.questions.get(qid)

    def ref(self, qid, lang, case="bare"):
        """'question 5', or the question's label when it is not printed.

        Welsh mutates after prepositions: "i gwestiwn 5", "yng nghwestiwn 5".
        """
        n = self.numbers.get(qid)
        q = self.questions.get(qid)
        if lang == "cy":
            if n is not None:
                return {"bare": f"cwestiwn {n}", "to": f"i gwestiwn {n}", "at": f"yng nghwestiwn {n}"}[case]
            label = quoted(q.label.pick(lang)) if q else quoted(qid)
            return {"bare": f"y cwestiwn {label}", "to": f"i'r cwestiwn {label}", "at": f"yn y cwestiwn {label}"}[case]
        if n is not None:
            return f"question {n}"
        return f"the question {quoted(q.label.pick(lang)) if q else quoted(qid)}"

    def value(self, qid, value, lang):
        """An answer as printed: a choice's label in quotes, a number as it is, a date as DD/MM/YYYY."""
        q = self.questions.get(qid)
        if q is not None and q.type == "yes_no" and value in ("yes", "no"):
            return quoted(say(value, lang))
        if q is not None and value == OTHER and q.other:
            return quoted(say("other_short", lang))
        if q is not None:
            for choice in q.choices:
                if choice.value == value:
                    return quoted(choice.label.pick(lang))
        if q is not None and q.type == "date" and isinstance(value, str):
            try:
                return date.fromisoformat(value).strftime("%d/%m/%Y")
            except ValueError:
                pass
        if isinstance(value, str):
            return quoted(value)
        return str(value)

    def values(self, qid, values, lang):
        return join_or([self.value(qid, v, lang) for v in values], lang)


def describe(tree, lang, namer):
    """The condition in words, as a clause to put after 'only if' (English) or 'dim ond' (Welsh)."""
    return _clause(tree, lang, namer, negated=False)[0]


def _clause(node, lang, namer, negated):
    """(words, 'and' / 'or' / None): the joining word at the top, so a parent knows to bracket it."""
    op = node.get("op")
    if op in ("and", "or"):
        if negated:  # De Morgan, so that the negation reaches plain comparisons
            op = "or" if op == "and" else "and"
        parts = []
        for arg in node["args"]:
            text, inner = _clause(arg, lang, namer, negated)
            parts.append(f"({text})" if inner not in (None, op) else text)
        joiner = {"and": (" and ", " ac "), "or": (" or ", " neu ")}[op][lang == "cy"]
        return joiner.join(parts), op
    if op == "not":
        return _clause(node["args"][0], lang, namer, not negated)
    if op == "answered":
        return _answered(node["args"][0]["answer"], lang, namer, negated), None
    return _comparison(node, lang, namer, negated), None


def _answered(qid, lang, namer, negated):
    q = namer.question(qid)
    if q is not None and q.type == "consent":
        if lang == "cy":
            verb = "os na wnaethoch dicio" if negated else "os gwnaethoch dicio"
            return f"{verb}'r blwch {namer.ref(qid, lang, 'at')}"
        verb = "did not tick" if negated else "ticked"
        return f"you {verb} the box at {namer.ref(qid, lang)}"
    if lang == "cy":
        verb = "os na wnaethoch ateb" if negated else "os gwnaethoch ateb"
        return f"{verb} {namer.ref(qid, lang)}"
    return f"you {'did not answer' if negated else 'answered'} {namer.ref(qid, lang)}"


def _comparison(node, lang, namer, negated):
    op = node["op"]
    left, right = node["args"]
    if "answer" in right and "answer" not in left and op not in ("in", "not in"):
        left, right, op = right, left, _FLIP[op]
    if "answer" not in left and "answer" in right:
        # 'value' in q, or ['a', 'b'] in q: q has several answers.
        return _ticked(right["answer"], left["value"], op, lang, namer, negated)
    if "answer" not in right:
        return _about(left["answer"], op, right["value"], lang, namer, negated)
    # Two questions compared with each other: rare enough to say it generically.
    a, b = namer.ref(left["answer"], lang), namer.ref(right["answer"], lang)
    words = {"==": ("the same as", "yr un fath â"), "!=": ("different from", "yn wahanol i"),
             "<": ("less than", "yn llai na"), "<=": ("no more than", "ddim yn fwy na"),
             ">": ("more than", "yn fwy na"), ">=": ("no less than", "ddim yn llai na"),
             "in": ("one of the answers to", "yn un o'r atebion i"),
             "not in": ("not one of the answers to", "ddim yn un o'r atebion i")}[op][lang == "cy"]
    if lang == "cy":
        return f"os {'nad' if negated else 'yw'} eich ateb i {a} {words} eich ateb i {b}"
    return f"your answer to {a} is {'not ' if negated else ''}{words} your answer to {b}"


def _ticked(qid, value, op, lang, namer, negated):
    values = value if isinstance(value, list) else [value]
    labels = namer.values(qid, values, lang)
    q = namer.question(qid)
    ranking = q is not None and q.type == "ranking"
    if op == "not in":
        if lang == "cy":
            verb = f"heb roi rhif i {labels}" if ranking else f"heb dicio {labels}"
            return f"{'os na wnaethoch' if negated else 'os gwnaethoch'} ateb {namer.ref(qid, lang)} {verb}"
        if negated:
            negated, op = False, "in"
        else:
            verb = f"without numbering {labels}" if ranking else f"without ticking {labels}"
            return f"you answered {namer.ref(qid, lang)} {verb}"
    if lang == "cy":
        start = "os na wnaethoch" if negated else "os gwnaethoch"
        if ranking:
            return f"{start} roi rhif i {labels} {namer.ref(qid, lang, 'at')}"
        return f"{start} dicio {labels} {namer.ref(qid, lang, 'at')}"
    start = "you did not" if negated else "you"
    if ranking:
        return f"{start} {'give' if negated else 'gave'} a number to {labels} at {namer.ref(qid, lang)}"
    return f"{start} {'tick' if negated else 'ticked'} {labels} at {namer.ref(qid, lang)}"


def _about(qid, op, value, lang, namer, negated):
    q = namer.question(qid)
    kind = q.type if q is not None else "text"
    values = value if isinstance(value, list) else [value]
    shown = namer.values(qid, values, lang)
    cy = lang == "cy"
    if op in ("==", "in") or (op in ("!=", "not in") and negated):
        if op in ("!=", "not in"):
            # not (q != x) also holds when q is unanswered.
            extra = (" neu os na wnaethoch ei ateb" if cy else ", or did not answer it")
            negated = False
        else:
            extra = ""
        if kind in SINGLE_CHOICE or kind in MULTI:
            if cy:
                return f"{'os na wnaethoch' if negated else 'os gwnaethoch'} ateb {shown} {namer.ref(qid, lang, 'to')}{extra}"
            return f"you {'did not answer' if negated else 'answered'} {shown} to {namer.ref(qid, lang)}{extra}"
        if cy:
            return f"os {'nad ' if negated else ''}{shown} yw eich ateb {namer.ref(qid, lang, 'to')}{extra}"
        return f"your answer to {namer.ref(qid, lang)} is {'not ' if negated else ''}{shown}{extra}"
    if op in ("!=", "not in"):
        if cy:
            return f"os gwnaethoch roi ateb heblaw {shown} {namer.ref(qid, lang, 'to')}"
        return f"you gave an answer other than {shown} to {namer.ref(qid, lang)}"
    return _order(qid, kind, op, shown, lang, namer, negated)


_ORDER_WORDS = {
    # op: (English, Welsh), with {v} for the value
    "<": ("less than {v}", "o dan {v}"),
    "<=": ("{v} or less", "yn {v} neu lai"),
    ">": ("more than {v}", "dros {v}"),
    ">=": ("{v} or more", "yn {v} neu fwy"),
}
_DATE_WORDS = {
    "<": ("before {v}", "cyn {v}"),
    "<=": ("on or before {v}", "ar {v} neu cyn hynny"),
    ">": ("after {v}", "ar ôl {v}"),
    ">=": ("on or after {v}", "ar {v} neu ar ôl hynny"),
}


def _order(qid, kind, op, shown, lang, namer, negated):
    table = _DATE_WORDS if kind == "date" else _ORDER_WORDS
    english, welsh = table[op]
    if lang == "cy":
        phrase = welsh.format(v=shown)
        if negated:
            return f"os nad yw eich ateb {namer.ref(qid, lang, 'to')} {phrase}"
        return f"os yw eich ateb {namer.ref(qid, lang, 'to')} {phrase}"
    return f"your answer to {namer.ref(qid, lang)} is {'not ' if negated else ''}{english.format(v=shown)}"
