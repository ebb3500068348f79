"""Random but valid answers to a form, derived from its model: for tests, benchmarks and demos.

Every answer goes through the one validator, so what comes back is exactly
what the store would hold for a real person's response.
"""

import random
import re
from datetime import date, timedelta
from decimal import Decimal

from .model import OTHER, other_key
from .validate import clean_answers

# Free text that is awkward to carry through files: separators, quotes, line breaks,
# Welsh letters, characters outside the BMP, and text a spreadsheet would run as a formula.
AWKWARD = (
    "Plain answer", "More benches, please", 'She said "lovely", then left', "Café; bara brith & tê",
    "Ŵyn ar y bryn, ŷd yn y cae", "Too many 🐕 on the paths", "=SUM(A1:A3)", "+44 is not a number here",
    "-not a number", "@mention", "1,5", "-5", "0042",
)
PATTERN_TRIES = ("CF10", "SA1", "A1", "AB12", "12", "1", "yes", "abc", "Example", "x")


def _text(q, rng):
    limit = q.max_length or 200
    if q.pattern:
        fits = [t for t in PATTERN_TRIES if len(t) <= limit and re.fullmatch(q.pattern, t)]
        return rng.choice(fits) if fits else None
    text = rng.choice(AWKWARD)
    if q.type == "textarea" and rng.random() < 0.3:
        text += "\nSecond line, after a break."
    return text[:limit]


def _number(q, rng):
    step = Decimal(1).scaleb(-q.decimals) if q.decimals else Decimal(1)
    low = q.min if q.min is not None else Decimal(-50)
    high = q.max if q.max is not None else low + 200
    steps = int((high - low) / step)
    value = low + step * rng.randint(0, max(steps, 0))
    return format(value, "f")


def _raw(q, rng, n):
    """A raw answer as a person might give it, or None to leave the question out."""
    t = q.type
    if t in ("text", "textarea"):
        return _text(q, rng)
    if t == "number":
        return _number(q, rng)
    if t == "yes_no":
        return rng.choice(("yes", "no"))
    if t == "choice":
        return rng.choice(q.choice_values())
    if t == "choices":
        values = q.choice_values()
        low = q.min_selected or 1
        high = min(q.max_selected or len(values), len(values))
        return rng.sample(values, rng.randint(low, max(low, high)))
    if t == "scale":
        return rng.choice(q.scale.points)
    if t == "grid":
        points = q.scale.points if q.scale else [c.value for c in q.choices]
        return {s.id: rng.choice(points) for s in q.statements}
    if t == "ranking":
        values = [c.value for c in q.choices]
        rng.shuffle(values)
        return values if q.required else values[:rng.randint(1, len(values))]
    if t == "date":
        return (date(2020, 1, 1) + timedelta(days=rng.randint(0, 2500))).isoformat()
    if t == "email":
        return f"person{n}@example.com"
    if t == "phone":
        return f"01632 960{n % 1000:03d}"
    if t == "postcode":
        return rng.choice(("CF10 1AA", "sa1 1aa", "LL57 2DG", "NP20 4UR"))
    if t == "consent":
        return True
    return None


def sample_answers(form, rng=None, lang=None, n=0, skip=0.15):
    """One response's valid answers, as stored: each optional question left out with
    probability skip. rng is a random.Random (seed it for repeatable answers); n
    makes contact details differ between responses."""
    rng = rng or random.Random()
    raw = {}
    for q in form.questions:
        if not q.answerable or (not q.required and rng.random() < skip):
            continue
        value = _raw(q, rng, n)
        if value is None:
            continue
        raw[q.id] = value
        picked = value if isinstance(value, list) else [value]
        if q.other and OTHER in picked:
            raw[other_key(q.id)] = _text(q, rng) or "Something else"
    clean, errors = clean_answers(form, raw, lang)
    if errors:
        # An answer the sampler could not make valid (a pattern, a rule) is left out.
        for qid in errors:
            raw.pop(qid, None)
        clean, errors = clean_answers(form, raw, lang)
    if errors:
        raise ValueError(f"cannot make valid answers to {form.id}: {errors}")
    return clean
