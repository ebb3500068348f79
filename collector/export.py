"""Exports: a form's responses as one row per response, for Excel, R, Python or Datasette.

This module plans an export: which responses (filters), which columns (the
union of every version's, in the form's order) and how each answer becomes
cells (codes or labels, personal data left out unless asked for). The
writers in export_write.py turn the rows into CSV, Excel, JSON lines or
SQLite. Rows come from the store in batches, so memory stays flat however
many responses there are; nothing here runs SQL.
"""

import re
from dataclasses import dataclass, replace
from datetime import date, datetime

import forms
from forms import OTHER, other_key

from .export_cells import WORDS, label_value, option_names, question_cells, question_reads
from .store import SOURCES
from .uktime import uk_time

# (column, what it holds): the response's own details, before its answers.
META = (
    ("response_id", "Response id"),
    ("reference", "Reference"),
    ("form_version", "Form version"),
    ("language", "Language"),
    ("source", "Source (web, kiosk or paper)"),
    ("device", "Device"),
    ("event", "Event"),
    ("paper_serial", "Paper serial"),
    ("started_at", "Started at (UTC)"),
    ("submitted_at", "Submitted at (UTC)"),
)


class ExportError(Exception):
    """An export that cannot be made as asked, said so the person can fix the request."""


@dataclass(frozen=True)
class Column:
    """One column of the wide table: its header, what it holds and its SQLite type."""

    key: str
    text: str
    kind: str  # meta, answer, joined, option, rank, statement, other
    qid: str | None = None
    part: str | None = None  # the choice value or statement id of option, rank and statement columns
    sqltype: str = "TEXT"
    personal: bool = False
    qtype: str | None = None
    free: bool = False  # may hold text a spreadsheet could take for a formula


FREE_TEXT = ("text", "textarea", "email", "phone", "postcode")
RISKY_START = frozenset("=+-@\t\r#")
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _risky(texts):
    """Whether any of these fixed texts (codes, labels) could start a formula or break a sheet."""
    return any(str(t)[:1] in RISKY_START or CONTROL.search(str(t)) for t in texts)


def _option_texts(q, labels):
    """Every text an answer to q can be written as: its codes, and with labels its labels in every language."""
    codes = q.choice_values()
    return codes + [text for c in q.choices for text in c.label.values()] if labels else codes


def columns_of(q, lang, labels=False):
    """The columns of one question, together: a choices or ranking question's joined
    column, then one per option, then its 'other' text; a grid's one per statement;
    any other question's one, then its 'other' text. None for a note."""
    if not q.answerable:
        return []
    label = q.label.pick(lang)
    col = dict(qid=q.id, personal=q.personal, qtype=q.type)
    texts = _option_texts(q, labels)
    risky = _risky(texts)
    out = []
    if q.type in ("choices", "ranking"):
        part = "option" if q.type == "choices" else "rank"
        out.append(Column(q.id, label, "joined", free=risky, **col))
        out += [Column(f"{q.id}.{c.value}", f"{label}: {c.label.pick(lang)}", part, part=c.value, sqltype="INTEGER", **col)
                for c in q.choices]
    elif q.type == "grid":
        out += [Column(f"{q.id}.{s.id}", f"{label}: {s.label.pick(lang)}", "statement", part=s.id,
                       sqltype="INTEGER" if q.scale else "TEXT", free=risky and not q.scale, **col)
                for s in q.statements]
    else:
        numeric = q.type in ("scale", "consent") or (q.type == "number" and not q.decimals)
        sqltype = "REAL" if q.type == "number" and q.decimals else "INTEGER" if numeric else "TEXT"
        free = q.type in FREE_TEXT or (q.type in ("choice", "yes_no") and risky)
        out.append(Column(q.id, label, "answer", sqltype=sqltype, free=free, **col))
    if q.other:
        out.append(Column(other_key(q.id), f"{label}: {WORDS.get(lang, WORDS['en'])[OTHER]}", "other", free=True, **col))
    return out


def question_columns(form, lang=None, labels=False):
    """The columns of one version of a form, in its order."""
    lang = lang or form.languages[0]
    return [c for q in form.questions for c in columns_of(q, lang, labels)]


def merge_columns(current, older):
    """The union of several versions' columns: the current version's in its order, then
    each column only an older version had, placed after the column it followed there.

    older is a list of column lists, newest first. A column whose type differs
    between versions gets no declared SQLite type, so each value keeps its own.
    """
    merged = list(current)
    where = {c.key: i for i, c in enumerate(merged)}
    for columns in older:
        after = -1
        for col in columns:
            if col.key in where:
                i = where[col.key]
                if merged[i].sqltype != col.sqltype and merged[i].sqltype:
                    merged[i] = replace(merged[i], sqltype="")
                if (col.personal, col.free) != (merged[i].personal, merged[i].free):
                    merged[i] = replace(merged[i], personal=col.personal or merged[i].personal, free=col.free or merged[i].free)
                after = i
                continue
            merged.insert(after + 1, col)
            after += 1
            where = {c.key: i for i, c in enumerate(merged)}
    return merged


def parse_since(text):
    """A day (from its midnight) or a day and time, in UK time unless the text gives its zone,
    as the UTC time the store compares with."""
    text = str(text).strip()
    try:
        if len(text) == 10:
            stamp = uk_time(date.fromisoformat(text))
        else:
            stamp = uk_time(datetime.fromisoformat(text.replace("Z", "+00:00")))
    except ValueError:
        raise ExportError(f"'{text}' is not a date like 2026-07-04 (or a date and time like 2026-07-04T14:30).") from None
    return stamp.isoformat(timespec="seconds").replace("+00:00", "Z")


def find_event_ids(store, name):
    """Ids of the events called name (an event set twice under one name has two)."""
    wanted = " ".join(str(name).split()).casefold()
    events = store.events()
    ids = [e["id"] for e in events if " ".join(e["name"].split()).casefold() == wanted]
    if not ids:
        names = sorted({e["name"] for e in events})
        hint = forms.errors.suggest(str(name), names)
        raise ExportError(f"there is no event called '{name}' (events: {', '.join(names) or 'none yet'})."
                          + (f" Did you mean '{hint}'?" if hint else ""))
    return ids


class Export:
    """One planned export of a form's responses: its columns, then its rows in batches.

    versions maps each older form version the responses were answered on to its
    Form; devices maps device ids to names. Rows are lists of plain values (str,
    int, float or None), one per column; records are the JSON lines' objects.
    """

    def __init__(self, store, form, versions=None, *, labels=False, include_personal=False,
                 since=None, source=None, event=None, devices=None):
        if source and source not in SOURCES:
            raise ExportError(f"unknown source '{source}'; use one of {', '.join(SOURCES)}.")
        self.store = store
        self.form = form
        self._count = None
        # Responses whose personal answers were sealed where this workspace cannot open them (shown
        # as [sealed]): on a laptop, all that are sealed; at the hub, those sealed for another hub's key.
        self.unopened = [0]
        # The form versions the responses were answered on, as plan_export found them (None: not known).
        self.used = None
        # What plan_export needs to plan this export again (in another process: export_write).
        self.options = {"labels": labels, "include_personal": include_personal, "since": since, "source": source,
                        "event": event, "devices": dict(devices or {})}
        self.labels = labels
        self.include_personal = include_personal
        self.since = parse_since(since) if since else None
        self.source = source or None
        self.event = event or None
        self.event_ids = find_event_ids(store, event) if event else None
        self.devices = dict(devices or {})
        self.events = {e["id"]: e["name"] for e in store.events()}
        self.versions = {form.version: form, **{v: f for v, f in (versions or {}).items() if v != form.version}}
        older = [question_columns(f, labels=labels) for v, f in reversed(list(self.versions.items())) if v != form.version]
        columns = merge_columns(question_columns(form, labels=labels), older)
        personal = {c.qid for c in columns if c.personal}
        self.left_out = sorted(personal) if not include_personal else []
        # Personal answers are kept apart from the others, under these keys.
        self.personal_keys = frozenset(k for q in personal for k in (q, other_key(q))) if include_personal else frozenset()
        self.question_columns = [c for c in columns if include_personal or c.qid not in personal]
        taken = {c.key for c in self.question_columns}
        meta = []
        for key, text in META:
            name = key
            while name in taken:
                name = "response_" + name
            meta.append(Column(name, text, "meta", free=key in ("device", "event")))
        self.columns = meta + self.question_columns
        # What the store reads of each response: every version's, the current version's first.
        reads = {}
        for f in self.versions.values():
            for q in self._included(f, f.languages[0]):
                reads.update(dict.fromkeys(question_reads(q)))
        self.reads = list(reads)

    def free_columns(self):
        """Indices of the columns that may hold text a spreadsheet could run as a formula."""
        return [i for i, c in enumerate(self.columns) if c.free]

    def questions(self):
        """Every question of every version, the current version's first: [(Question, language)]."""
        seen, out = set(), []
        for form in self.versions.values():
            for q in form.questions:
                if q.answerable and q.id not in seen:
                    seen.add(q.id)
                    out.append((q, form.languages[0]))
        return out

    def choice_rows(self):
        """(question id, stored value, label) of every option of every question."""
        for q, lang in self.questions():
            for value, label in option_names(q, lang).items():
                yield q.id, value, label

    def sqltype(self, column):
        """The SQLite type of a column as written: with labels, consent is text."""
        if self.labels and column.kind == "answer" and column.qtype == "consent":
            return "TEXT"
        return column.sqltype

    @property
    def filters(self):
        return {"since": self.since, "source": self.source, "event": self.event}

    def count(self):
        """How many responses the export holds, counted when first asked (the progress bar, the
        audit log and the choice to share the work between processes all ask)."""
        if self._count is None:
            self._count = self.store.count_for_export(self.form.id, self.since, self.source, self.event_ids)
        return self._count

    def describe(self, fmt):
        """What the audit log keeps about this export."""
        return {"form": self.form.id, "version": self.form.version, "format": fmt, "labels": self.labels,
                "include_personal": self.include_personal, "filters": self.filters, "responses": self.count()}

    def _batches(self):
        return self.store.iter_response_batches(self.form.id, self.since, self.source, self.event_ids,
                                                with_personal=self.personal_keys, unopened=self.unopened)

    def _meta(self, r):
        device, event = r["device_id"], r["event_id"]
        return [r["id"], r["reference"], r["form_version"], r["language"], r["source"],
                self.devices.get(device, device), self.events.get(event, event) if event else None,
                r["paper_serial"], r["started_at"], r["submitted_at"]]

    def _version(self, version, language):
        """(form, language) to read responses to one version in one language with."""
        form = self.versions.get(version, self.form)
        return form, language if language in form.languages else form.languages[0]

    def _included(self, form, lang):
        """The questions of one version that have columns in this export."""
        included = {c.key for c in self.question_columns}
        return [q for q in form.questions if (own := columns_of(q, lang)) and own[0].key in included]

    def _finisher(self, version, language, text=False):
        """finish(columns) for responses to one version in one language: from a batch of the
        store's columns (EXPORT_META, then self.reads, a column each), the export's
        columns in the order of self.columns, a list ours to change. With text, the
        store's cells are str, and so are ours."""
        form, lang = self._version(version, language)
        questions = self._included(form, lang)
        meta = len(META)
        where = {read: meta + i for i, read in enumerate(self.reads)}
        places, relabel, spreads = [], [], []
        for q in questions:
            reads = question_reads(q)
            names, spread = question_cells(q, lang, self.labels, text)
            start = meta + len(places)
            relabel += [(start + i, names[i].get) for i in sorted(names)]
            if spread:
                spreads.append((start, spread))
            places += [where[read] for read in reads]
        # Right to left, so spreading one question's reads into its cells moves none still to do.
        spreads.reverse()
        order = [*range(meta), *places]  # leaves out the reads of other versions' questions
        keys = [c.key for q in questions for c in columns_of(q, lang)]
        wanted = [c.key for c in self.question_columns]
        arranged = None
        if keys != wanted:
            at = {k: meta + i for i, k in enumerate(keys)}
            # A column this version does not have reads the blank put after its cells.
            arranged = [*range(meta), *[at.get(k, meta + len(keys)) for k in wanted]]
        devices, events = self.devices, self.events
        nothing = "" if text else None

        def finish(read):
            columns = [read[i] for i in order]
            size = len(columns[0])
            columns[5] = [devices.get(device, device) for device in columns[5]]
            columns[6] = [events.get(event, event) if event else nothing for event in columns[6]]
            for i, label in relabel:
                columns[i] = [label(value, value) for value in columns[i]]
            for start, spread in spreads:
                spread(columns, start)
            if arranged:
                columns.append((nothing,) * size)
                columns = [columns[i] for i in arranged]
            return columns
        return finish

    def can_plan_again(self):
        """Whether plan_export can make this export again from the store alone (it keeps this version's YAML)."""
        return self.store.form_source(self.form.id, self.form.version) is not None

    def split(self, parts):
        """The responses cut into about equal parts, in order, for rows(part=...)."""
        return self.store.split_for_export(self.form.id, self.since, self.source, self.event_ids, parts, self.count())

    def rows(self, text=False, part=(None, None)):
        """Lists of rows, a batch at a time, in the order of self.columns.

        Cells are plain values (str, int, float, or None where there is
        nothing); with text, all str ('' where there is nothing), for CSV.
        part, one of split's, keeps the rows of that part only.
        """
        for columns in self.columns_of_rows(text, part):
            yield [list(row) for row in zip(*columns)]

    def columns_of_rows(self, text=False, part=(None, None)):
        """The rows of rows(), a batch at a time, as a list of columns (sequences of cells) in the
        order of self.columns, made a column at a time: several times faster than a row at
        a time. A batch answered on several versions (or, with labels, in several languages)
        is made a group of rows at a time, then put back in order."""
        finishers = {}
        by_language = self.labels  # codes are the same in every language
        for batch in self.store.iter_answer_columns(self.form.id, self.reads, self.since, self.source, self.event_ids,
                                                    text=text, personal=self.personal_keys, part=part,
                                                    unopened=self.unopened):
            groups = {}
            for i, (version, language) in enumerate(zip(batch[2], batch[3])):
                groups.setdefault((version, language) if by_language else version, []).append(i)
            finished = []
            for key, rows in groups.items():
                first = rows[0]
                finish = finishers.get(key) or finishers.setdefault(key, self._finisher(batch[2][first], batch[3][first], text))
                group = batch if len(groups) == 1 else [[column[i] for i in rows] for column in batch]
                finished.append((rows, finish(group)))
            if len(finished) == 1:
                yield finished[0][1]
                continue
            ordered = [None] * len(batch[0])
            for rows, columns in finished:
                for i, row in zip(rows, zip(*columns)):
                    ordered[i] = row
            yield list(zip(*ordered))

    def records(self):
        """Lists of JSON-lines objects, a batch at a time: metadata and the answers nested."""
        names = [c.key for c in self.columns[:len(META)]]
        for batch in self._batches():
            out = []
            for r in batch:
                form, lang = self._version(r["form_version"], r["language"])
                record = dict(zip(names, self._meta(r)))
                record["form_id"] = self.form.id
                record["answers"] = self._answers(form, lang, r["answers"])
                out.append(record)
            yield out

    def _answers(self, form, lang, answers):
        out = {}
        for q in form.questions:
            if q.id not in answers or q.id in self.left_out:
                continue
            value = answers[q.id]
            out[q.id] = label_value(q, value, lang) if self.labels else value
            if other_key(q.id) in answers:
                out[other_key(q.id)] = answers[other_key(q.id)]
        return out


def plan_export(store, form, used=None, **options):
    """An Export of form's responses across every version they were answered on.

    Older versions come from the YAML the store kept when each was first used;
    a version it never kept is read with the current version's questions.
    used, when known already, is the store's response_versions (the export's
    `used`), which at a million responses takes half a second to find again.
    Returns (export, warnings).
    """
    versions, warnings = {}, []
    used = store.response_versions(form.id) if used is None else used
    for version, count in used:
        if version == form.version:
            continue
        source = store.form_source(form.id, version)
        try:
            versions[version] = forms.load_form_text(source, f"{form.id} v{version}") if source else None
        except forms.FormError:
            versions[version] = None
        if versions[version] is None:
            del versions[version]
            warnings.append(f"version {version} of {form.id} ({count} responses) was never kept here;"
                            f" its answers are read with version {form.version}'s questions.")
    export = Export(store, form, versions, **options)
    export.used = used
    return export, warnings
