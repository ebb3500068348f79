"""Paper entry: volunteers type in completed paper copies, in the paper's order and numbering.

The serial comes first: a copy already stored is refused and its response
shown (the unique index on paper_serial decides), and a serial never issued
here, or issued for another form, needs an explicit "Enter it anyway". Then one
page holds every printed question, numbered as on paper and quick from the
keyboard (static/paper.js). With the double_entry setting on, two people key
each copy; keyings that differ wait at /paper/check until a coordinator decides.

Keying is for signed-in volunteers and coordinators; deciding between keyings for coordinators.
"""

import secrets
import uuid

from flask import Blueprint, abort, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _

from .context import form_or_404, form_version, get_forms, get_store, get_workspace
from .auth import signed_in, volunteer_signed_in
from .coordinator import show_answer
from .fields import UnknownField
from .i18n import translate_message
from .paper_entry import (
    PICK, clean_paper_answers, compare_keyings, decided_answers, normalise_serial, paper_questions,
    paper_sections, read_paper_answers,
)
from .store import DuplicateSerial, KeyingRefused

bp = Blueprint("paper", __name__, url_prefix="/paper")
PICKS = ("first", "second", "paper")


def init_app(app):
    app.register_blueprint(bp)


def _double_entry():
    return bool(get_workspace().setting("double_entry"))


def _keyer():
    """Who is keying: a random id kept in this browser's session, so double entry can tell two people apart."""
    if "keyer" not in session:
        session["keyer"] = secrets.token_hex(8)
    return session["keyer"]


def _copy_language(form, wanted):
    """The language the copy was printed in: as chosen, else the interface's, else the form's first."""
    for lang in (wanted, session.get("lang")):
        if lang in form.languages:
            return lang
    return form.languages[0]


def _shown(errors):
    return {qid: [translate_message(m) for m in messages] for qid, messages in errors.items()}


@bp.get("/")
@volunteer_signed_in
def choose():
    store = get_store()
    return render_template(
        "paper/choose.html", forms=list(get_forms().values()), double_entry=_double_entry(),
        awaiting=len(store.paper_copies_awaiting()),
    )


# -- the serial ---------------------------------------------------------------


@bp.route("/f/<form_id>", methods=["GET", "POST"])
@volunteer_signed_in
def serial(form_id):
    form = form_or_404(form_id)
    lang = _copy_language(form, request.values.get("lang"))
    if request.method == "GET":
        return _serial_page(form, lang)
    typed = request.form.get("serial", "")[:200]
    serial = normalise_serial(typed)
    if serial is None:
        error = _("Type the serial number printed at the top of the copy, like K7P-000012.")
        return _serial_page(form, lang, typed=typed, error=error), 400
    try:
        _check_copy(form, serial)
    except (DuplicateSerial, KeyingRefused) as exc:
        return _refused(form, lang, exc)
    if not request.form.get("anyway"):
        issued = get_store().serial_issued(serial)
        if issued is None or issued["form_id"] != form.id:
            return _serial_page(form, lang, typed=serial, warning={"serial": serial, "issued": issued})
    return redirect(url_for("paper.entry", form_id=form.id, serial=serial, lang=lang), 303)


def _serial_page(form, lang, typed="", error=None, warning=None, duplicate=None, refused=None):
    return render_template(
        "paper/serial.html", form=form, lang=lang, typed=typed, error=error, warning=warning,
        duplicate=duplicate, refused=refused, forms=get_forms(),
    )


def _check_copy(form, serial):
    """Raise DuplicateSerial or KeyingRefused when the copy cannot be keyed now; saving checks again."""
    store = get_store()
    existing = store.response_for_serial(serial)
    if existing is not None:
        raise DuplicateSerial(serial, existing)
    keyings = store.paper_keyings(serial)
    if len(keyings) > 1:
        raise KeyingRefused(serial, "awaiting", keyings)
    if keyings and _double_entry():
        if keyings[0]["keyer"] == session.get("keyer"):
            raise KeyingRefused(serial, "same_keyer", keyings)
        if keyings[0]["form_id"] != form.id:
            raise KeyingRefused(serial, "other_form", keyings)


def _refused(form, lang, exc):
    """The serial page saying why this copy cannot be keyed, with the entry it clashes with."""
    if isinstance(exc, DuplicateSerial):
        return _serial_page(form, lang, typed=exc.serial, duplicate=exc.existing), 409
    return _serial_page(form, lang, typed=exc.serial, refused=exc), 409


# -- keying a copy --------------------------------------------------------------


@bp.route("/f/<form_id>/<serial>", methods=["GET", "POST"])
@volunteer_signed_in
def entry(form_id, serial):
    form = form_or_404(form_id)
    if normalise_serial(serial) != serial:
        abort(404, _("That is not a serial number. Start again from the serial page."))
    lang = _copy_language(form, request.values.get("lang"))
    store = get_store()
    if request.method == "GET":
        try:
            _check_copy(form, serial)
        except (DuplicateSerial, KeyingRefused) as exc:
            return _refused(form, lang, exc)
        return _entry_page(form, serial, lang, str(uuid.uuid4()), {}, {}, {})

    entry_id = request.form.get("_entry", "")
    try:
        uuid.UUID(entry_id)
    except ValueError:
        abort(400, _("This page was not sent whole. Reload it and key the copy again."))
    done = redirect(url_for("paper.done", form_id=form.id, serial=serial, lang=lang), 303)
    if _already_saved(serial, entry_id):
        return done  # a double click or a re-sent Save
    try:
        raw = read_paper_answers(paper_questions(form), request.form)
    except UnknownField as exc:
        abort(400, _("This page sent an answer the form does not have (%(field)s). Reload the page and try again.", field=exc.field))
    clean, errors = clean_paper_answers(form, raw, lang)
    if errors:
        return _entry_page(form, serial, lang, entry_id, raw, clean, errors, status=400)
    event = store.current_event()
    device = get_workspace().device_id
    try:
        if _double_entry():
            store.key_paper_copy(entry_id, serial, form.id, form.version, clean, lang, _keyer(), device, event and event["id"])
        else:
            store.submit_paper_response(entry_id, form.id, form.version, clean, serial, lang, device, event and event["id"])
    except (DuplicateSerial, KeyingRefused) as exc:
        if _already_saved(serial, entry_id):
            return done
        return _refused(form, lang, exc)
    return done


def _already_saved(serial, entry_id):
    """Has this very page already been saved (as the response, or as one keying)?"""
    store = get_store()
    existing = store.response_for_serial(serial)
    return (existing is not None and existing["id"] == entry_id) or any(k["id"] == entry_id for k in store.paper_keyings(serial))


def _entry_page(form, serial, lang, entry_id, raw, clean, errors, status=200):
    g.response_language = lang
    keyings = get_store().paper_keyings(serial) if _double_entry() else []
    return render_template(
        "paper/entry.html", form=form, serial=serial, lang=lang, entry_id=entry_id,
        sections=paper_sections(form), raw=raw, clean=clean, errors=_shown(errors), second=bool(keyings),
    ), status


@bp.get("/f/<form_id>/<serial>/done")
@volunteer_signed_in
def done(form_id, serial):
    form = form_or_404(form_id)
    lang = _copy_language(form, request.args.get("lang"))
    store = get_store()
    response = store.response_for_serial(serial)
    keyings = store.paper_keyings(serial)
    if response is None and not keyings:
        abort(404, _("Copy %(serial)s has not been keyed.", serial=serial))
    return render_template("paper/done.html", form=form, lang=lang, serial=serial, response=response, keyings=keyings)


# -- double entry: the coordinator decides --------------------------------------


@bp.get("/check")
@signed_in
def check():
    forms_here = get_forms()
    copies = get_store().paper_copies_awaiting()
    return render_template("paper/check.html", copies=copies, forms=forms_here)


@bp.route("/check/<serial>", methods=["GET", "POST"])
@signed_in
def decide(serial):
    store = get_store()
    existing = store.response_for_serial(serial)
    if existing is not None:
        flash(_("Copy %(serial)s is stored as response %(ref)s.", serial=serial, ref=existing["reference"]), "ok")
        return redirect(url_for("coordinator.response", response_id=existing["id"]))
    keyings = store.paper_keyings(serial)
    if len(keyings) != 2 or keyings[1]["status"] != "differs":
        abort(404, _("No copy with serial %(serial)s is waiting for a decision.", serial=serial))
    first, second = keyings
    form = form_version(first["form_id"], first["form_version"])
    if form is None:
        abort(404, _("The form this copy was keyed on (%(id)s, version %(version)s) is not known here.", id=first["form_id"], version=first["form_version"]))
    lang = first["language"] if first["language"] in form.languages else form.languages[0]
    rows = compare_keyings(form, first["answers"], second["answers"])
    differing = [row.q for row in rows if row.differs]
    if request.method == "GET":
        return _compare_page(form, lang, serial, first, second, rows, {}, {}, {}, {})

    picks = {q.id: request.form.get(PICK + q.id) for q in differing}
    try:
        typed = read_paper_answers(differing, request.form)
    except UnknownField as exc:
        abort(400, _("This page sent an answer the form does not have (%(field)s). Reload the page and try again.", field=exc.field))
    unpicked = {qid: [_("Choose the first keying, the second, or type the answer from the paper copy.")]
                for qid, pick in picks.items() if pick not in PICKS}
    if unpicked:
        return _compare_page(form, lang, serial, first, second, rows, picks, typed, {}, unpicked, status=400)
    chosen = decided_answers(rows, first["answers"], second["answers"], picks, typed)
    clean, errors = clean_paper_answers(form, chosen, lang)
    if errors:
        return _compare_page(form, lang, serial, first, second, rows, picks, typed, errors, {}, status=400)
    try:
        reference = store.decide_paper_copy(serial, clean, get_workspace().device_id)
    except DuplicateSerial as exc:
        reference = exc.existing["reference"]  # another coordinator decided a moment ago
    flash(_("Copy %(serial)s is stored as response %(ref)s.", serial=serial, ref=reference), "ok")
    return redirect(url_for("paper.check"), 303)


def _compare_page(form, lang, serial, first, second, rows, picks, typed, errors, unpicked, status=200):
    # A typed answer's problems go with its field; any other with the choice of keying.
    typed_ids = {qid for qid, pick in picks.items() if pick == "paper"}
    problems = {**_shown({k: v for k, v in errors.items() if k not in typed_ids}), **unpicked}
    return render_template(
        "paper/compare.html", form=form, lang=lang, serial=serial, first=first, second=second, rows=rows,
        picks=picks, raw=typed, clean={}, errors=_shown({k: v for k, v in errors.items() if k in typed_ids}),
        problems=problems, show=show_answer,
    ), status
