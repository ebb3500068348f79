"""How the hub takes a batch: many records a statement, numbered by the hub itself, each
with the outcome it always had; answers checked by SQLite; large batches, once the hub says so."""

import json
import uuid

import pytest

from sync import SyncError, client
from sync.bundle import import_bundle, write_bundle
from sync.records import check_record


def hub_store(hub):
    return hub.extensions["workspace"].store


def made(rid=None, revision=1, reference=None, **change):
    """A checked record as a laptop would send it (device 'laptop-a' unless told)."""
    rid = rid or str(uuid.uuid4())
    digits = uuid.UUID(rid).hex.upper()  # 0-9 and A-F: all in the references' alphabet
    value = {"id": rid, "reference": reference or f"{digits[:4]}-{digits[4:8]}",
             "form_id": "visit", "form_version": "3", "language": "en", "source": "web", "device_id": "laptop-a",
             "event_id": None, "paper_serial": None, "started_at": "2026-05-01T10:00:00Z",
             "submitted_at": "2026-05-01T10:05:00Z", "answers": json.dumps({"visited": "yes", "rating": revision}),
             "revision": revision, "deleted_at": None, "updated_at": "2026-05-01T10:05:00Z", **change}
    return check_record(value, "test")


@pytest.fixture
def office(hub, pair_laptop):
    """The hub's store and a paired laptop's device record there."""
    pair_laptop()
    store = hub_store(hub)
    return store, store.device_named("Library laptop")


def test_one_batch_can_hold_every_outcome_and_a_refused_record_spoils_no_other(office):
    store, device = office
    kept, changed, gone, newer, paper = (made() for _ in range(5))
    paper = made(paper["id"], source="paper", paper_serial="ABC-000001")
    newer = made(newer["id"], revision=3)
    outcomes, _ = store.apply_batch(device, [kept, changed, gone, newer, paper])
    assert set(outcomes.values()) == {"applied"}
    assert store.delete_response(gone["id"])  # deleted at the office

    second_copy = made(source="paper", paper_serial="ABC-000001")  # the same paper copy keyed again
    fresh = [made(), made()]
    outcomes, _ = store.apply_batch(device, [
        kept,                                                         # received before: unchanged
        made(changed["id"], answers=json.dumps({"visited": "no"})),   # same revision, other content
        made(gone["id"], revision=2),                                 # deleted here: stays deleted
        made(newer["id"], revision=2),                                # older than the one held
        fresh[0], second_copy, fresh[1],                              # a unique index refuses the middle one
    ])
    assert outcomes == {kept["id"]: "unchanged", changed["id"]: "conflict", gone["id"]: "deleted",
                        newer["id"]: "stale", fresh[0]["id"]: "applied", second_copy["id"]: "conflict",
                        fresh[1]["id"]: "applied"}
    assert {c["kind"] for c in store.conflicts()} == {"same revision, different content", "paper copy already stored"}
    assert store.get_response(gone["id"])["deleted_at"]
    assert store.get_response(newer["id"])["revision"] == 3
    assert store.get_response(changed["id"])["answers"] == {"visited": "yes", "rating": 1}
    assert store.get_response(second_copy["id"]) is None
    assert all(store.get_response(r["id"]) for r in fresh)


def test_a_batch_of_many_chunks_is_one_transaction_and_again_changes_nothing(office, monkeypatch):
    store, device = office
    monkeypatch.setattr("collector.store.sync.CHUNK", 3)
    records = [made() for _ in range(8)]
    outcomes, _ = store.apply_batch(device, records)
    assert list(outcomes.values()) == ["applied"] * 8
    outcomes, _ = store.apply_batch(device, records)
    assert list(outcomes.values()) == ["unchanged"] * 8
    # A bad record in the last chunk (records checked as they are read, as from a bundle):
    # the chunks before it are not kept either.
    def checked_as_read():
        yield from [made() for _ in range(7)]
        raise SyncError("line 8: 'answers' is not a JSON object.")

    with pytest.raises(SyncError):
        store.apply_batch(device, checked_as_read())
    assert store.count_responses() == 8
    assert store.db.execute("select count(*) from received").fetchone()[0] == 8


def test_the_hub_numbers_what_it_applies_once_in_order_and_later_writes_follow(office):
    store, device = office
    first = [made() for _ in range(4)]
    store.apply_batch(device, first)
    numbers = [store.db.execute("select change_seq from responses where id = ?", [r["id"]]).fetchone()[0] for r in first]
    assert numbers == sorted(numbers) and len(set(numbers)) == 4 and numbers[-1] - numbers[0] == 3
    store.apply_batch(device, [made(first[0]["id"], revision=2)])
    (renumbered,) = store.db.execute("select change_seq from responses where id = ?", [first[0]["id"]]).fetchone()
    assert renumbered == numbers[-1] + 1, "a newer revision takes the next number, once"
    store.delete_response(first[1]["id"])  # a write of the office's own: the triggers number it
    (after,) = store.db.execute("select change_seq from responses where id = ?", [first[1]["id"]]).fetchone()
    assert after == renumbered + 1


def test_answers_sqlite_cannot_read_as_an_object_refuse_the_batch_saying_where(hub, pair_laptop):
    laptop = pair_laptop()
    for _ in range(3):
        laptop.capture()
    records = [r for _, r in client.next_batch(laptop.store, 0)]
    # Python's json would take NaN; msgspec and SQLite, which exports and reports read answers with, do not.
    records[1] = {**records[1], "answers": '{"visited": NaN}'}
    answer = hub.test_client().post("/api/sync/push", json={"records": records},
                                    headers={"Authorization": f"Bearer {laptop.transport.token}"})
    assert answer.status_code == 400
    assert answer.get_json()["error"] == (f"batch, record 2 (response {records[1]['id']}): 'answers' is not a JSON object.")
    assert hub_store(hub).count_responses() == 0


def export(laptop, path):
    ws = laptop.workspace
    return write_bundle(ws.store, path, ws.sync_settings, ws.device_id, ws.device_name, True)


def import_(hub, path):
    ws = hub.extensions["workspace"]
    return import_bundle(ws.store, path, ws.config["hub"]["hub_id"])


def test_a_signed_bundle_with_unreadable_answers_is_refused_at_its_line(hub, pair_laptop, tmp_path, monkeypatch):
    monkeypatch.setattr("collector.store.sync.CHUNK", 2)
    laptop = pair_laptop()
    ids = [laptop.capture() for _ in range(5)]
    laptop.store.db.execute("update responses set answers = '[1]' where id = ?", [ids[3]])
    laptop.store.db.conn.commit()
    export(laptop, tmp_path / "stick.collector")
    # Changed last, so it is the last line.
    with pytest.raises(SyncError, match=rf"responses.jsonl line 5 \(response {ids[3]}\): 'answers' is not a JSON object"):
        import_(hub, tmp_path / "stick.collector")
    assert hub_store(hub).count_responses() == 0


@pytest.mark.parametrize("old, new", [(b'"source":"web"', b'"source":"fax"'), (b'"answers":"{', b'"answers":"[{')])
def test_a_changed_line_that_also_fails_its_checks_is_said_to_be_changed(hub, pair_laptop, tmp_path, old, new):
    import zipfile

    laptop = pair_laptop()
    for _ in range(3):
        laptop.capture()
    path = tmp_path / "stick.collector"
    export(laptop, path)
    with zipfile.ZipFile(path) as bundle:
        members = [(info.filename, bundle.read(info)) for info in bundle.infolist()]
    with zipfile.ZipFile(path, "w") as bundle:
        for name, data in members:
            assert name != "responses.jsonl" or old in data
            bundle.writestr(name, data.replace(old, new, 1) if name == "responses.jsonl" else data)
    with pytest.raises(SyncError, match="responses.jsonl does not match its checksum"):
        import_(hub, path)
    assert hub_store(hub).count_responses() == 0


def test_a_paired_laptop_may_push_a_batch_larger_than_other_requests_may_be(hub, pair_laptop):
    from collector.sync_api import PUSH_BODY_KB

    laptop = pair_laptop()
    laptop.capture({"visited": "yes", "comments": "x" * 600_000})
    record = client.next_batch(laptop.store, 0)[0][1]
    limit = hub.extensions["workspace"].setting("max_body_kb") * 1024
    body = json.dumps({"records": [record]}).encode()
    assert limit < len(body) < PUSH_BODY_KB * 1024
    headers = {"Authorization": f"Bearer {laptop.transport.token}"}
    web = hub.test_client()
    taken = web.post("/api/sync/push", data=body, content_type="application/json", headers=headers)
    assert taken.status_code == 200 and taken.get_json()["outcomes"] == {record["id"]: "applied"}
    too_large = web.post("/api/sync/push", data=b" " * (PUSH_BODY_KB * 1024 + 1), content_type="application/json",
                         headers=headers)
    assert too_large.status_code == 413 and too_large.get_json()["ok"] is False
    assert web.post("/api/sync/pair", data=b" " * (limit + 1), content_type="application/json").status_code == 413


@pytest.mark.parametrize("hub_says", [True, False])
def test_batches_are_small_until_the_hub_says_it_takes_large_ones(hub, pair_laptop, monkeypatch, hub_says):
    monkeypatch.setattr(client, "FIRST_BATCH_BYTES", 1000)  # a record counts as its answers and 400 bytes
    monkeypatch.setattr(client, "BATCH_BYTES", 5000)
    laptop = pair_laptop()
    for _ in range(30):
        laptop.capture({"visited": "no"})
    real_call, sizes = laptop.transport.call, []

    def call(method, path, body=None):
        answer = real_call(method, path, body)
        if path == "/api/sync/push":
            sizes.append(len(body["records"]))
            if not hub_says:  # as an older hub answers
                answer.pop("max_body_kb")
        return answer

    laptop.transport.call = call
    assert laptop.sync().sent == 30
    # The second batch is read while the first is on its way, before the hub has said anything.
    assert sizes[:2] == [2, 2]
    assert set(sizes[2:-1]) == ({11} if hub_says else {2})


def test_a_response_changed_while_its_batch_is_on_the_way_is_sent_again(hub, pair_laptop):
    laptop = pair_laptop()
    ids = [laptop.capture({"visited": "yes", "rating": 1}) for _ in range(3)]
    real_call = laptop.transport.call
    calls = []

    def call(method, path, body=None):
        if path == "/api/sync/push" and not calls:
            laptop.store.amend_response(ids[0], {"visited": "yes", "rating": 5})  # the volunteer corrects it meanwhile
        calls.append(path)
        return real_call(method, path, body)

    laptop.transport.call = call
    result = laptop.sync()
    assert result.sent == 4 and result.count("applied") == 4
    assert hub_store(hub).get_response(ids[0])["answers"]["rating"] == 5
    assert laptop.store.count_unacknowledged() == 0
    assert laptop.store.sync_state("checkpoint") == laptop.store.last_change()


def test_acknowledging_a_batch_leaves_what_changed_since_unacknowledged(pair_laptop):
    laptop = pair_laptop()
    ids = [laptop.capture() for _ in range(3)]
    batch = client.next_batch(laptop.store, 0)
    laptop.store.amend_response(ids[1], {"visited": "no"})
    laptop.store.acknowledge_changes(0, batch[-1][0])
    assert laptop.store.count_unacknowledged() == 1
    assert laptop.store.sync_state("checkpoint") == batch[-1][0]
    assert [r["id"] for _, r in client.next_batch(laptop.store, batch[-1][0])] == [ids[1]]
    laptop.store.acknowledge_changes(0, 1)
    assert laptop.store.sync_state("checkpoint") == batch[-1][0], "the checkpoint never moves backwards"
