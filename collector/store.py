"""The local store: the only module that touches SQLite (through sqlite-utils).

Durability comes first: WAL mode with synchronous=FULL, so a response is on
disk before the thank-you page is sent and survives a flat battery. Each
response has a UUID from the moment its form is first shown; the primary key
decides whether a submission is new, so a double click or a re-sent POST
stores one response, never two.
"""

import json
import secrets
import sqlite3
import threading
import uuid
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone

import sqlite_utils
from sqlite_utils.migrations import Migrations

# Crockford's base32 without I, L, O and U: easy to read aloud and copy from paper.
REFERENCE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
SOURCES = ("web", "kiosk", "paper")

migrations = Migrations("collector")


class StoreError(Exception):
    """A problem with the local store, said so a coordinator can act on it."""


class DuplicateSerial(StoreError):
    """A paper copy whose serial is already stored as a response: each copy counts once."""

    def __init__(self, serial, existing):
        super().__init__(f"paper copy {serial} is already stored as response {existing['reference']}; it is not stored again.")
        self.serial = serial
        self.existing = existing


class KeyingRefused(StoreError):
    """A keying that double entry cannot take; reason is 'same_keyer', 'awaiting' or 'other_form'."""

    def __init__(self, serial, reason, keyings):
        says = {
            "same_keyer": "was keyed first by this same person; a second volunteer must key it",
            "awaiting": "has been keyed twice and waits for a coordinator to decide between the keyings",
            "other_form": f"was first keyed as form '{keyings[0]['form_id']}'; key it as that form",
        }
        super().__init__(f"paper copy {serial} {says[reason]}.")
        self.serial = serial
        self.reason = reason
        self.keyings = keyings


def now():
    return datetime.now(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def new_reference():
    raw = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))
    return f"{raw[:4]}-{raw[4:]}"


def normalise_reference(text):
    """Accept a reference as people type it: lower case, no dash, O for 0, I or L for 1."""
    cleaned = str(text).upper().replace("-", "").replace(" ", "")
    cleaned = cleaned.translate(str.maketrans({"O": "0", "I": "1", "L": "1"}))
    if len(cleaned) != 8 or any(c not in REFERENCE_ALPHABET for c in cleaned):
        return None
    return f"{cleaned[:4]}-{cleaned[4:]}"


@migrations()
def m001_initial(db):
    db["forms"].create(
        {"form_id": str, "version": str, "source": str, "added_at": str},
        pk=("form_id", "version"),
    )
    db["events"].create(
        {"id": str, "name": str, "venue": str, "date": str, "created_at": str}, pk="id"
    )
    db["settings"].create({"name": str, "value": str}, pk="name")
    db["drafts"].create(
        {
            "id": str, "form_id": str, "form_version": str, "language": str, "source": str,
            "device_id": str, "event_id": str, "started_at": str, "updated_at": str,
            "answers": str,
        },
        pk="id",
    )
    db["responses"].create(
        {
            "id": str, "reference": str, "form_id": str, "form_version": str,
            "language": str, "source": str, "device_id": str, "event_id": str,
            "paper_serial": str, "started_at": str, "submitted_at": str,
            "answers": str, "revision": int, "deleted_at": str, "updated_at": str,
        },
        pk="id",
        not_null={"reference", "form_id", "form_version", "source", "submitted_at", "revision"},
        defaults={"revision": 1},
    )
    db["responses"].create_index(["reference"], unique=True)
    db["responses"].create_index(["form_id", "submitted_at"])


@migrations()
def m002_paper_serials(db):
    db["serials"].create(
        {"serial": str, "form_id": str, "form_version": str, "issued_at": str},
        pk="serial",
    )


@migrations()
def m003_paper_entry(db):
    # The database, not a check beforehand, refuses a second response for one paper copy.
    db["responses"].create_index(["paper_serial"], unique=True)
    # Under double entry each keying of a copy waits here, not as a response, until it counts.
    db["paper_entries"].create(
        {
            "id": str, "serial": str, "round": int, "form_id": str, "form_version": str,
            "language": str, "keyer": str, "device_id": str, "event_id": str,
            "answers": str, "keyed_at": str, "status": str, "response_id": str,
        },
        pk="id",
        not_null={"serial", "round", "form_id", "form_version", "keyer", "answers", "keyed_at", "status"},
    )
    db["paper_entries"].create_index(["serial", "round"], unique=True)
    db["paper_entries"].create_index(["status"])


@migrations()
def m004_audit(db):
    # Who took what out of the laptop, and when. Triggers, not code paths, keep it
    # append-only, so no later change to the app can quietly rewrite the record.
    db.execute(
        "create table audit (id integer primary key autoincrement, at text not null,"
        " actor text not null, action text not null, detail text not null)"
    )
    for event in ("update", "delete"):
        db.execute(
            f"create trigger audit_no_{event} before {event} on audit"
            f" begin select raise(abort, 'the audit log is append-only: its rows cannot be changed or deleted'); end"
        )


def _json(value):
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


class Store:
    """Responses, drafts, events and settings of one workspace, in one SQLite file.

    Each thread gets its own connection (waitress serves from a thread pool).
    """

    def __init__(self, path):
        self.path = str(path)
        self._local = threading.local()
        self._all = []
        self._lock = threading.Lock()
        migrations.apply(self.db)

    @property
    def db(self):
        db = getattr(self._local, "db", None)
        if db is None:
            try:
                conn = sqlite3.connect(self.path, timeout=30, check_same_thread=False)
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute("PRAGMA synchronous=FULL")
                conn.execute("PRAGMA foreign_keys=ON")
            except sqlite3.DatabaseError as exc:
                raise StoreError(f"cannot open the database {self.path}: {exc}") from exc
            db = sqlite_utils.Database(conn, execute_plugins=False)
            self._local.db = db
            with self._lock:
                self._all.append(db)
        return db

    def close(self):
        with self._lock:
            for db in self._all:
                db.close()
            self._all.clear()
        self._local = threading.local()

    @contextmanager
    def _write(self):
        """One write transaction that takes the write lock at once (no upgrade deadlock)."""
        conn = self.db.conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        else:
            conn.execute("COMMIT")

    # -- settings and events ------------------------------------------------

    def get_setting(self, name, default=None):
        row = self.db.execute("select value from settings where name = ?", [name]).fetchone()
        return json.loads(row[0]) if row else default

    def set_setting(self, name, value):
        with self._write() as db:
            db["settings"].upsert({"name": name, "value": _json(value)}, pk="name")

    def set_event(self, name, venue="", date=""):
        """Make a new current event; every response from now on records it."""
        name = " ".join(str(name).split())
        if not name:
            raise StoreError("an event needs a name, such as 'Riverside fete'.")
        event = {"id": str(uuid.uuid4()), "name": name, "venue": " ".join(str(venue or "").split()), "date": str(date or ""), "created_at": now()}
        with self._write() as db:
            db["events"].insert(event)
            db["settings"].upsert({"name": "current_event", "value": _json(event["id"])}, pk="name")
        return event

    def clear_event(self):
        self.set_setting("current_event", None)

    def current_event(self):
        event_id = self.get_setting("current_event")
        return self.get_event(event_id) if event_id else None

    def get_event(self, event_id):
        return self._one("select * from events where id = ?", [event_id])

    def events(self):
        return list(self.db["events"].rows_where(order_by="created_at desc"))

    # -- forms --------------------------------------------------------------

    def record_form(self, form_id, version, source_text):
        """Keep each form version's YAML the first time it is used, for exports and sync."""
        with self._write() as db:
            db.execute(
                "insert or ignore into forms (form_id, version, source, added_at) values (?, ?, ?, ?)",
                [form_id, version, source_text, now()],
            )

    def form_source(self, form_id, version):
        row = self.db.execute("select source from forms where form_id = ? and version = ?", [form_id, version]).fetchone()
        return row[0] if row else None

    # -- paper serials --------------------------------------------------------

    def issue_serials(self, form_id, version, count, prefix):
        """Record count new serial numbers for printed copies and return them.

        Serials run on from the last one this workspace issued under prefix,
        so every copy ever printed here has its own.
        """
        stamp = now()
        with self._write() as db:
            row = db.execute(
                "select max(cast(substr(serial, ?) as integer)) from serials where serial like ?",
                [len(prefix) + 2, prefix + "-%"],
            ).fetchone()
            start = (row[0] or 0) + 1
            serials = [f"{prefix}-{n:06d}" for n in range(start, start + count)]
            db["serials"].insert_all(
                {"serial": s, "form_id": form_id, "form_version": version, "issued_at": stamp} for s in serials
            )
        return serials

    def serial_issued(self, serial):
        rows = list(self.db["serials"].rows_where("serial = ?", [serial]))
        return rows[0] if rows else None

    # -- paper entry -----------------------------------------------------------

    def response_for_serial(self, serial):
        """The response keyed from the paper copy with this serial (deleted or not), or None."""
        rows = list(self.db["responses"].rows_where("paper_serial = ?", [serial]))
        return self._decode(rows[0]) if rows else None

    def submit_paper_response(self, response_id, form_id, version, answers, serial, language, device_id, event_id=None):
        """Store a response keyed from a paper copy. Returns (reference, created).

        The unique index on paper_serial decides, so of two racing saves of one
        copy one is stored and the other raises DuplicateSerial; a re-sent save
        (the same response id) gets the first one's reference with created=False.
        """
        record = {"id": response_id, "form_id": form_id, "form_version": version, "language": language,
                  "device_id": device_id, "event_id": event_id, "paper_serial": serial, "answers": answers}
        try:
            with self._write() as db:
                return self._insert_paper(db, record), True
        except sqlite3.IntegrityError:
            existing = self.response_for_serial(serial)
        if existing is not None and existing["id"] == response_id:
            return existing["reference"], False
        if existing is not None:
            raise DuplicateSerial(serial, existing)
        raise StoreError(f"response {response_id} is already stored for another paper copy; reload the page and key the copy again.")

    def _insert_paper(self, db, record):
        """Insert a paper response inside a write transaction; returns its new reference."""
        stamp = now()
        row = {**record, "source": "paper", "answers": _json(record["answers"]), "revision": 1,
               "started_at": stamp, "submitted_at": stamp, "updated_at": stamp}
        for _ in range(5):
            # Inside the write transaction nobody else can take the reference between check and insert.
            row["reference"] = new_reference()
            if not db.execute("select 1 from responses where reference = ?", [row["reference"]]).fetchone():
                break
        db["responses"].insert(row)
        return row["reference"]

    def paper_keyings(self, serial):
        """The double-entry keyings of a copy, first then second."""
        return [self._decode(r) for r in self.db["paper_entries"].rows_where("serial = ?", [serial], order_by="round")]

    def key_paper_copy(self, entry_id, serial, form_id, version, answers, language, keyer, device_id, event_id=None):
        """One keying of a copy under double entry: ('first' | 'stored' | 'differs', reference or None).

        The first keying waits for a second by another keyer; two that agree are
        stored as the response at once, two that differ wait for decide_paper_copy.
        Raises DuplicateSerial or KeyingRefused when the copy cannot take this keying.
        """
        entry = {"id": entry_id, "serial": serial, "form_id": form_id, "form_version": version,
                 "language": language, "keyer": keyer, "device_id": device_id, "event_id": event_id,
                 "answers": _json(answers), "keyed_at": now()}
        with self._write() as db:
            existing = self.response_for_serial(serial)
            if existing is not None:
                raise DuplicateSerial(serial, existing)
            keyings = self.paper_keyings(serial)
            if not keyings:
                db["paper_entries"].insert({**entry, "round": 1, "status": "waiting"})
                return "first", None
            first = keyings[0]
            if len(keyings) > 1:
                raise KeyingRefused(serial, "awaiting", keyings)
            if first["keyer"] == keyer:
                raise KeyingRefused(serial, "same_keyer", keyings)
            if first["form_id"] != form_id:
                raise KeyingRefused(serial, "other_form", keyings)
            if first["form_version"] != version or first["answers"] != json.loads(entry["answers"]):
                db["paper_entries"].insert({**entry, "round": 2, "status": "differs"})
                db.execute("update paper_entries set status = 'differs' where serial = ?", [serial])
                return "differs", None
            reference = self._store_keyed(db, first, answers, device_id)
            db["paper_entries"].insert({**entry, "round": 2, "status": "stored", "response_id": first["response_id"]})
            return "stored", reference

    def _store_keyed(self, db, first, answers, device_id):
        """The response for a double-keyed copy, recorded against its keyings."""
        response_id = str(uuid.uuid4())
        reference = self._insert_paper(db, {
            "id": response_id, "form_id": first["form_id"], "form_version": first["form_version"],
            "language": first["language"], "device_id": device_id, "event_id": first["event_id"],
            "paper_serial": first["serial"], "answers": answers,
        })
        db.execute("update paper_entries set status = 'stored', response_id = ? where serial = ?", [response_id, first["serial"]])
        first["response_id"] = response_id
        return reference

    def paper_copies_awaiting(self):
        """Copies whose two keyings differ, oldest first: [{serial, form_id, keyed_at}]."""
        rows = self.db.execute(
            "select serial, form_id, max(keyed_at) from paper_entries where status = 'differs'"
            " group by serial, form_id order by 3, 1"
        ).fetchall()
        return [{"serial": s, "form_id": f, "keyed_at": k} for s, f, k in rows]

    def decide_paper_copy(self, serial, answers, device_id):
        """Store the answers a coordinator chose for a copy whose keyings differ; returns its reference."""
        with self._write() as db:
            existing = self.response_for_serial(serial)
            if existing is not None:
                raise DuplicateSerial(serial, existing)
            keyings = self.paper_keyings(serial)
            if len(keyings) != 2 or keyings[1]["status"] != "differs":
                raise StoreError(f"paper copy {serial} is not waiting for a decision.")
            return self._store_keyed(db, keyings[0], answers, device_id)

    # -- drafts -------------------------------------------------------------

    def start_response(self, form_id, version, language, source, device_id, event_id=None):
        """A new response id, given when the form is first shown."""
        if source not in SOURCES:
            raise StoreError(f"unknown source '{source}'")
        response_id = str(uuid.uuid4())
        stamp = now()
        with self._write() as db:
            db.execute(
                "insert into drafts (id, form_id, form_version, language, source, device_id, event_id, started_at, updated_at, answers)"
                " values (?, ?, ?, ?, ?, ?, ?, ?, ?, '{}')",
                [response_id, form_id, version, language, source, device_id, event_id, stamp, stamp],
            )
        return response_id

    def _one(self, sql, args):
        """The first row of a query as a dict, or None. Plain SQL on the hot paths:
        sqlite-utils' table helpers first ask whether the table exists, every call."""
        cursor = self.db.execute(sql, args)
        row = cursor.fetchone()
        return dict(zip([c[0] for c in cursor.description], row)) if row else None

    def get_draft(self, response_id):
        draft = self._one("select * from drafts where id = ?", [response_id])
        if draft is None:
            return None
        draft["answers"] = json.loads(draft["answers"])
        return draft

    def save_draft(self, response_id, answers, language=None):
        """Keep what was typed so far; Back and Next never lose an answer."""
        changes = {"answers": _json(answers), "updated_at": now()}
        if language:
            changes["language"] = language
        with self._write() as db:
            cursor = db.execute(
                "update drafts set " + ", ".join(f"{k} = ?" for k in changes) + " where id = ?",
                [*changes.values(), response_id],
            )
            return cursor.rowcount == 1

    def discard_draft(self, response_id):
        """Drop a response that was started but never sent."""
        with self._write() as db:
            db.execute("delete from drafts where id = ?", [response_id])

    def purge_drafts(self, older_than_days):
        """Drop drafts untouched for that many days: never sent, so never consented to."""
        cutoff = (datetime.now(timezone.utc) - timedelta(days=older_than_days)).isoformat(timespec="seconds").replace("+00:00", "Z")
        with self._write() as db:
            return db.execute("delete from drafts where updated_at < ?", [cutoff]).rowcount

    # -- responses ----------------------------------------------------------

    def submit_response(self, response_id, answers, started=None):
        """Store a finished response and drop its draft, in one transaction.

        Returns (reference, created). A second submission of the same id
        returns the first one's reference with created=False: the primary key
        decides, not a check beforehand, so two racing requests still store one.
        `started` describes the response (as a draft row does) when its draft
        is gone, as when a tablet re-sends from its outbox days later.
        """
        draft = self.get_draft(response_id)
        if draft is None:
            # A racing submit of the same id may have stored it and dropped the draft.
            existing = self.get_response(response_id)
            if existing is not None:
                return existing["reference"], False
            if started is None:
                raise StoreError(f"response {response_id} was never started here.")
            draft = started
        record = {
            "id": response_id,
            "form_id": draft["form_id"],
            "form_version": draft["form_version"],
            "language": draft["language"],
            "source": draft["source"],
            "device_id": draft["device_id"],
            "event_id": draft["event_id"],
            "started_at": draft["started_at"],
            "submitted_at": now(),
            "answers": _json(answers),
            "revision": 1,
        }
        record["updated_at"] = record["submitted_at"]
        for _ in range(5):
            record["reference"] = new_reference()
            try:
                with self._write() as db:
                    db.execute(
                        f"insert into responses ({', '.join(record)}) values ({', '.join('?' * len(record))})",
                        list(record.values()),
                    )
                    db.execute("delete from drafts where id = ?", [response_id])
                return record["reference"], True
            except sqlite3.IntegrityError:
                existing = self.get_response(response_id)
                if existing is not None:
                    with self._write() as db:
                        db.execute("delete from drafts where id = ?", [response_id])
                    return existing["reference"], False
                # Otherwise the reference collided with another: draw again.
        raise StoreError("could not give the response a unique reference; try again.")

    def _decode(self, row):
        row = dict(row)
        row["answers"] = json.loads(row["answers"]) if row.get("answers") else {}
        return row

    def get_response(self, response_id):
        row = self._one("select * from responses where id = ?", [response_id])
        return self._decode(row) if row else None

    def find_reference(self, reference):
        ref = normalise_reference(reference)
        if ref is None:
            return None
        rows = list(self.db["responses"].rows_where("reference = ?", [ref]))
        return self._decode(rows[0]) if rows else None

    def _filters(self, form_id=None, include_deleted=False):
        where, args = [], []
        if form_id:
            where.append("form_id = ?")
            args.append(form_id)
        if not include_deleted:
            where.append("deleted_at is null")
        return (" and ".join(where) or None), args

    def count_responses(self, form_id=None):
        where, args = self._filters(form_id)
        return self.db["responses"].count_where(where or "1", args)

    def list_responses(self, form_id=None, limit=None, offset=0, include_deleted=False):
        where, args = self._filters(form_id, include_deleted)
        rows = self.db["responses"].rows_where(
            where, args, order_by="submitted_at desc, rowid desc", limit=limit, offset=offset or None
        )
        return [self._decode(r) for r in rows]

    def iter_responses(self, form_id=None):
        """Every live response of a form, oldest first, without holding them all in memory."""
        where, args = self._filters(form_id)
        for row in self.db["responses"].rows_where(where, args, order_by="submitted_at, rowid"):
            yield self._decode(row)

    def delete_response(self, response_id):
        """Clear a response's answers and keep its id as a tombstone, so sync carries the deletion."""
        stamp = now()
        with self._write() as db:
            cursor = db.execute(
                "update responses set answers = '{}', deleted_at = ?, updated_at = ?, revision = revision + 1"
                " where id = ? and deleted_at is null",
                [stamp, stamp, response_id],
            )
            return cursor.rowcount == 1

    def import_responses(self, records):
        """Store already-validated responses in one transaction: all or none.

        Each record has the response's id and answers and its metadata; an id
        that is already stored is skipped, so a file imported twice adds nothing.
        Returns (added, skipped).
        """
        added = skipped = 0
        with self._write() as db:
            for record in records:
                if db.execute("select 1 from responses where id = ?", [record["id"]]).fetchone():
                    skipped += 1
                    continue
                row = {**record, "answers": _json(record["answers"]), "revision": 1}
                row["submitted_at"] = row.get("submitted_at") or now()
                row["started_at"] = row.get("started_at") or row["submitted_at"]
                row["updated_at"] = row["submitted_at"]
                for _ in range(5):
                    row["reference"] = new_reference()
                    if not db.execute("select 1 from responses where reference = ?", [row["reference"]]).fetchone():
                        break
                db["responses"].insert(row)
                added += 1
        return added, skipped

    # -- figures for the dashboard -------------------------------------------

    def tally(self, column, form_id=None):
        """[(value, count)] of live responses grouped by one metadata column."""
        allowed = {"form_id", "source", "device_id", "event_id", "language", "day"}
        if column not in allowed:
            raise StoreError(f"cannot group by {column}")
        expr = "date(submitted_at, 'localtime')" if column == "day" else column
        where, args = self._filters(form_id)
        sql = f"select {expr} as k, count(*) from responses where {where} group by k order by k"
        return [(k, n) for k, n in self.db.execute(sql, args).fetchall()]

    def answers_of(self, form_id, version):
        """Every live response's answers to one version of a form: for the per-question summary."""
        where, args = self._filters(form_id)
        for (text,) in self.db.execute(f"select answers from responses where {where} and form_version = ?", [*args, version]):
            yield json.loads(text)

    # -- exports and the audit log -----------------------------------------------

    def _export_filters(self, form_id, since=None, source=None, event_ids=None):
        where, args = self._filters(form_id)
        where = [where] if where else []
        if since:
            where.append("submitted_at >= ?")
            args.append(since)
        if source:
            where.append("source = ?")
            args.append(source)
        if event_ids is not None:
            ids = list(event_ids)
            where.append(f"event_id in ({', '.join('?' * len(ids))})" if ids else "0")
            args += ids
        return " and ".join(where) or "1", args

    def count_for_export(self, form_id, since=None, source=None, event_ids=None):
        """How many live responses iter_response_batches will give for these filters."""
        where, args = self._export_filters(form_id, since, source, event_ids)
        return self.db.execute(f"select count(*) from responses where {where}", args).fetchone()[0]

    def response_versions(self, form_id):
        """[(form version, live responses)] of a form, the version first used first."""
        where, args = self._filters(form_id)
        sql = f"select form_version, count(*) from responses where {where} group by form_version order by min(submitted_at)"
        return [(v, n) for v, n in self.db.execute(sql, args).fetchall()]

    def iter_response_batches(self, form_id, since=None, source=None, event_ids=None, size=2000):
        """A form's live responses in the order they were sent, as lists of at most size rows.

        since is a UTC time as stored ('2026-07-04T00:00:00Z'); event_ids, when
        given, keeps only responses recorded at those events. Each batch is a short
        read of its own (keyset pagination on submitted_at and rowid, along the
        form_id index), so memory stays flat however many responses there are,
        and no read transaction stays open for the whole of a long export.
        """
        where, args = self._export_filters(form_id, since, source, event_ids)
        select = f"select rowid, {', '.join(EXPORT_COLUMNS)} from responses where {where}"
        # Two seeks, not one row-value comparison, which SQLite cannot seek by: first the
        # rest of the last second seen (an import can give thousands the same time), then on.
        same = select + " and submitted_at = ? and rowid > ? order by rowid limit ?"
        later = select + " and submitted_at > ? order by submitted_at, rowid limit ?"
        stamp, rowid = "", 0
        while True:
            rows = self.db.execute(same, [*args, stamp, rowid, size]).fetchall() if rowid else []
            if len(rows) < size:
                rows += self.db.execute(later, [*args, stamp, size - len(rows)]).fetchall()
            if not rows:
                return
            stamp, rowid = rows[-1][-2], rows[-1][0]
            batch = [dict(zip(EXPORT_COLUMNS, row[1:])) for row in rows]
            for row in batch:
                row["answers"] = json.loads(row["answers"]) if row["answers"] else {}
            yield batch

    def bulk_insert_responses(self, records, batch=20_000):
        """Store many ready-made responses quickly (benchmarks, test fixtures): no checks
        but the database's own. Each record has the columns of a response but its
        reference, which is drawn here; answers is a dict. Each batch of rows is its
        own transaction. Returns how many were stored."""
        columns = ("id", "reference", "form_id", "form_version", "language", "source", "device_id", "event_id",
                   "paper_serial", "started_at", "submitted_at", "answers", "revision", "updated_at")
        sql = f"insert into responses ({', '.join(columns)}) values ({', '.join('?' * len(columns))})"
        stored, chunk, taken = 0, [], set()
        records = iter(records)
        while True:
            record = next(records, None)
            if record is not None:
                stamp = record.get("submitted_at") or now()
                reference = new_reference()
                while reference in taken or self.db.execute("select 1 from responses where reference = ?", [reference]).fetchone():
                    reference = new_reference()
                taken.add(reference)
                row = {**record, "reference": reference, "answers": _json(record.get("answers") or {}), "revision": 1,
                       "submitted_at": stamp, "started_at": record.get("started_at") or stamp, "updated_at": stamp}
                chunk.append([row.get(c) for c in columns])
            if chunk and (record is None or len(chunk) >= batch):
                with self._write() as db:
                    db.conn.executemany(sql, chunk)
                stored += len(chunk)
                chunk, taken = [], set()
            if record is None:
                return stored

    def record_audit(self, action, actor, detail):
        """Add a row to the append-only audit log; returns its id. actor is 'cli' or 'coordinator'."""
        if actor not in AUDIT_ACTORS:
            raise StoreError(f"unknown audit actor '{actor}'; use one of {', '.join(AUDIT_ACTORS)}.")
        with self._write() as db:
            cursor = db.execute("insert into audit (at, actor, action, detail) values (?, ?, ?, ?)",
                                [now(), actor, str(action), _json(detail)])
            return cursor.lastrowid

    def audit_log(self, action=None):
        """Audit rows oldest first, with detail decoded; only one action's when given."""
        sql = "select id, at, actor, action, detail from audit" + (" where action = ?" if action else "") + " order by id"
        return [{"id": i, "at": at, "actor": who, "action": what, "detail": json.loads(detail)}
                for i, at, who, what, detail in self.db.execute(sql, [action] if action else [])]


# What an export reads of each response, in this order.
EXPORT_COLUMNS = ("id", "reference", "form_version", "language", "source", "device_id", "event_id",
                  "paper_serial", "started_at", "submitted_at", "answers")
AUDIT_ACTORS = ("cli", "coordinator")


def _quote(name):
    return '"' + str(name).replace('"', '""') + '"'


def write_database(path, tables, batch=5000):
    """Write a new standalone SQLite file, such as an export for Datasette or any SQLite tool.

    tables is a list of (name, [(column, SQL type)], rows, primary key column or None);
    rows may be any iterable of sequences and are written in batches, so memory stays
    flat. path must not exist yet: the caller writes to a new file and renames it.
    """
    try:
        conn = sqlite3.connect(path)
    except sqlite3.Error as exc:
        raise StoreError(f"cannot make the database {path}: {exc}") from exc
    try:
        # A new file nobody else reads yet: no journal needed; the caller renames it when done.
        conn.execute("pragma journal_mode = off")
        conn.execute("pragma synchronous = off")
        for name, columns, rows, pk in tables:
            spec = ", ".join(f"{_quote(c)} {t}" + (" primary key" if c == pk else "") for c, t in columns)
            conn.execute(f"create table {_quote(name)} ({spec})")
            insert = f"insert into {_quote(name)} values ({', '.join('?' * len(columns))})"
            chunk = []
            for row in rows:
                chunk.append(row)
                if len(chunk) >= batch:
                    conn.executemany(insert, chunk)
                    chunk = []
            if chunk:
                conn.executemany(insert, chunk)
        conn.commit()
    except sqlite3.Error as exc:
        raise StoreError(f"cannot write the database {path}: {exc}") from exc
    finally:
        conn.close()
