"""The figures in the summary report, worked out apart from how they are drawn.

Counting answers, hiding small counts of special category data and summing
numbers are the parts of the report that must be right, so they live here as
plain functions of plain values, with no reportlab in sight.
"""

import statistics
from collections import Counter
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from forms import OTHER, other_key

# As collector/uktime.py (printouts does not import the collector): the report's readers count days in the UK.
UK_TIME = ZoneInfo("Europe/London")


def is_answered(value):
    return value is not None and value != "" and value != [] and value != {}


def split_by_version(form, responses):
    """(responses to the form's current version, how many to other versions were left out)."""
    counted, left_out = [], 0
    for response in responses:
        if response.get("deleted_at"):
            continue
        if str(response.get("form_version")) == str(form.version):
            counted.append(response)
        else:
            left_out += 1
    return counted, left_out


def values_of(q, responses):
    """The answers given to q, in the order the responses came."""
    return [r["answers"][q.id] for r in responses if is_answered((r.get("answers") or {}).get(q.id))]


def other_texts(q, responses):
    """What people wrote beside 'Other' for q, in the order the responses came."""
    out = []
    for r in responses:
        answers = r.get("answers") or {}
        chosen = answers.get(q.id)
        chosen = chosen if isinstance(chosen, list) else [chosen]
        text = answers.get(other_key(q.id))
        if OTHER in chosen and isinstance(text, str) and text.strip():
            out.append(text.strip())
    return out


def grouped(texts):
    """[(text, how many gave it)]: the same answer (ignoring case and spacing) once, the most given first."""
    first, counts = {}, Counter()
    for text in texts:
        text = str(text).strip()
        key = " ".join(text.split()).casefold()
        first.setdefault(key, text)
        counts[key] += 1
    order = sorted(first, key=lambda key: -counts[key])  # sorted() is stable: ties keep their order
    return [(first[key], counts[key]) for key in order]


def option_counts(q, values):
    """[(value, count)] for each option of a choice, choices or yes_no question, in the form's order.

    A value the form does not list (kept from an import, say) is counted after the listed ones.
    """
    counts = Counter(v for value in values for v in (value if isinstance(value, list) else [value]))
    options = q.choice_values()
    extra = [v for v in counts if v not in options]
    return [(v, counts.get(v, 0)) for v in options + sorted(extra, key=str)]


def point_counts(q, values):
    """[(point, count)] for each point of a scale question."""
    counts = Counter(str(v) for v in values)  # an imported 3 may have come as '3'
    return [(p, counts.get(str(p), 0)) for p in q.scale.points]


def ranking_figures(q, values):
    """[(value, times ranked first, mean rank or None)] for each choice of a ranking question."""
    firsts = Counter(order[0] for order in values if order)
    places = {c.value: [] for c in q.choices}
    for order in values:
        for place, value in enumerate(order, 1):
            places.setdefault(value, []).append(place)
    return [
        (value, firsts.get(value, 0), statistics.mean(found) if found else None)
        for value, found in places.items()
    ]


def grid_columns(q):
    """The columns of a grid: its scale points, or its choices' values."""
    if q.scale is not None:
        return list(q.scale.points)
    return [c.value for c in q.choices]


def grid_counts(q, values):
    """[(statement, [count per column], how many rated it)] for each statement of a grid."""
    columns = [str(p) for p in grid_columns(q)]
    out = []
    for statement in q.statements:
        given = [str(v[statement.id]) for v in values if isinstance(v, dict) and is_answered(v.get(statement.id))]
        counts = Counter(given)
        out.append((statement, [counts.get(col, 0) for col in columns], len(given)))
    return out


def numbers_of(values):
    out = []
    for value in values:
        try:
            out.append(Decimal(str(value)))
        except ArithmeticError:
            continue
    return out


def number_summary(values, decimals):
    """{count, lowest, median, mean, highest}, each as text rounded to the question's decimals."""
    numbers = numbers_of(values)
    if not numbers:
        return {"count": "0", "lowest": "", "median": "", "mean": "", "highest": ""}
    figures = {
        "lowest": min(numbers),
        "median": statistics.median(numbers),
        "mean": sum(numbers) / len(numbers),
        "highest": max(numbers),
    }
    return {"count": str(len(numbers)), **{k: rounded(v, decimals) for k, v in figures.items()}}


def rounded(number, decimals):
    """A number as text with the given decimal places, halves rounded up as people expect."""
    step = Decimal(1).scaleb(-decimals)
    return str(Decimal(number).quantize(step, rounding=ROUND_HALF_UP))


def percent(count, base):
    """'12%' of base; '<1%' for a count too small to show as a whole percent."""
    if not base:
        return ""
    share = Decimal(count) * 100 / Decimal(base)
    if 0 < share < Decimal("0.5"):
        return "<1%"
    return f"{share.quantize(Decimal(1), rounding=ROUND_HALF_UP)}%"


def suppressed(counts, threshold):
    """Indexes of counts to hide: every count from 1 to threshold - 1, and one more if only one is.

    With a single hidden count, the total minus the shown counts would give it
    away, so the next smallest count is hidden as well: the smallest above zero
    where there is one, since with a zero beside it the two hidden counts would
    still add up to the small count itself.
    """
    hidden = {i for i, n in enumerate(counts) if 0 < n < threshold}
    if len(hidden) == 1:
        rest = [i for i in range(len(counts)) if i not in hidden]
        rest.sort(key=lambda i: (counts[i] == 0, counts[i], i))
        if rest:
            hidden.add(rest[0])
    return hidden


def uk_day(stamp):
    """The UK calendar day a response was sent on, from its UTC timestamp, or None: the
    day as the people reading the report count it, whatever zone the laptop is set to."""
    if not stamp:
        return None
    try:
        when = datetime.fromisoformat(str(stamp).replace("Z", "+00:00"))
    except ValueError:
        return None
    if when.tzinfo is not None:
        try:
            when = when.astimezone(UK_TIME)
        except OverflowError:  # the very edge of the calendar
            pass
    return when.date()
