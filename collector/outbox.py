"""Where a tablet's outbox delivers finished responses, however late they arrive.

A tablet keeps a finished response in its own storage until this endpoint
acknowledges it, and the acknowledgement is sent only after the response is
committed. A send is authorised by a token derived from the response id and
the collector's secret, not by the browser's session: a re-send still works
after the browser was closed, and another site cannot forge one. Re-sending is
harmless: the response id decides, so one response is stored however often it comes.
"""

import hashlib
import hmac
import re

from flask import Blueprint, current_app, jsonify, request
from flask_babel import gettext as _

import forms

from . import strictjson
from .context import get_forms, get_store, get_workspace
from .i18n import translate_message
from .store import SOURCES

bp = Blueprint("outbox", __name__, url_prefix="/api")
STAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")


def init_app(app, csrf):
    csrf.exempt(bp)
    app.register_blueprint(bp)


def draft_token(response_id):
    """The secret a page holds to send its response, tied to this collector and this id."""
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, b"draft:" + response_id.encode(), hashlib.sha256).hexdigest()[:40]


def json_body():
    """(the request's JSON body, None), or (None, what is wrong with it) when the request is not
    JSON or is JSON the store cannot keep (see strictjson.py)."""
    if not request.is_json:
        return None, "it is not sent as JSON (Content-Type: application/json)"
    try:
        return strictjson.loads(request.get_data(cache=True)), None
    except strictjson.Unreadable as exc:
        return None, str(exc)


def error(status, message, errors=None):
    """The one shape of every JSON error."""
    body = {"ok": False, "status": status, "error": message, "errors": errors or {}}
    return jsonify(body), status


@bp.post("/responses/<response_id>")
def receive(response_id):
    data, problem = json_body()
    if problem:
        return error(400, _("The response could not be read: %(problem)s.", problem=problem))
    if not isinstance(data, dict):
        return error(400, _("Send the response as a JSON object."))
    token = data.get("token")
    # As bytes: compare_digest refuses text that is not ASCII, and a token sent may be anything.
    if not isinstance(token, str) or not hmac.compare_digest(token.encode(), draft_token(response_id).encode()):
        return error(403, _("This response was not started on this collector."))
    store = get_store()
    existing = store.get_response(response_id)
    if existing is not None:
        # Sent before (another tab, or an acknowledgement that never arrived).
        return jsonify({"ok": True, "id": response_id, "reference": existing["reference"], "created": False})
    form_id = data.get("form_id")
    form = get_forms().get(form_id) if isinstance(form_id, str) else None
    if form is None or form.version != str(data.get("version")):
        return error(409, _("This form has changed on the collector since the answers were given; they were kept on the tablet."))
    lang = data.get("lang") if data.get("lang") in form.languages else form.languages[0]
    answers = data.get("answers")
    if not isinstance(answers, dict):
        return error(400, _("The answers are missing."))
    clean, problems = forms.clean_answers(form, answers, lang)
    if problems:
        messages = {qid: [translate_message(m) for m in msgs] for qid, msgs in problems.items()}
        return error(422, _("Some answers need changing."), messages)
    workspace = get_workspace()
    event = store.current_event()
    source = data.get("source") if data.get("source") in SOURCES else "web"
    started = {
        "form_id": form.id, "form_version": form.version, "language": lang, "source": source,
        "device_id": workspace.device_id, "event_id": event and event["id"],
        "started_at": data["started_at"] if STAMP.fullmatch(str(data.get("started_at"))) else None,
    }
    reference, created = store.submit_response(response_id, clean, started=started)
    return jsonify({"ok": True, "id": response_id, "reference": reference, "created": created})
