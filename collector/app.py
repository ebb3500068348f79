"""The Flask application factory.

`create_app(workspace)` reads the workspace's config, then any test overrides;
each part of the app registers itself with its own `init_app`, so this stays short.
"""

import os
import time
from datetime import timedelta

from flask import Flask, render_template, request, url_for
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from . import coordinator, devices, downloads, i18n, outbox, paper, people, privacy, survey, sync_api
from .context import page_globals
from .csrf import SignedOnce
from .sessions import CheckedOnceSessions
from .workspace import Workspace

csrf = SignedOnce()

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}
# (lower-case name, name, value) for the after-request hook: every response, and pages (not kept by the browser).
_ASSET_HEADERS = [(name.lower(), name, value) for name, value in SECURITY_HEADERS.items()]
_PAGE_HEADERS = [*_ASSET_HEADERS, ("cache-control", "Cache-Control", "no-store")]


def create_app(workspace, test_config=None):
    if not isinstance(workspace, Workspace):
        workspace = Workspace(workspace)
    app = Flask(__name__)
    app.session_interface = CheckedOnceSessions()
    app.config.update(
        SECRET_KEY=workspace.config["secret_key"],
        MAX_CONTENT_LENGTH=workspace.setting("max_body_kb") * 1024,
        PERMANENT_SESSION_LIFETIME=timedelta(hours=workspace.setting("session_hours")),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        WTF_CSRF_TIME_LIMIT=None,
        KIOSK=False,
        PUBLIC_URL=None,
    )
    if test_config:
        app.config.update(test_config)
    app.extensions["workspace"] = workspace
    workspace.store.purge_drafts(workspace.setting("draft_days"))
    reload_forms(app)
    if workspace.is_hub:
        privacy.apply_retention(workspace, app.extensions["forms"])

    csrf.init_app(app)
    i18n.init_app(app)
    survey.init_app(app)
    outbox.init_app(app, csrf)
    coordinator.init_app(app)
    paper.init_app(app)
    downloads.init_app(app)
    sync_api.init_app(app, csrf)
    devices.init_app(app)
    people.init_app(app)

    @app.before_request
    def fresh_forms():
        # A form dropped into the folder, or taken from the hub by `collector sync`,
        # is offered without restarting; the folder is looked at every few seconds at most.
        if not request.path.startswith("/static/"):
            reload_forms_if_changed(app)

    @app.after_request
    def headers(response):
        # A header the view set itself is kept. What it set is read once: Headers.setdefault
        # searches every header for each name, and this runs on every request.
        present = {name.lower() for name, _value in response.headers}
        wanted = _PAGE_HEADERS if request.endpoint and not request.endpoint.startswith("static") else _ASSET_HEADERS
        for lower, name, value in wanted:
            if lower not in present:
                response.headers.add(name, value)
        return response

    static_urls = {}

    @app.template_global()
    def static_url(filename):
        """url_for('static', filename=filename), made once: every page links the same six files."""
        key = (request.script_root, filename)
        url = static_urls.get(key)
        if url is None:
            if len(static_urls) > 100:
                static_urls.clear()
            url = static_urls[key] = url_for("static", filename=filename)
        return url

    app.context_processor(page_globals)

    @app.errorhandler(CSRFError)
    def csrf_error(exc):
        return error_page(400, _("This page has expired or was not sent from this collector. Go back, reload the page and try again.")), 400

    @app.errorhandler(HTTPException)
    def http_error(exc):
        messages = {
            400: _("Something in what was sent was not right."),
            404: _("There is no page at this address."),
            405: _("This page cannot be used that way."),
            413: _("What was sent is too large. Shorten the longest answers and try again."),
        }
        # A description given to abort() says exactly what was wrong; use it.
        custom = exc.description != type(exc).description
        message = exc.description if custom else messages.get(exc.code, exc.description)
        if request.path.startswith("/api/"):
            return outbox.error(exc.code, message)
        return error_page(exc.code, message), exc.code

    @app.errorhandler(Exception)
    def crash(exc):
        app.logger.exception("error while handling %s", request.path)
        message = _("Something went wrong on the collector. Answers already sent are safe.")
        try:
            return error_page(500, message), 500
        except Exception:
            return message, 500, {"Content-Type": "text/plain; charset=utf-8"}

    return app


def error_page(code, message):
    return render_template("error.html", code=code, message=message)


FORMS_CHECK_SECONDS = 2.0


def _forms_signature(folder):
    try:
        return sorted((e.name, e.stat().st_mtime_ns, e.stat().st_size) for e in os.scandir(folder)
                      if e.name.endswith((".yaml", ".yml")))
    except OSError:
        return None


def reload_forms_if_changed(app):
    state = app.extensions["forms_checked"]
    if time.monotonic() - state["at"] < FORMS_CHECK_SECONDS:
        return
    state["at"] = time.monotonic()
    signature = _forms_signature(app.extensions["workspace"].forms_dir)
    if signature != state["signature"]:
        reload_forms(app)


def reload_forms(app):
    """Read the workspace's forms; keep each version's YAML in the store for later."""
    workspace = app.extensions["workspace"]
    # Looked at before reading, so a file changed while reading is read again next time.
    signature = _forms_signature(workspace.forms_dir)
    found, problems = workspace.load_forms()
    for form_id, form in list(found.items()):
        with open(form.source, encoding="utf-8") as f:
            kept = workspace.store.record_form(form.id, form.version, f.read())
        if not kept:
            # Responses keep the version they were answered on, so a version's text is fixed once used.
            problems.append(
                f"{form.source}: version {form.version} of form '{form.id}' was used before with different content, "
                "so this file is left out. Give the changed form a new version (for example today's date).")
            del found[form_id]
    app.extensions["forms"] = found
    app.extensions["form_problems"] = problems
    app.extensions["forms_checked"] = {"at": time.monotonic(), "signature": signature}
    return found, problems
