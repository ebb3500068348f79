"""The collector's own words exist in Welsh as well as English."""

import textwrap
from pathlib import Path

from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
WELSH = ROOT / "collector" / "translations" / "cy" / "LC_MESSAGES" / "messages.po"


def test_every_message_in_the_code_has_a_welsh_translation(tmp_path, monkeypatch):
    pot = tmp_path / "messages.pot"
    monkeypatch.chdir(ROOT)
    CommandLineInterface().run(
        ["pybabel", "-q", "extract", "-F", "babel.cfg", "-k", "_l", "-k", "N_", "-o", str(pot), "--no-location", "--omit-header", "."]
    )
    with open(pot, "rb") as f:
        wanted = {m.id for m in read_po(f) if m.id}
    with open(WELSH, "rb") as f:
        welsh = {m.id: m.string for m in read_po(f) if m.id}
    missing = sorted(m for m in wanted if not welsh.get(m))
    assert not missing, "no Welsh for: " + "; ".join(missing[:10]) + " (see README: pybabel extract/update)"


BILINGUAL = textwrap.dedent("""\
    id: bilingual
    version: 1
    title: {en: Library, cy: Llyfrgell}
    languages: [en, cy]
    sections:
      - id: one
        title: {en: Visits, cy: Ymweliadau}
        questions:
          - id: rating
            type: scale
            label: {en: How good, cy: Pa mor dda}
            min: 1
            max: 5
""")


def test_validation_messages_are_shown_in_welsh(respondent, workspace, app):
    from collector.app import reload_forms

    (workspace.forms_dir / "bilingual.yaml").write_text(BILINGUAL, encoding="utf-8")
    reload_forms(app)
    respondent.start("bilingual", lang="cy")
    page = respondent.send("submit", rating="9")
    assert page.status_code == 400
    assert "Pick a point" not in page.text
    assert "Pa mor dda" in page.text and "Mae problem" in page.text
    with open(WELSH, "rb") as f:
        welsh = {m.id: m.string for m in read_po(f)}
    assert welsh["Pick a point from %(min)s to %(max)s."] % {"min": 1, "max": 5} in page.text


def test_stored_times_are_shown_in_uk_time_in_the_interfaces_language(app):
    from flask import session

    from collector.i18n import when

    with app.test_request_context("/"):
        assert when("2026-11-22T11:31:05Z") == "22 Nov 2026, 11:31"  # winter: UK time is UTC
        assert when("2026-07-04T10:00:00Z") == "4 Jul 2026, 11:00"  # British Summer Time
        assert when(None) == "" and when("") == ""
        assert when("soon") == "soon" and when("2026-07-04T10:00:00") == "2026-07-04T10:00:00"  # no zone: as it is
        assert when("0001-01-01T00:00:00Z") == "0001-01-01T00:00:00Z"  # before the calendar's start in UK time
    with app.test_request_context("/"):
        session["lang"] = "cy"
        assert when("2026-07-04T10:00:00Z") == "4 Gorff 2026, 11:00"
