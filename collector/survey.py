"""Filling in a form: the start page, one page per section, and the thank-you page.

A response id is given when a person presses Start; every page posts back to
that id, so Back, Next and a re-sent Submit all act on the same draft and at
most one response is ever stored for it.
"""

import hashlib
import hmac
import json
import secrets
from types import SimpleNamespace

from flask import Blueprint, abort, current_app, g, redirect, render_template, request, send_from_directory, session, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from markupsafe import Markup, escape

import forms
from forms import other_key
from forms.spec import LANGUAGE_NAMES
from forms.validate import DEFAULT_MAX_LENGTH

from .context import form_or_404, get_forms, get_store, get_workspace, page_globals
from .csrf import page_token
from .fields import UnknownField, section_fields
from .frames import Frames
from .kept import Kept
from .i18n import UI_LANGUAGES, translate_message
from .outbox import draft_token

bp = Blueprint("survey", __name__)


def init_app(app):
    app.register_blueprint(bp)
    app.extensions["frames"] = Frames()
    app.extensions["drawn_questions"] = Kept(4000)
    app.extensions["checked_drafts"] = Kept(1000)
    app.jinja_env.add_extension("jinja2.ext.do")
    app.jinja_env.filters["tr"] = _translate_text
    app.jinja_env.filters["paras"] = _paragraphs
    app.jinja_env.globals.update(
        language_name=lambda code: LANGUAGE_NAMES.get(code, (code, code))[1],
        default_max_length=lambda qtype: DEFAULT_MAX_LENGTH.get(qtype, 1000),
        yes_no_options=lambda: [SimpleNamespace(value="yes", label=_("Yes")), SimpleNamespace(value="no", label=_("No"))],
    )


def _translate_text(text, lang):
    """A form's text in the response's language ('' when the form gives none)."""
    return text.pick(lang) if text is not None else ""


def _paragraphs(text):
    """Form texts written over several lines become paragraphs; a blank line starts a new one."""
    blocks = [b.strip() for b in str(text).split("\n\n") if b.strip()]
    return Markup("".join(f"<p>{escape(b)}</p>" for b in blocks))


def _source():
    return "kiosk" if current_app.config["KIOSK"] else "web"


@bp.get("/")
def start():
    if current_app.config["KIOSK"]:
        # The kiosk's start page is where one person ends and the next begins:
        # what the last person left unsent is dropped, and the browser forgets it.
        store = get_store()
        if session.get("browser"):
            store.discard_drafts_of(session["browser"])
        for response_id in session.get("drafts", []):  # a session from before m012 (see _owns)
            store.discard_draft(response_id)
        session.clear()
    lang = request.args.get("lang")
    if lang in UI_LANGUAGES:
        session["lang"] = lang
    return render_template("start.html", forms=list(get_forms().values()), ui_languages=UI_LANGUAGES)


def _pick_language(form, wanted):
    if wanted in form.languages:
        return wanted
    ui = session.get("lang")
    return ui if ui in form.languages else form.languages[0]


@bp.get("/sw.js")
def service_worker():
    """The service worker, served from the top so that it may look after every page."""
    response = send_from_directory(current_app.static_folder, "sw.js", mimetype="text/javascript", max_age=0)
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/f/<form_id>")
def intro(form_id):
    form = form_or_404(form_id)
    lang = _pick_language(form, request.args.get("lang"))
    g.response_language = lang
    return _framed(("intro", form.id, form.version, lang), {"csrf": page_token()},
                   lambda v: render_template("intro.html", form=form, lang=lang, csrf_token=lambda: v["csrf"]))


@bp.post("/f/<form_id>")
def begin(form_id):
    form = form_or_404(form_id)
    lang = _pick_language(form, request.form.get("lang"))
    workspace = get_workspace()
    event = workspace.store.current_event()
    if "browser" not in session:
        session["browser"] = secrets.token_urlsafe(16)
    response_id = workspace.store.start_response(
        form.id, form.version, lang, _source(), workspace.device_id, event and event["id"], browser=session["browser"]
    )
    return redirect(url_for("survey.page", response_id=response_id, number=_first_page(form, {})), 303)


def _owns(draft):
    """Whether this browser started the draft: only it may open the draft, as its id in an
    address is not enough. Its session holds a random key, which the draft keeps (the key
    never changes, so neither does the session's cookie); a session from before that held
    the ids of its drafts instead."""
    key = session.get("browser")
    if key and draft["browser"]:
        return hmac.compare_digest(key, draft["browser"])
    return draft["id"] in session.get("drafts", ())


def _load(response_id):
    """(draft, form) for a response in progress, or (None, None) when it is already sent."""
    store = get_store()
    draft = store.get_draft(response_id)
    if draft is None:
        # Its thank-you page is open to whoever has its id, as the address after Submit is.
        if store.get_receipt(response_id) is not None:
            return None, None
        abort(404, _("This response cannot be found. Start again from the first page."))
    if not _owns(draft):
        abort(404, _("This response cannot be found. Start again from the first page."))
    form = form_or_404(draft["form_id"], draft["form_version"])
    g.response_language = draft["language"]
    return draft, form


def _visible_sections(form, clean):
    return [i for i, s in enumerate(form.sections, 1) if not s.show_if or s.show_if.holds(clean)]


def _first_page(form, clean):
    return _visible_sections(form, clean)[0]


def _go(url):
    """Where the person goes next: a redirect for the browser, or, for the page's
    own background post (see app.js), the address alone, saving a request."""
    if request.headers.get("X-Collector-Fetch"):
        return "", 204, {"X-Next": url}
    return redirect(url, 303)


def _after_sent(response_id):
    return redirect(url_for("survey.thanks", response_id=response_id), 303)


@bp.get("/r/<response_id>/<int:number>")
def page(response_id, number):
    draft, form = _load(response_id)
    if draft is None:
        return _after_sent(response_id)
    if not 1 <= number <= len(form.sections):
        abort(404)
    clean = _checked_draft(form, draft)
    visible = _visible_sections(form, clean)
    if number not in visible:
        later = [n for n in visible if n > number]
        return redirect(url_for("survey.page", response_id=response_id, number=later[0] if later else visible[-1]), 303)
    return _render_page(form, draft, number, draft["answers"], clean, {}, visible=visible)


def _render_page(form, draft, number, raw, clean, errors, status=200, visible=None):
    """The page, number of form, for draft; visible: the sections shown, when already known."""
    section = form.sections[number - 1]
    visible = visible or _visible_sections(form, clean)
    lang = draft["language"]
    shown_errors = {qid: [translate_message(m) for m in msgs] for qid, msgs in errors.items()}
    section_of = _section_finder(form)
    earlier = {k: v for k, v in clean.items() if section_of(k) < number - 1}
    fixed = {
        "form": form,
        "section": section,
        "lang": lang,
        "number": number,
        "position": visible.index(number) + 1 if number in visible else 1,
        "total": len(visible),
        "is_last": number == visible[-1] and not _may_reveal_later(form, number),
        "is_first": number == visible[0],
    }
    values = {
        "draft": draft["id"],
        "source": draft["source"],
        "started": draft["started_at"],
        "saved": draft["updated_at"],
        "earlier": json.dumps(earlier, ensure_ascii=False),
        # What the page's outbox needs to send the whole response by itself.
        "others": json.dumps({k: v for k, v in raw.items() if section_of(k) != number - 1}, ensure_ascii=False),
        "token": draft_token(draft["id"]),
        "csrf": page_token(),
    }

    def draw(v):
        return render_template(
            "section.html", **fixed, raw=raw, clean=clean, errors=shown_errors,
            draw_question=_question_drawer(form, section, lang, raw, clean, errors),
            draft={"id": v["draft"], "source": v["source"], "started_at": v["started"], "updated_at": v["saved"]},
            earlier_json=v["earlier"], others_json=v["others"], token=v["token"], csrf_token=lambda: v["csrf"],
        )

    if errors or any(q.id in raw or other_key(q.id) in raw for q in section.questions):
        return draw(values), status
    # A first look at the page: what it shows is fixed by the form, the page, the languages,
    # where the page falls among those shown and which of its questions are hidden.
    hidden = tuple(bool(q.show_if and not q.show_if.holds(clean)) for q in section.questions)
    key = ("section", form.id, form.version, lang, number, fixed["position"], fixed["total"],
           fixed["is_last"], fixed["is_first"], hidden)
    return _framed(key, values, draw, in_addresses=("draft",)), status


def _framed(key, values, draw, in_addresses=()):
    """The page drawn by draw, from its frame (see frames.py). The key is completed with what
    every page depends on besides: the interface's language, where the app is served, and the
    settings every page is given (context.page_globals: the kiosk's, how long a browser keeps
    typing never sent), all of them, so that one added there is in the key too."""
    frames = current_app.extensions["frames"]
    settings = tuple(sorted((name, value) for name, value in page_globals().items() if name != "workspace"))
    key += (str(get_locale()), request.script_root, settings)
    return frames.page(key, draw, values, in_addresses)


# What survey pages keep (collector/kept.py), in app.extensions:
#
# - "drawn_questions": the HTML of unanswered questions. A first look at a page comes from
#   its frame (frames.py); a page drawn in full (some of it answered, or with errors) still
#   has unanswered questions. A question's HTML is fixed by the form version, the response's
#   language, the interface's language (for the collector's own words) and whether show_if
#   hides it, so the `question` macro's output for those is kept, byte for byte the same.
# - "checked_drafts": a draft's answers as forms.clean_answers leaves them, kept by the save
#   that stored them for the page view that follows (each Next is a save, then a view of the
#   next page, which would check the same answers again), and taken by that view: someone's
#   answers stay in memory no longer than that. Keyed by the form version, the language and
#   a hash of the answers as stored; never changed by those who read them.


def _checked_key(form, language, stored):
    return form.id, form.version, language, hashlib.sha256(stored.encode("utf-8")).digest()


def _checked_draft(form, draft):
    """clean_answers of a draft's answers (those it leaves: the answers shown): as the save that
    stored them checked them, or worked out."""
    clean = current_app.extensions["checked_drafts"].take(_checked_key(form, draft["language"], draft["answers_json"]))
    if clean is None:
        clean = forms.clean_answers(form, draft["answers"], draft["language"])[0]
    return clean


def _save_checked(form, draft, raw, clean):
    """Save a draft's answers, keeping clean (their check) for the page view that follows.
    Returns False when the draft is gone (see _draft_gone)."""
    stored = get_store().save_draft(draft["id"], raw)
    if stored is None:
        return False
    current_app.extensions["checked_drafts"].put(_checked_key(form, draft["language"], stored), clean)
    return True


def _draft_gone(response_id):
    """A save found its draft gone: stored meanwhile (an import of the tablet's file, another
    tab) or dropped. The thank-you page of the stored response, else a page that says so."""
    if get_store().get_receipt(response_id) is not None:
        return _go(url_for("survey.thanks", response_id=response_id))
    abort(404, _("This response cannot be found. Start again from the first page."))


def _question_drawer(form, section, lang, raw, clean, errors):
    """draw_question(q, macro) for section.html: the kept HTML of an unanswered question,
    else what the macro draws (kept for next time when nothing was answered)."""
    kept = current_app.extensions["drawn_questions"]
    ui_lang = str(get_locale())
    keys = {}
    for q in section.questions:
        # The macro reads the question's own answer, its 'other' text and its errors: none may be there.
        if q.id in raw or other_key(q.id) in raw or q.id in errors:
            continue
        hidden = bool(q.show_if and not q.show_if.holds(clean))
        keys[q.id] = (form.id, form.version, lang, ui_lang, q.id, hidden)

    def draw_question(q, macro):
        key = keys.get(q.id)
        if key is None:
            return macro(q)
        html = kept.get(key)
        return html if html is not None else kept.put(key, macro(q))

    return draw_question


def _may_reveal_later(form, number):
    """Could an answer on this page show a later section? Then its button says Next."""
    here = {q.id for q in form.sections[number - 1].questions}
    return any(s.show_if and here.intersection(s.show_if.references()) for s in form.sections[number:])


def _section_finder(form):
    """A function giving the index of the section holding the question an answer key belongs to
    ('q' or 'q.other'), or one past the last section for a key the form does not have.

    Answers are sorted by page several times a request and form.section_of searches every
    section on each call, so the lookup table is made once.
    """
    numbers = {}
    for index, section in enumerate(form.sections):
        for q in section.questions:
            numbers.setdefault(q.id, index)
    beyond = len(form.sections)
    return lambda key: numbers.get(key.split(".", 1)[0], beyond)


@bp.post("/r/<response_id>/<int:number>")
def save(response_id, number):
    draft, form = _load(response_id)
    if draft is None:
        # Already stored: a double click or a re-sent Submit lands here.
        return _go(url_for("survey.thanks", response_id=response_id))
    if not 1 <= number <= len(form.sections):
        abort(404)
    section = form.sections[number - 1]
    try:
        posted = section_fields(section, request.form)
    except UnknownField as exc:
        abort(400, _("This page sent an answer the form does not have (%(field)s). Reload the page and try again.", field=exc.field))
    action = request.form.get("_action", "next")
    store = get_store()
    section_of = _section_finder(form)
    raw = {k: v for k, v in draft["answers"].items() if section_of(k) != number - 1}
    raw.update(posted)

    if action.startswith("lang:"):
        lang = action[5:]
        if lang not in form.languages:
            abort(400, _("This form is not available in that language."))
        if store.save_draft(response_id, raw, language=lang) is None:
            return _draft_gone(response_id)
        return _go(url_for("survey.page", response_id=response_id, number=number))

    clean, errors = forms.clean_answers(form, raw, draft["language"])
    if action == "back":
        if not _save_checked(form, draft, raw, clean):
            return _draft_gone(response_id)
        earlier = [n for n in _visible_sections(form, clean) if n < number]
        return _go(url_for("survey.page", response_id=response_id, number=earlier[-1] if earlier else number))
    if action not in ("next", "submit"):
        abort(400, _("This page sent an action the collector does not know. Reload the page and try again."))

    here = {q.id for q in section.questions}
    mine = {k: v for k, v in errors.items() if k in here}
    if mine:
        return _render_page(form, draft, number, raw, clean, mine, status=400)
    later = [n for n in _visible_sections(form, clean) if n > number]
    if later:
        if not _save_checked(form, draft, raw, clean):
            return _draft_gone(response_id)
        # Whatever the button said: an answer on this page may have just shown a later section.
        return _go(url_for("survey.page", response_id=response_id, number=later[0]))
    if errors:
        if store.save_draft(response_id, raw) is None:
            return _draft_gone(response_id)
        # Answers on another page no longer fit (the form or earlier answers changed).
        first = min(section_of(k) for k in errors) + 1
        first = min(max(first, 1), len(form.sections))
        return _render_page(form, draft, first, raw, clean, {k: v for k, v in errors.items() if section_of(k) == first - 1}, status=400)
    store.submit_response(response_id, clean)
    return _go(url_for("survey.thanks", response_id=response_id))


@bp.get("/r/<response_id>/thanks")
def thanks(response_id):
    response = get_store().get_receipt(response_id)
    if response is None:
        abort(404, _("This response cannot be found."))
    form = get_forms().get(response["form_id"])
    lang = g.response_language = response["language"]
    return _framed(("thanks", form and form.id, form and form.version, lang), {"reference": response["reference"]},
                   lambda v: render_template("thanks.html", response={"reference": v["reference"]}, form=form, lang=lang))
