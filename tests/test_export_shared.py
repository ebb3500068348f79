"""A large CSV export shared between processes writes exactly what one process writes."""

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
