"""File bundles on a USB stick: written whole or not at all; checked whole before anything is applied."""

import json
import zipfile

import pytest

from sync import SyncError
from sync.bundle import import_bundle, write_bundle


def hub_store(hub):
    return hub.extensions["workspace"].store


def export(laptop, path, all_responses=False):
    ws = laptop.workspace
    return write_bundle(ws.store, path, ws.sync_settings, ws.device_id, ws.device_name, all_responses)


def import_(hub, path):
    ws = hub.extensions["workspace"]
    return import_bundle(ws.store, path, ws.config["hub"]["hub_id"])


def rewrite(path, change):
    """Copy a bundle with change(name, data) -> data applied to each member."""
    with zipfile.ZipFile(path) as old:
        members = [(info.filename, old.read(info)) for info in old.infolist()]
    with zipfile.ZipFile(path, "w") as new:
        for name, data in members:
            new.writestr(name, change(name, data))


def test_a_bundle_carries_responses_to_the_hub_and_twice_changes_nothing(hub, pair_laptop, tmp_path):
    laptop = pair_laptop()
    ids = {laptop.capture() for _ in range(4)}
    manifest = export(laptop, tmp_path / "stick.collector")
    assert manifest["counts"]["responses"] == 4
    _, counts, _ = import_(hub, tmp_path / "stick.collector")
    assert counts == {"applied": 4}
    assert {r["id"] for r in hub_store(hub).list_responses()} == ids
    _, counts, _ = import_(hub, tmp_path / "stick.collector")
    assert counts == {"unchanged": 4}
    assert hub_store(hub).count_responses() == 4
    assert not list(tmp_path.glob(".*part")), "no temporary file is left behind"


def test_the_next_bundle_holds_only_what_changed_and_all_holds_everything(hub, pair_laptop, tmp_path):
    laptop = pair_laptop()
    laptop.capture()
    export(laptop, tmp_path / "one.collector")
    deleted = laptop.capture()
    laptop.store.delete_response(deleted)
    second = export(laptop, tmp_path / "two.collector")
    assert second["counts"]["responses"] == 1
    assert export(laptop, tmp_path / "all.collector", all_responses=True)["counts"]["responses"] == 2
    # Imported out of order, the newest revision still wins and the deletion holds.
    import_(hub, tmp_path / "two.collector")
    import_(hub, tmp_path / "all.collector")
    _, counts, _ = import_(hub, tmp_path / "one.collector")
    assert counts == {"unchanged": 1}
    assert hub_store(hub).get_response(deleted)["deleted_at"]
    assert hub_store(hub).count_responses() == 1


def test_a_truncated_bundle_is_refused_and_nothing_applied(hub, pair_laptop, tmp_path):
    laptop = pair_laptop()
    for _ in range(50):
        laptop.capture({"visited": "no", "reasons": ["too far"]})
    path = tmp_path / "stick.collector"
    export(laptop, path, all_responses=True)
    data = path.read_bytes()
    for cut in (len(data) // 3, len(data) - 30, 10):
        path.write_bytes(data[:cut])
        with pytest.raises(SyncError, match="not a whole bundle|not a Collector bundle"):
            import_(hub, path)
    assert hub_store(hub).count_responses() == 0


def test_a_changed_response_line_is_caught_by_its_checksum(hub, pair_laptop, tmp_path):
    laptop = pair_laptop()
    laptop.capture({"visited": "yes", "how_often": "daily", "rating": 1})
    laptop.capture()
    path = tmp_path / "stick.collector"
    export(laptop, path)

    def change_rating(name, data):
        if name != "responses.jsonl":
            return data
        assert b'\\"rating\\": 1' in data
        return data.replace(b'\\"rating\\": 1', b'\\"rating\\": 5')

    rewrite(path, change_rating)
    with pytest.raises(SyncError, match="does not match its checksum"):
        import_(hub, path)
    assert hub_store(hub).count_responses() == 0


def test_a_changed_manifest_is_caught_by_its_signature(hub, pair_laptop, tmp_path):
    laptop = pair_laptop()
    laptop.capture()
    path = tmp_path / "stick.collector"
    export(laptop, path)

    def forge(name, data):
        if name != "manifest.json":
            return data
        manifest = json.loads(data)
        manifest["counts"]["responses"] = 0
        return json.dumps(manifest).encode()

    rewrite(path, forge)
    with pytest.raises(SyncError, match="signature does not match"):
        import_(hub, path)
    assert hub_store(hub).count_responses() == 0


def test_a_bundle_whose_records_fail_checks_applies_nothing(hub, pair_laptop, tmp_path):
    """Even a bundle signed by the laptop is checked record by record, inside one transaction."""
    laptop = pair_laptop()
    for _ in range(3):
        laptop.capture()
    laptop.store.db.execute("update responses set source = 'fax' where rowid = 3")
    laptop.store.db.conn.commit()
    path = tmp_path / "stick.collector"
    export(laptop, path)
    with pytest.raises(SyncError, match="line 3.*'source'"):
        import_(hub, path)
    assert hub_store(hub).count_responses() == 0


def test_bundles_from_revoked_or_unknown_laptops_or_for_another_hub_are_refused(hub, pair_laptop, tmp_path):
    laptop = pair_laptop()
    laptop.capture()
    path = tmp_path / "stick.collector"
    export(laptop, path)
    ws = hub.extensions["workspace"]
    with pytest.raises(SyncError, match="made for another hub"):
        import_bundle(ws.store, path, "another-hub")
    hub_store(hub).revoke_device("Library laptop")
    with pytest.raises(SyncError, match="revoked"):
        import_(hub, path)
    assert hub_store(hub).count_responses() == 0


@pytest.mark.parametrize("content", [b"", b"hello", b"PK\x03\x04 not really a zip"])
def test_a_file_that_is_not_a_bundle_is_refused_clearly(hub, tmp_path, content):
    path = tmp_path / "odd.collector"
    path.write_bytes(content)
    with pytest.raises(SyncError, match="not a whole bundle|not a Collector bundle"):
        import_(hub, path)


def test_a_bundle_is_never_a_copy_of_the_live_database(hub, pair_laptop, tmp_path):
    laptop = pair_laptop()
    laptop.capture()
    path = tmp_path / "stick.collector"
    export(laptop, path)
    with zipfile.ZipFile(path) as bundle:
        assert sorted(bundle.namelist()) == ["events.json", "forms.json", "manifest.json", "manifest.sig", "personal.json",
                                            "responses.jsonl"]
        assert all(not bundle.read(n).startswith(b"SQLite format") for n in bundle.namelist())


def test_a_failed_write_leaves_no_bundle_and_does_not_move_the_bundle_point(pair_laptop, tmp_path, monkeypatch):
    laptop = pair_laptop()
    laptop.capture()
    real_fsync = __import__("os").fsync

    def full_stick(fd):
        raise OSError(28, "No space left on device")

    stick = tmp_path / "stick"
    stick.mkdir()
    monkeypatch.setattr("sync.bundle.os.fsync", full_stick)
    with pytest.raises(SyncError, match="No space left"):
        export(laptop, stick / "laptop.collector")
    monkeypatch.setattr("sync.bundle.os.fsync", real_fsync)
    assert not list(stick.iterdir())
    assert laptop.store.sync_state("bundle_checkpoint", 0) == 0


@pytest.mark.parametrize("in_a_process_of_their_own", [True, False])
def test_records_are_read_and_refused_alike_in_a_process_of_their_own_or_in_this_one(
        hub, pair_laptop, tmp_path, monkeypatch, in_a_process_of_their_own):
    import multiprocessing

    if not in_a_process_of_their_own:
        monkeypatch.setattr("sync.bundle.FORK", None)
    laptop = pair_laptop()
    ids = [laptop.capture({"visited": "yes", "how_often": "daily", "rating": 4}) for _ in range(3)]
    good, bad = tmp_path / "good.collector", tmp_path / "bad.collector"
    export(laptop, good, all_responses=True)
    laptop.store.db.execute("update responses set source = 'fax' where id = ?", [ids[1]])
    laptop.store.db.conn.commit()
    export(laptop, bad, all_responses=True)
    with pytest.raises(SyncError, match=rf"line \d \(response {ids[1]}\): 'source' should be one of"):
        import_(hub, bad)
    assert hub_store(hub).count_responses() == 0
    assert not multiprocessing.active_children(), "no reading process is left behind"
    _, counts, _ = import_(hub, good)
    assert counts == {"applied": 3}
    assert not multiprocessing.active_children()
