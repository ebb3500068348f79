"""The catalogue of every key the form language accepts.

One table drives three things, so they cannot drift apart: the parser's
unknown-key check (with its typo suggestions), the JSON Schema that editors
use, and the test that every key is documented in docs/forms.md.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Key:
    name: str
    kind: str  # how the value is read; see schema.py for each kind's shape
    help: str
    required: bool = False


def _keys(*keys):
    return {k.name: k for k in keys}


FORM_KEYS = _keys(
    Key("id", "id", "Stable machine name of the form, in snake_case.", required=True),
    Key("version", "version", "Version of the form, such as 1 or 2024-06; change it whenever questions change.", required=True),
    Key("title", "text", "Title shown at the top of every page and on paper.", required=True),
    Key("description", "text", "One or two sentences describing the consultation, shown on the start page."),
    Key("languages", "languages", "Languages every text is given in, such as [en, cy]. Defaults to [en]."),
    Key("intro", "text", "Introduction shown before the first question."),
    Key("privacy", "text", "The privacy notice: who holds the answers, why, and for how long."),
    Key("thank_you", "text", "Message shown after a response is stored."),
    Key("retention_days", "positive_int", "Days the office's hub keeps the answers to `personal` questions after a response is sent; then they are deleted. Without it they are kept until erased."),
    Key("choice_lists", "choice_lists", "Named lists of choices that several questions can share."),
    Key("sections", "sections", "The sections of the form, in order; each is one page on screen.", required=True),
)

SECTION_KEYS = _keys(
    Key("id", "id", "Stable machine name of the section, in snake_case.", required=True),
    Key("title", "text", "Heading of the section.", required=True),
    Key("show_if", "condition", "Only show this section when the condition on earlier answers holds."),
    Key("questions", "questions", "The questions of the section, in order.", required=True),
)

QUESTION_TYPES = {
    "text": "One line of text.",
    "textarea": "Several lines of text.",
    "number": "A whole or decimal number.",
    "choice": "Pick one of a list.",
    "choices": "Pick any number of a list.",
    "scale": "A point on a numbered scale, such as 1 to 5 (Likert) or 0 to 10.",
    "grid": "Several statements, each rated on one shared scale or list of choices.",
    "ranking": "Put the choices in order of preference.",
    "yes_no": "Yes or no.",
    "date": "A calendar date.",
    "email": "An email address.",
    "phone": "A UK or international phone number.",
    "postcode": "A UK postcode.",
    "consent": "A statement with a box that must be ticked to go on.",
    "note": "Text only, with no answer.",
}

QUESTION_KEYS = _keys(
    Key("id", "id", "Stable machine name of the question, in snake_case; used in data and show_if.", required=True),
    Key("type", "type", "What kind of answer the question takes.", required=True),
    Key("label", "text", "The question as people read it.", required=True),
    Key("hint", "text", "Extra help shown under the question."),
    Key("required", "bool", "The question must be answered (when it is shown). Defaults to false."),
    Key("show_if", "condition", "Only ask this question when the condition on earlier answers holds."),
    Key("personal", "bool", "The answer identifies a person (name, email, phone); it is kept apart from the other answers."),
    Key("print", "bool", "Set to false to leave the question off paper forms."),
    Key("sensitive", "bool", "Special category data (such as equality monitoring): reported only in aggregate, with small groups hidden."),
    Key("max_length", "positive_int", "Longest answer allowed, in characters."),
    Key("pattern", "regex", "A regular expression the whole answer must match."),
    Key("pattern_message", "text", "What to tell people when the answer does not match pattern."),
    Key("min", "number", "Smallest value allowed (number) or first point (scale)."),
    Key("max", "number", "Largest value allowed (number) or last point (scale)."),
    Key("decimals", "nonneg_int", "Decimal places allowed in a number answer. Defaults to 0 (whole numbers)."),
    Key("labels", "scale_labels", "Texts for scale points: for the two ends, or for every point."),
    Key("choices", "choices", "The options: a list, or the name of a choice_lists entry."),
    Key("other", "bool", "Add an 'Other (please specify)' option with its own text box."),
    Key("min_selected", "nonneg_int", "Fewest options that may be picked."),
    Key("max_selected", "positive_int", "Most options that may be picked."),
    Key("statements", "statements", "The statements of a grid, each with an id and a label."),
    Key("scale", "grid_scale", "The scale shared by every statement of a grid (min, max, labels)."),
)

_ANSWERED = ("hint", "required", "show_if", "personal", "sensitive", "print")
_BASE = ("id", "type", "label")

# Which question keys each type accepts, beyond those every question has.
TYPE_KEYS = {
    "text": _ANSWERED + ("max_length", "pattern", "pattern_message"),
    "textarea": _ANSWERED + ("max_length",),
    "number": _ANSWERED + ("min", "max", "decimals"),
    "choice": _ANSWERED + ("choices", "other"),
    "choices": _ANSWERED + ("choices", "other", "min_selected", "max_selected"),
    "scale": _ANSWERED + ("min", "max", "labels"),
    "grid": _ANSWERED + ("statements", "scale", "choices"),
    "ranking": _ANSWERED + ("choices",),
    "yes_no": _ANSWERED,
    "date": _ANSWERED,
    "email": _ANSWERED + ("max_length",),
    "phone": _ANSWERED,
    "postcode": _ANSWERED,
    "consent": ("hint", "show_if", "print"),
    "note": ("hint", "show_if", "print"),
}
TYPE_KEYS = {t: _BASE + keys for t, keys in TYPE_KEYS.items()}

CHOICE_KEYS = _keys(
    Key("value", "value", "What is stored when this option is picked.", required=True),
    Key("label", "text", "What people read. Defaults to the value."),
)

STATEMENT_KEYS = _keys(
    Key("id", "id", "Stable machine name of the statement, in snake_case.", required=True),
    Key("label", "text", "The statement as people read it.", required=True),
)

GRID_SCALE_KEYS = _keys(
    Key("min", "int", "First point of the scale.", required=True),
    Key("max", "int", "Last point of the scale.", required=True),
    Key("labels", "scale_labels", "Texts for the two ends, or for every point."),
)

# Types whose answers are one of a fixed set of values.
CHOICE_TYPES = ("choice", "choices", "ranking")
# Types whose answers are plain strings, checked by max_length and pattern.
TEXT_TYPES = ("text", "textarea", "email", "phone", "postcode")

# A scale of more points than 0 to 10 cannot be printed as a row of boxes.
MAX_SCALE_POINTS = 11
MAX_FILE_BYTES = 512 * 1024
MAX_TEXT_LENGTH = 100_000

# Each language's name in English (for messages to form authors) and in itself
# (for the language switcher people see).
LANGUAGE_NAMES = {
    "en": ("English", "English"),
    "cy": ("Welsh", "Cymraeg"),
    "gd": ("Scottish Gaelic", "Gàidhlig"),
    "ga": ("Irish", "Gaeilge"),
    "pl": ("Polish", "Polski"),
    "ro": ("Romanian", "Română"),
    "ur": ("Urdu", "اردو"),
    "pa": ("Punjabi", "ਪੰਜਾਬੀ"),
    "bn": ("Bengali", "বাংলা"),
    "ar": ("Arabic", "العربية"),
    "so": ("Somali", "Soomaali"),
    "pt": ("Portuguese", "Português"),
    "es": ("Spanish", "Español"),
    "fr": ("French", "Français"),
}
