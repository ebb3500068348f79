"""Fixtures shared by the whole suite; they read like what a user does."""

import os
import shutil

import pytest

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser():
    """Debian's headless Chromium, driven by Playwright (its own download does not work here)."""
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: run `make test`, which installs Debian's chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def phone(browser):
    """A fresh page at a 360-pixel-wide phone viewport, with its own storage."""
    context = browser.new_context(viewport={"width": 360, "height": 740}, device_scale_factor=1)
    page = context.new_page()
    yield page
    context.close()


# -- the capture app ---------------------------------------------------------

import re
import textwrap

PARKS_LIKE = textwrap.dedent("""\
    id: visit
    version: 3
    title: Park visits
    privacy: We keep your answers for a year.
    sections:
      - id: about
        title: About your visits
        questions:
          - id: visited
            type: yes_no
            label: Have you visited the park this year?
            required: true
          - id: how_often
            type: choice
            label: How often?
            choices: [daily, weekly, monthly]
            show_if: visited == 'yes'
            required: true
          - id: rating
            type: scale
            label: How good is it?
            min: 1
            max: 5
            labels: {1: Poor, 5: Great}
      - id: why_not
        title: Why not?
        show_if: visited == 'no'
        questions:
          - id: reasons
            type: choices
            label: What stops you?
            choices: [too far, not safe, no time]
            other: true
      - id: more
        title: Anything else
        questions:
          - id: comments
            type: textarea
            label: Anything else to tell us?
            max_length: 200
          - id: email
            type: email
            label: Your email
            personal: true
""")


@pytest.fixture
def workspace(tmp_path):
    """A fresh workspace holding one small form with skip logic."""
    from collector.workspace import Workspace

    ws = Workspace.create(tmp_path / "ws", name="Test laptop")
    (ws.forms_dir / "visit.yaml").write_text(PARKS_LIKE, encoding="utf-8")
    yield ws
    ws.close()


@pytest.fixture
def app(workspace):
    from collector.app import create_app

    return create_app(workspace, {"TESTING": True})


@pytest.fixture
def client(app):
    return app.test_client()


def csrf_of(html):
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(r'value="([^"]+)"[^>]*name="csrf_token"', html)
    assert match, "the page has no CSRF token"
    return match.group(1)


class Respondent:
    """A person filling in a form through the test client."""

    def __init__(self, client):
        self.client = client
        self.page_url = None
        self.last = None

    def start(self, form_id, lang=None):
        intro = self.client.get(f"/f/{form_id}" + (f"?lang={lang}" if lang else ""))
        assert intro.status_code == 200, intro.status_code
        data = {"csrf_token": csrf_of(intro.text)}
        if lang:
            data["lang"] = lang
        started = self.client.post(f"/f/{form_id}", data=data)
        assert started.status_code == 303
        self.page_url = started.headers["Location"]
        self.last = self.client.get(self.page_url)
        return self.last

    @property
    def response_id(self):
        return self.page_url.split("/")[2]

    def send(self, action="next", **answers):
        """Post the current page with answers; follows the redirect like a browser."""
        data = {"csrf_token": csrf_of(self.last.text), "_action": action}
        data.update(answers)
        result = self.client.post(self.page_url, data=data)
        if result.status_code == 303:
            self.page_url = result.headers["Location"]
            self.last = self.client.get(self.page_url)
            return self.last
        self.last = result
        return result


@pytest.fixture
def respondent(client):
    return Respondent(client)


class Coordinator:
    def __init__(self, client, workspace):
        self.client = client
        self.workspace = workspace

    def sign_in(self, password="correct horse"):
        from werkzeug.security import generate_password_hash

        if not self.workspace.config.get("coordinator_password"):
            self.workspace.config["coordinator_password"] = generate_password_hash(password)
            self.workspace.save()
        page = self.client.get("/coordinator/login")
        return self.client.post("/coordinator/login", data={"csrf_token": csrf_of(page.text), "password": password})


@pytest.fixture
def coordinator(client, workspace):
    return Coordinator(client, workspace)


class LiveServer:
    """The app served as `collector serve` serves it (collector.serving) on a free loopback
    port, in a background thread."""

    def __init__(self, app, port=0):
        import threading

        from collector.serving import make_server

        self.app = app
        self.server = make_server(app, "127.0.0.1", port, 8)
        self.url = f"http://127.0.0.1:{self.server.effective_port}"
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()

    def stop(self):
        from collector.serving import stop

        stop(self.server)
        self.thread.join(timeout=5)

    def restart(self):
        """Serve again on the same address, as after the laptop's collector is started again."""
        self.__init__(self.app, port=int(self.url.rsplit(":", 1)[1]))


@pytest.fixture
def live(app):
    server = LiveServer(app)
    yield server
    server.stop()


def axe_check(page):
    """The page fits the screen without sideways scrolling, and passes axe-core's
    WCAG 2.2 A and AA rules; fails with a readable report."""
    from axe_playwright_python.sync_playwright import Axe

    page.wait_for_load_state("load")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{page.url} scrolls sideways by {overflow}px at {page.viewport_size['width']}px wide"
    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]}})
    assert results.violations_count == 0, f"{page.url}\n{results.generate_report()}"


# -- sync: a hub and laptops, in process -------------------------------------------


class HubTransport:
    """A laptop's line to an in-process hub, through Flask's test client: the same
    requests and answers as over HTTP, without a socket. `fail` injects a fault."""

    def __init__(self, hub_app, token=None):
        self.client = hub_app.test_client()
        self.hub_url = "http://hub.test"
        self.token = token
        self.fail = None  # None, "before" (request lost) or "after" (answer lost after the hub committed)

    def call(self, method, path, body=None):
        from sync import SyncError
        from sync.transport import _decode

        if self.fail == "before":
            raise SyncError("the connection dropped before the hub got the request")
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        response = self.client.open(path, method=method, json=body, headers=headers)
        if self.fail == "after":
            raise SyncError("the connection dropped before the answer arrived")
        if response.status_code >= 400:
            raise SyncError(f"the hub refused the request ({response.status_code}): {response.get_json()['error']}")
        return _decode(response.data, self.hub_url)


class Laptop:
    """A paired laptop workspace: capture responses, sync them, make bundles."""

    def __init__(self, workspace, transport):
        self.workspace = workspace
        self.store = workspace.store
        self.transport = transport

    def capture(self, answers=None, form_id="visit", version="3", **meta):
        rid = self.store.start_response(form_id, version, "en", meta.get("source", "web"), self.workspace.device_id)
        self.store.submit_response(rid, answers if answers is not None else {"visited": "yes", "how_often": "daily", "rating": 4})
        return rid

    def sync(self):
        from sync import client

        return client.push(self.store, self.transport)


@pytest.fixture
def hub(tmp_path):
    """The office's hub: a hub workspace holding the small test form, and its app."""
    from collector.app import create_app
    from collector.workspace import Workspace

    ws = Workspace.create(tmp_path / "hub", name="Office", hub=True)
    (ws.forms_dir / "visit.yaml").write_text(PARKS_LIKE, encoding="utf-8")
    app = create_app(ws, {"TESTING": True})
    yield app
    ws.close()


@pytest.fixture
def pair_laptop(hub, tmp_path):
    """Make a laptop workspace with the test form and pair it with the hub."""
    from collector.workspace import Workspace
    from sync import client, hub as hub_side
    from sync.transport import split_pairing_code

    made = []

    def make(name="Library laptop"):
        ws = Workspace.create(tmp_path / name.replace(" ", "-"), name=name)
        (ws.forms_dir / "visit.yaml").write_text(PARKS_LIKE, encoding="utf-8")
        code, _ = hub_side.add_device(hub.extensions["workspace"].store, name, "http://hub.test")
        transport = HubTransport(hub)
        settings = client.pair(transport, split_pairing_code(code)[1], ws.device_id, ws.device_name)
        ws.save_sync_settings(settings)
        transport.token = settings["token"]
        made.append(ws)
        return Laptop(ws, transport)

    yield make
    for ws in made:
        ws.close()
