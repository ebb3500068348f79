"""File bundles: sync carried on a USB stick when there is no connection.

A bundle is a zip file holding the responses changed since the last bundle (as
JSON lines, the same records HTTP sync sends), the form versions and events they
refer to, and a manifest with counts and SHA-256 checksums, signed with the
laptop's key. It is written under a temporary name, flushed to the stick and
only then renamed, so a stick pulled out early leaves no file that looks whole.
The hub checks the signed manifest and the small members before applying
anything, then applies the whole bundle in one transaction, checking each record
and the responses' checksum as it reads them: a truncated, corrupted or tampered
bundle raises inside that transaction and changes nothing, and a bundle imported
twice changes nothing the second time.
"""

import gc
import hashlib
import json
import multiprocessing
import os
import signal
import sys
import uuid
import zipfile
import zlib
from contextlib import contextmanager
from pathlib import Path

from collector.store import now

from . import SyncError, keys
from .records import NotJSON, check_events, check_forms, check_personal, outgoing, read_record

FORMAT = "collector-bundle"
FORMAT_VERSION = 1
MEMBERS = ("responses.jsonl", "forms.json", "events.json", "personal.json")
MAX_MANIFEST = 64 * 1024
READ_CHUNK = 1 << 20
SEND_CHUNK = 500  # records the reading process sends at a time (about 500 KB)
# Where a process can be forked, records are read in one of their own (_reading). Elsewhere
# (Windows has none; macOS's system libraries may not survive one) they are read in this one.
FORK = multiprocessing.get_context("fork") if sys.platform.startswith("linux") else None


def write_bundle(store, out, settings, device_id, device_name, all_responses=False):
    """Write a bundle to out; returns its manifest. settings is the laptop's sync config."""
    out = Path(out)
    if out.is_dir():
        raise SyncError(f"{out} is a folder; give a file name such as {out / 'laptop.collector'}.")
    if not out.parent.is_dir():
        raise SyncError(f"cannot write {out}: the folder {out.parent} does not exist.")
    start = 0 if all_responses else store.sync_state("bundle_checkpoint", 0)
    end = store.last_change()
    tmp = out.with_name(f".{out.name}.{uuid.uuid4().hex[:8]}.part")
    counts, sums = {}, {}
    versions, event_ids, personal_keys = set(), set(), []
    try:
        with open(tmp, "wb") as raw:
            with zipfile.ZipFile(raw, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as bundle:
                digest, count = hashlib.sha256(), 0
                with bundle.open("responses.jsonl", "w") as member:
                    seq = start
                    while seq < end:
                        rows = store.changes_since(seq, 2000)
                        rows = [(s, r) for s, r in rows if s <= end]
                        if not rows:
                            break
                        for _, row in rows:
                            line = (json.dumps(outgoing(row), ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")
                            digest.update(line)
                            member.write(line)
                            versions.add((row["form_id"], row["form_version"]))
                            if row["event_id"]:
                                event_ids.add(row["event_id"])
                            if row["personal_key"]:
                                personal_keys.append(row["personal_key"])
                        count += len(rows)
                        seq = rows[-1][0]
                counts["responses"], sums["responses.jsonl"] = count, digest.hexdigest()
                for name, items in (("forms.json", store.form_versions(versions)),
                                    ("events.json", store.events_by_id(sorted(event_ids))),
                                    # sealed as kept here: only the hub opens them
                                    ("personal.json", [list(row) for row in store.personal_rows(personal_keys)])):
                    data = json.dumps(items, ensure_ascii=False, sort_keys=True).encode("utf-8")
                    bundle.writestr(name, data)
                    counts[name.split(".")[0]], sums[name] = len(items), hashlib.sha256(data).hexdigest()
                manifest = {
                    "format": FORMAT, "format_version": FORMAT_VERSION, "bundle_id": str(uuid.uuid4()),
                    "hub_id": settings["hub_id"], "device_record": settings.get("device_record"),
                    "device_id": device_id, "device_name": device_name, "created_at": now(),
                    "from_change": start, "to_change": end, "counts": counts, "sha256": sums,
                }
                data = json.dumps(manifest, ensure_ascii=False, sort_keys=True, indent=1).encode("utf-8")
                bundle.writestr("manifest.json", data)
                bundle.writestr("manifest.sig", keys.sign(settings["signing_key"], data))
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(tmp, out)
        _sync_folder(out.parent)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise SyncError(f"cannot write the bundle {out}: {exc.strerror or exc}. Nothing was marked as sent.") from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    # Only a whole bundle on the stick moves the point the next bundle starts from.
    store.set_sync_state("bundle_checkpoint", max(end, store.sync_state("bundle_checkpoint", 0)))
    store.set_sync_state("last_bundle", {"at": manifest["created_at"], "file": str(out), "responses": count})
    return manifest


def _sync_folder(folder):
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def import_bundle(store, path, hub_id):
    """Check a bundle's signed manifest and small members, then apply it in one transaction
    that checks each record and the responses' checksum as it takes them: anything wrong
    applies nothing. Returns (manifest, outcome counts, form versions that differ)."""
    path = Path(path)
    try:
        bundle = zipfile.ZipFile(path)
    except FileNotFoundError:
        raise SyncError(f"{path}: there is no such file.") from None
    except (zipfile.BadZipFile, OSError, ValueError):
        raise _broken(path) from None
    with bundle:
        manifest, device = _check_manifest(bundle, path, store, hub_id)
        _check_members(bundle, path, manifest)
        forms_list = check_forms(_read_json(bundle, path, "forms.json"), f"{path}: forms.json")
        events = check_events(_read_json(bundle, path, "events.json"), f"{path}: events.json")
        _check_count(path, "forms", len(forms_list), manifest)
        _check_count(path, "events", len(events), manifest)
        personal = check_personal(_read_json(bundle, path, "personal.json"), f"{path}: personal.json")
        _check_count(path, "personal", len(personal), manifest)
        meta = {"id": manifest["bundle_id"], "created_at": manifest["created_at"]}
        try:
            with _reading(bundle, path, manifest) as records:
                outcomes, differing = store.apply_batch(device, records, forms_list, events, bundle=meta, personal=personal)
        except (zipfile.BadZipFile, OSError, EOFError, zlib.error):
            raise _broken(path) from None
    counts = {}
    for outcome in outcomes.values():
        counts[outcome] = counts.get(outcome, 0) + 1
    return manifest, counts, differing


def _broken(path):
    return SyncError(
        f"{path} is not a whole bundle: it may have been cut short when the USB stick was taken out, or damaged. "
        "Nothing from it was applied. Make it again on the laptop with `collector sync export` (add --all if unsure)."
    )


def _check_manifest(bundle, path, store, hub_id):
    try:
        info = bundle.getinfo("manifest.json")
        if info.file_size > MAX_MANIFEST:
            raise SyncError(f"{path}: its manifest is too large to be a bundle's.")
        data = bundle.read("manifest.json")
        signature = bundle.read("manifest.sig").decode("ascii")
    except KeyError:
        raise SyncError(f"{path} is not a Collector bundle (it has no signed manifest). Nothing was applied.") from None
    except (zipfile.BadZipFile, OSError, EOFError, UnicodeDecodeError):
        raise _broken(path) from None
    try:
        manifest = json.loads(data)
    except ValueError:
        manifest = None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise SyncError(f"{path} is not a Collector bundle (its manifest cannot be read). Nothing was applied.")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise SyncError(f"{path} was made by a newer Collector (bundle format {manifest.get('format_version')}); update the hub.")
    if manifest.get("hub_id") != hub_id:
        raise SyncError(f"{path} was made for another hub, not this one. Nothing was applied.")
    records = store.devices_for_laptop(str(manifest.get("device_id")))
    device = next((d for d in records if d["id"] == manifest.get("device_record")), None)
    name = manifest.get("device_name") or "an unknown laptop"
    if device is None:
        raise SyncError(f"{path} comes from '{name}', which is not paired with this hub. Nothing was applied.")
    if device["revoked_at"]:
        raise SyncError(f"{path} comes from '{device['name']}', whose pairing was revoked. Nothing was applied.")
    if not keys.verify(device["verify_key"], data, signature):
        raise SyncError(f"{path} has been changed since '{device['name']}' made it (its signature does not match). Nothing was applied.")
    counts, sums = manifest.get("counts"), manifest.get("sha256")
    if not isinstance(counts, dict) or not isinstance(sums, dict) or set(sums) != set(MEMBERS):
        raise SyncError(f"{path}: its manifest is incomplete. Nothing was applied.")
    return manifest, device


def _check_members(bundle, path, manifest):
    """Every member is there, and the small ones match their checksums; responses.jsonl
    is checked in the same pass that reads its records (_checked_records), not in one of its own."""
    for name in MEMBERS:
        try:
            bundle.getinfo(name)
        except KeyError:
            raise SyncError(f"{path}: {name} is missing from the bundle. Nothing was applied.") from None
    for name in MEMBERS[1:]:
        _check_digest(path, name, _digest(bundle, path, name), manifest)


def _digest(bundle, path, name):
    digest = hashlib.sha256()
    try:
        with bundle.open(name) as member:
            while chunk := member.read(READ_CHUNK):
                digest.update(chunk)
    except (zipfile.BadZipFile, OSError, EOFError):
        raise _broken(path) from None
    return digest


def _check_digest(path, name, digest, manifest):
    if digest.hexdigest() != manifest["sha256"][name]:
        raise SyncError(f"{path}: {name} does not match its checksum in the manifest; the bundle was changed or damaged. Nothing was applied.")


def _read_json(bundle, path, name):
    try:
        return json.loads(bundle.read(name))
    except ValueError:
        raise SyncError(f"{path}: {name} cannot be read. Nothing was applied.") from None


def _check_count(path, what, found, manifest):
    if manifest["counts"].get(what) != found:
        raise SyncError(f"{path}: the manifest counts {manifest['counts'].get(what)} {what} but the bundle holds {found}. Nothing was applied.")


def _checked_records(bundle, path, manifest):
    """The bundle's records, checked one by one, with the checksum of responses.jsonl taken
    in the same pass. Any bad record, or a checksum or count that does not match, raises
    SyncError; a file that does not match its checksum is said to be changed, whatever its
    lines hold. Read as the transaction takes the records, an error applies nothing."""
    count = 0
    seen = set()
    digest = hashlib.sha256()
    with bundle.open("responses.jsonl") as member:
        try:
            for number, line in enumerate(_lines(member, digest), 1):
                where = f"{path}: responses.jsonl line {number}"
                try:
                    record = read_record(line, where)
                except NotJSON:
                    raise SyncError(f"{where} is not JSON. Nothing was applied.") from None
                if record["id"] in seen:
                    raise SyncError(f"{where} repeats a response. Nothing was applied.")
                seen.add(record["id"])
                count += 1
                yield record
        except SyncError:
            while chunk := member.read(READ_CHUNK):
                digest.update(chunk)
            _check_digest(path, "responses.jsonl", digest, manifest)
            raise
    _check_digest(path, "responses.jsonl", digest, manifest)
    _check_count(path, "responses", count, manifest)


def _lines(member, digest):
    """The lines of a zip member without their newlines, its bytes given to digest as they
    are read: a megabyte at a time, as reading line by line costs as much as decoding them."""
    rest = b""
    while block := member.read(READ_CHUNK):
        digest.update(block)
        lines = (rest + block).split(b"\n")
        rest = lines.pop()
        yield from lines
    if rest:
        yield rest


@contextmanager
def _reading(bundle, path, manifest):
    """The bundle's checked records (_checked_records), read in a process of its own where
    the system can start one by forking: reading, decoding, checking and hashing a line cost
    about half as much as the store's inserting it, and a second process, unlike a second
    thread, does that work beside the store's, not in turn with it (Python's lock)."""
    if FORK is None:
        yield _checked_records(bundle, path, manifest)
        return
    receive, send = FORK.Pipe(duplex=False)
    reader = FORK.Process(target=_send_records, args=(path, manifest, send), daemon=True)
    reader.start()
    send.close()
    try:
        yield _received_records(receive, path)
    finally:
        if reader.is_alive():
            reader.terminate()  # the store stopped early: nobody reads what it would send
        reader.join()
        receive.close()


def _send_records(path, manifest, send):
    """In the reading process: the checked records, SEND_CHUNK at a time, then 'done', or
    why the bundle is refused. A pipe holds little, so a reader ahead of the store waits."""
    gc.disable()  # its records hold no cycles; and nothing the parent left behind is collected here
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the store's to handle: it ends this process
    try:
        with zipfile.ZipFile(path) as bundle:
            chunk = []
            for record in _checked_records(bundle, path, manifest):
                chunk.append(record)
                if len(chunk) == SEND_CHUNK:
                    send.send(("records", chunk))
                    chunk = []
            send.send(("records", chunk))
        said = ("done", None)
    except SyncError as exc:
        said = ("refused", str(exc))
    except BrokenPipeError:
        return  # the store stopped taking records
    except (zipfile.BadZipFile, OSError, EOFError, zlib.error):
        said = ("broken", None)
    try:
        send.send(said)
    except BrokenPipeError:
        pass


def _received_records(receive, path):
    """The records the reading process sends, raising what it found wrong as it would have."""
    while True:
        try:
            kind, payload = receive.recv()
        except EOFError:
            raise SyncError(f"{path}: reading the bundle stopped part way (its reading process ended). "
                            "Nothing was applied.") from None
        if kind == "records":
            yield from payload
        elif kind == "done":
            return
        elif kind == "refused":
            raise SyncError(payload)
        else:
            raise _broken(path)
