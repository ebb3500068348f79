"""The one validator of answers, shared by web capture, paper entry, sync and imports.

It normalises what people typed (trims, types, postcodes in capitals, dates
as YYYY-MM-DD), drops answers to questions that are hidden by show_if, and
asks for required answers only where the question is shown.
"""

import math
import re
from datetime import date
from decimal import Decimal, InvalidOperation

from .model import OTHER, other_key

# Longest answers accepted where the form sets no max_length.
DEFAULT_MAX_LENGTH = {"text": 1000, "textarea": 10000, "email": 254, "phone": 30, "postcode": 10}

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]{2,}$")
POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?)([0-9][A-Z]{2})$")
PHONE_CHARS = re.compile(r"^\+?[0-9 ()\-]+$")
TRUTHY = ("1", "true", "yes", "on", "y")


class Message(str):
    """A validation message in English that remembers its template and values,
    so the web app can show it in Welsh from its own catalogue."""

    def __new__(cls, template, **params):
        text = template % params if params else template
        self = super().__new__(cls, text)
        self.template = template
        self.params = params
        return self


def N_(text):
    """Marks a message template for the translation catalogue."""
    return text


REQUIRED = N_("Answer this question.")
CONSENT = N_("Tick the box to agree before going on.")
UNKNOWN = N_("This form has no question called '%(id)s'.")
ONE_ANSWER = N_("Give one answer only.")
TOO_LONG = N_("Use %(max)s characters or fewer.")
BAD_CHARACTERS = N_("This answer contains characters that cannot be stored.")
NOT_MATCHING = N_("This answer is not in the expected format.")
NUMBER = N_("Enter a number, like 12 or 12.5.")
WHOLE_NUMBER = N_("Enter a whole number, like 12.")
DECIMALS = N_("Use no more than %(places)s decimal places.")
AT_LEAST = N_("Enter %(min)s or more.")
AT_MOST = N_("Enter %(max)s or less.")
PICK_ONE = N_("Pick one of the options given.")
PICK_LISTED = N_("Pick only from the options given.")
MIN_SELECTED = N_("Pick at least %(n)s options.")
MAX_SELECTED = N_("Pick no more than %(n)s options.")
OTHER_TEXT = N_("Say what 'Other' is.")
SCALE_POINT = N_("Pick a point from %(min)s to %(max)s.")
EVERY_STATEMENT = N_("Answer every statement.")
RANK_NUMBERS = N_("Rank with numbers from 1 to %(n)s.")
RANK_ONCE = N_("Give each option a different rank.")
YES_OR_NO = N_("Answer yes or no.")
DATE = N_("Enter a real date, like 27/03/2025.")
EMAIL_ADDRESS = N_("Enter an email address, like name@example.com.")
PHONE = N_("Enter a phone number, like 01632 960001 or +44 7700 900123.")
UK_POSTCODE = N_("Enter a UK postcode, like CF10 1AA.")


class _Invalid(Exception):
    def __init__(self, message):
        self.message = message


def validate_answers(form, answers, lang=None):
    """{question_id: [messages]} for answers; empty when they can be stored."""
    return clean_answers(form, answers, lang)[1]


def clean_answers(form, answers, lang=None, skip=frozenset()):
    """Normalise answers against form: (clean answers, {question_id: [messages]}).

    answers maps question ids to what was given: text, numbers, lists for
    questions with several answers, {statement: value} for grids, and the text
    of an 'Other' choice under '<id>.other'. Only answers to questions that are
    shown come back. Questions whose ids are in skip count as hidden: not asked,
    so never required (paper entry skips those left off paper by print: false).
    """
    lang = lang or form.languages[0]
    errors = {}
    clean = {}
    known = set()
    for q in form.questions:
        known.add(q.id)
        if q.other:
            known.add(other_key(q.id))
    for key in answers:
        if key not in known:
            errors[key] = [Message(UNKNOWN, id=key)]

    for section in form.sections:
        if section.show_if and not section.show_if.holds(clean):
            continue
        for q in section.questions:
            if not q.answerable or q.id in skip or (q.show_if and not q.show_if.holds(clean)):
                continue
            try:
                value = _clean(q, answers.get(q.id), lang)
                if value is None:
                    if q.required:
                        raise _Invalid(Message(CONSENT if q.type == "consent" else REQUIRED))
                    continue
                if q.other and (value == OTHER or (isinstance(value, list) and OTHER in value)):
                    text = _text(answers.get(other_key(q.id)), q, 1000)
                    if text is None:
                        raise _Invalid(Message(OTHER_TEXT))
                    clean[other_key(q.id)] = text
            except _Invalid as exc:
                errors.setdefault(q.id, []).append(exc.message)
                continue
            clean[q.id] = value
    return clean, errors


def _empty(raw):
    if raw is None:
        return True
    if isinstance(raw, str):
        return not raw.strip()
    if isinstance(raw, (list, dict)):
        return all(_empty(v) for v in (raw.values() if isinstance(raw, dict) else raw))
    return False


def _single(raw):
    if isinstance(raw, list):
        items = [v for v in raw if not _empty(v)]
        if len(items) > 1:
            raise _Invalid(Message(ONE_ANSWER))
        return items[0] if items else None
    if isinstance(raw, dict):
        raise _Invalid(Message(ONE_ANSWER))
    return raw


def _clean(q, raw, lang):
    if _empty(raw):
        return None
    handler = _CLEANERS[q.type]
    return handler(q, raw, lang)


def _text(raw, q, limit=None):
    raw = _single(raw)
    if raw is None:
        return None
    if isinstance(raw, bool) or not isinstance(raw, (str, int, float)):
        raise _Invalid(Message(ONE_ANSWER))
    text = str(raw).replace("\r\n", "\n").strip()
    if not text:
        return None
    if "\x00" in text:
        raise _Invalid(Message(BAD_CHARACTERS))
    if q.type != "textarea":
        text = " ".join(text.split())
    limit = limit or q.max_length or DEFAULT_MAX_LENGTH.get(q.type, 1000)
    if len(text) > limit:
        raise _Invalid(Message(TOO_LONG, max=limit))
    return text


def _clean_text(q, raw, lang):
    text = _text(raw, q)
    if text is not None and q.pattern and not re.fullmatch(q.pattern, text):
        if q.pattern_message is not None:
            raise _Invalid(q.pattern_message.pick(lang))
        raise _Invalid(Message(NOT_MATCHING))
    return text


def _clean_number(q, raw, lang):
    raw = _single(raw)
    if isinstance(raw, bool):
        raise _Invalid(Message(NUMBER if q.decimals else WHOLE_NUMBER))
    if isinstance(raw, float) and math.isfinite(raw):
        # A stored answer comes back as a float; str(0.00001) is '1e-05',
        # which the pattern below would refuse, so write it out in full.
        raw = format(Decimal(repr(raw)), "f")
    text = str(raw).strip().replace(" ", "")
    text = re.sub(r"(?<=\d),(?=\d{3}\b)", "", text)
    # Refuse overlong input rather than cut it, which would change the number.
    if len(text) > 40 or not re.fullmatch(r"[-+]?(\d+(\.\d*)?|\.\d+)", text):
        raise _Invalid(Message(NUMBER if q.decimals else WHOLE_NUMBER))
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise _Invalid(Message(NUMBER))
    places = -number.normalize().as_tuple().exponent if number != number.to_integral() else 0
    if places > q.decimals:
        raise _Invalid(Message(DECIMALS, places=q.decimals) if q.decimals else Message(WHOLE_NUMBER))
    if q.min is not None and number < q.min:
        raise _Invalid(Message(AT_LEAST, min=_plain(q.min)))
    if q.max is not None and number > q.max:
        raise _Invalid(Message(AT_MOST, max=_plain(q.max)))
    return int(number) if number == number.to_integral() and q.decimals == 0 else float(number)


def _plain(number):
    return format(number.normalize(), "f") if isinstance(number, Decimal) else str(number)


def _clean_choice(q, raw, lang):
    value = _single(raw)
    value = str(value).strip() if isinstance(value, (str, int)) and not isinstance(value, bool) else None
    if value not in q.choice_values():
        raise _Invalid(Message(PICK_ONE))
    return value


def _clean_choices(q, raw, lang):
    items = raw if isinstance(raw, list) else [raw]
    allowed = q.choice_values()
    picked = []
    for item in items:
        if _empty(item):
            continue
        value = str(item).strip() if isinstance(item, (str, int)) and not isinstance(item, bool) else None
        if value not in allowed:
            raise _Invalid(Message(PICK_LISTED))
        if value not in picked:
            picked.append(value)
    if not picked:
        return None
    picked.sort(key=allowed.index)
    if q.min_selected and len(picked) < q.min_selected:
        raise _Invalid(Message(MIN_SELECTED, n=q.min_selected))
    if q.max_selected and len(picked) > q.max_selected:
        raise _Invalid(Message(MAX_SELECTED, n=q.max_selected))
    return picked


def _point(raw, scale):
    raw = _single(raw)
    text = str(raw).strip() if raw is not None and not isinstance(raw, bool) else ""
    if not re.fullmatch(r"-?\d+", text) or not scale.min <= int(text) <= scale.max:
        raise _Invalid(Message(SCALE_POINT, min=scale.min, max=scale.max))
    return int(text)


def _clean_scale(q, raw, lang):
    return _point(raw, q.scale)


def _clean_grid(q, raw, lang):
    if not isinstance(raw, dict):
        raise _Invalid(Message(EVERY_STATEMENT))
    ids = [s.id for s in q.statements]
    if any(key not in ids for key in raw):
        raise _Invalid(Message(PICK_LISTED))
    out = {}
    for sid in ids:
        value = raw.get(sid)
        if _empty(value):
            continue
        if q.scale is not None:
            out[sid] = _point(value, q.scale)
        else:
            value = _single(value)
            if str(value) not in [c.value for c in q.choices]:
                raise _Invalid(Message(PICK_LISTED))
            out[sid] = str(value)
    if not out:
        return None
    if q.required and len(out) < len(ids):
        raise _Invalid(Message(EVERY_STATEMENT))
    return out


def _clean_ranking(q, raw, lang):
    """A list in order of preference, or {choice value: rank} as typed on screen and paper."""
    allowed = [c.value for c in q.choices]
    if isinstance(raw, dict):
        ranks = {}
        for value, rank in raw.items():
            if value not in allowed:
                raise _Invalid(Message(PICK_LISTED))
            if _empty(rank):
                continue
            text = str(_single(rank)).strip()
            if not re.fullmatch(r"\d+", text) or not 1 <= int(text) <= len(allowed):
                raise _Invalid(Message(RANK_NUMBERS, n=len(allowed)))
            ranks[value] = int(text)
        if len(set(ranks.values())) < len(ranks):
            raise _Invalid(Message(RANK_ONCE))
        order = sorted(ranks, key=ranks.get)
    else:
        order = [str(v) for v in (raw if isinstance(raw, list) else [raw]) if not _empty(v)]
        if any(v not in allowed for v in order):
            raise _Invalid(Message(PICK_LISTED))
        if len(set(order)) < len(order):
            raise _Invalid(Message(RANK_ONCE))
    if not order:
        return None
    if q.required and len(order) < len(allowed):
        raise _Invalid(Message(RANK_NUMBERS, n=len(allowed)))
    return order


def _clean_yes_no(q, raw, lang):
    value = _single(raw)
    if isinstance(value, bool):
        return "yes" if value else "no"
    value = str(value).strip().lower()
    if value not in ("yes", "no"):
        raise _Invalid(Message(YES_OR_NO))
    return value


def _clean_date(q, raw, lang):
    text = str(_single(raw)).strip()
    match = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", text)
    if match:
        year, month, day = match.groups()
    else:
        match = re.fullmatch(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})", text)
        if not match:
            raise _Invalid(Message(DATE))
        day, month, year = match.groups()
    try:
        return date(int(year), int(month), int(day)).isoformat()
    except ValueError:
        raise _Invalid(Message(DATE))


def _clean_email(q, raw, lang):
    text = _text(raw, q)
    if text is None:
        return None
    if not EMAIL.match(text):
        raise _Invalid(Message(EMAIL_ADDRESS))
    return text


def _clean_phone(q, raw, lang):
    text = _text(raw, q)
    if text is None:
        return None
    digits = re.sub(r"\D", "", text)
    uk = digits.startswith("0") and len(digits) in (10, 11)
    international = text.startswith("+") and 8 <= len(digits) <= 15
    if not PHONE_CHARS.match(text) or not (uk or international):
        raise _Invalid(Message(PHONE))
    return text


def normalise_postcode(text):
    """A UK postcode as stored: capitals with one space ('CF10 1AA'); None when it is not one."""
    compact = text.upper().replace(" ", "")
    if compact == "GIR0AA":
        return "GIR 0AA"
    match = POSTCODE.match(compact)
    return f"{match.group(1)} {match.group(2)}" if match else None


def _clean_postcode(q, raw, lang):
    text = _text(raw, q)
    if text is None:
        return None
    code = normalise_postcode(text)
    if code is None:
        raise _Invalid(Message(UK_POSTCODE))
    return code


def _clean_consent(q, raw, lang):
    value = _single(raw)
    if value is True or str(value).strip().lower() in TRUTHY:
        return True
    return None


_CLEANERS = {
    "text": _clean_text,
    "textarea": _clean_text,
    "number": _clean_number,
    "choice": _clean_choice,
    "choices": _clean_choices,
    "scale": _clean_scale,
    "grid": _clean_grid,
    "ranking": _clean_ranking,
    "yes_no": _clean_yes_no,
    "date": _clean_date,
    "email": _clean_email,
    "phone": _clean_phone,
    "postcode": _clean_postcode,
    "consent": _clean_consent,
}
