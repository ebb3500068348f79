"""Personal answers, kept apart from the rest of a response.

The store does not know forms; the workspace gives it a `privacy` object that
says which answer keys of a form version are personal (`keys_for`) and seals a
dict of them (`seal`, giving (sealed, text)). Every way of writing a response
goes through `_keep_personal`, inside its own write transaction, so none can
forget to keep the personal answers apart.
"""

import json
import secrets
from datetime import datetime, timedelta, timezone

from .base import normalise_reference, now


class PersonalMixin:
    privacy = None

    def _keep_personal(self, db, form_id, version, answers):
        """(answers without the personal ones, the personal row's key or None)."""
        if self.privacy is None or not answers:
            return answers, None
        keys = self.privacy.keys_for(form_id, version)
        personal = {k: v for k, v in answers.items() if k in keys}
        if not personal:
            return answers, None
        sealed, data = self.privacy.seal(personal)
        key = secrets.token_hex(16)
        db.execute("insert into personal (key, sealed, data, created_at) values (?, ?, ?, ?)",
                   [key, int(sealed), data, now()])
        return {k: v for k, v in answers.items() if k not in keys}, key

    def personal_record(self, key):
        """{'sealed': bool, 'data': text} of a personal row, or None (none given, or purged)."""
        if not key:
            return None
        row = self.db.execute("select sealed, data from personal where key = ?", [key]).fetchone()
        return {"sealed": bool(row[0]), "data": row[1]} if row else None

    def seal_open_personal(self, seal):
        """Seal every personal row still open (kept before this laptop was paired). Returns how many."""
        with self._write() as db:
            rows = db.execute("select key, data from personal where sealed = 0").fetchall()
            for key, data in rows:
                sealed, text = seal(json.loads(data))
                db.execute("update personal set sealed = ?, data = ? where key = ?", [int(sealed), text, key])
        return len(rows)

    def count_personal(self, sealed=None):
        where = "" if sealed is None else f" where sealed = {int(bool(sealed))}"
        return self.db.execute("select count(*) from personal" + where).fetchone()[0]

    # -- purge: keep as little as possible on a laptop -----------------------------------

    def purge_acknowledged(self, personal_only=False, dry_run=False):
        """Remove what the hub has acknowledged, and never anything it has not.

        A response counts as acknowledged only when the hub acknowledged its latest
        revision (a correction or deletion not yet sent keeps it here). With
        personal_only, only the personal answers of those responses go. Returns
        {'responses': n, 'personal': m}: what was (or, with dry_run, would be) removed.
        """
        acked = "acked_revision is not null and acked_revision >= revision"
        with self._write() as db:
            personal = db.execute(f"select count(*) from responses where {acked} and personal_key is not null").fetchone()[0]
            responses = 0 if personal_only else db.execute(f"select count(*) from responses where {acked}").fetchone()[0]
            if not dry_run:
                db.execute(f"delete from personal where key in (select personal_key from responses where {acked})")
                if personal_only:
                    db.execute(f"update responses set personal_key = null where {acked} and personal_key is not null")
                else:
                    db.execute(f"insert or ignore into purged (id, reference, at) select id, reference, ? from responses where {acked}",
                               [now()])
                    db.execute(f"delete from responses where {acked}")
        return {"responses": responses, "personal": personal}

    # -- a person's rights: access and erasure ----------------------------------------------

    def find_respondent(self, text):
        """Live or erased responses a person's reference (from the thank-you page) or paper serial points to."""
        reference = normalise_reference(text)
        serial = " ".join(str(text).split()).upper()
        cursor = self.db.execute("select * from responses where reference = ? or upper(paper_serial) = ? order by submitted_at",
                                 [reference or "", serial])
        columns = [c[0] for c in cursor.description]
        return [self._decode(dict(zip(columns, row))) for row in cursor]

    def erase_response(self, response_id):
        """Erase a response: its answers and personal answers go, and so does anything sync kept
        apart for it; its id stays as a tombstone, so no laptop's copy brings it back. True if erased."""
        stamp = now()
        with self._write() as db:
            db.execute("delete from personal where key = (select personal_key from responses where id = ?)", [response_id])
            db.execute("delete from sync_conflicts where response_id = ?", [response_id])
            cursor = db.execute(
                "update responses set answers = '{}', personal_key = null, deleted_at = coalesce(deleted_at, ?),"
                " updated_at = ?, revision = revision + 1 where id = ? and (answers != '{}' or personal_key is not null"
                " or deleted_at is null)", [stamp, stamp, response_id])
            return cursor.rowcount == 1

    def apply_retention(self, form_id, days, dry_run=False):
        """Delete the personal answers of a form's responses sent more than `days` days ago. Returns how many."""
        cutoff = (datetime.now(timezone.utc) - timedelta(days=days)).isoformat(timespec="seconds").replace("+00:00", "Z")
        # A deleted response keeps no personal answers (deleting drops them), so only live ones are looked at,
        # along the (form_id, deleted_at, submitted_at) index.
        due = "form_id = ? and deleted_at is null and submitted_at < ? and personal_key is not null"
        with self._write() as db:
            (count,) = db.execute(f"select count(*) from responses where {due}", [form_id, cutoff]).fetchone()
            if count and not dry_run:
                db.execute(f"delete from personal where key in (select personal_key from responses where {due})", [form_id, cutoff])
                db.execute(f"update responses set personal_key = null where {due}", [form_id, cutoff])
        return count

    def purged_reference(self, response_id):
        """The reference of a response purged from here after the hub acknowledged it, or None."""
        row = self.db.execute("select reference from purged where id = ?", [response_id]).fetchone()
        return row[0] if row else None

    def tombstones_of(self, device_id, since):
        """(when to ask from next, ids of a device's responses deleted or erased here at or after `since`).

        The next time to ask from is a few minutes back: an erasure stamped just before
        this read but committed just after it is then still given next time (erasing
        twice changes nothing)."""
        stamp = (datetime.now(timezone.utc) - timedelta(minutes=5)).isoformat(timespec="seconds").replace("+00:00", "Z")
        cursor = self.db.execute("select id from responses where device_id = ? and deleted_at is not null and updated_at >= ?"
                                 " order by updated_at", [device_id, since])
        return stamp, [row[0] for row in cursor]

    def personal_rows(self, keys):
        """[(key, sealed, data)] of the given personal keys that are still kept here, to send with their responses."""
        keys = [k for k in keys if k]
        found = []
        for i in range(0, len(keys), 500):
            chunk = keys[i:i + 500]
            found += self.db.execute(f"select key, sealed, data from personal where key in ({', '.join('?' * len(chunk))})",
                                     chunk).fetchall()
        return [(k, bool(s), d) for k, s, d in found]
