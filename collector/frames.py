"""Pages drawn once and filled in: what a tablet is shown at a busy event.

Most of what tablets are shown is the same for everyone who gets that far: a form's
first page, the first look at each of its pages (nothing answered there yet, no
errors), the thank-you page. Only a few values differ from one request to the next:
the response's id, the page's CSRF token, the answers the page carries for the
outbox. Drawing such a page through its templates was the largest single cost of a
request, so each is drawn once with a stand-in for each of those values, kept as a
frame, and filled in with each request's values: byte for byte what the templates
would draw (tests/test_frames.py checks every page of every example form).

A stand-in is letters and digits, which the templates' escaping and url_for leave as
they are; values are escaped as the templates' autoescaping escapes them. A value that
is also part of an address must be letters, digits and '-' (a response id is), since
url_for would quote anything else: the page is then drawn in full. So is a page whose
template changed a stand-in (a filter that cuts or changes case) or did not show it (it
only tested it, say): its frame is not kept.

Everything else on a page must be fixed by its key; a template that shows something new
per request must have it passed as a value, and may only show a value, never test it (a
test would be decided once, by the stand-in): see the note in base.html.
"""

import re
import secrets

from markupsafe import escape

from .kept import Kept

# Values that go into addresses: what url_for leaves unquoted.
ADDRESS_SAFE = re.compile(r"[A-Za-z0-9-]+")
NAME = re.compile(r"[a-z]+")


class Frames(Kept):
    """Frames by key, each a list alternating text and the name of the value that goes
    between (text, name, text, ... text)."""

    def __init__(self, limit=300):
        super().__init__(limit)
        # Random for each process, so no form's text can contain it.
        self.mark = "x" + secrets.token_hex(8)
        self.split = re.compile(f"{self.mark}([a-z]+){self.mark}")

    def page(self, key, draw, values, in_addresses=()):
        """The page for key, filled in with values ({name: text}, names lowercase letters).

        draw(values) draws the page through its templates with the values given, escaping
        them itself; it is called with stand-ins the first time a key is seen, and with the
        real values when the page cannot be framed.
        """
        if any(not ADDRESS_SAFE.fullmatch(values[name]) for name in in_addresses):
            return draw(values)
        frame = self.get(key)
        if frame is None:
            frame = self._make(draw, values)
            if frame is None:
                return draw(values)
            self.put(key, frame)
        filled = list(frame)
        for i in range(1, len(filled), 2):
            filled[i] = escape(values[filled[i]])
        return "".join(filled)

    def _make(self, draw, values):
        assert all(NAME.fullmatch(name) for name in values), "value names are lowercase letters"
        parts = self.split.split(draw({name: f"{self.mark}{name}{self.mark}" for name in values}))
        # What is left of a stand-in a filter cut short or changed the case of.
        probe = self.mark[:9]
        if (any(probe in text.lower() for text in parts[::2]) or any(name not in values for name in parts[1::2])
                or set(parts[1::2]) != set(values)):
            return None  # a stand-in was changed, or not shown at all: this page is drawn in full
        return parts
