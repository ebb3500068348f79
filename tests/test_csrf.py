"""CSRF tokens: one per session, signed once (collector/csrf.py), and still only good for their own session."""

import pytest

from collector.app import create_app
from conftest import Respondent, csrf_of

EXPIRED = "This page has expired or was not sent from this collector"


def test_every_page_of_a_session_carries_one_token_signed_once_and_a_post_with_it_saves(respondent, client, workspace, monkeypatch):
    import flask_wtf.csrf

    import collector.csrf

    calls = {"signed": 0, "unsigned": 0}

    def counted(name, key):
        real = getattr(flask_wtf.csrf, name)

        def call(*args, **kwargs):
            calls[key] += 1
            return real(*args, **kwargs)
        return call

    monkeypatch.setattr(collector.csrf, "generate_csrf", counted("generate_csrf", "signed"))
    monkeypatch.setattr(flask_wtf.csrf, "validate_csrf", counted("validate_csrf", "unsigned"))
    intro = client.get("/f/visit")
    page = respondent.start("visit")
    assert csrf_of(page.text) == csrf_of(intro.text) == csrf_of(client.get(respondent.page_url).text)
    respondent.send(visited="yes", how_often="daily")
    assert workspace.store.get_draft(respondent.response_id)["answers"]["how_often"] == "daily"
    assert calls == {"signed": 1, "unsigned": 0}


def test_the_kept_token_is_one_flask_wtf_itself_accepts(app, client, respondent):
    from flask_wtf.csrf import validate_csrf

    page = respondent.start("visit")
    cookie = client.get_cookie("session").value
    with app.test_request_context("/", headers={"Cookie": f"session={cookie}"}):
        validate_csrf(csrf_of(page.text))  # raises if not


def test_another_sessions_token_is_refused_though_each_is_kept(app, respondent, workspace):
    respondent.start("visit")
    other = Respondent(app.test_client())
    theirs = other.start("visit")
    answer = respondent.client.post(respondent.page_url, data={"csrf_token": csrf_of(theirs.text), "_action": "next", "visited": "no"})
    assert answer.status_code == 400 and EXPIRED in answer.text
    assert workspace.store.get_draft(respondent.response_id)["answers"] == {}


@pytest.mark.parametrize("change", [lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"), lambda t: "", lambda t: t + "x",
                                    lambda t: t[:-1] + "é", lambda t: "’" * len(t)],
                         ids=["changed", "missing", "longer", "not-ascii", "quotes"])
def test_a_changed_or_missing_token_is_refused(respondent, workspace, change):
    page = respondent.start("visit")
    answer = respondent.client.post(respondent.page_url, data={"csrf_token": change(csrf_of(page.text)), "_action": "next", "visited": "no"})
    assert answer.status_code == 400
    assert workspace.store.get_draft(respondent.response_id)["answers"] == {}


def test_a_page_shown_before_a_restart_still_saves_after_it(workspace):
    # The kept tokens are gone with the restart; the token the page carries was signed by Flask-WTF
    # with the workspace's key, which stays, so it is checked the long way and still taken.
    before = create_app(workspace, {"TESTING": True})
    client = before.test_client()
    person = Respondent(client)
    page = person.start("visit")
    client.application = create_app(workspace, {"TESTING": True})
    assert client.application.extensions["csrf_tokens"].entries == {}
    answer = client.post(person.page_url, data={"csrf_token": csrf_of(page.text), "_action": "next", "visited": "no"})
    assert answer.status_code == 303
    assert workspace.store.get_draft(person.response_id)["answers"] == {"visited": "no"}


def test_a_token_signed_at_another_time_for_the_same_session_is_still_taken(app, client, respondent, workspace, monkeypatch):
    # As Flask-WTF signed this session's secret on an earlier day: a different text, as good.
    from itsdangerous import URLSafeTimedSerializer

    page = respondent.start("visit")
    with client.session_transaction() as session:
        secret = session["csrf_token"]
    with monkeypatch.context() as m:
        m.setattr("itsdangerous.timed.time.time", lambda: 1_700_000_000)
        earlier = URLSafeTimedSerializer(app.secret_key, salt="wtf-csrf-token").dumps(secret)
    assert earlier != csrf_of(page.text)
    answer = client.post(respondent.page_url, data={"csrf_token": earlier, "_action": "next", "visited": "no"})
    assert answer.status_code == 303
    assert workspace.store.get_draft(respondent.response_id)["answers"] == {"visited": "no"}


def test_over_https_flask_wtfs_referrer_check_still_applies(respondent, client, workspace):
    page = respondent.start("visit")
    token = csrf_of(page.text)
    answer = client.post(respondent.page_url, base_url="https://localhost", data={"csrf_token": token, "_action": "next", "visited": "no"})
    assert answer.status_code == 400  # no Referer: refused, as Flask-WTF refuses it
    assert workspace.store.get_draft(respondent.response_id)["answers"] == {}
    answer = client.post(respondent.page_url, base_url="https://localhost", headers={"Referer": "https://localhost/"},
                         data={"csrf_token": token, "_action": "next", "visited": "no"})
    assert answer.status_code == 303
