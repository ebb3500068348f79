"""Reads for exports, bulk writes for benchmarks and fixtures, the audit log, and new
standalone databases (the SQLite export)."""

import json
import sqlite3

from .base import StoreError, _json, new_reference, now


class ExportsMixin:
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

    def iter_response_batches(self, form_id, since=None, source=None, event_ids=None, size=2000, with_personal=()):
        """A form's live responses in the order they were sent, as lists of at most size rows
        ({column: value} with EXPORT_COLUMNS, answers decoded).

        since is a UTC time as stored ('2026-07-04T00:00:00Z'); event_ids, when
        given, keeps only responses recorded at those events. with_personal (the
        personal answer keys) puts the personal answers back among the others, or
        SEALED for each where this workspace holds them sealed.
        """
        columns = ", ".join(EXPORT_COLUMNS) + (f", {_personal_source(with_personal)}" if with_personal else "")
        for rows in self._keyset_batches(columns, [], form_id, since, source, event_ids, size):
            batch = [dict(zip(EXPORT_COLUMNS, row)) for row in rows]
            for row, raw in zip(batch, rows):
                row["answers"] = json.loads(row["answers"]) if row["answers"] else {}
                if with_personal and raw[len(EXPORT_COLUMNS)]:
                    row["answers"].update(json.loads(raw[len(EXPORT_COLUMNS)]))
            yield batch

    def iter_answer_rows(self, form_id, reads, since=None, source=None, event_ids=None, size=2000, text=False,
                         personal=frozenset()):
        """A form's live responses in the order they were sent, as lists of at most size rows:
        each the EXPORT_META columns, then one value per read.

        A read is (keys, kind): where the answer is in the response's answers
        (('q',) or, for a grid, ('q', 'statement')) and what to give of it:
        "value", the answer as SQLite decodes it (text, integer or real; None
        where there is none); "number", the same, for a question whose answers
        may be reals; "json", its JSON text ('["a","b"]'); "true", 1 when it is
        JSON true, else None. SQLite picks every answer out in C, several times
        faster than decoding each response's JSON in Python.

        Rows are tuples, with the response's rowid last. With text, rows are
        lists of str instead, '' where there is nothing, numbers written as
        Python writes them (but a real in a "value" read, which no valid
        answer holds, to 15 significant digits): SQLite writes each response as
        one string, much cheaper than a Python object per value. Filters are
        those of iter_response_batches. Reads whose first key is in personal read
        the response's personal answers, kept apart, where they are not sealed.
        """
        values = [(column, []) for column in EXPORT_META]
        for keys, kind in reads:
            if not keys or any('"' in str(k) for k in keys):
                raise StoreError(f"cannot read the answer {'.'.join(map(str, keys))!r}: a question id holds a double quote.")
            sql = EXACT_NUMBER if text and kind == "number" else ANSWER_READS[kind]
            if keys[0] in personal:
                sql = sql.replace("answers", f"json_patch(answers, {_personal_source(personal)})")
            values.append((sql, ["$" + "".join(f'."{k}"' for k in keys)] * sql.count("?")))
        try:
            if not text:
                columns = ", ".join(sql for sql, _args in values)
                yield from self._keyset_batches(columns, [a for _sql, args in values for a in args],
                                                form_id, since, source, event_ids, size)
                return
            # A function takes at most 100 arguments in some builds of SQLite: a printf for each 99 values.
            calls, args = [], []
            for i in range(0, len(values), 99):
                chunk = values[i:i + 99]
                calls.append(f"printf(?, {', '.join(sql for sql, _args in chunk)})")
                args += [UNIT.join(["%s"] * len(chunk)), *[a for _sql, more in chunk for a in more]]
            columns = " || char(31) || ".join(calls) + ", submitted_at"
            width = len(values)
            for rows in self._keyset_batches(columns, args, form_id, since, source, event_ids, size, stamp_at=1):
                batch = [row[0].split(UNIT) for row in rows]
                for i, cells in enumerate(batch):
                    if len(cells) != width:  # an answer holds the separator itself
                        batch[i] = self._answer_text(values, rows[i][-1])
                yield batch
        except sqlite3.OperationalError as exc:
            if "JSON" not in str(exc):
                raise
            raise StoreError(self._bad_answers(form_id, since, source, event_ids)) from None

    def _answer_text(self, values, rowid):
        """One response's row as iter_answer_rows(text=True) gives it, read value by value."""
        columns = ", ".join(sql for sql, _args in values)
        row = self.db.execute(f"select {columns} from responses where rowid = ?",
                              [*[a for _sql, args in values for a in args], rowid]).fetchone()
        return ["" if v is None else str(v) for v in row]

    def _keyset_batches(self, columns, column_args, form_id, since, source, event_ids, size, stamp_at=None):
        """Lists of at most size rows of `select columns, rowid`, in the order the responses were sent.

        Each batch is a short read of its own (keyset pagination on submitted_at
        and rowid, along the form_id index), so memory stays flat however many
        responses there are, and no read transaction stays open for the whole of
        a long export. columns must hold submitted_at at stamp_at (by default
        where EXPORT_COLUMNS has it).
        """
        where, args = self._export_filters(form_id, since, source, event_ids)
        select = f"select {columns}, rowid from responses where {where}"
        at = EXPORT_COLUMNS.index("submitted_at") if stamp_at is None else stamp_at
        # Two seeks, not one row-value comparison, which SQLite cannot seek by: first the
        # rest of the last second seen (an import can give thousands the same time), then on.
        same = select + " and submitted_at = ? and rowid > ? order by rowid limit ?"
        later = select + " and submitted_at > ? order by submitted_at, rowid limit ?"
        args = [*column_args, *args]
        stamp, rowid = "", 0
        while True:
            rows = self.db.execute(same, [*args, stamp, rowid, size]).fetchall() if rowid else []
            if len(rows) < size:
                rows += self.db.execute(later, [*args, stamp, size - len(rows)]).fetchall()
            if not rows:
                return
            stamp, rowid = rows[-1][at], rows[-1][-1]
            yield rows

    def _bad_answers(self, form_id, since, source, event_ids):
        """What to say when a response's stored answers are not JSON that SQLite can read."""
        where, args = self._export_filters(form_id, since, source, event_ids)
        bad = self.db.execute(f"select reference from responses where {where} and not json_valid(answers) limit 1",
                              args).fetchone()
        which = f"response {bad[0]}" if bad else "a response"
        return (f"the answers of {which} to {form_id} are not valid JSON, so it cannot be exported;"
                " restore it from a backup or delete it, then export again.")

    def bulk_insert_responses(self, records, batch=20_000):
        """Store many ready-made responses quickly (benchmarks, test fixtures): no checks
        but the database's own. Each record has the columns of a response but its
        reference, which is drawn here; answers is a dict. Each batch of rows is its
        own transaction. Returns how many were stored."""
        columns = ("id", "reference", "form_id", "form_version", "language", "source", "device_id", "event_id",
                   "paper_serial", "started_at", "submitted_at", "answers", "revision", "updated_at", "personal_key")
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
                row = {**record, "reference": reference, "answers": record.get("answers") or {}, "revision": 1,
                       "submitted_at": stamp, "started_at": record.get("started_at") or stamp, "updated_at": stamp}
                chunk.append(row)
            if chunk and (record is None or len(chunk) >= batch):
                with self._write() as db:
                    for row in chunk:
                        # Personal answers are kept apart here as on every other way in.
                        answers, row["personal_key"] = self._keep_personal(db, row["form_id"], row["form_version"], row["answers"])
                        row["answers"] = _json(answers)
                    db.conn.executemany(sql, [[row.get(c) for c in columns] for row in chunk])
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
        """Audit rows oldest first, with detail decoded; only one action's when given. At the hub,
        rows sent by laptops come too, with the laptop's name as device (None for the hub's own)."""
        sql = ("select a.id, a.at, a.actor, a.action, a.detail, d.name from audit a left join devices d on d.id = a.device"
               + (" where a.action = ?" if action else "") + " order by a.id")
        return [{"id": i, "at": at, "actor": who, "action": what, "detail": json.loads(detail), "device": device}
                for i, at, who, what, detail, device in self.db.execute(sql, [action] if action else [])]

    def own_audit_since(self, after, limit=500):
        """This workspace's own audit rows after id `after`, oldest first: what sync carries to the hub."""
        cursor = self.db.execute("select id, at, actor, action, detail from audit where device is null and id > ?"
                                 " order by id limit ?", [after, limit])
        return [{"id": i, "at": at, "actor": who, "action": what, "detail": json.loads(detail)} for i, at, who, what, detail in cursor]

    def take_audit(self, device, rows):
        """At the hub: keep a laptop's audit rows beside its own (each once, however often sent). Returns how many were new."""
        with self._write() as db:
            before = db.conn.total_changes
            db.conn.executemany(
                "insert or ignore into audit (at, actor, action, detail, device, origin_id) values (?, ?, ?, ?, ?, ?)",
                [[r["at"], r["actor"], r["action"], _json(r["detail"]), device["id"], r["id"]] for r in rows])
            return db.conn.total_changes - before


# What an export reads of each response, in this order.
EXPORT_COLUMNS = ("id", "reference", "form_version", "language", "source", "device_id", "event_id",
                  "paper_serial", "started_at", "submitted_at", "answers")
EXPORT_META = EXPORT_COLUMNS[:-1]
# How iter_answer_rows reads an answer, by kind; each ? is its JSON path.
# A response's personal answers (kept apart, linked by a random key) where this workspace holds them unsealed.
SEALED = "[sealed]"


def _personal_source(keys):
    """SQL for a response's personal answers as a JSON object: as kept where they are open here,
    SEALED for each key where only the hub can open them, {} where there are none."""
    marks = json.dumps({k: SEALED for k in sorted(keys)}).replace("'", "''")
    return ("coalesce((select case personal.sealed when 0 then personal.data else '" + marks + "' end"
            " from personal where personal.key = responses.personal_key), '{}')")
ANSWER_READS = {"value": "answers ->> ?", "number": "answers ->> ?", "json": "answers -> ?",
                "true": "nullif((answers -> ?) = 'true', 0)"}
# A number as text: a real as it was stored (Python's shortest form), not as SQLite writes reals.
EXACT_NUMBER = "case json_type(answers, ?) when 'real' then answers -> ? else answers ->> ? end"
UNIT = "\x1f"  # between the values of a response read as text
AUDIT_ACTORS = ("cli", "coordinator", "volunteer", "visitor", "hub", "laptop")


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
