"""The hub's coordinator pages: pairing laptops, revoking them, and seeing each laptop's syncs."""

import re

import pytest

from conftest import Coordinator, csrf_of


@pytest.fixture
def office(hub):
    client = hub.test_client()
    Coordinator(client, hub.extensions["workspace"]).sign_in()
    return client


def test_a_coordinator_makes_a_pairing_code_with_a_qr_code(office, hub):
    page = office.get("/coordinator/laptops")
    made = office.post("/coordinator/laptops", data={"csrf_token": csrf_of(page.text), "name": "Hall laptop"})
    assert made.status_code == 200
    code = re.search(r"collector sync pair (http://\S+/pair/[0-9A-Z-]+)", made.text).group(1)
    assert "<svg" in made.text
    assert hub.extensions["workspace"].store.device_named("Hall laptop")["paired_at"] is None
    # A phone that scans the QR code is told what it is for.
    shown = office.get(code.replace("http://localhost", ""))
    assert shown.status_code == 200 and "collector sync pair" in shown.text


def test_a_name_already_paired_is_refused_on_the_page(office, hub, pair_laptop):
    pair_laptop("Hall laptop")
    page = office.get("/coordinator/laptops")
    again = office.post("/coordinator/laptops", data={"csrf_token": csrf_of(page.text), "name": "Hall laptop"})
    assert again.status_code == 400 and "already paired" in again.text


def test_revoking_a_laptop_from_the_page_cuts_it_off(office, hub, pair_laptop):
    from sync import SyncError

    laptop = pair_laptop("Hall laptop")
    laptop.capture()
    page = office.get("/coordinator/laptops")
    assert "Hall laptop" in page.text and "Paired" in page.text
    asked = office.get("/coordinator/laptops/Hall laptop/revoke")
    assert "Revoke Hall laptop?" in asked.text and hub.extensions["workspace"].store.device_named("Hall laptop")["revoked_at"] is None
    done = office.post("/coordinator/laptops/Hall laptop/revoke", data={"csrf_token": csrf_of(asked.text)})
    assert done.status_code == 302
    with pytest.raises(SyncError):
        laptop.sync()
    assert "Revoked" in office.get("/coordinator/laptops").text


def test_revoking_needs_the_pages_token(office, pair_laptop):
    pair_laptop("Hall laptop")
    assert office.post("/coordinator/laptops/Hall laptop/revoke").status_code == 400


def test_the_hub_dashboard_shows_each_laptops_last_sync_and_responses(office, pair_laptop):
    a, b = pair_laptop("Hall laptop"), pair_laptop("Library laptop")
    for _ in range(3):
        a.capture()
    b.capture()
    a.sync()
    b.sync()
    page = office.get("/coordinator/").text
    rows = re.findall(r'<tr><td>([^<]+)</td><td><time datetime="(\d{4}-[^"]+)">([^<]+)</time></td><td class="num">(\d+)</td></tr>', page)
    assert sorted((name, int(n)) for name, _, _, n in rows) == [("Hall laptop", 3), ("Library laptop", 1)]
    # When, as people read it: UK time, day, month and year.
    assert all(re.fullmatch(r"\d{1,2} [A-Z][a-z]+ \d{4}, \d\d:\d\d", shown) for _, _, shown, _ in rows)


def test_kept_apart_responses_are_listed_for_a_coordinator(office, pair_laptop):
    import uuid

    a, b = pair_laptop("Hall laptop"), pair_laptop("Library laptop")
    for laptop in (a, b):
        laptop.store.submit_paper_response(str(uuid.uuid4()), "visit", "3", {"visited": "no"}, "ABC-000009", "en",
                                           laptop.workspace.device_id)
        laptop.sync()
    page = office.get("/coordinator/laptops").text
    assert "already keyed on another laptop" in page


def test_a_laptop_has_no_laptops_page(coordinator, client):
    coordinator.sign_in()
    assert client.get("/coordinator/laptops").status_code == 404
    assert "Laptops" not in client.get("/coordinator/").text


def test_pairing_and_revoking_are_in_the_hubs_audit_log(office, hub, pair_laptop):
    pair_laptop("Hall laptop")
    page = office.get("/coordinator/laptops")
    office.post("/coordinator/laptops", data={"csrf_token": csrf_of(page.text), "name": "Spare laptop"})
    office.post("/coordinator/laptops/Hall laptop/revoke", data={"csrf_token": csrf_of(page.text)})
    actions = [(row["action"], row["detail"].get("name")) for row in hub.extensions["workspace"].store.audit_log()]
    assert ("laptop paired", "Hall laptop") in actions
    assert ("pairing code made", "Spare laptop") in actions
    assert ("laptop revoked", "Hall laptop") in actions
