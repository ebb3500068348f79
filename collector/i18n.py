"""The collector's own words in English and Welsh (Flask-Babel catalogues).

The interface follows the language of the response being filled in where
we have a catalogue for it, else the language the person picked on the start
page, else the browser's preference.
"""

import weakref
from pathlib import Path

from babel import Locale
from babel.dates import format_datetime
from flask import g, has_app_context, request, session
from flask_babel import Babel, get_locale, get_translations, gettext
from jinja2 import pass_context
from markupsafe import Markup

from .uktime import UK_TIME, parse_stamp

UI_LANGUAGES = ("en", "cy")

babel = Babel()


# Parsed once: flask_babel parses a code it is given on every request, looking for its data on disk.
_LOCALES = {code: Locale.parse(code) for code in UI_LANGUAGES}


def select_locale():
    lang = getattr(g, "response_language", None) or session.get("lang")
    if lang in UI_LANGUAGES:
        return _LOCALES[lang]
    return _LOCALES[request.accept_languages.best_match(UI_LANGUAGES) or "en"]


TRANSLATIONS = Path(__file__).with_name("translations")


def compile_catalogues():
    """Compile each .po into the .mo that gettext reads, when the .mo is missing or older."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for po in TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"):
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        with open(po, "rb") as f:
            catalogue = read_po(f)
        tmp = mo.with_suffix(".mo.tmp")
        try:
            with open(tmp, "wb") as f:
                write_mo(f, catalogue)
            tmp.replace(mo)
        except OSError:
            pass  # A read-only install ships its .mo files already compiled.


def when(stamp):
    """A stored time (ISO 8601, UTC) as people read it, in UK time and the interface's
    language: "4 Jul 2026, 11:00" (British Summer Time), "22 Tach 2026, 11:31". Text that
    is not such a time is shown as it is; nothing is shown for none."""
    if not stamp:
        return ""
    moment = parse_stamp(stamp)
    if moment is None:
        return stamp
    try:
        return format_datetime(moment, "d MMM y, HH:mm", tzinfo=UK_TIME, locale=get_locale() or "en")
    except (OverflowError, ValueError):  # a time at the very edge of the calendar, such as year 1
        return stamp


def init_app(app):
    app.jinja_env.filters["when"] = when
    compile_catalogues()
    babel.init_app(app, locale_selector=select_locale, default_translation_directories="translations")
    # The same callables flask_babel installs, reading the catalogue kept for the request.
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: _catalogue().ugettext(s),
        ngettext=lambda s, p, n: _catalogue().ungettext(s, p, n),
        pgettext=lambda c, s: _catalogue().upgettext(c, s),
        npgettext=lambda c, s, p, n: _catalogue().unpgettext(c, s, p, n),
        newstyle=True,
    )
    # _() in a template, as the newstyle gettext above does it, in one call rather than three.
    app.jinja_env.globals.update(gettext=_template_gettext, _=_template_gettext)
    app.jinja_env.globals["current_locale"] = lambda: str(get_locale() or "en")


def _catalogue():
    """The translations for this request, looked up once.

    flask_babel looks them up again on every call (about 12 µs, most of it naming the locale),
    and a survey page asks for a dozen or more texts. It fixes the locale for the rest of the
    request the first time it is asked (keeping it on g), so keeping the catalogue on g as well
    gives the same words, only sooner.
    """
    if not has_app_context():
        return get_translations()
    found = g.get("_collector_catalogue")
    if found is None:
        found = g._collector_catalogue = get_translations()
    return found


# {catalogue: {message: its translation as Markup}} for the words templates use without variables.
_plain_words = weakref.WeakKeyDictionary()


@pass_context
def _template_gettext(context, message, /, **variables):
    """jinja2's newstyle gettext: the translation, escaped and then %-formatted with the variables.

    A page asks for a dozen or more of the collector's words, mostly without variables, and
    jinja2 reaches its gettext through two more context calls; words without variables are
    kept once made, per catalogue, so they are looked up and formatted once.
    """
    catalogue = _catalogue()
    if variables or not context.eval_ctx.autoescape:
        text = catalogue.ugettext(message)
        return (Markup(text) if context.eval_ctx.autoescape else text) % variables
    words = _plain_words.get(catalogue)
    if words is None:
        words = _plain_words.setdefault(catalogue, {})
    found = words.get(message)
    if found is None:
        # Formatted like any other (so '%%' gives '%'), as jinja2 does.
        found = words[message] = Markup(catalogue.ugettext(message)) % {}
    return found


def translate_message(message):
    """A validation message from forms/ in the current interface language."""
    template = getattr(message, "template", None)
    if template is None:
        return str(message)
    text = gettext(template)
    return text % message.params if message.params else text
