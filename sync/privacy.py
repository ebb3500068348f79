"""What sync carries for people's privacy: each laptop's audit log up to the hub, and
responses erased (or deleted) at the hub down to the laptop that took them, so the
laptop's copy goes too and cannot come back."""

from urllib.parse import quote

from . import SyncError

AUDIT_BATCH = 500


# -- on a laptop ----------------------------------------------------------------------------


def push_audit(store, transport):
    """Send this laptop's audit rows the hub has not acknowledged; returns how many were sent."""
    sent = 0
    while rows := store.own_audit_since(store.sync_state("audit_checkpoint", 0), AUDIT_BATCH):
        answer = transport.call("POST", "/api/sync/audit", {"entries": rows})
        if answer.get("ok") is not True:
            raise SyncError("the hub did not acknowledge this laptop's audit log; sync again.")
        store.set_sync_state("audit_checkpoint", rows[-1]["id"])
        sent += len(rows)
    return sent


def pull_erasures(store, transport):
    """Erase here what the hub erased or deleted of this laptop's responses; returns how many."""
    since = store.sync_state("erasures_since", "")
    answer = transport.call("GET", f"/api/sync/erasures?since={quote(since)}")
    ids, until = answer.get("erased"), answer.get("until")
    if not isinstance(ids, list) or not isinstance(until, str):
        raise SyncError("the hub's list of erased responses could not be read; sync again.")
    erased = [rid for rid in ids if isinstance(rid, str) and store.erase_response(rid)]
    if erased:
        store.record_audit("erased as the hub did", "laptop", {"responses": erased})
    store.set_sync_state("erasures_since", until)
    return len(erased)


# -- at the hub -------------------------------------------------------------------------------


def receive_audit(store, device, payload):
    entries = payload.get("entries") if isinstance(payload, dict) else None
    if not isinstance(entries, list) or len(entries) > AUDIT_BATCH * 2:
        raise SyncError("an audit push should hold a list of entries.")
    for n, entry in enumerate(entries, 1):
        if (not isinstance(entry, dict) or type(entry.get("id")) is not int
                or not all(isinstance(entry.get(k), str) and entry[k] for k in ("at", "actor", "action"))
                or "detail" not in entry):
            raise SyncError(f"audit entry {n}: it needs an id, at, actor, action and detail.")
    return {"ok": True, "taken": store.take_audit(device, entries)}


def erasures_for(store, device, since):
    """The ids of a laptop's responses erased or deleted at the hub since `since`, and the time to ask from next."""
    until, ids = store.tombstones_of(device["device_id"], since or "")
    return {"ok": True, "erased": ids, "until": until}
