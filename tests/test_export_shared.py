"""A large CSV export shared between processes writes exactly what one process writes."""

import csv
import errno
import io
import random
import sqlite3
import uuid
from pathlib import Path

import pytest

import forms
from collector import export_write
from collector.export import ExportError, plan_export
from forms.sample import sample_answers

PARKS = Path(forms.__file__).with_name("examples") / "parks.yaml"


@pytest.fixture
def parks(workspace):
    """The parks example with 300 responses in both languages, many sent in the same second."""
    form = forms.load_form(PARKS)
    workspace.store.record_form(form.id, form.version, PARKS.read_text(encoding="utf-8"))
    rng = random.Random(11)
    records = [{"id": str(uuid.uuid4()), "form_id": form.id, "form_version": form.version,
                "language": form.languages[i % len(form.languages)], "source": "web", "device_id": workspace.device_id,
                # Ten responses a second: the parts' edges fall inside a second.
                "submitted_at": f"2026-07-01T10:{i // 600:02d}:{i // 10 % 60:02d}Z",
                "answers": sample_answers(form, rng, form.languages[i % len(form.languages)], n=i)} for i in range(300)]
    workspace.store.bulk_insert_responses(records)
    return form, records


def export(workspace, form, path, shared, monkeypatch, **options):
    monkeypatch.setattr(export_write, "SHARED_FROM", 0 if shared else 10**9)
    monkeypatch.setattr(export_write, "_cores", lambda: 3)
    plan, _warnings = plan_export(workspace.store, form, devices={workspace.device_id: "Test laptop"}, **options)
    export_write.write_export(plan, "csv", path)
    return path.read_bytes()


@pytest.mark.parametrize("options", [{}, {"labels": True, "include_personal": True}, {"since": "2026-07-01T10:00:07Z"}],
                         ids=["codes", "labels-personal", "since"])
def test_three_processes_write_the_same_bytes_as_one(workspace, parks, tmp_path, monkeypatch, options):
    form, _records = parks
    (tmp_path / "out").mkdir()
    alone = export(workspace, form, tmp_path / "out" / "alone.csv", False, monkeypatch, **options)
    shared = export(workspace, form, tmp_path / "out" / "shared.csv", True, monkeypatch, **options)
    assert shared == alone
    assert alone.count(b"\r\n") > 200
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["alone.csv", "shared.csv"]  # no part left behind


def test_the_parts_cover_every_response_once_in_order(workspace, parks):
    form, records = parks
    plan, _ = plan_export(workspace.store, form)
    parts = plan.split(3)
    assert len(parts) == 3 and parts[0][0] is None and parts[-1][1] is None
    ids = [row[0] for part in parts for batch in plan.rows(part=part) for row in batch]
    assert ids == [r["id"] for r in sorted(records, key=lambda r: r["submitted_at"])]


def test_unreadable_answers_in_a_later_part_stop_the_export_and_write_nothing(workspace, parks, tmp_path, monkeypatch):
    form, records = parks
    last = records[-1]
    reference = workspace.store.get_response(last["id"])["reference"]
    db = sqlite3.connect(workspace.db_path)
    db.execute("update responses set answers = '{\"visited\": ' where id = ?", [last["id"]])
    db.commit()
    db.close()
    (tmp_path / "out").mkdir()
    with pytest.raises(ExportError, match=f"the answers of response {reference} to {form.id} are not valid JSON"):
        export(workspace, form, tmp_path / "out" / "shared.csv", True, monkeypatch)
    assert not list((tmp_path / "out").iterdir())


def test_a_shared_export_of_two_versions_gives_each_part_the_union_of_their_columns(workspace, tmp_path, monkeypatch):
    # The helper process is told the versions found, not left to look again; it must still read
    # the older version's answers with the older version's questions.
    form = forms.load_form(PARKS)
    text = PARKS.read_text(encoding="utf-8")
    older_text = text.replace(f"version: {form.version}", "version: 2024-01", 1)
    assert older_text != text
    older = forms.load_form_text(older_text)
    newer_text = text.replace("id: visit_frequency\n", "id: visit_frequency_now\n", 1)
    newer = forms.load_form_text(newer_text)
    workspace.store.record_form(form.id, older.version, older_text)
    workspace.store.record_form(form.id, newer.version, newer_text)
    rng = random.Random(5)
    records = [{"id": str(uuid.uuid4()), "form_id": form.id, "form_version": (older if i < 150 else newer).version,
                "language": "en", "source": "web", "device_id": workspace.device_id,
                "submitted_at": f"2026-07-01T10:{i // 600:02d}:{i // 10 % 60:02d}Z",
                "answers": sample_answers(older if i < 150 else newer, rng, "en", n=i)} for i in range(300)]
    workspace.store.bulk_insert_responses(records)
    (tmp_path / "out").mkdir()
    alone = export(workspace, newer, tmp_path / "out" / "alone.csv", False, monkeypatch)
    shared = export(workspace, newer, tmp_path / "out" / "shared.csv", True, monkeypatch)
    assert shared == alone
    header, _texts, *rows = csv.reader(io.StringIO(alone.decode("utf-8")))
    old, now = header.index("visit_frequency"), header.index("visit_frequency_now")
    # Each version's answers read with its own questions: the older half in the first part, the newer in the last.
    assert [bool(row[old]) for row in rows[:150]].count(True) > 20 and not any(row[old] for row in rows[150:])
    assert [bool(row[now]) for row in rows[150:]].count(True) > 20 and not any(row[now] for row in rows[:150])


def test_parts_are_added_by_python_where_the_kernel_cannot_copy_between_files(workspace, parks, tmp_path, monkeypatch):
    form, _records = parks
    (tmp_path / "out").mkdir()
    alone = export(workspace, form, tmp_path / "out" / "alone.csv", False, monkeypatch)
    calls = []

    def cannot(*args):
        calls.append(args)
        raise OSError(errno.EXDEV, "Invalid cross-device link")

    monkeypatch.setattr(export_write.os, "copy_file_range", cannot, raising=False)
    assert export(workspace, form, tmp_path / "out" / "shared.csv", True, monkeypatch) == alone
    assert calls  # the kernel was asked first
