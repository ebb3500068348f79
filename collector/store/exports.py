"""Reads for exports, bulk writes for benchmarks and fixtures, the audit log, and new
standalone databases (the SQLite export)."""

import json
import sqlite3
from operator import itemgetter
from typing import Any

import msgspec

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

    def iter_response_batches(self, form_id, since=None, source=None, event_ids=None, size=2000, with_personal=(),
                              unopened=None):
        """A form's live responses in the order they were sent, as lists of at most size rows
        ({column: value} with EXPORT_COLUMNS, answers decoded).

        since is a UTC time as stored ('2026-07-04T00:00:00Z'); event_ids, when
        given, keeps only responses recorded at those events. with_personal (the
        personal answer keys) puts the personal answers back among the others, or
        SEALED for each where this workspace cannot open them (counted in unopened[0]).
        """
        columns = ", ".join(EXPORT_COLUMNS) + (f", {PERSONAL_SOURCE}" if with_personal else "")
        readable = self._personal_reader(with_personal, unopened)
        for rows in self._keyset_batches(columns, form_id, since, source, event_ids, size):
            batch = [dict(zip(EXPORT_COLUMNS, row)) for row in rows]
            for row, raw in zip(batch, rows):
                row["answers"] = json.loads(row["answers"]) if row["answers"] else {}
                if with_personal and raw[len(EXPORT_COLUMNS)]:
                    row["answers"].update(json.loads(readable(raw[len(EXPORT_COLUMNS)])))
            yield batch

    def _personal_reader(self, keys, unopened=None):
        """readable(data) -> the JSON text of a personal row's data as kept: as it is where it
        is open, opened where it is sealed and this workspace can open it (the hub), else
        SEALED for each of keys, counted in unopened[0] when given."""
        marks = json.dumps({k: SEALED for k in sorted(keys)})
        open_text = self.privacy.open_text if self.privacy is not None else (lambda data: None)

        def readable(data):
            if data.startswith("{"):
                return data
            opened = open_text(data)
            if opened is None:
                if unopened is not None:
                    unopened[0] += 1
                return marks
            return opened

        return readable

    def iter_answer_columns(self, form_id, reads, since=None, source=None, event_ids=None, size=2000, text=False,
                            personal=frozenset(), part=(None, None), unopened=None):
        """A form's live responses in the order they were sent, at most size at a time, as lists
        of columns: the EXPORT_META columns, then one column of values per read.

        A read is (keys, kind): where the answer is in the response's answers
        (('q',) or, for a grid, ('q', 'statement')) and what to give of it:
        "value" or "number", the answer as SQLite's ->> gives it (text, integer
        or real; 1 or 0 for true or false; JSON text for a list or an object;
        None where there is none); "list", the answer as stored (a list of
        codes; None where there is none); "true", 1 when it is JSON true, else
        None.

        With text, every cell but those of "list" reads is str
        instead, '' where there is nothing, numbers written as Python writes
        them. Filters are those of iter_response_batches. Reads whose first key
        is in personal read the response's personal answers, kept apart (opened
        where they are sealed and this workspace can open them; those it cannot are
        counted in unopened[0], when given). part, from
        split_for_export, keeps only the responses after its first key and up
        to its second.
        """
        read = AnswerReader(reads, personal, text)
        read.readable = self._personal_reader(read.personal, unopened)
        meta = [f"ifnull(cast({c} as text), '')" if text else c for c in EXPORT_META]
        columns = ", ".join([*meta, "answers"] + ([PERSONAL_SOURCE] if read.personal else []))
        for rows in self._keyset_batches(columns, form_id, since, source, event_ids, size, *part):
            try:
                yield read(rows)
            except BadAnswers as exc:
                which = f"response {exc.args[0]}" if exc.args[0] else "a response"
                raise StoreError(f"the answers of {which} to {form_id} are not valid JSON, so it cannot be exported;"
                                 " restore it from a backup or delete it, then export again.") from None

    def split_for_export(self, form_id, since=None, source=None, event_ids=None, parts=2, count=None):
        """The responses iter_answer_columns gives, cut into parts of about the same size, in order:
        [(after, upto)], each key a response's (submitted_at, rowid), None at the ends. count, when
        given, is how many there are (count_for_export's answer)."""
        where, args = self._export_filters(form_id, since, source, event_ids)
        if count is None:
            count = self.count_for_export(form_id, since, source, event_ids)
        keys = [None]
        for k in range(1, parts):
            key = self.db.execute(f"select submitted_at, rowid from responses where {where}"
                                  " order by submitted_at, rowid limit 1 offset ?", [*args, k * count // parts - 1]).fetchone()
            if key and tuple(key) != keys[-1]:
                keys.append(tuple(key))
        keys.append(None)
        return list(zip(keys, keys[1:]))

    def _keyset_batches(self, columns, form_id, since, source, event_ids, size, after=None, upto=None):
        """Lists of at most size rows of `select columns, rowid`, in the order the responses were sent,
        after the key after and up to the key upto when given ((submitted_at, rowid) pairs).

        Each batch is a short read of its own (keyset pagination on submitted_at
        and rowid, along the form_id index), so memory stays flat however many
        responses there are, and no read transaction stays open for the whole of
        a long export. columns must hold submitted_at where EXPORT_COLUMNS has it.
        """
        where, args = self._export_filters(form_id, since, source, event_ids)
        select = f"select {columns}, rowid from responses where {where}"
        at = EXPORT_COLUMNS.index("submitted_at")
        # Two seeks, not one row-value comparison, which SQLite cannot seek by: first the
        # rest of the last second seen (an import can give thousands the same time), then on.
        same = select + " and submitted_at = ? and rowid > ? order by rowid limit ?"
        later = select + " and submitted_at > ? order by submitted_at, rowid limit ?"
        stamp, rowid = after or ("", 0)
        while True:
            rows = self.db.execute(same, [*args, stamp, rowid, size]).fetchall() if rowid else []
            if len(rows) < size:
                rows += self.db.execute(later, [*args, stamp, size - len(rows)]).fetchall()
            if upto and rows and (rows[-1][at], rows[-1][-1]) > upto:
                rows = [row for row in rows if (row[at], row[-1]) <= upto]
                if rows:
                    yield rows
                return
            if not rows:
                return
            stamp, rowid = rows[-1][at], rows[-1][-1]
            yield rows

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
# What an export shows for a personal answer this workspace cannot open (on a laptop: only the hub can).
SEALED = "[sealed]"
# SQL for a response's personal answers (kept apart, linked by a random key) as kept: a JSON
# object where they are open, 'sealed:' and base64 where they are sealed; '{}' where there are none.
PERSONAL_SOURCE = "coalesce((select personal.data from personal where personal.key = responses.personal_key), '{}')"


class AnswerReader:
    """read(rows) -> the columns of a batch of rows read from the store: the EXPORT_META columns,
    then the response's answers (JSON text), then, when self.personal names keys, its
    personal answers (JSON text); they become the EXPORT_META columns, then the column of
    cells of each read (see iter_answer_columns).

    msgspec decodes only the answers asked for, in C, straight into a tuple, and
    each read's cells are then made a column at a time: several times faster than
    SQLite picking each answer out with ->> (which parses the response's JSON again
    for each of them), or json.loads.
    """

    def __init__(self, reads, personal=frozenset(), text=False):
        reads = list(reads)
        if any(not keys or len(keys) > 2 for keys, _kind in reads):
            raise StoreError(f"cannot read the answers {reads!r}: a read is a question id, or a grid's and its statement's.")
        tops = list(dict.fromkeys(keys[0] for keys, _kind in reads))
        at = {key: i for i, key in enumerate(tops)}
        self.personal = [key for key in tops if key in personal]
        self._decode = _decoder(tops)
        self._decode_personal = _decoder(self.personal) if self.personal else None
        self._personal_at = [at[key] for key in self.personal]
        self._blank = (None,) * len(tops)
        cells = TEXT_CELLS if text else VALUE_CELLS
        self._reads = [(at[keys[0]], keys[1] if len(keys) == 2 else None, cells[kind]) for keys, kind in reads]
        self._width = len(EXPORT_META)
        # The JSON text of a personal row's data as kept (the store's _personal_reader).
        self.readable = lambda data: data

    def __call__(self, rows):
        width, blank = self._width, self._blank
        decode = self._decode
        try:
            answers = [decode(row[width]) if row[width] else blank for row in rows]
        except msgspec.DecodeError:
            raise BadAnswers(next(row[1] for row in rows if not _decodes(decode, row[width]))) from None
        if self.personal:
            answers = [self._with_personal(values, row[width + 1]) for values, row in zip(answers, rows)]
        by_key = list(zip(*answers)) or [()] * len(blank)
        columns = list(zip(*rows))[:width]
        for top, statement, cells in self._reads:
            values = by_key[top]
            if statement is not None:  # a grid's statement, out of the grid's answer
                values = [grid.get(statement) if grid.__class__ is dict else None for grid in values]
            columns.append(cells(values))
        return columns

    def _with_personal(self, values, private):
        """values with the personal answers put back where the response has them."""
        if not private:
            return values
        try:
            kept = self._decode_personal(self.readable(private))
        except msgspec.DecodeError:
            raise BadAnswers(None) from None
        values = list(values)
        for at, value in zip(self._personal_at, kept):
            if value is not None:
                values[at] = value
        return values


class BadAnswers(Exception):
    """A response's stored answers are not JSON; args[0] is its reference (None if not known)."""


def _decodes(decode, text):
    try:
        decode(text)
    except msgspec.DecodeError:
        return False
    return True


def _decoder(keys):
    """decode(JSON text of an object) -> the values of these keys in order, None where one is missing."""
    names = {f"a{i}": key for i, key in enumerate(keys)}
    shape = msgspec.defstruct("Answers", [(name, Any, None) for name in names], rename=names, gc=False)
    decode = msgspec.json.Decoder(shape).decode
    astuple = msgspec.structs.astuple
    return lambda text: astuple(decode(text))


def _getter(places):
    """get(values) -> a new list of values[p] for each p in places."""
    if len(places) == 1:
        place = places[0]
        return lambda values: [values[place]]
    pick = itemgetter(*places) if places else (lambda values: ())
    return lambda values: list(pick(values))


# Cells SQLite would give as they are: text, integers, reals, nothing.
PLAIN = frozenset((str, int, float, type(None)))


def _as_value(value):
    """A stored answer as SQLite's ->> gives it: 1 or 0 for true or false, JSON text for a list or an object."""
    if value.__class__ is bool:
        return int(value)
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _as_text(value):
    """A stored answer (not None) as the text of a CSV cell: as _as_value, numbers as Python writes them."""
    if value.__class__ is int or value.__class__ is float:
        return str(value)
    return str(_as_value(value))


# How a read's column of stored answers becomes its cells, by kind of read: as values, or as text.
VALUE_CELLS = {
    "value": lambda values: [v if v.__class__ in PLAIN else _as_value(v) for v in values],
    "list": lambda values: values,
    "true": lambda values: [1 if v is True else None for v in values],
}
VALUE_CELLS["number"] = VALUE_CELLS["value"]
TEXT_CELLS = {
    "value": lambda values: ["" if v is None else v if v.__class__ is str else _as_text(v) for v in values],
    "list": lambda values: values,
    "true": lambda values: ["1" if v is True else "" for v in values],
}
TEXT_CELLS["number"] = TEXT_CELLS["value"]

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
