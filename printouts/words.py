"""The paper form's own fixed words, in English and Welsh.

A form's author writes the questions; everything else printed on the page
(the footer, "Tick one box", the routing instructions) comes from here, so a
Welsh or bilingual printout never falls back to English half-way down a page.
Welsh readers see Welsh as natural as the English, mutations and all: "Ewch i
gwestiwn 5", "yng nghwestiwn 3".
"""

from .errors import PrintoutError

LANGUAGES = ("en", "cy")

# Each entry: English, Welsh. Placeholders are filled by say().
WORDS = {
    "page": ("Page {n} of {total}", "Tudalen {n} o {total}"),
    "form_version": ("Form {id}, version {version}", "Ffurflen {id}, fersiwn {version}"),
    # In a bilingual footer, the id and version are said once.
    "form_version_both": ("Ffurflen / Form {id}, fersiwn / version {version}",) * 2,
    "continued_question": ("Question {n} continued", "Cwestiwn {n} (parhad)"),
    "continued": ("Continued on the next page", "Yn parhau ar y dudalen nesaf"),
    "serial": ("Serial {serial}", "Rhif cyfresol {serial}"),
    "tick_one": ("Tick one box.", "Ticiwch un blwch."),
    "tick_all": ("Tick all that apply.", "Ticiwch bob un sy'n berthnasol."),
    "tick_up_to": ("Tick up to {n}.", "Ticiwch hyd at {n}."),
    "tick_at_least": ("Tick at least {n}.", "Ticiwch o leiaf {n}."),
    "tick_between": ("Tick between {a} and {b} boxes.", "Ticiwch rhwng {a} a {b} blwch."),
    "tick_consent": ("Tick the box if you agree.", "Ticiwch y blwch os ydych yn cytuno."),
    "tick_grid": ("Tick one box in each row.", "Ticiwch un blwch ym mhob rhes."),
    "rank": (
        "Write 1 in the box beside your first choice, 2 beside your second, and so on.",
        "Ysgrifennwch 1 yn y blwch wrth ymyl eich dewis cyntaf, 2 wrth ymyl eich ail ddewis, ac yn y blaen.",
    ),
    "digits": ("Write one digit in each box.", "Ysgrifennwch un digid ym mhob blwch."),
    "date": ("Write the day, month and year.", "Ysgrifennwch y diwrnod, y mis a'r flwyddyn."),
    "dd": ("DD", "DD"),
    "mm": ("MM", "MM"),
    "yyyy": ("YYYY", "BBBB"),
    "yes": ("Yes", "Ie"),
    "no": ("No", "Na"),
    "other": ("Other (please specify)", "Arall (nodwch)"),
    "other_short": ("Other", "Arall"),
    "go_to": ("Go to question {n}", "Ewch i gwestiwn {n}"),
    "go_to_end": ("Go to the end of the form", "Ewch i ddiwedd y ffurflen"),
    "ticked_go_to": ("If you ticked {values}, go to question {n}.", "Os gwnaethoch dicio {values}, ewch i gwestiwn {n}."),
    "ticked_go_to_end": (
        "If you ticked {values}, go to the end of the form.",
        "Os gwnaethoch dicio {values}, ewch i ddiwedd y ffurflen.",
    ),
    "answered_go_to": (
        "If you answered {values} to question {q}, go to question {n}.",
        "Os gwnaethoch ateb {values} i gwestiwn {q}, ewch i gwestiwn {n}.",
    ),
    "answered_go_to_end": (
        "If you answered {values} to question {q}, go to the end of the form.",
        "Os gwnaethoch ateb {values} i gwestiwn {q}, ewch i ddiwedd y ffurflen.",
    ),
    "now_go_to": ("Now go to question {n}.", "Nawr ewch i gwestiwn {n}."),
    "now_go_to_end": ("Now go to the end of the form.", "Nawr ewch i ddiwedd y ffurflen."),
    # {cond} is a clause from conditions.py: in English without "if", in Welsh
    # starting with "os" or "os na", which the Welsh sentences need inside.
    "only_if": ("Answer this question only if {cond}.", "Atebwch y cwestiwn hwn dim ond {cond}."),
    "only_if_one": ("Answer question {first} only if {cond}.", "Atebwch gwestiwn {first} dim ond {cond}."),
    "only_if_two": (
        "Answer questions {first} and {last} only if {cond}.",
        "Atebwch gwestiynau {first} a {last} dim ond {cond}.",
    ),
    "only_if_range": (
        "Answer questions {first} to {last} only if {cond}.",
        "Atebwch gwestiynau {first} i {last} dim ond {cond}.",
    ),
    "how_to_title": ("How to fill in this form", "Sut i lenwi'r ffurflen hon"),
    "how_to_pen": ("Use a black or blue pen.", "Defnyddiwch feiro ddu neu las."),
    "how_to_tick": ("Put a tick in the box beside your answer.", "Rhowch dic yn y blwch wrth ymyl eich ateb."),
    "how_to_mistake": (
        "If you make a mistake, fill in the whole box and tick the right one.",
        "Os byddwch yn gwneud camgymeriad, llenwch y blwch cyfan a thiciwch yr un cywir.",
    ),
    "how_to_route": (
        "Follow instructions such as \u2018Go to question 5\u2019. Where there is none, go on to the next question.",
        "Dilynwch gyfarwyddiadau fel \u2018Ewch i gwestiwn 5\u2019. Os nad oes un, ewch ymlaen i'r cwestiwn nesaf.",
    ),
    "privacy_title": ("How we use your information", "Sut rydym yn defnyddio eich gwybodaeth"),
    "end_title": ("End of the form", "Diwedd y ffurflen"),
    "thanks": ("Thank you for filling in this form.", "Diolch am lenwi'r ffurflen hon."),
    "return": (
        "Please hand this form to a member of staff, or return it to the place where you got it.",
        "Rhowch y ffurflen hon i aelod o staff, neu ewch â hi yn ôl i'r man lle cawsoch hi.",
    ),
    "or": ("or", "neu"),
}


def check_language(lang):
    if lang not in LANGUAGES:
        raise PrintoutError(
            f"paper forms can be printed in English (en) and Welsh (cy), not '{lang}'; "
            "choose one of those languages with lang="
        )


def say(key, lang, **params):
    """The fixed text named key in lang, with its placeholders filled."""
    english, welsh = WORDS[key]
    template = welsh if lang == "cy" else english
    return template.format(**params)


def join_or(items, lang):
    """'A', 'A or B', 'A, B or C' (and the same with 'neu')."""
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {say('or', lang)} {items[-1]}"


def quoted(text):
    return f"\u2018{text}\u2019"


def capitalise(text):
    return text[:1].upper() + text[1:]
