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

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


class _Group(click.Group):
    """Lists commands in the order they were added, which is the order of use."""

    def list_commands(self, ctx):
        return list(self.commands)


@click.group(cls=_Group, context_settings=CONTEXT)
@click.version_option(package_name="consultation-collector", message="collector %(version)s")
def main():
    """Collector: offline-first surveys and consultations.

    Run `collector init DIR` to make a workspace, then `collector serve` in it.
    """


@main.group("forms", cls=_Group)
def forms_group():
    """Check form files and get the schema for editors."""


@forms_group.command("check")
@click.argument("paths", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object per file.")
def forms_check(paths, as_json):
    """Check form files; print every problem as FILE:LINE:COL: message.

    Exits 0 only when every file is a valid form.

    Example: collector forms check forms/*.yaml
    """
    failed = False
    for path in paths:
        try:
            form = forms.load_form(path)
        except forms.FormError as exc:
            failed = True
            if as_json:
                click.echo(json.dumps({"file": str(path), "ok": False, "problems": [
                    {"line": p.line, "column": p.column, "question": p.question, "message": str(p).split(": ", 1)[1]}
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
