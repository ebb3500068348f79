"""A workspace: one folder holding a laptop's forms, its database and its config.

Commands act on the workspace named by --workspace or COLLECTOR_WORKSPACE, else
the current folder. The config holds a generated secret key, the device's id
and name, the coordinator's hashed password and the settings below.
"""

import json
import os
import secrets
import shutil
import socket
import uuid
from dataclasses import dataclass
from pathlib import Path

from nacl.public import PrivateKey

import forms

from .privacy import Privacy
from .store import Store

CONFIG = "collector.json"
DATABASE = "collector.db"
FORMS = "forms"
EXAMPLES = Path(forms.__file__).with_name("examples")


@dataclass(frozen=True)
class Setting:
    name: str
    default: int
    help: str
    low: int = 1
    high: int = 10_000


# One table of settings drives validation, `collector settings` and the docs.
SETTINGS = (
    Setting("max_body_kb", 512, "Largest request body accepted, in KB; larger ones get 413.", 16, 100_000),
    Setting("kiosk_idle_minutes", 3, "In kiosk mode, go back to the start after this many idle minutes.", 1, 120),
    Setting("kiosk_thanks_seconds", 15, "In kiosk mode, how long the thank-you page stays before the start page returns.", 3, 600),
    Setting("session_hours", 2, "How long a coordinator stays signed in without using the pages.", 1, 24),
    Setting("draft_days", 7, "Responses started but never sent are dropped after this many days.", 1, 365),
    Setting("threads", 4, "Worker threads serving requests; more than a few only add contention on a 2-core laptop.", 1, 256),
    Setting("double_entry", 0, "1: each paper copy is keyed twice, by two volunteers, and counts once both agree or a coordinator decides.", 0, 1),
)
SETTING_NAMES = {s.name: s for s in SETTINGS}


class WorkspaceError(Exception):
    """A workspace that is missing or unusable, with what to do about it."""


def resolve(path=None):
    """The workspace folder from --workspace, COLLECTOR_WORKSPACE or the current folder."""
    return Path(path or os.environ.get("COLLECTOR_WORKSPACE") or ".").resolve()


class Workspace:
    def __init__(self, path):
        self.path = Path(path)
        self.config_path = self.path / CONFIG
        self.forms_dir = self.path / FORMS
        self.db_path = self.path / DATABASE
        self._store = None
        self._privacy = None
        try:
            self.config = json.loads(self.config_path.read_text("utf-8"))
        except FileNotFoundError:
            raise WorkspaceError(
                f"{self.path} is not a Collector workspace (it has no {CONFIG}). "
                f"Make one with `collector init {self.path}`, or name one with --workspace."
            ) from None
        except (OSError, ValueError) as exc:
            raise WorkspaceError(f"cannot read {self.config_path}: {exc}") from None

    @classmethod
    def create(cls, path, name=None, demo=False, hub=False):
        """Make a new workspace folder; with demo=True it holds the example forms.

        hub=True makes the office's central copy, which laptops pair with and sync to:
        it gets its own id and the key pair laptops seal personal answers with.
        """
        path = Path(path)
        if (path / CONFIG).exists():
            raise WorkspaceError(f"{path} is already a Collector workspace.")
        if path.exists() and not path.is_dir():
            raise WorkspaceError(f"{path} is a file, not a folder.")
        (path / FORMS).mkdir(parents=True, exist_ok=True)
        config = {
            "secret_key": secrets.token_hex(32),
            "device_id": str(uuid.uuid4()),
            "device_name": name or socket.gethostname() or "laptop",
            "coordinator_password": None,
            "settings": {},
        }
        if hub:
            private = PrivateKey.generate()
            config["hub"] = {
                "hub_id": str(uuid.uuid4()),
                "private_key": private.encode().hex(),
                "public_key": private.public_key.encode().hex(),
            }
        _write_json(path / CONFIG, config)
        if demo:
            for example in sorted(EXAMPLES.glob("*.yaml")):
                shutil.copy(example, path / FORMS / example.name)
        workspace = cls(path)
        workspace.store
        # Answers and the config's secrets are for this laptop's user alone.
        os.chmod(workspace.db_path, 0o600)
        return workspace

    @property
    def store(self):
        if self._store is None:
            self._store = Store(self.db_path)
            self._store.privacy = self.privacy
        return self._store

    @property
    def privacy(self):
        if self._privacy is None:
            self._privacy = Privacy(self)
        return self._privacy

    def close(self):
        if self._store is not None:
            self._store.close()
            self._store = None

    def save(self):
        _write_json(self.config_path, self.config)

    @property
    def device_id(self):
        return self.config["device_id"]

    @property
    def device_name(self):
        return self.config["device_name"]

    @property
    def is_hub(self):
        return "hub" in self.config

    def hub_identity(self):
        """What a laptop learns of this hub when it pairs: its id, name and public key."""
        hub = self.config["hub"]
        return {"hub_id": hub["hub_id"], "hub_name": self.device_name, "public_key": hub["public_key"]}

    def device_names(self):
        """{device id: name} of this workspace and, at the hub, of every paired laptop."""
        names = {self.device_id: self.device_name}
        if self.is_hub:
            names.update({d["device_id"]: d["name"] for d in self.store.devices() if d["device_id"]})
        return names

    @property
    def sync_settings(self):
        """This laptop's pairing with a hub (address, token, keys), or None if not paired."""
        return self.config.get("sync")

    def save_sync_settings(self, settings):
        self.config["sync"] = settings
        self.save()

    @property
    def serial_prefix(self):
        """Three characters from the device id, so copies printed on two laptops never share a serial."""
        digits = int(self.device_id.replace("-", ""), 16)
        alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
        return "".join(alphabet[(digits >> (5 * i)) & 31] for i in range(3))

    def setting(self, name):
        return self.config.get("settings", {}).get(name, SETTING_NAMES[name].default)

    def reload(self):
        """Read the config again: another process (`collector password`) may have changed it."""
        try:
            self.config = json.loads(self.config_path.read_text("utf-8"))
        except (OSError, ValueError) as exc:
            raise WorkspaceError(f"cannot read {self.config_path}: {exc}") from None

    def set_setting(self, name, value):
        setting = SETTING_NAMES.get(name)
        if setting is None:
            names = ", ".join(SETTING_NAMES)
            raise WorkspaceError(f"there is no setting '{name}'; the settings are: {names}.")
        try:
            value = int(value)
        except (TypeError, ValueError):
            raise WorkspaceError(f"'{name}' takes a whole number, not '{value}'.") from None
        if not setting.low <= value <= setting.high:
            raise WorkspaceError(f"'{name}' should be from {setting.low} to {setting.high}.")
        self.config.setdefault("settings", {})[name] = value
        self.save()

    def load_forms(self):
        """({form id: Form}, [problems]) for every form file in the forms folder.

        A broken file is reported and left out, so one typo does not stop the
        other forms being used at an event.
        """
        found, problems = {}, []
        files = sorted(self.forms_dir.glob("*.yaml")) + sorted(self.forms_dir.glob("*.yml"))
        for path in files:
            try:
                form = forms.load_form(path)
            except forms.FormError as exc:
                problems.extend(str(p) for p in exc.problems)
                continue
            if form.id in found:
                problems.append(f"{path}: the form id '{form.id}' is also used by {found[form.id].source}; this file is left out.")
                continue
            found[form.id] = form
        return found, problems


def _write_json(path, data):
    """Write a file so that a crash leaves the old or the new one, never half of each."""
    tmp = Path(str(path) + ".tmp")
    # Private from the start: the config holds the secret key and the password hash.
    with os.fdopen(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w", encoding="utf-8") as f:
        json.dump(data, f, indent=2)
        f.write("\n")
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
