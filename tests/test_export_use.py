"""Exports as people use them: `collector export`, the coordinator's download form, and the audit log."""

import csv
import io
import json
import sqlite3
import uuid

import openpyxl
import pytest
from click.testing import CliRunner

from collector.cli import main
from collector.store import StoreError
from conftest import csrf_of


def add_response(workspace, answers, **fields):
    record = {"id": str(uuid.uuid4()), "form_id": "visit", "form_version": "3", "language": "en", "source": "web",
              "device_id": workspace.device_id, "submitted_at": "2026-07-01T10:00:00Z", "answers": answers, **fields}
    workspace.store.bulk_insert_responses([record])
    return record["id"]


@pytest.fixture
def run(workspace):
    runner = CliRunner()

    def invoke(*args):
        result = runner.invoke(main, ["--workspace", str(workspace.path), *map(str, args)], catch_exceptions=False)
        workspace.close()  # the command used its own connection; see what it wrote
        return result

    return invoke


def csv_rows(text):
    rows = list(csv.reader(io.StringIO(text, newline="")))
    return rows[0], [dict(zip(rows[0], r)) for r in rows[2:]]


# -- the command ----------------------------------------------------------------------------------


def test_export_writes_a_csv_named_after_the_form_by_default(run, workspace, tmp_path, monkeypatch):
    add_response(workspace, {"visited": "yes", "how_often": "weekly", "rating": 4})
    monkeypatch.chdir(tmp_path)
    result = run("export", "visit")
    assert result.exit_code == 0, result.output
    assert "Wrote visit.csv: 1 responses" in result.output and "Personal answers left out: email" in result.output
    header, rows = csv_rows((tmp_path / "visit.csv").read_text("utf-8"))
    assert rows[0]["how_often"] == "weekly" and rows[0]["rating"] == "4" and "email" not in header


def test_every_format_can_be_written_from_the_command(run, workspace, tmp_path):
    add_response(workspace, {"visited": "no", "reasons": ["too far"]})
    for fmt, name in (("csv", "a.csv"), ("xlsx", "a.xlsx"), ("json", "a.jsonl"), ("sqlite", "a.sqlite")):
        result = run("export", "visit", "--format", fmt, "--out", tmp_path / name, "--labels")
        assert result.exit_code == 0, result.output
    assert openpyxl.load_workbook(tmp_path / "a.xlsx")["Responses"]["K2"].value == "No"
    assert json.loads((tmp_path / "a.jsonl").read_text("utf-8"))["answers"]["reasons"] == ["too far"]
    db = sqlite3.connect(tmp_path / "a.sqlite")
    assert db.execute('select visited, "reasons.too far" from visit').fetchone() == ("No", 1)


def test_json_lines_and_csv_can_go_to_standard_output(run, workspace):
    add_response(workspace, {"rating": 2})
    result = run("export", "visit", "--format", "json", "--out", "-")
    assert json.loads(result.stdout.splitlines()[0])["answers"] == {"rating": 2}
    result = run("export", "visit", "--out", "-", "--bom", "--no-question-text")
    assert result.stdout.startswith("\ufeffresponse_id,") and len(result.stdout.splitlines()) == 2


def test_personal_answers_need_include_personal_and_every_export_is_audited(run, workspace, tmp_path):
    add_response(workspace, {"visited": "yes", "email": "me@example.com"})
    run("export", "visit", "--out", tmp_path / "plain.csv", "--source", "web", "--since", "2026-06-01")
    run("export", "visit", "--out", tmp_path / "all.csv", "--include-personal", "--format", "csv")
    assert "me@example.com" not in (tmp_path / "plain.csv").read_text("utf-8")
    assert csv_rows((tmp_path / "all.csv").read_text("utf-8"))[1][0]["email"] == "me@example.com"
    first, second = workspace.store.audit_log("export")
    assert first["actor"] == "cli" and first["detail"]["include_personal"] is False
    # Midnight at the start of 1 June in the UK (British Summer Time), in UTC.
    assert first["detail"]["filters"] == {"since": "2026-05-31T23:00:00Z", "source": "web", "event": None}
    assert first["detail"]["form"] == "visit" and first["detail"]["format"] == "csv" and first["detail"]["responses"] == 1
    assert second["detail"]["include_personal"] is True and second["detail"]["out"] == str(tmp_path / "all.csv")


def test_filters_from_the_command_line(run, workspace, tmp_path):
    fete = workspace.store.set_event("Summer fete")
    add_response(workspace, {"comments": "web"})
    add_response(workspace, {"comments": "paper"}, source="paper", submitted_at="2026-07-05T10:00:00Z")
    add_response(workspace, {"comments": "fete"}, event_id=fete["id"], submitted_at="2026-07-06T10:00:00Z")

    def comments(*options):
        result = run("export", "visit", "--out", "-", *options)
        assert result.exit_code == 0, result.output
        return [r["comments"] for r in csv_rows(result.stdout)[1]]

    assert comments("--source", "paper") == ["paper"]
    assert comments("--since", "2026-07-05") == ["paper", "fete"]
    assert comments("--event", "Summer fete") == ["fete"]
    assert [r["event"] for r in csv_rows(run("export", "visit", "--out", "-").stdout)[1]] == ["", "", "Summer fete"]


@pytest.mark.parametrize("args, says", [
    (("export", "vist"), "there is no form 'vist'"),
    (("export", "visit", "--since", "31/02/2026"), "is not a date like 2026-07-04"),
    (("export", "visit", "--event", "Winter fete"), "there is no event called 'Winter fete'"),
    (("export", "visit", "--out", "/nonexistent/folder/x.csv"), "the folder /nonexistent/folder does not exist"),
    (("export", "visit", "--format", "xlsx", "--out", "-"), "give a file name"),
])
def test_bad_requests_get_a_one_line_error_not_a_traceback(run, args, says):
    result = run(*args)
    assert result.exit_code in (1, 2)
    assert says in result.output and "Traceback" not in result.output
    assert len([line for line in result.output.splitlines() if line.startswith("Error")]) == 1


def test_an_unwritable_file_gives_a_one_line_error(run):
    # /proc takes no new files, whoever asks (these tests may well run as root).
    result = run("export", "visit", "--out", "/proc/visit.csv")
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "Error: cannot write /proc/visit.csv: No such file or directory.\n" in result.output


# -- the audit log ------------------------------------------------------------------------------------


def test_audit_rows_cannot_be_changed_or_deleted_by_anyone(workspace):
    store = workspace.store
    first = store.record_audit("export", "cli", {"form": "visit", "include_personal": True})
    store.record_audit("export", "coordinator", {"form": "visit", "include_personal": False})
    db = sqlite3.connect(workspace.db_path)
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        db.execute("update audit set detail = '{}' where id = ?", [first])
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        db.execute("delete from audit")
    db.close()
    assert [(r["id"], r["actor"], r["detail"]["include_personal"]) for r in store.audit_log()] == [
        (first, "cli", True), (first + 1, "coordinator", False)]


def test_the_audit_log_knows_only_its_actors(workspace):
    with pytest.raises(StoreError, match="unknown audit actor"):
        workspace.store.record_audit("export", "someone", {})


# -- the coordinator's download form ------------------------------------------------------------------


def download(client, form_id="visit", **choices):
    page = client.get("/coordinator/forms/visit/responses")
    data = {"csrf_token": csrf_of(page.text), "format": "csv", "values": "codes", "source": "", "event": "", **choices}
    return client.post(f"/coordinator/forms/{form_id}/export", data=data)


def test_the_responses_page_offers_a_download_and_warns_about_personal_data(client, coordinator, workspace):
    coordinator.sign_in()
    page = client.get("/coordinator/forms/visit/responses")
    assert 'action="/coordinator/forms/visit/export"' in page.text
    assert "Include personal data" in page.text and "Your email" in page.text and "audit log" in page.text


def test_a_csv_download_streams_every_response(client, coordinator, workspace):
    for i in range(5):
        add_response(workspace, {"visited": "yes", "rating": i + 1, "email": f"p{i}@example.com"})
    coordinator.sign_in()
    response = download(client)
    assert response.status_code == 200 and response.is_streamed
    assert response.headers["Content-Disposition"] == 'attachment; filename="visit.csv"'
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    header, rows = csv_rows(response.get_data(as_text=True))
    assert [r["rating"] for r in rows] == ["1", "2", "3", "4", "5"] and "email" not in header
    (audit,) = workspace.store.audit_log("export")
    assert audit["actor"] == "coordinator" and audit["detail"]["include_personal"] is False


def test_a_download_with_personal_data_includes_it_and_says_so_in_the_audit_log(client, coordinator, workspace):
    add_response(workspace, {"visited": "yes", "email": "me@example.com"})
    coordinator.sign_in()
    response = download(client, format="json", include_personal="y", values="labels")
    assert response.is_streamed
    assert json.loads(response.get_data(as_text=True))["answers"] == {"visited": "Yes", "email": "me@example.com"}
    (audit,) = workspace.store.audit_log("export")
    assert audit["detail"]["include_personal"] is True and audit["detail"]["labels"] is True


def test_excel_and_sqlite_downloads_are_built_then_streamed(client, coordinator, workspace, tmp_path):
    add_response(workspace, {"visited": "no", "reasons": ["not safe"]}, source="paper")
    add_response(workspace, {"visited": "yes"})
    coordinator.sign_in()
    response = download(client, format="xlsx", source="paper")
    assert response.status_code == 200 and response.is_streamed
    assert response.headers["Content-Disposition"].endswith('filename=visit.xlsx')
    rows = list(openpyxl.load_workbook(io.BytesIO(response.get_data()))["Responses"].iter_rows(values_only=True))
    assert len(rows) == 2 and rows[1][rows[0].index("reasons.not safe")] == 1
    response = download(client, format="sqlite", since="2026-06-30")
    (tmp_path / "got.sqlite").write_bytes(response.get_data())
    db = sqlite3.connect(tmp_path / "got.sqlite")
    assert db.execute("select count(*) from visit").fetchone() == (2,)
    assert not list(workspace.path.glob(".export-*")), "the temporary file is gone"


def test_downloads_need_the_password_and_the_pages_token(client, coordinator, workspace):
    add_response(workspace, {"visited": "yes"})
    refused = client.post("/coordinator/forms/visit/export", data={"format": "csv"})
    assert refused.status_code in (302, 400)
    coordinator.sign_in()
    assert client.post("/coordinator/forms/visit/export", data={"format": "csv"}).status_code == 400
    assert download(client, form_id="nope").status_code == 404
    bad = download(client, since="not a date")
    assert bad.status_code == 302 and not workspace.store.audit_log("export")
