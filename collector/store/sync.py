"""What sync reads and writes: a laptop's changes and checkpoints, and at the office the
paired laptops, every revision received, and what could not be taken as it came.

The rules that make sync safe live in the database: a (response, revision) pair is
received once because it is a primary key; a laptop's checkpoint moves in the same
transaction as the acknowledgements it describes; a batch is applied whole or not at all.
"""

import json
import sqlite3

from .base import StoreError, _json, now

# A response as it travels: every column but the laptop's own sync bookkeeping.
RESPONSE_FIELDS = ("id", "reference", "form_id", "form_version", "language", "source", "device_id",
                   "event_id", "paper_serial", "started_at", "submitted_at", "answers", "revision",
                   "deleted_at", "updated_at")
DEVICE_COLUMNS = ("id", "name", "device_id", "added_at", "paired_at", "revoked_at", "last_sync_at", "verify_key")

_UPSERT = (
    f"insert into responses ({', '.join(RESPONSE_FIELDS)}) values ({', '.join('?' * len(RESPONSE_FIELDS))})"
    " on conflict (id) do update set "
    + ", ".join(f"{f} = excluded.{f}" for f in RESPONSE_FIELDS if f != "id")
    # A newer revision replaces an older one; nothing brings back a response deleted here.
    + " where excluded.revision > responses.revision and responses.deleted_at is null"
)


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

    def acknowledge(self, acked, checkpoint, summary=None):
        """Record what the office acknowledged, and move the checkpoint, in one transaction.

        acked is [(response id, revision)]; checkpoint never moves backwards, so two
        syncs started at once cannot undo each other.
        """
        with self._write() as db:
            db.conn.executemany(
                "update responses set acked_revision = ?2 where id = ?1"
                " and (acked_revision is null or acked_revision < ?2)", acked)
            current = self.sync_state("checkpoint", 0)
            self._set_state(db, "checkpoint", max(current, checkpoint))
            if summary is not None:
                self._set_state(db, "last_sync", summary)

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

    def apply_batch(self, device, records, form_versions=(), events=(), bundle=None):
        """Take a batch of response revisions from a paired device, in one transaction.

        Each record has RESPONSE_FIELDS (answers as canonical JSON text) and a content
        hash. Returns ({response id: outcome}, [form versions that differ from the ones
        kept here]). Outcomes: 'applied', 'unchanged' (received before), 'stale' (an
        older revision than the one held), 'deleted' (deleted here, so not brought back)
        and 'conflict' (kept apart for a coordinator: the same revision with different
        content, or a second response for one paper copy).
        """
        stamp = now()
        outcomes = {}
        with self._write() as db:
            conn = db.conn
            differing = self._take_forms(conn, form_versions)
            conn.executemany("insert or ignore into events (id, name, venue, date, created_at) values (?, ?, ?, ?, ?)",
                             [[e["id"], e["name"], e.get("venue") or "", e.get("date") or "", e.get("created_at") or stamp]
                              for e in events])
            # records may be a generator that checks as it goes: an error part way rolls all back.
            for record in records:
                outcomes[record["id"]] = self._take(conn, device["id"], record, stamp)
            if bundle is not None:
                conn.execute("insert or ignore into bundles (id, device, created_at, imported_at, responses)"
                             " values (?, ?, ?, ?, ?)", [bundle["id"], device["id"], bundle["created_at"], stamp, len(outcomes)])
            conn.execute("update devices set last_sync_at = ? where id = ?", [stamp, device["id"]])
        return outcomes, differing

    def _take(self, conn, device, record, stamp):
        rid, revision = record["id"], record["revision"]
        cursor = conn.execute("insert or ignore into received (response_id, revision, hash, device, received_at)"
                              " values (?, ?, ?, ?, ?)", [rid, revision, record["hash"], device, stamp])
        if cursor.rowcount == 0:
            (held,) = conn.execute("select hash from received where response_id = ? and revision = ?", [rid, revision]).fetchone()
            if held == record["hash"]:
                return "unchanged"
            return self._conflict(conn, device, record, "same revision, different content", stamp)
        try:
            cursor = conn.execute(_UPSERT, [record[f] for f in RESPONSE_FIELDS])
        except sqlite3.IntegrityError:
            kind = "paper copy already stored" if record["paper_serial"] else "reference already used by this device"
            return self._conflict(conn, device, record, kind, stamp)
        if cursor.rowcount == 1:
            return "applied"
        (deleted,) = conn.execute("select deleted_at from responses where id = ?", [rid]).fetchone()
        return "deleted" if deleted else "stale"

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

    def bundle_imported(self, bundle_id):
        row = self.db.execute("select imported_at from bundles where id = ?", [bundle_id]).fetchone()
        return row[0] if row else None
