"""Paper: serials for printed copies, and keying completed copies back in (with double entry)."""

import json
import sqlite3
import uuid

from .base import DuplicateSerial, KeyingRefused, StoreError, _json, new_reference, now


class PaperMixin:
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
        kept, key = self._keep_personal(db, record["form_id"], record["form_version"], record["answers"])
        row = {**record, "source": "paper", "answers": _json(kept), "revision": 1, "personal_key": key,
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
            # Once the copy is stored its keyings' answers are not needed, and may name someone.
            db["paper_entries"].insert({**entry, "answers": "{}", "round": 2, "status": "stored", "response_id": first["response_id"]})
            return "stored", reference

    def _store_keyed(self, db, first, answers, device_id):
        """The response for a double-keyed copy, recorded against its keyings."""
        response_id = str(uuid.uuid4())
        reference = self._insert_paper(db, {
            "id": response_id, "form_id": first["form_id"], "form_version": first["form_version"],
            "language": first["language"], "device_id": device_id, "event_id": first["event_id"],
            "paper_serial": first["serial"], "answers": answers,
        })
        db.execute("update paper_entries set status = 'stored', response_id = ?, answers = '{}' where serial = ?",
                   [response_id, first["serial"]])
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
