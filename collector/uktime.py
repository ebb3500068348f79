"""Times as the people reading them count them: in the UK.

The store keeps every time in UTC (ISO 8601, ending in Z). Those who read them, on a
coordinator's page, in a report's "on which day", in an export "since" a day, are in
the UK, whatever time zone the laptop is set to: one set up abroad, or left on UTC as
many Linux installs are, would put a response sent at 00:30 on a July morning on the
day before. So days and times are worked out in UK time (GMT, or BST in summer).
"""

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

UK_TIME = ZoneInfo("Europe/London")


def parse_stamp(stamp):
    """A stored time as an aware datetime, or None for none or text that is not one with its zone."""
    if not stamp:
        return None
    try:
        moment = datetime.fromisoformat(str(stamp).replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def uk_day(stamp):
    """The UK calendar day of a stored time (an ISO text or an aware datetime), or None."""
    moment = stamp if isinstance(stamp, datetime) else parse_stamp(stamp)
    if moment is None or moment.tzinfo is None:
        return None
    try:
        return moment.astimezone(UK_TIME).date()
    except OverflowError:  # the very edge of the calendar
        return moment.date()


def uk_today():
    return datetime.now(UK_TIME).date()


def uk_time(day_or_moment):
    """A day (its midnight) or a datetime without a zone, as that time in the UK, in UTC."""
    moment = day_or_moment
    if not isinstance(moment, datetime):
        moment = datetime(moment.year, moment.month, moment.day)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UK_TIME)
    return moment.astimezone(timezone.utc)
