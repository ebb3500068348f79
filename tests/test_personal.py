"""Personal answers: kept apart, sealed for the hub on a paired laptop, readable only at the hub."""

import base64
import json

import pytest
from nacl.exceptions import CryptoError
from nacl.public import PrivateKey, SealedBox

EMAIL = "jo.bloggs@example.org"


def every_file(folder):
    """Every byte a thief who took the laptop's workspace folder would have."""
    return b"".join(p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file())


def capture_with_email(respondent):
    respondent.start("visit")
    respondent.send(visited="yes", how_often="weekly", rating="4")
    # Going back keeps the draft, email and all, until the response is sent.
    respondent.send("back", comments="Lovely", email=EMAIL)
    respondent.send("next", visited="yes", how_often="weekly", rating="4")
    respondent.send("submit", comments="Lovely", email=EMAIL)
    return respondent.response_id


def test_personal_answers_are_kept_apart_linked_by_a_random_key(respondent, workspace):
    rid = capture_with_email(respondent)
    row = workspace.store.get_response(rid)
    assert "email" not in row["answers"]
    assert row["personal_key"] and rid not in row["personal_key"]
    record = workspace.store.personal_record(row["personal_key"])
    assert json.loads(record["data"]) == {"email": EMAIL} and not record["sealed"]


def test_on_a_paired_laptop_personal_answers_cannot_be_read_from_its_files(hub, pair_laptop, tmp_path):
    from collector.app import create_app
    from conftest import Respondent

    laptop = pair_laptop()
    client = create_app(laptop.workspace, {"TESTING": True}).test_client()
    rid = capture_with_email(Respondent(client))
    laptop.workspace.close()
    files = every_file(laptop.workspace.path)
    assert EMAIL.encode() not in files and b"jo.bloggs" not in files
    # Nothing kept on the laptop opens the sealed box: try every key-sized value in its config.
    row = laptop.store.get_response(rid)
    sealed = base64.b64decode(laptop.store.personal_record(row["personal_key"])["data"].split(":", 1)[1])
    config = json.loads((laptop.workspace.path / "collector.json").read_text())
    candidates = [v for v in _strings(config) if len(v) == 64 and all(c in "0123456789abcdef" for c in v)]
    assert candidates, "the config holds keys (the signing key, the hub's public key)"
    for value in candidates:
        with pytest.raises(CryptoError):
            SealedBox(PrivateKey(bytes.fromhex(value))).decrypt(sealed)
    answers, is_sealed = laptop.workspace.privacy.answers_of(row)
    assert is_sealed and "email" not in answers
    # The hub opens them.
    hub_ws = hub.extensions["workspace"]
    opened = hub_ws.privacy.open(laptop.store.personal_record(row["personal_key"]))
    assert opened == {"email": EMAIL}


def _strings(value):
    if isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, str):
        yield value


def test_pairing_seals_what_was_kept_before(hub, tmp_path, respondent, workspace):
    from conftest import HubTransport
    from sync import client
    from sync import hub as hub_side
    from sync.transport import split_pairing_code

    rid = capture_with_email(respondent)
    code, _ = hub_side.add_device(hub.extensions["workspace"].store, "Test laptop", "http://hub.test")
    settings = client.pair(HubTransport(hub), split_pairing_code(code)[1], workspace.device_id, workspace.device_name)
    workspace.save_sync_settings(settings)
    assert workspace.store.seal_open_personal(workspace.privacy.seal) == 1
    record = workspace.store.personal_record(workspace.store.get_response(rid)["personal_key"])
    assert record["sealed"] and EMAIL not in record["data"]
    assert hub.extensions["workspace"].privacy.open(record) == {"email": EMAIL}


def test_deleting_a_response_removes_its_personal_answers(respondent, workspace):
    rid = capture_with_email(respondent)
    key = workspace.store.get_response(rid)["personal_key"]
    workspace.store.delete_response(rid)
    assert workspace.store.personal_record(key) is None
    assert workspace.store.count_personal() == 0


def test_a_correction_keeps_personal_answers_apart_too(respondent, workspace):
    rid = capture_with_email(respondent)
    workspace.store.amend_response(rid, {"visited": "no", "email": "new@example.org"})
    row = workspace.store.get_response(rid)
    assert row["answers"] == {"visited": "no"}
    assert workspace.privacy.answers_of(row)[0]["email"] == "new@example.org"
    assert workspace.store.count_personal() == 1


def test_a_paired_laptop_shows_personal_answers_as_sealed(hub, pair_laptop):
    from collector.app import create_app
    from conftest import Coordinator, Respondent

    laptop = pair_laptop()
    client = create_app(laptop.workspace, {"TESTING": True}).test_client()
    rid = capture_with_email(Respondent(client))
    Coordinator(client, laptop.workspace).sign_in()
    page = client.get(f"/coordinator/responses/{rid}").text
    assert "Sealed: only the office" in page and EMAIL not in page
    assert "Lovely" in page, "the other answers are shown as usual"


def test_an_unpaired_laptop_shows_personal_answers_to_its_coordinator(respondent, coordinator, client):
    rid = capture_with_email(respondent)
    coordinator.sign_in()
    page = client.get(f"/coordinator/responses/{rid}").text
    assert EMAIL in page and "Sealed" not in page


def test_purge_never_removes_what_the_hub_has_not_acknowledged(hub, pair_laptop):
    laptop = pair_laptop()
    synced = [laptop.capture({"visited": "yes", "how_often": "daily", "rating": 3, "email": EMAIL}) for _ in range(3)]
    laptop.sync()
    later = [laptop.capture() for _ in range(2)]
    laptop.store.amend_response(synced[0], {"visited": "no"})  # a correction not yet sent
    assert laptop.store.purge_acknowledged(dry_run=True) == {"responses": 2, "personal": 2}
    assert laptop.store.count_responses() == 5, "a dry run removes nothing"
    assert laptop.store.purge_acknowledged() == {"responses": 2, "personal": 2}
    left = {r["id"] for r in laptop.store.list_responses()}
    assert left == {synced[0], *later}
    # What was kept still goes to the hub, and the hub keeps everything.
    laptop.sync()
    assert hub.extensions["workspace"].store.count_responses() == 5
    assert hub.extensions["workspace"].store.get_response(synced[0])["answers"] == {"visited": "no"}


def test_purge_of_personal_answers_only_keeps_the_rest(hub, pair_laptop):
    laptop = pair_laptop()
    rid = laptop.capture({"visited": "yes", "how_often": "daily", "rating": 3, "email": EMAIL})
    unsent = laptop.capture({"visited": "no", "email": EMAIL})
    laptop.sync()
    laptop.store.amend_response(unsent, {"visited": "no", "email": "other@example.org"})
    assert laptop.store.purge_acknowledged(personal_only=True) == {"responses": 0, "personal": 1}
    row = laptop.store.get_response(rid)
    assert row["answers"]["rating"] == 3 and row["personal_key"] is None
    assert laptop.store.get_response(unsent)["personal_key"] is not None


def test_purge_from_the_command_line(hub, pair_laptop):
    from click.testing import CliRunner

    from collector.cli import main

    laptop = pair_laptop()
    laptop.capture()
    laptop.sync()
    laptop.capture()
    folder = str(laptop.workspace.path)
    laptop.workspace.close()
    dry = CliRunner().invoke(main, ["-w", folder, "purge", "--synced", "--dry-run"])
    assert "Would remove 1 response" in dry.output and "1 response not yet acknowledged by the hub was kept" in dry.output
    done = CliRunner().invoke(main, ["-w", folder, "purge", "--synced"])
    assert done.exit_code == 0 and "Removed 1 response" in done.output
    refused = CliRunner().invoke(main, ["-w", folder, "purge"])
    assert refused.exit_code == 2 and "--synced" in refused.output
    refused = CliRunner().invoke(main, ["-w", folder, "purge", "--retention"])
    assert refused.exit_code == 1 and "not a hub" in refused.output


def test_the_hub_deletes_personal_answers_after_the_forms_retention_period(hub, pair_laptop):
    from click.testing import CliRunner

    from collector.cli import main
    from conftest import PARKS_LIKE

    hub_ws = hub.extensions["workspace"]
    rid_old = hub_ws.store.start_response("visit", "3", "en", "web", hub_ws.device_id)
    hub_ws.store.submit_response(rid_old, {"visited": "no", "email": EMAIL})
    rid_new = hub_ws.store.start_response("visit", "3", "en", "web", hub_ws.device_id)
    hub_ws.store.submit_response(rid_new, {"visited": "no", "email": EMAIL})
    hub_ws.store.db.execute("update responses set submitted_at = '2020-01-01T00:00:00Z' where id = ?", [rid_old])
    hub_ws.store.db.conn.commit()
    (hub_ws.forms_dir / "visit.yaml").write_text(
        PARKS_LIKE.replace("version: 3", "version: 4\nretention_days: 30"), encoding="utf-8")
    folder = str(hub_ws.path)
    dry = CliRunner().invoke(main, ["-w", folder, "purge", "--retention", "--dry-run"])
    assert "Would delete the personal answers of 1 response to 'visit'" in dry.output
    assert hub_ws.store.count_personal() == 2
    done = CliRunner().invoke(main, ["-w", folder, "purge", "--retention"])
    assert done.exit_code == 0, done.output
    assert hub_ws.store.get_response(rid_old)["personal_key"] is None
    assert hub_ws.store.get_response(rid_old)["answers"] == {"visited": "no"}, "the rest of the response is kept"
    assert hub_ws.store.get_response(rid_new)["personal_key"] is not None
    assert hub_ws.store.audit_log("retention")


def test_double_keyed_paper_copies_keep_no_personal_answers_in_their_keyings(workspace):
    import uuid

    answers = {"visited": "no", "email": EMAIL}
    for keyer in ("first volunteer", "second volunteer"):
        outcome, _ = workspace.store.key_paper_copy(str(uuid.uuid4()), "ABC-000007", "visit", "3", answers, "en",
                                                    keyer, workspace.device_id)
    assert outcome == "stored"
    keyings = workspace.store.db.execute("select answers from paper_entries where serial = 'ABC-000007'").fetchall()
    assert keyings == [("{}",), ("{}",)]
    row = workspace.store.response_for_serial("ABC-000007")
    assert row["answers"] == {"visited": "no"}
    assert workspace.privacy.answers_of(row)[0]["email"] == EMAIL


def test_exports_on_a_paired_laptop_leave_sealed_answers_blank_and_say_so(hub, pair_laptop, tmp_path):
    import csv

    from click.testing import CliRunner

    from collector.app import create_app
    from collector.cli import main
    from conftest import Respondent

    laptop = pair_laptop()
    client = create_app(laptop.workspace, {"TESTING": True}).test_client()
    capture_with_email(Respondent(client))
    folder = str(laptop.workspace.path)
    laptop.workspace.close()
    out = tmp_path / "visit.csv"
    result = CliRunner().invoke(main, ["-w", folder, "export", "visit", "--include-personal", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "sealed on this laptop" in result.output
    [row] = list(csv.DictReader(out.open(encoding="utf-8")))[1:]
    assert row["email"] == "[sealed]" and row["comments"] == "Lovely"
    assert EMAIL not in out.read_text()


def test_exports_on_an_unpaired_laptop_include_personal_answers_when_asked(respondent, workspace, tmp_path):
    import csv

    from click.testing import CliRunner

    from collector.cli import main

    capture_with_email(respondent)
    out = tmp_path / "visit.csv"
    result = CliRunner().invoke(main, ["-w", str(workspace.path), "export", "visit", "--include-personal", "--out", str(out)])
    assert result.exit_code == 0 and "sealed" not in result.output
    [row] = list(csv.DictReader(out.open(encoding="utf-8")))[1:]
    assert row["email"] == EMAIL


def test_a_response_taken_after_a_purge_is_still_sent(hub, pair_laptop):
    laptop = pair_laptop()
    for _ in range(3):
        laptop.capture()
    laptop.sync()
    laptop.store.purge_acknowledged()
    later = laptop.capture()
    assert laptop.sync().sent == 1
    assert hub.extensions["workspace"].store.get_response(later) is not None
    assert laptop.store.count_unacknowledged() == 0


def test_personal_answers_reach_the_hub_sealed_and_the_hub_reads_them(hub, pair_laptop, tmp_path):
    from sync.bundle import import_bundle, write_bundle

    laptop = pair_laptop()
    over_http = laptop.capture({"visited": "no", "email": EMAIL})
    laptop.sync()
    hub_ws = hub.extensions["workspace"]
    row = hub_ws.store.get_response(over_http)
    assert hub_ws.privacy.answers_of(row) == ({"visited": "no", "email": EMAIL}, False)
    # By bundle too: sealed on the stick, opened at the hub.
    by_stick = laptop.capture({"visited": "no", "email": "stick@example.org"})
    ws = laptop.workspace
    write_bundle(ws.store, tmp_path / "s.collector", ws.sync_settings, ws.device_id, ws.device_name)
    assert b"stick@example.org" not in __import__("zipfile").ZipFile(tmp_path / "s.collector").read("personal.json")
    import_bundle(hub_ws.store, tmp_path / "s.collector", hub_ws.config["hub"]["hub_id"])
    assert hub_ws.privacy.answers_of(hub_ws.store.get_response(by_stick))[0]["email"] == "stick@example.org"
    # The laptop may now drop them: the hub has them.
    laptop.sync()
    laptop.store.purge_acknowledged(personal_only=True)
    assert laptop.store.count_personal() == 0
    assert hub_ws.store.count_personal() == 2


def test_the_hub_keeps_personal_answers_sealed_and_opens_them_for_an_export(hub, pair_laptop, tmp_path, monkeypatch):
    import csv

    from click.testing import CliRunner

    from collector import export_write
    from collector.cli import main
    from collector.export import plan_export
    from collector.workspace import Workspace

    laptop = pair_laptop()
    emails = [f"person{n}@example.org" for n in range(6)]
    for email in emails:
        laptop.capture({"visited": "no", "email": email})
    laptop.capture({"visited": "yes", "how_often": "daily", "rating": 4})  # none to open
    laptop.sync()
    hub_ws = hub.extensions["workspace"]
    hub_ws.close()
    # As they came: the hub's database alone names no one.
    assert hub_ws.store.count_personal(sealed=True) == 6
    assert not any(e.encode() in every_file(hub_ws.path) for e in emails)

    def exported(name):
        """(what the command said, the email column sorted) of `collector export --include-personal` at
        the hub, in one process and (as from 100,000 responses) with a helper process writing part of it."""
        for shared in (False, True):
            monkeypatch.setattr(export_write, "SHARED_FROM", 0 if shared else 10**9)
            monkeypatch.setattr(export_write, "_cores", lambda: 2)
            out = tmp_path / f"{name}-{shared}.csv"
            result = CliRunner().invoke(main, ["-w", str(hub_ws.path), "export", "visit", "--include-personal", "--out", str(out)])
            assert result.exit_code == 0, result.output
            yield result.output, sorted(r["email"] for r in list(csv.DictReader(out.open(encoding="utf-8")))[1:])

    for said, column in exported("visit"):
        assert "sealed" not in said
        assert column == ["", *emails]
    # Sealed for another hub (as if this hub's key were replaced): shown as sealed, never an error.
    config = json.loads(hub_ws.config_path.read_text())
    config["hub"]["private_key"] = PrivateKey.generate().encode().hex()
    hub_ws.config_path.write_text(json.dumps(config))
    other = Workspace(hub_ws.path)
    plan, _ = plan_export(other.store, other.load_forms()[0]["visit"], include_personal=True)
    email = [c.key for c in plan.columns].index("email")
    cells = [row[email] for batch in plan.rows() for row in batch]
    assert sorted(cells, key=str) == [None] + ["[sealed]"] * 6
    assert plan.unopened == [6]
    # ... and the coordinator is told so, by the export and by the response's pages at this hub.
    for said, column in exported("other"):
        assert "the personal answers of 6 responses could not be opened with this hub's key" in said
        assert column == [""] + ["[sealed]"] * 6
    from collector.app import create_app
    from conftest import Coordinator

    coordinator = Coordinator(create_app(other, {"TESTING": True}).test_client(), other)
    coordinator.sign_in()
    sealed_one = next(r["id"] for r in other.store.list_responses("visit") if r["personal_key"])
    page = coordinator.client.get(f"/coordinator/responses/{sealed_one}")
    assert "Sealed for another hub: this hub cannot open it." in page.text and "only the office" not in page.text
    page = coordinator.client.get(f"/coordinator/people/{sealed_one}")
    assert "sealed for another hub's key" in page.text and "Sealed for another hub: this hub cannot open it." in page.text
    assert "office" not in page.text


def test_personal_answers_of_a_response_erased_at_the_hub_are_not_taken(hub, pair_laptop):
    laptop = pair_laptop()
    rid = laptop.capture({"visited": "no", "email": EMAIL})
    laptop.sync()
    hub_ws = hub.extensions["workspace"]
    hub_ws.store.erase_response(rid)
    laptop.store.set_sync_state("checkpoint", 0)
    laptop.sync()
    assert hub_ws.store.count_personal() == 0


def hub_personal(hub):
    return hub.extensions["workspace"].store.count_personal()


def test_the_hub_keeps_no_personal_answers_a_response_no_longer_points_to(hub, pair_laptop):
    laptop = pair_laptop()
    corrected = laptop.capture({"visited": "no", "email": "old@example.org"})
    deleted = laptop.capture({"visited": "no", "email": EMAIL})
    erased = laptop.capture({"visited": "no", "email": EMAIL})
    laptop.sync()
    assert hub_personal(hub) == 3
    laptop.store.amend_response(corrected, {"visited": "no", "email": "new@example.org"})
    laptop.store.delete_response(deleted)
    laptop.store.erase_response(erased)
    laptop.sync()
    hub_ws = hub.extensions["workspace"]
    assert hub_personal(hub) == 1
    assert hub_ws.privacy.answers_of(hub_ws.store.get_response(corrected))[0]["email"] == "new@example.org"
    # Gone from the file too (secure_delete), once the log is folded in when the hub closes it.
    hub_ws.close()
    assert b"old@example.org" not in hub_ws.db_path.read_bytes()


def test_a_response_kept_apart_at_the_hub_is_not_acknowledged_so_purge_keeps_it(hub, pair_laptop):
    import uuid

    first, second = pair_laptop("Hall laptop"), pair_laptop("Library laptop")
    for laptop in (first, second):
        laptop.store.submit_paper_response(str(uuid.uuid4()), "visit", "3", {"visited": "no", "email": EMAIL},
                                           "ABC-000003", "en", laptop.workspace.device_id)
        laptop.sync()
    assert second.store.count_unacknowledged() == 1
    assert second.store.purge_acknowledged() == {"responses": 0, "personal": 0}


def test_a_laptop_paired_while_its_collector_serves_seals_from_then_on(hub, tmp_path):
    from collector.app import create_app
    from collector.workspace import Workspace
    from conftest import PARKS_LIKE, HubTransport, Respondent
    from sync import client, hub as hub_side
    from sync.transport import split_pairing_code

    serving = Workspace.create(tmp_path / "lap", name="Lap")
    (serving.forms_dir / "visit.yaml").write_text(PARKS_LIKE, encoding="utf-8")
    app = create_app(serving, {"TESTING": True})
    command_line = Workspace(tmp_path / "lap")
    code, _ = hub_side.add_device(hub.extensions["workspace"].store, "Lap", "http://hub.test")
    command_line.save_sync_settings(client.pair(HubTransport(hub), split_pairing_code(code)[1],
                                                command_line.device_id, command_line.device_name))
    rid = capture_with_email(Respondent(app.test_client()))
    record = serving.store.personal_record(serving.store.get_response(rid)["personal_key"])
    assert record["sealed"] and EMAIL not in record["data"]
    command_line.close()
    serving.close()


def test_a_laptop_cannot_change_another_laptops_responses(hub, pair_laptop):
    from sync import client

    honest, rogue = pair_laptop("Hall laptop"), pair_laptop("Library laptop")
    rid = honest.capture({"visited": "yes", "how_often": "daily", "rating": 5})
    honest.sync()
    record = dict(client.next_batch(honest.store, 0)[0][1])
    web = hub.test_client()
    for device_id in (honest.workspace.device_id, rogue.workspace.device_id):
        forged = {**record, "device_id": device_id, "revision": 9, "answers": "{}", "deleted_at": "2026-01-01T00:00:00Z"}
        web.post("/api/sync/push", json={"records": [forged]}, headers={"Authorization": f"Bearer {rogue.transport.token}"})
    row = hub.extensions["workspace"].store.get_response(rid)
    assert row["deleted_at"] is None and row["revision"] == 1 and row["answers"]["rating"] == 5


def test_a_bundle_after_a_personal_purge_is_not_taken_for_a_conflict(hub, pair_laptop, tmp_path):
    from sync.bundle import import_bundle, write_bundle

    laptop = pair_laptop()
    laptop.capture({"visited": "no", "email": EMAIL})
    laptop.sync()
    laptop.store.purge_acknowledged(personal_only=True)
    ws, hub_ws = laptop.workspace, hub.extensions["workspace"]
    write_bundle(ws.store, tmp_path / "all.collector", ws.sync_settings, ws.device_id, ws.device_name, all_responses=True)
    _, counts, _ = import_bundle(hub_ws.store, tmp_path / "all.collector", hub_ws.config["hub"]["hub_id"])
    assert counts == {"unchanged": 1} and hub_ws.store.conflicts() == []


def test_a_purged_response_sent_again_by_a_tablet_is_not_stored_again(hub, pair_laptop):
    laptop = pair_laptop()
    rid = laptop.capture()
    reference = laptop.store.get_response(rid)["reference"]
    laptop.sync()
    laptop.store.purge_acknowledged()
    started = {"form_id": "visit", "form_version": "3", "language": "en", "source": "web",
               "device_id": laptop.workspace.device_id, "event_id": None, "started_at": None}
    assert laptop.store.submit_response(rid, {"visited": "yes"}, started=started) == (reference, False)
    record = {"id": rid, "form_id": "visit", "form_version": "3", "language": "en", "source": "web",
              "device_id": laptop.workspace.device_id, "answers": {"visited": "yes"}}
    assert laptop.store.import_responses([record]) == (0, 1)
    assert laptop.store.count_responses() == 0
