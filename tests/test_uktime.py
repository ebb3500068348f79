"""Days and times in UK time, whatever zone the laptop is set to (collector/uktime.py)."""

import time
import uuid
from datetime import date

import pytest

from collector.export import parse_since
from collector.uktime import uk_day, uk_time
from printouts import report_figures


@pytest.fixture(params=["UTC", "America/New_York", "Europe/London"])
def laptop_zone(request, monkeypatch):
    """The laptop's own time zone, as the C library and SQLite's 'localtime' see it."""
    monkeypatch.setenv("TZ", request.param)
    time.tzset()
    yield request.param
    monkeypatch.undo()
    time.tzset()


# (stored UTC time, the UK day it falls on): around midnight in summer (BST) and winter (GMT),
# and either side of the clocks changing in 2026 (29 March at 01:00 UTC, 25 October at 01:00 UTC).
DAYS = [
    ("2026-07-03T22:59:59Z", "2026-07-03"), ("2026-07-03T23:30:00Z", "2026-07-04"),
    ("2026-01-03T23:30:00Z", "2026-01-03"), ("2026-01-04T00:00:00Z", "2026-01-04"),
    ("2026-03-29T00:30:00Z", "2026-03-29"), ("2026-03-28T23:59:00Z", "2026-03-28"),
    ("2026-10-24T23:30:00Z", "2026-10-25"), ("2026-10-25T23:30:00Z", "2026-10-25"),
]


def test_the_dashboards_days_are_uk_days(workspace, laptop_zone):
    records = [{"id": str(uuid.uuid4()), "form_id": "visit", "form_version": "3", "language": "en", "source": "web",
                "submitted_at": stamp, "answers": {}} for stamp, _day in DAYS]
    records.append({**records[0], "id": str(uuid.uuid4()), "submitted_at": "not a time"})
    workspace.store.bulk_insert_responses(records)
    expected = {}
    for _stamp, day in DAYS:
        expected[day] = expected.get(day, 0) + 1
    assert workspace.store.tally("day") == [(None, 1)] + sorted(expected.items())


@pytest.mark.parametrize("stamp, day", DAYS)
def test_the_reports_day_of_a_response_is_its_uk_day(laptop_zone, stamp, day):
    assert report_figures.uk_day(stamp) == date.fromisoformat(day) == uk_day(stamp)


def test_export_since_a_day_or_a_time_means_uk_time(laptop_zone):
    assert parse_since("2026-07-04") == "2026-07-03T23:00:00Z"  # midnight, British Summer Time
    assert parse_since("2026-01-04") == "2026-01-04T00:00:00Z"  # midnight, GMT
    assert parse_since("2026-07-04T14:30") == "2026-07-04T13:30:00Z"
    assert parse_since("2026-07-04T14:30Z") == "2026-07-04T14:30:00Z"  # a time that gives its zone keeps it
    assert parse_since("2026-07-04T14:30+02:00") == "2026-07-04T12:30:00Z"


def test_uk_time_of_a_day_that_the_clocks_change_on():
    assert uk_time(date(2026, 3, 29)).isoformat() == "2026-03-29T00:00:00+00:00"
    assert uk_time(date(2026, 10, 25)).isoformat() == "2026-10-24T23:00:00+00:00"
    assert uk_day("not a time") is None and uk_day("2026-07-04T10:00:00") is None  # no zone: not a stored time
