"""Whatever a person types into a form file, loading it gives a Form or a
FormError, never a traceback; and whatever people answer, the validator copes."""

import copy

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from forms import Form, FormError, clean_answers, load_form_text
from forms.spec import FORM_KEYS, QUESTION_KEYS, QUESTION_TYPES

from test_forms_load import EVERY_TYPE

FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
BASE_DATA = yaml.safe_load(EVERY_TYPE)
LINES = EVERY_TYPE.splitlines()

# Words a form author might plausibly write, so mutations stay near real forms.
WORDS = (
    list(FORM_KEYS) + list(QUESTION_KEYS) + list(QUESTION_TYPES)
    + ["requird", "lable", "nubmer", "value", "en", "cy", "parks", "visit", "other", "yes", "no",
       "visit == 'yes'", "answered(visit)", "age > 3", "park in ['roath']", "1", "-1", ""]
)
SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(-10**6, 10**6), st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(WORDS), st.text(max_size=20),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.one_of(st.sampled_from(WORDS), st.text(max_size=8)), inner, max_size=4),
    ),
    max_leaves=8,
)


def loads_or_explains(text):
    """Load text; a FormError must be well-formed, a Form must be usable."""
    try:
        form = load_form_text(text, "fuzz.yaml")
    except FormError as exc:
        assert exc.problems
        for problem in exc.problems:
            assert problem.file == "fuzz.yaml"
            assert problem.line is None or problem.line >= 1
            assert problem.column is None or problem.column >= 1
            assert isinstance(problem.message, str) and problem.message
        assert "Traceback" not in str(exc)
        return None
    assert isinstance(form, Form)
    ids = [q.id for q in form.questions]
    assert len(ids) == len(set(ids))
    for index, question in enumerate(form.questions):
        if question.show_if:
            assert set(question.show_if.references()) <= set(ids[:index])
    clean_answers(form, {})
    return form


def paths(data, path=()):
    yield path
    if isinstance(data, dict):
        for key, value in data.items():
            yield from paths(value, path + (key,))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield from paths(value, path + (i,))


@FUZZ
@given(st.text(max_size=400))
def test_random_text_gives_a_form_or_a_form_error(text):
    loads_or_explains(text)


@FUZZ
@given(st.lists(st.tuples(
    st.sampled_from(["delete", "duplicate", "swap", "change", "indent", "dedent"]),
    st.integers(0, len(LINES) - 1), st.integers(0, len(LINES) - 1),
    st.sampled_from(list(" :-[]{}'\"#&*!|>?,%@`\t\\\x00é0a\n")),
), min_size=1, max_size=5))
def test_a_valid_form_with_lines_mangled_gives_a_form_or_a_form_error(edits):
    lines = list(LINES)
    for op, i, j, char in edits:
        i, j = i % len(lines), j % len(lines)
        if op == "delete" and len(lines) > 1:
            del lines[i]
        elif op == "duplicate":
            lines.insert(j, lines[i])
        elif op == "swap":
            lines[i], lines[j] = lines[j], lines[i]
        elif op == "change":
            at = j % (len(lines[i]) + 1)
            lines[i] = lines[i][:at] + char + lines[i][at + 1:]
        elif op == "indent":
            lines[i] = "  " + lines[i]
        elif op == "dedent":
            lines[i] = lines[i][2:]
    loads_or_explains("\n".join(lines) + "\n")


@FUZZ
@given(st.data())
def test_a_valid_form_with_values_changed_gives_a_form_or_a_form_error(data):
    form = copy.deepcopy(BASE_DATA)
    for _ in range(data.draw(st.integers(1, 4))):
        where = list(paths(form))[1:]
        path = where[data.draw(st.integers(0, len(where) - 1))]
        parent = form
        for step in path[:-1]:
            parent = parent[step]
        op = data.draw(st.sampled_from(["replace", "delete", "add_key", "copy_elsewhere"]))
        if op == "replace":
            parent[path[-1]] = data.draw(VALUES)
        elif op == "delete":
            del parent[path[-1]]
        elif op == "add_key" and isinstance(parent, dict):
            parent[data.draw(st.sampled_from(WORDS))] = data.draw(VALUES)
        elif op == "copy_elsewhere":
            source = where[data.draw(st.integers(0, len(where) - 1))]
            value = form
            for step in source:
                value = value[step]
            parent[path[-1]] = copy.deepcopy(value)
    loads_or_explains(yaml.safe_dump(form, allow_unicode=True, sort_keys=False))


def test_the_unchanged_form_loads_so_the_mutations_start_from_valid():
    assert loads_or_explains(EVERY_TYPE) is not None
    assert loads_or_explains(yaml.safe_dump(BASE_DATA, allow_unicode=True, sort_keys=False)) is not None


FORM = load_form_text(EVERY_TYPE)
ANSWER_KEYS = [q.id for q in FORM.questions] + ["park.other", "unknown"]
ANSWERS = st.dictionaries(
    st.sampled_from(ANSWER_KEYS),
    st.recursive(
        st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=12),
                  st.sampled_from(["yes", "no", "roath", "other", "1", "3", "walk", "27/03/2025", "CF10 1AA", "on"])),
        lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.sampled_from(["toilets", "paths", "safe", "bins", "x"]), inner, max_size=3)),
        max_leaves=6,
    ),
)


@FUZZ
@given(ANSWERS)
def test_any_answers_give_clean_answers_and_messages_and_clean_answers_stay_clean(answers):
    result, errors = clean_answers(FORM, answers)

    assert set(result) <= set(ANSWER_KEYS) and not set(result) & set(errors)
    assert all(isinstance(m, str) and m for messages in errors.values() for m in messages)
    again, again_errors = clean_answers(FORM, result)
    assert again == result
    assert not {k: v for k, v in again_errors.items() if k in result}
