"""End to end in real headless Chromium at a phone-size viewport."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def answer_visible_questions(page):
    """Give every visible question on the page a valid answer, as a careful person would."""
    for wrap in page.locator(".question:visible").all():
        qtype = wrap.get_attribute("data-type")
        if qtype in ("choice", "yes_no", "scale"):
            if not wrap.locator("input:checked").count():
                wrap.locator("input[type=radio]").first.check()
        elif qtype == "choices":
            if not wrap.locator("input:checked").count():
                wrap.locator("input[type=checkbox]").first.check()
        elif qtype == "grid":
            for row in wrap.locator("fieldset.grid-row").all():
                row.locator("input[type=radio]").first.check()
        elif qtype == "ranking":
            selects = wrap.locator("select").all()
            for n, select in enumerate(selects, 1):
                select.select_option(str(n))
        elif qtype == "consent":
            wrap.locator("input[type=checkbox]").check()
        elif qtype == "textarea":
            wrap.locator("textarea").fill("Fine, thank you")
        elif qtype == "text":
            # A postcode district fits both free text and the examples' patterns.
            wrap.locator("input").fill("CF10")
        elif qtype == "number":
            wrap.locator("input").fill("3")
        elif qtype == "email":
            wrap.locator("input").fill("sam@example.com")
        elif qtype == "phone":
            wrap.locator("input").fill("01632 960001")
        elif qtype == "postcode":
            wrap.locator("input").fill("cf10 1aa")
        elif qtype == "date":
            wrap.locator("input").fill("2026-07-04")


def click_and_wait_for_next_page(page, button):
    """Click, then wait until a new document has fully loaded: pages move on
    after a background post, so the click itself returns before that."""
    page.evaluate("window.__old_page = true")
    button.click()
    page.wait_for_function("() => !window.__old_page && document.readyState === 'complete'")


def finish(page, max_pages=20):
    """Answer and press Next until the thank-you page; returns the reference."""
    for _ in range(max_pages):
        if page.locator("[data-reference]").count():
            return page.locator("[data-reference]").inner_text()
        answer_visible_questions(page)
        errors_before = page.locator(".error-summary").count()
        click_and_wait_for_next_page(page, page.locator(".actions .button-primary"))
        if page.locator(".error-summary").count() and errors_before:
            raise AssertionError(page.locator(".error-summary").inner_text())
    raise AssertionError("never reached the thank-you page")


def test_skip_logic_runs_live_in_the_browser(live, phone):
    phone.goto(live.url + "/f/visit")
    phone.get_by_role("button", name="Start").click()
    follow_up = phone.locator("#wrap-how_often")
    expect(phone.get_by_label("Yes")).to_be_visible()
    expect(follow_up).to_be_hidden()
    phone.get_by_label("Yes").check()
    expect(follow_up).to_be_visible()
    expect(phone.locator("[data-announce]")).to_have_text("New question: How often? (required)")
    phone.get_by_label("No").check()
    expect(follow_up).to_be_hidden()


def test_back_and_forth_then_double_click_submit_gives_one_response(live, phone, workspace, coordinator):
    phone.goto(live.url + "/")
    phone.get_by_role("link", name="Park visits").click()
    phone.get_by_role("button", name="Start").click()
    phone.get_by_label("No").check()
    phone.get_by_role("button", name="Next").click()
    expect(phone.get_by_role("heading", name="Why not?")).to_be_visible()
    phone.get_by_label("not safe").check()
    phone.get_by_role("button", name="Next").click()
    phone.get_by_label("Anything else to tell us?").fill("More lights please")
    phone.get_by_role("button", name="Back").click()
    expect(phone.get_by_role("heading", name="Why not?")).to_be_visible()
    expect(phone.get_by_label("not safe")).to_be_checked()
    phone.get_by_role("button", name="Back").click()
    expect(phone.get_by_role("heading", name="About your visits")).to_be_visible()
    expect(phone.get_by_label("No", exact=True)).to_be_checked()
    phone.get_by_role("button", name="Next").click()
    expect(phone.get_by_role("heading", name="Why not?")).to_be_visible()
    phone.get_by_role("button", name="Next").click()
    expect(phone.get_by_role("heading", name="Anything else")).to_be_visible()
    expect(phone.get_by_label("Anything else to tell us?")).to_have_value("More lights please")
    phone.get_by_role("button", name="Send my answers").dblclick()
    phone.wait_for_selector("[data-reference]")
    assert workspace.store.count_responses() == 1
    stored = workspace.store.list_responses()[0]
    assert stored["answers"] == {"visited": "no", "reasons": ["not safe"], "comments": "More lights please"}

    # The dashboard shows exactly one response.
    from werkzeug.security import generate_password_hash

    workspace.config["coordinator_password"] = generate_password_hash("correct horse")
    workspace.save()
    phone.goto(live.url + "/coordinator/")
    phone.get_by_label("Password").fill("correct horse")
    phone.get_by_role("button", name="Sign in").click()
    expect(phone.get_by_role("heading", name="Responses: 1")).to_be_visible()


def test_errors_link_to_their_fields_and_keyboard_alone_completes_a_page(live, phone):
    phone.goto(live.url + "/f/visit")
    phone.get_by_role("button", name="Start").focus()
    phone.keyboard.press("Enter")
    phone.wait_for_selector("h1:has-text('About your visits')")
    # Submit with nothing answered: the error summary takes focus and links to the field.
    phone.get_by_role("button", name="Next").click()
    expect(phone.locator(".error-summary")).to_be_focused()
    assert phone.evaluate("document.activeElement.classList.contains('error-summary')")
    phone.get_by_role("link", name="Answer this question.").click()
    assert phone.evaluate("location.hash") == "#q-visited"
    # Keyboard only: focus the first radio, pick it with Space, move on with Enter.
    phone.locator("#q-visited").focus()
    phone.keyboard.press("Space")
    phone.keyboard.press("Tab")
    assert phone.evaluate("document.activeElement.closest('.question').dataset.qid") == "how_often"
    phone.keyboard.press("Space")
    phone.keyboard.press("Enter")
    phone.wait_for_selector("h1:has-text('Anything else')")


def test_the_parks_example_can_be_filled_in_and_sent(tmp_path, phone):
    from collector.app import create_app
    from collector.workspace import Workspace
    from conftest import LiveServer

    ws = Workspace.create(tmp_path / "demo", demo=True)
    server = LiveServer(create_app(ws, {"TESTING": True}))
    try:
        phone.goto(server.url + "/")
        phone.locator(".form-card a", has_text=re.compile("Parks", re.I)).first.click()
        phone.get_by_role("button", name="Start").click()
        reference = finish(phone)
        assert re.fullmatch(r"[0-9A-Z]{4}-[0-9A-Z]{4}", reference)
        assert ws.store.count_responses() == 1
    finally:
        server.stop()
        ws.close()


def test_switching_to_welsh_changes_the_form_and_the_buttons(tmp_path, phone):
    from collector.app import create_app
    from collector.workspace import Workspace
    from conftest import LiveServer

    ws = Workspace.create(tmp_path / "demo", demo=True)
    found, _ = ws.load_forms()
    bilingual = next(f for f in found.values() if "cy" in f.languages)
    server = LiveServer(create_app(ws, {"TESTING": True}))
    try:
        phone.goto(f"{server.url}/f/{bilingual.id}")
        phone.get_by_role("link", name="Cymraeg").click()
        expect(phone.locator("h1")).to_have_text(bilingual.title["cy"])
        assert phone.locator("html").get_attribute("lang") == "cy"
        phone.get_by_role("button", name="Dechrau").click()
        first = bilingual.sections[0]
        expect(phone.locator("h1")).to_have_text(first.title["cy"])
        assert phone.get_by_role("button", name="Nesaf").is_visible()
        # And back to English mid-response, keeping the response.
        url = phone.url
        phone.get_by_role("button", name="English").click()
        expect(phone.locator("h1")).to_have_text(first.title["en"])
        assert phone.url == url
        reference = finish(phone)
        assert ws.store.list_responses()[0]["language"] == "en" and reference
    finally:
        server.stop()
        ws.close()


def test_kiosk_returns_to_the_start_and_forgets_the_last_person(workspace, browser):
    from collector.app import create_app
    from conftest import LiveServer

    server = LiveServer(create_app(workspace, {"TESTING": True, "KIOSK": True, "KIOSK_THANKS_SECONDS": 1, "KIOSK_IDLE_SECONDS": 2}))
    context = browser.new_context(viewport={"width": 800, "height": 1280})
    page = context.new_page()
    try:
        page.goto(server.url + "/f/visit")
        assert page.locator("a.brand").count() == 0, "kiosk pages must offer no way out"
        assert page.get_by_role("link", name="Coordinator").count() == 0
        page.evaluate("localStorage.setItem('draft', 'previous person'); sessionStorage.setItem('x', '1')")
        page.get_by_role("button", name="Start").click()
        page.get_by_label("Yes").check()
        page.get_by_label("daily").check()
        page.get_by_role("button", name="Next").click()
        expect(page.get_by_role("heading", name="Anything else")).to_be_visible()
        page.get_by_role("button", name="Send my answers").click()
        page.wait_for_selector("[data-reference]")
        page.wait_for_url(server.url + "/", timeout=5000)
        assert page.evaluate("localStorage.length + sessionStorage.length") == 0
        assert workspace.store.list_responses()[0]["source"] == "kiosk"
        # Walking away mid-form: after the idle time the start page returns, answers gone from the screen.
        page.goto(server.url + "/f/visit")
        page.get_by_role("button", name="Start").click()
        page.get_by_label("Yes").check()
        page.wait_for_url(server.url + "/", timeout=6000)
        assert "Yes" not in page.locator("main").inner_text()
        page.go_back()
        assert not page.locator("input:checked").count()
    finally:
        context.close()
        server.stop()


def test_skip_logic_in_the_browser_reads_answers_as_the_server_does(workspace, app, phone):
    from collector.app import reload_forms
    from conftest import LiveServer

    (workspace.forms_dir / "norm.yaml").write_text(
        "id: norm\nversion: 1\ntitle: Norm\nsections:\n  - id: a\n    title: A\n    questions:\n"
        "      - {id: pc, type: postcode, label: Postcode}\n"
        "      - {id: near, type: text, label: Near the centre, show_if: \"pc == 'CF10 1AA'\"}\n"
        "      - {id: n, type: number, label: How many}\n"
        "      - {id: many, type: text, label: Why so many, show_if: \"n > 999\"}\n"
        "      - {id: name, type: text, label: Name}\n"
        "      - {id: hello, type: text, label: Hello, show_if: \"name == 'Ann Lee'\"}\n"
    )
    reload_forms(app)
    server = LiveServer(app)
    try:
        phone.goto(server.url + "/f/norm")
        phone.get_by_role("button", name="Start").click()
        phone.get_by_label("Postcode").fill(" cf101aa ")
        expect(phone.get_by_label("Near the centre")).to_be_visible()
        phone.get_by_label("How many").fill("1,000")
        expect(phone.get_by_label("Why so many")).to_be_visible()
        phone.get_by_label("Name").fill("Ann   Lee")
        expect(phone.get_by_label("Hello")).to_be_visible()
    finally:
        server.stop()
