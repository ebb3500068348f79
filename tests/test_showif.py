"""show_if: the Python evaluator and the browser's showif.js agree on every shared vector."""

import json
import math
from pathlib import Path

import pytest

from forms.expr import ExprError, evaluate, parse_condition
from forms.model import Condition

ROOT = Path(__file__).resolve().parent.parent
VECTORS_PATH = ROOT / "forms" / "showif_vectors.json"
SHOWIF_JS = ROOT / "collector" / "static" / "showif.js"

VECTORS = json.loads(VECTORS_PATH.read_text(encoding="utf-8"))
OPERATORS = ("==", "!=", "<", "<=", ">", ">=", "in", "not in", "and", "or", "not", "answered")


def _ops(node):
    if "op" in node:
        yield node["op"]
        for arg in node["args"]:
            yield from _ops(arg)


def _trees():
    return [parse_condition(v["expression"])[0] for v in VECTORS]


# -- the vectors file itself ------------------------------------------------


def test_vectors_are_well_formed():
    assert 80 <= len(VECTORS) <= 150
    for v in VECTORS:
        assert set(v) == {"expression", "answers", "expected", "note"}, v
        assert isinstance(v["expression"], str) and v["expression"].strip()
        assert isinstance(v["answers"], dict)
        assert v["expected"] in (True, False)
        assert v["note"]
    keys = [(v["expression"], json.dumps(v["answers"], sort_keys=True)) for v in VECTORS]
    assert len(keys) == len(set(keys)), "duplicate vector"


def test_vectors_cover_every_operator_answered_and_unanswered():
    seen, unanswered, outcomes = set(), set(), {}
    for v, tree in zip(VECTORS, _trees()):
        ops = set(_ops(tree))
        seen |= ops
        refs = Condition(v["expression"], json.dumps(tree)).references()
        if any(v["answers"].get(q) in (None, "", [], {}) for q in refs):
            unanswered |= ops
        for op in ops:
            outcomes.setdefault(op, set()).add(v["expected"])
    assert seen == set(OPERATORS)
    assert unanswered == set(OPERATORS)
    for op in OPERATORS:
        assert outcomes[op] == {True, False}, f"{op} needs vectors for both outcomes"


# -- (a) Python --------------------------------------------------------------


@pytest.mark.parametrize("vector", VECTORS, ids=[v["expression"] for v in VECTORS])
def test_python_evaluator_matches_vector(vector):
    tree, _ = parse_condition(vector["expression"])
    got = evaluate(tree, vector["answers"])
    assert got is vector["expected"], f"{vector['expression']} with {vector['answers']}: {vector['note']}"


# -- (b) the browser ---------------------------------------------------------

RUN_ALL = """
([trees, answers]) => trees.map((tree, i) => {
    try {
        return window.ShowIf.evaluate(tree, answers[i]);
    } catch (error) {
        return 'error: ' + error.message;
    }
})
"""

# Values JSON cannot carry (NaN) or that normalised answers rarely hold;
# expected results come from the Python evaluator.
EXTRA_CASES = [
    ("q == q", {"q": math.nan}),
    ("q != 1", {"q": math.nan}),
    ("q < 1", {"q": math.nan}),
    ("q >= 1", {"q": math.nan}),
    ("q in [1, 2]", {"q": math.nan}),
    ("answered(q)", {"q": math.nan}),
    ("a == b", {"a": {"r": ["x", "y"]}, "b": {"r": ["x", "y"]}}),
    ("a == b", {"a": {"r": ["x", "y"]}, "b": {"r": ["y", "x"]}}),
    ("a == b", {"a": {"r": 1}, "b": {"r": 1.0}}),
    ("a == b", {"a": {"r": "1"}, "b": {"r": 1}}),
    ("a == b", {"a": {"r": {}}, "b": {"r": {}}}),
    ("a == b", {"a": {"r": None}, "b": {"r": None}}),
    ("a in b", {"a": {"r": "x"}, "b": [{"r": "x"}]}),
    ("q > 'a'", {"q": False}),
    ("answered(q)", {"q": False}),
    ("q == 0", {"q": False}),
    ("a < b", {"a": "\U0001F600", "b": "\U0001F601"}),
    ("a < b", {"a": "\uffff", "b": "\U00010000"}),
    ("a > b", {"a": "x\U0001F600", "b": "x\uff5e"}),
    ("a <= b", {"a": "\U0001F600", "b": "\U0001F600"}),
]


def _run_in_browser(browser, trees, answers):
    page = browser.new_page()
    try:
        page.set_content("<html><body></body></html>")
        page.add_script_tag(path=str(SHOWIF_JS))
        return page.evaluate(RUN_ALL, [trees, answers])
    finally:
        page.close()


def _mismatches(cases, results):
    lines = []
    for (expression, answers, expected), got in zip(cases, results):
        if got is not expected:
            lines.append(f"{expression!r} with {answers!r}: expected {expected}, browser gave {got!r}")
    return lines


@pytest.mark.browser
def test_browser_evaluator_matches_vectors(browser):
    trees = _trees()
    results = _run_in_browser(browser, trees, [v["answers"] for v in VECTORS])
    assert len(results) == len(VECTORS)
    cases = [(v["expression"], v["answers"], v["expected"]) for v in VECTORS]
    problems = _mismatches(cases, results)
    assert not problems, f"{len(problems)} of {len(VECTORS)} vectors differ:\n" + "\n".join(problems)


@pytest.mark.browser
def test_browser_evaluator_matches_python_on_edge_values(browser):
    cases = []
    for expression, answers in EXTRA_CASES:
        tree, _ = parse_condition(expression)
        cases.append((expression, answers, evaluate(tree, answers)))
    trees = [parse_condition(c[0])[0] for c in cases]
    results = _run_in_browser(browser, trees, [c[1] for c in cases])
    problems = _mismatches(cases, results)
    assert not problems, "\n".join(problems)


@pytest.mark.browser
def test_showif_js_runs_under_a_strict_content_security_policy(browser):
    """The pages forbid eval; showif.js must load and work from a same-origin script."""
    html = (
        "<!doctype html><html><head>"
        '<script src="/static/showif.js"></script>'
        "</head><body></body></html>"
    )
    csp = "default-src 'self'; script-src 'self'; object-src 'none'"
    context = browser.new_context()
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)

    def serve(route):
        url = route.request.url
        if url.endswith("/static/showif.js"):
            route.fulfill(status=200, content_type="text/javascript", body=SHOWIF_JS.read_text(encoding="utf-8"))
        elif url.rstrip("/") == "http://collector.test":
            route.fulfill(status=200, content_type="text/html", body=html, headers={"Content-Security-Policy": csp})
        else:
            route.abort()

    try:
        page.route("**/*", serve)
        page.goto("http://collector.test/")
        tree, _ = parse_condition("(a == 1 or 'x' in b) and not answered(c)")
        got = page.evaluate("(tree) => window.ShowIf.evaluate(tree, {a: 2, b: ['x']})", tree)
        assert got is True
        assert not errors, errors
    finally:
        context.close()


def test_showif_js_avoids_eval():
    source = SHOWIF_JS.read_text(encoding="utf-8")
    for forbidden in ("eval(", "new Function", "Function(", "import ", "export "):
        assert forbidden not in source, forbidden
    assert "window.ShowIf" in source or "global.ShowIf" in source


def test_large_integers_are_exact_in_python():
    # Python compares int and float exactly; the browser's doubles cannot tell
    # 2**53 + 1 from 2**53. Answers in forms are far below this, so only Python is pinned.
    tree, _ = parse_condition("q == 9007199254740993")
    assert evaluate(tree, {"q": 9007199254740993}) is True
    assert evaluate(tree, {"q": 9007199254740992.0}) is False


# -- (c) parser errors -------------------------------------------------------


@pytest.mark.parametrize(
    "source, words, offset",
    [
        ("visited = 'yes'", ["'=='", "not '='"], 8),
        ("visited == 'yes", ["no closing"], 11),
        ('visited == "yes', ["no closing"], 11),
        ("q ==", ["expected a question id or a value", "the end"], 4),
        ("foo(q)", ["no function 'foo'", "answered(question_id)"], 0),
        ("q", ["needs a comparison", "answered(q)"], 1),
        ("q in 'x'", ["'in' needs a list"], 2),
        ("q not in 'x'", ["'not in' needs a list"], 2),
        ("", ["empty"], 0),
        ("   ", ["empty"], 0),
        ("(q == 1", ["expected ')'", "the end"], 7),
        ("q == 1)", ["unexpected ')'", "'and' or 'or'"], 6),
        ("((q == 1) or r == 2", ["expected ')'"], 19),
        ("q == yes", ["quotes"], 5),
        ("q == 1 r == 2", ["unexpected 'r'", "'and' or 'or'"], 7),
        ("answered(q) == 1", ["do not compare"], 12),
        ("q == [1, r]", ["list holds only"], 9),
        ("q & r", ["'&'", "not part of the show_if language"], 2),
    ],
    ids=lambda x: x if isinstance(x, str) else None,
)
def test_parser_errors_are_helpful(source, words, offset):
    with pytest.raises(ExprError) as info:
        parse_condition(source)
    error = info.value
    for word in words:
        assert word in error.message, f"{word!r} not in {error.message!r}"
    assert error.offset == offset, f"{source!r}: offset {error.offset} for {error.message!r}"
    assert str(error) == error.message


def test_overlong_condition_is_refused():
    with pytest.raises(ExprError, match="longer than"):
        parse_condition(" or ".join(["q == 1"] * 400))


# -- (d) tree is JSON, references --------------------------------------------


def test_tree_is_json_and_round_trips():
    source = "(visited == 'yes' or age >= 18.5) and 'a' in fruits and not answered(skip) and town not in ['x', -1]"
    tree, positions = parse_condition(source)
    text = json.dumps(tree, separators=(",", ":"))
    assert json.loads(text) == tree
    assert '"pos"' not in text
    assert positions == {name: source.index(name) for name in ("visited", "age", "fruits", "skip", "town")}
    assert tree["op"] == "and" and [a.get("op") for a in tree["args"]] == ["or", "in", "not", "not in"]


def test_all_vector_trees_are_json():
    for v, tree in zip(VECTORS, _trees()):
        assert json.loads(json.dumps(tree)) == tree, v["expression"]


def test_condition_references_lists_question_ids_in_order():
    source = "b == 1 or (a in ['x'] and not answered(c)) or b < a or 'k' in d"
    tree, _ = parse_condition(source)
    condition = Condition(source, json.dumps(tree, separators=(",", ":")))
    assert condition.references() == ["b", "a", "c", "d"]
    assert condition.tree == tree
    assert condition.holds({"b": 1}) is True
    assert condition.holds({"a": ["x", "y"], "c": ""}) is True
    assert condition.holds({"a": "x", "c": "y"}) is False
    literal_only = Condition("['a'] in ['a']", json.dumps(parse_condition("['a'] in ['a']")[0]))
    assert literal_only.references() == []
