"""`collector devices` and `collector sync` as a coordinator and a volunteer use them, against a hub over HTTP."""

import json
import re

import pytest
from click.testing import CliRunner

from collector.cli import main
from conftest import PARKS_LIKE, LiveServer


@pytest.fixture
def run():
    runner = CliRunner()

    def invoke(*args):
        return runner.invoke(main, [str(a) for a in args], catch_exceptions=False)

    return invoke


@pytest.fixture
def office(run, tmp_path):
    """A hub workspace served over HTTP on loopback, and a laptop workspace, both with the test form."""
    from collector.app import create_app
    from collector.workspace import Workspace

    assert run("init", "--hub", tmp_path / "hub", "--name", "Office").exit_code == 0
    assert run("init", tmp_path / "laptop", "--name", "Hall laptop").exit_code == 0
    for folder in ("hub", "laptop"):
        (tmp_path / folder / "forms" / "visit.yaml").write_text(PARKS_LIKE, encoding="utf-8")
    hub = Workspace(tmp_path / "hub")
    server = LiveServer(create_app(hub, {"TESTING": True}))
    yield server, tmp_path / "hub", tmp_path / "laptop"
    server.stop()
    hub.close()


def capture(folder, count):
    from collector.workspace import Workspace

    ws = Workspace(folder)
    for _ in range(count):
        rid = ws.store.start_response("visit", "3", "en", "web", ws.device_id)
        ws.store.submit_response(rid, {"visited": "no"})
    ws.close()


def pair(run, server, hub, laptop, name="Hall laptop"):
    made = run("-w", hub, "devices", "add", name, "--url", server.url)
    assert made.exit_code == 0, made.output
    code = re.search(r"http://\S+/pair/\S+", made.output).group(0)
    paired = run("-w", laptop, "sync", "pair", code)
    assert paired.exit_code == 0, paired.output
    return code


def test_pair_sync_and_status_from_the_command_line(run, office):
    server, hub, laptop = office
    pair(run, server, hub, laptop)
    capture(laptop, 7)
    status = json.loads(run("-w", laptop, "sync", "status", "--json").output)
    assert status["waiting"] == 7 and status["hub"] == "Office"
    synced = run("-w", laptop, "sync")
    assert synced.exit_code == 0, synced.output
    assert "Sent 7 responses to Office (7 new, 0 already there)" in synced.output
    assert "nothing waiting" in synced.output
    listed = run("-w", hub, "devices", "list", "--json")
    [device] = [json.loads(line) for line in listed.output.splitlines()]
    assert device["name"] == "Hall laptop" and device["responses"] == 7 and device["last_sync_at"]
    assert "verify_key" not in device
    again = run("-w", laptop, "sync")
    assert "Sent 0 responses" in again.output


def test_a_pairing_code_cannot_be_used_twice(run, office, tmp_path):
    server, hub, laptop = office
    code = pair(run, server, hub, laptop)
    run("init", tmp_path / "other")
    second = run("-w", tmp_path / "other", "sync", "pair", code)
    assert second.exit_code == 1 and "already used or has expired" in second.output


def test_a_revoked_laptop_is_refused_and_told_what_to_do(run, office):
    server, hub, laptop = office
    pair(run, server, hub, laptop)
    capture(laptop, 1)
    assert run("-w", hub, "devices", "revoke", "Hall laptop").exit_code == 0
    refused = run("-w", laptop, "sync")
    assert refused.exit_code == 1
    assert "does not accept this laptop" in refused.output and "Traceback" not in refused.output
    from collector.workspace import Workspace

    assert Workspace(hub).store.count_responses() == 0


def test_bundles_by_the_command_line(run, office, tmp_path):
    server, hub, laptop = office
    pair(run, server, hub, laptop)
    capture(laptop, 3)
    stick = tmp_path / "stick.collector"
    written = run("-w", laptop, "sync", "export", "--out", stick)
    assert written.exit_code == 0 and "3 responses" in written.output
    imported = run("-w", hub, "sync", "import", stick)
    assert imported.exit_code == 0 and "3 new or changed" in imported.output
    again = run("-w", hub, "sync", "import", stick)
    assert "3 already here" in again.output
    stick.write_bytes(stick.read_bytes()[:200])
    broken = run("-w", hub, "sync", "import", stick)
    assert broken.exit_code == 1 and "not a whole bundle" in broken.output and "Traceback" not in broken.output


@pytest.mark.parametrize("where, args, says", [
    ("laptop", ["sync"], "not paired with a hub yet"),
    ("laptop", ["sync", "status"], "not paired with a hub yet"),
    ("laptop", ["sync", "export", "--out", "x.collector"], "not paired with a hub yet"),
    ("laptop", ["devices", "add", "X"], "is not a hub"),
    ("laptop", ["sync", "import", "x.collector"], "is not a hub"),
    ("laptop", ["sync", "pair", "hello"], "is not a pairing code"),
    ("laptop", ["sync", "pair", "http://127.0.0.1:9/pair/ABCD-EFGH-JKMN-PQRS"], "cannot reach the hub"),
    ("hub", ["sync"], "the hub itself"),
    ("hub", ["devices", "revoke", "Nobody"], "no laptop called 'Nobody'"),
])
def test_sync_mistakes_get_a_one_line_message(run, office, where, args, says, monkeypatch):
    monkeypatch.setattr("sync.transport.HttpTransport.__init__.__defaults__", (None, 5, 0, 0.0))
    server, hub, laptop = office
    result = run("-w", hub if where == "hub" else laptop, *args)
    assert result.exit_code != 0
    assert says in result.output and "Traceback" not in result.output


def test_pairing_with_another_hub_sends_it_everything(run, office, tmp_path):
    from collector.app import create_app
    from collector.workspace import Workspace

    server, hub, laptop = office
    pair(run, server, hub, laptop)
    capture(laptop, 2)
    assert "Sent 2 responses" in run("-w", laptop, "sync").output
    assert run("init", "--hub", tmp_path / "hub2", "--name", "New office").exit_code == 0
    (tmp_path / "hub2" / "forms" / "visit.yaml").write_text(PARKS_LIKE, encoding="utf-8")
    second = Workspace(tmp_path / "hub2")
    other = LiveServer(create_app(second, {"TESTING": True}))
    try:
        made = run("-w", tmp_path / "hub2", "devices", "add", "Hall laptop", "--url", other.url)
        code = re.search(r"http://\S+/pair/\S+", made.output).group(0)
        assert run("-w", laptop, "sync", "pair", code, "--replace").exit_code == 0
        assert "Sent 2 responses to New office (2 new" in run("-w", laptop, "sync").output
    finally:
        other.stop()
        second.close()
