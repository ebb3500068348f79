"""Paper forms: what is printed, at what size, on which page, and whether the QR codes scan.

Every PDF is read back (pypdf for the text in drawing order, pdfplumber for
character sizes and boxes), so these tests check the printout people get, not
the code's idea of it.
"""

import io
import re
import shutil
import subprocess
import sys
import textwrap
from functools import lru_cache
from pathlib import Path

import pdfplumber
import pytest
from pypdf import PdfReader

import forms
from printouts import PrintoutError, render_paper_form, skip_instructions
from printouts.routing import printed_questions

EXAMPLES = Path(__file__).resolve().parent.parent / "forms" / "examples"
MM = 72 / 25.4
EXAMPLE_NAMES = ["community_centre", "equality_monitoring", "event_feedback", "parks"]

# One question of every type, with a note, a print: false question and skip logic
# that no single answer decides.
EVERY_TYPE = textwrap.dedent("""\
    id: every_type
    version: 3
    title: Every kind of question
    privacy: We keep your answers for a year.
    sections:
      - id: first
        title: First things
        questions:
          - id: note_1
            type: note
            label: Before you start
            hint: This page has one question of every type.
          - id: pets
            type: choices
            label: Which pets do you have?
            choices: [cat, dog, fish]
            other: true
          - id: pet_count
            type: number
            label: How many pets do you have?
            min: 0
            max: 250
            decimals: 1
          - id: vet
            type: text
            label: Which vet do you use?
            show_if: "'cat' in pets and pet_count >= 2"
          - id: born
            type: date
            label: When were you born?
          - id: staff_only
            type: text
            label: Staff only, do not print this
            print: false
          - id: phone
            type: phone
            label: Your phone number
          - id: postcode
            type: postcode
            label: Your postcode
          - id: story
            type: textarea
            label: Tell us about your pets
            max_length: 300
          - id: rank_pets
            type: ranking
            label: Rank the pets
            choices: [cat, dog, fish]
          - id: grid_yes
            type: grid
            label: Which of these do you do?
            statements:
              - {id: walk, label: Walk a dog}
              - {id: feed, label: Feed a cat}
            choices: [often, sometimes, never]
          - id: ok
            type: consent
            label: I agree to be contacted.
      - id: later
        title: Later
        show_if: "answered(phone) or pet_count > 3"
        questions:
          - id: rating
            type: scale
            label: How happy are your pets?
            min: 1
            max: 5
            labels: {1: Not happy, 5: Very happy}
    """)


def example(name):
    return forms.load_form(EXAMPLES / f"{name}.yaml")


def every_type():
    return forms.load_form_text(EVERY_TYPE)


class Printout:
    """A rendered PDF read back: text per page, and characters, words and boxes per page."""

    def __init__(self, pdf):
        self.pdf = pdf
        self.texts = [_flat(page.extract_text()) for page in PdfReader(io.BytesIO(pdf)).pages]
        self.pages = []
        with pdfplumber.open(io.BytesIO(pdf)) as doc:
            for page in doc.pages:
                self.pages.append({
                    "size": (page.width, page.height),
                    "chars": [(c["text"], c["size"], c["fontname"]) for c in page.chars],
                    "words": page.extract_words(extra_attrs=["fontname", "size"]),
                    "boxes": [r for r in page.rects if r["stroke"] and not r["fill"]],
                    "filled": [r for r in page.rects if r["fill"]],
                })

    @property
    def text(self):
        return " ".join(self.texts)

    @property
    def content(self):
        """The text without page footers, so a paragraph running on to the next page reads whole."""
        footer = re.compile(r" ?(Page \d+ of \d+|Continued on the next page|Form \S+, version \S+) ?")
        return " ".join(footer.sub(" ", text).strip() for text in self.texts)

    def numbers(self, page):
        """The question numbers on a page, with their tops: bold digits at the left margin."""
        words = self.pages[page]["words"]
        left = min(w["x0"] for w in words)
        return [
            (int(w["text"]), w["top"]) for w in words
            if w["text"].isdigit() and w["x0"] < left + 1 and "Bold" in w["fontname"]
        ]


@lru_cache(maxsize=None)
def printed(name, **options):
    form = every_type() if name == "every_type" else example(name)
    return Printout(render_paper_form(form, **options))


def _flat(text):
    return " ".join(text.split())


def _labels(form, lang):
    """Every question label and choice label that should be on paper, in lang."""
    found = []
    for q in printed_questions(form):
        found.append(q.label.pick(lang))
        found.extend(c.label.pick(lang) for c in q.choices)
        found.extend(s.label.pick(lang) for s in q.statements)
    return found


# -- content ---------------------------------------------------------------------


@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_every_label_choice_and_skip_instruction_of_an_example_is_printed(name):
    form = example(name)
    text = printed(name).text
    lang = form.languages[0]
    for label in _labels(form, lang):
        assert _flat(label) in text
    for items in skip_instructions(form, lang).values():
        for _, instruction in items:
            assert instruction in text


@pytest.mark.parametrize("options", [{"lang": "cy"}, {"bilingual": True}, {"bilingual": True, "large_print": True}])
def test_welsh_and_bilingual_printouts_carry_every_text_in_each_language(options):
    form = example("community_centre")
    text = printed("community_centre", **options).text
    langs = ["cy", "en"] if options.get("bilingual") else ["cy"]
    for lang in langs:
        for label in _labels(form, lang):
            assert _flat(label) in text
        for items in skip_instructions(form, lang).values():
            for _, instruction in items:
                assert instruction in text
        assert _flat(form.privacy.pick(lang).split("\n\n")[0]) in text


def test_welsh_printout_uses_welsh_for_its_own_words():
    text = printed("community_centre", lang="cy").text
    for words in ("Tudalen 1 o", "Ticiwch un blwch.", "Ie", "Na", "Arall (nodwch)", "Diwedd y ffurflen"):
        assert words in text
    assert "Tick one box" not in text and "Page 1 of" not in text


def test_welsh_letters_with_circumflexes_survive_in_the_pdf():
    form = forms.load_form_text(textwrap.dedent("""\
        id: dwr
        version: 1
        languages: [cy]
        title: Dŵr a thŷ
        sections:
          - id: s
            title: Adran
            questions:
              - {id: q, type: yes_no, label: "Oes gennych chi ddŵr yn eich tŷ?"}
        """))
    text = Printout(render_paper_form(form)).text
    assert "Oes gennych chi ddŵr yn eich tŷ?" in text


def test_print_false_questions_are_left_off_and_the_rest_are_numbered_in_order():
    form = example("parks")
    out = printed("parks")
    assert "Staff use" not in out.text
    numbers = [n for page in range(len(out.pages)) for n, _ in out.numbers(page)]
    assert numbers == list(range(1, len(printed_questions(form)) + 1))
    assert len(numbers) == sum(1 for q in form.questions if q.answerable) - 1


def test_notes_are_printed_without_a_number_and_hints_under_their_question():
    out = printed("every_type")
    assert "Before you start This page has one question of every type." in out.text
    assert "1 Which pets do you have? Tick all that apply." in out.text
    assert "Staff only" not in out.text


def test_title_description_intro_privacy_and_return_sentence_are_printed():
    form = example("parks")
    text = printed("parks").content
    assert form.title.pick("en") in text
    for part in (form.description, form.intro, form.privacy):
        for paragraph in part.pick("en").split("\n\n"):
            assert _flat(paragraph) in text
    assert "Please hand this form to a member of staff, or return it to the place where you got it." in text


def test_choice_questions_say_how_many_boxes_to_tick():
    text = printed("every_type").text
    assert "Tick all that apply." in text
    assert "Tick the box if you agree." in text
    assert "Tick one box in each row." in text
    assert "Other (please specify)" in text
    parks = printed("parks").text
    assert "Tick one box." in parks and "Tick up to three." in parks and "Tick up to 3." not in parks


# -- routing in words --------------------------------------------------------------


def test_answers_that_skip_questions_say_where_to_go():
    parks = skip_instructions(example("parks"), "en")
    assert parks["visited"] == [("no", "Go to question 5")]
    assert parks["visit_reasons"] == [(None, "Now go to question 7.")]
    assert (7, "If you ticked 7, 8, 9 or 10, go to question 13.") in parks["recommend"]
    assert parks["may_contact"] == [("no", "Go to the end of the form")]
    centre = skip_instructions(example("community_centre"), "cy")
    assert centre["how_often"] == [("never", "Ewch i gwestiwn 4")]


def test_questions_left_behind_by_a_skip_send_people_on():
    centre = skip_instructions(example("community_centre"), "en")
    assert centre["satisfaction"] == [(None, (
        "If you answered \u2018At least once a week\u2019 or \u2018At least once a month\u2019 "
        "to question 1, go to question 5."
    ))]
    # Questions that follow a skipped one are skipped too.
    equality = skip_instructions(example("equality_monitoring"), "en")
    assert equality["sex"] == [(None, "If you answered \u2018Under 16\u2019 to question 1, go to question 5.")]


def test_conditions_no_single_answer_decides_are_printed_in_words_before_the_question():
    form = every_type()
    found = skip_instructions(form, "en")
    assert found["vet"] == [(None, (
        "Answer this question only if you ticked \u2018cat\u2019 at question 1 "
        "and your answer to question 2 is 2 or more."
    ))]
    assert found["rating"] == [(None, (
        "Answer question 11 only if you answered question 5 or your answer to question 2 is more than 3."
    ))]
    text = printed("every_type").text
    assert found["vet"][0][1] in text and found["rating"][0][1] in text


def test_welsh_conditions_are_in_welsh():
    found = skip_instructions(every_type(), "cy")
    assert found["vet"] == [(None, (
        "Atebwch y cwestiwn hwn dim ond os gwnaethoch dicio \u2018cat\u2019 yng nghwestiwn 1 "
        "ac os yw eich ateb i gwestiwn 2 yn 2 neu fwy."
    ))]


def test_a_form_without_conditions_has_no_skip_instructions():
    assert skip_instructions(example("event_feedback"), "en") == {}


# -- sizes ---------------------------------------------------------------------------


@pytest.mark.parametrize("name,options", [
    ("parks", {}), ("community_centre", {"bilingual": True}), ("every_type", {"serials": ("A1",)}),
])
def test_large_print_has_no_character_under_16_pt(name, options):
    out = printed(name, large_print=True, **options)
    sizes = [size for page in out.pages for _, size, _ in page["chars"]]
    assert sizes and min(sizes) >= 16 - 0.01


@pytest.mark.parametrize("name", ["parks", "every_type", "community_centre"])
def test_standard_print_has_no_character_under_12_pt(name):
    sizes = [size for page in printed(name).pages for _, size, _ in page["chars"]]
    assert min(sizes) >= 12 - 0.01


def test_text_is_set_in_a_sans_serif_without_italics():
    fonts = {font for page in printed("community_centre", bilingual=True).pages for _, _, font in page["chars"]}
    expected = "DejaVuSans" if Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf").exists() else "Helvetica"
    assert all(expected in font for font in fonts)
    assert not any(word in font for font in fonts for word in ("Oblique", "Italic", "Serif"))


@pytest.mark.parametrize("large_print", [False, True])
def test_every_box_is_at_least_5_mm(large_print):
    for name in ("parks", "every_type"):
        boxes = [b for page in printed(name, large_print=large_print).pages for b in page["boxes"]]
        assert boxes
        assert min(min(b["width"], b["height"]) for b in boxes) >= 5 * MM - 0.01


def test_tick_boxes_are_square():
    out = printed("parks")
    squares = [b for page in out.pages for b in page["boxes"] if abs(b["width"] - b["height"]) < 0.1]
    # visited (2) + parks visited (6) + frequency (4) + reasons (9), and more after
    assert len(squares) > 21
    assert all(b["width"] >= 6 * MM - 0.01 for b in squares)


def test_write_in_boxes_fit_the_answer_expected():
    out = printed("every_type")
    boxes = [b for page in out.pages for b in page["boxes"]]
    digit = [b for b in boxes if abs(b["width"] - 7 * MM) < 0.1 and abs(b["height"] - 9 * MM) < 0.1]
    # number 0 to 250 with one decimal: 3 + 1 boxes; date: 2 + 2 + 4 boxes
    assert len(digit) == 4 + 8
    assert "DD / MM / YYYY" in out.text
    heights = sorted(round(b["height"] / MM) for b in boxes if b["width"] > 30 * MM)
    assert 10 in heights and max(heights) >= 30  # one-line boxes, and a textarea of several lines


def test_grid_is_a_table_of_boxes_one_row_per_statement():
    out = printed("parks")
    page = next(i for i, t in enumerate(out.texts) if "It is clean and free of litter." in t)
    boxes = out.pages[page]["boxes"]
    rows = {}
    for b in boxes:
        rows.setdefault(round(b["top"]), []).append(b)
    five_across = [r for r in rows.values() if len(r) == 5]
    assert len(five_across) >= 6


# -- pages -------------------------------------------------------------------------


@pytest.mark.parametrize("name,options", [
    ("parks", {}), ("parks", {"large_print": True}), ("equality_monitoring", {"large_print": True}),
    ("community_centre", {"bilingual": True}), ("every_type", {"paper": "letter"}),
])
def test_no_question_is_split_across_two_pages(name, options):
    out = printed(name, **options)
    seen = []
    for page in range(len(out.pages)):
        numbers = sorted(out.numbers(page), key=lambda n: n[1])
        boxes = out.pages[page]["boxes"]
        first = numbers[0][1] if numbers else float("inf")
        assert all(b["top"] >= first - 2 for b in boxes), f"page {page + 1} starts with part of a question"
        for k, (n, top) in enumerate(numbers):
            below = numbers[k + 1][1] if k + 1 < len(numbers) else float("inf")
            assert any(top - 2 <= b["top"] < below for b in boxes), f"question {n} has no boxes on its page"
            seen.append(n)
    assert seen == list(range(1, len(seen) + 1))
    assert "continued" not in out.text


def test_a_question_taller_than_a_page_says_so_on_the_page_it_runs_on_to():
    # In large print with Welsh and English, the nine services of question 2 take more than a page.
    out = printed("community_centre", bilingual=True, large_print=True)
    runs_on = [k for k, text in enumerate(out.texts) if "Cwestiwn 2 (parhad) Question 2 continued" in text]
    assert len(runs_on) == 1
    page = runs_on[0]
    assert "Which services and activities at the centre do you use?" in out.texts[page - 1]
    first = min((top for _, top in out.numbers(page)), default=float("inf"))
    assert any(b["top"] < first for b in out.pages[page]["boxes"])


@pytest.mark.parametrize("name,options", [("parks", {}), ("community_centre", {"bilingual": True})])
def test_every_page_says_page_n_of_m_and_the_form_id_and_version(name, options):
    form = example(name)
    out = printed(name, **options)
    total = len(out.texts)
    assert total > 1
    for n, text in enumerate(out.texts, 1):
        assert f"Page {n} of {total}" in text
        assert form.id in text and f"version {form.version}" in text


def test_letter_paper_is_letter_sized():
    sizes = {page["size"] for page in printed("every_type", paper="letter").pages}
    assert sizes == {(612, 792)}
    assert {page["size"] for page in printed("every_type").pages} == {(595.2756, 841.8898)}


def test_a_question_taller_than_a_page_runs_on_rather_than_failing():
    statements = "\n".join(f"                  - {{id: s{i}, label: Statement number {i}}}" for i in range(60))
    form = forms.load_form_text(textwrap.dedent("""\
        id: long
        version: 1
        title: A long grid
        sections:
          - id: s
            title: All of it
            questions:
              - id: g
                type: grid
                label: Rate each of these
                scale: {min: 1, max: 3}
                statements:
        """) + statements + "\n")
    out = Printout(render_paper_form(form))
    assert len(out.pages) >= 3
    assert "Statement number 59" in out.text


# -- copies, serials and QR codes ---------------------------------------------------


def test_each_copy_carries_its_own_serial_on_every_page():
    out = printed("event_feedback", serials=("EF-0001", "EF-0002", "EF-0003"))
    per_copy = len(printed("event_feedback").texts)
    assert len(out.texts) == 3 * per_copy
    for k, text in enumerate(out.texts):
        serial = f"EF-000{k // per_copy + 1}"
        assert f"Serial {serial}" in text
        assert [s for s in ("EF-0001", "EF-0002", "EF-0003") if s in text] == [serial]
        assert f"Page {k % per_copy + 1} of {per_copy}" in text


@pytest.mark.skipif(not shutil.which("pdftoppm"), reason="pdftoppm (poppler-utils) is needed to rasterise pages")
def test_qr_codes_scan_back_to_their_serials(tmp_path):
    import zxingcpp
    from PIL import Image

    out = printed("event_feedback", serials=("EF-0001", "EF-0002", "EF-0003"))
    path = tmp_path / "copies.pdf"
    path.write_bytes(out.pdf)
    per_copy = len(out.texts) // 3
    for page, serial in ((1, "EF-0001"), (2 * per_copy + 1, "EF-0003")):
        subprocess.run(
            ["pdftoppm", "-r", "150", "-png", "-f", str(page), "-l", str(page), path, tmp_path / f"p{page}"],
            check=True,
        )
        (image,) = tmp_path.glob(f"p{page}*.png")
        found = [r.text for r in zxingcpp.read_barcodes(Image.open(image))]
        assert found == [serial]


def test_without_serials_there_is_one_copy_with_no_serial_or_qr_but_with_registration_marks():
    out = printed("event_feedback")
    assert "Serial" not in out.text
    for page in out.pages:
        # four corner marks and nothing else filled: no QR code modules
        assert len(page["filled"]) == 4
        corners = {(r["x0"] < 100, r["top"] < 100) for r in page["filled"]}
        assert corners == {(True, True), (True, False), (False, True), (False, False)}


def test_repeated_or_empty_serials_are_refused():
    with pytest.raises(PrintoutError, match="given twice"):
        render_paper_form(example("event_feedback"), serials=["A", "B", "A"])
    with pytest.raises(PrintoutError, match="empty"):
        render_paper_form(example("event_feedback"), serials=["A", " "])
    with pytest.raises(PrintoutError, match="list"):
        render_paper_form(example("event_feedback"), serials="A1")


# -- languages and options -----------------------------------------------------------


def test_bilingual_is_refused_for_an_english_only_form():
    with pytest.raises(ValueError, match="Welsh \\(cy\\) and English \\(en\\)"):
        render_paper_form(example("parks"), bilingual=True)


def test_a_language_the_form_lacks_is_refused():
    with pytest.raises(PrintoutError, match="no 'cy' text"):
        render_paper_form(example("parks"), lang="cy")


def test_unknown_paper_is_refused():
    with pytest.raises(PrintoutError, match="'a4' or 'letter'"):
        render_paper_form(example("parks"), paper="a5")


def test_bilingual_puts_welsh_before_english():
    out = printed("community_centre", bilingual=True)
    text = out.text
    assert text.index("Canolfan Gymunedol Maes-y-Dref: dweud eich dweud") < text.index("Maes-y-Dref Community Centre: have your say")
    welsh = text.index("Pa mor aml ydych chi'n defnyddio")
    assert welsh < text.index("How often do you use Maes-y-Dref")
    assert re.search(r"Tudalen 1 o \d+ / Page 1 of \d+", text)


def test_printouts_need_only_forms_and_reportlab():
    code = (
        "import sys, printouts; "
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'flask', 'sqlite3', 'collector', 'sqlite_utils', 'sync'}))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                            cwd=Path(__file__).resolve().parent.parent)
    assert result.stdout.strip() == "[]"
