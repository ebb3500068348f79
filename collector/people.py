"""A person's rights over their answers (UK GDPR): find, copy, erase.

A respondent quotes the reference from their thank-you page, or the serial of
their paper copy; a coordinator finds the response, gives the person a copy of
everything held about them, or erases it. An erasure keeps only the response's
id as a tombstone, which sync carries, so no laptop's copy brings it back.
Each copy and erasure is written to the audit log.
"""

import json

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField
from wtforms.validators import DataRequired

from .auth import signed_in
from .context import form_version, get_store, get_workspace
from .coordinator import ConfirmForm, show_answer

bp = Blueprint("people", __name__, url_prefix="/coordinator/people")


def init_app(app):
    app.register_blueprint(bp)


class EraseForm(FlaskForm):
    checked = BooleanField(_l("I have checked that this is the person's response, and they asked for it to be erased."),
                           validators=[DataRequired(_l("Tick the box to confirm first."))])


@bp.get("")
@signed_in
def find():
    typed = " ".join(request.args.get("q", "").split())[:60]
    found = get_store().find_respondent(typed) if typed else None
    return render_template("coordinator/people.html", typed=typed, found=found)


def _response_or_404(response_id):
    row = get_store().get_response(response_id)
    if row is None:
        abort(404, _("There is no response with that id."))
    return row


def _readable(row):
    """[(question, answer)] as the person would read them, with whether personal answers are sealed here."""
    form = form_version(row["form_id"], row["form_version"])
    answers, sealed = get_workspace().privacy.answers_of(row)
    if form is None:
        return [(key, str(value)) for key, value in answers.items()], sealed
    lang = row["language"] if row["language"] in form.languages else form.languages[0]
    rows = []
    # At the hub, answers sealed for another hub's key (a laptop paired with that one then).
    unreadable = _("Sealed for another hub: this hub cannot open it.") if get_workspace().is_hub else \
        _("Sealed: only the office's hub can read this.")
    for q in form.questions:
        if not q.answerable:
            continue
        if q.personal and sealed:
            rows.append((q.label.pick(lang), unreadable))
        elif q.id in answers:
            rows.append((q.label.pick(lang), show_answer(q, answers, lang)))
    return rows, sealed


@bp.get("/<response_id>")
@signed_in
def person(response_id):
    row = _response_or_404(response_id)
    rows, sealed = _readable(row)
    return render_template("coordinator/person.html", row=row, rows=rows, sealed=sealed, erase=EraseForm(), confirm=ConfirmForm())


@bp.post("/<response_id>/copy")
@signed_in
def copy(response_id):
    ConfirmForm().validate_on_submit() or abort(400)
    row = _response_or_404(response_id)
    rows, sealed = _readable(row)
    body = {
        "reference": row["reference"], "paper_serial": row["paper_serial"], "form": row["form_id"],
        "form_version": row["form_version"], "sent": row["submitted_at"], "erased": bool(row["deleted_at"]),
        "answers": [{"question": q, "answer": a} for q, a in rows],
    }
    get_store().record_audit("copy for a respondent", "coordinator", {"response": row["id"], "reference": row["reference"],
                                                                       "include_personal": not sealed})
    return Response(json.dumps(body, ensure_ascii=False, indent=2), mimetype="application/json",
                    headers={"Content-Disposition": f"attachment; filename=response-{row['reference']}.json"})


@bp.post("/<response_id>/erase")
@signed_in
def erase(response_id):
    row = _response_or_404(response_id)
    form = EraseForm()
    if not form.validate_on_submit():
        rows, sealed = _readable(row)
        return render_template("coordinator/person.html", row=row, rows=rows, sealed=sealed, erase=form,
                               confirm=ConfirmForm()), 400
    get_store().erase_response(row["id"])
    get_store().record_audit("erasure", "coordinator", {"response": row["id"], "reference": row["reference"]})
    flash(_("Response %(ref)s was erased. Only its id is kept, so that no laptop brings it back.", ref=row["reference"]), "ok")
    return redirect(url_for("people.find"))
