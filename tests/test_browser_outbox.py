"""Nothing lost in the browser: Wi-Fi drops, a stopped laptop, reloads, closed tabs, two tabs."""

import json

import pytest
from playwright.sync_api import expect

from conftest import LiveServer

pytestmark = pytest.mark.browser


def start_visit(page, server):
    page.goto(server.url + "/f/visit")
    page.get_by_role("button", name="Start").click()
    page.get_by_label("Yes").check()
    page.get_by_label("weekly").check()
    page.get_by_role("button", name="Next").click()
    expect(page.get_by_role("heading", name="Anything else")).to_be_visible()
    page.get_by_label("Anything else to tell us?").fill("Benches please")


def outbox(page):
    return json.loads(page.evaluate("localStorage.getItem('collector:outbox') || '{}'"))


def test_offline_submit_is_kept_shown_as_not_sent_and_sent_once_online(live, phone, workspace):
    start_visit(phone, live)
    phone.context.set_offline(True)
    phone.get_by_role("button", name="Send my answers").click()
    expect(phone.get_by_text("Saved on this device, not yet sent")).to_be_visible()
    assert phone.locator("[data-reference]").count() == 0
    assert workspace.store.count_responses() == 0
    assert len(outbox(phone)) == 1
    phone.context.set_offline(False)
    expect(phone.locator("[data-reference]")).to_be_visible(timeout=15000)
    assert workspace.store.count_responses() == 1
    stored = workspace.store.list_responses()[0]
    assert stored["answers"]["comments"] == "Benches please"
    assert phone.locator("[data-reference]").inner_text() == stored["reference"]
    assert outbox(phone) == {}


def test_a_stopped_laptop_gets_the_answer_when_it_starts_again(app, phone, workspace):
    server = LiveServer(app)
    try:
        start_visit(phone, server)
        server.stop()
        phone.get_by_role("button", name="Send my answers").click()
        expect(phone.get_by_text("Saved on this device, not yet sent")).to_be_visible(timeout=10000)
        server.restart()
        expect(phone.locator("[data-reference]")).to_be_visible(timeout=20000)
        assert workspace.store.count_responses() == 1
    finally:
        server.stop()


def test_next_while_the_laptop_is_away_waits_and_carries_on(live, phone, workspace):
    phone.goto(live.url + "/f/visit")
    phone.get_by_role("button", name="Start").click()
    phone.get_by_label("Yes").check()
    phone.get_by_label("monthly").check()
    phone.context.set_offline(True)
    phone.get_by_role("button", name="Next").click()
    expect(phone.get_by_text("Waiting for the laptop")).to_be_visible()
    expect(phone.get_by_label("monthly")).to_be_checked()
    phone.context.set_offline(False)
    expect(phone.get_by_role("heading", name="Anything else")).to_be_visible(timeout=15000)


def test_reload_and_a_reopened_tab_restore_every_answer(live, phone):
    phone.goto(live.url + "/f/visit")
    phone.get_by_role("button", name="Start").click()
    phone.get_by_label("Yes").check()
    phone.get_by_label("daily").check()
    phone.get_by_label("4").check()
    phone.get_by_role("button", name="Next").click()
    expect(phone.get_by_role("heading", name="Anything else")).to_be_visible()
    later_page = phone.url
    phone.get_by_label("Anything else to tell us?").fill("Typed but never sent")
    phone.get_by_label("Your email").fill("me@example.com")
    phone.reload()
    expect(phone.get_by_label("Anything else to tell us?")).to_have_value("Typed but never sent")
    expect(phone.get_by_label("Your email")).to_have_value("me@example.com")
    # Closing the tab and opening the page again in a new one.
    context = phone.context
    phone.close()
    again = context.new_page()
    again.goto(later_page)
    expect(again.get_by_label("Anything else to tell us?")).to_have_value("Typed but never sent")
    again.get_by_role("button", name="Back").click()
    expect(again.get_by_label("daily")).to_be_checked()
    expect(again.get_by_label("4")).to_be_checked()


def test_typing_in_a_response_never_sent_is_dropped_when_the_laptop_would_drop_it(live, phone, workspace):
    # draft_days is 7 by default: what a browser typed into a response never sent goes after 7 days too.
    assert workspace.setting("draft_days") == 7
    phone.goto(live.url + "/f/visit")
    phone.get_by_role("button", name="Start").click()
    phone.get_by_label("Yes").check()  # typed, kept in the browser
    mine = "collector:draft:" + phone.url.split("/")[4]
    phone.evaluate("""() => {
        const day = 86400000, record = (at) => JSON.stringify({base: "x", pages: {"1": {visited: "yes"}}, at: at});
        localStorage.setItem("collector:draft:left-8-days-ago", record(Date.now() - 8 * day));
        localStorage.setItem("collector:draft:left-6-days-ago", record(Date.now() - 6 * day));
        localStorage.setItem("collector:draft:from-before-dating", JSON.stringify({base: "x", pages: {}}));
    }""")
    phone.reload()
    expect(phone.get_by_label("Yes")).to_be_checked()  # this response's typing is still there
    kept = phone.evaluate("() => Object.fromEntries(Object.keys(localStorage).map(k => [k, JSON.parse(localStorage.getItem(k))]))")
    assert "collector:draft:left-8-days-ago" not in kept
    assert "collector:draft:left-6-days-ago" in kept and mine in kept
    assert isinstance(kept["collector:draft:from-before-dating"]["at"], (int, float))  # dated now, gone 7 days on


def test_two_tabs_with_the_same_draft_give_one_response(live, phone, workspace):
    start_visit(phone, live)
    second = phone.context.new_page()
    second.goto(phone.url)
    expect(second.get_by_role("heading", name="Anything else")).to_be_visible()
    phone.get_by_role("button", name="Send my answers").click()
    second.get_by_role("button", name="Send my answers").click()
    expect(phone.locator("[data-reference]")).to_be_visible()
    expect(second.locator("[data-reference]")).to_be_visible()
    assert phone.locator("[data-reference]").inner_text() == second.locator("[data-reference]").inner_text()
    assert workspace.store.count_responses() == 1


def test_start_page_counts_unsent_answers_and_saves_them_as_a_file(live, phone, tmp_path):
    phone.goto(live.url + "/")
    # An answer this laptop will not take (it was started on another collector) stays in the outbox.
    entry = {"id": "00000000-0000-4000-8000-000000000001", "token": "not-this-laptop", "form_id": "visit", "version": "3",
             "lang": "en", "source": "web", "started_at": "2026-07-04T10:00:00Z", "answers": {"visited": "no"},
             "url": "/api/responses/00000000-0000-4000-8000-000000000001", "thanks": "/"}
    phone.evaluate("e => localStorage.setItem('collector:outbox', JSON.stringify({[e.id]: e}))", entry)
    phone.reload()
    expect(phone.get_by_text("Answers on this device not yet sent to the laptop: 1")).to_be_visible()
    with phone.expect_download() as download:
        phone.get_by_role("button", name="Save them as a file").click()
    saved = [json.loads(line) for line in open(download.value.path()).read().splitlines()]
    assert saved == [{"id": entry["id"], "language": "en", "source": "web", "started_at": "2026-07-04T10:00:00Z", "visited": "no"}]


def test_kiosk_keeps_nothing_of_the_last_person_once_their_answer_is_acknowledged(workspace, browser):
    from collector.app import create_app

    server = LiveServer(create_app(workspace, {"TESTING": True, "KIOSK": True, "KIOSK_THANKS_SECONDS": 1}))
    page = browser.new_context().new_page()
    try:
        start_visit(page, server)
        page.get_by_role("button", name="Send my answers").click()
        expect(page.locator("[data-reference]")).to_be_visible()
        page.wait_for_url(server.url + "/", timeout=5000)
        assert page.evaluate("localStorage.length + sessionStorage.length") == 0
        assert workspace.store.count_responses() == 1
    finally:
        page.context.close()
        server.stop()


def test_on_localhost_a_reload_works_while_the_laptop_is_unreachable(live, phone):
    phone.goto(live.url + "/")
    phone.evaluate("navigator.serviceWorker.ready.then(() => true)")
    phone.goto(live.url + "/f/visit")
    phone.get_by_role("button", name="Start").click()
    phone.get_by_label("Yes").check()
    phone.get_by_label("daily").check()
    phone.get_by_role("button", name="Next").click()
    expect(phone.get_by_role("heading", name="Anything else")).to_be_visible()
    assert phone.evaluate("!!navigator.serviceWorker.controller")
    phone.get_by_label("Anything else to tell us?").fill("Typed while the Wi-Fi was down")
    live.stop()
    phone.reload()
    expect(phone.get_by_role("heading", name="Anything else")).to_be_visible()
    expect(phone.get_by_label("Anything else to tell us?")).to_have_value("Typed while the Wi-Fi was down")
