"""Roles: volunteers key paper copies, coordinators do the rest; kiosks reach neither; every form needs its CSRF token."""

import re

import pytest
from click.testing import CliRunner
from werkzeug.security import generate_password_hash

from conftest import Coordinator, csrf_of

COORDINATOR_PAGES = ["/coordinator/", "/coordinator/forms/visit/responses", "/coordinator/forms/visit/summary",
                     "/paper/check"]


def sign_in(client, secret):
    page = client.get("/coordinator/login")
    return client.post("/coordinator/login", data={"csrf_token": csrf_of(page.text), "password": secret})


@pytest.fixture
def volunteer(client, workspace):
    workspace.config["coordinator_password"] = generate_password_hash("correct horse")
    workspace.config["volunteer_pin"] = generate_password_hash("482916")
    workspace.save()
    signed = sign_in(client, "482916")
    assert signed.status_code == 302 and signed.headers["Location"].endswith("/paper/")
    return client


def test_a_volunteer_can_key_paper_copies(volunteer):
    assert volunteer.get("/paper/").status_code == 200
    assert volunteer.get("/paper/f/visit").status_code == 200


@pytest.mark.parametrize("path", COORDINATOR_PAGES)
def test_a_volunteer_cannot_reach_coordinator_pages(volunteer, path):
    answer = volunteer.get(path)
    assert answer.status_code == 403 and "for coordinators" in answer.text


def test_a_volunteer_cannot_download_an_export(volunteer):
    page = volunteer.get("/paper/")
    answer = volunteer.post("/coordinator/forms/visit/export", data={"csrf_token": csrf_of(page.text), "format": "csv"})
    assert answer.status_code == 403
    assert "visited" not in answer.text


def test_a_volunteer_sees_no_coordinator_links(volunteer):
    page = volunteer.get("/paper/").text
    assert "/coordinator/\"" not in page and "Dashboard" not in page


def test_a_volunteer_sign_in_cannot_be_sent_on_to_coordinator_pages(client, workspace):
    workspace.config["coordinator_password"] = generate_password_hash("correct horse")
    workspace.config["volunteer_pin"] = generate_password_hash("482916")
    workspace.save()
    page = client.get("/coordinator/login?next=/coordinator/forms/visit/responses")
    signed = client.post("/coordinator/login?next=/coordinator/forms/visit/responses",
                         data={"csrf_token": csrf_of(page.text), "password": "482916"})
    assert signed.headers["Location"].endswith("/paper/")


def test_sign_ins_and_refusals_are_in_the_audit_log(client, workspace, coordinator):
    coordinator.sign_in()
    sign_in(client, "not the password")
    actions = [(row["action"], row["actor"]) for row in workspace.store.audit_log()]
    assert ("sign-in", "coordinator") in actions and ("sign-in refused", "visitor") in actions


@pytest.mark.parametrize("path", COORDINATOR_PAGES + ["/paper/", "/coordinator/laptops"])
def test_a_kiosk_tablet_cannot_reach_signed_in_pages_even_with_the_password(workspace, path):
    from collector.app import create_app

    app = create_app(workspace, {"TESTING": True, "KIOSK": True})
    tablet = app.test_client()
    tablet.environ_base["REMOTE_ADDR"] = "192.168.1.40"
    Coordinator(tablet, workspace).sign_in()
    assert tablet.get(path).status_code in (403, 404)
    laptop = app.test_client()
    Coordinator(laptop, workspace).sign_in()
    if path != "/coordinator/laptops":
        assert laptop.get(path).status_code == 200, "on the laptop itself the pages still work"


def test_every_post_form_refuses_a_request_without_its_csrf_token(app, coordinator, client):
    coordinator.sign_in()
    checked = 0
    for rule in app.url_map.iter_rules():
        if "POST" not in rule.methods or rule.rule.startswith("/api/"):
            continue
        path = re.sub(r"<[^>]+>", "x", re.sub(r"<int:[^>]+>", "1", rule.rule))
        answer = client.post(path, data={"anything": "1"})
        assert answer.status_code == 400, f"{rule.rule} took a POST without its CSRF token"
        checked += 1
    assert checked >= 10


@pytest.mark.parametrize("pin, says", [("1234", "6 to 12 digits"), ("12345a", "6 to 12 digits"),
                                       ("111111", "not a run"), ("123456", "not a run")])
def test_a_weak_volunteer_pin_is_refused(workspace, pin, says):
    from collector.cli import main

    result = CliRunner().invoke(main, ["-w", str(workspace.path), "password", "--volunteer"], input=f"{pin}\n{pin}\n")
    assert result.exit_code == 1 and says in result.output
    assert "volunteer_pin" not in __import__("json").loads(workspace.config_path.read_text())


def test_the_volunteer_pin_is_kept_only_as_a_hash(workspace):
    from collector.cli import main

    result = CliRunner().invoke(main, ["-w", str(workspace.path), "password", "--volunteer"], input="48291637\n48291637\n")
    assert result.exit_code == 0, result.output
    config = workspace.config_path.read_text()
    assert "48291637" not in config and '"volunteer_pin": "scrypt:' in config or '"volunteer_pin": "pbkdf2:' in config
