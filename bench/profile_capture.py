"""Where the collector spends its time per response, in one process, no network.

`make bench` calls sql_counts() and cpu_breakdown() for the report. Run it by
hand for the full cProfile listing:

    .venv/bin/python bench/profile_capture.py [RESPONSES]

Fills in the parks example RESPONSES times (default 200) through Flask's test
client in one thread (no waitress), on a fresh demo workspace in a temp dir.
"""

import cProfile
import collections
import io
import pstats
import re
import shutil
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
sys.path.insert(1, str(BENCH.parent))

import loadgen  # noqa: E402
from werkzeug.datastructures import MultiDict  # noqa: E402

import forms  # noqa: E402

EXAMPLE = BENCH.parent / "forms" / "examples" / "parks.yaml"


def token(html):
    match = loadgen._CSRF.search(html)
    return match.group(1) or match.group(2)


def one_response(client, form_id, pages):
    intro = client.get(f"/f/{form_id}")
    assert intro.status_code == 200
    started = client.post(f"/f/{form_id}", data={"csrf_token": token(intro.text), "lang": "en"})
    assert started.status_code == 303, started.status_code
    location = started.headers["Location"]
    for _number, fields, action in pages:
        page = client.get(location)
        assert page.status_code == 200, (location, page.status_code)
        data = MultiDict([("csrf_token", token(page.text)), ("_action", action)] + list(fields))
        sent = client.post(location, data=data)
        assert sent.status_code == 303, (location, sent.status_code, sent.text[:300])
        location = sent.headers["Location"]
    assert location.endswith("/thanks")
    assert client.get(location).status_code == 200


@contextmanager
def demo_app():
    """(workspace, test client, form, pages) on a fresh demo workspace, warmed up by one response."""
    from collector.app import create_app
    from collector.workspace import Workspace

    tmp = Path(tempfile.mkdtemp(prefix="collector-profile-"))
    workspace = Workspace.create(tmp / "ws", name="profile", demo=True)
    try:
        client = create_app(workspace).test_client()
        form = forms.load_form(EXAMPLE)
        pages, _ = loadgen.plan(form)
        one_response(client, form.id, pages)
        yield workspace, client, form, pages
    finally:
        workspace.close()
        shutil.rmtree(tmp, ignore_errors=True)


def sql_counts(count=10):
    """SQL statements per response, by kind, as SQLite sees them."""
    with demo_app() as (workspace, client, form, pages):
        seen = collections.Counter()
        conn = workspace.store.db.conn  # the test client runs in this thread: same connection
        conn.set_trace_callback(lambda sql: seen.update([re.sub(r"'[^']*'", "?", sql.strip())]))
        for _ in range(count):
            one_response(client, form.id, pages)
        conn.set_trace_callback(None)
    per = {sql: n / count for sql, n in seen.items()}
    return {
        "statements": sum(per.values()),
        "commits": sum(n for sql, n in per.items() if sql.upper().startswith("COMMIT")),
        "schema_lookups": sum(n for sql, n in per.items() if "sqlite_master" in sql),
        "draft_reads": sum(n for sql, n in per.items() if sql.lower().startswith('select * from "drafts"')),
    }


def profiled_responses(count, clock=time.perf_counter):
    """(profiler, seconds, responses stored) for count responses through the test client under cProfile.

    clock=time.process_time profiles CPU time: the wall clock also counts waiting for the disk's
    fsyncs, which makes SQLite look dearer than it is for the CPU, the collector's limit.
    """
    with demo_app() as (workspace, client, form, pages):
        profiler = cProfile.Profile(clock)
        start = clock()
        profiler.enable()
        for _ in range(count):
            one_response(client, form.id, pages)
        profiler.disable()
        return profiler, clock() - start, workspace.store.count_responses(form.id)


def cpu_breakdown(count=30):
    """Share of in-process CPU time (under cProfile) in template rendering, SQLite, answer checking."""
    profiler, elapsed, _stored = profiled_responses(count, clock=time.process_time)
    stats = pstats.Stats(profiler).stats
    total = sum(tt for (_cc, _nc, tt, _ct, _callers) in stats.values())

    def cumulative(name, filename_part=""):
        return sum(ct for (fn, _line, func), (_cc, _nc, _tt, ct, _callers) in stats.items()
                   if func == name and filename_part in fn)

    def own(name):
        return sum(tt for (_fn, _line, func), (_cc, _nc, tt, _ct, _callers) in stats.items() if func == name)

    return {
        "ms_per_response": elapsed / count * 1000,
        "render": cumulative("render_template", "flask") / total,
        "sqlite": (own("<method 'execute' of 'sqlite3.Connection' objects>") + own("<method 'fetchone' of 'sqlite3.Cursor' objects>")) / total,
        "clean_answers": cumulative("clean_answers", "validate") / total,
    }


def main():
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    count = max(1, min(count, 5000))
    profiler, elapsed, stored = profiled_responses(count)
    print(f"{count} responses in {elapsed:.2f} s under the profiler: {elapsed / count * 1000:.1f} ms each;"
          f" stored {stored}")
    for key in ("cumulative", "tottime"):
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).strip_dirs().sort_stats(key).print_stats(30)
        print(f"\n== by {key} ==\n" + re.sub(r"\n{3,}", "\n\n", out.getvalue()))
    print("SQL per response:", sql_counts())
    print("Time shares:", cpu_breakdown())


if __name__ == "__main__":
    main()
