"""`collector print`: a PDF of any form, with numbered copies recorded in the workspace."""

import pdfplumber
import pytest
from click.testing import CliRunner

from collector.cli import main
from collector.workspace import Workspace


@pytest.fixture
def demo(tmp_path):
    CliRunner().invoke(main, ["init", str(tmp_path / "ws"), "--demo"])
    return tmp_path / "ws"


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def test_print_writes_a_pdf_of_the_form(demo, tmp_path):
    out = tmp_path / "parks.pdf"
    result = run("-w", demo, "print", "parks_open_spaces", "--out", out)
    assert result.exit_code == 0, result.output
    with pdfplumber.open(out) as pdf:
        text = "\n".join(page.extract_text() for page in pdf.pages)
    assert "Parks and open spaces consultation" in text and "Page 1 of" in text


def test_numbered_copies_get_new_serials_each_time_and_are_recorded(demo, tmp_path):
    first = run("-w", demo, "print", "event_feedback", "--copies", "3", "--out", tmp_path / "a.pdf")
    second = run("-w", demo, "print", "event_feedback", "--copies", "2", "--out", tmp_path / "b.pdf")
    assert first.exit_code == second.exit_code == 0
    ws = Workspace(demo)
    prefix = ws.serial_prefix
    assert f"serials {prefix}-000001 to {prefix}-000003" in first.output
    assert f"serials {prefix}-000004 to {prefix}-000005" in second.output
    assert ws.store.serial_issued(f"{prefix}-000005")["form_id"] == "event_feedback"
    assert ws.store.serial_issued(f"{prefix}-000006") is None
    with pdfplumber.open(tmp_path / "b.pdf") as pdf:
        text = "\n".join(page.extract_text() for page in pdf.pages)
    assert f"{prefix}-000004" in text and f"{prefix}-000005" in text


@pytest.mark.parametrize("args, message", [
    (["--lang", "fr"], "not 'fr'"),
    (["--bilingual"], "bilingual printing needs Welsh (cy) and English (en)"),
    (["--copies", "0"], "0 is not in the range"),
    (["--paper", "a3"], "'a3' is not one of"),
])
def test_wrong_print_options_are_clear_errors_and_issue_nothing(demo, tmp_path, args, message):
    result = run("-w", demo, "print", "parks_open_spaces", "--out", tmp_path / "x.pdf", *args)
    assert result.exit_code == 2 and message in result.output
    assert not (tmp_path / "x.pdf").exists()
    assert Workspace(demo).store.db["serials"].count == 0


def test_a_database_from_before_paper_serials_is_upgraded_with_its_responses(tmp_path):
    import sqlite_utils

    from collector.store import Store, migrations

    db = sqlite_utils.Database(tmp_path / "old.db")
    migrations.apply(db, stop_before="m002_paper_serials")
    db["responses"].insert({"id": "r1", "reference": "AAAA-BBBB", "form_id": "f", "form_version": "1",
                            "source": "web", "submitted_at": "2026-01-01T00:00:00Z", "answers": '{"q": 1}', "revision": 1})
    db.close()
    store = Store(tmp_path / "old.db")
    assert store.get_response("r1")["answers"] == {"q": 1}
    assert store.issue_serials("f", "1", 2, "ABC") == ["ABC-000001", "ABC-000002"]
