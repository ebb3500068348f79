"""The store: durability settings, one response per id under concurrency, migrations, tombstones."""

import collections
import sqlite3
import threading

import pytest

from collector.store import Store, migrations, new_reference, normalise_reference
from collector.store.base import REFERENCE_ALPHABET
from collector.store.exports import EXPORT_COLUMNS


def test_database_uses_wal_and_full_synchronous(tmp_path):
    store = Store(tmp_path / "c.db")
    assert store.db.execute("pragma journal_mode").fetchone()[0] == "wal"
    assert store.db.execute("pragma synchronous").fetchone()[0] == 2  # FULL


def test_concurrent_submits_of_one_id_store_one_response(tmp_path):
    store = Store(tmp_path / "c.db")
    rid = store.start_response("f", "1", "en", "web", "dev")
    results = []

    def submit():
        results.append(store.submit_response(rid, {"q": "a"}))

    threads = [threading.Thread(target=submit) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 12, "every submit must get the reference back"
    assert store.count_responses() == 1
    assert len({ref for ref, _ in results}) == 1
    assert sum(created for _, created in results) == 1
    assert store.get_draft(rid) is None


def test_many_people_submitting_at_once_lose_nothing(tmp_path):
    store = Store(tmp_path / "c.db")
    ids = [store.start_response("f", "1", "en", "web", "dev") for _ in range(60)]

    def submit(chunk):
        for rid in chunk:
            store.submit_response(rid, {"q": rid})

    threads = [threading.Thread(target=submit, args=(ids[i::6],)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert store.count_responses() == 60
    references = [r["reference"] for r in store.list_responses()]
    assert len(set(references)) == 60


def test_responses_survive_reopening_the_database(tmp_path):
    store = Store(tmp_path / "c.db")
    rid = store.start_response("f", "1", "en", "web", "dev")
    store.submit_response(rid, {"q": "kept"})
    store.close()
    again = Store(tmp_path / "c.db")
    assert again.get_response(rid)["answers"] == {"q": "kept"}


def test_migrations_upgrade_an_existing_database_without_losing_data(tmp_path):
    path = tmp_path / "old.db"
    store = Store(path)
    rid = store.start_response("f", "1", "en", "web", "dev")
    store.submit_response(rid, {"q": "kept"})
    store.close()
    # An older copy of the program had applied only some migrations.
    conn = sqlite3.connect(path)
    applied = [row[0] for row in conn.execute("select name from _sqlite_migrations where migration_set = 'collector'")]
    assert applied == [m.name for m in migrations._migrations]
    conn.close()
    reopened = Store(path)
    assert reopened.get_response(rid)["answers"] == {"q": "kept"}
    assert [m.name for m in migrations.pending(reopened.db)] == []


def test_deleting_twice_is_harmless_and_keeps_one_tombstone(tmp_path):
    store = Store(tmp_path / "c.db")
    rid = store.start_response("f", "1", "en", "web", "dev")
    store.submit_response(rid, {"q": "a"})
    assert store.delete_response(rid) is True
    assert store.delete_response(rid) is False
    row = store.get_response(rid)
    assert row["revision"] == 2 and row["answers"] == {}


def test_references_are_forgiving_to_type():
    assert normalise_reference("k7p4 qx2m") == "K7P4-QX2M"
    assert normalise_reference("K7P4-QXOM") == "K7P4-QX0M"
    assert normalise_reference("UUUU-UUUU") is None and normalise_reference("short") is None


def test_references_use_every_letter_of_the_alphabet_evenly_in_every_place():
    # A reference is 32 ** 8 possibilities only if each of its 8 letters is drawn evenly from all 32.
    assert len(set(REFERENCE_ALPHABET)) == 32
    draws = [new_reference() for _ in range(6400)]
    assert all(normalise_reference(r) == r and len(r) == 9 and r[4] == "-" for r in draws)
    for place in (0, 1, 2, 3, 5, 6, 7, 8):
        counts = collections.Counter(r[place] for r in draws)
        assert set(counts) == set(REFERENCE_ALPHABET)
        # 200 expected per letter; a letter twice as likely as it should be would show far beyond this.
        assert max(counts.values()) < 290 and min(counts.values()) > 115
    # And the places are drawn apart: 40 bits a reference, so 6,400 draws repeat none, and
    # neighbouring letters take (nearly) all 1,024 pairs.
    assert len(set(draws)) == len(draws)
    for place in (0, 1, 2, 5, 6, 7):
        assert len({(r[place], r[place + 1]) for r in draws}) > 1000


def test_one_index_on_reference_replaces_two_and_keeps_a_reference_once_per_laptop(tmp_path):
    path = tmp_path / "old.db"
    Store(path).close()
    # As a workspace made before m010 had it: two indexes on reference, and two laptops'
    # responses that by chance drew the same reference.
    conn = sqlite3.connect(path)
    conn.execute("drop index responses_reference_device")
    conn.execute("create unique index responses_device_reference on responses (coalesce(device_id, ''), reference)")
    conn.execute("create index responses_reference on responses (reference)")
    conn.execute("delete from _sqlite_migrations where name = 'm010_one_index_on_reference'")
    insert = ("insert into responses (id, reference, form_id, form_version, source, submitted_at, device_id)"
              " values (?, 'ABCD-1234', 'f', '1', 'web', '2026-05-01T10:00:00Z', ?)")
    conn.executemany(insert, [["a", "laptop-a"], ["b", "laptop-b"], ["c", None]])
    conn.commit()
    conn.close()

    store = Store(path)
    indexes = {row[0] for row in store.db.execute("select name from sqlite_master where type = 'index' and tbl_name = 'responses'")}
    assert "responses_reference_device" in indexes
    assert not indexes & {"responses_reference", "responses_device_reference"}
    assert store.db.execute("select count(*) from responses").fetchone()[0] == 3
    for same in (["d", "laptop-a"], ["e", None]):  # one laptop, or none named, twice
        with pytest.raises(sqlite3.IntegrityError, match="UNIQUE"):
            store.db.execute(insert, same)
    plan = store.db.execute("explain query plan select 1 from responses where reference = ?", ["ABCD-1234"]).fetchall()
    assert "responses_reference_device" in plan[0][-1]


def test_the_export_index_knows_deleted_responses_and_keeps_the_order_exports_page_by(tmp_path):
    path = tmp_path / "old.db"
    Store(path).close()
    # As a workspace made before m011 had it: the index on (form_id, submitted_at).
    conn = sqlite3.connect(path)
    conn.execute("drop index responses_export")
    conn.execute("create index idx_responses_form_id_submitted_at on responses (form_id, submitted_at)")
    conn.execute("delete from _sqlite_migrations where name = 'm011_export_index_knows_deleted'")
    conn.executemany("insert into responses (id, reference, form_id, form_version, source, submitted_at, deleted_at)"
                     " values (?, ?, 'f', '1', 'web', ?, ?)",
                     [[f"r{i}", f"REF{i:05d}", f"2026-05-01T10:00:{i % 3:02d}Z", "2026-05-02T00:00:00Z" if i % 4 == 0 else None]
                      for i in range(40)])
    conn.commit()
    conn.close()

    store = Store(path)
    indexes = {row[0] for row in store.db.execute("select name from sqlite_master where type = 'index' and tbl_name = 'responses'")}
    assert "responses_export" in indexes and "idx_responses_form_id_submitted_at" not in indexes
    live = sorted((f"2026-05-01T10:00:{i % 3:02d}Z", i) for i in range(40) if i % 4)
    assert store.count_for_export("f") == len(live) == 30
    batches = store._keyset_batches(", ".join(EXPORT_COLUMNS), "f", None, None, None, 7)
    assert [row[0] for rows in batches for row in rows] == [f"r{i}" for _stamp, i in live]

    def plan(sql, *args):
        return " ".join(row[-1] for row in store.db.execute("explain query plan " + sql, args).fetchall())

    # Counting, and cutting an export into parts, read the index alone; paging needs no sorting.
    assert "COVERING INDEX responses_export" in plan("select count(*) from responses where form_id = ? and deleted_at is null", "f")
    paging = plan("select id from responses where form_id = ? and deleted_at is null and submitted_at > ?"
                  " order by submitted_at, rowid limit 5", "f", "")
    assert "responses_export" in paging and "TEMP B-TREE" not in paging


def test_writers_in_one_process_take_turns_and_one_kept_waiting_too_long_is_told(tmp_path, monkeypatch):
    import time

    from collector.store import StoreError, base

    store = Store(tmp_path / "c.db")
    rid = store.start_response("f", "1", "en", "web", "dev")
    holding, done = threading.Event(), []

    def hold():
        with store._write() as db:
            db.execute("update drafts set answers = ? where id = ?", ['{"q": "first"}', rid])
            holding.set()
            time.sleep(0.3)

    def second():
        store.save_draft(rid, {"q": "second"})
        done.append(time.monotonic())

    first = threading.Thread(target=hold)
    first.start()
    assert holding.wait(5)
    waiting = threading.Thread(target=second)
    started = time.monotonic()
    waiting.start()
    first.join()
    waiting.join()
    assert done and done[0] - started >= 0.2  # it waited its turn, then wrote
    assert store.get_draft(rid)["answers"] == {"q": "second"}
    # A write that cannot get its turn in time says so, and changes nothing.
    monkeypatch.setattr(base, "WRITE_WAIT", 0.1)
    with store.writing():
        outcome = []
        worker = threading.Thread(target=lambda: outcome.append(_try(lambda: store.save_draft(rid, {"q": "third"}))))
        worker.start()
        worker.join()
    assert isinstance(outcome[0], StoreError) and "busy" in str(outcome[0])
    assert store.get_draft(rid)["answers"] == {"q": "second"}


def _try(call):
    try:
        return call()
    except Exception as exc:  # noqa: BLE001 (the test looks at what was raised)
        return exc


def test_what_a_write_asks_for_runs_once_it_has_committed_and_never_when_it_fails(tmp_path):
    store = Store(tmp_path / "c.db")
    seen = []

    def committed():
        # Another connection (another thread's) already sees the write.
        seen.append(Store(tmp_path / "c.db").get_setting("colour"))

    with store._write() as db:
        db.execute("insert into settings (name, value) values ('colour', '\"green\"')")
        store._when_committed(committed)
        assert seen == []
    assert seen == ["green"]
    with pytest.raises(RuntimeError):
        with store._write() as db:
            db.execute("update settings set value = '\"red\"' where name = 'colour'")
            store._when_committed(lambda: seen.append("ran"))
            raise RuntimeError("the disk is full")
    assert seen == ["green"] and store.get_setting("colour") == "green"


def test_a_kept_draft_is_what_is_stored_and_is_read_without_sqlite(tmp_path):
    store = Store(tmp_path / "d.db")
    rid = store.start_response("f", "1", "en", "web", "dev")
    assert store.get_draft(rid)["answers"] == {}
    store.save_draft(rid, {"q": "one"}, language="cy")
    statements = []
    store.db.conn.set_trace_callback(statements.append)
    draft = store.get_draft(rid)
    store.db.conn.set_trace_callback(None)
    assert statements == []
    assert draft["answers"] == {"q": "one"} and draft["language"] == "cy"
    assert draft == Store(tmp_path / "d.db").get_draft(rid)  # as read from SQLite by another process
    draft["answers"]["q"] = "changed by a caller"
    assert store.get_draft(rid)["answers"] == {"q": "one"}
    store.submit_response(rid, {"q": "one"})
    assert store.get_draft(rid) is None


def test_kept_drafts_are_every_column_as_stored_after_each_kind_of_write(tmp_path):
    # Writes work out the row they stored instead of reading it back: it must be the row SQLite holds.
    store = Store(tmp_path / "k.db")
    event = store.set_event("Fete", "Hall", "2026-07-04")
    rid = store.start_response("f", "1", "en", "kiosk", "dev", event["id"], browser="b1")

    def as_stored():
        return Store(tmp_path / "k.db").get_draft(rid)  # read from SQLite, as by another process

    assert store.get_draft(rid) == as_stored()
    store.save_draft(rid, {"q": "one"})
    assert store.get_draft(rid) == as_stored()
    store.save_draft(rid, {"q": "two"}, language="cy")
    assert store.get_draft(rid) == as_stored()
    store._kept_drafts.clear()  # as after a restart, or when the kept drafts are full
    store.save_draft(rid, {"q": "three"})
    assert store._kept_drafts.get(rid) is not None and store.get_draft(rid) == as_stored()
    assert as_stored()["browser"] == "b1" and as_stored()["language"] == "cy"


def test_a_draft_another_process_dropped_is_not_saved_into_and_says_so(tmp_path):
    store = Store(tmp_path / "e.db")
    rid = store.start_response("f", "1", "en", "web", "dev")
    store.save_draft(rid, {"q": "one"})
    assert store.get_draft(rid) is not None  # kept
    elsewhere = Store(tmp_path / "e.db")  # `collector responses import` in another process
    elsewhere.submit_response(rid, {"q": "imported"})
    assert store.save_draft(rid, {"q": "two"}) is None
    assert store.get_draft(rid) is None
    assert store.submit_response(rid, {"q": "two"}) == (elsewhere.get_response(rid)["reference"], False)
    assert store.get_response(rid)["answers"] == {"q": "imported"}


def test_a_page_view_reading_while_a_save_commits_never_keeps_the_older_draft(tmp_path):
    # The view reads the draft from SQLite, a save commits, then the view would have kept what it read:
    # the next save would then start from answers older than those stored.
    store = Store(tmp_path / "f.db")
    rid = store.start_response("f", "1", "en", "web", "dev")
    store.save_draft(rid, {"a": "1"})
    store._kept_drafts.clear()  # as after a restart, or when the kept drafts are full
    read, go = threading.Event(), threading.Event()
    one = store._one

    def slow_read(sql, args):
        row = one(sql, args)
        if threading.current_thread().name == "page view":
            read.set()
            go.wait(5)
        return row

    store._one = slow_read
    viewer = threading.Thread(target=lambda: store.get_draft(rid), name="page view")
    viewer.start()
    assert read.wait(5)
    store.save_draft(rid, {"a": "1", "b": "2"})
    go.set()
    viewer.join(5)
    assert store.get_draft(rid)["answers"] == {"a": "1", "b": "2"}
