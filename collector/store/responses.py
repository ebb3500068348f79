"""Settings, events, form versions, drafts and responses: what capture writes."""

import json
import sqlite3
import uuid
from collections import Counter
from datetime import datetime, timedelta, timezone

from ..uktime import uk_day
from .base import SOURCES, StoreError, _json, new_reference, normalise_reference, now


class ResponsesMixin:
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
        """Keep each form version's YAML the first time it is seen, for exports and sync.

        A version, once kept, never changes: returns False when this text differs from
        the one kept for that version (the caller says a change needs a new version).
        """
        with self._write() as db:
            db.execute(
                "insert or ignore into forms (form_id, version, source, added_at) values (?, ?, ?, ?)",
                [form_id, version, source_text, now()],
            )
            (held,) = db.execute("select source from forms where form_id = ? and version = ?", [form_id, version]).fetchone()
        return held == source_text

    def form_source(self, form_id, version):
        row = self.db.execute("select source from forms where form_id = ? and version = ?", [form_id, version]).fetchone()
        return row[0] if row else None

    # -- drafts -------------------------------------------------------------

    def start_response(self, form_id, version, language, source, device_id, event_id=None, browser=None):
        """A new response id, given when the form is first shown; browser: the key of the
        browser that may open the draft (see survey.py), if any."""
        if source not in SOURCES:
            raise StoreError(f"unknown source '{source}'")
        response_id = str(uuid.uuid4())
        stamp = now()
        row = {"id": response_id, "form_id": form_id, "form_version": version, "language": language, "source": source,
               "device_id": device_id, "event_id": event_id, "started_at": stamp, "updated_at": stamp, "answers": "{}",
               "browser": browser}
        with self._write() as db:
            db.execute(f"insert into drafts ({', '.join(row)}) values ({', '.join('?' * len(row))})", list(row.values()))
            self._keep_draft(row)
        return response_id

    # Drafts are kept in memory as stored, so the page view after each save reads none from
    # SQLite (about a tenth of a response's cost at a busy event). Only writes keep them: each
    # row as the write stored it, once committed, in the writers' turn, so in the order the
    # writes were made; a read never does, as a write may have committed since it read.
    # Another process changes a draft only by dropping it (a response imported from a file,
    # drafts purged when another collector starts): a page view may then still show it, but
    # the next save finds it gone (save_draft gives None), and the survey says so.
    # A write works out the row it stored rather than reading it back (RETURNING *): Python's
    # sqlite3 lets go of the GIL for every column of every row it reads, and at a busy event
    # each of those lets another request's thread in.
    def get_draft(self, response_id):
        """The draft as a dict of its own, its answers decoded and, as stored, under answers_json."""
        row = self._kept_drafts.get(response_id)
        if row is None:
            row = self._one("select * from drafts where id = ?", [response_id])
            if row is None:
                return None
        draft = dict(row)
        draft["answers_json"] = row["answers"]
        draft["answers"] = json.loads(row["answers"])
        return draft

    def _keep_draft(self, row):
        """Keep a draft's row (all its columns, as stored) once the write storing it has committed."""
        self._when_committed(lambda: self._kept_drafts.put(row["id"], row))

    def _drop_kept_drafts(self, *response_ids):
        """Forget these drafts once the transaction dropping them has committed."""
        kept = self._kept_drafts
        self._when_committed(lambda: [kept.take(i) for i in response_ids])

    def _drop_all_kept_drafts(self):
        """Forget every kept draft once the transaction dropping some (which, not known) has committed."""
        self._when_committed(self._kept_drafts.clear)

    def save_draft(self, response_id, answers, language=None):
        """Keep what was typed so far; Back and Next never lose an answer. Returns the
        answers as stored (the answers_json get_draft gives), or None without such a draft."""
        changes = {"answers": _json(answers), "updated_at": now()}
        if language:
            changes["language"] = language
        with self._write() as db:
            cursor = db.execute("update drafts set " + ", ".join(f"{k} = ?" for k in changes) + " where id = ?",
                                [*changes.values(), response_id])
            if cursor.rowcount == 0:
                self._drop_kept_drafts(response_id)
                return None
            # The row as kept by this process's last write to it, in its turn; or, not kept (forgotten
            # when full, or written before this process started), as this transaction now reads it.
            row = self._kept_drafts.get(response_id) or self._one("select * from drafts where id = ?", [response_id])
            self._keep_draft({**row, **changes})
            return changes["answers"]

    def discard_draft(self, response_id):
        """Drop a response that was started but never sent."""
        with self._write() as db:
            db.execute("delete from drafts where id = ?", [response_id])
            self._drop_kept_drafts(response_id)

    def discard_drafts_of(self, browser):
        """Drop every draft the browser with this key started; returns how many."""
        with self._write() as db:
            gone = [row[0] for row in db.execute("delete from drafts where browser = ? returning id", [browser]).fetchall()]
            self._drop_kept_drafts(*gone)
            return len(gone)

    def purge_drafts(self, older_than_days):
        """Drop drafts untouched for that many days: never sent, so never consented to."""
        cutoff = (datetime.now(timezone.utc) - timedelta(days=older_than_days)).isoformat(timespec="seconds").replace("+00:00", "Z")
        with self._write() as db:
            self._drop_all_kept_drafts()
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
            purged = self.purged_reference(response_id)
            if purged is not None:
                # Sent, acknowledged by the hub and purged here: a late re-send stores nothing.
                return purged, False
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
            "revision": 1,
        }
        record["updated_at"] = record["submitted_at"]
        for _ in range(5):
            record["reference"] = new_reference()
            try:
                with self._write() as db:
                    kept, record["personal_key"] = self._keep_personal(db, record["form_id"], record["form_version"], answers)
                    record["answers"] = _json(kept)
                    db.execute(
                        f"insert into responses ({', '.join(record)}) values ({', '.join('?' * len(record))})",
                        list(record.values()),
                    )
                    db.execute("delete from drafts where id = ?", [response_id])
                    self._drop_kept_drafts(response_id)
                return record["reference"], True
            except sqlite3.IntegrityError:
                existing = self.get_response(response_id)
                if existing is not None:
                    with self._write() as db:
                        db.execute("delete from drafts where id = ?", [response_id])
                        self._drop_kept_drafts(response_id)
                    return existing["reference"], False
                # Otherwise the reference collided with another: draw again.
        raise StoreError("could not give the response a unique reference; try again.")

    def get_response(self, response_id):
        row = self._one("select * from responses where id = ?", [response_id])
        return self._decode(row) if row else None

    def get_receipt(self, response_id):
        """What a thank-you page shows of a stored response (its reference, form and language),
        or None: three columns, not the whole row (see the note on reading rows above)."""
        return self._one("select reference, form_id, language from responses where id = ?", [response_id])

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
            db.execute("delete from personal where key = (select personal_key from responses where id = ? and deleted_at is null)",
                       [response_id])
            cursor = db.execute(
                "update responses set answers = '{}', personal_key = null, deleted_at = ?, updated_at = ?,"
                " revision = revision + 1 where id = ? and deleted_at is null",
                [stamp, stamp, response_id],
            )
            return cursor.rowcount == 1

    def amend_response(self, response_id, answers):
        """Correct a stored response's answers as a new revision, which sync carries to the hub
        (a deleted response stays deleted). Returns the new revision, or None if there is none to correct."""
        stamp = now()
        with self._write() as db:
            row = db.execute("select form_id, form_version, personal_key from responses where id = ? and deleted_at is null",
                             [response_id]).fetchone()
            if row is None:
                return None
            kept, key = self._keep_personal(db, row[0], row[1], answers)
            db.execute("delete from personal where key = ?", [row[2]])
            db.execute("update responses set answers = ?, personal_key = ?, updated_at = ?, revision = revision + 1"
                       " where id = ?", [_json(kept), key, stamp, response_id])
            return db.execute("select revision from responses where id = ?", [response_id]).fetchone()[0]

    def import_responses(self, records):
        """Store already-validated responses in one transaction: all or none.

        Each record has the response's id and answers and its metadata; an id
        that is already stored is skipped, so a file imported twice adds nothing.
        Returns (added, skipped).
        """
        added = skipped = 0
        with self._write() as db:
            for record in records:
                if db.execute("select 1 from responses where id = ? union all select 1 from purged where id = ?",
                              [record["id"], record["id"]]).fetchone():
                    skipped += 1
                    continue
                kept, key = self._keep_personal(db, record["form_id"], record["form_version"], record["answers"])
                row = {**record, "answers": _json(kept), "revision": 1, "personal_key": key}
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
        where, args = self._filters(form_id)
        if column == "day":
            return self._tally_uk_days(where, args)
        sql = f"select {column} as k, count(*) from responses where {where} group by k order by k"
        return [(k, n) for k, n in self.db.execute(sql, args).fetchall()]

    def _tally_uk_days(self, where, args):
        """[(UK day 'YYYY-MM-DD', count)], oldest first (None first, for times that are not times).
        SQLite knows only UTC and the laptop's own zone, so it counts by UTC hour and each hour is
        given its UK day here: the UK's offsets from UTC are whole hours."""
        sql = f"select strftime('%Y-%m-%dT%H', submitted_at) as k, count(*) from responses where {where} group by k"
        days = Counter()
        for hour, n in self.db.execute(sql, args).fetchall():
            day = uk_day(hour + ":00:00Z") if hour else None
            days[day.isoformat() if day else None] += n
        return sorted(days.items(), key=lambda item: (item[0] is not None, item[0] or ""))

    def answers_of(self, form_id, version):
        """Every live response's answers to one version of a form: for the per-question summary."""
        where, args = self._filters(form_id)
        for (text,) in self.db.execute(f"select answers from responses where {where} and form_version = ?", [*args, version]):
            yield json.loads(text)
