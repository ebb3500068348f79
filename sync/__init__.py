"""Replication between laptops and the office's central copy (the hub).

A laptop sends every response changed since the last point the hub acknowledged,
over HTTP when there is a connection or as a signed file bundle on a USB stick
when there is not; form versions travel back down. The hub takes each (response,
revision) once, because the database's keys say so, whatever is re-sent, cut
short or repeated. Needs `forms` and the store's API; nothing here knows Flask.
"""


class SyncError(Exception):
    """A sync that cannot go on, said so the person running it knows what to do.

    Nothing is lost when one is raised: what was not acknowledged is sent again.
    """
