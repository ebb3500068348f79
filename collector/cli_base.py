"""What every `collector` command shares: the help settings, the --workspace option,
and turning the library's errors into one-line messages."""

import functools
from pathlib import Path

import click

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


class OrderedGroup(click.Group):
    """Lists commands in the order they were added, which is the order of use."""

    def list_commands(self, ctx):
        return list(self.commands)


workspace_option = click.option(
    "--workspace", "-w", "workspace_path", envvar="COLLECTOR_WORKSPACE", default=None,
    type=click.Path(file_okay=False, path_type=Path),
    help="The workspace folder (default: $COLLECTOR_WORKSPACE, else the current folder).",
)


def open_workspace(path):
    from .workspace import Workspace, WorkspaceError, resolve

    try:
        return Workspace(resolve(path))
    except WorkspaceError as exc:
        raise click.ClickException(str(exc))


def pass_workspace(command):
    """Adds --workspace to a command and hands it the opened Workspace."""

    @workspace_option
    @functools.wraps(command)
    def wrapper(workspace_path, **kwargs):
        from .store import StoreError

        root = click.get_current_context().find_root()
        workspace = open_workspace(workspace_path or root.meta.get("collector.workspace"))
        try:
            return command(workspace, **kwargs)
        except StoreError as exc:
            raise click.ClickException(str(exc))
        finally:
            workspace.close()

    return wrapper


def remember_workspace(ctx, param, value):
    ctx.meta["collector.workspace"] = value
