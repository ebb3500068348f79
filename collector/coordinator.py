"""Coordinator pages: dashboard, responses, per-question summaries and the current event.

Behind a password the coordinator chooses on first run, on the laptop itself
(so nobody on a tablet can claim the collector first). Volunteers taking
surveys never need it.
"""

import statistics
from collections import Counter

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.security import generate_password_hash
from wtforms import DateField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Optional

from forms import OTHER, other_key

from .auth import MIN_PASSWORD, from_this_laptop, role_of_secret, sign_in, signed_in, throttle
from .context import form_or_404, form_version, get_forms, get_store, get_workspace
from .charts import bar_chart
from .netinfo import qr_svg

bp = Blueprint("coordinator", __name__, url_prefix="/coordinator")
PAGE_SIZE = 50


def init_app(app):
    app.register_blueprint(bp)


class SetupForm(FlaskForm):
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(min=MIN_PASSWORD, max=200)])
    confirm = PasswordField(_l("Password again"), validators=[DataRequired(), EqualTo("password", message=_l("The two passwords are not the same."))])


class LoginForm(FlaskForm):
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])


class EventForm(FlaskForm):
    name = StringField(_l("Event name"), validators=[DataRequired(), Length(max=120)])
    venue = StringField(_l("Venue"), validators=[Optional(), Length(max=120)])
    date = DateField(_l("Date"), validators=[Optional()])


class ConfirmForm(FlaskForm):
    """Only the CSRF token: for buttons that change something."""




@bp.route("/setup", methods=["GET", "POST"])
def setup():
    workspace = get_workspace()
    workspace.reload()
    if workspace.config.get("coordinator_password"):
        return redirect(url_for("coordinator.login"))
    if not from_this_laptop():
        return render_template("coordinator/setup_elsewhere.html"), 403
    form = SetupForm()
    if form.validate_on_submit():
        workspace.config["coordinator_password"] = generate_password_hash(form.password.data)
        workspace.save()
        sign_in(workspace, "coordinator")
        return redirect(url_for("coordinator.dashboard"))
    return render_template("coordinator/setup.html", form=form, min_length=MIN_PASSWORD), 400 if form.errors else 200


@bp.route("/login", methods=["GET", "POST"])
def login():
    workspace = get_workspace()
    workspace.reload()  # `collector password` may have changed it while serving
    stored = workspace.config.get("coordinator_password")
    if not stored:
        return redirect(url_for("coordinator.setup"))
    form = LoginForm()
    failed = False
    who = request.remote_addr or "?"
    if request.method == "POST" and throttle.wait(who):
        minutes = throttle.wait(who) // 60 + 1
        return render_template("coordinator/login.html", form=form, failed=False, wait=minutes), 429
    if form.validate_on_submit():
        role = role_of_secret(workspace, form.password.data)
        if role is not None:
            throttle.succeeded(who)
            sign_in(workspace, role)
            home = url_for("coordinator.dashboard") if role == "coordinator" else url_for("paper.choose")
            target = request.args.get("next", "")
            allowed = ("/coordinator", "/paper") if role == "coordinator" else ("/paper",)
            if not target.startswith(allowed) or "//" in target:
                target = home
            return redirect(target)
        throttle.failed(who)
        get_store().record_audit("sign-in refused", "visitor", {"address": who})
        failed = True
    return render_template("coordinator/login.html", form=form, failed=failed), 400 if (failed or form.errors) else 200


@bp.post("/logout")
def logout():
    ConfirmForm().validate_on_submit() or abort(400)
    session.clear()
    return redirect(url_for("survey.start"))


@bp.get("/")
@signed_in
def dashboard():
    store = get_store()
    workspace = get_workspace()
    found = get_forms()
    url = current_app.config.get("PUBLIC_URL") or request.host_url
    events = {e["id"]: e for e in store.events()}
    names = workspace.device_names()
    figures = {
        "forms": [(found[f].title.pick(found[f].languages[0]) if f in found else f, n) for f, n in store.tally("form_id")],
        "days": store.tally("day"),
        "sources": store.tally("source"),
        "devices": [(names.get(d) or d or _("Unknown"), n) for d, n in store.tally("device_id")],
        "events": [((events.get(e) or {}).get("name") or _("No event"), n) for e, n in store.tally("event_id")],
    }
    titles = {"forms": _("Per form"), "days": _("Per day"), "sources": _("Per source"), "devices": _("Per device"), "events": _("Per event")}
    charts = {titles[key]: bar_chart(rows, titles[key]) for key, rows in figures.items() if rows}
    return render_template(
        "coordinator/dashboard.html",
        forms=found,
        total=store.count_responses(),
        counts=dict(store.tally("form_id")),
        charts=charts,
        event=store.current_event(),
        event_form=EventForm(),
        url=url,
        qr=qr_svg(url),
        problems=current_app.extensions["form_problems"],
        confirm=ConfirmForm(),
        devices=store.devices() if workspace.is_hub else None,
    )


@bp.post("/event")
@signed_in
def set_event():
    form = EventForm()
    if not form.validate_on_submit():
        flash(_("The event needs a name (up to 120 characters) and, if given, a real date."), "error")
        return redirect(url_for("coordinator.dashboard"))
    get_store().set_event(form.name.data, form.venue.data or "", form.date.data.isoformat() if form.date.data else "")
    flash(_("The current event is now %(name)s. New responses record it.", name=form.name.data), "ok")
    return redirect(url_for("coordinator.dashboard"))


@bp.get("/forms/<form_id>/responses")
@signed_in
def responses(form_id):
    form = form_or_404(form_id)
    store = get_store()
    total = store.count_responses(form_id)
    pages = max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    page = min(max(request.args.get("page", 1, type=int) or 1, 1), pages)
    rows = store.list_responses(form_id, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    events = {e["id"]: e for e in store.events()}
    return render_template(
        "coordinator/responses.html", form=form, rows=rows, page=page, total=total,
        pages=pages, events=events,
    )


@bp.get("/responses/<response_id>")
@signed_in
def response(response_id):
    store = get_store()
    row = store.get_response(response_id)
    if row is None:
        abort(404, _("There is no response with that id."))
    # Shown with the questions it was answered on, even if the form has changed since.
    form = form_version(row["form_id"], row["form_version"])
    event = store.get_event(row["event_id"]) if row["event_id"] else None
    # Personal answers are put back only where this workspace can read them (the hub).
    row["answers"], sealed = get_workspace().privacy.answers_of(row)
    return render_template("coordinator/response.html", row=row, form=form, event=event, confirm=ConfirmForm(),
                           show=show_answer, sealed=sealed)


@bp.post("/responses/<response_id>/delete")
@signed_in
def delete(response_id):
    ConfirmForm().validate_on_submit() or abort(400)
    store = get_store()
    row = store.get_response(response_id)
    if row is None:
        abort(404, _("There is no response with that id."))
    if store.delete_response(response_id):
        store.record_audit("deletion", "coordinator", {"response": row["id"], "reference": row["reference"]})
    flash(_("Response %(ref)s was deleted. Its id is kept so the deletion reaches the office.", ref=row["reference"]), "ok")
    return redirect(url_for("coordinator.responses", form_id=row["form_id"]))


@bp.get("/forms/<form_id>/summary")
@signed_in
def summary(form_id):
    form = form_or_404(form_id)
    store = get_store()
    # Questions can change type between versions, so only this version's answers are summed.
    answers = list(store.answers_of(form_id, form.version))
    other_versions = store.count_responses(form_id) - len(answers)
    lang = form.languages[0]
    blocks = [(q, _summarise(q, answers, lang)) for q in form.questions if q.answerable]
    return render_template("coordinator/summary.html", form=form, blocks=blocks, count=len(answers), lang=lang, other_versions=other_versions)


def _summarise(q, answers, lang):
    """What a coordinator needs at a glance for one question."""
    values = [a[q.id] for a in answers if q.id in a]
    out = {"answered": len(values)}
    label = {c.value: c.label.pick(lang) for c in q.choices}
    label[OTHER] = _("Other")
    if q.type in ("choice", "yes_no", "choices"):
        counts = Counter(v for value in values for v in (value if isinstance(value, list) else [value]))
        options = [c.value for c in q.choices] if q.type != "yes_no" else ["yes", "no"]
        if q.other:
            options.append(OTHER)
        names = {"yes": _("Yes"), "no": _("No"), **label}
        out["chart"] = bar_chart([(names.get(v, v), counts.get(v, 0)) for v in options], q.label.pick(lang))
    elif q.type == "scale":
        counts = Counter(values)
        out["chart"] = bar_chart([(str(p), counts.get(p, 0)) for p in q.scale.points], q.label.pick(lang))
        out["mean"] = round(statistics.mean(values), 2) if values else None
    elif q.type == "number" and values:
        places = q.decimals or 0
        out["stats"] = {k: round(v, places) if places else v for k, v in
                        {"min": min(values), "median": statistics.median(values), "max": max(values)}.items()}
    elif q.type == "grid":
        points = [str(p) for p in q.scale.points] if q.scale else [c.value for c in q.choices]
        rows = []
        for s in q.statements:
            counts = Counter(str(v[s.id]) for v in values if s.id in v)
            rows.append((s.label.pick(lang), [counts.get(p, 0) for p in points]))
        out["grid"] = {"points": [label.get(p, p) for p in points], "rows": rows}
    elif q.type == "ranking":
        firsts = Counter(v[0] for v in values if v)
        out["chart"] = bar_chart([(c.label.pick(lang), firsts.get(c.value, 0)) for c in q.choices], q.label.pick(lang))
        out["ranking_note"] = True
    elif q.type in ("text", "textarea") and not q.personal:
        out["latest"] = values[-5:][::-1]
    return out


def show_answer(q, answers, lang):
    """An answer as a coordinator reads it."""
    value = answers.get(q.id)
    if value is None:
        return ""
    label = {c.value: c.label.pick(lang) for c in q.choices}
    label.update({"yes": _("Yes"), "no": _("No"), OTHER: _("Other") + ": " + str(answers.get(other_key(q.id), ""))})
    if q.type == "grid":
        names = {s.id: s.label.pick(lang) for s in q.statements}
        return "; ".join(f"{names.get(k, k)}: {label.get(str(v), v)}" for k, v in value.items())
    if q.type == "ranking":
        return "; ".join(f"{i}. {label.get(v, v)}" for i, v in enumerate(value, 1))
    if isinstance(value, list):
        return "; ".join(str(label.get(v, v)) for v in value)
    if value is True:
        return _("Agreed")
    return str(label.get(value, value)) if isinstance(value, str) else str(value)

