"""Filling in a form through the web app: pages, skip logic, validation, one response per id."""

from conftest import csrf_of


def test_start_page_lists_the_open_forms(client):
    page = client.get("/")
    assert page.status_code == 200
    assert "Park visits" in page.text
    assert 'href="/f/visit' in page.text


def test_a_response_is_stored_once_with_its_metadata(respondent, workspace):
    workspace.store.set_event("Riverside fete", "Riverside Park", "2026-07-04")
    first = respondent.start("visit")
    assert "Page 1 of" in first.text
    respondent.send(visited="yes", how_often="weekly", rating="4")
    done = respondent.send("submit", comments="  Lovely  ", email="a@example.com")
    assert done.status_code == 200
    assert "Your reference" in done.text
    stored = workspace.store.get_response(respondent.response_id)
    # The personal answer (email) is kept apart from the others; put back together, nothing is missing.
    assert stored["answers"] == {"visited": "yes", "how_often": "weekly", "rating": 4, "comments": "Lovely"}
    answers, sealed = workspace.privacy.answers_of(stored)
    assert answers == {**stored["answers"], "email": "a@example.com"} and not sealed
    assert stored["form_id"] == "visit" and stored["form_version"] == "3"
    assert stored["source"] == "web" and stored["language"] == "en"
    assert stored["device_id"] == workspace.device_id
    assert workspace.store.get_event(stored["event_id"])["name"] == "Riverside fete"
    assert stored["started_at"] <= stored["submitted_at"]
    assert stored["reference"] in done.text


def test_skip_logic_skips_the_hidden_section_and_drops_hidden_answers(respondent, workspace):
    respondent.start("visit")
    # "yes" skips the "why not" section: the next page is the last one.
    page = respondent.send(visited="yes", how_often="daily")
    assert "Anything else" in page.text and "What stops you?" not in page.text
    respondent.send("back")
    # Changing to "no" hides how_often; its old answer is dropped.
    page = respondent.send(visited="no", how_often="daily")
    assert "What stops you?" in page.text
    respondent.send(reasons=["too far", "other"], **{"reasons.other": "No bus"})
    respondent.send("submit")
    answers = workspace.store.get_response(respondent.response_id)["answers"]
    assert answers == {"visited": "no", "reasons": ["too far", "other"], "reasons.other": "No bus"}


def test_back_and_next_keep_every_answer(respondent):
    respondent.start("visit")
    respondent.send(visited="no")
    respondent.send(reasons=["not safe"])
    page = respondent.send("back")
    assert 'value="not safe" checked' in page.text
    page = respondent.send("back", reasons=["not safe", "no time"])
    assert 'value="no" checked' in page.text
    page = respondent.send(visited="no")
    assert 'value="not safe" checked' in page.text and 'value="no time" checked' in page.text


def test_errors_are_summarised_at_the_top_with_links_to_each_field(respondent, workspace):
    respondent.start("visit")
    page = respondent.send(visited="yes", rating="9")
    assert page.status_code == 400
    summary = page.text.split('class="error-summary"')[1].split("</div>")[0]
    assert 'href="#q-how_often"' in summary and "Answer this question." in summary
    assert 'href="#q-rating"' in summary and "Pick a point from 1 to 5." in summary
    assert 'id="q-how_often"' in page.text and 'id="q-rating"' in page.text
    assert workspace.store.count_responses() == 0


def test_a_resent_submit_stores_one_response(respondent, client, workspace):
    respondent.start("visit")
    respondent.send(visited="yes", how_often="daily")
    token = csrf_of(respondent.last.text)
    url = respondent.page_url
    first = client.post(url, data={"csrf_token": token, "_action": "submit"})
    second = client.post(url, data={"csrf_token": token, "_action": "submit"})
    assert first.status_code == second.status_code == 303
    assert first.headers["Location"] == second.headers["Location"]
    assert workspace.store.count_responses() == 1


def test_thank_you_reference_finds_the_response(respondent, workspace):
    respondent.start("visit")
    respondent.send(visited="yes", how_often="daily")
    done = respondent.send("submit")
    stored = workspace.store.get_response(respondent.response_id)
    assert stored["reference"] in done.text
    assert workspace.store.find_reference(stored["reference"].lower().replace("-", ""))["id"] == stored["id"]


def test_unknown_field_is_refused_and_nothing_is_stored(respondent, workspace):
    respondent.start("visit")
    page = respondent.send(visited="yes", how_often="daily", admin="1")
    assert page.status_code == 400
    assert "admin" in page.text
    assert workspace.store.get_draft(respondent.response_id)["answers"] == {}


def test_value_outside_the_choice_list_is_refused(respondent, workspace):
    respondent.start("visit")
    page = respondent.send(visited="yes", how_often="hourly")
    assert page.status_code == 400
    assert "Pick one of the options given." in page.text
    assert workspace.store.count_responses() == 0


def test_over_long_text_is_refused(respondent, workspace):
    respondent.start("visit")
    respondent.send(visited="yes", how_often="daily")
    page = respondent.send("submit", comments="x" * 201)
    assert page.status_code == 400
    assert "Use 200 characters or fewer." in page.text
    assert workspace.store.count_responses() == 0


def test_missing_csrf_token_is_refused(respondent, client, workspace):
    respondent.start("visit")
    result = client.post(respondent.page_url, data={"_action": "next", "visited": "yes"})
    assert result.status_code == 400
    assert "expired" in result.text
    assert workspace.store.get_draft(respondent.response_id)["answers"] == {}


def test_unknown_form_and_unknown_response_are_404(client):
    assert client.get("/f/nope").status_code == 404
    assert client.get("/r/00000000-0000-0000-0000-000000000000/1").status_code == 404
    page = client.get("/no/such/page")
    assert page.status_code == 404 and "There is no page at this address." in page.text


def test_a_response_for_a_form_version_that_is_gone_is_404(respondent, workspace, app):
    respondent.start("visit")
    (workspace.forms_dir / "visit.yaml").write_text((workspace.forms_dir / "visit.yaml").read_text().replace("version: 3", "version: 4"))
    from collector.app import reload_forms

    reload_forms(app)
    assert respondent.send(visited="yes").status_code == 404
    assert workspace.store.count_responses() == 0


def test_a_body_over_the_limit_gets_413(respondent, client, workspace):
    respondent.start("visit")
    data = {"csrf_token": csrf_of(respondent.last.text), "comments": "x" * (workspace.setting("max_body_kb") * 1024 + 10)}
    assert client.post(respondent.page_url, data=data).status_code == 413


def test_an_error_in_one_request_keeps_stored_responses(respondent, client, workspace, monkeypatch):
    respondent.start("visit")
    respondent.send(visited="yes", how_often="daily")
    respondent.send("submit")

    def broken():
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(workspace.store, "current_event", broken)
    intro = client.get("/f/visit")
    page = client.post("/f/visit", data={"csrf_token": csrf_of(intro.text)})
    assert page.status_code == 500 and "Answers already sent are safe" in page.text
    assert "disk on fire" not in page.text
    assert workspace.store.count_responses() == 1


def test_security_headers_forbid_inline_script(client):
    headers = client.get("/").headers
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert "unsafe-inline" not in headers["Content-Security-Policy"]
    assert headers["X-Frame-Options"] == "DENY"


def test_pages_use_only_local_assets(client, respondent):
    respondent.start("visit")
    for html in (client.get("/").text, respondent.last.text):
        assert "http://" not in html.replace("http://www.w3.org", "") and "https://" not in html.replace("https://www.w3.org", "")
        assert "<script>" not in html and "style=" not in html


def test_a_section_shown_by_the_last_page_is_asked_before_sending(client, workspace, app):
    from collector.app import reload_forms
    from conftest import Respondent

    (workspace.forms_dir / "tail.yaml").write_text(
        "id: tail\nversion: 1\ntitle: Tail\nsections:\n"
        "  - id: a\n    title: First\n    questions:\n      - {id: visited, type: yes_no, label: Visited, required: true}\n"
        "  - id: b\n    title: Why not\n    show_if: \"visited == 'no'\"\n    questions:\n      - {id: why, type: text, label: Why not, required: true}\n"
    )
    reload_forms(app)
    person = Respondent(client)
    first = person.start("tail")
    assert "Send my answers" not in first.text, "an answer here can still reveal the next section"
    page = person.send("submit", visited="no")
    assert "Why not" in page.text and workspace.store.count_responses() == 0
    person.send("submit", why="Too far")
    assert workspace.store.get_response(person.response_id)["answers"] == {"visited": "no", "why": "Too far"}


def test_a_draft_cannot_be_opened_from_another_browser(respondent, app, workspace):
    respondent.start("visit")
    respondent.send(visited="yes", how_often="daily")
    stranger = app.test_client()
    assert stranger.get(respondent.page_url).status_code == 404
    assert stranger.post(respondent.page_url, data={"_action": "next"}).status_code in (400, 404)
    assert workspace.store.get_draft(respondent.response_id)["answers"]["how_often"] == "daily"


def test_a_draft_cannot_be_opened_by_another_browser_with_drafts_of_its_own(respondent, app):
    from conftest import Respondent

    respondent.start("visit")
    stranger = Respondent(app.test_client())
    stranger.start("visit")
    assert stranger.client.get(respondent.page_url).status_code == 404
    assert respondent.client.get(stranger.page_url).status_code == 404
    assert stranger.client.get(stranger.page_url).status_code == 200


def test_a_browser_keeps_every_draft_it_starts_and_its_cookie_does_not_change(respondent, client):
    # A tablet handed from person to person: each starts a response, some leave theirs unsent.
    respondent.start("visit")
    first = respondent.page_url
    cookie = client.get_cookie("session").value
    for _ in range(25):
        respondent.start("visit")
        assert client.get_cookie("session").value == cookie
    assert client.get(first).status_code == 200
    assert len(cookie) < 200


def test_a_draft_started_before_drafts_knew_their_browser_still_opens(client, workspace):
    # Sessions made before m012 listed their drafts' ids, and those drafts have no browser.
    response_id = workspace.store.start_response("visit", "3", "en", "web", workspace.device_id)
    with client.session_transaction() as session:
        session["drafts"] = [response_id]
    assert client.get(f"/r/{response_id}/1").status_code == 200
    with client.session_transaction() as session:
        session["drafts"] = []
    assert client.get(f"/r/{response_id}/1").status_code == 404


def test_kiosk_start_page_drops_the_last_persons_unsent_answers(workspace):
    from collector.app import create_app
    from conftest import Respondent

    app = create_app(workspace, {"TESTING": True, "KIOSK": True})
    kiosk = app.test_client()
    person = Respondent(kiosk)
    person.start("visit")
    person.send(visited="yes", how_often="daily")
    earlier = Respondent(kiosk)  # left by an earlier person on the same kiosk, also unsent
    earlier.start("visit")
    elsewhere = Respondent(app.test_client())  # another browser's, kept
    elsewhere.start("visit")
    legacy = workspace.store.start_response("visit", "3", "en", "kiosk", workspace.device_id)
    with kiosk.session_transaction() as session:
        session["drafts"] = [legacy]  # as a session from before m012 listed its drafts
    kiosk.get("/")
    for gone in (person, earlier):
        assert workspace.store.get_draft(gone.response_id) is None
        assert kiosk.get(gone.page_url).status_code == 404
    assert workspace.store.get_draft(legacy) is None
    assert workspace.store.get_draft(elsewhere.response_id) is not None


def test_drafts_untouched_for_days_are_dropped_at_start_up(workspace):
    from collector.app import create_app

    store = workspace.store
    old = store.start_response("visit", "3", "en", "web", "dev")
    fresh = store.start_response("visit", "3", "en", "web", "dev")
    store.db.execute("update drafts set updated_at = '2020-01-01T00:00:00Z' where id = ?", [old])
    store.db.conn.commit()
    create_app(workspace, {"TESTING": True})
    assert store.get_draft(old) is None and store.get_draft(fresh) is not None


def test_a_form_added_to_the_folder_is_offered_without_a_restart(client, workspace, monkeypatch):
    monkeypatch.setattr("collector.app.FORMS_CHECK_SECONDS", 0)
    assert "Library survey" not in client.get("/").text
    (workspace.forms_dir / "library.yaml").write_text(
        "id: library\nversion: 1\ntitle: Library survey\nsections:\n  - id: s\n    title: S\n"
        "    questions:\n      - {id: q, type: text, label: Anything else}\n", encoding="utf-8")
    assert "Library survey" in client.get("/").text
    (workspace.forms_dir / "library.yaml").unlink()
    assert "Library survey" not in client.get("/").text
