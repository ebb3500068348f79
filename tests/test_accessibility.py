"""axe-core's WCAG 2.2 A and AA rules on every kind of page, at phone width."""

import re
import textwrap

import pytest
from conftest import axe_check
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

EVERY_TYPE = textwrap.dedent("""\
    id: every_type
    version: 1
    title: Every kind of question
    privacy: Kept for a year by the council.
    choice_lists:
      agree: [Agree, Neutral, Disagree]
    sections:
      - id: one
        title: All on one page
        questions:
          - {id: intro_note, type: note, label: Please answer what you can.}
          - {id: name, type: text, label: Your name, personal: true, hint: As you like to be called}
          - {id: story, type: textarea, label: Tell us more}
          - {id: age, type: number, label: Your age, min: 0, max: 120}
          - {id: area, type: choice, label: Where do you live, choices: [North, South], other: true}
          - {id: uses, type: choices, label: What do you use, choices: [Library, Cafe, Hall], other: true}
          - {id: rate, type: scale, label: Rate it, min: 1, max: 5, labels: {1: Poor, 5: Great}}
          - id: grid
            type: grid
            label: How much do you agree
            statements: [{id: clean, label: It is clean}, {id: safe, label: It is safe}]
            scale: {min: 1, max: 5, labels: {1: Strongly disagree, 5: Strongly agree}}
          - {id: grid2, type: grid, label: Views, statements: [{id: a, label: Opening hours}], choices: agree}
          - {id: rank, type: ranking, label: Rank these, choices: [Parks, Roads, Libraries]}
          - {id: again, type: yes_no, label: Would you come again, required: true}
          - {id: when, type: date, label: When did you visit}
          - {id: email, type: email, label: Email, personal: true}
          - {id: phone, type: phone, label: Phone, personal: true}
          - {id: postcode, type: postcode, label: Postcode, personal: true}
          - {id: ok, type: consent, label: I agree to be contacted}
""")


@pytest.fixture
def every_type(workspace):
    (workspace.forms_dir / "every_type.yaml").write_text(EVERY_TYPE, encoding="utf-8")


def test_survey_pages_have_no_accessibility_violations(every_type, app, phone):
    from conftest import LiveServer

    server = LiveServer(app)
    try:
        phone.goto(server.url + "/")
        axe_check(phone)
        phone.goto(server.url + "/f/every_type")
        axe_check(phone)
        phone.get_by_role("button", name="Start").click()
        axe_check(phone)
        # The same page showing errors.
        phone.get_by_label("Your age").fill("old")
        phone.get_by_role("button", name="Send my answers").click()
        expect(phone.locator(".error-summary")).to_be_visible()
        axe_check(phone)
        phone.get_by_label("Your age").fill("40")
        phone.get_by_label("Yes").check()
        phone.get_by_label("I agree to be contacted").check()
        phone.get_by_role("button", name="Send my answers").click()
        phone.wait_for_selector("[data-reference]")
        axe_check(phone)
        phone.goto(server.url + "/no/such/page")
        axe_check(phone)
    finally:
        server.stop()


def test_coordinator_pages_have_no_accessibility_violations(every_type, app, phone, workspace):
    from conftest import LiveServer
    from werkzeug.security import generate_password_hash

    server = LiveServer(app)
    try:
        phone.goto(server.url + "/coordinator/")
        assert "/coordinator/setup" in phone.url
        axe_check(phone)
        workspace.config["coordinator_password"] = generate_password_hash("correct horse")
        workspace.save()
        phone.goto(server.url + "/coordinator/login")
        axe_check(phone)
        phone.get_by_label("Password").fill("wrong password")
        phone.get_by_role("button", name="Sign in").click()
        expect(phone.locator(".error-summary")).to_be_visible()
        axe_check(phone)
        phone.get_by_label("Password").fill("correct horse")
        phone.get_by_role("button", name="Sign in").click()
        expect(phone.get_by_role("heading", name="Dashboard")).to_be_visible()
        # One response so lists, detail and charts have content.
        phone.goto(server.url + "/f/every_type")
        phone.get_by_role("button", name="Start").click()
        phone.get_by_label("Yes").check()
        phone.get_by_label("North").check()
        phone.get_by_label("I agree to be contacted").check()
        phone.get_by_role("button", name="Send my answers").click()
        expect(phone.locator("[data-reference]")).to_be_visible()
        phone.goto(server.url + "/coordinator/")
        axe_check(phone)
        phone.goto(server.url + "/coordinator/forms/every_type/responses")
        axe_check(phone)
        phone.locator("table.data a").first.click()
        expect(phone.get_by_role("heading", name=re.compile("Response"))).to_be_visible()
        axe_check(phone)
        phone.goto(server.url + "/coordinator/forms/every_type/summary")
        axe_check(phone)
        phone.goto(server.url + "/coordinator/forms/every_type/responses")
        link = phone.locator("table.data a").first
        reference, href = link.inner_text(), link.get_attribute("href")
        phone.goto(server.url + "/coordinator/people")
        phone.get_by_label("Reference or paper serial").fill(reference.lower())
        phone.keyboard.press("Enter")
        phone.get_by_role("link", name=reference).click()
        expect(phone.get_by_role("button", name="Erase this response")).to_be_visible()
        assert href.rsplit("/", 1)[1] in phone.url
        phone.get_by_role("button", name="Erase this response").click()
        expect(phone.locator(".error-message")).to_be_visible()
        axe_check(phone)
    finally:
        server.stop()


def test_hub_pages_have_no_accessibility_violations(hub, pair_laptop, phone):
    import uuid

    from conftest import LiveServer
    from werkzeug.security import generate_password_hash

    workspace = hub.extensions["workspace"]
    a, b = pair_laptop("Hall laptop"), pair_laptop("Library laptop")
    for laptop in (a, b):
        laptop.capture()
        laptop.store.submit_paper_response(str(uuid.uuid4()), "visit", "3", {"visited": "no"}, "ABC-000001", "en",
                                           laptop.workspace.device_id)
        laptop.sync()
    workspace.config["coordinator_password"] = generate_password_hash("correct horse")
    workspace.save()
    server = LiveServer(hub)
    try:
        phone.goto(server.url + "/coordinator/login")
        phone.get_by_label("Password").fill("correct horse")
        phone.get_by_role("button", name="Sign in").click()
        expect(phone.get_by_role("heading", name="Laptops")).to_be_visible()
        axe_check(phone)
        phone.get_by_role("link", name="Laptops", exact=True).click()
        phone.get_by_label("Laptop's name").fill("Community centre laptop")
        phone.keyboard.press("Enter")
        expect(phone.get_by_role("heading", name=re.compile("Pairing code for"))).to_be_visible()
        expect(phone.get_by_role("cell", name="This paper copy was already keyed on another laptop.")).to_be_visible()
        axe_check(phone)
        code = re.search(r"http://\S+/pair/[0-9A-Z-]+", phone.locator(".address code").inner_text()).group(0)
        phone.get_by_role("link", name="Revoke – Hall laptop").click()
        expect(phone.get_by_role("heading", name="Revoke Hall laptop?")).to_be_visible()
        axe_check(phone)
        phone.goto(code)
        axe_check(phone)
    finally:
        server.stop()
