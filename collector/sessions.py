"""Flask's signed-cookie sessions, with each distinct cookie's signature checked once.

A tablet sends the same session cookie with every request until its session changes
(rarely: when the collector's language is chosen, or to sign it again halfway through
its life; see survey._owns), and opening it costs a key derivation, an HMAC, base64,
zlib and JSON on every request: a noticeable share of the laptop's one core at a busy
event. The same cookie text carries the same signature, already checked with this app's
key, so what it holds and when it was signed are remembered; its age is still checked on
every request, and anything unknown or too old takes Flask's own path.
"""

import json
import time

from flask.sessions import SecureCookieSessionInterface
from itsdangerous import BadSignature

from .kept import Kept

# Cookies remembered per app; when full it starts again, which only costs checking them again.
REMEMBERED_COOKIES = 2000


class CheckedOnceSessions(SecureCookieSessionInterface):
    def __init__(self, limit=REMEMBERED_COOKIES):
        # (secret key, cookie text) -> (signed at, seconds since the epoch; the session as JSON; whether plain JSON)
        self.checked = Kept(limit)

    def open_session(self, app, request):
        text = request.cookies.get(self.get_cookie_name(app))
        if not text or not app.secret_key:
            return super().open_session(app, request)
        max_age = int(app.permanent_session_lifetime.total_seconds())
        key = (app.secret_key, text)
        known = self.checked.get(key)
        # The same test as itsdangerous: a signature from the future or older than max_age is refused.
        if known is None or not 0 <= int(time.time()) - known[0] <= max_age:
            try:
                data, signed_at = self.get_signing_serializer(app).loads(text, max_age=max_age, return_timestamp=True)
            except BadSignature:
                return self.session_class()
            # Plain JSON when it holds only JSON's own types (ids, tokens, a language): the
            # standard library reads that back several times faster than Flask's tagged JSON,
            # which looks at every value for a tag.
            plain = _plain(data)
            known = self.checked.put(key, (int(signed_at.timestamp()), json.dumps(data) if plain else self.serializer.dumps(data), plain))
        # Made afresh from JSON each time, so a view changing its session cannot change what is remembered.
        session = self.session_class(json.loads(known[1]) if known[2] else self.serializer.loads(known[1]))
        if int(time.time()) - known[0] > max_age // 2:
            # In use and past half its life: signed again with this response, so a tablet in use all
            # day keeps its session (and its drafts) however long ago the session began. A session
            # left unused for its whole life still runs out.
            session.modified = True
        return session


def _plain(value):
    """Whether value is made of dicts with text keys, lists, text, numbers, booleans and None only:
    what json.loads(json.dumps(value)) gives back as it was."""
    kind = type(value)
    if kind is dict:
        return all(type(k) is str and _plain(v) for k, v in value.items())
    if kind is list:
        return all(_plain(v) for v in value)
    return kind in (str, int, bool) or value is None or (kind is float and value == value and abs(value) != float("inf"))
