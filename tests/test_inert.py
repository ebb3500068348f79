"""Script and HTML typed into answers stay words on every page, PDF and export that shows them."""

import csv

import openpyxl
import pdfplumber
import pytest
from click.testing import CliRunner

from collector.cli import main

NASTY = '<script>alert("x")</script><img src=x onerror=alert(1)>'


@pytest.fixture
def nasty_response(respondent, workspace):
    respondent.start("visit")
    respondent.send(visited="yes", how_often="weekly", rating="4")
    respondent.send("submit", comments=NASTY, email="a@example.com")
    return respondent.response_id


def assert_inert(html):
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html or "&lt;script&gt;alert(&quot;x&quot;)" in html


def test_typed_html_is_shown_as_text_on_the_coordinator_pages(nasty_response, coordinator, client):
    coordinator.sign_in()
    for path in (f"/coordinator/responses/{nasty_response}", "/coordinator/forms/visit/summary",
                 f"/coordinator/people/{nasty_response}"):
        page = client.get(path)
        assert page.status_code == 200, path
        assert_inert(page.text)


def test_typed_html_is_shown_as_text_when_the_person_goes_back(respondent):
    respondent.start("visit")
    respondent.send(visited="yes", how_often="weekly", rating="4")
    page = respondent.send("back", comments=NASTY)
    page = respondent.send("next", visited="yes", how_often="weekly", rating="4")
    assert_inert(page.text)


def test_typed_html_is_printed_as_written_in_the_report(nasty_response, workspace, tmp_path):
    out = tmp_path / "report.pdf"
    result = CliRunner().invoke(main, ["-w", str(workspace.path), "report", "visit", "--out", str(out)])
    assert result.exit_code == 0, result.output
    with pdfplumber.open(out) as pdf:
        text = "\n".join(page.extract_text() or "" for page in pdf.pages)
    assert '<script>alert("x")</script>' in text.replace("\n", "")


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_typed_html_is_exported_as_written(nasty_response, workspace, tmp_path, fmt):
    out = tmp_path / f"visit.{fmt}"
    result = CliRunner().invoke(main, ["-w", str(workspace.path), "export", "visit", "--format", fmt, "--out", str(out)])
    assert result.exit_code == 0, result.output
    if fmt == "csv":
        rows = list(csv.DictReader(out.open(encoding="utf-8")))
        values = [r["comments"] for r in rows]
    else:
        sheet = openpyxl.load_workbook(out).worksheets[0]
        header = [c.value for c in next(sheet.iter_rows(max_row=1))]
        values = [row[header.index("comments")] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert NASTY in values
