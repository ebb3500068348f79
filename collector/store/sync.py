"""What sync reads and writes: a laptop's changes and checkpoints, and at the office the
paired laptops, every revision received, and what could not be taken as it came.

The rules that make sync safe live in the database: a (response, revision) pair is
received once because it is a primary key; a laptop's checkpoint moves in the same
transaction as the acknowledgements it describes; a batch is applied whole or not at all.
"""

import functools
import itertools
import json
import operator
import sqlite3
import threading
from contextlib import contextmanager

from .base import StoreError, _json, now

# A response as it travels: every column but the laptop's own sync bookkeeping.
RESPONSE_FIELDS = ("id", "reference", "form_id", "form_version", "language", "source", "device_id",
                   "event_id", "paper_serial", "started_at", "submitted_at", "answers", "revision",
                   "deleted_at", "updated_at", "personal_key")
DEVICE_COLUMNS = ("id", "name", "device_id", "added_at", "paired_at", "revoked_at", "last_sync_at", "verify_key")

# The office numbers the changes it applies itself (change_seq given), so the numbering
# triggers, which would each run another update per row, let them be.
_TAKEN = (*RESPONSE_FIELDS, "change_seq")
_UPSERT_TAIL = (
    " on conflict (id) do update set "
    + ", ".join(f"{f} = excluded.{f}" for f in _TAKEN if f != "id")
    # A newer revision replaces an older one; nothing brings back a response deleted here.
    + " where excluded.revision > responses.revision and responses.deleted_at is null"
    # and only the laptop that took a response changes it.
    + " and responses.device_id is excluded.device_id"
)
_UPSERT = f"insert into responses ({', '.join(_TAKEN)}) values ({', '.join('?' * len(_TAKEN))})" + _UPSERT_TAIL
# Records taken by one statement of each kind: 16 parameters a record stays far under
# SQLite's 32,766, and one statement for many rows costs a fraction of a statement each.
CHUNK = 500
_FIELDS_OF = operator.itemgetter(*RESPONSE_FIELDS)
_RECEIVED_OF = operator.itemgetter("id", "revision", "hash")
APPLY_CACHE_KB = 32 * 1024  # the page cache of a connection that applies batches (SQLite's default: 2 MB)
APPLY_CHECKPOINT_PAGES = 8192  # its write-ahead log's pages between checkpoints (default 1000: 4 MB)


@functools.lru_cache(maxsize=16)
def _receive_rows(n, returning):
    """Note n (response, revision) pairs as received, those received before left as they are;
    returning: give back the ids of those noted now. Parameters: the device, the time, then
    each pair's response id, revision and hash (so C, not a Python loop, lays them out)."""
    rows = (f"(?{k}, ?{k + 1}, ?{k + 2}, ?1, ?2)" for k in range(3, 3 * n + 3, 3))
    return ("insert or ignore into received (response_id, revision, hash, device, received_at) values "
            + ", ".join(rows) + (" returning response_id" if returning else ""))


@functools.lru_cache(maxsize=8)
def _upsert_rows(n):
    """Store n revisions: each one new here, or newer than the one held and not deleted.
    Parameters: the change number before the first, then each one's RESPONSE_FIELDS;
    the k-th is numbered that plus k."""
    width = len(RESPONSE_FIELDS)
    rows = (f"({', '.join(f'?{2 + width * k + i}' for i in range(width))}, ?1 + {k + 1})" for k in range(n))
    return f"insert into responses ({', '.join(_TAKEN)}) values " + ", ".join(rows) + _UPSERT_TAIL


class SyncMixin:
    # -- on a laptop: what waits to be sent ------------------------------------------

    def sync_state(self, name, default=None):
        """A sync bookkeeping value ('checkpoint', 'bundle_checkpoint', 'last_sync', ...)."""
        return self.get_setting(f"sync.{name}", default)

    def changes_since(self, seq, limit):
        """Responses changed after change number seq, in change order: [(change_seq, row)]."""
        cursor = self.db.execute(
            f"select change_seq, {', '.join(RESPONSE_FIELDS)} from responses where change_seq > ?"
            " order by change_seq limit ?", [seq, limit])
        return [(row[0], dict(zip(RESPONSE_FIELDS, row[1:]))) for row in cursor]

    def count_changes_since(self, seq):
        return self.db.execute("select count(*) from responses where change_seq > ?", [seq]).fetchone()[0]

    def last_change(self):
        return self.db.execute("select coalesce(max(change_seq), 0) from responses").fetchone()[0]

    def acknowledge_changes(self, after, upto, kept_apart=()):
        """Record that the office acknowledged the changes numbered after `after` up to
        `upto` (a batch, as changes_since read it), and move the checkpoint to upto, in one
        transaction. A response changed since it was read has a later number by now, so
        it stays unacknowledged and goes in a later batch. The checkpoint never moves
        backwards, so two syncs started at once cannot undo each other. Responses the
        office kept apart (kept_apart: their ids) are not acknowledged: purge keeps them here.
        """
        with self._write() as db:
            # Along the change_seq index, rows next to each other: no look-up by id.
            db.conn.execute(
                "update responses set acked_revision = revision where change_seq > ? and change_seq <= ?"
                " and (acked_revision is null or acked_revision < revision)", [after, upto])
            if kept_apart:
                db.conn.executemany("update responses set acked_revision = null where id = ?", [[i] for i in kept_apart])
            current = self.sync_state("checkpoint", 0)
            self._set_state(db, "checkpoint", max(current, upto))

    def forget_hub(self):
        """Start afresh with another hub: nothing is acknowledged and every point starts again,
        so the new hub gets everything this laptop still holds."""
        with self._write() as db:
            db.execute("update responses set acked_revision = null")
            db.execute("delete from settings where name in ('sync.checkpoint', 'sync.bundle_checkpoint',"
                       " 'sync.erasures_since', 'sync.audit_checkpoint', 'sync.last_sync', 'sync.last_bundle')")

    def set_sync_state(self, name, value):
        with self._write() as db:
            self._set_state(db, name, value)

    def _set_state(self, db, name, value):
        db.execute("insert into settings (name, value) values (?, ?) on conflict (name) do update set value = excluded.value",
                   [f"sync.{name}", _json(value)])

    def count_unacknowledged(self):
        """Responses whose latest revision the office has not acknowledged."""
        return self.db.execute(
            "select count(*) from responses where acked_revision is null or acked_revision < revision").fetchone()[0]

    def events_by_id(self, ids):
        ids = [i for i in ids if i]
        if not ids:
            return []
        marks = ", ".join("?" * len(ids))
        cursor = self.db.execute(f"select id, name, venue, date, created_at from events where id in ({marks})", ids)
        return [dict(zip(("id", "name", "venue", "date", "created_at"), row)) for row in cursor]

    def form_versions(self, pairs=None):
        """[{form_id, version, source}] of the form versions kept here (only those in pairs, when given)."""
        rows = self.db.execute("select form_id, version, source from forms order by added_at, form_id, version").fetchall()
        wanted = set(pairs) if pairs is not None else None
        return [{"form_id": f, "version": v, "source": s} for f, v, s in rows if wanted is None or (f, v) in wanted]

    # -- at the office: paired laptops ------------------------------------------------

    def add_device(self, record_id, name, pair_hash, expires):
        """A laptop to be paired under name, waiting for its code. A name not yet paired
        gets a fresh code (the old one stops working); a paired or revoked name is refused."""
        with self._write() as db:
            row = db.execute("select paired_at, revoked_at from devices where name = ?", [name]).fetchone()
            if row is not None and (row[0] or row[1]):
                state = "was revoked" if row[1] else "is already paired"
                raise StoreError(f"a laptop called '{name}' {state}; give this one another name.")
            db.execute(
                "insert into devices (id, name, pair_hash, pair_expires, added_at) values (?, ?, ?, ?, ?)"
                " on conflict (name) do update set pair_hash = excluded.pair_hash, pair_expires = excluded.pair_expires",
                [record_id, name, pair_hash, expires, now()])

    def pair_device(self, pair_hash, device_id, token_hash, verify_key):
        """Use a pairing code once: the device record it paired, or None when the code is
        unknown, used, expired or revoked."""
        stamp = now()
        with self._write() as db:
            cursor = db.execute(
                "update devices set device_id = ?, token_hash = ?, verify_key = ?, paired_at = ?,"
                " pair_hash = null, pair_expires = null"
                " where pair_hash = ? and pair_expires > ? and revoked_at is null and paired_at is null",
                [device_id, token_hash, verify_key, stamp, pair_hash, stamp])
            if cursor.rowcount != 1:
                return None
        return self._device("token_hash = ?", token_hash)

    def device_for_token(self, token_hash):
        """The paired, unrevoked device holding this token, or None."""
        return self._device("token_hash = ? and revoked_at is null and paired_at is not null", token_hash)

    def device_named(self, name):
        return self._device("name = ?", name)

    def devices_for_laptop(self, device_id):
        """Paired records of one laptop (its device id), newest first: a laptop may be paired again after a revoke."""
        cursor = self.db.execute(
            f"select {', '.join(DEVICE_COLUMNS)} from devices where device_id = ? order by paired_at desc", [device_id])
        return [dict(zip(DEVICE_COLUMNS, row)) for row in cursor]

    def _device(self, where, *args):
        row = self.db.execute(f"select {', '.join(DEVICE_COLUMNS)} from devices where {where}", args).fetchone()
        return dict(zip(DEVICE_COLUMNS, row)) if row else None

    def revoke_device(self, name):
        """Cut a laptop off; True if it was not revoked already."""
        stamp = now()
        with self._write() as db:
            cursor = db.execute(
                "update devices set revoked_at = ?, pair_hash = null, token_hash = null where name = ? and revoked_at is null",
                [stamp, name])
            return cursor.rowcount == 1

    def devices(self):
        """Every device record with the responses it sent here, by name."""
        cursor = self.db.execute(
            f"select {', '.join('d.' + c for c in DEVICE_COLUMNS)},"
            " (select count(*) from received r where r.device = d.id),"
            " (select count(*) from responses s where s.device_id = d.device_id and s.deleted_at is null)"
            " from devices d order by d.name")
        return [{**dict(zip(DEVICE_COLUMNS, row)), "received": row[-2], "responses": row[-1]} for row in cursor]

    # -- at the office: taking what laptops send ----------------------------------------

    def apply_batch(self, device, records, form_versions=(), events=(), bundle=None, personal=()):
        """Take a batch of response revisions from a paired device, in one transaction.

        Each record has RESPONSE_FIELDS (answers as canonical JSON text, a JSON
        object) and a content hash, as sync.records checks and gives them; records
        may be a generator that checks as it goes, and what it raises part way
        applies nothing. Returns ({response id: outcome}, [form versions that
        differ from the ones kept here]). Outcomes: 'applied', 'unchanged'
        (received before), 'stale' (an older revision than the one held),
        'deleted' (deleted here, so not brought back) and 'conflict' (kept apart
        for a coordinator: the same revision with different content, or a second
        response for one paper copy). personal is [(key, sealed, data)]: the
        personal answers of the batch's responses, kept as they come (sealed,
        from a paired laptop) and only for a key a live response here holds
        (never for an erased one).
        """
        stamp = now()
        outcomes = {}
        with self._applying() as conn:
            differing = self._take_forms(conn, form_versions)
            conn.executemany("insert or ignore into events (id, name, venue, date, created_at) values (?, ?, ?, ?, ?)",
                             [[e["id"], e["name"], e.get("venue") or "", e.get("date") or "", e.get("created_at") or stamp]
                              for e in events])
            # The office numbers what it applies from the same counter as the triggers do.
            (first,) = conn.execute("select value from change_counter").fetchone()
            seq = first
            # records may be a generator that checks as it goes: an error part way rolls all back.
            records = iter(records)
            while chunk := list(itertools.islice(records, CHUNK)):
                seq = self._take(conn, device["id"], chunk, stamp, seq, outcomes)
            if seq != first:
                conn.execute("update change_counter set value = ?", [seq])
            conn.executemany(
                "insert or ignore into personal (key, sealed, data, created_at) select ?1, ?2, ?3, ?4"
                " where exists (select 1 from responses where personal_key = ?1 and deleted_at is null)",
                [[key, int(sealed), data, stamp] for key, sealed, data in personal])
            if bundle is not None:
                conn.execute("insert or ignore into bundles (id, device, created_at, imported_at, responses)"
                             " values (?, ?, ?, ?, ?)", [bundle["id"], device["id"], bundle["created_at"], stamp, len(outcomes)])
            conn.execute("update devices set last_sync_at = ? where id = ?", [stamp, device["id"]])
        return outcomes, differing

    @contextmanager
    def _applying(self):
        """A write transaction on the one connection batches are applied on, whichever
        thread serves them, one batch at a time (SQLite takes one writer at a time anyway).

        A batch touches pages all over the indexes of responses and received. With a
        larger page cache they stay in memory until the commit, not written out and read
        back part way, and stay warm for the next batch; one connection keeps one such
        cache, not one per thread. With a longer write-ahead log between checkpoints, a
        page that several batches change is copied into the database once, not each time.
        """
        with self.__dict__.setdefault("_apply_lock", threading.Lock()):
            db = self.__dict__.get("_apply_db")
            if db is None or all(d is not db for d in self._all):  # none yet, or closed by close()
                db = self._apply_db = self._connect()
                db.conn.execute(f"pragma cache_size = -{APPLY_CACHE_KB}")
                db.conn.execute(f"pragma wal_autocheckpoint = {APPLY_CHECKPOINT_PAGES}")
            conn = db.conn
            with self.writing():
                conn.execute("BEGIN IMMEDIATE")
                try:
                    yield conn
                except BaseException:
                    conn.execute("ROLLBACK")
                    raise
                else:
                    conn.execute("COMMIT")

    def _take(self, conn, device, records, stamp, seq, outcomes):
        """Take records (at most CHUNK, each response once), noting each one's outcome;
        returns the last change number used. The (response, revision) key of `received`
        decides what is new: inserting every pair, the database gives back those it took."""
        args = [device, stamp, *itertools.chain.from_iterable(map(_RECEIVED_OF, records))]
        # Mostly every pair is new: one statement, then one count, not a row back for each.
        conn.execute("savepoint receiving")
        if conn.execute(_receive_rows(len(records), False), args).rowcount == len(records):
            new = {r["id"] for r in records}
        else:
            conn.execute("rollback to receiving")
            new = {rid for (rid,) in conn.execute(_receive_rows(len(records), True), args).fetchall()}
        conn.execute("release receiving")
        fresh = []
        for record in records:
            if record["id"] in new:
                fresh.append(record)
                continue
            (held,) = conn.execute("select hash from received where response_id = ? and revision = ?",
                                   [record["id"], record["revision"]]).fetchone()
            outcomes[record["id"]] = "unchanged" if held == record["hash"] else self._conflict(
                conn, device, record, "same revision, different content", stamp)
        if not fresh:
            return seq
        args = [seq, *itertools.chain.from_iterable(map(_FIELDS_OF, fresh))]
        try:
            # One statement: if any row breaks a unique index, none of them is stored. Those
            # stored have the change numbers given here; mostly that is all of them.
            if conn.execute(_upsert_rows(len(fresh)), args).rowcount == len(fresh):
                stored = {r["id"] for r in fresh}
            else:
                stored = {rid for (rid,) in conn.execute(
                    "select id from responses where change_seq > ? and change_seq <= ?", [seq, seq + len(fresh)])}
        except sqlite3.IntegrityError:
            stored = self._take_one_by_one(conn, device, fresh, seq, stamp, outcomes)
        for record in fresh:
            rid = record["id"]
            if rid in stored:
                outcomes[rid] = "applied"
            elif rid not in outcomes:
                (deleted,) = conn.execute("select deleted_at from responses where id = ?", [rid]).fetchone()
                outcomes[rid] = "deleted" if deleted else "stale"
        return seq + len(fresh)

    def _take_one_by_one(self, conn, device, records, seq, stamp, outcomes):
        """Store records one at a time, numbered from seq + 1, keeping apart each one a unique
        index refuses (a second response for a paper copy, or a reference this device used twice)."""
        stored = set()
        for number, record in enumerate(records, seq + 1):
            try:
                if conn.execute(_UPSERT, [*_FIELDS_OF(record), number]).rowcount == 1:
                    stored.add(record["id"])
            except sqlite3.IntegrityError:
                kind = "paper copy already stored" if record["paper_serial"] else "reference already used by this device"
                outcomes[record["id"]] = self._conflict(conn, device, record, kind, stamp)
        return stored

    def _conflict(self, conn, device, record, kind, stamp):
        conn.execute("insert into sync_conflicts (response_id, revision, device, kind, record, at) values (?, ?, ?, ?, ?, ?)",
                     [record["id"], record["revision"], device, kind,
                      _json({f: record[f] for f in RESPONSE_FIELDS}), stamp])
        return "conflict"

    def _take_forms(self, conn, form_versions):
        differing = []
        for form in form_versions:
            conn.execute("insert or ignore into forms (form_id, version, source, added_at) values (?, ?, ?, ?)",
                         [form["form_id"], form["version"], form["source"], now()])
            (held,) = conn.execute("select source from forms where form_id = ? and version = ?",
                                   [form["form_id"], form["version"]]).fetchone()
            if held != form["source"]:
                differing.append((form["form_id"], form["version"]))
        return differing

    def conflicts(self):
        cursor = self.db.execute("select c.id, c.response_id, c.revision, coalesce(d.name, c.device), c.kind, c.record, c.at"
                                 " from sync_conflicts c left join devices d on d.id = c.device order by c.id")
        return [{"id": i, "response_id": r, "revision": v, "device": d, "kind": k, "record": json.loads(rec), "at": at}
                for i, r, v, d, k, rec, at in cursor]
