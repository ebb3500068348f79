"""Responses as they travel: checked field by field before anything is applied.

The answers travel as the JSON text the laptop stores (keys sorted), so the same
revision sent twice is the same bytes, and its hash says whether it changed.
"""

import hashlib
import json
import re
from typing import Annotated, Literal

import msgspec

from collector.store import RESPONSE_FIELDS, SOURCES

from . import SyncError

REFERENCE = re.compile(r"[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}")
# A response id as str(uuid.UUID(...)) writes it: lower case, hyphens in their places.
UUID_TEXT = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
FIELD_SET = frozenset(RESPONSE_FIELDS)
HASHED_FIELDS = tuple(f for f in RESPONSE_FIELDS if f != "personal_key")
MAX_TEXT = 200
MAX_ANSWERS = 1024 * 1024
REQUIRED_TEXT = ("reference", "form_id", "form_version", "source", "submitted_at")
OPTIONAL_TEXT = ("language", "device_id", "event_id", "paper_serial", "started_at", "deleted_at", "updated_at",
                 "personal_key")
PERSONAL_KEY = re.compile(r"[0-9a-f]{32}")
MAX_PERSONAL = 64 * 1024


def outgoing(row):
    """A stored response row as it is sent: its fields, answers still as stored text."""
    return {f: row[f] for f in RESPONSE_FIELDS}


def content_hash(record):
    """A digest of everything a revision says; the same revision re-sent has the same one."""
    # personal_key is a random link, not content: purging personal answers clears it without a new revision.
    parts = ["\x00" if record[f] is None else str(record[f]) for f in HASHED_FIELDS]
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


def check_record(value, where):
    """The record, checked and given its hash; SyncError saying where and what otherwise."""
    _check_fields(value, where)
    _check_answers(value, where)
    record = dict.fromkeys(RESPONSE_FIELDS)
    record.update(value)
    record["hash"] = content_hash(record)
    return record


def _check_fields(value, where):
    """SyncError saying where and what, for the first of check_record's rules value breaks."""
    if not isinstance(value, dict):
        raise SyncError(f"{where}: a response should be a JSON object.")
    rid = value.get("id")
    label = f"{where} (response {rid})" if isinstance(rid, str) and len(rid) <= 64 else where
    if not value.keys() <= FIELD_SET:
        raise SyncError(f"{label}: unknown field '{sorted(value.keys() - FIELD_SET)[0]}'.")
    if not isinstance(rid, str) or not UUID_TEXT.fullmatch(rid):
        raise SyncError(f"{where}: 'id' should be a response id such as 3f2b…-…, not {_show(rid)}.")
    revision = value.get("revision")
    if type(revision) is not int or not 1 <= revision <= 2**31:
        raise SyncError(f"{label}: 'revision' should be a whole number from 1, not {_show(revision)}.")
    for name in REQUIRED_TEXT:
        text = value.get(name)
        if not isinstance(text, str) or not 0 < len(text) <= MAX_TEXT:
            raise SyncError(f"{label}: '{name}' should be text of 1 to {MAX_TEXT} characters.")
    for name in OPTIONAL_TEXT:
        text = value.get(name)
        if text is not None and (not isinstance(text, str) or len(text) > MAX_TEXT):
            raise SyncError(f"{label}: '{name}' should be text of up to {MAX_TEXT} characters, or null.")
    if not REFERENCE.fullmatch(value["reference"]):
        raise SyncError(f"{label}: 'reference' should look like ABCD-1234, not {_show(value['reference'])}.")
    if value["source"] not in SOURCES:
        raise SyncError(f"{label}: 'source' should be one of {', '.join(SOURCES)}.")
    answers = value.get("answers")
    if not isinstance(answers, str) or len(answers) > MAX_ANSWERS:
        raise SyncError(f"{label}: 'answers' should be the answers' JSON text.")


# Whether a record's answers (JSON text) read as a JSON object, as every later read of them
# needs: exports decode them with msgspec, reports with SQLite's JSON functions. Strict JSON
# (no NaN, no half of a surrogate pair); each answer is parsed, not made into Python objects.
_decode_answers = msgspec.json.Decoder(dict[str, msgspec.Raw]).decode


def _check_answers(record, where):
    try:
        _decode_answers(record["answers"])
    except msgspec.DecodeError:
        raise unreadable_answers(where, record["id"]) from None


class NotJSON(SyncError):
    """A line that is not JSON at all, as opposed to a record that breaks a rule (read_record)."""


def _record_shape():
    """check_record's rules as a msgspec type, so that a line is decoded and checked in one
    pass in C. Whatever check_record refuses, this refuses too (the tests hold both to the
    same cases); patterns are anchored with \\A and \\Z, as msgspec searches with them."""
    def text(most, least=0, pattern=None):
        return Annotated[str, msgspec.Meta(min_length=least, max_length=most, pattern=pattern)]

    rules = {
        "id": text(36, 36, rf"\A{UUID_TEXT.pattern}\Z"),
        "reference": text(MAX_TEXT, 1, rf"\A{REFERENCE.pattern}\Z"),
        "source": Literal[SOURCES],
        "answers": text(MAX_ANSWERS),
        "revision": Annotated[int, msgspec.Meta(ge=1, le=2**31)],
        **{name: text(MAX_TEXT, 1) for name in REQUIRED_TEXT if name not in ("reference", "source")},
    }
    required = [(name, rules[name]) for name in RESPONSE_FIELDS if name in rules]
    optional = [(name, text(MAX_TEXT) | None, None) for name in RESPONSE_FIELDS if name not in rules]
    return msgspec.defstruct("Record", required + optional, forbid_unknown_fields=True, gc=False)


_decode_record = msgspec.json.Decoder(_record_shape()).decode
_as_dict = msgspec.structs.asdict


def read_record(line, where):
    """A record from one line of JSON (bytes), checked and given its hash: what
    check_record(json.loads(line)) gives, at a third of the cost. SyncError saying where
    and what otherwise: a line that is not JSON, or check_record's own message."""
    try:
        record = _as_dict(_decode_record(line))
    except (msgspec.DecodeError, UnicodeDecodeError) as exc:
        # Rare, so the slow path may say what is wrong, in check_record's words.
        try:
            value = json.loads(line)
        except ValueError:
            raise NotJSON(f"{where} is not JSON.") from None
        _check_fields(value, where)
        # Stricter than check_record: say what msgspec found (such as half of a surrogate pair).
        raise SyncError(f"{where}: {exc}.") from None
    _check_answers(record, where)
    record["hash"] = content_hash(record)
    return record


def unreadable_answers(where, rid):
    """The error for a record whose answers are not a JSON object."""
    return SyncError(f"{where} (response {rid}): 'answers' is not a JSON object.")


def check_batch(values, where="batch"):
    """Check every record of a batch before any is applied: all good, or SyncError for the first bad one."""
    if not isinstance(values, list):
        raise SyncError(f"{where}: 'records' should be a list of responses.")
    records = [check_record(v, f"{where}, record {n}") for n, v in enumerate(values, 1)]
    if len({r["id"] for r in records}) != len(records):
        raise SyncError(f"{where}: a response appears twice in one batch.")
    return records


def check_forms(values, where="batch"):
    if not isinstance(values, list):
        raise SyncError(f"{where}: 'forms' should be a list.")
    for n, form in enumerate(values, 1):
        if not isinstance(form, dict) or not all(isinstance(form.get(k), str) and form[k] for k in ("form_id", "version", "source")):
            raise SyncError(f"{where}, form {n}: a form version needs form_id, version and source as text.")
    return values


def check_events(values, where="batch"):
    if not isinstance(values, list):
        raise SyncError(f"{where}: 'events' should be a list.")
    for n, event in enumerate(values, 1):
        if not isinstance(event, dict) or not all(isinstance(event.get(k), str) and event[k] for k in ("id", "name")):
            raise SyncError(f"{where}, event {n}: an event needs an id and a name as text.")
        if any(event.get(k) is not None and not isinstance(event[k], str) for k in ("venue", "date", "created_at")):
            raise SyncError(f"{where}, event {n}: venue, date and created_at should be text.")
    return values


def _show(value):
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 40 else text[:37] + "..."


def check_personal(values, where="batch"):
    """[(key, sealed, data)] of a batch's personal answers, checked; SyncError for the first bad one."""
    if not isinstance(values, list):
        raise SyncError(f"{where}: 'personal' should be a list.")
    rows = []
    for n, item in enumerate(values, 1):
        if (not isinstance(item, list) or len(item) != 3 or not isinstance(item[0], str)
                or not PERSONAL_KEY.fullmatch(item[0]) or type(item[1]) is not bool
                or not isinstance(item[2], str) or len(item[2]) > MAX_PERSONAL):
            raise SyncError(f"{where}, personal answers {n}: each should be [key, sealed, text].")
        rows.append(tuple(item))
    return rows
