"""What the collector works out once and reuses (questions drawn, session cookies checked)
never shows one person's page, language or form version to another."""

import textwrap

from conftest import Respondent, csrf_of

from collector.app import reload_forms

BILINGUAL = textwrap.dedent("""\
    id: library
    version: 1
    title: {en: Library, cy: Llyfrgell}
    languages: [en, cy]
    sections:
      - id: one
        title: {en: Visits, cy: Ymweliadau}
        questions:
          - id: visited
            type: yes_no
            label: {en: "Have you visited?", cy: "Ydych chi wedi ymweld?"}
            required: true
          - id: rating
            type: scale
            label: {en: How good, cy: Pa mor dda}
            min: 1
            max: 5
""")


def test_a_page_shown_again_after_answering_shows_the_answers(respondent):
    first = respondent.start("visit")  # the blank page is drawn and kept
    assert 'value="yes" checked' not in first.text
    respondent.send(visited="yes", how_often="weekly", rating="4")
    page = respondent.send("back")
    assert 'value="yes" checked' in page.text
    assert 'value="weekly" checked' in page.text and 'value="4" checked' in page.text
    # Someone else starting now gets the blank page, not the answered one.
    other = Respondent(respondent.client).start("visit")
    assert "checked" not in other.text


def test_an_error_shown_to_one_person_is_not_shown_to_the_next(respondent, client):
    respondent.start("visit")
    page = respondent.send(rating="4")
    assert page.status_code == 400 and "has-error" in page.text
    blank = Respondent(client).start("visit")
    assert "has-error" not in blank.text and "error-message" not in blank.text


def test_a_question_hidden_by_an_earlier_answer_is_drawn_hidden_and_shown(respondent):
    first = respondent.start("visit")
    assert 'id="wrap-how_often"' in first.text
    assert 'data-qid="how_often"' in first.text and _wrapper("how_often", first.text).endswith(" hidden>")
    page = respondent.send("back", visited="yes")  # saved; back from the first page stays on it
    assert respondent.page_url.endswith("/1")
    assert not _wrapper("how_often", page.text).endswith(" hidden>")


def _wrapper(qid, html):
    start = html.index(f'id="wrap-{qid}"')
    return html[html.rindex("<div", 0, start): html.index(">", start) + 1]


def test_a_welsh_page_is_not_drawn_from_the_english_one(client, workspace, app):
    (workspace.forms_dir / "library.yaml").write_text(BILINGUAL, encoding="utf-8")
    reload_forms(app)
    english = Respondent(client).start("library", lang="en")
    assert "Have you visited?" in english.text and ">Yes<" in english.text
    welsh = Respondent(app.test_client()).start("library", lang="cy")
    assert "Ydych chi wedi ymweld?" in welsh.text and "Have you visited?" not in welsh.text
    assert ">Ie<" in welsh.text and "(gofynnol)" in welsh.text and "(required)" not in welsh.text


def test_the_interface_language_is_part_of_what_is_kept(workspace, app):
    # A form in a language the collector's own words are not written in: they follow the browser's language.
    (workspace.forms_dir / "polish.yaml").write_text(textwrap.dedent("""\
        id: polish
        version: 1
        title: Biblioteka
        languages: [pl]
        sections:
          - id: one
            title: Wizyty
            questions:
              - {id: visited, type: yes_no, label: 'Czy odwiedziłeś bibliotekę?', required: true}
        """), encoding="utf-8")
    reload_forms(app)
    pages = {}
    for ui in ("en", "cy"):
        browser = app.test_client()
        browser.environ_base["HTTP_ACCEPT_LANGUAGE"] = ui
        pages[ui] = Respondent(browser).start("polish").text
    assert all("Czy odwiedziłeś bibliotekę?" in page for page in pages.values())
    assert "(required)" in pages["en"] and ">Yes<" in pages["en"]
    assert "(gofynnol)" in pages["cy"] and ">Ie<" in pages["cy"] and "(required)" not in pages["cy"]


def test_a_new_form_version_is_drawn_afresh(client, workspace, app):
    Respondent(client).start("visit")
    path = workspace.forms_dir / "visit.yaml"
    path.write_text(path.read_text().replace("version: 3", "version: 4").replace("How good is it?", "How would you rate it?"))
    reload_forms(app)
    page = Respondent(client).start("visit")
    assert "How would you rate it?" in page.text and "How good is it?" not in page.text


def test_a_changed_session_cookie_is_refused(respondent, client):
    respondent.start("visit")
    cookie = client.get_cookie("session")
    client.set_cookie("session", cookie.value[:-2] + ("AA" if not cookie.value.endswith("AA") else "BB"))
    assert client.get(respondent.page_url).status_code == 404


def test_a_remembered_session_still_expires(respondent, client, app, monkeypatch):
    respondent.start("visit")
    assert client.get(respondent.page_url).status_code == 200  # the cookie is now remembered
    later = __import__("time").time() + app.permanent_session_lifetime.total_seconds() + 60
    monkeypatch.setattr("time.time", lambda: later)
    assert client.get(respondent.page_url).status_code == 404


def test_a_session_in_use_is_signed_again_and_outlives_its_first_lifetime(client, workspace, app, monkeypatch):
    # A tablet handed from person to person all day: its session began hours before the person now
    # filling in a form, whose Next must still save (the cookie no longer changes with each Start).
    real = __import__("time").time
    offset = [0.0]
    monkeypatch.setattr("time.time", lambda: real() + offset[0])
    life = app.permanent_session_lifetime.total_seconds()
    Respondent(client).start("visit")
    offset[0] = life * 0.9  # the next person, most of a session's life later
    person = Respondent(client)
    person.start("visit")
    offset[0] = life * 1.1  # past the life of the session as first signed
    page = person.send(visited="yes", how_often="weekly")
    assert page.status_code == 200 and workspace.store.get_draft(person.response_id)["answers"]["how_often"] == "weekly"


def test_a_view_changing_its_session_does_not_change_the_remembered_one(respondent, client):
    respondent.start("visit")
    first = respondent.page_url
    assert client.get(first).status_code == 200  # the cookie is now remembered
    # Choosing the collector's language changes this browser's session; the draft is still its own.
    before = client.get_cookie("session").value
    client.get("/?lang=cy")
    assert client.get_cookie("session").value != before
    assert client.get(first).status_code == 200


def test_the_response_language_is_part_of_what_is_kept(client, workspace, app):
    # Polish answers with the collector's own words in English: only the form's words tell them apart.
    (workspace.forms_dir / "library.yaml").write_text(textwrap.dedent("""\
        id: library
        version: 1
        title: {en: Library, pl: Biblioteka}
        languages: [pl, en]
        sections:
          - id: one
            title: {en: Visits, pl: Wizyty}
            questions:
              - {id: visited, type: yes_no, label: {en: 'Visited?', pl: 'Odwiedzone?'}, required: true}
        """), encoding="utf-8")
    reload_forms(app)
    polish = Respondent(client).start("library", lang="pl")
    english = Respondent(app.test_client()).start("library", lang="en")
    assert "Odwiedzone?" in polish.text and "(required)" in polish.text
    assert "Visited?" in english.text and "Odwiedzone?" not in english.text


def test_the_page_after_next_uses_the_check_the_save_made(respondent, monkeypatch):
    import forms

    respondent.start("visit")
    calls = []
    check = forms.clean_answers
    monkeypatch.setattr(forms, "clean_answers", lambda *a, **k: calls.append(a[1]) or check(*a, **k))
    page = respondent.send(visited="no", rating="2")  # saved, then the next page shown
    assert "What stops you?" in page.text  # shown because of the answers just saved
    assert len(calls) == 1  # checked once, by the save; the page view used that check


def test_answers_changed_another_way_are_checked_afresh(respondent, workspace):
    respondent.start("visit")
    respondent.send(visited="no", rating="2")
    assert respondent.page_url.endswith("/2")
    # The same draft now says yes (another tab, a language switch...): the reasons page is no longer shown.
    workspace.store.save_draft(respondent.response_id, {"visited": "yes", "how_often": "daily", "rating": "2"})
    page = respondent.client.get(respondent.page_url)
    assert page.status_code == 303 and page.headers["Location"].endswith("/3")


def test_a_response_stored_by_another_process_mid_form_ends_on_its_thank_you_page(respondent, workspace):
    from collector.store import Store

    respondent.start("visit")
    respondent.send(visited="no", rating="2")  # the draft is kept in this process's memory
    # Meanwhile the tablet's answers, downloaded as a file, are imported by `collector responses import`.
    Store(workspace.db_path).submit_response(respondent.response_id, {"visited": "no", "rating": "2"})
    page = respondent.send(reasons="too far")
    assert respondent.page_url.endswith("/thanks") and "Your reference" in page.text  # the save found it stored
    assert workspace.store.count_responses("visit") == 1
    assert workspace.store.get_response(respondent.response_id)["answers"] == {"visited": "no", "rating": "2"}


def test_a_remembered_session_comes_back_with_its_own_types_and_as_a_copy(app, client):
    from markupsafe import Markup

    from collector.sessions import _plain

    for held in ({"drafts": ["a", "b"], "lang": "cy", "n": 2, "ok": True, "none": None},
                 {"drafts": ["a"], "pair": ("x", 1), "note": Markup("<b>hi</b>"), "raw": b"\x00"}):
        with client.session_transaction() as session:
            session.clear()
            session.update(held)
        cookie = client.get_cookie("session").value
        with app.test_request_context("/", headers={"Cookie": f"session={cookie}"}) as ctx:
            first = app.session_interface.open_session(app, ctx.request)  # checked, then remembered
            first["drafts"].append("changed by a view")
            again = app.session_interface.open_session(app, ctx.request)  # from what was remembered
        assert dict(again) == held and dict(first) != held
        assert {k: type(v) for k, v in again.items()} == {k: type(v) for k, v in held.items()}
    assert _plain({"a": [1, "x", None, {"b": 2.5}]})
    assert not _plain({"a": ("x",)}) and not _plain({"a": Markup("x")}) and not _plain({1: "x"}) and not _plain(float("nan"))


def test_a_draft_dropped_elsewhere_mid_form_is_said_to_be_gone(respondent, workspace):
    from collector.store import Store

    respondent.start("visit")
    respondent.send(visited="no", rating="2")
    Store(workspace.db_path).discard_draft(respondent.response_id)  # drafts purged by another collector
    page = respondent.send(reasons="too far")
    assert page.status_code == 404 and "This response cannot be found" in page.text


def test_a_kept_check_of_someones_answers_is_gone_once_their_page_is_shown(respondent, app):
    respondent.start("visit")
    respondent.send(visited="no", rating="2")  # saved, checked, kept, then taken by the next page's view
    assert app.extensions["checked_drafts"].entries == {}
