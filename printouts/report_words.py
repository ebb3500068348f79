"""The summary report's own words, in English and Welsh.

The questions and choices come from the form; everything else on the report's
pages (headings, "Answered by 12 of 40", the suppression rule) comes from
here, so a Welsh report is Welsh throughout. Words the paper form already has
("Page 2 of 4", "Yes", "Other") are taken from words.py rather than repeated.
"""

from .words import say as say_paper

# Each entry: English, Welsh. Placeholders are filled by say().
WORDS = {
    "report_title": ("Summary of responses", "Crynodeb o'r ymatebion"),
    "made_on": ("Made on {date}", "Lluniwyd ar {date}"),
    "total": ("Total responses: {n}", "Cyfanswm yr ymatebion: {n}"),
    "version_counted": (
        "This report counts the responses to version {version} of the form.",
        "Mae'r adroddiad hwn yn cyfrif yr ymatebion i fersiwn {version} o'r ffurflen.",
    ),
    "other_versions": (
        "{n} responses to other versions of the form were left out.",
        "Gadawyd allan {n} ymateb i fersiynau eraill o'r ffurflen.",
    ),
    "other_versions_one": (
        "1 response to another version of the form was left out.",
        "Gadawyd allan 1 ymateb i fersiwn arall o'r ffurflen.",
    ),
    "no_responses": (
        "There are no responses to this version of the form yet.",
        "Nid oes ymatebion i'r fersiwn hon o'r ffurflen eto.",
    ),
    "by_source": ("How people answered", "Sut yr atebodd pobl"),
    "by_event": ("At which event", "Ym mha ddigwyddiad"),
    "by_day": ("On which day", "Ar ba ddiwrnod"),
    "source": ("Way of answering", "Ffordd o ateb"),
    "event": ("Event", "Digwyddiad"),
    "day": ("Day", "Diwrnod"),
    "responses": ("Responses", "Ymatebion"),
    "percent": ("%", "%"),
    "web": ("Online", "Ar-lein"),
    "kiosk": ("Kiosk tablet", "Llechen ciosg"),
    "paper": ("Paper form", "Ffurflen bapur"),
    "no_event": ("Not at an event", "Nid mewn digwyddiad"),
    "unknown_event": ("An event not known here", "Digwyddiad nad yw'n hysbys yma"),
    "unknown_day": ("Day not known", "Diwrnod anhysbys"),
    "sensitive_cover": (
        "Special category questions show totals only, with small counts hidden: the rule is given at the "
        "foot of each page where they appear.",
        "Dim ond cyfansymiau a ddangosir ar gyfer cwestiynau categori arbennig, gyda chyfrifon bach wedi'u "
        "cuddio: rhoddir y rheol ar waelod pob tudalen lle maent yn ymddangos.",
    ),
    "answered_by": ("Answered by {n} of {total}", "Atebwyd gan {n} o {total}"),
    "fewer_than": ("fewer than {n}", "llai na {n}"),
    "hidden": ("hidden", "cudd"),
    "no_answers": ("No one answered this question.", "Ni atebodd neb y cwestiwn hwn."),
    "percent_cover": (
        "Each percentage is a share of the people who answered that question, not of everyone who responded.",
        "Mae pob canran yn gyfran o'r bobl a atebodd y cwestiwn hwnnw, nid o bawb a ymatebodd.",
    ),
    "choices_note": (
        "Percentages are of the people who answered this question. People could choose more than one "
        "answer, so the percentages can add up to more than 100%.",
        "Mae'r canrannau yn ganran o'r bobl a atebodd y cwestiwn hwn. Gallai pobl ddewis mwy nag un "
        "ateb, felly gall y canrannau adio i fwy na 100%.",
    ),
    "ranking_note": (
        "Bars show how many people put each option first. The mean rank is the average place people "
        "gave it, where 1 is the most important.",
        "Mae'r barrau yn dangos faint o bobl a roddodd bob opsiwn yn gyntaf. Y safle cymedrig yw'r "
        "safle a roddodd pobl iddo ar gyfartaledd, lle mai 1 yw'r pwysicaf.",
    ),
    "first_and_mean": ("{first}, mean rank {mean}", "{first}, safle cymedrig {mean}"),
    "scale_mean": ("Mean: {mean} on a scale of {min} to {max}", "Cymedr: {mean} ar raddfa o {min} i {max}"),
    "grid_note": (
        "Each bar shows one statement; the table below gives the counts.",
        "Mae pob bar yn dangos un datganiad; mae'r tabl isod yn rhoi'r cyfrifon.",
    ),
    "statement": ("Statement", "Datganiad"),
    "answered": ("Answered", "Atebwyd"),
    "count": ("Answers", "Atebion"),
    "lowest": ("Lowest", "Isaf"),
    "median": ("Median", "Canolrif"),
    "mean": ("Mean", "Cymedr"),
    "highest": ("Highest", "Uchaf"),
    "written": ("What people wrote", "Beth ysgrifennodd pobl"),
    "other_written": ("What people wrote for \u2018Other\u2019", "Beth ysgrifennodd pobl ar gyfer \u2018Arall\u2019"),
    "times": ("{text} ({n} times)", "{text} ({n} gwaith)"),
    "personal": (
        "Answers to this question can identify people, so they are not printed.",
        "Gall atebion i'r cwestiwn hwn ddangos pwy yw pobl, felly nid ydynt wedi'u hargraffu.",
    ),
    "not_listed": (
        "Answers of this kind are not listed in the report.",
        "Nid yw atebion o'r math hwn wedi'u rhestru yn yr adroddiad.",
    ),
    "sensitive_tag": (
        "Special category: totals only (see the note at the foot of the page).",
        "Categori arbennig: cyfansymiau yn unig (gweler y nodyn ar waelod y dudalen).",
    ),
    "sensitive": (
        "Special category questions: a count from 1 to {below} is shown as \u2018fewer than {n}\u2019 "
        "(\u2018<{n}\u2019 in tables) without its percentage. Where only one count of a question would be "
        "hidden, the next smallest is shown as \u2018hidden\u2019, so that neither can be worked out from the total.",
        "Cwestiynau categori arbennig: dangosir cyfrif o 1 i {below} fel \u2018llai na {n}\u2019 "
        "(\u2018<{n}\u2019 mewn tablau) heb ei ganran. Lle byddai dim ond un o gyfrifon cwestiwn wedi'i guddio, "
        "dangosir y cyfrif lleiaf nesaf fel \u2018cudd\u2019, fel na ellir cyfrifo'r naill na'r llall o'r cyfanswm.",
    ),
    "sensitive_text": (
        "Written answers to special category questions are never printed.",
        "Nid yw atebion ysgrifenedig i gwestiynau categori arbennig byth yn cael eu hargraffu.",
    ),
    "sensitive_number": (
        "Only the number of answers and the mean are shown, and the mean only when at least {n} "
        "people answered, so that no one's own answer is printed.",
        "Dim ond nifer yr atebion a'r cymedr a ddangosir, a'r cymedr dim ond pan fydd o leiaf {n} "
        "o bobl wedi ateb, fel nad oes ateb unrhyw un yn cael ei argraffu.",
    ),
    "continued": ("{label} (continued)", "{label} (parhad)"),
    "subject": ("Summary of responses to {id}, version {version}", "Crynodeb o'r ymatebion i {id}, fersiwn {version}"),
}

MONTHS = {
    "en": ("January", "February", "March", "April", "May", "June", "July", "August", "September",
           "October", "November", "December"),
    "cy": ("Ionawr", "Chwefror", "Mawrth", "Ebrill", "Mai", "Mehefin", "Gorffennaf", "Awst", "Medi",
           "Hydref", "Tachwedd", "Rhagfyr"),
}

# The paper form's words this report also uses.
PAPER_KEYS = {"page", "form_version", "yes", "no", "other_short"}


def say(key, lang, **params):
    """The report's fixed text named key in lang, with its placeholders filled."""
    if key in PAPER_KEYS:
        return say_paper(key, lang, **params)
    english, welsh = WORDS[key]
    return (welsh if lang == "cy" else english).format(**params)


def long_date(day, lang):
    """'4 July 2026' or '4 Gorffennaf 2026'."""
    return f"{day.day} {MONTHS['cy' if lang == 'cy' else 'en'][day.month - 1]} {day.year}"
