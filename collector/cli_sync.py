"""`collector devices` (on the hub) and `collector sync` (on a laptop, and importing at the hub).

Thin commands over the `sync` package: each opens the workspace, calls one
function, and turns SyncError into a one-line `Error: ...`.
"""

import functools
import json
import sys
from pathlib import Path

import click

from .cli_base import OrderedGroup, pass_workspace


def _need_hub(workspace):
    if not workspace.is_hub:
        raise click.ClickException(
            f"{workspace.path} is not a hub. Laptops pair with the office's hub; make one with `collector init --hub DIR`.")


def _need_pairing(workspace):
    if workspace.is_hub:
        raise click.ClickException("this workspace is the hub itself; laptops sync to it. Run this on a laptop.")
    settings = workspace.sync_settings
    if not settings:
        raise click.ClickException(
            "this laptop is not paired with a hub yet. Get a pairing code from a coordinator "
            "(`collector devices add NAME` on the hub) and run `collector sync pair CODE`.")
    return settings


def _sync_errors(command):
    """Let SyncError end a command with its message, and exit status 1."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        from sync import SyncError

        try:
            return command(*args, **kwargs)
        except SyncError as exc:
            raise click.ClickException(str(exc))

    return wrapper


# -- devices, on the hub -------------------------------------------------------------


@click.group("devices", cls=OrderedGroup)
def devices_group():
    """Pair laptops with this hub, list them and cut them off (run on the hub)."""


@devices_group.command("add")
@pass_workspace
@click.argument("name")
@click.option("--url", help="The hub's address as laptops reach it (default: this computer's network address, port 8000).")
@click.option("--hours", default=24, show_default=True, type=click.IntRange(1, 24 * 14), help="How long the code works.")
@_sync_errors
def devices_add(workspace, name, url, hours):
    """Make a one-time pairing code for a laptop, shown as text and as a QR code.

    Example: collector devices add "Library laptop"
    """
    from sync import hub

    from .netinfo import public_url, qr_terminal

    _need_hub(workspace)
    code, expires = hub.add_device(workspace.store, name, url or public_url("0.0.0.0", 8000), hours)
    workspace.store.record_audit("pairing code made", "cli", {"name": " ".join(name.split()), "expires": expires})
    click.echo(f"Pairing code for '{' '.join(name.split())}' (works once, until {expires}):")
    click.echo(f"  {code}")
    qr_terminal(code, sys.stdout)
    click.echo(f"On the laptop, run: collector sync pair {code}")


@devices_group.command("list")
@pass_workspace
@click.option("--json", "as_json", is_flag=True, help="One JSON object per laptop.")
def devices_list(workspace, as_json):
    """List the laptops paired with this hub: last sync and responses from each.

    Example: collector devices list
    """
    _need_hub(workspace)
    devices = workspace.store.devices()
    if as_json:
        for device in devices:
            click.echo(json.dumps({k: v for k, v in device.items() if k != "verify_key"}, ensure_ascii=False))
        return
    if not devices:
        click.echo("No laptops yet. Pair one with: collector devices add NAME")
        return
    for d in devices:
        state = "revoked" if d["revoked_at"] else "paired" if d["paired_at"] else "waiting for its code"
        last = d["last_sync_at"] or "never"
        click.echo(f"{d['name']}\t{state}\tlast sync {last}\t{d['responses']} responses")
    conflicts = workspace.store.conflicts()
    if conflicts:
        click.echo(f"{len(conflicts)} sent responses are kept apart for a coordinator to look at (see the dashboard).")


@devices_group.command("revoke")
@pass_workspace
@click.argument("name")
def devices_revoke(workspace, name):
    """Cut a laptop off: from now on the hub refuses its syncs and its bundles.

    Example: collector devices revoke "Library laptop"
    """
    _need_hub(workspace)
    if workspace.store.device_named(name) is None:
        raise click.ClickException(f"no laptop called '{name}' is known here; `collector devices list` shows them.")
    if not workspace.store.revoke_device(name):
        raise click.ClickException(f"'{name}' was revoked already.")
    workspace.store.record_audit("laptop revoked", "cli", {"name": name})
    click.echo(f"Revoked '{name}': it can no longer sync with this hub. What it sent before is kept.")


# -- sync, on a laptop ------------------------------------------------------------------


@click.group("sync", cls=OrderedGroup, invoke_without_command=True)
@click.pass_context
def sync_group(ctx):
    """Send this laptop's responses to the hub and take new forms (`collector sync`),
    or pair, check what waits, and carry bundles on a USB stick.

    Example: collector sync
    """
    if ctx.invoked_subcommand is None:
        ctx.invoke(sync_now)


@sync_group.command("now", hidden=True)
@pass_workspace
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@_sync_errors
def sync_now(workspace, as_json=False):
    """Send what changed since the hub's last acknowledgement, then take new form versions."""
    from sync import client, privacy
    from sync.transport import HttpTransport

    settings = _need_pairing(workspace)
    transport = HttpTransport(settings["hub_url"], settings["token"])
    # Anything kept before pairing (say, by a collector already serving) is sealed before it travels.
    workspace.store.seal_open_personal(workspace.privacy.seal)
    waiting = client.waiting(workspace.store)
    with click.progressbar(length=waiting, label="Sending responses", file=sys.stderr, hidden=not sys.stderr.isatty()) as bar:
        result = client.push(workspace.store, transport, progress=bar.update)
    privacy.push_audit(workspace.store, transport)
    taken, problems = client.pull_forms(workspace.store, transport, workspace.forms_dir)
    erased = privacy.pull_erasures(workspace.store, transport)
    summary = {"at": _now(), "sent": result.sent, "new": result.count("applied"), "already": result.count("unchanged"),
               "conflicts": result.count("conflict"), "forms": [f"{i} v{v}" for i, v in taken],
               "erased": erased, "waiting": client.waiting(workspace.store)}
    workspace.store.set_sync_state("last_sync", summary)
    if as_json:
        click.echo(json.dumps({**summary, "problems": problems}))
        return
    for problem in problems:
        click.echo(f"warning: {problem}", err=True)
    click.echo(_summary_line(settings, summary))


def _summary_line(settings, s):
    hub = settings.get("hub_name") or settings["hub_url"]
    parts = [f"Sent {s['sent']} response{'s' if s['sent'] != 1 else ''} to {hub}"
             + (f" ({s['new']} new, {s['already']} already there)" if s["sent"] else "")]
    if s["conflicts"]:
        parts.append(f"{s['conflicts']} kept apart at the hub for a coordinator")
    parts.append(f"new forms: {', '.join(s['forms'])}" if s["forms"] else "no new forms")
    if s.get("erased"):
        parts.append(f"erased {s['erased']} response{'s' if s['erased'] != 1 else ''} here, as at the hub")
    parts.append("nothing waiting" if not s["waiting"] else f"{s['waiting']} still waiting")
    return "; ".join(parts) + "."


def _now():
    from .store import now

    return now()


@sync_group.command("pair")
@pass_workspace
@click.argument("code")
@click.option("--replace", is_flag=True, help="Pair again even if this laptop is already paired.")
@_sync_errors
def sync_pair(workspace, code, replace):
    """Pair this laptop with the hub, using a code made there by `collector devices add`.

    Example: collector sync pair http://192.168.1.20:8000/pair/ABCD-EFGH-JKMN-PQRS
    """
    from sync import client
    from sync.transport import HttpTransport, split_pairing_code

    if workspace.is_hub:
        raise click.ClickException("this workspace is the hub itself; pair laptops with it, not it with itself.")
    if workspace.sync_settings and not replace:
        raise click.ClickException(
            f"this laptop is already paired with {workspace.sync_settings.get('hub_name')} "
            f"({workspace.sync_settings['hub_url']}); add --replace to pair it again.")
    hub_url, secret = split_pairing_code(code)
    settings = client.pair(HttpTransport(hub_url), secret, workspace.device_id, workspace.device_name)
    before = workspace.sync_settings
    if before and before.get("hub_id") != settings["hub_id"]:
        # Another hub: it has none of this laptop's responses yet.
        workspace.store.forget_hub()
        if workspace.store.count_personal(sealed=True):
            click.echo("warning: personal answers sealed for the previous hub can be read only there.", err=True)
    workspace.save_sync_settings(settings)
    click.echo(f"Paired with the hub '{settings['hub_name']}' at {hub_url}. Send responses with: collector sync")
    sealed = workspace.store.seal_open_personal(workspace.privacy.seal)
    if sealed:
        click.echo(f"Sealed the personal answers of {sealed} response{'s' if sealed != 1 else ''} kept before pairing: "
                   "from now on only the hub can read them.")


@sync_group.command("status")
@pass_workspace
@click.option("--json", "as_json", is_flag=True, help="Print the status as JSON.")
def sync_status(workspace, as_json):
    """Show the hub this laptop syncs to and what waits to be sent.

    Example: collector sync status
    """
    from sync import client

    settings = _need_pairing(workspace)
    state = client.status(workspace.store)
    if as_json:
        click.echo(json.dumps({"hub": settings.get("hub_name"), "hub_url": settings["hub_url"], **state}))
        return
    click.echo(f"Paired with {settings.get('hub_name')} at {settings['hub_url']}.")
    last = state["last_sync"]
    click.echo(f"Last sync: {last['at']}, sent {last['sent']}." if last else "Last sync: never.")
    click.echo(f"Waiting to be sent: {state['waiting']} change{'s' if state['waiting'] != 1 else ''} to responses.")
    click.echo(f"Not yet acknowledged by the hub: {state['unacknowledged']} response{'s' if state['unacknowledged'] != 1 else ''}.")
    bundle = state["last_bundle"]
    if bundle:
        click.echo(f"Last bundle: {bundle['at']} ({bundle['responses']} responses); {state['since_last_bundle']} changes since.")


@sync_group.command("export")
@pass_workspace
@click.option("--out", "out", required=True, type=click.Path(dir_okay=True, path_type=Path),
              help="The bundle file to write, such as /media/usb/library-laptop.collector.")
@click.option("--all", "all_responses", is_flag=True, help="Every response, not only those changed since the last bundle.")
@_sync_errors
def sync_export(workspace, out, all_responses):
    """Write a signed bundle of responses to carry to the hub on a USB stick.

    Example: collector sync export --out /media/usb/library-laptop.collector
    """
    from sync.bundle import write_bundle

    settings = _need_pairing(workspace)
    manifest = write_bundle(workspace.store, out, settings, workspace.device_id, workspace.device_name, all_responses)
    n = manifest["counts"]["responses"]
    click.echo(f"Wrote {out}: {n} response{'s' if n != 1 else ''}. On the hub, run: collector sync import {out.name}")


@sync_group.command("import")
@pass_workspace
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
def sync_import(workspace, files):
    """Apply bundles carried from laptops (run on the hub). Each is checked whole first;
    a damaged or changed one is refused and nothing from it is applied.

    Example: collector sync import /media/usb/*.collector
    """
    from sync import SyncError
    from sync.bundle import import_bundle

    _need_hub(workspace)
    failed = 0
    for path in files:
        try:
            manifest, counts, differing = import_bundle(workspace.store, path, workspace.config["hub"]["hub_id"])
        except SyncError as exc:
            failed += 1
            click.echo(f"Error: {exc}", err=True)
            continue
        total = sum(counts.values())
        detail = ", ".join(f"{n} {_OUTCOMES[k]}" for k, n in sorted(counts.items()))
        click.echo(f"{path}: from '{manifest['device_name']}', {total} response{'s' if total != 1 else ''}"
                   + (f" ({detail})." if detail else "."))
        for form_id, version in differing:
            click.echo(f"warning: form '{form_id}' version {version} from that laptop differs from the hub's; the hub keeps its own.", err=True)
    if failed:
        sys.exit(1)


_OUTCOMES = {"applied": "new or changed", "unchanged": "already here", "stale": "older than the hub's",
             "deleted": "deleted at the hub", "conflict": "kept apart for a coordinator"}


@click.command("purge")
@pass_workspace
@click.option("--synced", is_flag=True, help="On a laptop: remove what the hub has acknowledged, and nothing else.")
@click.option("--retention", is_flag=True, help="On the hub: delete personal answers older than each form's retention_days.")
@click.option("--personal-only", is_flag=True, help="With --synced: remove only the personal answers of those responses.")
@click.option("--dry-run", is_flag=True, help="Say what would be removed, and remove nothing.")
def purge(workspace, synced, retention, personal_only, dry_run):
    """Keep as little as possible: on a laptop, remove the responses the hub has
    acknowledged (never anything it has not; run `collector sync` first); on the
    hub, apply each form's retention period to personal answers.

    Example: collector purge --synced --dry-run
    """
    if synced == retention:
        raise click.UsageError("give one of --synced (on a laptop) or --retention (on the hub).")
    if retention:
        _purge_retention(workspace, dry_run)
        return
    if workspace.is_hub:
        raise click.ClickException("this is the hub: it keeps what laptops send. Use --retention for its personal answers.")
    waiting = workspace.store.count_unacknowledged()
    counts = workspace.store.purge_acknowledged(personal_only=personal_only, dry_run=dry_run)
    what = (f"the personal answers of {counts['personal']} response{'s' if counts['personal'] != 1 else ''}" if personal_only
            else f"{counts['responses']} response{'s' if counts['responses'] != 1 else ''}"
            f" (with {counts['personal']} sets of personal answers)")
    if dry_run:
        click.echo(f"Would remove {what}. Nothing was removed.")
    else:
        workspace.store.record_audit("purge", "cli", {**counts, "personal_only": personal_only})
        click.echo(f"Removed {what}.")
    if waiting:
        click.echo(f"{waiting} response{'s' if waiting != 1 else ''} not yet acknowledged by the hub "
                   f"{'were' if waiting != 1 else 'was'} kept; run `collector sync`.")


def _purge_retention(workspace, dry_run):
    from .privacy import apply_retention

    _need_hub(workspace)
    found, _ = workspace.load_forms()
    done = apply_retention(workspace, found, dry_run=dry_run)
    verb = "Would delete" if dry_run else "Deleted"
    if not done:
        click.echo("No personal answers are past their form's retention period.")
    for form_id, count in sorted(done.items()):
        click.echo(f"{verb} the personal answers of {count} response{'s' if count != 1 else ''} to '{form_id}'.")
