"""Sync over HTTP: pairing, pushing, idempotency, conflicts, tombstones, forms travelling down."""

import hashlib
import json

import pytest

from sync import SyncError, client
from sync import hub as hub_side
from sync.transport import split_pairing_code


def hub_store(hub):
    return hub.extensions["workspace"].store


def test_a_paired_laptops_responses_reach_the_hub_once(hub, pair_laptop):
    laptop = pair_laptop()
    ids = [laptop.capture() for _ in range(3)]
    result = laptop.sync()
    assert result.sent == 3 and result.count("applied") == 3
    held = hub_store(hub).list_responses("visit")
    assert sorted(r["id"] for r in held) == sorted(ids)
    assert all(r["device_id"] == laptop.workspace.device_id for r in held)
    again = laptop.sync()
    assert again.sent == 0, "a second sync with nothing new sends nothing"
    assert hub_store(hub).count_responses() == 3


def test_a_resent_batch_changes_nothing(hub, pair_laptop):
    laptop = pair_laptop()
    for _ in range(5):
        laptop.capture()
    laptop.sync()
    # The laptop lost its checkpoint (say, the answer never arrived): everything is sent again.
    laptop.store.set_sync_state("checkpoint", 0)
    result = laptop.sync()
    assert result.sent == 5 and result.count("unchanged") == 5
    assert hub_store(hub).count_responses() == 5
    assert hub_store(hub).db.execute("select count(*) from received").fetchone()[0] == 5


def test_the_checkpoint_moves_only_after_the_hub_acknowledges(hub, pair_laptop):
    laptop = pair_laptop()
    laptop.capture()
    laptop.transport.fail = "before"
    with pytest.raises(SyncError):
        laptop.sync()
    assert laptop.store.sync_state("checkpoint", 0) == 0
    assert hub_store(hub).count_responses() == 0
    laptop.transport.fail = "after"  # the hub commits, the answer is lost
    with pytest.raises(SyncError):
        laptop.sync()
    assert laptop.store.sync_state("checkpoint", 0) == 0
    assert hub_store(hub).count_responses() == 1
    laptop.transport.fail = None
    result = laptop.sync()
    assert result.count("unchanged") == 1
    assert hub_store(hub).count_responses() == 1
    assert laptop.store.count_unacknowledged() == 0


def test_deletions_travel_as_tombstones_and_are_not_undone(hub, pair_laptop):
    laptop = pair_laptop()
    kept, gone = laptop.capture(), laptop.capture()
    laptop.sync()
    laptop.store.delete_response(gone)
    result = laptop.sync()
    assert result.sent == 1 and result.count("applied") == 1
    held = hub_store(hub).get_response(gone)
    assert held["deleted_at"] and held["answers"] == {} and held["revision"] == 2
    assert hub_store(hub).count_responses() == 1
    # An old copy of revision 1 turning up later does not bring it back.
    laptop.store.set_sync_state("checkpoint", 0)
    laptop.sync()
    assert hub_store(hub).get_response(gone)["deleted_at"]
    assert hub_store(hub).get_response(kept)["deleted_at"] is None


def test_a_correction_is_a_new_revision_that_replaces_the_old(hub, pair_laptop):
    laptop = pair_laptop()
    rid = laptop.capture({"visited": "yes", "how_often": "daily", "rating": 2})
    laptop.sync()
    assert laptop.store.amend_response(rid, {"how_often": "weekly", "rating": 5, "visited": "yes"}) == 2
    assert laptop.sync().count("applied") == 1
    held = hub_store(hub).get_response(rid)
    assert held["revision"] == 2 and held["answers"]["rating"] == 5


def test_the_same_revision_with_different_content_is_kept_apart_not_overwritten(hub, pair_laptop):
    laptop = pair_laptop()
    rid = laptop.capture({"visited": "yes", "how_often": "daily", "rating": 2})
    laptop.sync()
    # A laptop restored from an old backup changes the response again under the same revision number.
    laptop.store.db.execute("update responses set answers = ?, change_seq = change_seq + 100 where id = ?",
                            [json.dumps({"visited": "no"}), rid])
    laptop.store.db.conn.commit()
    result = laptop.sync()
    assert result.count("conflict") == 1
    assert hub_store(hub).get_response(rid)["answers"]["rating"] == 2, "the hub's copy is not overwritten"
    [conflict] = hub_store(hub).conflicts()
    assert conflict["response_id"] == rid and conflict["kind"] == "same revision, different content"
    assert json.loads(conflict["record"]["answers"]) == {"visited": "no"}
    assert conflict["device"] == "Library laptop"


def test_one_paper_copy_keyed_on_two_laptops_is_stored_once_and_the_other_kept_apart(hub, pair_laptop):
    first, second = pair_laptop("Hall laptop"), pair_laptop("Library laptop")
    for laptop in (first, second):
        laptop.store.submit_paper_response(
            str(__import__("uuid").uuid4()), "visit", "3", {"visited": "no"}, "ABC-000001", "en", laptop.workspace.device_id)
    first.sync()
    result = second.sync()
    assert result.count("conflict") == 1
    assert hub_store(hub).count_responses() == 1
    [conflict] = hub_store(hub).conflicts()
    assert conflict["kind"] == "paper copy already stored" and conflict["device"] == "Library laptop"


def test_two_laptops_may_draw_the_same_reference(hub, pair_laptop):
    a, b = pair_laptop("A"), pair_laptop("B")
    ra, rb = a.capture(), b.capture()
    reference = a.store.get_response(ra)["reference"]
    b.store.db.execute("update responses set reference = ? where id = ?", [reference, rb])
    b.store.db.conn.commit()
    a.sync()
    b.sync()
    assert hub_store(hub).count_responses() == 2


def test_every_sync_request_needs_a_paired_unrevoked_laptop(hub, pair_laptop):
    laptop = pair_laptop()
    laptop.capture()
    web = hub.test_client()
    record = client.next_batch(laptop.store, 0)[0][1]
    for headers in ({}, {"Authorization": "Bearer not-a-token"}, {"Authorization": "Basic abc"}):
        answer = web.post("/api/sync/push", json={"records": [record]}, headers=headers)
        assert answer.status_code == 401 and answer.get_json()["ok"] is False
    assert hub_store(hub).count_responses() == 0
    assert hub_store(hub).revoke_device("Library laptop")
    with pytest.raises(SyncError, match="401"):
        laptop.sync()
    assert hub_store(hub).count_responses() == 0


def test_the_hub_keeps_only_a_hash_of_each_token(hub, pair_laptop):
    laptop = pair_laptop()
    token = laptop.workspace.sync_settings["token"]
    path = hub.extensions["workspace"].db_path
    # Everything the hub has on disk: the database and its write-ahead log.
    files = path.read_bytes() + path.with_name(path.name + "-wal").read_bytes()
    assert token.encode() not in files
    assert hashlib.sha256(token.encode()).hexdigest().encode() in files


def test_a_pairing_code_works_once_and_not_after_it_expires(hub, tmp_path):
    from collector.workspace import Workspace

    from conftest import HubTransport

    ws = Workspace.create(tmp_path / "lap", name="Lap")
    code, _ = hub_side.add_device(hub_store(hub), "Lap", "http://hub.test")
    secret = split_pairing_code(code)[1]
    client.pair(HubTransport(hub), secret, ws.device_id, ws.device_name)
    with pytest.raises(SyncError, match="already used or has expired"):
        client.pair(HubTransport(hub), secret, ws.device_id, ws.device_name)
    code, _ = hub_side.add_device(hub_store(hub), "Late", "http://hub.test")
    hub_store(hub).db.execute("update devices set pair_expires = '2000-01-01T00:00:00Z' where name = 'Late'")
    hub_store(hub).db.conn.commit()
    with pytest.raises(SyncError, match="expired"):
        client.pair(HubTransport(hub), split_pairing_code(code)[1], ws.device_id, ws.device_name)
    ws.close()


def test_a_batch_with_one_bad_record_is_refused_whole_with_where_it_is(hub, pair_laptop):
    laptop = pair_laptop()
    for _ in range(3):
        laptop.capture()
    records = [r for _, r in client.next_batch(laptop.store, 0)]
    records[1] = {**records[1], "revision": "two"}
    web = hub.test_client()
    answer = web.post("/api/sync/push", json={"records": records},
                      headers={"Authorization": f"Bearer {laptop.transport.token}"})
    assert answer.status_code == 400
    assert "record 2" in answer.get_json()["error"] and "'revision'" in answer.get_json()["error"]
    assert hub_store(hub).count_responses() == 0


@pytest.mark.parametrize("change, says", [
    ({"answers": "[1, 2]"}, "not a JSON object"),
    ({"answers": "{"}, "not a JSON object"),
    ({"id": "../../etc/passwd"}, "'id' should be a response id"),
    ({"source": "carrier pigeon"}, "'source' should be one of"),
    ({"reference": "<script>"}, "'reference' should look like"),
    ({"form_id": ""}, "'form_id' should be text"),
    ({"extra": 1}, "unknown field 'extra'"),
    # Python's json reads these, but no text column or JSON reader after it would.
    ({"form_id": "visit\ud800"}, "'form_id' in item 1 of 'records' holds half of a surrogate pair"),
    ({"revision": float("nan")}, "'revision' in item 1 of 'records' is nan: NaN, Infinity and numbers too large"),
])
def test_tampered_records_are_refused_with_a_clear_message(hub, pair_laptop, change, says):
    laptop = pair_laptop()
    laptop.capture()
    record = {**client.next_batch(laptop.store, 0)[0][1], **change}
    answer = hub.test_client().post("/api/sync/push", json={"records": [record]},
                                    headers={"Authorization": f"Bearer {laptop.transport.token}"})
    assert answer.status_code == 400 and says in answer.get_json()["error"]
    assert hub_store(hub).count_responses() == 0


@pytest.mark.parametrize("address", ["/api/sync/pair", "/api/sync/push"])
def test_a_body_that_is_not_utf8_is_a_400_that_says_so(hub, pair_laptop, address):
    laptop = pair_laptop()
    answer = hub.test_client().post(address, data=b'{"code": "\xc3", "records": ["\xed\xa0\x80"]}', content_type="application/json",
                                    headers={"Authorization": f"Bearer {laptop.transport.token}"})
    assert answer.status_code == 400 and "not UTF-8 text" in answer.get_json()["error"]


def test_sync_addresses_exist_only_on_a_hub(client):
    answer = client.post("/api/sync/push", json={"records": []})
    assert answer.status_code == 404 and "not a hub" in answer.get_json()["error"]


def test_form_versions_published_on_the_hub_reach_laptops_and_old_responses_keep_theirs(hub, pair_laptop):
    from collector.app import reload_forms

    laptop = pair_laptop()
    old = laptop.capture()
    hub_ws = hub.extensions["workspace"]
    text = (hub_ws.forms_dir / "visit.yaml").read_text()
    (hub_ws.forms_dir / "visit.yaml").write_text(text.replace("version: 3", "version: 4").replace("How good is it?", "How good is the park?"))
    reload_forms(hub)
    taken, problems = client.pull_forms(laptop.store, laptop.transport, laptop.workspace.forms_dir)
    assert taken == [("visit", "4")] and problems == []
    found, _ = laptop.workspace.load_forms()
    assert found["visit"].version == "4"
    assert "How good is the park?" in (laptop.workspace.forms_dir / "visit.yaml").read_text()
    assert laptop.store.form_source("visit", "3") is not None, "the version old responses used is still kept"
    assert laptop.store.get_response(old)["form_version"] == "3"
    again, _ = client.pull_forms(laptop.store, laptop.transport, laptop.workspace.forms_dir)
    assert again == []


def test_a_published_form_version_never_changes(hub):
    from collector.app import reload_forms

    hub_ws = hub.extensions["workspace"]
    path = hub_ws.forms_dir / "visit.yaml"
    path.write_text(path.read_text().replace("How good is it?", "How lovely is it?"))
    found, problems = reload_forms(hub)
    assert "visit" not in found
    assert any("version 3 of form 'visit' was used before with different content" in p for p in problems)


def test_a_form_from_the_hub_that_does_not_parse_is_not_taken(hub, pair_laptop, monkeypatch):
    laptop = pair_laptop()
    broken = {"ok": True, "forms": [{"form_id": "visit", "version": "9", "source": "id: visit\nversion: 9\n"},
                                    {"form_id": "../evil", "version": "1", "source": "x"}]}
    monkeypatch.setattr(laptop.transport, "call", lambda method, path, body=None: broken)
    taken, problems = client.pull_forms(laptop.store, laptop.transport, laptop.workspace.forms_dir)
    assert taken == [] and len(problems) == 2
    assert not list(laptop.workspace.path.glob("evil*")) and "version: 3" in (laptop.workspace.forms_dir / "visit.yaml").read_text()
