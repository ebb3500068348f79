"""What every part of the store shares: the connection, write transactions, errors,
times and references."""

import json
import secrets
import sqlite3
import threading
from contextlib import contextmanager
from datetime import datetime, timezone

import sqlite_utils
from sqlite_utils.migrations import Migrations

from ..kept import Kept

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
    # One draw from the system's randomness, not one or more a letter as secrets.choice makes:
    # each draw lets another request thread take the GIL, and at a busy event that adds up.
    # Each byte's low 5 bits pick one of the 32 letters, so every letter is equally likely.
    raw = "".join(REFERENCE_ALPHABET[b & 31] for b in secrets.token_bytes(8))
    return f"{raw[:4]}-{raw[4:]}"


def normalise_reference(text):
    """Accept a reference as people type it: lower case, no dash, O for 0, I or L for 1."""
    cleaned = str(text).upper().replace("-", "").replace(" ", "")
    cleaned = cleaned.translate(str.maketrans({"O": "0", "I": "1", "L": "1"}))
    if len(cleaned) != 8 or any(c not in REFERENCE_ALPHABET for c in cleaned):
        return None
    return f"{cleaned[:4]}-{cleaned[4:]}"


def _json(value):
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


# How long a write waits for another thread of this process to finish its own (SQLite's
# timeout for other processes is the same).
WRITE_WAIT = 30

# Drafts kept in memory as stored (see responses.py): one for each tablet filling in a form, and more.
KEPT_DRAFTS = 2000


class StoreBase:
    """One SQLite file: a connection per thread (waitress serves from a thread pool),
    write transactions, and the helpers every part of the store shares."""

    def __init__(self, path):
        self.path = str(path)
        self._local = threading.local()
        self._all = []
        self._lock = threading.Lock()
        self._writing = threading.Lock()
        # Drafts as stored, by id, written through by this process's writes (see responses.py).
        self._kept_drafts = Kept(KEPT_DRAFTS)
        migrations.apply(self.db)

    @property
    def db(self):
        db = getattr(self._local, "db", None)
        if db is None:
            db = self._local.db = self._connect()
        return db

    def _connect(self):
        """A new connection with the store's settings, closed by close()."""
        try:
            conn = sqlite3.connect(self.path, timeout=30, check_same_thread=False)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=FULL")
            conn.execute("PRAGMA foreign_keys=ON")
            # Deleted rows (a sent draft with someone's email in it) are overwritten, not left in free pages.
            conn.execute("PRAGMA secure_delete=ON")
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"cannot open the database {self.path}: {exc}") from exc
        db = sqlite_utils.Database(conn, execute_plugins=False)
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
        """One write transaction that takes the write lock at once (no upgrade deadlock).
        What the transaction asked for with _when_committed runs once it has committed,
        still in this thread's turn to write, so in the order the writes were made."""
        conn = self.db.conn
        with self.writing():
            conn.execute("BEGIN IMMEDIATE")
            committed = self._local.committed = []
            try:
                yield self.db
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            else:
                conn.execute("COMMIT")
                for step in committed:
                    step()
            finally:
                self._local.committed = None

    def _when_committed(self, step):
        """Run step() when the write transaction this thread is in has committed; never if it fails."""
        self._local.committed.append(step)

    @contextmanager
    def writing(self):
        """This process's turn to write: its threads queue here, each woken as soon as the one
        before has committed. SQLite's own lock, which still keeps other processes out, makes a
        waiting writer sleep and retry (1, 2, 5 … 100 ms): under load at an event, several
        threads saving at once spent most of their time asleep with the lock free."""
        if not self._writing.acquire(timeout=WRITE_WAIT):
            raise StoreError(f"the database {self.path} was busy for {WRITE_WAIT} s; try again.")
        try:
            yield
        finally:
            self._writing.release()

    def _one(self, sql, args):
        """The first row of a query as a dict, or None. Plain SQL on the hot paths:
        sqlite-utils' table helpers first ask whether the table exists, every call."""
        cursor = self.db.execute(sql, args)
        row = cursor.fetchone()
        return dict(zip([c[0] for c in cursor.description], row)) if row else None

    def _decode(self, row):
        row = dict(row)
        row["answers"] = json.loads(row["answers"]) if row.get("answers") else {}
        return row
