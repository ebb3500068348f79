"""A response line from a bundle: decoded and checked in one pass (read_record), refusing
exactly what the field-by-field checks (check_record) refuse, in the same words."""

import json

import pytest

from sync import SyncError
from sync.records import NotJSON, check_record, read_record

GOOD = {"id": "3f2b8c1e-0d4a-4b5c-9e6f-7a8b9c0d1e2f", "reference": "ABCD-1234", "form_id": "visit",
        "form_version": "3", "language": "en", "source": "web", "device_id": "laptop-a", "event_id": None,
        "paper_serial": None, "started_at": "2026-05-01T10:00:00Z", "submitted_at": "2026-05-01T10:05:00Z",
        "answers": '{"visited": "yes"}', "revision": 1, "deleted_at": None, "updated_at": None,
        "personal_key": None}
WHERE = "stick.collector: responses.jsonl line 7"


def line(**change):
    return json.dumps({**GOOD, **change}, ensure_ascii=False).encode("utf-8")


def test_a_good_line_gives_the_record_check_record_gives():
    assert read_record(line(), WHERE) == check_record(GOOD, WHERE)
    assert read_record(line(personal_key="0" * 32, paper_serial="ABC-000001"), WHERE) == check_record(
        {**GOOD, "personal_key": "0" * 32, "paper_serial": "ABC-000001"}, WHERE)


def test_missing_optional_fields_are_null_as_check_record_makes_them():
    short = {k: v for k, v in GOOD.items() if v is not None}
    assert read_record(json.dumps(short).encode(), WHERE) == check_record(short, WHERE)


@pytest.mark.parametrize("change, says", [
    ({"revision": "1"}, "'revision' should be a whole number from 1, not \"1\"."),
    ({"revision": 1.0}, "'revision' should be a whole number from 1, not 1.0."),
    ({"revision": True}, "'revision' should be a whole number from 1, not true."),
    ({"revision": 0}, "'revision' should be a whole number from 1, not 0."),
    ({"revision": 2**31 + 1}, "'revision' should be a whole number from 1, not 2147483649."),
    ({"reference": 1234}, "'reference' should be text of 1 to 200 characters."),
    ({"reference": "abcd-1234"}, "'reference' should look like ABCD-1234, not \"abcd-1234\"."),
    ({"reference": "ABCD-1234\n"}, "'reference' should look like ABCD-1234"),
    ({"form_id": ""}, "'form_id' should be text of 1 to 200 characters."),
    ({"form_id": "é" * 201}, "'form_id' should be text of 1 to 200 characters."),
    ({"submitted_at": None}, "'submitted_at' should be text of 1 to 200 characters."),
    ({"language": 5}, "'language' should be text of up to 200 characters, or null."),
    ({"personal_key": "k" * 201}, "'personal_key' should be text of up to 200 characters, or null."),
    ({"source": "fax"}, "'source' should be one of web, kiosk, paper."),
    ({"answers": {"visited": "yes"}}, "'answers' should be the answers' JSON text."),
    ({"colour": "red"}, "unknown field 'colour'."),
    # Text, but not what every later read of the answers can read as an object.
    ({"answers": "[1, 2]"}, "'answers' is not a JSON object."),
    ({"answers": '{"visited": NaN}'}, "'answers' is not a JSON object."),
    ({"answers": '{"visited": ["yes",]}'}, "'answers' is not a JSON object."),
    ({"answers": '{"visited": "\\ud800"}'}, "'answers' is not a JSON object."),
])
def test_a_field_of_the_wrong_kind_is_refused_saying_which_line_response_and_field(change, says):
    with pytest.raises(SyncError) as slow:
        check_record({**GOOD, **change}, WHERE)
    with pytest.raises(SyncError) as fast:
        read_record(line(**change), WHERE)
    assert str(fast.value) == str(slow.value)
    assert str(fast.value).startswith(f"{WHERE} (response {GOOD['id']}): {says}")


@pytest.mark.parametrize("value, says", [
    ({**GOOD, "id": "3F2B8C1E-0D4A-4B5C-9E6F-7A8B9C0D1E2F"}, "'id' should be a response id"),
    ({k: v for k, v in GOOD.items() if k != "answers"}, "'answers' should be the answers' JSON text."),
    ([GOOD], "a response should be a JSON object."),
])
def test_a_record_without_a_proper_id_or_shape_is_refused_as_check_record_refuses_it(value, says):
    with pytest.raises(SyncError) as fast:
        read_record(json.dumps(value).encode(), WHERE)
    with pytest.raises(SyncError) as slow:
        check_record(value, WHERE)
    assert str(fast.value) == str(slow.value) and says in str(fast.value)


@pytest.mark.parametrize("text", [b"", b"{", b'{"id": }', b"\xff\xfe", b'{"a": 1} {"b": 2}'])
def test_a_line_that_is_not_json_says_so(text):
    with pytest.raises(NotJSON, match=f"^{WHERE} is not JSON.$"):
        read_record(text, WHERE)


def test_text_with_half_a_surrogate_pair_is_refused_at_its_line():
    # Python's json takes it, but it cannot be stored as UTF-8 text.
    with pytest.raises(SyncError, match=rf"^{WHERE}: .*surrogate"):
        read_record(json.dumps({**GOOD, "form_id": "\ud800"}).encode("ascii"), WHERE)
