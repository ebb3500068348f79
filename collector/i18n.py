"""The collector's own words in English and Welsh (Flask-Babel catalogues).

The interface follows the language of the response being filled in where
we have a catalogue for it, else the language the person picked on the start
page, else the browser's preference.
"""

from flask import g, request, session
from flask_babel import Babel, get_locale, gettext

UI_LANGUAGES = ("en", "cy")

babel = Babel()


def select_locale():
    lang = getattr(g, "response_language", None) or session.get("lang")
    if lang in UI_LANGUAGES:
        return lang
    return request.accept_languages.best_match(UI_LANGUAGES) or "en"


def init_app(app):
    babel.init_app(app, locale_selector=select_locale, default_translation_directories="translations")
    app.jinja_env.globals["current_locale"] = lambda: str(get_locale() or "en")


def translate_message(message):
    """A validation message from forms/ in the current interface language."""
    template = getattr(message, "template", None)
    if template is None:
        return str(message)
    text = gettext(template)
    return text % message.params if message.params else text
