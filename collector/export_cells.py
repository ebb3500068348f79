"""How answers become cells: what to read of each question, and how what was read becomes its cells.

The store picks each answer out of a response (store.iter_answer_columns), so most
answers arrive as their one cell. The rest are worked out here, once per form
version and language: labels in place of codes (a dict lookup per cell), and
a choices or ranking answer spread into one cell per option (once per
distinct answer, then looked up: an export of a million responses meets the
same few answers again and again). Pure: these know the form model and plain
values, nothing else.
"""

from forms import OTHER, other_key

# Words the form itself does not give, in the languages the kit speaks; others get English.
WORDS = {
    "en": {"yes": "Yes", "no": "No", OTHER: "Other", "agreed": "Agreed"},
    "cy": {"yes": "Ie", "no": "Na", OTHER: "Arall", "agreed": "Cytuno"},
}
# Distinct answers a choices question remembers the cells of; past this it starts again.
KNOWN_ANSWERS = 4096


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


def question_reads(q):
    """What an export reads of q's answer, in the store's terms: [(keys, kind)].

    kind is "value" (the answer as it is), "number" (the same, for a number
    that may have decimals), "list" (the answer as stored, a list: a choices or
    ranking answer) or "true" (1 when it is true, else nothing: a consent). A
    grid has a value per statement; an 'other' text comes last. None for a note.
    """
    if not q.answerable:
        return []
    if q.type == "grid":
        reads = [((q.id, s.id), "value") for s in q.statements]
    else:
        kind = ("list" if q.type in ("choices", "ranking") else "true" if q.type == "consent"
                else "number" if q.type == "number" and q.decimals else "value")
        reads = [((q.id,), kind)]
    if q.other:
        reads.append(((other_key(q.id),), "value"))
    return reads


def question_cells(q, lang, labels, text=False):
    """How the values of q's reads become the cells of its columns: (names, spread).

    names maps the place of a read among q's reads to {value: label}: a value
    found there is written as its label, any other as it is. spread, for a
    choices or ranking question, is spread(columns, i): it replaces, in place,
    the column of answers read at columns[i] by the question's columns of cells
    in columns_of's order (its 'other' text, read next, stays where it is).
    None for the others, whose reads are their cells. With text, the values and cells are all str, as
    the store reads them for CSV ('' where there is nothing).
    """
    names = option_names(q, lang) if labels else {}
    if q.type in ("choices", "ranking"):
        return {}, _Several(q, names, text)
    if q.type == "grid":
        return ({i: names for i in range(len(q.statements))} if names and not q.scale else {}), None
    if q.type == "consent":
        return ({0: {"1" if text else 1: WORDS.get(lang, WORDS["en"])["agreed"]}} if labels else {}), None
    return ({0: names} if names else {}), None


class _Several:
    """How a choices or ranking question's answer (a list of codes, as stored) becomes its cells:
    the options joined, then one cell per option (1 or 0 chosen, or the rank).

    spread(columns, i) replaces, in place, the column of answers at columns[i]
    by the question's columns of cells. Most people give one of a few answers, so each distinct answer
    is spread once and then looked up. A question not answered has its 'other'
    text (read next) left out too. With text, the cells are str.
    """

    def __init__(self, q, names, text):
        self.values = [c.value for c in q.choices]
        self.names = names
        self.sep = "; " if names else ";"
        self.ranked = q.type == "ranking"
        self.other = q.other
        self.nothing = "" if text else None
        self.number = str if text else int
        self.yes, self.no = self.number(1), self.number(0)
        self.blank = (self.nothing,) * (len(self.values) + 1)
        self.known = {}

    def cells(self, answer):
        """The cells of one answer."""
        if answer is None:
            return self.blank
        # A list of codes, remembered by its codes (the class too for anything else: True is not "True").
        key = tuple(answer) if answer.__class__ is list else (answer.__class__, answer)
        try:
            cells = self.known.get(key)
            if cells is None:
                if len(self.known) >= KNOWN_ANSWERS:
                    self.known.clear()
                cells = self.known[key] = self._cells_of(answer)
            return cells
        except TypeError:  # a list holding lists or objects: a hand-edited database; not remembered
            return self._cells_of(answer)

    def _cells_of(self, v):
        if v.__class__ is not list:
            v = [v]
        names, nothing = self.names, self.nothing
        joined = self.sep.join([str(names.get(x, x)) for x in v]) if names else self.sep.join(map(str, v))
        if self.ranked:
            order = {x: i for i, x in enumerate(v, 1)}
            return (joined, *[self.number(order[x]) if x in order else nothing for x in self.values])
        chosen = set(v)
        return (joined, *[self.yes if x in chosen else self.no for x in self.values])

    def __call__(self, columns, i):
        blank, known, cells_of = self.blank, self.known, self.cells
        cells = [blank if a is None else (known.get(tuple(a)) if a.__class__ is list else None) or cells_of(a)
                 for a in columns[i]]
        if self.other:
            columns[i + 1] = [self.nothing if c is blank else o for c, o in zip(cells, columns[i + 1])]
        columns[i:i + 1] = list(zip(*cells)) if cells else [()] * len(blank)
