"""How answers become cells: one function per question, built once per form version and language.

An export of a million responses calls these a million times each, so they
read each answer once and leave as much as they can to C (map, dict.get,
itemgetter). Pure: they know the form model and plain answers, nothing else.
"""

from operator import itemgetter

from forms import OTHER, other_key

# Words the form itself does not give, in the languages the kit speaks; others get English.
WORDS = {
    "en": {"yes": "Yes", "no": "No", OTHER: "Other", "agreed": "Agreed"},
    "cy": {"yes": "Ie", "no": "Na", OTHER: "Arall", "agreed": "Cytuno"},
}


def reader(qids):
    """The cells of questions whose stored answer is their one cell, read in one go."""
    qids = tuple(qids)
    return lambda a: map(a.get, qids)


def arrange(parts, keys, wanted):
    """cells(answers): the parts' cells, put in the order of the wanted keys (None where a
    version has no such column). The usual case, one version, needs no reordering."""
    if keys == wanted:
        def cells(a):
            out = []
            for part in parts:
                out += part(a)
            return out
        return cells
    where = {k: i for i, k in enumerate(keys)}
    picks = [where.get(k, len(keys)) for k in wanted]
    if not picks:
        return lambda a: []
    pick = itemgetter(*picks) if len(picks) > 1 else (lambda cells: (cells[picks[0]],))

    def arranged(a):
        out = []
        for part in parts:
            out += part(a)
        out.append(None)
        return list(pick(out))
    return arranged


def option_names(q, lang):
    """{stored value: label} of a question's options in lang."""
    words = WORDS.get(lang, WORDS["en"])
    names = {"yes": words["yes"], "no": words["no"]} if q.type == "yes_no" else {}
    names.update({c.value: c.label.pick(lang) for c in q.choices})
    if q.other:
        names[OTHER] = words[OTHER]
    return names


def label_value(q, value, lang):
    """A stored answer with its options as labels, for JSON lines with labels."""
    if q.type == "consent":
        return WORDS.get(lang, WORDS["en"])["agreed"] if value is True else value
    if q.type == "grid" and q.scale:
        return value
    names = option_names(q, lang)
    if isinstance(value, list):
        return [names.get(v, v) for v in value]
    if isinstance(value, dict):
        return {k: names.get(v, v) for k, v in value.items()}
    return names.get(value, value) if isinstance(value, str) else value


def flat(value):
    """A cell for an answer whose shape its column does not expect (never from a valid form)."""
    if isinstance(value, list):
        return ";".join(map(str, value))
    if isinstance(value, dict):
        return ";".join(f"{k}={v}" for k, v in value.items())
    return value


def question_cells(q, lang, labels):
    """A function from a response's answers to the cells of q's columns, in columns_of's order,
    or None when the stored answer is the one cell as it is (text, numbers, codes).

    One function per question, not per column: a choices question with ten
    options reads its answer once, which counts at a million responses.
    """
    qid = q.id
    names = option_names(q, lang) if labels else {}
    okey = other_key(qid) if q.other else None
    if q.type in ("choices", "ranking"):
        values = [c.value for c in q.choices]
        sep = "; " if labels else ";"
        blank = [None] * (len(values) + 1 + bool(okey))
        ranked = q.type == "ranking"

        def several(a):
            v = a.get(qid)
            if v is None:
                return blank
            if v.__class__ is not list:
                v = [v]
            joined = sep.join([str(names.get(x, x)) for x in v]) if names else sep.join(map(str, v))
            if ranked:
                order = {x: i for i, x in enumerate(v, 1)}
                out = [joined, *[order.get(x) for x in values]]
            else:
                chosen = set(v)
                out = [joined, *[1 if x in chosen else 0 for x in values]]
            if okey:
                out.append(a.get(okey))
            return out
        return several
    if q.type == "grid":
        sids = [s.id for s in q.statements]
        grid_names = {} if q.scale else names
        blank = [None] * len(sids)

        def grid(a):
            v = a.get(qid)
            if v.__class__ is not dict:
                return blank
            if grid_names:
                return [grid_names.get(v.get(s), v.get(s)) for s in sids]
            return [v.get(s) for s in sids]
        return grid
    if q.type == "consent":
        agreed = WORDS.get(lang, WORDS["en"])["agreed"] if labels else 1
        return lambda a: [agreed if a.get(qid) is True else None]
    if names:
        def named(a):
            v = a.get(qid)
            cell = names.get(v, v) if v.__class__ is str else flat(v)
            return [cell, a.get(okey)] if okey else [cell]
        return named

    if okey:
        return lambda a: [a.get(qid), a.get(okey)]
    return None
