"""Pages drawn once and filled in (collector/frames.py) are byte for byte the pages the
templates draw, for every example form, and one person's values never reach another."""

import random
import shutil
from pathlib import Path

import pytest

import forms
from forms.sample import sample_answers
from collector.app import create_app
from collector.frames import Frames

EXAMPLES = sorted(Path(forms.__file__).with_name("examples").glob("*.yaml"))


# -- Frames by itself ---------------------------------------------------------------------


def drawer(template, calls):
    """draw(values) for a page whose template is template.format(**values), escaping like Jinja."""
    from markupsafe import escape

    def draw(values):
        calls.append(dict(values))
        return template.format(**{k: escape(v) for k, v in values.items()})

    return draw


def test_a_frame_is_drawn_once_and_filled_with_each_requests_values_escaped():
    frames, calls = Frames(), []
    draw = drawer('<form action="/r/{draft}/2"><input value="{csrf}"><div data-earlier="{earlier}"></div></form>', calls)
    first = frames.page("k", draw, {"draft": "abc-1", "csrf": "t.1", "earlier": "{}"})
    second = frames.page("k", draw, {"draft": "abc-2", "csrf": "t.2", "earlier": '{"q": "<b>&\'"}'})
    assert len(calls) == 1  # drawn once, with stand-ins
    assert first == '<form action="/r/abc-1/2"><input value="t.1"><div data-earlier="{}"></div></form>'
    assert second == draw({"draft": "abc-2", "csrf": "t.2", "earlier": '{"q": "<b>&\'"}'})
    assert "&lt;b&gt;&amp;&#39;" in second and "<b>" not in second


def test_a_value_that_would_be_quoted_in_an_address_is_drawn_in_full_and_not_kept():
    frames, calls = Frames(), []
    draw = drawer('<a href="/r/{draft}">{draft}</a>', calls)
    page = frames.page("k", draw, {"draft": "a b/c"}, in_addresses=("draft",))
    assert page == '<a href="/r/a b/c">a b/c</a>' and calls == [{"draft": "a b/c"}]
    assert frames.entries == {}


def test_a_template_that_changes_a_stand_in_gets_its_page_drawn_in_full_every_time():
    frames, calls = Frames(), []

    def draw(values):
        calls.append(values)
        return f"<p>{values['name'].upper()}</p>"

    assert frames.page("k", draw, {"name": "ann"}) == "<p>ANN</p>"
    assert frames.page("k", draw, {"name": "bob"}) == "<p>BOB</p>"
    assert frames.entries == {} and len(calls) == 4  # a stand-in and the real value, each time


def test_a_template_that_tests_a_value_instead_of_showing_it_gets_its_page_drawn_in_full():
    frames, calls = Frames(), []

    def draw(values):
        calls.append(values)
        return "<p>paper</p>" if values["source"] == "paper" else "<p>web</p>"

    assert frames.page("k", draw, {"source": "web"}) == "<p>web</p>"
    assert frames.page("k", draw, {"source": "paper"}) == "<p>paper</p>"
    assert frames.entries == {}


def test_frames_are_bounded():
    frames, calls = Frames(limit=3), []
    draw = drawer("<p>{v}</p>", calls)
    for key in range(10):
        frames.page(key, draw, {"v": str(key)})
    assert len(frames.entries) <= 3
    assert frames.page(9, draw, {"v": "again"}) == "<p>again</p>"


def test_each_process_has_its_own_stand_ins():
    assert Frames().mark != Frames().mark


# -- every example form, through the app ------------------------------------------------------


@pytest.fixture
def checked(monkeypatch):
    """Every framed page is also drawn in full with the same values, and must be the same."""
    seen = {"framed": 0, "kept": 0}
    page = Frames.page

    def both(self, key, draw, values, in_addresses=()):
        kept = key in self.entries
        framed = page(self, key, draw, values, in_addresses)
        assert framed == draw(values), f"the frame for {key} differs from the page drawn in full"
        seen["framed"] += 1
        seen["kept"] += kept
        return framed

    monkeypatch.setattr(Frames, "page", both)
    return seen


def _pages_of(app, form, lang, ui_lang, seed):
    """GET the intro, a first look at every page shown (with the earlier pages' answers
    saved in the draft, as a person going forward leaves it) and the thank-you page."""
    client = app.test_client()
    client.get(f"/?lang={ui_lang}")
    assert client.get(f"/f/{form.id}?lang={lang}").status_code == 200
    workspace = app.extensions["workspace"]
    store = workspace.store
    answers = sample_answers(form, random.Random(seed), lang, n=seed)
    response_id = store.start_response(form.id, form.version, lang, "web", workspace.device_id, browser="frames-test")
    with client.session_transaction() as session:
        session["browser"] = "frames-test"
    section_of = {q.id: i for i, s in enumerate(form.sections, 1) for q in s.questions}
    for number, section in enumerate(form.sections, 1):
        earlier = {k: v for k, v in answers.items() if section_of[k.split(".")[0]] < number}
        store.save_draft(response_id, earlier)
        page = client.get(f"/r/{response_id}/{number}")
        assert page.status_code in (200, 303), (form.id, number, page.status_code)
    store.submit_response(response_id, answers)
    assert client.get(f"/r/{response_id}/thanks").status_code == 200


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
@pytest.mark.parametrize("kiosk", [False, True], ids=["web", "kiosk"])
def test_every_page_of_every_example_form_is_the_page_drawn_in_full(workspace, path, kiosk, checked):
    shutil.copy(path, workspace.forms_dir / path.name)
    app = create_app(workspace, {"TESTING": True, "KIOSK": kiosk})
    form = next(f for f in app.extensions["forms"].values() if f.id == forms.load_form(path).id)
    for lang in form.languages:
        for ui_lang in ("en", "cy"):
            for seed in (1, 2, 3):  # other people, other answers: the frames kept from the first are reused
                _pages_of(app, form, lang, ui_lang, seed)
    assert checked["framed"] > 0 and checked["kept"] > checked["framed"] / 2


def test_a_framed_page_carries_this_persons_values_only(respondent, client):
    from conftest import Respondent

    first = respondent.start("visit")
    other = Respondent(client.application.test_client())
    second = other.start("visit")
    assert respondent.response_id in first.text and other.response_id not in first.text
    assert other.response_id in second.text and respondent.response_id not in second.text
    assert first.text.replace(respondent.response_id, "") != second.text.replace(other.response_id, "")  # tokens differ
