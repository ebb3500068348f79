"""The office summary report: totals, charts, what is never printed, and how the pages break.

Every report is read back with pdfplumber, so these tests check the PDF an
officer files, not the code's idea of it.
"""

import io
import re
import textwrap
import uuid
from pathlib import Path

import pdfplumber
import pytest
from click.testing import CliRunner

import forms
from printouts import PrintoutError
from printouts.report import render_report

EXAMPLES = Path(__file__).resolve().parent.parent / "forms" / "examples"

SURVEY = textwrap.dedent("""\
    id: library
    version: 2
    title: Library opening hours
    privacy: We keep your name for six months.
    sections:
      - id: main
        title: Your library
        questions:
          - id: intro
            type: note
            label: A note that has no answers
          - id: branch
            type: choice
            label: Which library do you use?
            choices:
              - {value: central, label: Central Library}
              - {value: north, label: North Branch}
              - {value: mobile, label: Mobile library}
          - id: uses
            type: choices
            label: What do you use the library for?
            choices:
              - {value: books, label: Borrowing books}
              - {value: computers, label: Public computers}
              - {value: events, label: Children's events}
            other: true
          - id: rooms
            type: grid
            label: How do you rate the rooms?
            statements:
              - {id: reading, label: The reading room}
              - {id: study, label: The study room}
            scale: {min: 1, max: 3, labels: {1: Poor, 2: Fair, 3: Good}}
          - id: minutes
            type: number
            label: How many minutes do you travel?
            decimals: 1
          - id: ideas
            type: textarea
            label: Any ideas for us?
          - id: name
            type: text
            label: Your name
            personal: true
""")

EQUALITY = textwrap.dedent("""\
    id: equality
    version: 1
    title: About you
    sections:
      - id: you
        title: About you
        questions:
          - id: ethnic_group
            type: choice
            sensitive: true
            label: What is your ethnic group?
            choices:
              - {value: asian, label: Asian}
              - {value: black, label: Black}
              - {value: white, label: White}
              - {value: other_group, label: Another group}
            other: true
          - id: gender_identity
            type: text
            sensitive: true
            label: Describe your gender identity
""")


def survey():
    return forms.load_form_text(SURVEY, "library.yaml")


def response(answers, source="web", event_id=None, day="2025-05-01", version="2"):
    return {"answers": answers, "source": source, "event_id": event_id,
            "submitted_at": f"{day}T12:00:00Z", "form_version": version}


def pages_of(pdf):
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        return [page.extract_text() for page in doc.pages]


def text_of(pdf):
    return "\n".join(pages_of(pdf))


def test_the_cover_totals_responses_by_source_event_and_day():
    sources = ["web"] * 20 + ["kiosk"] * 10 + ["paper"] * 7
    events = ["fete"] * 15 + ["library"] * 12 + [None] * 10
    days = ["2025-05-01"] * 30 + ["2025-05-02"] * 7
    responses = [response({}, source=s, event_id=e, day=d) for s, e, d in zip(sources, events, days)]
    pdf = render_report(survey(), responses, events={"fete": "Riverside fete", "library": "Library drop-in"},
                        title_date="2025-06-30")
    cover = pages_of(pdf)[0]
    assert "Library opening hours" in cover and "Made on 30 June 2025" in cover
    assert "Total responses: 37" in cover
    for line in ("Online 20 54%", "Kiosk tablet 10 27%", "Paper form 7 19%",
                 "Riverside fete 15 41%", "Library drop-in 12 32%", "Not at an event 10 27%",
                 "1 May 2025 30 81%", "2 May 2025 7 19%"):
        assert line in cover, line
    assert "left out" not in cover


def test_a_choice_question_shows_each_count_and_its_percentage_of_those_who_answered():
    picks = ["central"] * 6 + ["north"] * 3 + ["mobile"] * 1
    responses = [response({"branch": p}) for p in picks] + [response({})] * 2
    text = text_of(render_report(survey(), responses))
    assert "Answered by 10 of 12" in text
    assert "Central Library 6 (60%)" in text
    assert "North Branch 3 (30%)" in text
    assert "Mobile library 1 (10%)" in text


def test_choices_percentages_are_of_respondents_and_may_add_up_to_more_than_100():
    responses = [
        response({"uses": ["books", "computers"]}),
        response({"uses": ["books", "events"]}),
        response({"uses": ["books"]}),
        response({"uses": ["computers", "other"], "uses.other": "Photocopying"}),
        response({}),
    ]
    text = text_of(render_report(survey(), responses))
    assert "Answered by 4 of 5" in text
    assert "Borrowing books 3 (75%)" in text
    assert "Public computers 2 (50%)" in text
    assert "Children's events 1 (25%)" in text
    assert "more than 100%" in text
    assert "Photocopying" in text  # what was written for Other, on a question that is not sensitive


def test_a_grid_gives_the_counts_for_each_statement():
    responses = [response({"rooms": {"reading": 3, "study": 1}})] * 4 + [response({"rooms": {"reading": 2}})]
    text = text_of(render_report(survey(), responses))
    assert "1 Poor" in text and "3 Good" in text  # the legend
    assert "The reading room 0 1 4 5" in text
    assert "The study room 4 0 0 4" in text


def test_a_number_question_is_summarised_rounded_to_its_decimals():
    responses = [response({"minutes": m}) for m in (5, 12.25, 7.5, 30)]
    text = text_of(render_report(survey(), responses))
    for line in ("Answers 4", "Lowest 5.0", "Median 9.9", "Mean 13.7", "Highest 30.0"):
        assert line in text, line


def test_written_answers_are_listed_but_personal_answers_never_are():
    marker = f"PERSONAL-{uuid.uuid4().hex[:8]}"
    responses = [
        response({"ideas": "Open on Sundays", "name": marker}),
        response({"ideas": "open on  sundays"}),
        response({"ideas": "More study desks"}),
    ]
    text = text_of(render_report(survey(), responses))
    assert "Open on Sundays (2 times)" in text
    assert "More study desks" in text
    assert marker not in text
    assert re.search(r"Your name\s+Answered by 1 of 3\s+Answers to this question can identify people", text)


def ethnic(group, n, **extra):
    return [response({"ethnic_group": group, **extra}, version="1") for _ in range(n)]


def test_small_counts_of_a_sensitive_question_show_as_fewer_than_the_threshold():
    secret = f"SECRET-{uuid.uuid4().hex[:8]}"
    responses = (ethnic("white", 30) + ethnic("asian", 4) + ethnic("black", 3) + ethnic("other_group", 12)
                 + ethnic("other", 1, **{"ethnic_group.other": secret, "gender_identity": secret}))
    form = forms.load_form_text(EQUALITY, "equality.yaml")
    text = text_of(render_report(form, responses))
    assert "White 30 (60%)" in text
    assert "Another group 12 (24%)" in text
    for label in ("Asian", "Black", "Other"):
        assert re.search(rf"^{label} fewer than 10$", text, re.M), label
    assert not re.search(r"^(Asian|Black|Other) \d", text, re.M)
    assert "(8%)" not in text and "(6%)" not in text and "(2%)" not in text  # their percentages are hidden too
    assert secret not in text  # neither the Other text nor the written answer of a sensitive question
    assert "Answered by fewer than 10 of 50" in text
    assert "a count from 1 to 9 is shown as" in text  # the rule, at the foot of the page


def test_a_single_small_count_hides_the_next_smallest_too():
    responses = ethnic("white", 25) + ethnic("black", 12) + ethnic("asian", 3)
    form = forms.load_form_text(EQUALITY, "equality.yaml")
    text = text_of(render_report(form, responses, threshold=10))
    assert "White 25 (63%)" in text
    assert re.search(r"^Asian fewer than 10$", text, re.M)
    assert re.search(r"^Black hidden$", text, re.M)
    assert "12" not in text.split("What is your ethnic group?")[1].split("Describe your")[0]


def test_the_threshold_can_be_raised():
    responses = ethnic("white", 25) + ethnic("black", 12) + ethnic("asian", 13)
    form = forms.load_form_text(EQUALITY, "equality.yaml")
    text = text_of(render_report(form, responses, threshold=13))
    assert re.search(r"^Black fewer than 13$", text, re.M)
    assert re.search(r"^Asian hidden$", text, re.M)


def test_responses_to_other_versions_are_left_out_and_said_so_on_the_cover():
    responses = [response({"branch": "central"})] * 5 + [response({"branch": "north"}, version="1")] * 3
    pages = pages_of(render_report(survey(), responses))
    assert "Total responses: 5" in pages[0]
    assert "3 responses to other versions of the form were left out." in pages[0]
    text = "\n".join(pages)
    assert "Central Library 5 (100%)" in text and "North Branch 0 (0%)" in text


def test_a_welsh_report_of_the_bilingual_example_is_in_welsh():
    form = forms.load_form(EXAMPLES / "community_centre.yaml")
    responses = [response({"hours_suit": "yes"}, version=form.version)] * 3
    pages = pages_of(render_report(form, responses, lang="cy", title_date="2025-05-04"))
    assert "Crynodeb o'r ymatebion" in pages[0] and "Lluniwyd ar 4 Mai 2025" in pages[0]
    assert form.title["cy"].split(":")[0] in pages[0]
    assert "Cyfanswm yr ymatebion: 3" in pages[0]
    text = "\n".join(pages)
    assert "Atebwyd gan 3 o 3" in text and "Ie 3 (100%)" in text
    assert f"Tudalen 1 o {len(pages)}" in text
    assert "Answered by" not in text and "Page 1" not in text


def test_a_welsh_report_of_an_english_only_form_is_refused():
    with pytest.raises(PrintoutError, match="has no 'cy' text"):
        render_report(survey(), [], lang="cy")


def test_a_question_and_its_chart_are_never_split_across_pages():
    questions = "".join(
        f"""
          - id: q{n}
            type: choice
            label: Question number {n} heading
            choices: [{", ".join(f"q{n} option {k}" for k in range(1, 8))}]
        """ for n in range(1, 13)
    )
    form = forms.load_form_text("id: long\nversion: 1\ntitle: Long\nsections:\n  - id: s\n    title: S\n    questions:"
                                + textwrap.indent(textwrap.dedent(questions), "    "), "long.yaml")
    responses = [response({f"q{n}": f"q{n} option {1 + (n + i) % 7}" for n in range(1, 13)}, version="1") for i in range(30)]
    pages = pages_of(render_report(form, responses))
    assert len(pages) >= 4
    for n in range(1, 13):
        heading = [i for i, p in enumerate(pages) if f"Question number {n} heading" in p]
        last_bar = [i for i, p in enumerate(pages) if f"q{n} option 7 " in p]
        assert len(heading) == 1 and heading == last_bar, (n, heading, last_bar)


def test_every_page_says_its_number_and_the_form_version():
    pages = pages_of(render_report(survey(), [response({"ideas": f"Idea {i}"}) for i in range(80)]))
    assert len(pages) > 2
    for n, page in enumerate(pages, 1):
        assert f"Page {n} of {len(pages)}" in page
        assert "Form library, version 2" in page


@pytest.mark.parametrize("name", ["community_centre", "equality_monitoring", "event_feedback", "parks"])
def test_every_example_form_makes_a_report_with_and_without_responses(name):
    form = forms.load_form(EXAMPLES / f"{name}.yaml")
    assert "There are no responses" in text_of(render_report(form, []))
    first = form.questions[0]
    answer = first.choice_values()[0] if first.choice_values() else "x"
    text = text_of(render_report(form, [response({first.id: answer}, version=form.version)]))
    assert "Total responses: 1" in text


def test_the_report_command_writes_a_pdf_of_the_stored_responses(tmp_path):
    from collector.cli import main
    from collector.workspace import Workspace

    runner = CliRunner()
    assert runner.invoke(main, ["init", str(tmp_path / "ws"), "--demo"]).exit_code == 0
    ws = Workspace(tmp_path / "ws")
    event = ws.store.set_event("Riverside fete")
    form_id, version = "parks_open_spaces", "2026-11"
    records = [
        {"id": str(uuid.uuid4()), "form_id": form_id, "form_version": version, "language": "en",
         "source": source, "device_id": ws.device_id, "event_id": event["id"] if i % 2 else None,
         "submitted_at": "2025-05-01T12:00:00Z", "answers": {"visited": "yes" if i < 7 else "no"}}
        for i, source in enumerate(["web"] * 6 + ["paper"] * 4)
    ]
    ws.store.import_responses(records)
    ws.close()

    out = tmp_path / "parks.pdf"
    result = runner.invoke(main, ["-w", str(tmp_path / "ws"), "report", form_id, "--out", str(out)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert f"Wrote {out}: 10 responses" in result.output
    with pdfplumber.open(out) as pdf:
        text = "\n".join(page.extract_text() for page in pdf.pages)
    assert "Total responses: 10" in text
    assert "Online 6 60%" in text and "Paper form 4 40%" in text
    assert "Riverside fete 5 50%" in text
    assert "Yes 7 (70%)" in text

    wrong = runner.invoke(main, ["-w", str(tmp_path / "ws"), "report", "parks_open_space"])
    assert wrong.exit_code == 1 and "Did you mean 'parks_open_spaces'?" in wrong.output
