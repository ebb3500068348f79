"""Names of the HTML fields for each question, and reading them back from a POST.

The same naming is used by the templates that draw the fields, so a field
the page never drew is a tampered request and is refused.
"""

from forms import other_key

# Fields every page posts that are not answers.
CONTROL_FIELDS = {"csrf_token", "_action"}
MULTI = ("choices",)


class UnknownField(Exception):
    def __init__(self, field):
        super().__init__(field)
        self.field = field


def grid_field(q, statement):
    return f"{q.id}.{statement.id}"


def rank_field(q, choice):
    return f"{q.id}.{choice.value}"


def field_names(question):
    """Every field name a question's inputs may post."""
    if question.type == "grid":
        names = {grid_field(question, s) for s in question.statements}
    elif question.type == "ranking":
        names = {rank_field(question, c) for c in question.choices}
    elif question.answerable:
        names = {question.id}
    else:
        names = set()
    if question.other:
        names.add(other_key(question.id))
    return names


def section_fields(section, posted):
    """Raw answers of one section from a POST's MultiDict; unknown fields raise UnknownField.

    Empty inputs are left out, so a cleared answer is cleared from the draft.
    """
    allowed = set(CONTROL_FIELDS)
    for q in section.questions:
        allowed |= field_names(q)
    for name in posted.keys():
        if name not in allowed:
            raise UnknownField(name[:60])
    raw = {}
    for q in section.questions:
        if q.type == "grid":
            value = {s.id: posted.get(grid_field(q, s), "") for s in q.statements}
            value = {k: v for k, v in value.items() if v.strip()}
        elif q.type == "ranking":
            value = {c.value: posted.get(rank_field(q, c), "") for c in q.choices}
            value = {k: v for k, v in value.items() if v.strip()}
        elif q.type in MULTI:
            value = [v for v in posted.getlist(q.id) if v.strip()]
        elif q.answerable:
            values = posted.getlist(q.id)
            value = values[0] if len(values) == 1 else [v for v in values if v.strip()]
        else:
            continue
        if value not in ("", [], {}) and not (isinstance(value, str) and not value.strip()):
            raw[q.id] = value
        other = posted.get(other_key(q.id), "")
        if q.other and other.strip():
            raw[other_key(q.id)] = other
    return raw
