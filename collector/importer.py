"""Read responses from a CSV or JSON-lines file, checked by the form's own validator.

CSV headers are question ids; several answers (choices, ranking in order) are
joined with ';'; grid answers go in columns named `question.statement`, and an
'Other' text in `question.other`. Optional columns: id, language, source,
submitted_at. A row without an id gets one derived from its place and content,
so a file imported twice adds nothing the second time.
"""

import csv
import io
import json
import uuid
from datetime import datetime, timezone
from pathlib import Path

import forms

from . import strictjson
from .store import SOURCES

META = ("id", "language", "source", "submitted_at", "started_at")
IMPORT_NAMESPACE = uuid.UUID("6f1f5d3e-8c6e-4f0b-9a57-3c1b1f0e2a10")
MAX_BYTES = 200 * 1024 * 1024


class ImportError_(Exception):
    """The file as a whole cannot be read."""


def read_rows(path):
    """[(row number, {column: value})] from a .csv or .jsonl/.json file."""
    path = Path(path)
    try:
        if path.stat().st_size > MAX_BYTES:
            raise ImportError_(f"{path} is larger than {MAX_BYTES // (1024 * 1024)} MB; split it into smaller files.")
        data = path.read_bytes()
    except OSError as exc:
        raise ImportError_(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportError_(f"{path} is not UTF-8 text; save it again as UTF-8 (in Excel: 'CSV UTF-8').") from None
    if path.suffix.lower() in (".jsonl", ".json", ".ndjson"):
        rows = []
        for number, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                value = strictjson.loads(line)
            except strictjson.Unreadable as exc:
                raise ImportError_(f"{path}:{number}: this line cannot be read: {exc}.") from None
            if not isinstance(value, dict):
                raise ImportError_(f"{path}:{number}: each line should be one JSON object.")
            rows.append((number, value))
        return rows
    if path.suffix.lower() != ".csv":
        raise ImportError_(f"{path}: import reads .csv or .jsonl files.")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    if not reader.fieldnames:
        raise ImportError_(f"{path} is empty.")
    rows = []
    for row in reader:
        if None in row:
            raise ImportError_(f"{path}:{reader.line_num}: this row has more cells than there are headers.")
        rows.append((reader.line_num, row))
    return rows


def _answers_from_csv(form, row):
    # A short CSV row leaves its last cells as None: the same as empty.
    row = {k: ("" if v is None else v) for k, v in row.items()}
    answers = {}
    for q in form.questions:
        if q.type == "grid":
            grid = {s.id: row[f"{q.id}.{s.id}"] for s in q.statements if str(row.get(f"{q.id}.{s.id}", "")).strip()}
            if grid:
                answers[q.id] = grid
        elif q.type in ("choices", "ranking") and isinstance(row.get(q.id), str):
            items = [v.strip() for v in row[q.id].split(";") if v.strip()]
            if items:
                answers[q.id] = items
        elif q.id in row:
            answers[q.id] = row[q.id]
        if q.other and row.get(forms.other_key(q.id)):
            answers[forms.other_key(q.id)] = row[forms.other_key(q.id)]
    return answers


def check_rows(form, rows, source="web"):
    """(records ready to store, [(row number, message)]) for rows read from a file."""
    known = {"id", *META}
    for q in form.questions:
        known.add(q.id)
        known.update(f"{q.id}.{s.id}" for s in q.statements)
        if q.other:
            known.add(forms.other_key(q.id))
    records, problems = [], []
    for number, row in rows:
        if isinstance(row.get("answers"), dict):
            # A line of `collector responses list --json`: answers with their metadata.
            row = {**row["answers"], **{k: row.get(k) for k in META if row.get(k) is not None}}
        unknown = [k for k in row if k not in known]
        if unknown:
            problems.append((number, f"unknown column{'s' if len(unknown) > 1 else ''} {', '.join(map(str, unknown))}"))
            continue
        flat = all(not isinstance(v, (dict, list)) for v in row.values())
        answers = _answers_from_csv(form, row) if flat else {k: v for k, v in row.items() if k not in META}
        lang = row.get("language") or form.languages[0]
        if lang not in form.languages:
            problems.append((number, f"language '{lang}' is not one of the form's ({', '.join(form.languages)})"))
            continue
        row_source = row.get("source") or source
        if row_source not in SOURCES:
            problems.append((number, f"source '{row_source}' should be one of {', '.join(SOURCES)}"))
            continue
        clean, errors = forms.clean_answers(form, answers, lang)
        if errors:
            detail = "; ".join(f"{qid}: {' '.join(msgs)}" for qid, msgs in errors.items())
            problems.append((number, detail))
            continue
        response_id = str(row.get("id") or "").strip()
        if response_id:
            try:
                response_id = str(uuid.UUID(response_id))
            except ValueError:
                problems.append((number, f"id '{response_id}' is not a UUID"))
                continue
        else:
            # The row number is part of it: two people may well give the same answers.
            content = json.dumps([form.id, form.version, number, clean], sort_keys=True, ensure_ascii=False)
            response_id = str(uuid.uuid5(IMPORT_NAMESPACE, content))
        times = {}
        for key in ("submitted_at", "started_at"):
            try:
                times[key] = _timestamp(row.get(key))
            except ValueError:
                problems.append((number, f"{key} '{row.get(key)}' is not a date and time like 2026-07-04T14:30:00Z"))
        if len(times) < 2:
            continue
        records.append({
            "id": response_id, "answers": clean, "form_id": form.id, "form_version": form.version,
            "language": lang, "source": row_source, **times,
        })
    return records, problems


def _timestamp(value):
    """An ISO date or date and time as stored (UTC, ending in Z), or None when not given."""
    if value is None or not str(value).strip():
        return None
    stamp = datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=timezone.utc)
    return stamp.astimezone(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")
