"""The load generator: simulated tablets filling in a form over HTTP.

Runs in its own process(es), never in the server's. Each tablet has its own
keep-alive connection and its own cookie (CSRF tokens are tied to the session
cookie), and goes through a form the way a browser does: intro page, Start,
one GET and one POST per visible section, the thank-you page.

Saturated (no think time: each request as soon as the last one is answered,
the most a server can be asked) or paced: a pause before every POST, as a
person reads and answers the page, and between responses, as the tablet is
handed on.

Standard library only (http.client), so the bench adds no dependencies.
Every loop is bounded both in count and in time; only 127.0.0.1 is used.
"""

import copy
import http.client
import random
import re
import resource
import threading
import time
import traceback
from urllib.parse import urlencode, urlsplit

import forms

HOST = "127.0.0.1"
REQUEST_TIMEOUT = 30          # seconds for one request
MAX_RESPONSES_PER_TABLET = 10_000
MAX_ERRORS_PER_TABLET = 20    # a tablet gives up after this many failures

_CSRF = re.compile(r'<input[^>]*name="csrf_token"[^>]*value="([^"]*)"|<input[^>]*value="([^"]*)"[^>]*name="csrf_token"')


# -- answers derived from the form model ---------------------------------------


def _text_for(q):
    """A valid free-text answer, within the question's pattern and length."""
    limit = q.max_length or 1000
    if q.pattern:
        candidates = ["CF10", "SA1", "A1", "AB12", "12", "1", "yes", "abc", "Example", "x"]
        for value in candidates:
            if len(value) <= limit and re.fullmatch(q.pattern, value):
                return value
        return None
    return "Benchmark answer"[:limit]


def answer_for(q):
    """(raw answer as the validator takes it, [(field name, value)] as a browser posts it).

    Simple, valid answers: the first choice, the middle of a scale, every
    statement of a grid, every choice ranked. Returns (None, []) to leave a
    question out (only done for optional text with a pattern we cannot fill).
    """
    t = q.type
    if t == "yes_no":
        return "yes", [(q.id, "yes")]
    if t == "choice":
        value = q.choices[0].value
        return value, [(q.id, value)]
    if t == "choices":
        k = max(1, q.min_selected or 1)
        values = [c.value for c in q.choices[:k]]
        return values, [(q.id, v) for v in values]
    if t == "scale":
        point = (q.scale.min + q.scale.max) // 2
        return str(point), [(q.id, str(point))]
    if t == "grid":
        raw = {}
        for s in q.statements:
            raw[s.id] = str((q.scale.min + q.scale.max) // 2) if q.scale else q.choices[0].value
        return raw, [(f"{q.id}.{sid}", v) for sid, v in raw.items()]
    if t == "ranking":
        raw = {c.value: str(i) for i, c in enumerate(q.choices, 1)}
        return raw, [(f"{q.id}.{cv}", v) for cv, v in raw.items()]
    if t == "number":
        low = q.min if q.min is not None else 0
        value = low + 1 if q.max is None or low + 1 <= q.max else low
        text = str(int(value)) if value == int(value) else str(value)
        return text, [(q.id, text)]
    if t in ("text",):
        value = _text_for(q)
        if value is None:
            if q.required:
                raise ValueError(f"cannot make an answer for {q.id} matching {q.pattern!r}")
            return None, []
        return value, [(q.id, value)]
    fixed = {
        "textarea": "A comment typed on a tablet.\nIt has two lines.",
        "email": "tablet@example.com",
        "phone": "01632 960001",
        "postcode": "CF10 1AA",
        "date": "2025-06-01",
        "consent": "yes",
    }
    if t in fixed:
        value = fixed[t]
        if q.max_length:
            value = value[: q.max_length]
        return value, [(q.id, value)]
    raise ValueError(f"no answer rule for question type {t!r} ({q.id})")


def plan(form):
    """The pages a respondent goes through and what is posted on each.

    [(section number, [(field, value)], action)], answering every question
    that is visible given the answers so far (show_if is evaluated by the
    form model's own code, as the server does). Checked against the
    validator: the planned answers must be complete and valid.
    """
    raw = {}
    pages = []
    for number, section in enumerate(form.sections, 1):
        clean, _ = forms.clean_answers(form, raw)
        if section.show_if and not section.show_if.holds(clean):
            continue
        fields = []
        for q in section.questions:
            clean, _ = forms.clean_answers(form, raw)
            if not q.answerable or (q.show_if and not q.show_if.holds(clean)):
                continue
            value, posted = answer_for(q)
            if value is not None:
                raw[q.id] = value
                fields += posted
        pages.append([number, fields, "next"])
    clean, errors = forms.clean_answers(form, raw)
    if errors:
        raise ValueError(f"the planned answers are not valid: {errors}")
    visible = [i for i, s in enumerate(form.sections, 1) if not s.show_if or s.show_if.holds(clean)]
    if visible != [p[0] for p in pages]:
        raise ValueError(f"planned pages {[p[0] for p in pages]} differ from the visible sections {visible}")
    pages[-1][2] = "submit"
    return [tuple(p) for p in pages], clean


# -- one tablet ---------------------------------------------------------------


class Failure(Exception):
    pass


class Stopped(Exception):
    """The measured window closed while a paced tablet paused: its response is left unsent, as a person might."""


class Tablet:
    def __init__(self, port):
        self.port = port
        self.conn = None
        self.cookies = {}

    def _connect(self):
        self.conn = http.client.HTTPConnection(HOST, self.port, timeout=REQUEST_TIMEOUT)

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def request(self, method, path, fields=None):
        """(status, location, body text, seconds) for one request on the kept-alive connection."""
        if self.conn is None:
            self._connect()
        headers = {"User-Agent": "collector-bench"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if fields is not None:
            body = urlencode(fields).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        start = time.perf_counter()
        try:
            self.conn.request(method, path, body=body, headers=headers)
            resp = self.conn.getresponse()
            data = resp.read()
        except (OSError, http.client.HTTPException) as exc:
            self.close()
            raise Failure(f"{method} {path}: {type(exc).__name__}: {exc}") from None
        elapsed = time.perf_counter() - start
        for header in resp.msg.get_all("Set-Cookie") or ():
            pair = header.split(";", 1)[0]
            name, _, value = pair.partition("=")
            if value:
                self.cookies[name.strip()] = value.strip()
            else:
                self.cookies.pop(name.strip(), None)
        if resp.will_close:
            self.close()
        location = resp.getheader("Location")
        if location:
            location = urlsplit(location).path
        return resp.status, location, data.decode("utf-8", "replace"), elapsed


def _csrf(html, where):
    match = _CSRF.search(html)
    if not match:
        raise Failure(f"{where}: no CSRF token in the page")
    return match.group(1) or match.group(2)


def fill_in(tablet, form_id, pages, record, pause=None):
    """One complete response. record(kind, start offset, seconds) is called for each request.

    pause(), when given, runs before each POST (the person reading and answering) and may raise
    Stopped; never after the submit, so a response is either sent and counted or not sent at all.
    """
    pause = pause or (lambda: None)

    def call(kind, method, path, fields=None, expect=200):
        started = time.monotonic()
        status, location, text, seconds = tablet.request(method, path, fields)
        record(kind, started, seconds)
        if status != expect:
            snippet = re.sub(r"\s+", " ", text)[:200]
            raise Failure(f"{method} {path}: status {status}, expected {expect}: {snippet}")
        if expect == 303 and not location:
            raise Failure(f"{method} {path}: 303 without a Location")
        return location, text

    intro = f"/f/{form_id}"
    _, text = call("get", "GET", intro)
    pause()
    location, _ = call("start", "POST", intro, [("csrf_token", _csrf(text, intro)), ("lang", "en")], expect=303)
    for number, fields, action in pages:
        match = re.fullmatch(r"/r/([^/]+)/(\d+)", location or "")
        if not match or int(match.group(2)) != number:
            raise Failure(f"expected page {number}, was sent to {location}")
        _, text = call("get", "GET", location)
        if action == "submit" and 'value="submit"' not in text:
            raise Failure(f"{location}: the planned last page has no submit button")
        body = [("csrf_token", _csrf(text, location)), ("_action", action)] + list(fields)
        pause()
        location, _ = call(action, "POST", location, body, expect=303)
    if not location.endswith("/thanks"):
        raise Failure(f"the submit was sent to {location}, not the thank-you page")
    call("get", "GET", location)
    return location


# -- one load-generator process -------------------------------------------------


def run_process(port, form_id, pages, tablets, warm, duration, barrier, queue, think=None, seed=0):
    """Runs `tablets` tablets in threads of this process; puts a result dict on queue.

    Timeline: all processes meet at the barrier, then for `warm` seconds the
    tablets run unmeasured, then `duration` seconds are measured; after that
    no new response is started and the ones in flight are finished (paced
    tablets instead stop at their next pause). think=(low, high) paces each
    tablet: a pause drawn evenly from that many seconds before each POST and
    between responses, and a first pause of up to `high` so that tablets do
    not start in step. "served" counts the tablets that had at least one
    request answered in the measured window: a tablet the server never let
    in has none.
    """
    result = {"completed": 0, "in_window": 0, "errors": 0, "error_samples": [], "served": 0,
              "lat": {"get": [], "start": [], "next": [], "submit": []}, "cpu": 0.0}
    lock = threading.Lock()
    go = threading.Event()
    clock = {}

    def tablet_loop(index):
        tablet = Tablet(port)
        local = {k: [] for k in result["lat"]}
        completed = in_window = errors = 0
        samples = []
        go.wait(timeout=120)
        t0 = clock["t0"]
        window_start, window_end = t0 + warm, t0 + warm + duration
        rng = random.Random(seed * 100_003 + index)  # the same pauses on every run

        def record(kind, started, seconds):
            if window_start <= started < window_end:
                local[kind].append(seconds)

        def pause():
            time.sleep(rng.uniform(*think))
            if time.monotonic() >= window_end:
                raise Stopped

        try:
            if think:
                time.sleep(rng.uniform(0, think[1]))
            for number in range(MAX_RESPONSES_PER_TABLET):
                if time.monotonic() >= window_end or errors >= MAX_ERRORS_PER_TABLET:
                    break
                try:
                    if think and number:
                        pause()  # the tablet is handed to the next person
                    fill_in(tablet, form_id, pages, record, pause if think else None)
                except Stopped:
                    break
                except Failure as exc:
                    errors += 1
                    if len(samples) < 3:
                        samples.append(str(exc))
                    continue
                completed += 1
                if window_start <= time.monotonic() < window_end:
                    in_window += 1
        except Exception:
            errors += 1
            samples.append(traceback.format_exc(limit=3))
        finally:
            tablet.close()
        with lock:
            result["completed"] += completed
            result["in_window"] += in_window
            result["served"] += any(local.values())
            result["errors"] += errors
            result["error_samples"] += samples[: max(0, 5 - len(result["error_samples"]))]
            for k, v in local.items():
                result["lat"][k] += v

    threads = [threading.Thread(target=tablet_loop, args=(i,), daemon=True) for i in range(tablets)]
    for t in threads:
        t.start()
    barrier.wait(timeout=120)
    clock["t0"] = time.monotonic()
    go.set()
    # Bounded: the window, plus time to finish the responses in flight.
    limit = time.monotonic() + warm + duration + REQUEST_TIMEOUT * 4
    for t in threads:
        t.join(timeout=max(0.1, limit - time.monotonic()))
    stuck = sum(t.is_alive() for t in threads)
    if stuck:
        result["errors"] += stuck
        result["error_samples"].append(f"{stuck} tablets did not finish in time")
    usage = resource.getrusage(resource.RUSAGE_SELF)
    with lock:
        result["cpu"] = usage.ru_utime + usage.ru_stime
        snapshot = copy.deepcopy(result)
    queue.put(snapshot)
