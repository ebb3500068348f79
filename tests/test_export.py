"""Exports: every example form through every format and back, versions, filters, labels and safety."""

import csv
import io
import json
import random
import re
import sqlite3
import textwrap
import uuid
from pathlib import Path

import openpyxl
import pytest

import forms
from collector.export import ExportError, plan_export
from collector.export_write import write_export
from forms.sample import sample_answers

EXAMPLES = sorted(Path(forms.__file__).with_name("examples").glob("*.yaml"))
FORMATS = ("csv", "xlsx", "json", "sqlite")
META = ("response_id", "reference", "form_version", "language", "source", "device", "event",
        "paper_serial", "started_at", "submitted_at")
DANGER = ("=", "+", "-", "@", "\t", "\r")


def store_responses(workspace, form, count, seed=1, **fields):
    """Store count valid responses with sampled answers, in each of the form's languages in turn;
    returns them as the store holds them."""
    rng = random.Random(seed)
    records = []
    for i in range(count):
        lang = form.languages[i % len(form.languages)]
        records.append({
            "id": str(uuid.uuid4()), "form_id": form.id, "form_version": form.version, "language": lang,
            "source": ("web", "kiosk", "paper")[i % 3], "device_id": workspace.device_id,
            "submitted_at": f"2026-07-0{1 + i % 5}T10:{i // 60 % 60:02d}:{i % 60:02d}Z",
            "answers": sample_answers(form, rng, lang, n=i), **fields,
        })
    workspace.store.import_responses(records)
    stored = [workspace.store.get_response(r["id"]) for r in records]
    for row in stored:
        # Personal answers are kept apart from the others; an export with them puts them back.
        row["answers"], sealed = workspace.privacy.answers_of(row)
        assert not sealed
    return stored


def export_file(workspace, form, fmt, tmp_path, **options):
    plan, _warnings = plan_export(workspace.store, form, devices={workspace.device_id: workspace.device_name}, **options)
    out = tmp_path / f"out.{fmt}"
    write_export(plan, fmt, out)
    return plan, out


def read_back(fmt, path, form_id=None):
    """(header, [row as {column: value}]) from an exported file, with each reader's own types."""
    if fmt == "csv":
        with open(path, encoding="utf-8", newline="") as f:
            rows = list(csv.reader(f))
        return rows[0], [dict(zip(rows[0], r)) for r in rows[2:]]
    if fmt == "xlsx":
        book = openpyxl.load_workbook(path, read_only=True)
        rows = [list(r) for r in book["Responses"].iter_rows(values_only=True)]
        # A row ends at its last cell with a value; the rest are empty.
        return rows[0], [dict(zip(rows[0], r + [None] * (len(rows[0]) - len(r)))) for r in rows[1:]]
    if fmt == "json":
        return None, [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    db = sqlite3.connect(path)
    cursor = db.execute(f'select * from "{form_id}"')
    header = [c[0] for c in cursor.description]
    rows = [dict(zip(header, r)) for r in cursor]
    db.close()
    return header, rows


def expected_cell(form, response, key, device_name):
    """What a column should hold for a response, worked out from the model, not the exporter."""
    meta = {"response_id": response["id"], "device": device_name, "event": None}
    if key in META:
        return meta.get(key, response.get(key))
    a = response["answers"]
    qid, _dot, part = key.partition(".")
    q = form.question(qid)
    if not part:
        value = a.get(qid)
        if isinstance(value, list):
            return ";".join(value)
        return 1 if value is True else value
    if part == "other" and q.other:
        return a.get(key)
    if q.type == "choices":
        return None if qid not in a else int(part in a[qid])
    if q.type == "ranking":
        return a[qid].index(part) + 1 if part in a.get(qid, []) else None
    if q.type == "grid":
        return a.get(qid, {}).get(part)
    raise AssertionError(f"unexpected column {key}")


def as_csv(value):
    """A value as a CSV cell should hold it: formulas made inert, plain numbers left alone."""
    if value is None:
        return ""
    if isinstance(value, str) and value[:1] in DANGER and not re.fullmatch(r"[+-]?\d+(\.\d+)?", value):
        return "'" + value
    return str(value)


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_every_example_form_comes_back_from_every_format_as_it_was_stored(workspace, tmp_path, path, fmt):
    form = forms.load_form(path)
    stored = store_responses(workspace, form, 24)
    plan, out = export_file(workspace, form, fmt, tmp_path, include_personal=True)
    header, rows = read_back(fmt, out, form.id)
    assert len(rows) == len(stored)
    by_id = {r["id"]: r for r in stored}
    if fmt == "json":
        for row in rows:
            response = by_id[row["response_id"]]
            assert row["answers"] == response["answers"]
            assert (row["form_id"], row["reference"], row["language"], row["source"], row["device"]) == (
                form.id, response["reference"], response["language"], response["source"], workspace.device_name)
        return
    assert header[:len(META)] == list(META)
    covered = {k.partition(".")[0] for k in header}
    assert all(k.partition(".")[0] in covered for r in stored for k in r["answers"]), "an answer has no column"
    for row in rows:
        response = by_id[row["response_id"]]
        for key in header:
            want = expected_cell(form, response, key, workspace.device_name)
            got = row[key]
            if fmt == "csv":
                assert got == as_csv(want), (key, got, want)
            else:
                assert got == want and type(got) is type(want), (key, got, want)


def test_the_columns_follow_the_form_with_a_column_per_option_statement_and_other_text(workspace, tmp_path):
    form = forms.load_form(EXAMPLES[[p.stem for p in EXAMPLES].index("parks")])
    plan, _warnings = plan_export(workspace.store, form)
    keys = [c.key for c in plan.columns]
    assert keys[:len(META)] == list(META)
    assert keys[len(META):len(META) + 2] == ["visited", "parks_visited"]
    options = [f"parks_visited.{c.value}" for c in form.question("parks_visited").choices]
    assert keys[len(META) + 2:len(META) + 2 + len(options)] == options
    reasons = keys.index("visit_reasons")
    assert keys[reasons + 1:reasons + 9] == [f"visit_reasons.{c.value}" for c in form.question("visit_reasons").choices]
    assert keys[reasons + 9] == "visit_reasons.other"
    grid = form.question("park_statements")
    assert [k for k in keys if k.startswith("park_statements.")] == [f"park_statements.{s.id}" for s in grid.statements]
    assert "contact_consent" in keys
    assert not {"contact_name", "contact_email", "contact_postcode"} & set(keys), "personal questions are left out by default"
    texts = {c.key: c.text for c in plan.columns}
    assert texts["visited"] == form.question("visited").label.pick("en")
    assert texts["parks_visited.castle_gardens"].endswith(": Castle Gardens")


def test_csv_has_question_texts_in_its_second_row_and_a_bom_only_when_asked(workspace, tmp_path):
    form = forms.load_form(EXAMPLES[0])
    store_responses(workspace, form, 3)
    plan, _ = plan_export(workspace.store, form)
    write_export(plan, "csv", tmp_path / "plain.csv")
    write_export(plan, "csv", tmp_path / "bom.csv", bom=True)
    write_export(plan, "csv", tmp_path / "one.csv", text_row=False)
    plain = (tmp_path / "plain.csv").read_bytes()
    assert not plain.startswith(b"\xef\xbb\xbf") and (tmp_path / "bom.csv").read_bytes() == b"\xef\xbb\xbf" + plain
    rows = list(csv.reader(io.StringIO(plain.decode("utf-8"))))
    assert rows[1][:2] == ["Response id", "Reference"] and len(rows) == 5
    assert len(list(csv.reader(io.StringIO((tmp_path / "one.csv").read_text("utf-8"))))) == 4


# -- spreadsheet formula injection -------------------------------------------------------

INJECT = textwrap.dedent("""\
    id: inject
    version: 1
    title: Injection
    sections:
      - id: one
        title: One
        questions:
          - id: comment
            type: text
            label: Comment
          - id: amount
            type: number
            label: Amount
            min: -100
          - id: pick
            type: choice
            label: Pick
            choices:
              - value: a
                label: "=1+1 looks like a sum"
              - value: b
                label: Plain
""")


def _raw_response(workspace, form, answers, **fields):
    """A response stored as given, bypassing the validator (as a hand-edited or older database might hold)."""
    record = {"id": str(uuid.uuid4()), "form_id": form.id, "form_version": form.version, "language": "en",
              "source": "web", "submitted_at": "2026-07-01T10:00:00Z", "answers": answers, **fields}
    workspace.store.bulk_insert_responses([record])
    return record["id"]


@pytest.mark.parametrize("prefix", DANGER)
def test_cells_that_would_run_as_formulas_are_made_inert_in_csv_and_excel(workspace, tmp_path, prefix):
    form = forms.load_form_text(INJECT)
    text = prefix + "HYPERLINK(\"http://example.com\",\"x\")"
    _raw_response(workspace, form, {"comment": text, "amount": -5})
    _plan, out = export_file(workspace, form, "csv", tmp_path)
    _header, rows = read_back("csv", out)
    assert rows[0]["comment"] == "'" + text
    assert rows[0]["amount"] == "-5"
    _plan, out = export_file(workspace, form, "xlsx", tmp_path)
    sheet = openpyxl.load_workbook(out)["Responses"]
    header = [c.value for c in sheet[1]]
    cell = sheet.cell(row=2, column=header.index("comment") + 1)
    # XML reads a carriage return as a line feed: the same line break to a reader.
    assert cell.data_type == "s" and cell.value == text.replace("\r", "\n")
    amount = sheet.cell(row=2, column=header.index("amount") + 1)
    assert amount.data_type == "n" and amount.value == -5


def test_plain_numbers_typed_as_text_and_safe_text_stay_as_they_are(workspace, tmp_path):
    form = forms.load_form_text(INJECT)
    for text in ("-5", "+44", "1.5e3", "Hello, world"):
        _raw_response(workspace, form, {"comment": text})
    _plan, out = export_file(workspace, form, "csv", tmp_path)
    _header, rows = read_back("csv", out)
    assert [r["comment"] for r in rows] == ["-5", "+44", "1.5e3", "Hello, world"]


def test_labels_and_event_names_that_look_like_formulas_are_made_inert_too(workspace, tmp_path):
    form = forms.load_form_text(INJECT)
    event = workspace.store.set_event("=2+2 fete")
    _raw_response(workspace, form, {"pick": "a"}, event_id=event["id"])
    _plan, out = export_file(workspace, form, "csv", tmp_path, labels=True)
    _header, rows = read_back("csv", out)
    assert rows[0]["pick"] == "'=1+1 looks like a sum" and rows[0]["event"] == "'=2+2 fete"
    _plan, out = export_file(workspace, form, "xlsx", tmp_path, labels=True)
    sheet = openpyxl.load_workbook(out)["Responses"]
    header = [c.value for c in sheet[1]]
    cell = sheet.cell(row=2, column=header.index("pick") + 1)
    assert cell.data_type == "s" and cell.value == "=1+1 looks like a sum"


def test_control_characters_excel_cannot_hold_are_dropped_from_excel_only(workspace, tmp_path):
    form = forms.load_form_text(INJECT)
    _raw_response(workspace, form, {"comment": "bell\x07 here"})
    _plan, out = export_file(workspace, form, "xlsx", tmp_path)
    sheet = openpyxl.load_workbook(out)["Responses"]
    header = [c.value for c in sheet[1]]
    assert sheet.cell(row=2, column=header.index("comment") + 1).value == "bell here"
    _plan, out = export_file(workspace, form, "json", tmp_path)
    assert json.loads(out.read_text("utf-8"))["answers"]["comment"] == "bell\x07 here"


# -- versions ---------------------------------------------------------------------------------------

V1 = textwrap.dedent("""\
    id: library
    version: 1
    title: Library
    sections:
      - id: one
        title: One
        questions:
          - id: visits
            type: number
            label: Visits a month
          - id: age
            type: number
            label: Age
          - id: wants
            type: choices
            label: What do you want?
            choices: [books, films, wifi]
          - id: rating
            type: scale
            label: Rating
            min: 1
            max: 5
""")
# Version 2 drops 'age' and the 'films' option, adds a 'cafe' option and a 'comments' question.
V2 = V1.replace("version: 1", "version: 2").replace(
    "      - id: age\n        type: number\n        label: Age\n", "").replace(
    "choices: [books, films, wifi]", "choices: [books, wifi, cafe]").replace(
    "      - id: rating\n", "      - id: comments\n        type: text\n        label: Comments\n      - id: rating\n")


def test_responses_to_two_versions_export_together_with_the_union_of_their_columns(workspace, tmp_path):
    old, new = forms.load_form_text(V1), forms.load_form_text(V2)
    workspace.store.record_form("library", "1", V1)
    first = _raw_response(workspace, old, {"visits": 3, "age": 40, "wants": ["films", "wifi"], "rating": 2}, form_version="1")
    second = _raw_response(workspace, new, {"visits": 5, "wants": ["cafe"], "comments": "Open later", "rating": 4},
                           form_version="2", submitted_at="2026-07-02T10:00:00Z")
    plan, warnings = plan_export(workspace.store, new)
    assert not warnings
    keys = [c.key for c in plan.columns][len(META):]
    assert keys == ["visits", "age", "wants", "wants.books", "wants.films", "wants.wifi", "wants.cafe", "comments", "rating"]
    for fmt in ("csv", "xlsx", "sqlite"):
        plan, out = export_file(workspace, new, fmt, tmp_path)
        _header, rows = read_back(fmt, out, "library")
        rows = {r["response_id"]: r for r in rows}
        blank = "" if fmt == "csv" else None
        cell = (lambda v: str(v)) if fmt == "csv" else (lambda v: v)
        assert rows[first]["age"] == cell(40) and rows[second]["age"] == blank
        assert rows[first]["wants.films"] == cell(1) and rows[first]["wants.cafe"] == blank
        assert rows[second]["wants.cafe"] == cell(1) and rows[second]["wants.films"] == blank
        assert rows[first]["comments"] == blank and rows[second]["comments"] == "Open later"
        assert rows[first]["form_version"] == "1" and rows[second]["form_version"] == "2"


def test_a_version_the_store_never_kept_is_read_with_the_current_questions_and_said_so(workspace, tmp_path):
    new = forms.load_form_text(V2)
    _raw_response(workspace, new, {"visits": 1}, form_version="0")
    plan, warnings = plan_export(workspace.store, new)
    assert len(warnings) == 1 and "version 0" in warnings[0]
    _header, rows = read_back("csv", export_file(workspace, new, "csv", tmp_path)[1])
    assert rows[0]["visits"] == "1"


# -- labels, personal data, filters ----------------------------------------------------------------------


def test_labels_are_written_in_each_responses_language_and_codes_by_default(workspace, tmp_path):
    form = forms.load_form(EXAMPLES[[p.stem for p in EXAMPLES].index("community_centre")])
    q = next(q for q in form.questions if q.type == "choice" and q.choices)
    choice = q.choices[0]
    for lang in ("en", "cy"):
        _raw_response(workspace, form, {q.id: choice.value}, language=lang)
    _header, rows = read_back("csv", export_file(workspace, form, "csv", tmp_path)[1])
    assert [r[q.id] for r in rows] == [choice.value, choice.value]
    _header, rows = read_back("csv", export_file(workspace, form, "csv", tmp_path, labels=True)[1])
    assert [r[q.id] for r in rows] == [choice.label["en"], choice.label["cy"]]
    _header, rows = read_back("json", export_file(workspace, form, "json", tmp_path, labels=True)[1])
    assert [r["answers"][q.id] for r in rows] == [choice.label["en"], choice.label["cy"]]


def test_yes_no_labels_and_joined_choices_use_the_words_people_read(workspace, tmp_path):
    from conftest import PARKS_LIKE

    form = forms.load_form_text(PARKS_LIKE)
    _raw_response(workspace, form, {"visited": "no", "reasons": ["too far", "other"], "reasons.other": "Rain"})
    _header, rows = read_back("xlsx", export_file(workspace, form, "xlsx", tmp_path, labels=True)[1])
    assert rows[0]["visited"] == "No" and rows[0]["reasons"] == "too far; Other" and rows[0]["reasons.other"] == "Rain"
    assert rows[0]["reasons.too far"] == 1 and rows[0]["reasons.no time"] == 0


def test_personal_answers_are_left_out_unless_asked_for(workspace, tmp_path):
    from conftest import PARKS_LIKE

    form = forms.load_form_text(PARKS_LIKE)
    _raw_response(workspace, form, {"visited": "yes", "email": "me@example.com"})
    for fmt in FORMATS:
        header, rows = read_back(fmt, export_file(workspace, form, fmt, tmp_path)[1], "visit")
        assert "email" not in (header or rows[0]["answers"]), fmt
        header, rows = read_back(fmt, export_file(workspace, form, fmt, tmp_path, include_personal=True)[1], "visit")
        assert (rows[0]["answers"] if fmt == "json" else rows[0])["email"] == "me@example.com", fmt


def test_filters_pick_responses_by_date_source_and_event(workspace):
    from conftest import PARKS_LIKE

    form = forms.load_form_text(PARKS_LIKE)
    fete = workspace.store.set_event("Summer fete")
    _raw_response(workspace, form, {"comments": "old"}, submitted_at="2026-06-01T10:00:00Z")
    _raw_response(workspace, form, {"comments": "paper"}, submitted_at="2026-07-02T10:00:00Z", source="paper")
    _raw_response(workspace, form, {"comments": "fete"}, submitted_at="2026-07-03T10:00:00Z", event_id=fete["id"])

    def comments(**filters):
        plan, _ = plan_export(workspace.store, form, **filters)
        return [row[[c.key for c in plan.columns].index("comments")] for batch in plan.rows() for row in batch]

    assert comments() == ["old", "paper", "fete"]
    assert comments(since="2026-07-01") == ["paper", "fete"]
    assert comments(source="paper") == ["paper"]
    assert comments(event="summer  FETE") == ["fete"]
    assert comments(since="2026-07-03", source="paper") == []


@pytest.mark.parametrize("filters, says", [
    ({"since": "next tuesday"}, "is not a date like 2026-07-04"),
    ({"event": "Winter fete"}, "there is no event called 'Winter fete'"),
    ({"source": "fax"}, "unknown source 'fax'"),
])
def test_bad_filters_are_refused_with_a_message_that_says_what_to_do(workspace, filters, says):
    from conftest import PARKS_LIKE

    workspace.store.set_event("Summer fete")
    with pytest.raises(ExportError, match=says):
        plan_export(workspace.store, forms.load_form_text(PARKS_LIKE), **filters)


# -- formats in detail ------------------------------------------------------------------------------------


def test_json_lines_hold_one_object_per_response_with_answers_nested_in_form_order(workspace, tmp_path):
    from conftest import PARKS_LIKE

    form = forms.load_form_text(PARKS_LIKE)
    _raw_response(workspace, form, {"rating": 4, "visited": "yes", "how_often": "weekly"})
    lines = export_file(workspace, form, "json", tmp_path)[1].read_text("utf-8").splitlines()
    record = json.loads(lines[0])
    assert list(record["answers"]) == ["visited", "how_often", "rating"]
    assert set(META) <= set(record) and record["form_id"] == "visit"


def test_sqlite_export_describes_its_columns_questions_and_choices(workspace, tmp_path):
    from conftest import PARKS_LIKE

    form = forms.load_form_text(PARKS_LIKE)
    _raw_response(workspace, form, {"visited": "yes", "rating": 4})
    out = export_file(workspace, form, "sqlite", tmp_path)[1]
    db = sqlite3.connect(out)
    tables = {r[0] for r in db.execute("select name from sqlite_master where type = 'table'")}
    assert tables == {"visit", "columns", "questions", "choices"}
    assert db.execute("select id, position, type, personal from questions where id = 'email'").fetchone() == ("email", 6, "email", 1)
    assert ("reasons", "too far", "too far") in db.execute("select * from choices").fetchall()
    assert ("reasons", "other", "Other") in db.execute("select * from choices").fetchall()
    assert db.execute('select rating, typeof(rating), "reasons.too far" from visit').fetchone() == (4, "integer", None)
    assert db.execute("select question_id from columns where name = 'reasons.no time'").fetchone() == ("reasons",)


def test_excel_export_lists_each_column_with_its_question_on_a_second_sheet(workspace, tmp_path):
    from conftest import PARKS_LIKE

    form = forms.load_form_text(PARKS_LIKE)
    _raw_response(workspace, form, {"visited": "yes"})
    book = openpyxl.load_workbook(export_file(workspace, form, "xlsx", tmp_path)[1], read_only=True)
    assert book.sheetnames == ["Responses", "Questions"]
    about = {r[0]: r for r in book["Questions"].iter_rows(min_row=2, values_only=True)}
    assert about["visited"] == ("visited", "visited", "Have you visited the park this year?", "yes_no", 0, 0)
    assert about["reasons.other"][2] == "What stops you?: Other"


def test_an_export_is_written_whole_or_not_at_all(workspace, tmp_path):
    from conftest import PARKS_LIKE

    form = forms.load_form_text(PARKS_LIKE)
    plan, _ = plan_export(workspace.store, form)
    with pytest.raises(ExportError, match="does not exist"):
        write_export(plan, "csv", tmp_path / "missing" / "out.csv")
    (tmp_path / "folder.csv").mkdir()
    with pytest.raises(ExportError, match="it is a folder"):
        write_export(plan, "csv", tmp_path / "folder.csv")
    assert not list(tmp_path.glob("*.part")) and not list(tmp_path.glob(".*"))


def test_rows_come_from_the_store_in_batches_in_the_order_they_were_sent(workspace):
    from conftest import PARKS_LIKE

    form = forms.load_form_text(PARKS_LIKE)
    for i in range(7):
        # Several in the same second, as an import gives them, and one sent earlier.
        _raw_response(workspace, form, {"rating": i % 5 + 1, "comments": str(i)},
                      submitted_at="2026-07-01T09:00:00Z" if i == 6 else "2026-07-01T10:00:00Z")
    batches = list(workspace.store.iter_response_batches("visit", size=2))
    assert [len(b) for b in batches] == [2, 2, 2, 1]
    assert [r["answers"]["comments"] for b in batches for r in b] == ["6", "0", "1", "2", "3", "4", "5"]
