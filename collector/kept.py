"""What a running collector works out once and reuses, by key.

Bounded: when full it starts again, which only costs working things out again.
Used for session cookies already checked, survey pages drawn once (frames.py),
questions drawn and answers checked (survey.py) and drafts as stored (the store).
"""


class Kept:
    def __init__(self, limit):
        self.limit = limit
        self.entries = {}

    def get(self, key):
        return self.entries.get(key)

    def put(self, key, value):
        """Keep value for key (starting again when full); returns value."""
        if len(self.entries) >= self.limit:
            self.entries = {}
        self.entries[key] = value
        return value

    def take(self, key):
        """The value kept for key, no longer kept; None if there is none."""
        return self.entries.pop(key, None)

    def clear(self):
        self.entries = {}
