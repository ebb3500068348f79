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

