"""Downloads of a form's responses from the coordinator pages: the same exports as `collector export`.

Behind the coordinator password, sent by POST with the CSRF token (a download
can carry personal data and is written to the audit log, so a link must not
start one). CSV and JSON lines stream as they are made; Excel and SQLite are
built in a temporary file in the workspace, which is streamed and is gone once sent.
"""

import os
import tempfile

from flask import Blueprint, Response, flash, redirect, send_file, stream_with_context, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, RadioField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional

from .context import form_or_404, get_store, get_workspace
from .auth import signed_in
from .export import ExportError, plan_export
from .export_write import EXTENSIONS, MEDIA_TYPES, text_chunks, write_to

bp = Blueprint("downloads", __name__, url_prefix="/coordinator")


def init_app(app):
    app.register_blueprint(bp)


class ExportForm(FlaskForm):
    format = SelectField(_l("Format"), default="csv", choices=[
        SelectChoice("csv", _l("CSV, for Excel, R or Python")),
        SelectChoice("xlsx", _l("Excel workbook")),
        SelectChoice("json", _l("JSON lines, one response per line")),
        SelectChoice("sqlite", _l("SQLite database, for Datasette")),
    ])
    values = RadioField(_l("Write the answers to choice questions as"), default="codes", choices=[
        SelectChoice("codes", _l("Codes, as stored")),
        SelectChoice("labels", _l("Labels, as people saw them")),
    ])
    since = DateField(_l("Only responses sent on or after (optional)"), validators=[Optional()])
    source = SelectField(_l("Source"), default="", choices=[
        SelectChoice("", _l("All sources")), SelectChoice("web", _l("Web")),
        SelectChoice("kiosk", _l("Kiosk")), SelectChoice("paper", _l("Paper")),
    ])
    event = SelectField(_l("Event"), default="", choices=[])
    bom = BooleanField(_l("CSV for older versions of Excel (adds a byte-order mark)"))
    include_personal = BooleanField(_l("Include personal data"))


def export_form():
    """The download form, with the workspace's events to choose from."""
    form = ExportForm()
    names = sorted({e["name"] for e in get_store().events()})
    form.event.choices = [SelectChoice("", _("All events"))] + [SelectChoice(name) for name in names]
    return form


@bp.app_context_processor
def _template_helpers():
    return {"export_form": export_form}


@bp.post("/forms/<form_id>/export")
@signed_in
def export(form_id):
    form = form_or_404(form_id)
    choice = export_form()
    back = redirect(url_for("coordinator.responses", form_id=form.id))
    if not choice.validate_on_submit():
        flash(_("The download could not be made: check the choices (a date like 04/07/2026) and try again."), "error")
        return back
    workspace = get_workspace()
    store = workspace.store
    fmt = choice.format.data
    try:
        plan, _warnings = plan_export(
            store, form, labels=choice.values.data == "labels", include_personal=choice.include_personal.data,
            since=choice.since.data.isoformat() if choice.since.data else None, source=choice.source.data or None,
            event=choice.event.data or None, devices=workspace.device_names(),
        )
    except ExportError:
        flash(_("The download could not be made: check the choices and try again."), "error")
        return back
    store.record_audit("export", "coordinator", plan.describe(fmt))
    name = form.id + EXTENSIONS[fmt]
    if fmt in ("csv", "json"):
        body = stream_with_context(text_chunks(plan, fmt, bom=choice.bom.data))
        return Response(body, content_type=MEDIA_TYPES[fmt], headers={"Content-Disposition": f'attachment; filename="{name}"'})
    handle, path = tempfile.mkstemp(prefix=".export-", suffix=EXTENSIONS[fmt], dir=workspace.path)
    os.close(handle)
    try:
        write_to(plan, fmt, path)
        built = open(path, "rb")
    finally:
        # Open files outlive their name: the download streams from it, and nothing is left on disk.
        os.unlink(path)
    return send_file(built, mimetype=MEDIA_TYPES[fmt], as_attachment=True, download_name=name)
