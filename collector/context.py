"""The running app's workspace, store and forms, for views to reach without importing the app."""

from flask import abort, current_app
from flask_babel import gettext as _

import forms


def get_workspace():
    return current_app.extensions["workspace"]


def get_store():
    return get_workspace().store


def get_forms():
    return current_app.extensions["forms"]


def page_globals():
    """What every page's templates are given besides a view's own values (app.py's context
    processor); the kiosk's settings can change while the collector runs."""
    app, workspace = current_app, get_workspace()
    return {
        "kiosk": app.config["KIOSK"],
        "workspace": workspace,
        "kiosk_idle_seconds": app.config.get("KIOSK_IDLE_SECONDS") or workspace.setting("kiosk_idle_minutes") * 60,
        "kiosk_thanks_seconds": app.config.get("KIOSK_THANKS_SECONDS") or workspace.setting("kiosk_thanks_seconds"),
        # How long a browser keeps what was typed into a response never sent (outbox.js): as the laptop.
        "draft_days": workspace.setting("draft_days"),
    }


def form_or_404(form_id, version=None):
    """The open form with that id (and version, when given), or a 404 page that says so."""
    form = get_forms().get(form_id)
    if form is None or (version is not None and form.version != version):
        abort(404, _("There is no form called '%(id)s' here. It may have been removed or changed; start again from the first page.", id=form_id))
    return form


def form_version(form_id, version):
    """The form as it was at that version, from the copy the store keeps; None if unknown."""
    current = get_forms().get(form_id)
    if current is not None and current.version == version:
        return current
    cache = current_app.extensions.setdefault("old_forms", {})
    if (form_id, version) not in cache:
        source = get_store().form_source(form_id, version)
        try:
            cache[(form_id, version)] = forms.load_form_text(source, f"{form_id} v{version}") if source else None
        except forms.FormError:
            cache[(form_id, version)] = None
    return cache[(form_id, version)]
