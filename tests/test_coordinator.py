"""Coordinator pages: password on first run, dashboard figures, responses, deletion as a tombstone."""

from conftest import csrf_of


def send_one(respondent, visited="yes"):
    respondent.start("visit")
    if visited == "yes":
        respondent.send(visited="yes", how_often="weekly", rating="5")
    else:
        respondent.send(visited="no")
        respondent.send(reasons=["too far"])
    respondent.send("submit", comments="Nice")
    return respondent.response_id


def test_volunteers_never_need_the_password(client):
    assert client.get("/").status_code == 200
    assert client.get("/f/visit").status_code == 200


def test_first_run_password_can_only_be_chosen_on_the_laptop(client, workspace):
    page = client.get("/coordinator/setup", environ_base={"REMOTE_ADDR": "192.0.2.7"})
    assert page.status_code == 403 and "on the laptop" in page.text
    page = client.get("/coordinator/setup")
    saved = client.post("/coordinator/setup", data={"csrf_token": csrf_of(page.text), "password": "long enough", "confirm": "long enough"})
    assert saved.status_code == 302
    stored = workspace.__class__(workspace.path).config["coordinator_password"]
    assert stored and "long enough" not in stored
    assert client.get("/coordinator/").status_code == 200


def test_setup_refuses_short_or_mismatched_passwords(client, workspace):
    page = client.get("/coordinator/setup")
    token = csrf_of(page.text)
    short = client.post("/coordinator/setup", data={"csrf_token": token, "password": "short", "confirm": "short"})
    assert short.status_code == 400
    mismatch = client.post("/coordinator/setup", data={"csrf_token": token, "password": "long enough", "confirm": "long enougH"})
    assert mismatch.status_code == 400 and "not the same" in mismatch.text
    assert not workspace.config.get("coordinator_password")


def test_pages_need_sign_in_and_a_wrong_password_is_refused(client, coordinator):
    coordinator.sign_in()
    client.post("/coordinator/logout", data={"csrf_token": csrf_of(client.get("/coordinator/").text)})
    page = client.get("/coordinator/")
    assert page.status_code == 302 and "/coordinator/login" in page.headers["Location"]
    login = client.get("/coordinator/login")
    wrong = client.post("/coordinator/login", data={"csrf_token": csrf_of(login.text), "password": "guess"})
    assert wrong.status_code == 400 and "That password is not right." in wrong.text
    assert client.get("/coordinator/").status_code == 302


def test_dashboard_counts_responses_per_form_source_and_event(client, coordinator, respondent, workspace):
    workspace.store.set_event("Library drop-in", "Central Library")
    send_one(respondent)
    send_one(respondent, visited="no")
    coordinator.sign_in()
    page = client.get("/coordinator/")
    assert page.status_code == 200
    assert "Responses: 2" in page.text
    assert "Library drop-in" in page.text
    assert 'aria-label="Per source. web: 2"' in page.text
    assert "<svg" in page.text  # the join QR code and the charts


def test_setting_the_event_from_the_dashboard_records_it_on_new_responses(client, coordinator, respondent, workspace):
    coordinator.sign_in()
    page = client.get("/coordinator/")
    client.post("/coordinator/event", data={"csrf_token": csrf_of(page.text), "name": "Summer fete", "venue": "The green", "date": "2026-07-04"})
    response_id = send_one(respondent)
    event = workspace.store.get_event(workspace.store.get_response(response_id)["event_id"])
    assert (event["name"], event["venue"], event["date"]) == ("Summer fete", "The green", "2026-07-04")


def test_response_list_detail_and_summary(client, coordinator, respondent, workspace):
    response_id = send_one(respondent)
    reference = workspace.store.get_response(response_id)["reference"]
    coordinator.sign_in()
    listing = client.get("/coordinator/forms/visit/responses")
    assert reference in listing.text
    detail = client.get(f"/coordinator/responses/{response_id}")
    assert "How often?" in detail.text and "weekly" in detail.text and "Nice" in detail.text
    summary = client.get("/coordinator/forms/visit/summary")
    assert summary.status_code == 200
    assert 'aria-label="How often?. daily: 0; weekly: 1; monthly: 0"' in summary.text
    assert "average 5" in summary.text


def test_personal_answers_are_not_listed_in_the_summary(client, coordinator, respondent, workspace):
    respondent.start("visit")
    respondent.send(visited="yes", how_often="daily")
    respondent.send("submit", email="secret@example.com")
    coordinator.sign_in()
    assert "secret@example.com" not in client.get("/coordinator/forms/visit/summary").text


def test_deleting_keeps_a_tombstone(client, coordinator, respondent, workspace):
    response_id = send_one(respondent)
    coordinator.sign_in()
    detail = client.get(f"/coordinator/responses/{response_id}")
    done = client.post(f"/coordinator/responses/{response_id}/delete", data={"csrf_token": csrf_of(detail.text)})
    assert done.status_code == 302
    row = workspace.store.get_response(response_id)
    assert row["deleted_at"] and row["answers"] == {} and row["revision"] == 2
    assert workspace.store.count_responses() == 0
    assert "was deleted" in client.get(f"/coordinator/responses/{response_id}").text
    assert workspace.store.audit_log("deletion")[0]["detail"]["response"] == response_id


def test_delete_without_csrf_token_changes_nothing(client, coordinator, respondent, workspace):
    response_id = send_one(respondent)
    coordinator.sign_in()
    assert client.post(f"/coordinator/responses/{response_id}/delete").status_code == 400
    assert workspace.store.count_responses() == 1


def test_sign_in_redirect_stays_on_this_site(client, coordinator):
    coordinator.sign_in()
    client.post("/coordinator/logout", data={"csrf_token": csrf_of(client.get("/coordinator/").text)})
    login = client.get("/coordinator/login?next=//evil.example/")
    done = client.post("/coordinator/login?next=//evil.example/", data={"csrf_token": csrf_of(login.text), "password": "correct horse"})
    assert done.headers["Location"].endswith("/coordinator/")


def test_a_response_to_an_older_version_shows_with_its_own_questions(client, coordinator, respondent, workspace, app):
    from collector.app import reload_forms

    response_id = send_one(respondent)
    path = workspace.forms_dir / "visit.yaml"
    # Version 4 turns how_often into a scale: old answers no longer fit its shape.
    new = path.read_text().replace("version: 3", "version: 4").replace(
        "type: choice\n        label: How often?\n        choices: [daily, weekly, monthly]",
        "type: scale\n        label: How often, 1 to 5?\n        min: 1\n        max: 5")
    assert new != path.read_text()
    path.write_text(new)
    reload_forms(app)
    coordinator.sign_in()
    detail = client.get(f"/coordinator/responses/{response_id}")
    assert detail.status_code == 200 and "How often?" in detail.text and "weekly" in detail.text
    summary = client.get("/coordinator/forms/visit/summary")
    assert summary.status_code == 200
    assert "Responses to version 4: 0." in summary.text and "Responses to other versions, not included here: 1." in summary.text


def test_repeated_wrong_passwords_are_slowed_down(client, coordinator):
    from collector.auth import throttle

    coordinator.sign_in()
    client.post("/coordinator/logout", data={"csrf_token": csrf_of(client.get("/coordinator/").text)})
    login = client.get("/coordinator/login")
    token = csrf_of(login.text)
    try:
        codes = [client.post("/coordinator/login", data={"csrf_token": token, "password": f"guess {i}"}).status_code for i in range(6)]
        assert codes == [400] * 5 + [429]
        # Even the right password waits now.
        right = client.post("/coordinator/login", data={"csrf_token": token, "password": "correct horse"})
        assert right.status_code == 429 and "Too many wrong passwords" in right.text
    finally:
        throttle.failures.clear()


def test_a_password_set_from_the_terminal_works_without_a_restart(client, workspace):
    from werkzeug.security import generate_password_hash

    from collector.workspace import Workspace

    assert client.get("/coordinator/").headers["Location"].endswith("/coordinator/setup")
    other = Workspace(workspace.path)  # as `collector password` does, in another process
    other.config["coordinator_password"] = generate_password_hash("set from terminal")
    other.save()
    login = client.get("/coordinator/login")
    done = client.post("/coordinator/login", data={"csrf_token": csrf_of(login.text), "password": "set from terminal"})
    assert done.status_code == 302


def test_config_and_database_are_private_to_the_laptops_user(workspace):
    import stat

    for path in (workspace.config_path, workspace.db_path):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path


def test_a_huge_page_number_shows_the_last_page(client, coordinator, respondent):
    send_one(respondent)
    coordinator.sign_in()
    assert client.get("/coordinator/forms/visit/responses?page=99999999999999999999").status_code == 200
