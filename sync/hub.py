"""The hub's side of sync: pairing laptops, and taking what they send.

A batch is checked whole before anything is applied, then applied in one
transaction by the store, where the (response, revision) primary key decides
what is new. An unknown or revoked laptop is refused before its batch is read.
"""

import uuid
from datetime import datetime, timedelta, timezone

from collector.store import StoreError

from . import SyncError, keys
from .records import check_batch, check_events, check_forms, check_personal

PAIRING_HOURS = 24


def add_device(store, name, hub_url, hours=PAIRING_HOURS):
    """A one-time pairing code for a laptop to be called name: '<hub url>/pair/<secret>'."""
    name = " ".join(str(name).split())
    if not name or len(name) > 60:
        raise SyncError("a laptop's name should be 1 to 60 characters, such as 'Library laptop'.")
    secret = keys.new_pairing_secret()
    expires = (datetime.now(timezone.utc) + timedelta(hours=hours)).isoformat(timespec="seconds").replace("+00:00", "Z")
    try:
        store.add_device(str(uuid.uuid4()), name, keys.digest(secret), expires)
    except StoreError as exc:
        raise SyncError(str(exc)) from None
    return f"{hub_url.rstrip('/')}/pair/{secret}", expires


def pair(store, hub, payload):
    """Pair the laptop presenting a pairing code: its token (kept here only as a hash)."""
    if not isinstance(payload, dict):
        raise SyncError("a pairing request should be a JSON object.")
    secret = keys.normalise_secret(str(payload.get("code") or ""))
    device_id, verify_key = payload.get("device_id"), payload.get("verify_key")
    try:
        uuid.UUID(str(device_id))
        bytes.fromhex(str(verify_key))
    except ValueError:
        raise SyncError("a pairing request needs the laptop's id and its signing key.") from None
    if secret is None or len(verify_key) != 64:
        raise SyncError("that pairing code is not valid: it was mistyped, already used or has expired. Make a new one on the hub.")
    token = keys.new_token()
    device = store.pair_device(keys.digest(secret), device_id, keys.digest(token), verify_key)
    if device is None:
        raise SyncError("that pairing code is not valid: it was mistyped, already used or has expired. Make a new one on the hub.")
    return {"ok": True, "token": token, "hub_id": hub["hub_id"], "hub_name": hub["hub_name"],
            "public_key": hub.get("public_key"), "device_record": device["id"], "device_name": device["name"]}


def authenticate(store, authorization):
    """The paired device an 'Authorization: Bearer ...' header belongs to, or None."""
    scheme, _, token = str(authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return store.device_for_token(keys.digest(token.strip()))


def receive(store, device, payload, where="batch"):
    """Apply a pushed batch; the answer acknowledges every response in it, with its outcome.
    Personal answers are kept as they come, sealed (see collector.privacy)."""
    if not isinstance(payload, dict):
        raise SyncError(f"{where}: a push should be a JSON object.")
    records = check_batch(payload.get("records"), where)
    for n, record in enumerate(records, 1):
        if record["device_id"] != device["device_id"]:
            raise SyncError(f"{where}, record {n} (response {record['id']}): it was taken on another laptop; "
                            "a laptop sends only its own responses.")
    form_versions = check_forms(payload.get("forms") or [], where)
    events = check_events(payload.get("events") or [], where)
    personal = check_personal(payload.get("personal") or [], where)
    outcomes, differing = store.apply_batch(device, records, form_versions, events, personal=personal)
    return {"ok": True, "outcomes": outcomes, "forms_differ": [list(pair) for pair in differing]}
