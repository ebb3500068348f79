"""The hub's sync addresses: laptops pair here, push responses here and fetch forms here.

Only a hub answers them (elsewhere they are 404). Every request but pairing must carry
a paired laptop's token; an unknown or revoked one gets 401 before its body is read.
Errors have the one JSON shape the rest of the API uses.
"""

import functools

from flask import Blueprint, current_app, g, jsonify, render_template, request, url_for
from flask_babel import gettext as _

from sync import SyncError, hub, privacy

from .context import get_forms, get_store, get_workspace
from .auth import Throttle
from .outbox import error, json_body

bp = Blueprint("sync_api", __name__)
PUSH_BODY_KB = 4096  # the largest batch a laptop may push (its answer says so); sync.client sends at most BATCH_BYTES
pairing_throttle = Throttle(attempts=10, window=600)


def init_app(app, csrf):
    csrf.exempt(bp)
    app.register_blueprint(bp)


@bp.before_request
def only_on_a_hub():
    if not get_workspace().is_hub:
        if request.path.startswith("/api/"):
            return error(404, "This collector is not a hub: laptops sync to the office's hub, not to each other.")
        return render_template("error.html", code=404, message=_("This collector is not a hub.")), 404
    return None


def body():
    """The request's JSON body; SyncError (a 400 with the message) when it is not JSON the hub can keep."""
    value, problem = json_body()
    if problem:
        raise SyncError(f"The request is not JSON the hub can keep: {problem}.")
    return value


def paired(view):
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        device = hub.authenticate(get_store(), request.headers.get("Authorization"))
        if device is None:
            return error(401, "This laptop is not paired with this hub, or its pairing was revoked.")
        g.device = device
        return view(*args, **kwargs)

    return wrapper


@bp.post("/api/sync/pair")
def pair():
    who = request.remote_addr or "?"
    wait = pairing_throttle.wait(who)
    if wait:
        return error(429, f"Too many wrong pairing codes from this address; try again in {wait} seconds.")
    try:
        answer = hub.pair(get_store(), get_workspace().hub_identity(), body())
    except SyncError as exc:
        pairing_throttle.failed(who)
        return error(400, str(exc))
    pairing_throttle.succeeded(who)
    get_store().record_audit("laptop paired", "hub", {"name": answer["device_name"], "address": who})
    current_app.logger.info("paired laptop '%s'", answer["device_name"])
    return jsonify(answer)


@bp.post("/api/sync/push")
@paired
def push():
    # A paired laptop's batch may be larger than the max_body_kb other requests are held to:
    # a few large batches take far less of the hub's time than many small ones (a request's
    # own limit needs Flask 3.1).
    request.max_content_length = max(PUSH_BODY_KB, get_workspace().setting("max_body_kb")) * 1024
    try:
        answer = hub.receive(get_store(), g.device, body())
    except SyncError as exc:
        return error(400, str(exc))
    # Laptops send small batches until the hub says it takes large ones (an older hub does not).
    return jsonify({**answer, "max_body_kb": request.max_content_length // 1024})


@bp.post("/api/sync/audit")
@paired
def audit():
    try:
        return jsonify(privacy.receive_audit(get_store(), g.device, body()))
    except SyncError as exc:
        return error(400, str(exc))


@bp.get("/api/sync/erasures")
@paired
def erasures():
    return jsonify(privacy.erasures_for(get_store(), g.device, request.args.get("since", "")))


@bp.get("/api/sync/forms")
@paired
def published_forms():
    """The form versions laptops should have: the hub's current form of each id."""
    store = get_store()
    listed = [{"form_id": f.id, "version": f.version, "source": store.form_source(f.id, f.version)}
              for f in get_forms().values()]
    return jsonify({"ok": True, "forms": [f for f in listed if f["source"]]})


@bp.get("/pair/<code>")
def pairing_page(code):
    """Where a pairing code's QR leads a phone: what the code is for and how to use it."""
    return render_template("pair.html", code=request.url, hub_url=url_for("survey.start", _external=True))
