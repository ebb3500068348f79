"""Exports read by SQLite: awkward answers come back as stored, and CSV is exactly what csv.writer writes."""

import csv
import io
import random
import sqlite3
import textwrap
import uuid
from pathlib import Path

import openpyxl
import pytest

import forms
from collector import export_cells
from collector.export import Column, ExportError, plan_export
from collector.export_cells import WORDS, option_names
from collector.export_write import PLAIN_NUMBER, csv_columns_text, write_export
from forms.sample import sample_answers

EXAMPLES = sorted(Path(forms.__file__).with_name("examples").glob("*.yaml"))
DANGER = ("=", "+", "-", "@", "\t", "\r")

AWKWARD = textwrap.dedent("""\
    id: awkward
    version: 2
    languages: [en, cy]
    title: {en: Awkward answers, cy: Atebion lletchwith}
    sections:
      - id: one
        title: {en: One, cy: Un}
        questions:
          - {id: comment, type: textarea, label: {en: Comment, cy: Sylw}}
          - {id: weight, type: number, decimals: 5, min: -1000, max: 1000, label: {en: Weight, cy: Pwysau}}
          - {id: count, type: number, min: -100, label: {en: Count, cy: Nifer}}
          - {id: when, type: date, label: {en: When, cy: Pryd}}
          - id: pick
            type: choice
            label: {en: Pick, cy: Dewis}
            other: true
            choices:
              - {value: a, label: {en: "Apples, pears", cy: "Afalau, gellyg"}}
              - {value: b, label: {en: "The \\"best\\" one", cy: "Yr \\"un\\" gorau"}}
              - {value: c, label: {en: "=1+1 looks like a sum", cy: "=1+1 swm"}}
          - id: many
            type: choices
            label: {en: Many, cy: Llawer}
            other: true
            choices:
              - {value: x, label: {en: "X, the first", cy: "X, y cyntaf"}}
              - {value: y, label: {en: Why, cy: Pam}}
              - {value: z, label: {en: Zed, cy: Zed}}
          - id: order
            type: ranking
            label: {en: Order, cy: Trefn}
            choices:
              - {value: p, label: {en: Pie, cy: Pastai}}
              - {value: q, label: {en: Quiche, cy: Cish}}
              - {value: r, label: {en: Rolls, cy: Rholiau}}
          - id: feel
            type: grid
            label: {en: Feel, cy: Teimlo}
            statements:
              - {id: s1, label: {en: First, cy: Cyntaf}}
              - {id: s2, label: {en: Second, cy: Ail}}
            choices:
              - {value: good, label: {en: "Good, mostly", cy: "Da, gan fwyaf"}}
              - {value: bad, label: {en: Bad, cy: Drwg}}
          - id: rate
            type: grid
            label: {en: Rate, cy: Sgorio}
            statements:
              - {id: s1, label: {en: First, cy: Cyntaf}}
            scale: {min: 1, max: 5}
          - {id: happy, type: yes_no, label: {en: "Happy?", cy: "Hapus?"}}
          - {id: agree, type: consent, label: {en: I agree, cy: "Rwy'n cytuno"}}
""")

# Answers as a hand-edited database or an older kit might hold them, as well as valid ones.
AWKWARD_ANSWERS = [
    {"comment": 'She said "no", then left', "weight": 0.1 + 0.2, "count": -5, "pick": "b", "many": ["x", "z"],
     "order": ["r", "p"], "feel": {"s1": "good"}, "rate": {"s1": 4}, "happy": "yes", "agree": True},
    {"comment": "Line one\nline two\r\nline three, with a comma", "weight": 1e-05, "count": 0, "pick": "a",
     "many": ["other"], "many.other": "Ŵyn, ŷd & tê 🐕", "feel": {"s1": "bad", "s2": "good"}, "agree": False},
    {"comment": "=HYPERLINK(\"http://example.com\")", "weight": -2.5, "pick": "other", "pick.other": "-5",
     "many": [], "order": ["q", "r", "p"], "happy": "no", "agree": "true"},
    {"comment": "unit\x1fseparator and a bell\x07", "weight": 123456789.12345, "pick": "c", "many.other": "no answer"},
    {"comment": "", "count": 1, "when": "2026-07-04", "pick": "a,b", "feel": "not a grid", "rate": {"s1": None}},
    {},
]


def store(workspace, form, answers, **fields):
    """Responses stored as given (no checks, as an import or a hand-edited database might leave them)."""
    records = [{"id": str(uuid.uuid4()), "form_id": form.id, "form_version": form.version, "language": "en",
                "source": "web", "device_id": workspace.device_id, "submitted_at": f"2026-07-01T10:00:{i:02d}Z",
                "answers": a, **fields} for i, a in enumerate(answers)]
    workspace.store.bulk_insert_responses(records)
    for r in records:
        r["reference"] = workspace.store.get_response(r["id"])["reference"]
    return records


def expected_row(plan, response, lang):
    """What a response's row should hold, worked out from the model and the stored answers."""
    a = response["answers"]
    names_of = {q.id: (q, option_names(q, lang) if plan.labels else {}) for q, _lang in plan.questions()}
    row = []
    for c in plan.columns:
        if c.kind == "meta":
            row.append({"response_id": response["id"], "reference": response["reference"],
                        "form_version": response["form_version"], "language": response["language"],
                        "source": response["source"], "device": "Test laptop", "submitted_at": response["submitted_at"],
                        "started_at": response["submitted_at"]}.get(c.key))
            continue
        q, names = names_of[c.qid]
        value = a.get(q.id)
        if c.kind == "other":
            row.append(None if value is None else a.get(c.key))
        elif c.kind == "joined":
            listed = value if isinstance(value, list) or value is None else [value]
            row.append(None if value is None else ("; " if names else ";").join(str(names.get(x, x)) for x in listed))
        elif c.kind == "option":
            row.append(None if value is None else int(c.part in (value if isinstance(value, list) else [value])))
        elif c.kind == "rank":
            row.append(value.index(c.part) + 1 if isinstance(value, list) and c.part in value else None)
        elif c.kind == "statement":
            cell = value.get(c.part) if isinstance(value, dict) else None
            row.append(names.get(cell, cell) if isinstance(cell, str) else cell)
        elif q.type == "consent":
            row.append((WORDS[lang]["agreed"] if plan.labels else 1) if value is True else None)
        else:
            row.append(names.get(value, value) if isinstance(value, str) else value)
    return row


def as_csv(plan, row):
    """A row as CSV cells should hold it: free text made inert, plain numbers left alone."""
    out = []
    for c, v in zip(plan.columns, row):
        if v is None:
            out.append("")
        elif c.free and isinstance(v, str) and v[:1] in DANGER and not PLAIN_NUMBER(v):
            out.append("'" + v)
        else:
            out.append(str(v))
    return out


@pytest.mark.parametrize("labels", [False, True], ids=["codes", "labels"])
@pytest.mark.parametrize("lang", ["en", "cy"])
def test_awkward_answers_come_back_from_csv_excel_and_sqlite_as_stored(workspace, tmp_path, labels, lang):
    form = forms.load_form_text(AWKWARD)
    stored = store(workspace, form, AWKWARD_ANSWERS, language=lang)
    plan, _ = plan_export(workspace.store, form, labels=labels, devices={workspace.device_id: "Test laptop"})
    want = [expected_row(plan, r, lang) for r in stored]
    header = [c.key for c in plan.columns]

    write_export(plan, "csv", tmp_path / "out.csv")
    with open(tmp_path / "out.csv", encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == header
    assert rows[2:] == [as_csv(plan, row) for row in want]

    write_export(plan, "xlsx", tmp_path / "out.xlsx")
    sheet = openpyxl.load_workbook(tmp_path / "out.xlsx", read_only=True)["Responses"]
    got = [list(r) + [None] * (len(header) - len(r)) for r in sheet.iter_rows(min_row=2, values_only=True)]
    # Excel cannot hold most control characters (they are dropped), reads CR LF as LF, keeps
    # 15 significant digits and no empty text.
    clean = [[(v.replace("\x1f", "").replace("\x07", "").replace("\r\n", "\n") or None) if isinstance(v, str)
              else float(f"{v:.15g}") if isinstance(v, float) else v for v in row] for row in want]
    assert got == clean

    write_export(plan, "sqlite", tmp_path / "out.sqlite")
    db = sqlite3.connect(tmp_path / "out.sqlite")
    assert [list(r) for r in db.execute("select * from awkward")] == want
    db.close()


def test_numbers_keep_every_digit_and_their_type(workspace, tmp_path):
    form = forms.load_form_text(AWKWARD)
    store(workspace, form, [{"weight": 0.1 + 0.2, "count": -5}, {"weight": 1e-05, "count": 2**53 + 1}, {"weight": 3.0}])
    plan, _ = plan_export(workspace.store, form)
    write_export(plan, "csv", tmp_path / "out.csv")
    rows = list(csv.DictReader(io.StringIO((tmp_path / "out.csv").read_text("utf-8"))))[1:]
    assert [(r["weight"], r["count"]) for r in rows] == [("0.30000000000000004", "-5"), ("1e-05", "9007199254740993"),
                                                          ("3.0", "")]
    values = [dict(zip([c.key for c in plan.columns], row)) for batch in plan.rows() for row in batch]
    assert [(v["weight"], v["count"]) for v in values] == [(0.1 + 0.2, -5), (1e-05, 2**53 + 1), (3.0, None)]
    assert type(values[2]["weight"]) is float


@pytest.mark.parametrize("labels", [False, True], ids=["codes", "labels"])
@pytest.mark.parametrize("path", [*EXAMPLES, None], ids=lambda p: p.stem if p else "awkward")
def test_rows_as_text_for_csv_hold_the_same_cells_as_rows_of_values(workspace, path, labels):
    form = forms.load_form(path) if path else forms.load_form_text(AWKWARD)
    rng = random.Random(3)
    answers = [sample_answers(form, rng, form.languages[i % len(form.languages)], n=i) for i in range(60)]
    store(workspace, form, answers + (AWKWARD_ANSWERS if not path else []))
    plan, _ = plan_export(workspace.store, form, labels=labels, include_personal=True)
    values = [["" if v is None else str(v) for v in row] for batch in plan.rows() for row in batch]
    texts = [row for batch in plan.rows(text=True) for row in batch]
    assert texts == values and all(isinstance(v, str) for row in texts for v in row)


CELLS = ["", "plain", "a,b", 'say "hi"', "line\nbreak", "cr\ronly", "crlf\r\n", "=1+1", "-5", "+44", "@me", "\tx",
         "-not a number", "Ŵyn 🐕", ",", '"', "1.5e3", "'quoted'"]


def test_csv_is_written_exactly_as_csv_writer_writes_it():
    rng = random.Random(7)
    columns = [Column(f"c{i}", f"C{i}", "answer", free=rng.random() < 0.4) for i in range(12)]
    text = csv_columns_text(columns)
    for _ in range(300):
        rows = [[rng.choice(CELLS) + rng.choice(CELLS) for _c in columns] for _r in range(rng.randint(1, 5))]
        expected = io.StringIO()
        csv.writer(expected, lineterminator="\r\n").writerows(
            [[("'" + v) if c.free and v[:1] in DANGER and not PLAIN_NUMBER(v) else v for c, v in zip(columns, row)]
             for row in rows])
        assert text(list(zip(*rows))) == expected.getvalue(), rows


def test_more_distinct_choices_answers_than_remembered_are_still_spread_exactly(workspace, monkeypatch):
    monkeypatch.setattr(export_cells, "KNOWN_ANSWERS", 2)
    form = forms.load_form_text(AWKWARD)
    answers = [{"many": many, "order": order} for many in (["x"], ["y"], ["x", "z"], None, ["z"], ["x"])
               for order in (["p"], ["q", "r"], ["r", "q", "p"])]
    stored = store(workspace, form, answers)
    plan, _ = plan_export(workspace.store, form, labels=True, devices={workspace.device_id: "Test laptop"})
    for text in (False, True):
        rows = [row for batch in plan.rows(text=text) for row in batch]
        want = [expected_row(plan, r, "en") for r in stored]
        assert rows == ([["" if v is None else str(v) for v in row] for row in want] if text else want)


def test_a_question_whose_type_changed_between_versions_is_read_as_each_version_had_it(workspace, tmp_path):
    many = AWKWARD[AWKWARD.index("      - id: many"):AWKWARD.index("      - id: order")]
    old = AWKWARD.replace("version: 2", "version: 1").replace(many, "      - {id: many, type: text, label: {en: Many, cy: Llawer}}\n")
    new = forms.load_form_text(AWKWARD)
    workspace.store.record_form("awkward", "1", old)
    store(workspace, forms.load_form_text(old), [{"many": "x, typed"}], form_version="1")
    store(workspace, new, [{"many": ["x"]}], form_version="2", submitted_at="2026-07-02T10:00:00Z")
    plan, warnings = plan_export(workspace.store, new)
    assert not warnings
    write_export(plan, "csv", tmp_path / "out.csv")
    rows = list(csv.DictReader(io.StringIO((tmp_path / "out.csv").read_text("utf-8"))))[1:]
    assert [(r["many"], r["many.x"], r["many.y"]) for r in rows] == [("x, typed", "", ""), ("x", "1", "0")]


def test_answers_that_are_not_json_stop_the_export_with_the_response_named(workspace, tmp_path):
    form = forms.load_form_text(AWKWARD)
    record = store(workspace, form, [{"count": 1}])[0]
    db = sqlite3.connect(workspace.db_path)
    db.execute("update responses set answers = '{\"count\": 1' where id = ?", [record["id"]])
    db.commit()
    db.close()
    reference = record["reference"]
    plan, _ = plan_export(workspace.store, form)
    (tmp_path / "out").mkdir()
    for fmt in ("csv", "xlsx"):
        with pytest.raises(ExportError, match=f"the answers of response {reference} to awkward are not valid JSON"):
            write_export(plan, fmt, tmp_path / "out" / f"out.{fmt}")
    assert not list((tmp_path / "out").iterdir())


def test_a_form_with_more_answers_than_sqlite_takes_arguments_exports_every_one(workspace, tmp_path):
    questions = "\n".join(f"          - {{id: q{i}, type: text, label: Question {i}}}" for i in range(250))
    form = forms.load_form_text(f"id: long\nversion: 1\ntitle: Long\nsections:\n  - id: s\n    title: S\n"
                                f"    questions:\n{questions}\n")
    answers = {f"q{i}": f"answer {i}, {'x' * (i % 7)}" for i in range(0, 250, 3)}
    store(workspace, form, [answers, {"q249": "last"}])
    plan, _ = plan_export(workspace.store, form)
    write_export(plan, "csv", tmp_path / "out.csv")
    rows = list(csv.DictReader(io.StringIO((tmp_path / "out.csv").read_text("utf-8"))))[1:]
    assert [{k: v for k, v in r.items() if k.startswith("q") and v} for r in rows] == [answers, {"q249": "last"}]
