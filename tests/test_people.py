"""A person's rights: find their response by reference or paper serial, give them a copy, erase it for good."""

import json
import uuid

from conftest import Coordinator, csrf_of

EMAIL = "sam@example.org"


def capture(respondent):
    respondent.start("visit")
    respondent.send(visited="yes", how_often="weekly", rating="4")
    respondent.send("submit", comments="<b>Lovely</b>", email=EMAIL)
    return respondent.response_id


def test_a_response_is_found_by_its_reference_as_people_type_it(respondent, coordinator, client, workspace):
    rid = capture(respondent)
    reference = workspace.store.get_response(rid)["reference"]
    coordinator.sign_in()
    typed = reference.lower().replace("-", "").replace("0", "o")
    page = client.get("/coordinator/people", query_string={"q": typed}).text
    assert f"/coordinator/people/{rid}" in page
    assert "Nothing here has that reference" in client.get("/coordinator/people?q=ZZZZ-ZZZZ").text


def test_a_paper_response_is_found_by_its_serial(coordinator, client, workspace):
    rid = str(uuid.uuid4())
    workspace.store.submit_paper_response(rid, "visit", "3", {"visited": "no"}, "K7Q-000042", "en", workspace.device_id)
    coordinator.sign_in()
    assert f"/coordinator/people/{rid}" in client.get("/coordinator/people?q=k7q-000042").text


def test_a_person_gets_a_copy_of_everything_held_and_it_is_audited(respondent, coordinator, client, workspace):
    rid = capture(respondent)
    coordinator.sign_in()
    page = client.get(f"/coordinator/people/{rid}")
    assert EMAIL in page.text and "&lt;b&gt;Lovely&lt;/b&gt;" in page.text, "typed HTML is shown as text"
    download = client.post(f"/coordinator/people/{rid}/copy", data={"csrf_token": csrf_of(page.text)})
    assert download.headers["Content-Disposition"].startswith("attachment;")
    body = json.loads(download.data)
    assert {"question": "Your email", "answer": EMAIL} in body["answers"]
    assert {"question": "Anything else to tell us?", "answer": "<b>Lovely</b>"} in body["answers"]
    [entry] = workspace.store.audit_log("copy for a respondent")
    assert entry["detail"]["response"] == rid and entry["detail"]["include_personal"] is True


def test_erasing_needs_a_tick_and_then_leaves_only_a_tombstone(respondent, coordinator, client, workspace):
    rid = capture(respondent)
    coordinator.sign_in()
    page = client.get(f"/coordinator/people/{rid}")
    refused = client.post(f"/coordinator/people/{rid}/erase", data={"csrf_token": csrf_of(page.text)})
    assert refused.status_code == 400 and "Tick the box" in refused.text
    assert workspace.store.get_response(rid)["deleted_at"] is None
    done = client.post(f"/coordinator/people/{rid}/erase", data={"csrf_token": csrf_of(page.text), "checked": "y"})
    assert done.status_code == 302
    row = workspace.store.get_response(rid)
    assert row["answers"] == {} and row["personal_key"] is None and row["deleted_at"]
    assert workspace.store.count_personal() == 0
    assert workspace.store.audit_log("erasure")[0]["detail"]["response"] == rid
    assert "Nothing of its answers is kept" in client.get(f"/coordinator/people/{rid}").text


def test_an_erasure_at_the_hub_survives_a_later_sync_from_a_laptop_that_still_had_it(hub, pair_laptop):
    laptop = pair_laptop()
    rid = laptop.capture({"visited": "yes", "how_often": "daily", "rating": 2, "email": EMAIL})
    laptop.sync()
    hub_store = hub.extensions["workspace"].store
    assert hub_store.erase_response(rid)
    # The laptop corrects its copy, and also sends everything again from the start.
    laptop.store.amend_response(rid, {"visited": "yes", "how_often": "weekly", "rating": 5, "email": EMAIL})
    laptop.sync()
    laptop.store.set_sync_state("checkpoint", 0)
    laptop.sync()
    row = hub_store.get_response(rid)
    assert row["deleted_at"] and row["answers"] == {} and row["personal_key"] is None
    assert hub_store.count_personal() == 0
    assert not hub_store.conflicts(), "nothing of the erased response is kept apart either"


def test_an_erasure_also_removes_what_sync_kept_apart(hub, pair_laptop):
    laptop = pair_laptop()
    rid = laptop.capture({"visited": "yes", "how_often": "daily", "rating": 2})
    laptop.sync()
    laptop.store.db.execute("update responses set answers = '{\"visited\": \"no\"}', change_seq = change_seq + 10 where id = ?", [rid])
    laptop.store.db.conn.commit()
    laptop.sync()
    hub_store = hub.extensions["workspace"].store
    assert len(hub_store.conflicts()) == 1
    hub_store.erase_response(rid)
    assert hub_store.conflicts() == []


def test_a_volunteer_cannot_find_or_erase_people(client, workspace):
    from werkzeug.security import generate_password_hash

    workspace.config["coordinator_password"] = generate_password_hash("correct horse")
    workspace.config["volunteer_pin"] = generate_password_hash("482916")
    workspace.save()
    Coordinator(client, workspace).sign_in("482916")
    assert client.get("/coordinator/people?q=ABCD-1234").status_code == 403


def test_an_erasure_at_the_hub_reaches_the_laptop_that_took_the_response(hub, pair_laptop):
    from sync import privacy

    laptop, other = pair_laptop("Hall laptop"), pair_laptop("Library laptop")
    rid = laptop.capture({"visited": "yes", "how_often": "daily", "rating": 2, "email": EMAIL})
    kept = laptop.capture()
    laptop.sync()
    hub.extensions["workspace"].store.erase_response(rid)
    assert privacy.pull_erasures(other.store, other.transport) == 0
    assert privacy.pull_erasures(laptop.store, laptop.transport) == 1
    row = laptop.store.get_response(rid)
    assert row["deleted_at"] and row["answers"] == {} and row["personal_key"] is None
    assert laptop.store.get_response(kept)["deleted_at"] is None
    assert privacy.pull_erasures(laptop.store, laptop.transport) == 0, "asking again erases nothing more"
    laptop.sync()
    assert hub.extensions["workspace"].store.get_response(rid)["deleted_at"]


def test_laptops_audit_logs_are_carried_to_the_hub_once(hub, pair_laptop):
    from sync import privacy

    laptop = pair_laptop("Hall laptop")
    laptop.store.record_audit("export", "cli", {"form": "visit", "include_personal": True})
    laptop.store.record_audit("deletion", "coordinator", {"response": "x"})
    assert privacy.push_audit(laptop.store, laptop.transport) == 2
    laptop.store.set_sync_state("audit_checkpoint", 0)
    privacy.push_audit(laptop.store, laptop.transport)
    from_laptop = [r for r in hub.extensions["workspace"].store.audit_log() if r["device"] == "Hall laptop"]
    assert [(r["action"], r["actor"]) for r in from_laptop] == [("export", "cli"), ("deletion", "coordinator")]
    assert from_laptop[0]["detail"]["include_personal"] is True
    assert privacy.push_audit(laptop.store, laptop.transport) == 0
