"""How a laptop talks to the hub over HTTP (standard library only).

A dropped connection, a timeout or a hub restarting is retried a few times with
a growing pause; a refusal (401, or a 4xx with a message) is not, and says why.
Either way nothing is lost: what the hub did not acknowledge is sent next time.
"""

import http.client
import json
import time
import urllib.error
import urllib.request
from urllib.parse import urlsplit

from . import SyncError

USER_AGENT = "collector-sync/1"


class HttpTransport:
    def __init__(self, hub_url, token=None, timeout=60, retries=3, pause=1.0):
        self.hub_url = hub_url.rstrip("/")
        self.token = token
        self.timeout = timeout
        self.retries = retries
        self.pause = pause

    def call(self, method, path, body=None):
        """The hub's JSON answer to one request; SyncError when there is none to be had."""
        data = None if body is None else json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        headers = {"Accept": "application/json", "User-Agent": USER_AGENT}
        if data is not None:
            headers["Content-Type"] = "application/json"
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        attempt = 0
        while True:
            request = urllib.request.Request(self.hub_url + path, data=data, headers=headers, method=method)
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as response:
                    return _decode(response.read(), self.hub_url)
            except urllib.error.HTTPError as exc:
                if exc.code < 500 or attempt >= self.retries:
                    raise _refusal(exc, self.hub_url) from None
            # An answer cut short (IncompleteRead) or garbled is a dropped connection too.
            except (urllib.error.URLError, OSError, TimeoutError, http.client.HTTPException) as exc:
                if attempt >= self.retries:
                    reason = getattr(exc, "reason", None) or exc
                    raise SyncError(
                        f"cannot reach the hub at {self.hub_url}: {reason}. Check this laptop is on the office's "
                        "network and the hub is running, then sync again; nothing waiting here is lost."
                    ) from None
            time.sleep(self.pause * 2 ** attempt)
            attempt += 1


def _decode(raw, hub_url):
    try:
        value = json.loads(raw)
    except ValueError:
        value = None
    if not isinstance(value, dict):
        raise SyncError(f"{hub_url} answered, but not as a Collector hub does; check the hub's address.")
    return value


def _refusal(exc, hub_url):
    try:
        message = json.loads(exc.read()).get("error")
    except (ValueError, AttributeError, OSError):
        message = None
    if exc.code == 401:
        return SyncError(
            f"the hub at {hub_url} does not accept this laptop: its pairing was revoked or is not known there. "
            "Ask a coordinator for a new code (`collector devices add NAME` on the hub) and pair again."
        )
    if exc.code == 404 and not message:
        return SyncError(f"{hub_url} is not a Collector hub (it has no sync address); check the address.")
    return SyncError(f"the hub refused the request ({exc.code}): {message or exc.reason}")


def split_pairing_code(code):
    """(hub URL, pairing secret) from a code such as http://10.0.0.5:8000/pair/ABCD-EFGH-JKMN-PQRS."""
    text = code.strip()
    parts = urlsplit(text)
    segments = [s for s in parts.path.split("/") if s]
    if parts.scheme not in ("http", "https") or not parts.netloc or len(segments) != 2 or segments[0] != "pair":
        raise SyncError(
            f"'{text}' is not a pairing code. A code looks like http://192.168.1.20:8000/pair/ABCD-EFGH-JKMN-PQRS; "
            "make one on the hub with `collector devices add NAME`."
        )
    return f"{parts.scheme}://{parts.netloc}", segments[1]
