"""The local store: the only package that touches SQLite (through sqlite-utils).

Durability comes first: WAL mode with synchronous=FULL, so a response is on
disk before the thank-you page is sent and survives a flat battery. Each
response has a UUID from the moment its form is first shown; the primary key
decides whether a submission is new, so a double click or a re-sent POST
stores one response, never two.

The Store is put together from one part per responsibility, each in its own module.
"""

from . import schema  # noqa: F401  (registers the migrations)
from .base import (
    REFERENCE_ALPHABET, SOURCES, DuplicateSerial, KeyingRefused, StoreBase, StoreError,
    migrations, new_reference, normalise_reference, now,
)
from .exports import AUDIT_ACTORS, EXPORT_COLUMNS, ExportsMixin, write_database
from .paper import PaperMixin
from .personal import PersonalMixin
from .responses import ResponsesMixin
from .sync import RESPONSE_FIELDS, SyncMixin


class Store(ResponsesMixin, PaperMixin, PersonalMixin, ExportsMixin, SyncMixin, StoreBase):
    """Responses, drafts, events, settings, paper copies and the audit log of one workspace, in one SQLite file."""


__all__ = [
    "AUDIT_ACTORS", "EXPORT_COLUMNS", "REFERENCE_ALPHABET", "SOURCES", "DuplicateSerial", "KeyingRefused", "RESPONSE_FIELDS",
    "Store", "StoreError", "migrations", "new_reference", "normalise_reference", "now", "write_database",
]
