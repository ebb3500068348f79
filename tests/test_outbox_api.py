"""The endpoint tablets' outboxes deliver to: acknowledges only what it stored, once."""

import pytest

from collector.outbox import draft_token


@pytest.fixture
def started(respondent, app):
    respondent.start("visit")
    with app.test_request_context():
        token = draft_token(respondent.response_id)
    return respondent.response_id, token


def send(client, response_id, token, **overrides):
    body = {"token": token, "form_id": "visit", "version": "3", "lang": "en", "source": "web",
            "started_at": "2026-07-04T10:00:00Z", "answers": {"visited": "yes", "how_often": "daily"}}
    body.update(overrides)
    return client.post(f"/api/responses/{response_id}", json=body)


def test_a_delivered_response_is_acknowledged_with_its_id_after_it_is_stored(client, started, workspace):
    response_id, token = started
    reply = send(client, response_id, token)
    assert reply.status_code == 200
    body = reply.get_json()
    assert body["ok"] is True and body["id"] == response_id and body["created"] is True
    stored = workspace.store.get_response(response_id)
    assert stored["reference"] == body["reference"] and stored["answers"] == {"visited": "yes", "how_often": "daily"}


def test_re_sending_stores_nothing_new_and_gives_the_same_reference(client, started, workspace):
    response_id, token = started
    first = send(client, response_id, token).get_json()
    again = send(client, response_id, token, answers={"visited": "no"}).get_json()
    assert again["ok"] and again["created"] is False and again["reference"] == first["reference"]
    assert workspace.store.count_responses() == 1
    assert workspace.store.get_response(response_id)["answers"]["visited"] == "yes"


@pytest.mark.parametrize("wrong", ["guessed", "café", "’’’"])
def test_a_wrong_token_is_refused_and_nothing_stored(client, started, workspace, wrong):
    response_id, _ = started
    reply = send(client, response_id, wrong)
    assert reply.status_code == 403
    assert reply.get_json() == {"ok": False, "status": 403, "error": "This response was not started on this collector.", "errors": {}}
    assert workspace.store.count_responses() == 0


def test_invalid_answers_get_422_with_messages_per_question(client, started, workspace):
    response_id, token = started
    reply = send(client, response_id, token, answers={"visited": "maybe"})
    assert reply.status_code == 422
    assert reply.get_json()["errors"] == {"visited": ["Answer yes or no."]}
    assert workspace.store.count_responses() == 0


@pytest.mark.parametrize("body", [None, "text", ["list"]])
def test_a_body_that_is_not_a_json_object_is_a_400(client, started, body):
    response_id, _ = started
    reply = client.post(f"/api/responses/{response_id}", data="{not json" if body is None else None, json=body if body is not None else None,
                        content_type="application/json")
    assert reply.status_code == 400 and reply.get_json()["ok"] is False


@pytest.mark.parametrize("answers, says", [
    ({"visited": "yes", "how_often": "daily", "comments": "a\ud800b"}, "'comments' in 'answers' holds half of a surrogate pair"),
    ({"visited": "yes", "how_often": "daily", "rating": float("inf")}, "'rating' in 'answers' is inf"),
])
def test_answers_the_store_cannot_keep_are_a_400_that_says_where(client, started, workspace, answers, says):
    # Python's json reads these; before, the response failed on its way into SQLite (a 500).
    response_id, token = started
    reply = send(client, response_id, token, answers=answers)
    assert reply.status_code == 400 and says in reply.get_json()["error"]
    assert workspace.store.get_response(response_id) is None


@pytest.mark.parametrize("text", ["[" * 100_000 + "]" * 100_000, '{"answers": 1e400}', "[" * 100_000,
                                  b'{"token": "\xed\xa0\x80"}', b'{"token": "\xc3"}'])
def test_bodies_json_readers_choke_on_are_a_400_too(client, started, text):
    response_id, _ = started
    reply = client.post(f"/api/responses/{response_id}", data=text, content_type="application/json")
    assert reply.status_code == 400 and reply.get_json()["error"].startswith("The response could not be read: ")


def test_a_form_id_that_is_not_text_is_a_409_not_a_500(client, started):
    response_id, token = started
    assert send(client, response_id, token, form_id=["visit"]).status_code == 409


def test_a_changed_form_is_a_409_and_the_tablet_keeps_the_answers(client, started):
    response_id, token = started
    reply = send(client, response_id, token, version="2")
    assert reply.status_code == 409 and "kept on the tablet" in reply.get_json()["error"]


def test_a_late_delivery_is_stored_even_when_its_draft_is_gone(client, started, workspace):
    response_id, token = started
    workspace.store.discard_draft(response_id)
    assert send(client, response_id, token).status_code == 200
    stored = workspace.store.get_response(response_id)
    assert stored["started_at"] == "2026-07-04T10:00:00Z" and stored["source"] == "web"
    assert stored["device_id"] == workspace.device_id


def test_an_oversized_delivery_gets_a_json_413(client, started, workspace):
    response_id, token = started
    reply = send(client, response_id, token, answers={"comments": "x" * (workspace.setting("max_body_kb") * 1024)})
    assert reply.status_code == 413 and reply.get_json()["status"] == 413
