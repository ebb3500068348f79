"""The answer validator: what people typed becomes clean, typed answers; answers
to hidden questions are dropped and required questions are asked for only when
they are shown."""

import textwrap

import pytest

from forms import OTHER, Message, clean_answers, load_form_text, other_key, validate_answers

FORM = load_form_text(textwrap.dedent("""\
    id: parks
    version: 1
    title: Parks
    privacy: We keep answers for a year.
    sections:
      - id: visits
        title: Your visits
        questions:
          - id: visit
            type: yes_no
            label: Do you visit parks?
            required: true
          - id: park
            type: choice
            label: Which park?
            required: true
            show_if: visit == 'yes'
            other: true
            choices: [roath, bute, 5]
          - id: times
            type: number
            label: Visits a month
            min: 0
            max: 100
          - id: spend
            type: number
            label: Spend in pounds
            decimals: 2
          - id: uses
            type: choices
            label: What do you do?
            choices: [walk, play, sport, dog]
            min_selected: 2
            max_selected: 3
          - id: rating
            type: scale
            label: Rating
            min: 1
            max: 5
          - id: facilities
            type: grid
            label: Facilities
            required: true
            statements:
              - {id: toilets, label: Toilets}
              - {id: paths, label: Paths}
            scale: {min: 1, max: 3}
          - id: feel
            type: grid
            label: Feel
            statements:
              - {id: day, label: By day}
            choices: [safe, unsafe]
          - id: priorities
            type: ranking
            label: Order these
            choices: [bins, benches, lights]
      - id: details
        title: About you
        show_if: visit == 'yes'
        questions:
          - id: name
            type: text
            label: Name
            max_length: 20
            pattern: "[A-Za-z ]+"
            pattern_message: {en: Use letters only.}
          - id: comments
            type: textarea
            label: Comments
          - id: last
            type: date
            label: Last visit
          - id: email
            type: email
            label: Email
            personal: true
          - id: phone
            type: phone
            label: Phone
            personal: true
          - id: postcode
            type: postcode
            label: Postcode
          - id: agree
            type: consent
            label: I agree
          - id: bye
            type: note
            label: Thank you
"""), "parks.yaml")

# The least that passes when visit is 'yes'.
BASE = {"visit": "yes", "park": "roath", "facilities": {"toilets": "1", "paths": "2"}, "agree": "on"}


def clean(**answers):
    """Clean answers given on top of BASE; fail if there are errors."""
    result, errors = clean_answers(FORM, {**BASE, **answers})
    assert errors == {}, errors
    return result


def errors(**answers):
    return validate_answers(FORM, {**BASE, **answers})


def test_valid_answers_give_no_errors():
    assert validate_answers(FORM, BASE) == {}


def test_text_is_trimmed_and_its_spaces_collapsed_but_textarea_keeps_lines():
    result = clean(name="  Ann   Jones ", comments="  Line one\r\nLine two  ")

    assert result["name"] == "Ann Jones"
    assert result["comments"] == "Line one\nLine two"


def test_numbers_are_typed_with_thousands_separators_allowed():
    result = clean(times=" 12 ", spend="1,234.50")

    assert result["times"] == 12 and isinstance(result["times"], int)
    assert result["spend"] == 1234.5


@pytest.mark.parametrize("given, message", [
    ("twelve", "Enter a whole number, like 12."),
    ("1.5", "Enter a whole number, like 12."),
    ("-1", "Enter 0 or more."),
    ("101", "Enter 100 or less."),
    (True, "Enter a whole number, like 12."),
    ("1" * 45, "Enter a whole number, like 12."),
])
def test_a_bad_whole_number_is_refused(given, message):
    assert errors(times=given) == {"times": [message]}


def test_a_number_with_too_many_decimal_places_is_refused():
    assert errors(spend="1.234") == {"spend": ["Use no more than 2 decimal places."]}


def test_a_very_long_number_is_refused_not_cut_short():
    # It used to be cut to 40 digits and stored as a different number.
    result, found = clean_answers(FORM, {**BASE, "spend": "9" * 41})

    assert "spend" not in result
    assert found == {"spend": ["Enter a number, like 12 or 12.5."]}


def test_choice_values_are_text_and_numbers_match_them():
    assert clean(park=5)["park"] == "5"
    assert errors(park="Roath") == {"park": ["Pick one of the options given."]}


def test_several_choices_come_back_once_each_in_the_order_of_the_form():
    assert clean(uses=["dog", "walk", "dog"])["uses"] == ["walk", "dog"]


def test_choices_check_min_and_max_selected_and_unknown_options():
    assert errors(uses=["walk"]) == {"uses": ["Pick at least 2 options."]}
    assert errors(uses=["walk", "play", "sport", "dog"]) == {"uses": ["Pick no more than 3 options."]}
    assert errors(uses=["walk", "swim"]) == {"uses": ["Pick only from the options given."]}


def test_other_needs_its_text_and_keeps_it_apart():
    assert errors(park=OTHER) == {"park": ["Say what 'Other' is."]}

    result = clean(park=OTHER, **{other_key("park"): "  Victoria Park "})
    assert result["park"] == OTHER and result["park.other"] == "Victoria Park"


def test_other_text_is_dropped_when_other_is_not_picked():
    assert "park.other" not in clean(park="bute", **{"park.other": "Victoria Park"})


def test_scale_points_are_whole_numbers_within_the_scale():
    assert clean(rating="4")["rating"] == 4
    assert errors(rating="6") == {"rating": ["Pick a point from 1 to 5."]}
    assert errors(rating="3.5") == {"rating": ["Pick a point from 1 to 5."]}


def test_grid_answers_are_checked_per_statement():
    assert clean(facilities={"toilets": "3", "paths": 1})["facilities"] == {"toilets": 3, "paths": 1}
    assert clean(feel={"day": ["safe"]})["feel"] == {"day": "safe"}
    assert errors(facilities={"toilets": "3"}) == {"facilities": ["Answer every statement."]}
    assert errors(facilities={"toilets": "3", "benches": "1"}) == {"facilities": ["Pick only from the options given."]}
    assert errors(feel={"day": "scared"}) == {"feel": ["Pick only from the options given."]}


def test_ranking_as_a_list_or_as_ranks_gives_the_order():
    assert clean(priorities=["lights", "bins"])["priorities"] == ["lights", "bins"]
    assert clean(priorities={"bins": "2", "benches": "", "lights": 1})["priorities"] == ["lights", "bins"]
    assert errors(priorities={"bins": "1", "lights": "1"}) == {"priorities": ["Give each option a different rank."]}
    assert errors(priorities={"bins": "4"}) == {"priorities": ["Rank with numbers from 1 to 3."]}


@pytest.mark.parametrize("given, expected", [("Yes", "yes"), (" NO ", "no"), (True, "yes"), (False, "no")])
def test_yes_no_is_normalised(given, expected):
    assert clean(visit=given, park="roath")["visit"] == expected


def test_dates_become_year_month_day_and_impossible_dates_are_refused():
    assert clean(last="27/03/2025")["last"] == "2025-03-27"
    assert clean(last="2025-3-7")["last"] == "2025-03-07"
    assert errors(last="31/02/2025") == {"last": ["Enter a real date, like 27/03/2025."]}
    assert errors(last="yesterday") == {"last": ["Enter a real date, like 27/03/2025."]}


def test_email_phone_and_postcode_are_checked_and_tidied():
    result = clean(email=" ann@example.com ", phone="01632 960001", postcode=" cf101aa ")

    assert (result["email"], result["phone"], result["postcode"]) == ("ann@example.com", "01632 960001", "CF10 1AA")
    assert errors(email="ann@example") == {"email": ["Enter an email address, like name@example.com."]}
    assert errors(phone="12345") == {"phone": ["Enter a phone number, like 01632 960001 or +44 7700 900123."]}
    assert errors(postcode="12345") == {"postcode": ["Enter a UK postcode, like CF10 1AA."]}


def test_consent_must_be_ticked():
    assert clean(agree="yes")["agree"] is True
    assert errors(agree="") == {"agree": ["Tick the box to agree before going on."]}
    assert errors(agree="no") == {"agree": ["Tick the box to agree before going on."]}


def test_text_checks_its_pattern_in_the_authors_words_and_its_length():
    assert errors(name="R2-D2") == {"name": ["Use letters only."]}
    assert errors(name="A" * 21) == {"name": ["Use 20 characters or fewer."]}


def test_answers_to_hidden_questions_and_sections_are_dropped():
    result, found = clean_answers(FORM, {
        "visit": "no", "park": "bute", "park.other": "x", "name": "Ann", "agree": "on",
        "facilities": {"toilets": "1", "paths": "1"},
    })

    assert found == {}
    assert set(result) == {"visit", "facilities"}


def test_required_is_asked_for_only_when_the_question_is_shown():
    assert validate_answers(FORM, {"visit": "no", "facilities": {"toilets": 1, "paths": 1}}) == {}
    assert validate_answers(FORM, {"visit": "yes", "facilities": {"toilets": 1, "paths": 1}, "agree": "on"}) == {
        "park": ["Answer this question."],
    }


def test_an_invalid_answer_does_not_reveal_the_questions_that_depend_on_it():
    result, found = clean_answers(FORM, {"visit": "maybe", "park": "bute", "facilities": {"toilets": 1, "paths": 1}})

    assert found == {"visit": ["Answer yes or no."]}
    assert "park" not in result


def test_answers_to_unknown_questions_are_reported():
    assert errors(parking="yes") == {"parking": ["This form has no question called 'parking'."]}


def test_an_answer_given_twice_for_a_single_answer_question_is_refused():
    assert errors(times=["1", "2"]) == {"times": ["Give one answer only."]}
    assert clean(times=["", "7"])["times"] == 7


def test_blank_answers_count_as_not_answered():
    result = clean(name="   ", uses=["", None], comments=None)

    assert not {"name", "uses", "comments"} & set(result)


def test_notes_take_no_answer():
    assert "bye" not in clean(bye="anything")


def test_messages_keep_their_template_for_translation():
    message = errors(times="101")["times"][0]

    assert isinstance(message, Message)
    assert message.template == "Enter %(max)s or less."
    assert message.params == {"max": "100"}


def test_clean_answers_are_clean_when_validated_again():
    result = clean(
        times="3", spend="0.05", uses=["dog", "walk"], rating="2", feel={"day": "safe"},
        priorities={"bins": 1}, name="Ann", last="1/2/2024", email="a@b.example",
        postcode="gir0aa", park=OTHER, **{"park.other": "Heath"},
    )

    assert clean_answers(FORM, result) == (result, {})


def test_a_stored_small_decimal_is_accepted_again():
    # str(0.00001) is '1e-05'; a cleaned answer must validate again unchanged.
    form = load_form_text(textwrap.dedent("""\
        id: lab
        version: 1
        title: Lab
        sections:
          - id: s
            title: S
            questions:
              - {id: dose, type: number, label: Dose, decimals: 6}
    """))

    result, found = clean_answers(form, {"dose": "0.00001"})
    assert found == {} and result == {"dose": 0.00001}
    assert clean_answers(form, result) == (result, {})
