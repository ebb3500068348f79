"""Loading forms: a valid file becomes an immutable Form; a wrong one a FormError
naming every problem with its file, line and column, in plain English."""

import dataclasses
import subprocess
import sys
import textwrap
from decimal import Decimal

import pytest

from forms import FormError, Problem, load_form, load_form_text
from forms.spec import MAX_FILE_BYTES, MAX_TEXT_LENGTH, QUESTION_TYPES

# The top of a one-section form; the first question starts on line 8.
HEADER = """\
id: parks
version: 1
title: Parks survey
sections:
  - id: about
    title: About you
    questions:
"""


def with_questions(body):
    """A form whose only section holds the questions written in body."""
    return HEADER + textwrap.indent(textwrap.dedent(body), " " * 6)


def problems_of(text, name="parks.yaml"):
    """Every problem, as printed, of a form that must fail to load."""
    with pytest.raises(FormError) as caught:
        load_form_text(text, name)
    return [str(p) for p in caught.value.problems]


def only_problem(text, name="parks.yaml"):
    found = problems_of(text, name)
    assert len(found) == 1, found
    return found[0]


EVERY_TYPE = textwrap.dedent("""\
    id: parks_survey
    version: 2024-06
    title: Parks survey
    privacy: The council keeps your answers for one year.
    choice_lists:
      parks:
        - value: roath
          label: Roath Park
        - Bute Park
        - 5
    sections:
      - id: about
        title: About you
        questions:
          - id: visit
            type: yes_no
            label: Do you visit parks?
            required: true
          - id: park
            type: choice
            label: Which park?
            choices: parks
            other: true
            show_if: visit == 'yes'
          - id: age
            type: number
            label: Your age
            min: 0
            max: 120.5
            decimals: 1
          - id: uses
            type: choices
            label: What do you do there?
            choices: [walk, play, sport]
            min_selected: 1
            max_selected: 2
          - id: rating
            type: scale
            label: How good are they?
            min: 1
            max: 5
            labels: {1: Poor, 5: Excellent}
          - id: facilities
            type: grid
            label: Rate the facilities
            statements:
              - {id: toilets, label: Toilets}
              - {id: paths, label: Paths}
            scale: {min: 1, max: 3, labels: {1: Bad, 2: OK, 3: Good}}
          - id: feelings
            type: grid
            label: How do you feel in the park?
            statements:
              - {id: safe, label: Safe}
            choices: [day, night, never]
          - id: priorities
            type: ranking
            label: Put these in order
            choices: [bins, benches, lights]
          - id: last_visit
            type: date
            label: When did you last visit?
          - id: email
            type: email
            label: Your email
            personal: true
            max_length: 100
          - id: phone
            type: phone
            label: Your phone
            personal: true
          - id: postcode
            type: postcode
            label: Your postcode
          - id: agree
            type: consent
            label: I agree to the privacy notice
          - id: thanks
            type: note
            label: Thank you for your time.
            print: false
          - id: name
            type: text
            label: Your name
            hint: As you would like us to address you
            max_length: 50
            pattern: "[A-Za-z .'-]+"
            pattern_message: Use letters only.
          - id: comments
            type: textarea
            label: Anything else?
""")


# -- valid forms ------------------------------------------------------------


def test_a_form_using_every_question_type_loads():
    form = load_form_text(EVERY_TYPE, "parks.yaml")

    assert form.id == "parks_survey"
    assert form.version == "2024-06"  # a date-like version stays text
    assert form.title["en"] == "Parks survey"
    assert {q.type for q in form.questions} == set(QUESTION_TYPES)
    assert [s.id for s in form.sections] == ["about"]
    assert form.source == "parks.yaml"


def test_question_keys_are_read_into_the_model():
    form = load_form_text(EVERY_TYPE)
    age, uses, name = form.question("age"), form.question("uses"), form.question("name")

    assert (age.min, age.max, age.decimals) == (Decimal("0"), Decimal("120.5"), 1)
    assert (uses.min_selected, uses.max_selected) == (1, 2)
    assert name.max_length == 50 and name.pattern == "[A-Za-z .'-]+"
    assert name.pattern_message["en"] == "Use letters only."
    assert name.hint["en"] == "As you would like us to address you"
    assert form.question("visit").required is True
    assert form.question("email").personal is True
    assert form.question("thanks").print is False


def test_choices_named_from_choice_lists_and_bare_strings_are_value_and_label():
    form = load_form_text(EVERY_TYPE)
    park = form.question("park")

    assert [(c.value, c.label["en"]) for c in park.choices] == [
        ("roath", "Roath Park"), ("Bute Park", "Bute Park"), ("5", "5"),
    ]
    assert park.choices == form.choice_lists["parks"]
    assert park.choice_values() == ["roath", "Bute Park", "5", "other"]


def test_scale_and_grid_are_read_with_their_points_and_labels():
    form = load_form_text(EVERY_TYPE)
    rating, facilities, feelings = form.question("rating"), form.question("facilities"), form.question("feelings")

    assert rating.scale.points == (1, 2, 3, 4, 5)
    assert {p: t["en"] for p, t in rating.scale.labels.items()} == {1: "Poor", 5: "Excellent"}
    assert [s.id for s in facilities.statements] == ["toilets", "paths"]
    assert facilities.scale.points == (1, 2, 3)
    assert feelings.scale is None and [c.value for c in feelings.choices] == ["day", "night", "never"]


def test_consent_is_always_required_and_a_note_takes_no_answer():
    form = load_form_text(EVERY_TYPE)

    assert form.question("agree").required is True
    assert form.question("thanks").answerable is False
    assert form.question("comments").answerable is True


def test_show_if_is_parsed_into_a_condition_on_earlier_answers():
    park = load_form_text(EVERY_TYPE).question("park")

    assert park.show_if.source == "visit == 'yes'"
    assert park.show_if.references() == ["visit"]
    assert park.show_if.holds({"visit": "yes"}) is True
    assert park.show_if.holds({"visit": "no"}) is False


def test_yaml_words_like_no_and_on_and_dates_stay_text():
    form = load_form_text(with_questions("""\
        - id: answer
          type: choice
          label: Pick
          choices: [no, on, off, 2024-06-01]
    """))

    assert [c.value for c in form.question("answer").choices] == ["no", "on", "off", "2024-06-01"]


def test_a_loaded_form_cannot_be_changed():
    form = load_form_text(EVERY_TYPE)
    question = form.question("park")

    with pytest.raises(dataclasses.FrozenInstanceError):
        form.id = "other"
    with pytest.raises(dataclasses.FrozenInstanceError):
        question.required = False
    with pytest.raises(TypeError):
        question.label["en"] = "Changed"
    with pytest.raises(TypeError):
        form.choice_lists["parks"] = ()
    with pytest.raises(TypeError):
        form.question("rating").scale.labels[3] = "Middle"
    with pytest.raises(AttributeError):
        form.sections.append(None)
    with pytest.raises(AttributeError):
        question.choices.append(None)


def test_load_form_reads_a_file_like_load_form_text(tmp_path):
    path = tmp_path / "parks.yaml"
    path.write_text(EVERY_TYPE, encoding="utf-8")

    assert load_form(path) == load_form_text(EVERY_TYPE, str(path))


def test_a_file_starting_with_a_byte_order_mark_loads(tmp_path):
    path = tmp_path / "parks.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + EVERY_TYPE.encode("utf-8"))

    assert load_form(path).id == "parks_survey"


def test_texts_are_given_in_every_language_of_a_bilingual_form():
    form = load_form_text(textwrap.dedent("""\
        id: parks
        version: 1
        languages: [en, cy]
        title: {en: Parks, cy: Parciau}
        sections:
          - id: about
            title: {en: About you, cy: Amdanoch chi}
            questions:
              - id: visit
                type: yes_no
                label:
                  en: Do you visit parks?
                  cy: Ydych chi'n ymweld â pharciau?
    """))

    assert form.languages == ("en", "cy")
    assert form.title["cy"] == "Parciau"
    assert form.question("visit").label.pick("cy") == "Ydych chi'n ymweld â pharciau?"


# -- every problem, located --------------------------------------------------


def test_unknown_type_is_located_and_suggests_the_right_one():
    text = textwrap.dedent("""\
        id: parks
        version: 1
        title: Parks survey
        sections:
        - id: about
          title: About you
          questions:
          - id: name
            type: text
            label: Your name
          - id: visits
            type: number
            label: Visits a year
          - id: age
            type: nubmer
            label: Your age
    """)

    assert only_problem(text) == "parks.yaml:15:11: question 'age': unknown type 'nubmer'. Did you mean 'number'?"


def test_a_problem_carries_file_line_column_question_and_suggestion():
    with pytest.raises(FormError) as caught:
        load_form_text(with_questions("""\
            - id: age
              type: number
              label: Age
              requird: true
        """), "parks.yaml")

    assert caught.value.problems == (
        Problem("parks.yaml", 11, 9, "unknown key 'requird' in a number question.", "age", "required"),
    )


def test_every_problem_is_reported_not_just_the_first():
    found = problems_of(with_questions("""\
        - id: age
          type: nubmer
          label: Age
        - id: Visit
          type: yes_no
          label: Do you visit?
        - id: comments
          type: textarea
          lable: Comments
    """))

    assert found == [
        "parks.yaml:9:15: question 'age': unknown type 'nubmer'. Did you mean 'number'?",
        "parks.yaml:11:13: question id 'Visit' should be snake_case: lower-case letters, digits and _, starting with a letter, such as 'visit'.",
        "parks.yaml:14:9: question 'comments': a textarea question has no 'label'; add one.",
        "parks.yaml:16:9: question 'comments': unknown key 'lable' in a textarea question. Did you mean 'label'?",
    ]


def test_form_error_message_lists_every_problem_one_per_line():
    with pytest.raises(FormError) as caught:
        load_form_text("id: Parks\nversion: 1\n", "parks.yaml")

    assert str(caught.value).splitlines() == [
        "parks.yaml:1:1: the form has no 'title'; add one.",
        "parks.yaml:1:1: the form has no 'sections'; add one.",
        "parks.yaml:1:5: form id 'Parks' should be snake_case: lower-case letters, digits and _, starting with a letter, such as 'parks'.",
    ]


def test_a_key_belonging_to_another_type_is_said_not_to_apply():
    found = only_problem(with_questions("""\
        - id: name
          type: text
          label: Name
          min: 3
    """))

    assert found == "parks.yaml:11:9: question 'name': 'min' does not apply to a text question."


def test_a_misspelt_form_key_suggests_the_right_one():
    text = EVERY_TYPE.replace("privacy:", "privcy:")

    assert "parks.yaml:4:1: unknown key 'privcy' in the form. Did you mean 'privacy'?" in problems_of(text)


def test_duplicate_question_ids_name_the_first_one():
    found = only_problem(with_questions("""\
        - id: age
          type: number
          label: Age
        - id: age
          type: text
          label: Age again
    """))

    assert found == "parks.yaml:11:13: question 'age': the id 'age' is used by another question (line 8); each question needs its own."


def test_duplicate_section_ids_are_reported():
    found = only_problem(textwrap.dedent("""\
        id: parks
        version: 1
        title: Parks
        sections:
          - {id: about, title: A, questions: [{id: a, type: text, label: A}]}
          - {id: about, title: B, questions: [{id: b, type: text, label: B}]}
    """))

    assert found == "parks.yaml:6:10: section id 'about' is used twice (first at line 5)."


def test_a_yaml_key_given_twice_is_reported_with_both_lines():
    found = only_problem(with_questions("""\
        - id: age
          type: number
          label: Age
          label: Your age
    """))

    assert found == "parks.yaml:11:9: 'label' is given twice here (first on line 10); keep one."


def test_malformed_yaml_is_located_and_explained():
    found = only_problem(with_questions("""\
        - id: age
          type: number
          label: "Your age
    """))

    assert found.startswith("parks.yaml:")
    assert "this is not valid YAML" in found and "Check the indentation and quotes" in found
    assert "Traceback" not in found


def test_a_tab_used_for_indenting_is_located():
    found = only_problem("id: parks\nversion: 1\nsections:\n\t- id: about\n")

    assert found.startswith("parks.yaml:4:1: this is not valid YAML: found character '\\t'")


def test_an_empty_file_is_reported():
    assert only_problem("   \n# nothing\n") == "parks.yaml:1:1: the file is empty; a form starts with its id, version, title and sections."


def test_two_yaml_documents_in_one_file_are_reported():
    found = only_problem(EVERY_TYPE + "---\nid: second\n")

    assert found.endswith("the file holds more than one YAML document ('---'); put each form in its own file.")


@pytest.mark.parametrize("body, expected", [
    ("- id: a\n  type: text\n  label: A\n  required: yes\n",
     "parks.yaml:11:19: question 'a': 'required' should be true or false, not 'yes'."),
    ("- id: a\n  type: text\n  label: A\n  max_length: many\n",
     "parks.yaml:11:21: question 'a': 'max_length' should be a whole number, not 'many'."),
    ("- id: a\n  type: text\n  label: A\n  max_length: 0\n",
     "parks.yaml:11:21: question 'a': 'max_length' should be 1 or more."),
    ("- id: a\n  type: number\n  label: A\n  min: ten\n",
     "parks.yaml:11:14: question 'a': 'min' should be a number, not 'ten'."),
    ("- id: a\n  type: number\n  label: A\n  min: 10\n  max: 1\n",
     "parks.yaml:12:14: question 'a': 'max' (1) is smaller than 'min' (10)."),
    ("- id: a\n  type: scale\n  label: A\n  min: 0\n  max: 20\n",
     "parks.yaml:12:14: question 'a': the scale has 21 points; use 11 or fewer (such as 0 to 10)."),
    ("- id: a\n  type: choice\n  label: A\n  choices: 5\n",
     "parks.yaml:11:18: question 'a': the choices should be a list, each line starting with '- '."),
    ("- id: a\n  type: text\n  label: [A, B]\n",
     "parks.yaml:10:16: question 'a': the label should be text, or text by language such as {en: ...}, not a list."),
    ("- id: a\n  type: text\n  label: A\n  pattern: '[a-z'\n  pattern_message: Letters\n",
     "parks.yaml:11:18: question 'a': 'pattern' is not a valid regular expression: unterminated character set at position 0."),
    ("- id: a\n  type: text\n  label: A\n  pattern: '[a-z]+'\n",
     "parks.yaml:11:18: question 'a': a 'pattern' needs a 'pattern_message' telling people what to write."),
    ("- hello\n",
     "parks.yaml:8:9: a question should be a set of 'key: value' lines, not 'hello'."),
], ids=["bool", "whole-number", "too-small", "number", "max-below-min", "scale-too-long",
        "choices-not-list", "label-list", "bad-regex", "pattern-without-message", "question-is-text"])
def test_a_value_of_the_wrong_kind_is_located_and_explained(body, expected):
    assert only_problem(with_questions(body)) == expected


# -- languages -------------------------------------------------------------

BILINGUAL = textwrap.dedent("""\
    id: parks
    version: 1
    languages: [en, cy]
    title: {en: Parks, cy: Parciau}
    sections:
      - id: about
        title: {en: About you}
        questions:
          - id: visit
            type: yes_no
            label: {en: Do you visit}
            hint: {cy: Atebwch}
          - id: park
            type: choice
            label: {en: Which one, cy: Pa un}
            choices:
              - value: roath
                label: {en: Roath Park}
""")


def test_each_missing_translation_is_its_own_located_problem():
    assert problems_of(BILINGUAL) == [
        "parks.yaml:7:12: the title of section 'about' has no Welsh (cy) text.",
        "parks.yaml:11:16: question 'visit': the label has no Welsh (cy) text.",
        "parks.yaml:12:15: question 'visit': the hint has no English (en) text.",
        "parks.yaml:18:20: question 'park': the label of choice 'roath' has no Welsh (cy) text.",
    ]


def test_plain_text_in_a_bilingual_form_asks_for_every_language():
    text = BILINGUAL.replace("title: {en: Parks, cy: Parciau}", "title: Parks")

    assert "parks.yaml:4:8: the form's title is given in one language only; this form is in English and Welsh, so write it as {en: ..., cy: ...}." in problems_of(text)


def test_text_in_a_language_the_form_does_not_declare_is_reported():
    found = only_problem(with_questions("""\
        - id: visit
          type: yes_no
          label: {en: Do you visit, cy: Ydych chi}
    """))

    assert found == "parks.yaml:10:35: question 'visit': the label is given in 'cy', which is not one of the form's languages (en)."


def test_a_language_code_listed_twice_is_reported():
    text = HEADER.replace("version: 1\n", "version: 1\nlanguages: [en, en]\n") + "      - {id: a, type: text, label: A}\n"

    assert only_problem(text) == "parks.yaml:3:17: the language 'en' is listed twice."


# -- choices ---------------------------------------------------------------


def test_an_empty_choice_list_is_reported():
    found = only_problem(with_questions("""\
        - id: park
          type: choice
          label: Which park?
          choices: []
    """))

    assert found == "parks.yaml:11:18: question 'park': the choices list is empty; give at least one choice."


def test_a_choice_value_used_twice_is_reported_with_the_first_line():
    found = only_problem(with_questions("""\
        - id: park
          type: choice
          label: Which park?
          choices:
            - roath
            - value: bute
              label: Bute Park
            - value: roath
              label: Roath again
    """))

    assert found == "parks.yaml:15:20: question 'park': the choice value 'roath' is used twice in the choices (first on line 12); each choice needs its own value."


def test_an_unknown_choice_list_name_suggests_the_nearest():
    text = EVERY_TYPE.replace("choices: parks", "choices: prks")

    assert problems_of(text) == [
        "parks.yaml:22:18: question 'park': there is no choice list called 'prks' (there are: parks). Did you mean 'parks'?",
    ]


def test_other_needs_the_value_other_to_be_free():
    found = only_problem(with_questions("""\
        - id: park
          type: choice
          label: Which?
          other: true
          choices: [roath, other]
    """))

    assert "the value 'other' is kept for 'Other (please specify)'" in found


# -- show_if ---------------------------------------------------------------


def test_show_if_on_an_unknown_question_is_located_at_the_name_and_suggests():
    found = only_problem(with_questions("""\
        - id: visit
          type: yes_no
          label: Do you visit?
        - id: park
          type: text
          label: Which park?
          show_if: "vist == 'yes'"
    """))

    assert found == "parks.yaml:14:19: question 'park': show_if refers to 'vist', but there is no question with that id before this point. Did you mean 'visit'?"


def test_show_if_on_a_later_question_is_reported():
    found = only_problem(with_questions("""\
        - id: park
          type: text
          label: Which park?
          show_if: visit == 'yes'
        - id: visit
          type: yes_no
          label: Do you visit?
    """))

    assert found == "parks.yaml:11:18: question 'park': show_if refers to 'visit', which comes later in the form; a question can only depend on answers given before it."


def test_show_if_on_the_question_itself_is_reported():
    found = only_problem(with_questions("""\
        - id: visit
          type: yes_no
          label: Do you visit?
          show_if: answered(visit)
    """))

    assert "show_if refers to this question itself" in found


def test_show_if_comparing_a_choice_with_a_value_not_among_its_choices_is_reported():
    found = only_problem(with_questions("""\
        - id: park
          type: choice
          label: Which park?
          choices: [roath, bute]
        - id: why
          type: text
          label: Why?
          show_if: park == 'Roath'
    """))

    assert found == "parks.yaml:15:18: question 'why': show_if: 'Roath' is not one of the choices of 'park' ('roath', 'bute')."


def test_show_if_with_a_syntax_error_points_at_the_mistake():
    found = only_problem(with_questions("""\
        - id: visit
          type: yes_no
          label: Do you visit?
        - id: park
          type: text
          label: Which park?
          show_if: 'visit = ''yes'''
    """))

    assert found == "parks.yaml:14:25: question 'park': show_if cannot be read: use '==' to compare, not '='."


def test_section_show_if_cannot_depend_on_its_own_questions():
    found = only_problem(textwrap.dedent("""\
        id: parks
        version: 1
        title: Parks
        sections:
          - id: about
            title: About
            show_if: visit == 'yes'
            questions:
              - {id: visit, type: yes_no, label: Visit}
    """))

    assert found == "parks.yaml:7:14: show_if refers to 'visit', which comes later in the form; a question can only depend on answers given before it."


# -- files -------------------------------------------------------------------


def test_a_file_over_the_size_limit_is_refused(tmp_path):
    path = tmp_path / "huge.yaml"
    path.write_text(EVERY_TYPE + "# padding\n" * (MAX_FILE_BYTES // 10 + 1), encoding="utf-8")

    with pytest.raises(FormError) as caught:
        load_form(path)

    assert [str(p) for p in caught.value.problems] == [
        f"{path}:1:1: the file is larger than {MAX_FILE_BYTES // 1024} KB; a form should be far smaller. Is this the right file?",
    ]


def test_an_oversized_file_cut_inside_a_character_is_still_reported_as_too_big(tmp_path):
    # 'é' is two bytes; the file is cut at the limit inside one of them.
    path = tmp_path / "huge.yaml"
    path.write_bytes(b"a: '" + "é".encode("utf-8") * MAX_FILE_BYTES + b"'\n")

    with pytest.raises(FormError) as caught:
        load_form(path)

    assert "the file is larger than" in str(caught.value)


def test_a_file_that_is_not_utf8_names_the_line(tmp_path):
    path = tmp_path / "parks.yaml"
    path.write_bytes(b"id: parks\nversion: 1\ntitle: Caf\xe9 survey\n")

    with pytest.raises(FormError) as caught:
        load_form(path)

    assert str(caught.value) == f"{path}:3:1: the file is not UTF-8 text; save it again as UTF-8."


def test_a_missing_file_is_a_form_error_not_an_os_error(tmp_path):
    path = tmp_path / "nowhere.yaml"

    with pytest.raises(FormError) as caught:
        load_form(path)

    assert str(caught.value) == f"{path}: cannot read the file: No such file or directory"


def test_a_directory_is_a_form_error(tmp_path):
    with pytest.raises(FormError) as caught:
        load_form(tmp_path)

    assert "cannot read the file" in str(caught.value)


def test_a_path_with_a_nul_byte_is_a_form_error():
    with pytest.raises(FormError) as caught:
        load_form("parks\x00.yaml")

    assert "cannot read the file" in str(caught.value)


# -- odd input never gives a traceback ---------------------------------------


def problem_for(text):
    """All problems of text as one string; any exception but FormError fails the test."""
    with pytest.raises(FormError) as caught:
        load_form_text(text, "parks.yaml")
    return str(caught.value)


def q(body):
    return with_questions(body)


ODD_INPUT = {
    # Found by hand: each of these crashed with a traceback or was silently wrong.
    "type-is-a-list": (q("- {id: a, type: [text], label: A}\n"),
                       "question 'a': 'type' should be one word such as 'text' or 'choice', not a list."),
    "type-is-a-mapping": (q("- {id: a, type: {text: 1}, label: A}\n"),
                          "'type' should be one word such as 'text' or 'choice', not a set of keys."),
    "type-is-a-yaml-set": (q("- {id: a, type: !!set {text}, label: A}\n"),
                           "'type' should be one word such as 'text' or 'choice', not a set of keys."),
    "infinite-min": (q("- {id: a, type: number, label: A, min: .inf, max: .nan}\n"),
                     "'min' should be an ordinary number, not .inf."),
    "not-a-number-max": (q("- {id: a, type: number, label: A, max: .nan}\n"),
                         "'max' should be an ordinary number, not .nan."),
    "bad-timestamp-tag": (q("- {id: a, type: text, label: !!timestamp soon}\n"),
                          "parks.yaml:8:36: 'soon' cannot be read as a date; check the value, or remove the '!' tag before it."),
    "bad-int-tag": (q("- {id: a, type: text, label: A, max_length: !!int lots}\n"),
                    "parks.yaml:8:51: 'lots' cannot be read as a whole number"),
    "unknown-tag": (q("- {id: a, type: text, label: !shout A}\n"),
                    "'A' cannot be read as the type its tag asks for"),
    "number-of-5000-digits": (q("- {id: a, type: number, label: A, min: " + "9" * 5000 + "}\n"),
                              "cannot be read as a whole number; check the value."),
    "alias-to-itself": ("id: &a [*a]\n", "parks.yaml:1:5: the list or mapping starting here holds a YAML alias ('*name') to itself"),
    "mapping-alias-to-itself": ("id: parks\nversion: 1\nsections: &s [{id: x, questions: *s}]\n",
                                "holds a YAML alias ('*name') to itself"),
    "brackets-nested-thousands-deep": ("id: " + "[" * 5000 + "]" * 5000 + "\n",
                                       "parks.yaml:1:1: lists and mappings are nested far too deeply for a form"),
    "show-if-with-hundreds-of-brackets": (q("- {id: a, type: number, label: A}\n- id: b\n  type: text\n  label: B\n  show_if: \""
                                            + "(" * 600 + "a == 1" + ")" * 600 + "\"\n"),
                                          "question 'b': show_if cannot be read: more than 32 brackets or 'not's inside each other; simplify the condition."),
    "empty-question-id": (q("- id:\n  type: text\n  label: A\n"),
                          "parks.yaml:8:9: this question has no 'id'; add one in snake_case, such as 'visit_often'."),
    "empty-label": (q("- id: a\n  type: text\n  label:\n"),
                    "parks.yaml:10:9: question 'a': 'label' in a text question is empty; write its value after the colon."),
    "empty-title": (HEADER.replace("title: Parks survey", "title:") + "      - {id: a, type: text, label: A}\n",
                    "parks.yaml:3:1: 'title' in the form is empty; write its value after the colon."),
    "empty-version": (HEADER.replace("version: 1", "version:") + "      - {id: a, type: text, label: A}\n",
                      "parks.yaml:2:1: 'version' in the form is empty"),
    "empty-sections": ("id: parks\nversion: 1\ntitle: Parks\nsections:\n",
                       "parks.yaml:4:1: 'sections' in the form is empty"),
    "empty-statement-label": (q("- {id: a, type: grid, label: A, statements: [{id: s, label: }], scale: {min: 1, max: 3}}\n"),
                              "'label' in a statement is empty"),
    "empty-choice-line": (q("- id: a\n  type: choice\n  label: A\n  choices:\n    - x\n    -\n"),
                          "parks.yaml:13:12: question 'a': this choice is empty; write it after the '- ', or remove the line."),
    "empty-choice-value": (q("- {id: a, type: choice, label: A, choices: [{value: , label: X}]}\n"),
                           "question 'a': 'value' in a choice is empty; write its value after the colon."),
    "empty-choice-label": (q("- {id: a, type: choice, label: A, choices: [{value: x, label: }]}\n"),
                           "question 'a': the label of choice 'x' is missing."),
    "empty-scale-point-label": (q("- {id: a, type: scale, label: A, min: 1, max: 2, labels: {1: Low, 2: }}\n"),
                                "question 'a': the label of point 2 is missing."),
    "empty-privacy-with-personal-questions": (
        HEADER.replace("title: Parks survey", "title: Parks\nprivacy:") + "      - {id: email, type: email, label: Email, personal: true}\n",
        "the form asks for personal details (question 'email') but has no 'privacy' notice"),
    "grid-scale-missing-min-said-once": (q("- {id: a, type: grid, label: A, statements: [{id: s, label: S}], scale: {max: 3}}\n"),
                                         "parks.yaml:8:79: question 'a': the grid's scale has no 'min'; add one."),
    "scale-missing-max": (q("- type: scale\n  id: a\n  label: A\n  min: 1\n"),
                          "parks.yaml:8:9: question 'a': the scale has no 'max'; a scale needs both ends, such as min: 1 and max: 5."),
    "scale-empty-min": (q("- {id: a, type: scale, label: A, min: , max: 5}\n"),
                        "parks.yaml:8:40: question 'a': the scale has no 'min'; a scale needs both ends"),
    "question-without-id": (q("- type: text\n  label: A\n"),
                            "parks.yaml:8:9: this question has no 'id'; add one in snake_case, such as 'visit_often'."),
    "scale-labels-neither-ends-nor-every-point": (
        q("- {id: a, type: scale, label: A, min: 1, max: 5, labels: {1: Bad, 3: Fair, 5: Good}}\n"),
        "question 'a': label the two ends (1 and 5) or every point from 1 to 5; points without a label: 2, 4."),
    "scale-point-labelled-twice": (q("- {id: a, type: scale, label: A, min: 1, max: 2, labels: {1: Low, 01: Lower, 2: High}}\n"),
                                   "question 'a': scale point 1 is labelled twice."),
    "scale-labels-as-list": (q("- {id: a, type: scale, label: A, min: 1, max: 5, labels: [1, 2]}\n"),
                             "question 'a': 'labels' should be a set of 'key: value' lines, not a list."),
    "id-too-long": (q("- {id: " + "a" * 100 + ", type: text, label: A}\n"),
                    "question id '" + "a" * 57 + "...' is longer than 64 characters; use a shorter one."),
    "id-is-a-list": (q("- {id: [a], type: text, label: A}\n"),
                     "question id should be a snake_case name such as 'visit_often', not a list."),
    "id-with-accents": (q("- {id: café, type: text, label: A}\n"),
                        "question id 'café' should be snake_case: lower-case letters, digits and _, starting with a letter, such as 'cafe'."),
    "id-with-trailing-newline": (q("- {id: \"visit\\n\", type: text, label: A}\n"), "should be snake_case"),
    "version-with-trailing-newline": (HEADER.replace("version: 1", "version: \"1\\n\"") + "      - {id: a, type: text, label: A}\n",
                                      "'version' should be a number or a short name such as 2 or 2024-06."),
    "language-code-with-trailing-newline": (HEADER.replace("version: 1", "version: 1\nlanguages: [\"en\\n\"]") + "      - {id: a, type: text, label: A}\n",
                                            "is not a language code"),
    "language-code-empty": (HEADER.replace("version: 1", "version: 1\nlanguages: [~]") + "      - {id: a, type: text, label: A}\n",
                            "a language code should be two or three lower-case letters, such as en or cy, not an empty value."),
    "text-over-the-length-limit": (q("- {id: a, type: note, label: " + "x" * (MAX_TEXT_LENGTH + 1) + "}\n"),
                                   f"question 'a': the label is longer than {MAX_TEXT_LENGTH} characters; shorten it."),
    "pattern-on-an-email-question": (q("- {id: a, type: email, label: A, pattern: x}\n"),
                                     "question 'a': 'pattern' does not apply to an email question."),
    "show-if-answered-on-a-note": (q("- {id: a, type: note, label: A}\n- {id: b, type: text, label: B, show_if: answered(a)}\n"),
                                   "show_if: 'a' is a note and is never answered; answered(a) is always false."),
    "show-if-date-not-iso": (q("- {id: a, type: date, label: A}\n- {id: b, type: text, label: B, show_if: \"a > '1/6/2024'\"}\n"),
                             "show_if: 'a' is a date; write dates in show_if as 'YYYY-MM-DD', such as '2024-06-01', not '1/6/2024'."),
    "show-if-in-on-a-single-answer-question": (
        q("- {id: a, type: text, label: A}\n- {id: b, type: text, label: B, show_if: \"'x' in a\"}\n"),
        "show_if: 'in' needs a list or a question with several answers after it, but 'a' is a text question; write a == 'x'."),
    "show-if-postcode-not-as-stored": (
        q("- {id: a, type: postcode, label: A}\n- {id: b, type: text, label: B, show_if: \"a == 'cf10 1aa'\"}\n"),
        "show_if: 'a' is a postcode, stored as 'CF10 1AA'; write that instead of 'cf10 1aa'."),
    # The rest are shapes found by the fuzzer or by trying; they must give a message, not a traceback.
    "form-is-a-list": ("- id: parks\n", "parks.yaml:1:1: a form should be a set of 'key: value' lines, not a list."),
    "form-is-a-number": ("5\n", "a form should be a set of 'key: value' lines, not the number 5."),
    "sections-is-a-mapping": ("id: parks\nversion: 1\ntitle: T\nsections: {}\n",
                              "parks.yaml:4:11: 'sections' should be a list of sections, each starting with '- id:'."),
    "section-is-a-number": ("id: parks\nversion: 1\ntitle: T\nsections: [5]\n",
                            "a section should be a set of 'key: value' lines, not the number 5."),
    "languages-is-a-number": ("id: parks\nversion: 1\nlanguages: 5\ntitle: T\nsections: []\n",
                              "parks.yaml:3:12: 'languages' should be a list of language codes such as [en, cy]."),
    "question-is-null": (q("-\n"), "a question should be a set of 'key: value' lines, not an empty value."),
    "numbers-as-keys": (q("- {id: a, type: text, label: A, 5: x}\n"), "question 'a': unknown key '5' in a text question."),
    "list-as-key": (q("- id: a\n  type: text\n  label: A\n  ? [x]\n  : y\n"), "a key must be a plain name, not a list or mapping."),
    "statements-are-plain-words": (q("- {id: a, type: grid, label: A, statements: [a, b], scale: {min: 1, max: 3}}\n"),
                                   "question 'a': a statement should be a set of 'key: value' lines, not 'a'."),
    "grid-with-scale-and-choices": (q("- {id: a, type: grid, label: A, statements: [{id: s, label: S}], scale: {min: 1, max: 3}, choices: [x]}\n"),
                                    "a grid needs either a 'scale' (min, max, labels) or 'choices' shared by every statement, not both."),
    "show-if-is-a-list": (q("- {id: a, type: text, label: A}\n- {id: b, type: text, label: B, show_if: [a]}\n"),
                          "show_if should be a condition in quotes, such as \"visited == 'yes'\", not a list."),
    "choice-list-refers-to-itself-by-name": ("id: parks\nversion: 1\ntitle: T\nchoice_lists: {a: a}\nsections: []\n",
                                             "choice list 'a' should be a list, each line starting with '- '."),
    "choice-lists-is-a-list": ("id: parks\nversion: 1\ntitle: T\nchoice_lists: [a]\nsections: []\n",
                               "'choice_lists' should be a set of 'key: value' lines, not a list."),
    "choice-value-is-a-mapping": (q("- {id: a, type: choice, label: A, choices: [{value: {x: 1}}]}\n"),
                                  "a choice value should be text or a number, not a set of keys."),
    "merge-key": (q("- &base {id: a, type: text, label: A}\n- <<: *base\n  id: b\n"),
                  "YAML merge keys ('<<') are not supported in forms; write the keys out."),
    "billion-laughs": ("a: &a [x,x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
                       "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: [*e,*e,*e,*e,*e,*e,*e,*e,*e,*e]\n",
                       "the file has far too many entries for a form"),
    "nul-character": ("id: parks\x00\n", "this is not valid YAML"),
}


@pytest.mark.parametrize("text, expected", ODD_INPUT.values(), ids=ODD_INPUT.keys())
def test_odd_input_gives_a_plain_message_not_a_traceback(text, expected):
    assert expected in problem_for(text)


def test_a_show_if_on_a_question_of_unknown_type_adds_no_guessed_problem():
    # Only the type is wrong; comparing 'a' as if it were text would blame the show_if too.
    found = only_problem(with_questions("""\
        - id: a
          type: nubmer
          label: A
        - id: b
          type: text
          label: B
          show_if: a == 1
    """))

    assert found == "parks.yaml:9:15: question 'a': unknown type 'nubmer'. Did you mean 'number'?"


def test_a_number_as_a_text_is_read_as_written():
    form = load_form_text(with_questions("- {id: a, type: choice, label: 1.50, choices: [1.0, 1]}\n"))

    assert form.question("a").label["en"] == "1.50"
    assert [c.value for c in form.question("a").choices] == ["1.0", "1"]


# -- purity ----------------------------------------------------------------


def test_the_forms_package_imports_no_web_database_or_pdf_library():
    heavy = ("flask", "sqlite3", "sqlite_utils", "reportlab")
    code = (
        "import sys, forms\n"
        f"loaded = [m for m in {heavy!r} if m in sys.modules]\n"
        "print(','.join(loaded))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)

    assert result.stdout.strip() == ""


# -- gaps found while writing the example forms -----------------------------


def _form_with(questions):
    body = textwrap.indent(textwrap.dedent(questions), " " * 6)
    return "id: t\nversion: 1\ntitle: T\nsections:\n  - id: s\n    title: S\n    questions:\n" + body


def test_a_scale_comparison_that_can_never_hold_is_an_error():
    text = _form_with("""\
        - {id: sc, type: scale, label: S, min: 1, max: 5}
        - {id: x, type: text, label: X, show_if: "sc > 9"}
        - {id: y, type: text, label: Y, show_if: "sc >= 5"}
    """)
    with pytest.raises(FormError) as caught:
        load_form_text(text, "t.yaml")
    messages = [p.message for p in caught.value.problems]
    assert messages == ["show_if: sc > 9 is never true: the scale of 'sc' runs from 1 to 5."]


def test_words_of_the_show_if_language_cannot_be_question_ids():
    with pytest.raises(FormError) as caught:
        load_form_text(_form_with("- {id: not, type: text, label: X}\n"), "t.yaml")
    assert "'not' is a word of the show_if language" in str(caught.value)


def test_a_show_if_that_depends_on_no_answer_is_an_error():
    text = "id: t\nversion: 1\ntitle: T\nsections:\n  - id: s\n    title: S\n    show_if: \"1 == 2\"\n    questions:\n      - {id: a, type: text, label: A}\n"
    with pytest.raises(FormError) as caught:
        load_form_text(text, "t.yaml")
    assert "show_if must depend on an earlier answer" in str(caught.value)
