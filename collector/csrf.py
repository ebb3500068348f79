"""Flask-WTF's CSRF protection, with each session's token signed once.

A page carries a token: the session's own secret, signed with the app's key and the
time. The collector sets no time limit (WTF_CSRF_TIME_LIMIT is None in app.py: a page
left open all afternoon at a drop-in must still save), so every token signed for a
session is good for as long as the session, and signing the same secret again for
every page gives a new text worth no more than the first. Each signing costs JSON,
zlib, base64 and an HMAC, and checking a token costs as much again: at a busy event,
six of each for every response.

So a session's token is signed once (by Flask-WTF) and kept, by the signing key and
the session's secret; every page of that session shows it, and a post carrying
exactly that text is known good without unsigning it. Anything else (an older token,
a request over HTTPS with Flask-WTF's referrer checks, a time limit set) takes
Flask-WTF's own path.
"""

import hmac

from flask import current_app, g, request, session
from flask_wtf.csrf import CSRFProtect, generate_csrf

from .kept import Kept

# Sessions whose token is kept; when full it starts again, which only costs signing them again.
KEPT_TOKENS = 2000
FIELD = "csrf_token"  # Flask-WTF's default WTF_CSRF_FIELD_NAME, which the collector keeps


class SignedOnce(CSRFProtect):
    def init_app(self, app):
        super().init_app(app)
        app.extensions["csrf_tokens"] = Kept(KEPT_TOKENS)
        # After Flask-WTF's: templates' csrf_token() gives the kept token too.
        app.context_processor(lambda: {"csrf_token": page_token})

    def protect(self, apply_exemptions=False):
        # Exempt views (a tablet's outbox, the hub's sync) read their bodies themselves: not parsed here.
        exempt = apply_exemptions and (not request.endpoint or self._is_exempt())
        if not exempt and _posted_token_is_kept():
            g.csrf_valid = True  # as Flask-WTF marks a request it has checked
            return
        super().protect(apply_exemptions)


def _key():
    config = current_app.config
    if config["WTF_CSRF_TIME_LIMIT"] is not None or config["WTF_CSRF_FIELD_NAME"] != FIELD:
        return None
    secret = session.get(FIELD)
    return (config.get("WTF_CSRF_SECRET_KEY") or current_app.secret_key, secret) if secret else None


def page_token():
    """The session's token for a page to carry (made by Flask-WTF the first time)."""
    key = _key()
    kept = current_app.extensions["csrf_tokens"]
    token = kept.get(key) if key else None
    if token is None:
        token = generate_csrf()
        key = _key()
        if key:
            kept.put(key, token)
    return token


def _posted_token_is_kept():
    if request.method not in current_app.config["WTF_CSRF_METHODS"] or request.is_secure:
        return False
    key = _key()
    kept = current_app.extensions["csrf_tokens"].get(key) if key else None
    posted = request.form.get(FIELD)
    # As bytes: compare_digest refuses text that is not ASCII (a tampered token may be anything).
    return bool(kept and posted) and hmac.compare_digest(posted.encode(), kept.encode())
