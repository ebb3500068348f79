"""The `collector` command: thin click commands over tested library functions.

Library errors (FormError, StoreError, WorkspaceError) are turned into a
one-line `Error: ...` and exit status 1 here, once, so a user mistake never
shows a traceback.
"""

import json
import sys
from pathlib import Path

import click

import forms

from .cli_base import CONTEXT, OrderedGroup, pass_workspace, remember_workspace

# Connections `serve` keeps open at once: each tablet holds one; well under the usual 1,024 open files.
CONNECTION_LIMIT = 500

@click.group(cls=OrderedGroup, context_settings=CONTEXT)
@click.version_option(package_name="consultation-collector", message="collector %(version)s")
def main():
    """Collector: offline-first surveys and consultations.

    Run `collector init DIR` to make a workspace, then `collector serve` in it.
    """


@main.group("forms", cls=OrderedGroup)
def forms_group():
    """Check form files and get the schema for editors."""


@forms_group.command("check")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object per file.")
def forms_check(paths, as_json):
    """Check form files (or every .yaml in a folder); print each problem as FILE:LINE:COL: message.

    Exits 0 only when every file is a valid form.

    Example: collector forms check forms/
    """
    files = []
    for path in paths:
        if path.is_dir():
            found = sorted(path.glob("*.yaml")) + sorted(path.glob("*.yml"))
            if not found:
                raise click.ClickException(f"{path} holds no .yaml form files.")
            files += found
        else:
            files.append(path)
    failed = False
    for path in files:
        try:
            form = forms.load_form(path)
        except forms.FormError as exc:
            failed = True
            if as_json:
                click.echo(json.dumps({"file": str(path), "ok": False, "problems": [
                    {"line": p.line, "column": p.column, "question": p.question, "message": p.text}
                    for p in exc.problems
                ]}))
            else:
                for problem in exc.problems:
                    click.echo(str(problem))
            continue
        count = sum(1 for q in form.questions if q.answerable)
        if as_json:
            click.echo(json.dumps({"file": str(path), "ok": True, "id": form.id, "version": form.version, "questions": count}))
        else:
            click.echo(f"ok: {form.id} v{form.version}, {count} questions")
    sys.exit(1 if failed else 0)


@forms_group.command("schema")
def forms_schema():
    """Print the JSON Schema of the form language.

    Example: collector forms schema > schema.json
    """
    click.echo(forms.schema_text(), nl=False)


# -- workspace ---------------------------------------------------------------

# Let `collector --workspace DIR COMMAND` work as well as `collector COMMAND --workspace DIR`.
main.params.append(click.Option(
    ["--workspace", "-w"], expose_value=False, is_eager=True, type=click.Path(file_okay=False),
    callback=remember_workspace,
    help="The workspace folder (default: $COLLECTOR_WORKSPACE, else the current folder).",
))


@main.command("init")
@click.argument("directory", type=click.Path(file_okay=True, path_type=Path))
@click.option("--name", help="This device's name, as the office will see it (default: the computer's name).")
@click.option("--demo", is_flag=True, help="Copy the example forms into the new workspace.")
@click.option("--hub", is_flag=True, help="Make the office's central copy, which laptops pair with and sync to.")
def init(directory, name, demo, hub):
    """Make a new workspace: a forms/ folder, the database and a config.

    Example: collector init ~/consultation --name "Library laptop"
    """
    from .workspace import Workspace, WorkspaceError

    try:
        workspace = Workspace.create(directory, name=name, demo=demo, hub=hub)
    except WorkspaceError as exc:
        raise click.ClickException(str(exc))
    except OSError as exc:
        raise click.ClickException(f"cannot make the workspace {directory}: {exc.strerror or exc}")
    found, problems = workspace.load_forms()
    workspace.close()
    kind = "the hub" if hub else f"device '{workspace.device_name}'"
    click.echo(f"Made the workspace {directory} for {kind}.")
    click.echo(f"Put form files in {directory / 'forms'}" + (f" ({len(found)} example forms are there)." if found else "."))
    click.echo(f"Then run: collector --workspace {directory} serve")


@main.command("serve")
@pass_workspace
@click.option("--host", default="0.0.0.0", show_default=True, help="Address to listen on; 0.0.0.0 lets tablets on the same network join.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535), help="Port to listen on.")
@click.option("--kiosk", is_flag=True, help="Self-service tablet mode: no way out of the forms, reset after each person.")
@click.option("--https", "use_https", is_flag=True, help="Serve over HTTPS with a self-signed certificate kept in the workspace (see README).")
def serve(workspace, host, port, kiosk, use_https):
    """Start the collector under waitress and show its address as a QR code.

    Example: collector serve --port 8080
    """
    from .app import create_app
    from .netinfo import public_url, qr_terminal

    url = public_url(host, port)
    if use_https:
        url = url.replace("http://", "https://", 1)
    app = create_app(workspace, {"KIOSK": kiosk, "PUBLIC_URL": url})
    for problem in app.extensions["form_problems"]:
        click.echo(f"warning: {problem}", err=True)
    found = app.extensions["forms"]
    click.echo(f"Collector is running{' in kiosk mode' if kiosk else ''} with {len(found)} form{'s' if len(found) != 1 else ''}.")
    scheme = "https" if use_https else "http"
    click.echo(f"On this laptop: {scheme}://127.0.0.1:{port}/")
    click.echo(f"Tablets and phones on the same Wi-Fi: {url}")
    qr_terminal(url, sys.stdout)
    click.echo("Coordinator pages: /coordinator   Stop with Ctrl+C.")
    try:
        if use_https:
            _serve_https(app, workspace, host, port)
        else:
            from .serving import serve as serve_http
            from .sync_api import PUSH_BODY_KB

            # Flask holds each request to its own limit; waitress's only needs to cover the largest.
            # Browsers keep their connections open: room for every tablet at a big event (waitress allows 100).
            serve_http(app, host, port, workspace.setting("threads"), ident="collector",
                       max_request_body_size=max(workspace.setting("max_body_kb") * 2, PUSH_BODY_KB) * 1024,
                       connection_limit=CONNECTION_LIMIT)
    except OSError as exc:
        raise click.ClickException(f"cannot listen on {host}:{port}: {exc.strerror or exc}. Is another collector running? Try --port {port + 1}.")


def _serve_https(app, workspace, host, port):
    """HTTPS through cheroot, as waitress speaks plain HTTP only."""
    from cheroot import wsgi
    from cheroot.ssl.builtin import BuiltinSSLAdapter

    from .tls import ensure_certificate

    cert, key = ensure_certificate(workspace.path / "tls", workspace.device_name)
    click.echo(f"Certificate: {cert} (self-signed: each tablet asks once whether to trust it).")
    server = wsgi.Server((host, port), app, numthreads=workspace.setting("threads"), server_name="collector")
    server.ssl_adapter = BuiltinSSLAdapter(str(cert), str(key))
    try:
        server.start()
    finally:
        server.stop()


@main.command("password")
@pass_workspace
@click.option("--volunteer", is_flag=True, help="Set the volunteers' PIN (for keying paper copies) instead.")
def password(workspace, volunteer):
    """Choose the coordinator password, or with --volunteer the volunteers' PIN
    (asked twice, never shown, kept only as a salted hash).

    Example: collector password --volunteer
    """
    from werkzeug.security import generate_password_hash

    from .auth import MIN_PASSWORD, check_pin

    if volunteer:
        value = click.prompt("New volunteer PIN", hide_input=True, confirmation_prompt=True)
        problem = check_pin(value)
        if problem:
            raise click.ClickException(problem)
        workspace.config["volunteer_pin"] = generate_password_hash(value)
        workspace.save()
        workspace.store.record_audit("volunteer PIN set", "cli", {})
        click.echo("The volunteer PIN is set. Volunteers sign in with it at /coordinator/login to key paper copies.")
        return
    value = click.prompt("New coordinator password", hide_input=True, confirmation_prompt=True)
    if len(value) < MIN_PASSWORD:
        raise click.ClickException(f"use at least {MIN_PASSWORD} characters.")
    workspace.config["coordinator_password"] = generate_password_hash(value)
    workspace.save()
    workspace.store.record_audit("coordinator password set", "cli", {})
    click.echo("The coordinator password is set.")


@main.group("event", cls=OrderedGroup)
def event_group():
    """Set the current event; every response records it."""


@event_group.command("set")
@pass_workspace
@click.argument("name")
@click.option("--venue", default="", help="Where the event is held.")
@click.option("--date", "date_", default="", help="The day of the event, as YYYY-MM-DD (default: today).")
def event_set(workspace, name, venue, date_):
    """Start a new current event.

    Example: collector event set "Riverside fete" --venue "Riverside Park" --date 2026-07-04
    """
    from datetime import date

    from .uktime import uk_today

    if date_:
        try:
            date_ = date.fromisoformat(date_).isoformat()
        except ValueError:
            raise click.BadParameter(f"'{date_}' is not a date like 2026-07-04.", param_hint="--date")
    else:
        date_ = uk_today().isoformat()
    event = workspace.store.set_event(name, venue, date_)
    click.echo(f"Current event: {event['name']}" + (f", {event['venue']}" if event["venue"] else "") + f", {event['date']}")


@event_group.command("show")
@pass_workspace
@click.option("--json", "as_json", is_flag=True, help="Print the event as JSON.")
def event_show(workspace, as_json):
    """Show the current event.

    Example: collector event show --json
    """
    event = workspace.store.current_event()
    if as_json:
        click.echo(json.dumps(event))
    elif event:
        click.echo(f"{event['name']}" + (f", {event['venue']}" if event["venue"] else "") + (f", {event['date']}" if event["date"] else ""))
    else:
        click.echo("No current event.")


@event_group.command("clear")
@pass_workspace
def event_clear(workspace):
    """Stop recording an event with new responses.

    Example: collector event clear
    """
    workspace.store.clear_event()
    click.echo("No current event.")


# -- responses -----------------------------------------------------------------


@main.group("responses", cls=OrderedGroup)
def responses_group():
    """Count, list and import responses."""


def _form(workspace, form_id):
    found, _problems = workspace.load_forms()
    if form_id not in found:
        hint = forms.errors.suggest(form_id, found)
        known = ", ".join(found) or "none"
        raise click.ClickException(f"there is no form '{form_id}' in {workspace.forms_dir} (forms: {known})." + (f" Did you mean '{hint}'?" if hint else ""))
    return found[form_id]


@responses_group.command("count")
@pass_workspace
@click.argument("form_id", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print counts as JSON.")
def responses_count(workspace, form_id, as_json):
    """Count stored responses, for one form or per form.

    Example: collector responses count parks
    """
    store = workspace.store
    if form_id:
        _form(workspace, form_id)
        counts = {form_id: store.count_responses(form_id)}
    else:
        counts = dict(store.tally("form_id"))
    if as_json:
        click.echo(json.dumps(counts))
    elif form_id:
        click.echo(counts[form_id])
    else:
        for fid, n in counts.items():
            click.echo(f"{fid}\t{n}")
        click.echo(f"total\t{sum(counts.values())}")


@responses_group.command("list")
@pass_workspace
@click.argument("form_id")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per response, with its answers.")
def responses_list(workspace, form_id, as_json):
    """List a form's responses, newest first.

    Example: collector responses list parks --json > parks.jsonl
    """
    _form(workspace, form_id)
    for row in workspace.store.list_responses(form_id):
        if as_json:
            click.echo(json.dumps(row, ensure_ascii=False))
        else:
            click.echo(f"{row['reference']}\t{row['submitted_at']}\t{row['source']}\t{row['language']}\t{row['id']}")


@responses_group.command("import")
@pass_workspace
@click.argument("form_id")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--skip-invalid", is_flag=True, help="Import the valid rows even when some are invalid.")
@click.option("--source", type=click.Choice(["web", "kiosk", "paper"]), default="paper", show_default=True, help="Source recorded for rows that do not name one.")
def responses_import(workspace, form_id, file, skip_invalid, source):
    """Import responses from CSV or JSON lines, checked by the form's validator.

    Nothing is imported while any row is invalid, unless --skip-invalid is given.

    Example: collector responses import parks keyed-in.csv
    """
    from .importer import ImportError_, check_rows, read_rows

    form = _form(workspace, form_id)
    try:
        rows = read_rows(file)
    except ImportError_ as exc:
        raise click.ClickException(str(exc))
    records, problems = check_rows(form, rows, source)
    for number, message in problems:
        click.echo(f"{file}: row {number}: {message}", err=True)
    if problems and not skip_invalid:
        raise click.ClickException(f"{len(problems)} of {len(rows)} rows are invalid; nothing was imported. Fix them, or use --skip-invalid.")
    event = workspace.store.current_event()
    for record in records:
        record.update(device_id=workspace.device_id, event_id=event and event["id"])
    added, skipped = workspace.store.import_responses(records)
    click.echo(f"Imported {added} responses" + (f", {skipped} already here" if skipped else "") + (f", {len(problems)} invalid rows left out" if problems else "") + ".")


def _write_file(out, data):
    try:
        out.write_bytes(data)
    except OSError as exc:
        raise click.ClickException(f"cannot write {out}: {exc.strerror or exc}")


@main.command("print")
@pass_workspace
@click.argument("form_id")
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), help="The PDF to write (default: FORM[-LANG][-large][-copies].pdf here).")
@click.option("--lang", help="The form's language to print (default: its first).")
@click.option("--bilingual", is_flag=True, help="Welsh and English together, for a form in both.")
@click.option("--large-print", is_flag=True, help="Large print: no text under 16 pt.")
@click.option("--copies", type=click.IntRange(1, 10_000), help="Numbered copies, each with its own serial and QR code, recorded in the workspace.")
@click.option("--paper", type=click.Choice(["a4", "letter"]), default="a4", show_default=True, help="Paper size.")
def print_form(workspace, form_id, out, lang, bilingual, large_print, copies, paper):
    """Make a paper version of a form as a PDF, ready to print.

    Example: collector print parks_open_spaces --copies 50 --large-print
    """
    from printouts.errors import PrintoutError
    from printouts.paper import render_paper_form

    form = _form(workspace, form_id)
    if lang and lang not in form.languages:
        raise click.BadParameter(f"the form is in {', '.join(form.languages)}, not '{lang}'.", param_hint="--lang")
    if out is None:
        parts = [form.id, "bilingual" if bilingual else lang, "large" if large_print else None, f"{copies}-copies" if copies else None]
        out = Path("-".join(p for p in parts if p) + ".pdf")
    if bilingual and not {"cy", "en"} <= set(form.languages):
        raise click.BadParameter(f"the form is in {', '.join(form.languages)}; bilingual printing needs Welsh (cy) and English (en).", param_hint="--bilingual")
    try:
        serials = workspace.store.issue_serials(form.id, form.version, copies, workspace.serial_prefix) if copies else ()
        pdf = render_paper_form(form, lang=lang, bilingual=bilingual, large_print=large_print, serials=serials, paper=paper)
    except PrintoutError as exc:
        raise click.ClickException(str(exc))
    _write_file(out, pdf)
    click.echo(f"Wrote {out}" + (f": {copies} copies, serials {serials[0]} to {serials[-1]}." if copies else "."))


@main.command("report")
@pass_workspace
@click.argument("form_id")
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), help="The PDF to write (default: FORM-report.pdf here).")
@click.option("--lang", help="The form's language for the report (default: its first).")
@click.option("--threshold", type=click.IntRange(2, None), default=10, show_default=True, help="Counts of special category answers below this are shown as 'fewer than N'.")
def report(workspace, form_id, out, lang, threshold):
    """Make a summary report of a form's responses as a PDF: totals, charts and written answers.

    Example: collector report parks_open_spaces --out parks-summary.pdf
    """
    from printouts.errors import PrintoutError
    from printouts.report import render_report

    form = _form(workspace, form_id)
    if lang and lang not in form.languages:
        raise click.BadParameter(f"the form is in {', '.join(form.languages)}, not '{lang}'.", param_hint="--lang")
    out = out or Path(f"{form.id}-report.pdf")
    responses = list(workspace.store.iter_responses(form.id))
    events = {event["id"]: event["name"] for event in workspace.store.events()}
    try:
        pdf = render_report(form, responses, events=events, lang=lang, threshold=threshold)
    except PrintoutError as exc:
        raise click.ClickException(str(exc))
    _write_file(out, pdf)
    counted = sum(1 for r in responses if str(r["form_version"]) == str(form.version))
    left_out = len(responses) - counted
    click.echo(f"Wrote {out}: {counted} responses to version {form.version}" + (f", {left_out} to other versions left out." if left_out else "."))


@main.command("export")
@pass_workspace
@click.argument("form_id")
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx", "json", "sqlite"]), default="csv", show_default=True,
              help="csv; xlsx (Excel, question texts on a second sheet); json (JSON lines: one object per response,"
                   " its details with its answers nested under 'answers'); sqlite (a database for Datasette or any SQLite tool).")
@click.option("--out", type=click.Path(dir_okay=False, allow_dash=True, path_type=Path),
              help="The file to write (default: FORM.csv, .xlsx, .jsonl or .sqlite here); '-' writes CSV or JSON to the terminal.")
@click.option("--labels/--codes", default=False, help="Write choices as their labels, in each response's language, or as stored codes (the default).")
@click.option("--since", metavar="DATE", help="Only responses sent on or after this day (YYYY-MM-DD) or time (2026-07-04T14:30), in UK time.")
@click.option("--source", type=click.Choice(["web", "kiosk", "paper"]), help="Only responses from this source.")
@click.option("--event", metavar="NAME", help="Only responses recorded at the event of this name.")
@click.option("--include-personal", is_flag=True, help="Include answers to questions marked personal (names, emails, phone numbers); the export is recorded in the audit log.")
@click.option("--bom", is_flag=True, help="CSV: start with the byte-order mark older Excel needs to read UTF-8 (accents, Welsh letters).")
@click.option("--no-question-text", is_flag=True, help="CSV: only the row of column names, without the row of question texts under it (for R or pandas).")
def export(workspace, form_id, fmt, out, labels, since, source, event, include_personal, bom, no_question_text):
    """Export a form's responses: one row per response, a column per answer, in the form's order.

    Responses to older versions of the form come too, with the union of every
    version's columns. A 'choices' question gives a joined column and a 0/1
    column per option; a grid a column per statement. Answers to personal
    questions are left out unless --include-personal is given. Every export is
    recorded in the workspace's audit log.

    Example: collector export parks_open_spaces --format xlsx --labels --since 2026-07-01
    """
    from .export import ExportError, plan_export
    from .export_write import EXTENSIONS, text_chunks, write_export

    form = _form(workspace, form_id)
    if str(out) == "-" and fmt not in ("csv", "json"):
        raise click.BadParameter(f"{fmt} is a binary file; give a file name.", param_hint="--out")
    out = out or Path(form.id + EXTENSIONS[fmt])
    store = workspace.store
    try:
        # Keep this version's YAML, as `serve` does, so its columns can be read once the form changes.
        with open(form.source, encoding="utf-8") as f:
            store.record_form(form.id, form.version, f.read())
    except OSError as exc:
        raise click.ClickException(f"cannot read {form.source}: {exc.strerror or exc}")
    try:
        plan, warnings = plan_export(store, form, labels=labels, include_personal=include_personal, since=since,
                                     source=source, event=event, devices=workspace.device_names())
        # The hub opens what laptops sealed for it; a laptop cannot.
        sealed = store.count_personal(sealed=True) if include_personal and not workspace.is_hub else 0
        if sealed:
            warnings = [*warnings, f"the personal answers of {sealed} response{'s are' if sealed != 1 else ' is'} sealed on this "
                        "laptop, and show as [sealed]: only the hub can read and export them."]
        detail = plan.describe(fmt)
        store.record_audit("export", "cli", {**detail, "out": str(out if str(out) == "-" else Path(out).resolve())})
        for warning in warnings:
            click.echo(f"warning: {warning}", err=True)
        if str(out) == "-":
            for chunk in text_chunks(plan, fmt, bom=bom, text_row=not no_question_text):
                sys.stdout.write(chunk)
        else:
            with click.progressbar(length=detail["responses"], label=f"Exporting {form.id}", file=sys.stderr) as bar:
                write_export(plan, fmt, out, bom=bom, text_row=not no_question_text, progress=bar.update)
    except ExportError as exc:
        raise click.ClickException(str(exc))
    unopened = plan.unopened[0] if workspace.is_hub else 0
    if unopened:
        click.echo(f"warning: the personal answers of {unopened} response{'s' if unopened != 1 else ''} could not be opened with"
                   " this hub's key, and show as [sealed]: the laptop that took them sealed them for another hub (it was"
                   " paired with that one then). Only that hub's key opens them.", err=True)
    if str(out) == "-":
        return
    left_out = f" Personal answers left out: {', '.join(plan.left_out)}." if plan.left_out else ""
    click.echo(f"Wrote {out}: {detail['responses']} responses, {len(plan.columns)} columns.{left_out}")


@main.group("settings", cls=OrderedGroup)
def settings_group():
    """Show and change the workspace's settings."""


@settings_group.command("show")
@pass_workspace
def settings_show(workspace):
    """List every setting with its value and what it does.

    Example: collector settings show
    """
    from .workspace import SETTINGS

    for setting in SETTINGS:
        click.echo(f"{setting.name} = {workspace.setting(setting.name)}\t{setting.help}")


@settings_group.command("set")
@pass_workspace
@click.argument("name")
@click.argument("value")
def settings_set(workspace, name, value):
    """Change one setting.

    Example: collector settings set kiosk_idle_minutes 5
    """
    from .workspace import WorkspaceError

    try:
        workspace.set_setting(name, value)
    except WorkspaceError as exc:
        raise click.ClickException(str(exc))
    click.echo(f"{name} = {workspace.setting(name)}")


from .cli_sync import devices_group, purge, sync_group  # noqa: E402  (commands in their own module)

main.add_command(devices_group)
main.add_command(sync_group)
main.add_command(purge)
