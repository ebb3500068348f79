"""Which answers are personal, sealing them for the hub, and opening them at the hub.

Answers to questions marked `personal` (and their 'Other' texts) are kept apart
from a response's other answers. On a paired laptop they are sealed at once with
the hub's public key (a PyNaCl sealed box): the laptop keeps no key that opens
them, so its files alone reveal no one. Only the hub, which holds the private
key, opens them. A laptop not yet paired keeps them apart but readable, and
seals them when it pairs.

The hub keeps them as they arrive, sealed, and opens one when it is read (a
person's page, an export with personal answers): opening costs a public-key
operation, more than all the rest of taking a response in, and most are never
read one by one. So a copy of the hub's database alone reveals no one either.
"""

import base64
import json
import threading

from nacl.exceptions import CryptoError
from nacl.public import PrivateKey, PublicKey, SealedBox

import forms
from forms import other_key

SEALED_PREFIX = "sealed:"


class Privacy:
    def __init__(self, workspace):
        self.workspace = workspace
        self._keys = {}
        self._lock = threading.Lock()
        self._config_seen = None
        self._box = None

    # -- what is personal -------------------------------------------------------------

    def keys_for(self, form_id, version):
        """The answer keys of a form version that hold personal data."""
        with self._lock:
            if (form_id, version) not in self._keys:
                form = self._form(form_id, version)
                keys = set()
                for question in form.questions if form else ():
                    if question.personal:
                        keys |= {question.id, other_key(question.id)}
                self._keys[(form_id, version)] = frozenset(keys)
            return self._keys[(form_id, version)]

    def _form(self, form_id, version):
        source = self.workspace.store.form_source(form_id, version)
        if source is not None:
            try:
                return forms.load_form_text(source, f"{form_id} v{version}")
            except forms.FormError:
                return None
        found, _ = self.workspace.load_forms()
        form = found.get(form_id)
        return form if form is not None and form.version == version else None

    # -- sealing and opening ------------------------------------------------------------

    def public_key(self):
        """The hub's public key (hex) personal answers are sealed with, or None: on a laptop
        not yet paired, and at the hub itself, which keeps them open (it alone can read them)."""
        if self.workspace.is_hub:
            return None
        key = (self.workspace.sync_settings or {}).get("hub_public_key")
        if key is None:
            # `collector sync pair` may have paired this laptop while the collector serves:
            # read the config again, when it has changed (a stat, not a read, on every save).
            try:
                changed = self.workspace.config_path.stat().st_mtime_ns
            except OSError:
                changed = None
            if changed != self._config_seen:
                self._config_seen = changed
                self.workspace.reload()
                key = (self.workspace.sync_settings or {}).get("hub_public_key")
        return key

    def seal(self, answers):
        """(sealed?, text) for a dict of personal answers."""
        text = json.dumps(answers, ensure_ascii=False, sort_keys=True)
        key = self.public_key()
        if not key:
            return False, text
        box = SealedBox(PublicKey(bytes.fromhex(key)))
        return True, SEALED_PREFIX + base64.b64encode(box.encrypt(text.encode("utf-8"))).decode("ascii")

    def open(self, record):
        """The personal answers of a stored record ({'sealed', 'data'}), or None if this workspace cannot read them."""
        if record is None:
            return {}
        if not record["sealed"]:
            return json.loads(record["data"])
        text = self.open_text(record["data"])
        return None if text is None else json.loads(text)

    def open_text(self, data):
        """The JSON text of personal answers sealed for the hub (data as kept: 'sealed:' and base64),
        or None where this workspace cannot open them: on a laptop, or sealed for another hub."""
        if not self.workspace.is_hub or not data.startswith(SEALED_PREFIX):
            return None
        try:
            return self._opening_box().decrypt(base64.b64decode(data[len(SEALED_PREFIX):])).decode("utf-8")
        except (CryptoError, ValueError):
            return None

    def _opening_box(self):
        """The hub's box for opening, made once per key: making one derives the public key
        from the private one, which costs almost half as much as opening a record with it."""
        key = self.workspace.config["hub"]["private_key"]
        made = self._box
        if made is None or made[0] != key:
            made = self._box = (key, SealedBox(PrivateKey(bytes.fromhex(key))))
        return made[1]

    def answers_of(self, row):
        """A stored response's answers with its personal ones put back where they can be read.

        Returns (answers, sealed): sealed is True when personal answers exist but
        this workspace cannot read them (a laptop: only the hub can).
        """
        personal = self.open(self.workspace.store.personal_record(row.get("personal_key")))
        if personal is None:
            return dict(row["answers"]), True
        return {**row["answers"], **personal}, False


def apply_retention(workspace, found, dry_run=False):
    """At the hub: delete personal answers kept longer than each form's retention_days.
    found is {form id: Form}, the forms as published now. Returns {form id: answers deleted}."""
    done = {}
    for form in found.values():
        if form.retention_days:
            count = workspace.store.apply_retention(form.id, form.retention_days, dry_run=dry_run)
            if count:
                done[form.id] = count
    if done and not dry_run:
        workspace.store.record_audit("retention", "hub", done)
    return done
