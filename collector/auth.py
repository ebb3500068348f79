"""Who may see what: the volunteer and coordinator roles, and slowing down guessing.

A volunteer (with the volunteer PIN) can key paper copies; a coordinator (with
the coordinator password) can do that and everything else: dashboard, responses,
exports, laptops, settings. People answering a form need neither. Both secrets
are kept only as salted hashes in the workspace's config. In kiosk mode the
signed-in pages answer only on the laptop itself, never on the kiosk tablets.
"""

import functools
import ipaddress
import threading
import time

from flask import abort, current_app, redirect, request, session, url_for
from flask_babel import gettext as _
from werkzeug.security import check_password_hash

from .context import get_store, get_workspace

ROLES = ("volunteer", "coordinator")
MIN_PASSWORD = 8
PIN_DIGITS = (6, 12)


def from_this_laptop():
    try:
        return ipaddress.ip_address(request.remote_addr or "").is_loopback
    except ValueError:
        return False


def current_role():
    """'coordinator', 'volunteer' or None for this browser, on this workspace."""
    if session.get("device") != get_workspace().device_id:
        return None
    role = session.get("role")
    return role if role in ROLES else None


def role_of_secret(workspace, secret):
    """The role a typed password or PIN signs in as, or None."""
    stored = workspace.config.get("coordinator_password")
    if stored and check_password_hash(stored, secret):
        return "coordinator"
    pin = workspace.config.get("volunteer_pin")
    if pin and check_password_hash(pin, secret):
        return "volunteer"
    return None


def check_pin(value):
    """A problem with a volunteer PIN as typed, or None."""
    low, high = PIN_DIGITS
    if not value.isdigit() or not low <= len(value) <= high:
        return f"a volunteer PIN is {low} to {high} digits."
    if len(set(value)) == 1 or value in "0123456789012" or value in "9876543210987":
        return "choose a PIN that is not a run of one digit or a sequence."
    return None


def sign_in(workspace, role):
    session.clear()
    session.permanent = True
    session["role"] = role
    session["device"] = workspace.device_id
    get_store().record_audit("sign-in", role, {"address": request.remote_addr or ""})


def requires(role):
    """A view only a signed-in coordinator (role='coordinator') or volunteer or coordinator may use."""

    def decorate(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            workspace = get_workspace()
            if current_app.config["KIOSK"] and not from_this_laptop():
                abort(403, _("On a kiosk these pages are only open on the laptop itself."))
            if not workspace.config.get("coordinator_password"):
                workspace.reload()
                if not workspace.config.get("coordinator_password"):
                    return redirect(url_for("coordinator.setup"))
            have = current_role()
            if have is None:
                return redirect(url_for("coordinator.login", next=request.path if request.method == "GET" else None))
            if role == "coordinator" and have != "coordinator":
                abort(403, _("This page is for coordinators. Volunteers can key paper copies."))
            return view(*args, **kwargs)

        return wrapper

    return decorate


signed_in = requires("coordinator")
volunteer_signed_in = requires("volunteer")


class Throttle:
    """Slows password guessing: after a few wrong passwords from one address, wait."""

    def __init__(self, attempts=5, window=600):
        self.attempts = attempts
        self.window = window
        self.failures = {}
        self.lock = threading.Lock()

    def _recent(self, who, now):
        return [t for t in self.failures.get(who, []) if now - t < self.window]

    def wait(self, who):
        """Seconds until this address may try again (0 when it may try now)."""
        now = time.monotonic()
        with self.lock:
            recent = self._recent(who, now)
            self.failures[who] = recent
            return 0 if len(recent) < self.attempts else int(self.window - (now - recent[0])) + 1

    def failed(self, who):
        now = time.monotonic()
        with self.lock:
            self.failures[who] = self._recent(who, now) + [now]

    def succeeded(self, who):
        with self.lock:
            self.failures.pop(who, None)


throttle = Throttle()
