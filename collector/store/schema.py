"""The store's tables, as numbered migrations: a workspace made by any earlier
version is brought up to date when it is opened, and never rebuilt."""

from .base import migrations


@migrations()
def m001_initial(db):
    db["forms"].create(
        {"form_id": str, "version": str, "source": str, "added_at": str},
        pk=("form_id", "version"),
    )
    db["events"].create(
        {"id": str, "name": str, "venue": str, "date": str, "created_at": str}, pk="id"
    )
    db["settings"].create({"name": str, "value": str}, pk="name")
    db["drafts"].create(
        {
            "id": str, "form_id": str, "form_version": str, "language": str, "source": str,
            "device_id": str, "event_id": str, "started_at": str, "updated_at": str,
            "answers": str,
        },
        pk="id",
    )
    db["responses"].create(
        {
            "id": str, "reference": str, "form_id": str, "form_version": str,
            "language": str, "source": str, "device_id": str, "event_id": str,
            "paper_serial": str, "started_at": str, "submitted_at": str,
            "answers": str, "revision": int, "deleted_at": str, "updated_at": str,
        },
        pk="id",
        not_null={"reference", "form_id", "form_version", "source", "submitted_at", "revision"},
        defaults={"revision": 1},
    )
    db["responses"].create_index(["reference"], unique=True)
    db["responses"].create_index(["form_id", "submitted_at"])


@migrations()
def m002_paper_serials(db):
    db["serials"].create(
        {"serial": str, "form_id": str, "form_version": str, "issued_at": str},
        pk="serial",
    )


@migrations()
def m003_paper_entry(db):
    # The database, not a check beforehand, refuses a second response for one paper copy.
    db["responses"].create_index(["paper_serial"], unique=True)
    # Under double entry each keying of a copy waits here, not as a response, until it counts.
    db["paper_entries"].create(
        {
            "id": str, "serial": str, "round": int, "form_id": str, "form_version": str,
            "language": str, "keyer": str, "device_id": str, "event_id": str,
            "answers": str, "keyed_at": str, "status": str, "response_id": str,
        },
        pk="id",
        not_null={"serial", "round", "form_id", "form_version", "keyer", "answers", "keyed_at", "status"},
    )
    db["paper_entries"].create_index(["serial", "round"], unique=True)
    db["paper_entries"].create_index(["status"])


@migrations()
def m004_audit(db):
    # Who took what out of the laptop, and when. Triggers, not code paths, keep it
    # append-only, so no later change to the app can quietly rewrite the record.
    db.execute(
        "create table audit (id integer primary key autoincrement, at text not null,"
        " actor text not null, action text not null, detail text not null)"
    )
    for event in ("update", "delete"):
        db.execute(
            f"create trigger audit_no_{event} before {event} on audit"
            f" begin select raise(abort, 'the audit log is append-only: its rows cannot be changed or deleted'); end"
        )



@migrations()
def m005_sync(db):
    # Every change to a response takes the next change number, so a laptop sends
    # "everything after the last number the office acknowledged", read along an index:
    # a sync with nothing new costs the same however many responses are stored.
    # Triggers, not code paths, number the changes, so no way of writing a response
    # can be missed; a write that numbers its own rows (the office applying a batch)
    # skips them.
    db.execute("alter table responses add column change_seq integer")
    db.execute("alter table responses add column acked_revision integer")
    db.execute("update responses set change_seq = rowid")
    db.execute("create index responses_change_seq on responses (change_seq)")
    db.execute(
        "create trigger responses_number_insert after insert on responses when new.change_seq is null"
        " begin update responses set change_seq = (select coalesce(max(change_seq), 0) + 1 from responses)"
        " where rowid = new.rowid; end"
    )
    db.execute(
        "create trigger responses_number_update after update of answers, deleted_at, revision on responses"
        " when new.change_seq is old.change_seq"
        " begin update responses set change_seq = (select coalesce(max(change_seq), 0) + 1 from responses)"
        " where rowid = new.rowid; end"
    )
    # A reference is drawn on the laptop that took the response, so it is unique per
    # laptop; at the office two laptops may by chance have drawn the same one.
    db.execute("drop index idx_responses_reference")
    db.execute("create unique index responses_device_reference on responses (coalesce(device_id, ''), reference)")
    db.execute("create index responses_reference on responses (reference)")

    # At the office: the laptops paired with it. Only hashes of pairing codes and
    # tokens are kept; verify_key checks the signature on a laptop's file bundles.
    db.execute(
        "create table devices (id text primary key, name text not null unique, device_id text,"
        " pair_hash text unique, pair_expires text, token_hash text unique, verify_key text,"
        " added_at text not null, paired_at text, revoked_at text, last_sync_at text)"
    )
    # Every (response, revision) the office has received: the primary key, not a check
    # beforehand, makes a re-sent batch change nothing.
    db.execute(
        "create table received (response_id text not null, revision integer not null, hash text not null,"
        " device text not null, received_at text not null, primary key (response_id, revision)) without rowid"
    )
    # What could not be taken as it came, kept whole for a coordinator: never overwritten, never dropped.
    db.execute(
        "create table sync_conflicts (id integer primary key autoincrement, response_id text not null,"
        " revision integer not null, device text not null, kind text not null, record text not null,"
        " at text not null)"
    )
    db.execute(
        "create table bundles (id text primary key, device text not null, created_at text not null,"
        " imported_at text not null, responses integer not null)"
    )


@migrations()
def m006_personal(db):
    # Answers to questions marked `personal` are kept apart from the others, linked only
    # by a random key held on the response: the personal table alone says nobody's
    # response. On a paired laptop `data` is sealed for the hub (sealed = 1), so the
    # laptop's own files cannot be read back into names and emails.
    db.execute("alter table responses add column personal_key text")
    db.execute("create unique index responses_personal_key on responses (personal_key)")
    db.execute(
        "create table personal (key text primary key, sealed integer not null, data text not null,"
        " created_at text not null)"
    )


@migrations()
def m007_audit_from_laptops(db):
    # The hub keeps every laptop's audit log beside its own: device is the laptop's
    # record at the hub (null for this workspace's own rows) and origin_id the row's id
    # there, so a log sent twice is kept once.
    db.execute("alter table audit add column device text")
    db.execute("alter table audit add column origin_id integer")
    db.execute("create unique index audit_origin on audit (device, origin_id) where device is not null")


@migrations()
def m008_change_counter(db):
    # Change numbers come from a counter that never goes back, not from the largest number
    # still stored: once `collector purge` removes acknowledged responses, a new change
    # must still be numbered after the checkpoint, or it would never be sent.
    db.execute("create table change_counter (value integer not null)")
    db.execute("insert into change_counter select coalesce(max(change_seq), 0) from responses")
    db.execute("drop trigger responses_number_insert")
    db.execute("drop trigger responses_number_update")
    number = ("begin update change_counter set value = value + 1;"
              " update responses set change_seq = (select value from change_counter) where rowid = new.rowid; end")
    db.execute(f"create trigger responses_number_insert after insert on responses when new.change_seq is null {number}")
    db.execute("create trigger responses_number_update after update of answers, deleted_at, revision on responses"
               f" when new.change_seq is old.change_seq {number}")


@migrations()
def m009_personal_follows_its_response(db):
    # A response's personal answers go when it stops pointing at them: corrected, deleted,
    # erased, purged, or replaced by a newer revision from a laptop. Triggers, so no way
    # of changing a response can leave someone's name behind with nothing pointing to it.
    db.execute(
        "create trigger responses_drop_personal_on_change after update of personal_key on responses"
        " when old.personal_key is not null and old.personal_key is not new.personal_key"
        " begin delete from personal where key = old.personal_key; end"
    )
    db.execute(
        "create trigger responses_drop_personal_on_delete after delete on responses when old.personal_key is not null"
        " begin delete from personal where key = old.personal_key; end"
    )
    db.execute("delete from personal where key not in (select personal_key from responses where personal_key is not null)")
    # Responses purged from a laptop after the hub acknowledged them: a tablet re-sending
    # one, or its outbox file imported, must not store it here again.
    db.execute("create table purged (id text primary key, reference text not null, at text not null)")


@migrations()
def m010_one_index_on_reference(db):
    # One index on reference, not two: the rule that a laptop uses a reference once now
    # leads with the reference, so looking a reference up uses the same index. Every index
    # a response goes into costs the hub's bundle import a few µs a record.
    db.execute("create unique index responses_reference_device on responses (reference, coalesce(device_id, ''))")
    db.execute("drop index responses_device_reference")
    db.execute("drop index responses_reference")


@migrations()
def m011_export_index_knows_deleted(db):
    # The index exports read along (a form's live responses in the order they were sent)
    # also holds whether each is deleted: counting the live responses and cutting an export
    # into parts then read the index alone, not every response's row (a quarter to half a
    # second each at a million responses). deleted_at comes before submitted_at, so for the
    # live responses the index is still in (submitted_at, rowid) order, which exports page by.
    # It replaces the index on (form_id, submitted_at): a response goes into no more indexes.
    db.execute("create index responses_export on responses (form_id, deleted_at, submitted_at)")
    db.execute("drop index idx_responses_form_id_submitted_at")


@migrations()
def m012_drafts_know_their_browser(db):
    # The browser that started a draft, by the random key its session holds: only that browser
    # opens it. The session held the ids of its last 20 drafts instead, so its cookie grew to
    # 700 bytes and changed (to be signed, sent and checked afresh) with every response started.
    db.execute("alter table drafts add column browser text")
