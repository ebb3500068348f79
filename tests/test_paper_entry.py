"""Typing in paper copies: serial first, paper numbering, one response per copy, double entry."""

import re
import textwrap
import threading

import pytest
from playwright.sync_api import expect

from conftest import Coordinator, axe_check, csrf_of

# Two sections, the second shown only to those who answered "no" (as on paper:
# "If you answered 'No' to question 1, go to question 4"), and a screen-only
# question that is required but was never printed.
COUNCIL = textwrap.dedent("""\
    id: council
    version: 2
    title: Council services
    sections:
      - id: first
        title: Your council
        questions:
          - id: intro
            type: note
            label: Thank you for filling this in.
          - id: online
            type: yes_no
            label: Did you use our website?
            required: true
            print: false
          - id: satisfied
            type: yes_no
            label: Are you satisfied?
            required: true
          - id: score
            type: scale
            label: How would you score us?
            min: 1
            max: 5
      - id: unhappy
        title: What went wrong
        show_if: satisfied == 'no'
        questions:
          - id: problems
            type: choices
            label: What went wrong?
            choices: [slow, rude, wrong]
            other: true
""")


class Volunteer:
    """Someone keying paper copies in their own browser (their own session)."""

    def __init__(self, client, workspace):
        self.client = client
        Coordinator(client, workspace).sign_in()
        self.page = None
        self.entry_url = None

    def give_serial(self, serial, form_id="visit", anyway=False, lang=None):
        """Type the copy's serial; follows on to the entry page when it is accepted."""
        start = self.client.get(f"/paper/f/{form_id}")
        data = {"csrf_token": csrf_of(start.text), "serial": serial}
        if anyway:
            data["anyway"] = "1"
        if lang:
            data["lang"] = lang
        self.page = self.client.post(f"/paper/f/{form_id}", data=data)
        self.entry_url = None
        if self.page.status_code == 303:
            self.entry_url = self.page.headers["Location"].split("?")[0]
            self.page = self.client.get(self.page.headers["Location"])
        return self.page

    def save(self, **answers):
        """Press Save on the entry page with these answers; follows on to the confirmation."""
        data = {"csrf_token": csrf_of(self.page.text), "_entry": entry_id(self.page.text), "lang": "en", **answers}
        result = self.client.post(self.entry_url, data=data)
        self.page = self.client.get(result.headers["Location"]) if result.status_code == 303 else result
        return result

    def key_copy(self, serial, form_id="visit", **answers):
        self.give_serial(serial, form_id)
        return self.save(**answers)


def entry_id(html):
    return re.search(r'name="_entry" value="([^"]+)"', html).group(1)


@pytest.fixture
def printed(workspace):
    """Serial numbers of three copies of the visit form printed on this laptop."""
    return workspace.store.issue_serials("visit", "3", 3, workspace.serial_prefix)


@pytest.fixture
def volunteer(client, workspace):
    return Volunteer(client, workspace)


@pytest.fixture
def another_volunteer(app, workspace):
    return Volunteer(app.test_client(), workspace)


@pytest.fixture
def double_entry(workspace):
    workspace.set_setting("double_entry", 1)


@pytest.fixture
def council_form(workspace, app):
    from collector.app import reload_forms

    (workspace.forms_dir / "council.yaml").write_text(COUNCIL, encoding="utf-8")
    reload_forms(app)
    return workspace.store.issue_serials("council", "2", 2, workspace.serial_prefix)


# -- the serial ----------------------------------------------------------------


def test_paper_pages_need_the_coordinator_sign_in(client, coordinator):
    coordinator.sign_in()
    client.post("/coordinator/logout", data={"csrf_token": csrf_of(client.get("/coordinator/").text)})
    page = client.get("/paper/f/visit")
    assert page.status_code == 302 and "/coordinator/login" in page.headers["Location"]
    login = client.get(page.headers["Location"])
    back = client.post(page.headers["Location"], data={"csrf_token": csrf_of(login.text), "password": "correct horse"})
    assert back.headers["Location"] == "/paper/f/visit"


def test_the_serial_is_asked_first(volunteer):
    forms = volunteer.client.get("/paper/")
    assert 'href="/paper/f/visit"' in forms.text
    page = volunteer.client.get("/paper/f/visit")
    assert page.status_code == 200
    assert re.search(r'<input[^>]*id="serial"[^>]*autofocus', page.text, re.S)
    assert "How often?" not in page.text


def test_serials_are_read_as_people_type_them():
    from collector.paper_entry import normalise_serial

    assert normalise_serial(" k7p-000012 ") == "K7P-000012"
    assert normalise_serial("k7p 000012") == "K7P-000012"
    assert normalise_serial("K7P000012") == "K7P-000012"
    assert normalise_serial("P-0001") == "P-0001"
    assert normalise_serial("K7P/12") is None and normalise_serial("") is None and normalise_serial("A" * 41) is None


def test_a_serial_that_cannot_be_one_is_refused_at_once(volunteer, workspace):
    page = volunteer.give_serial("12/7")
    assert page.status_code == 400
    assert 'href="#serial"' in page.text and 'aria-invalid="true"' in page.text


def test_a_serial_never_issued_warns_and_needs_confirming(volunteer, printed):
    page = volunteer.give_serial("ZZZ-999999")
    assert page.status_code == 200 and volunteer.entry_url is None
    assert "never issued on this collector" in page.text and "Enter it anyway" in page.text
    page = volunteer.give_serial("zzz 999999", anyway=True)
    assert volunteer.entry_url == "/paper/f/visit/ZZZ-999999"
    assert "1. Have you visited the park this year?" in page.text


def test_a_serial_printed_for_another_form_warns(volunteer, council_form):
    page = volunteer.give_serial(council_form[0], form_id="visit")
    assert volunteer.entry_url is None
    assert "printed for the form “Council services”" in page.text and "Enter it anyway" in page.text


def test_an_issued_serial_goes_straight_to_the_questions(volunteer, printed):
    page = volunteer.give_serial(printed[0].lower())
    assert volunteer.entry_url == f"/paper/f/visit/{printed[0]}"
    assert "Check this serial" not in page.text


# -- the entry page --------------------------------------------------------------


def test_questions_follow_the_paper_order_and_numbering(volunteer, council_form):
    from printouts.routing import plan_routes

    page = volunteer.give_serial(council_form[0], form_id="council")
    labels = re.findall(r"<legend>(\d+\. [^<]+?)\s*<", page.text)
    assert labels == ["1. Are you satisfied?", "2. How would you score us?", "3. What went wrong?"]
    form = volunteer.client.application.extensions["forms"]["council"]
    assert plan_routes(form).numbers == {"satisfied": 1, "score": 2, "problems": 3}
    # Not on paper, so not asked: the screen-only question and the note.
    assert "Did you use our website?" not in page.text and "Thank you for filling" not in page.text
    # The section shown only after "no" is hidden until then, by the page's own script.
    assert re.search(r'id="wrap-problems"[^>]*data-show-if="[^"]*satisfied[^"]*"[^>]*hidden', page.text)
    assert 'class="paper-entry"' in page.text and "/static/paper.js" in page.text


def test_a_copy_is_stored_with_source_paper_its_serial_and_the_event(volunteer, workspace, printed):
    event = workspace.store.set_event("Riverside fete", "Riverside Park")
    result = volunteer.key_copy(printed[0], visited="no", rating="4", reasons=["too far", "other"], **{"reasons.other": "No bus"})
    assert result.status_code == 303 and result.headers["Location"].startswith(f"/paper/f/visit/{printed[0]}/done")
    stored = workspace.store.response_for_serial(printed[0])
    assert stored["source"] == "paper" and stored["paper_serial"] == printed[0]
    assert stored["event_id"] == event["id"] and stored["device_id"] == workspace.device_id
    assert stored["answers"] == {"visited": "no", "rating": 4, "reasons": ["too far", "other"], "reasons.other": "No bus"}
    done = volunteer.page
    assert stored["reference"] in done.text
    assert re.search(r'<a class="button" href="/paper/f/visit\?lang=en" autofocus>Enter the next copy</a>', done.text)


def test_validation_errors_are_shown_and_nothing_is_stored(volunteer, workspace, printed):
    volunteer.give_serial(printed[0])
    result = volunteer.save(visited="yes", rating="9")
    assert result.status_code == 400
    summary = result.text.split('class="error-summary"')[1].split("</div>")[0]
    assert 'href="#q-how_often"' in summary and "Question 2: Answer this question." in summary
    assert 'href="#q-rating"' in summary and "Pick a point from 1 to 5." in summary
    assert 'value="yes" checked' in result.text
    assert workspace.store.count_responses() == 0


def test_a_required_question_left_off_paper_does_not_block_a_paper_entry(volunteer, workspace, council_form):
    volunteer.give_serial(council_form[0], form_id="council")
    result = volunteer.save(satisfied="yes")
    assert result.status_code == 303
    assert workspace.store.response_for_serial(council_form[0])["answers"] == {"satisfied": "yes"}


def test_an_answer_to_a_question_not_on_paper_is_refused(volunteer, council_form):
    volunteer.give_serial(council_form[0], form_id="council")
    assert volunteer.save(satisfied="yes", online="yes").status_code == 400


def test_clean_answers_treats_skipped_questions_as_not_asked():
    import forms

    form = forms.load_form_text(COUNCIL, "council.yaml")
    _, errors = forms.clean_answers(form, {"satisfied": "yes"})
    assert "online" in errors
    clean, errors = forms.clean_answers(form, {"satisfied": "yes", "online": "yes"}, skip=frozenset({"online"}))
    assert errors == {} and clean == {"satisfied": "yes"}


# -- one response per copy --------------------------------------------------------


def test_a_serial_already_entered_is_refused_showing_the_first_entry(volunteer, workspace, printed):
    volunteer.key_copy(printed[0], visited="yes", how_often="daily")
    first = workspace.store.response_for_serial(printed[0])
    page = volunteer.give_serial(printed[0])
    assert page.status_code == 409 and volunteer.entry_url is None
    assert first["reference"] in page.text
    assert f'href="/coordinator/responses/{first["id"]}"' in page.text
    # Straight to the entry page, as a second tab might: refused too.
    again = volunteer.client.get(f"/paper/f/visit/{printed[0]}")
    assert again.status_code == 409 and first["reference"] in again.text
    assert workspace.store.count_responses() == 1


def test_a_resent_save_stores_one_response(volunteer, workspace, printed):
    volunteer.give_serial(printed[0])
    data = {"csrf_token": csrf_of(volunteer.page.text), "_entry": entry_id(volunteer.page.text), "visited": "no"}
    first = volunteer.client.post(volunteer.entry_url, data=data)
    second = volunteer.client.post(volunteer.entry_url, data=data)
    assert first.status_code == second.status_code == 303
    assert first.headers["Location"] == second.headers["Location"]
    assert workspace.store.count_responses() == 1


def test_two_copies_keyed_at_once_with_one_serial_store_one_response(volunteer, another_volunteer, workspace, printed):
    volunteer.give_serial(printed[0])
    another_volunteer.give_serial(printed[0])
    volunteer.save(visited="yes", how_often="daily")
    late = another_volunteer.save(visited="no")
    assert late.status_code == 409 and "already entered" in late.text
    assert workspace.store.count_responses() == 1


def test_the_unique_index_decides_between_racing_saves_of_one_serial(tmp_path):
    from collector.store import DuplicateSerial, Store

    store = Store(tmp_path / "c.db")
    outcomes = []

    def save(n):
        try:
            outcomes.append(store.submit_paper_response(f"id-{n}", "f", "1", {"q": n}, "ABC-000001", "en", "dev"))
        except DuplicateSerial as exc:
            outcomes.append(exc.existing["reference"])

    threads = [threading.Thread(target=save, args=(n,)) for n in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert store.count_responses() == 1
    stored = store.response_for_serial("ABC-000001")
    assert [o for o in outcomes if isinstance(o, tuple)] == [(stored["reference"], True)]
    assert outcomes.count(stored["reference"]) == 9
    # Web responses have no serial; the index lets any number of them through.
    for _ in range(2):
        store.submit_response(store.start_response("f", "1", "en", "web", "dev"), {})
    assert store.count_responses() == 3


# -- double entry ------------------------------------------------------------------


def test_double_entry_is_a_setting_off_by_default(workspace):
    from collector.workspace import WorkspaceError

    assert workspace.setting("double_entry") == 0
    workspace.set_setting("double_entry", "1")
    assert workspace.setting("double_entry") == 1
    with pytest.raises(WorkspaceError):
        workspace.set_setting("double_entry", 2)


def test_two_keyings_that_agree_store_one_response(double_entry, volunteer, another_volunteer, workspace, printed):
    volunteer.key_copy(printed[0], visited="yes", how_often="weekly", comments="Lovely")
    assert "a second volunteer must key this copy" in volunteer.page.text
    assert workspace.store.count_responses() == 0
    page = another_volunteer.give_serial(printed[0])
    assert "Second keying" in page.text
    another_volunteer.save(visited="yes", how_often="weekly", comments="  Lovely ")
    stored = workspace.store.response_for_serial(printed[0])
    assert stored["answers"] == {"visited": "yes", "how_often": "weekly", "comments": "Lovely"}
    assert stored["source"] == "paper" and workspace.store.count_responses() == 1
    assert stored["reference"] in another_volunteer.page.text


def test_the_same_session_cannot_key_both_copies(double_entry, volunteer, workspace, printed):
    volunteer.key_copy(printed[0], visited="no")
    page = volunteer.give_serial(printed[0])
    assert page.status_code == 409 and "A different volunteer" in page.text
    assert volunteer.client.get(f"/paper/f/visit/{printed[0]}").status_code == 409
    assert workspace.store.count_responses() == 0 and len(workspace.store.paper_keyings(printed[0])) == 1


def test_keyings_that_differ_count_nothing_until_a_coordinator_decides(double_entry, volunteer, another_volunteer, workspace, printed):
    volunteer.key_copy(printed[0], visited="no", rating="4", reasons=["too far"])
    another_volunteer.key_copy(printed[0], visited="no", rating="3", reasons=["too far"])
    assert "differ" in another_volunteer.page.text
    assert workspace.store.count_responses() == 0
    assert "Responses: 0" in volunteer.client.get("/coordinator/").text
    listing = volunteer.client.get("/paper/check")
    assert f'href="/paper/check/{printed[0]}"' in listing.text
    compare = volunteer.client.get(f"/paper/check/{printed[0]}")
    rows = {m[0]: m[1] for m in re.findall(r"<td>(\d+)</td>\s*<td>(?:<strong>)?(Same|Different)", compare.text, re.S)}
    assert rows == {"1": "Same", "2": "Same", "3": "Different", "4": "Same", "5": "Same", "6": "Same"}
    assert "First keying: 4" in compare.text and "Second keying: 3" in compare.text
    # A third keying is refused while the copy waits.
    third = Volunteer(volunteer.client.application.test_client(), workspace)
    assert third.give_serial(printed[0]).status_code == 409


def test_the_decision_stores_the_chosen_values(double_entry, volunteer, another_volunteer, workspace, printed):
    volunteer.key_copy(printed[0], visited="no", rating="4", reasons=["too far"], comments="Bins")
    another_volunteer.key_copy(printed[0], visited="no", rating="3", reasons=["no time"], comments="Bins")
    url = f"/paper/check/{printed[0]}"
    page = volunteer.client.get(url)
    # Every difference needs a choice.
    missing = volunteer.client.post(url, data={"csrf_token": csrf_of(page.text), "_pick.rating": "second"})
    assert missing.status_code == 400 and 'href="#pick-reasons"' in missing.text
    # A typed value is checked like any answer.
    bad = volunteer.client.post(url, data={"csrf_token": csrf_of(page.text), "_pick.rating": "second", "_pick.reasons": "paper", "reasons": "lost"})
    assert bad.status_code == 400 and "Pick only from the options given." in bad.text
    assert workspace.store.count_responses() == 0
    done = volunteer.client.post(url, data={
        "csrf_token": csrf_of(page.text), "_pick.rating": "second", "_pick.reasons": "paper",
        "reasons": ["too far", "not safe"],
    })
    assert done.status_code == 303 and done.headers["Location"] == "/paper/check"
    stored = workspace.store.response_for_serial(printed[0])
    assert stored["answers"] == {"visited": "no", "rating": 3, "reasons": ["too far", "not safe"], "comments": "Bins"}
    assert stored["reference"] in volunteer.client.get("/paper/check").text
    assert workspace.store.paper_copies_awaiting() == []


# -- in a real browser ----------------------------------------------------------------


def sign_in(page, live, workspace, path):
    from werkzeug.security import generate_password_hash

    if not workspace.config.get("coordinator_password"):
        workspace.config["coordinator_password"] = generate_password_hash("correct horse")
        workspace.save()
    page.goto(live.url + path)
    page.get_by_label("Password").fill("correct horse")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(live.url + path)


FOCUSED = "(document.activeElement.closest('.question') || {dataset: {}}).dataset.qid || document.activeElement.tagName"


def focused_question(page):
    return page.evaluate(FOCUSED)


def wait_for_focus_on(page, qid):
    """The page's script puts the focus on qid once it has run (later than the heading shows, on a busy machine)."""
    page.wait_for_function(f"({FOCUSED}) === {qid!r}", timeout=10_000)
    assert focused_question(page) == qid


VIEWPORTS = {"phone": {"width": 360, "height": 740}, "laptop": {"width": 1280, "height": 800}}


@pytest.mark.browser
@pytest.mark.parametrize("size", VIEWPORTS)
def test_a_copy_is_keyed_from_the_keyboard_alone(size, browser, live, workspace, printed):
    context = browser.new_context(viewport=VIEWPORTS[size])
    page = context.new_page()
    try:
        sign_in(page, live, workspace, "/paper/f/visit")
        expect(page.locator("#serial")).to_be_focused()
        page.keyboard.type(printed[0].lower())
        page.keyboard.press("Enter")
        expect(page.get_by_role("heading", name=re.compile("copy " + printed[0]))).to_be_visible()
        wait_for_focus_on(page, "visited")
        page.keyboard.press("2")  # No: the "why not" section appears, "how often" stays hidden
        expect(page.locator("#q-visited-1")).to_be_checked()
        expect(page.locator("#wrap-reasons")).to_be_visible()
        expect(page.locator("#wrap-how_often")).to_be_hidden()
        page.keyboard.press("Enter")
        assert focused_question(page) == "rating"
        page.keyboard.press("4")
        expect(page.locator("#q-rating-3")).to_be_checked()
        page.keyboard.press("Enter")
        assert focused_question(page) == "reasons"
        page.keyboard.press("1")
        page.keyboard.press("3")
        page.keyboard.press("3")  # a tick box: pressed again, untouched
        page.keyboard.press("2")
        page.keyboard.press("Enter")
        assert focused_question(page) == "comments"
        page.keyboard.type("More bins")
        page.keyboard.press("Enter")  # a new line in a long answer, not the next question
        page.keyboard.type("please")
        page.keyboard.press("Tab")
        assert focused_question(page) == "email"
        page.keyboard.press("Enter")  # the last question: on to Save, without saving yet
        expect(page.get_by_role("button", name="Save this copy")).to_be_focused()
        assert workspace.store.count_responses() == 0
        page.keyboard.press("Control+Enter")
        expect(page.locator("[data-reference]")).to_be_visible()
        stored = workspace.store.response_for_serial(printed[0])
        assert stored["answers"] == {"visited": "no", "rating": 4, "reasons": ["too far", "not safe"], "comments": "More bins\nplease"}
        # Enter again goes on to the next copy's serial.
        expect(page.get_by_role("link", name="Enter the next copy")).to_be_focused()
        page.keyboard.press("Enter")
        expect(page.locator("#serial")).to_be_focused()
    finally:
        context.close()


@pytest.mark.browser
@pytest.mark.parametrize("size", VIEWPORTS)
def test_paper_entry_pages_have_no_accessibility_violations(size, browser, live, workspace, printed):
    workspace.set_setting("double_entry", 1)
    first, second = (browser.new_context(viewport=VIEWPORTS[size]) for _ in range(2))
    try:
        page = first.new_page()
        sign_in(page, live, workspace, "/paper/f/visit")
        axe_check(page)
        page.get_by_label("Serial number of the copy").fill("ZZZ-000001")
        page.get_by_role("button", name="Continue").click()
        expect(page.get_by_role("button", name="Enter it anyway")).to_be_visible()
        axe_check(page)
        page.get_by_label("Serial number of the copy").fill(printed[0])
        page.get_by_role("button", name="Continue").click()
        page.get_by_role("button", name="Save this copy").click()
        expect(page.locator(".error-summary")).to_be_focused()
        axe_check(page)
        page.get_by_label("Yes").check()
        page.get_by_label("Weekly").check()
        page.get_by_role("button", name="Save this copy").click()
        expect(page.get_by_role("heading", name=re.compile("First keying"))).to_be_visible()
        axe_check(page)

        other = second.new_page()
        sign_in(other, live, workspace, "/paper/f/visit")
        other.get_by_label("Serial number of the copy").fill(printed[0])
        other.get_by_role("button", name="Continue").click()
        other.get_by_label("Yes").check()
        other.get_by_label("Daily").check()
        other.get_by_role("button", name="Save this copy").click()
        expect(other.get_by_role("heading", name=re.compile("differ"))).to_be_visible()

        page.goto(live.url + f"/paper/check/{printed[0]}")
        expect(page.get_by_role("cell", name="Different")).to_have_count(1)
        axe_check(page)
        page.get_by_label("Second keying: Daily").check()
        page.get_by_role("button", name="Store these answers").click()
        expect(page.locator(".flash")).to_contain_text("is stored as response")
        assert workspace.store.response_for_serial(printed[0])["answers"] == {"visited": "yes", "how_often": "daily"}
    finally:
        first.close()
        second.close()
