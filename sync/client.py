"""A laptop's side of sync: pair with the hub, send what changed, take new form versions.

The checkpoint (the last change number the hub acknowledged) moves only after the
hub's answer, in the same transaction as the acknowledgements: if the laptop dies
before that, the batch is sent again and the hub, keyed by (response, revision),
takes nothing twice.
"""

import os
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import forms

from . import SyncError, keys

# Few large batches: each is one transaction at the hub, whose cost is mostly its commit.
BATCH_RECORDS = 2000
FIRST_BATCH_BYTES = 384 * 1024  # under the 512 KB any hub takes, until it says it takes more
BATCH_BYTES = 3 * 1024 * 1024  # at most, once the hub says it takes more (it takes 4 MB: sync_api.PUSH_BODY_KB)
FORM_FILE = re.compile(r"[a-z][a-z0-9_]*")


@dataclass
class PushResult:
    sent: int = 0
    batches: int = 0
    outcomes: dict = field(default_factory=dict)
    forms_differ: list = field(default_factory=list)

    def count(self, outcome):
        return self.outcomes.get(outcome, 0)


def pair(transport, secret, device_id, device_name):
    """Trade a one-time pairing secret for this laptop's sync settings (kept in its config)."""
    seed, verify_key = keys.new_signing_key()
    answer = transport.call("POST", "/api/sync/pair", {
        "code": secret, "device_id": device_id, "device_name": device_name, "verify_key": verify_key,
    })
    if not isinstance(answer.get("token"), str) or not isinstance(answer.get("hub_id"), str):
        raise SyncError("the hub's answer to pairing was incomplete; ask for a new code and try again.")
    return {
        "hub_url": transport.hub_url, "token": answer["token"], "hub_id": answer["hub_id"],
        "hub_name": answer.get("hub_name") or "hub", "hub_public_key": answer.get("public_key"),
        "device_record": answer.get("device_record"), "signing_key": seed,
    }


def next_batch(store, checkpoint, limit=BATCH_RECORDS, max_bytes=BATCH_BYTES):
    """[(change_seq, record)] after checkpoint, cut to fit one request."""
    rows = store.changes_since(checkpoint, limit)
    batch, size = [], 0
    for seq, row in rows:
        size += len(row["answers"] or "") + 400
        if batch and size > max_bytes:
            break
        batch.append((seq, row))  # the store's rows hold RESPONSE_FIELDS: each is as it is sent
    return batch


def push(store, transport, progress=None):
    """Send every response changed since the hub's last acknowledgement, batch by batch.

    One batch is in flight at a time. While the hub takes it, this laptop reads the
    next and records the hub's answer to the one before, so the two computers work at
    once; the checkpoint still moves only after each answer, in order.
    """
    result = PushResult()
    sent_forms, sent_events = set(), set()
    after = store.sync_state("checkpoint", 0)
    max_bytes = FIRST_BATCH_BYTES
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="sync-push") as line:
        in_flight = None  # (the hub's answer to come, the batch it answers, the change it was read after)
        while True:
            batch = next_batch(store, after, max_bytes=max_bytes)
            if not batch and in_flight is None:
                return result
            upcoming = None
            if batch:
                records = [r for _, r in batch]
                versions = {(r["form_id"], r["form_version"]) for r in records} - sent_forms
                event_ids = {r["event_id"] for r in records if r["event_id"]} - sent_events
                body = {"records": records, "forms": store.form_versions(versions) if versions else [],
                        "events": store.events_by_id(sorted(event_ids)),
                        # Personal answers go with their responses, sealed as they are kept here.
                        "personal": store.personal_rows([r["personal_key"] for r in records])}
                sent_forms |= versions
                sent_events |= event_ids
                answered = in_flight[0].result() if in_flight else None
                upcoming = (line.submit(transport.call, "POST", "/api/sync/push", body), batch, after)
                after = batch[-1][0]
            else:
                # Nothing more yet: take the last answer, then read again for what changed meanwhile.
                answered = in_flight[0].result()
            if in_flight:
                _take_answer(store, answered, *in_flight[1:], result, progress)
                max_bytes = _batch_bytes(answered)
            in_flight = upcoming


def _batch_bytes(answer):
    """How large the next batches may be: what the hub says it takes, less a quarter, as a
    batch's size is estimated; a hub that does not say (an older one) gets small batches."""
    kb = answer.get("max_body_kb")
    if type(kb) is not int or kb <= 0:
        return FIRST_BATCH_BYTES
    return max(FIRST_BATCH_BYTES, min(BATCH_BYTES, kb * 1024 * 3 // 4))


def _take_answer(store, answer, batch, after, result, progress):
    """Record the hub's answer to a batch read after change `after`: its acknowledgements, then the checkpoint."""
    records = [r for _, r in batch]
    outcomes = answer.get("outcomes")
    if not isinstance(outcomes, dict) or set(outcomes) != {r["id"] for r in records}:
        raise SyncError("the hub's answer did not acknowledge the batch it was sent; sync again.")
    store.acknowledge_changes(after, batch[-1][0], [i for i, o in outcomes.items() if o == "conflict"])
    for outcome in outcomes.values():
        result.outcomes[outcome] = result.outcomes.get(outcome, 0) + 1
    result.forms_differ += [tuple(f) for f in answer.get("forms_differ") or []]
    result.sent += len(records)
    result.batches += 1
    if progress:
        progress(len(records))


def pull_forms(store, transport, forms_dir):
    """Take the form versions the hub publishes that this laptop has not got.

    Returns ([(form id, version)] taken, [problems]). A version already kept here
    is left as it is: responses always keep the version they were answered on.
    """
    answer = transport.call("GET", "/api/sync/forms")
    published = answer.get("forms")
    if not isinstance(published, list):
        raise SyncError("the hub's list of forms could not be read; sync again.")
    forms_dir = Path(forms_dir)
    here = _keep_local_forms(store, forms_dir)
    taken, problems = [], []
    for item in published:
        form_id, version, source = (item.get(k) if isinstance(item, dict) else None for k in ("form_id", "version", "source"))
        if not all(isinstance(v, str) and v for v in (form_id, version, source)) or not FORM_FILE.fullmatch(form_id):
            problems.append("the hub sent a form this laptop cannot read; it was left out.")
            continue
        held = store.form_source(form_id, version)
        if held is not None:
            if held != source:
                problems.append(f"form '{form_id}' version {version} here differs from the hub's; this laptop keeps its own.")
            continue
        try:
            form = forms.load_form_text(source, f"{form_id} v{version} from the hub")
        except forms.FormError as exc:
            problems.append(f"form '{form_id}' version {version} from the hub has problems, so it was not taken: {exc.problems[0]}")
            continue
        if form.id != form_id or form.version != version:
            problems.append(f"form '{form_id}' version {version} from the hub says it is '{form.id}' version {form.version}; left out.")
            continue
        _replace_file(here.get(form_id) or forms_dir / f"{form_id}.yaml", source)
        store.record_form(form_id, version, source)
        taken.append((form_id, version))
    return taken, problems


def _keep_local_forms(store, forms_dir):
    """{form id: file} of the forms folder, each version kept in the store first, so the
    hub's copy of a version this laptop already has is not taken as new. A broken file is skipped."""
    found = {}
    for path in sorted(forms_dir.glob("*.y*ml")):
        try:
            form = forms.load_form(path)
            text = path.read_text("utf-8")
        except (forms.FormError, OSError, UnicodeDecodeError):
            continue
        if form.id not in found:
            found[form.id] = path
            store.record_form(form.id, form.version, text)
    return found


def _replace_file(path, text):
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    tmp.replace(path)


def waiting(store):
    """How many changes wait to go to the hub: read along an index, so a sync with
    nothing new costs the same however many responses the laptop holds."""
    return store.count_changes_since(store.sync_state("checkpoint", 0))


def status(store):
    """What waits to go to the hub, for `collector sync status` (counting the
    unacknowledged reads every response)."""
    checkpoint = store.sync_state("checkpoint", 0)
    bundle = store.sync_state("bundle_checkpoint", 0)
    return {
        "waiting": store.count_changes_since(checkpoint),
        "unacknowledged": store.count_unacknowledged(),
        "since_last_bundle": store.count_changes_since(bundle),
        "last_sync": store.sync_state("last_sync"),
        "last_bundle": store.sync_state("last_bundle"),
    }
