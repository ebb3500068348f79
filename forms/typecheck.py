"""Catch show_if conditions that can never be true, at load time.

A comparison of a choice question with a value that is not one of its choices,
or of a number with text, would silently hide a question from everyone; here
it becomes a located problem instead.
"""

from datetime import date

from .spec import CHOICE_TYPES
from .validate import normalise_postcode

MULTI = ("choices", "ranking")
NUMERIC = ("number", "scale")
ORDER = ("<", "<=", ">", ">=")


def check_condition(tree, questions):
    """Messages for every comparison in tree that cannot work; questions maps id to Question."""
    messages = []

    def walk(node):
        op = node.get("op")
        if op in ("and", "or", "not"):
            for arg in node["args"]:
                walk(arg)
        elif op == "answered":
            # A note never has an answer, so answered(note) would hide for ever.
            q = questions[node["args"][0]["answer"]]
            if not q.answerable:
                messages.append(f"'{q.id}' is a note and is never answered; answered({q.id}) is always false.")
        elif op is not None:
            left, right = node["args"]
            for side, other in ((left, right), (right, left)):
                if "answer" in side:
                    messages.extend(_check(op, questions[side["answer"]], other, side is left))

    walk(tree)
    return messages


def _check(op, q, other, on_left):
    if not q.answerable:
        return [f"'{q.id}' is a note and has no answer to compare."]
    if q.type in ("grid", "consent"):
        return [f"'{q.id}' is a {q.type} question; only answered({q.id}) can be used in a condition."]
    if op in ("in", "not in") and not on_left and q.type not in MULTI:
        # `in` looks inside a list; a question with one answer has none to look in.
        advice = f"; write {q.id} == {_show(other['value'])}" if "value" in other and not isinstance(other["value"], list) else ""
        return [f"'{op}' needs a list or a question with several answers after it, but '{q.id}' is a {q.type} question{advice}."]
    if "value" not in other:
        return []
    value = other["value"]
    values = value if isinstance(value, list) else [value]
    problems = []
    if q.type in MULTI and op in ("==", "!="):
        shown = _show(values[0]) if values else "'x'"
        problems.append(f"'{q.id}' can have several answers; use {shown} in {q.id} instead of '{op}'.")
    if op in ORDER and q.type not in NUMERIC + ("date",):
        problems.append(f"'{op}' compares numbers or dates, but '{q.id}' is a {q.type} question.")
    if op in ("in", "not in") and on_left and q.type in MULTI and not isinstance(value, list):
        problems.append(f"'{q.id}' can have several answers; write it on the right: {_show(value)} in {q.id}.")
    if q.type in CHOICE_TYPES + ("yes_no",):
        allowed = q.choice_values()
        for v in values:
            if not isinstance(v, str):
                if str(v) in allowed:
                    problems.append(f"choice values are text; write '{v}' in quotes.")
                else:
                    problems.append(f"{v} is not one of the choices of '{q.id}' ({_list(allowed)}).")
            elif v not in allowed:
                problems.append(f"'{v}' is not one of the choices of '{q.id}' ({_list(allowed)}).")
    elif q.type in NUMERIC:
        for v in values:
            if not isinstance(v, (int, float)):
                problems.append(f"'{q.id}' has a number for its answer; compare it with a number, not {_show(v)}.")
            elif q.type == "scale" and q.scale and op not in ORDER and not (q.scale.min <= v <= q.scale.max):
                problems.append(f"{v} is outside the scale of '{q.id}', which runs from {q.scale.min} to {q.scale.max}.")
            elif q.type == "scale" and q.scale and op in ORDER and not any(_holds(op, p, v, on_left) for p in q.scale.points):
                # `rating > 9` on a 1 to 5 scale would hide the question from everyone.
                shown = f"{q.id} {op} {v}" if on_left else f"{v} {op} {q.id}"
                problems.append(f"{shown} is never true: the scale of '{q.id}' runs from {q.scale.min} to {q.scale.max}.")
    else:
        for v in values:
            if not isinstance(v, str):
                problems.append(f"'{q.id}' has text for its answer; put {v} in quotes: '{v}'.")
            elif q.type == "postcode" and normalise_postcode(v) != v:
                # Postcode answers are stored in capitals with one space.
                fixed = normalise_postcode(v)
                problems.append(f"'{q.id}' is a postcode, stored as " + (f"'{fixed}'; write that instead of {_show(v)}." if fixed else f"a UK postcode such as 'CF10 1AA'; {_show(v)} is not one."))
            elif q.type == "date" and not _iso_date(v):
                # Date answers are stored as YYYY-MM-DD and compared as text, so
                # '1/6/2024' would compare wrongly with every answer.
                problems.append(f"'{q.id}' is a date; write dates in show_if as 'YYYY-MM-DD', such as '2024-06-01', not {_show(v)}.")
    return problems


def _iso_date(text):
    try:
        return date.fromisoformat(text).isoformat() == text
    except ValueError:
        return False


def _holds(op, point, value, point_on_left):
    left, right = (point, value) if point_on_left else (value, point)
    return {"<": left < right, "<=": left <= right, ">": left > right, ">=": left >= right}[op]


def _show(v):
    return f"'{v}'" if isinstance(v, str) else str(v)


def _list(values):
    return ", ".join(f"'{v}'" for v in values)
