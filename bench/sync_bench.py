"""Sync benchmark: a laptop pushing 10,000 and 100,000 responses to the hub over loopback
HTTP, the same responses imported as a bundle, and re-syncs, each beside a floor.

Named sync_bench, not sync: bench/ comes first on sys.path when a benchmark runs,
where a bench/sync.py would hide the `sync` package from the app's own imports.

For each size, once: a hub workspace (`collector init --hub`) and a laptop
workspace holding N responses to the parks example (sampled valid answers,
forms/sample.py, a pool of 1,000 cycled; Store.bulk_insert_responses), paired
with `collector devices add` and `collector sync pair` against the hub served on
loopback; the laptop's responses written to a JSON-lines file exactly as sync
sends them; and a bundle made by `collector sync export --all`. Then, each repeat,
side by side in the same run, on fresh copies of both workspaces:

- floor over HTTP: a bare WSGI endpoint under waitress (same thread count as
  `collector serve`, WAL and synchronous=FULL, one connection per thread) taking
  100-record JSON batches and inserting them into one SQLite table (id as primary
  key) in one transaction each; a client process reads the JSON-lines file and
  posts the batches one after another on one keep-alive connection;
- ours over HTTP: `collector serve` on the hub in its own process, and
  `collector sync` on the laptop (push, then the forms check);
- re-sync: `collector sync` again with nothing new, then three times with 100
  new responses added on the laptop, while the hub holds N;
- floor for bundles: one process reading the JSON-lines file and inserting every
  record into one SQLite table in one transaction;
- ours for bundles: `collector sync import` of the bundle on a fresh hub.

Every time is the wall time of a whole command, Python's start included;
peak memory is VmHWM from /proc (the hub's over its life, up to the end of the
push). Each run checks that the hub holds exactly N responses afterwards.
BENCH_SYNC_MAX=10000 caps the sizes for a quick run; BENCH_SYNC_REPEATS sets the
repeats (default 3). Run by bench/run.py (`make bench`, or
`.venv/bin/python bench/run.py --only sync`), or alone:
`.venv/bin/python bench/sync_bench.py`, which replaces only the sync section of
docs/performance.md.
"""

import json
import os
import random
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
THIS = Path(__file__).resolve()
sys.path.insert(0, str(BENCH))

import common  # noqa: E402
from common import fill, measure, say  # noqa: E402

SIZES = (10_000, 100_000)
REPEATS = 3
RESYNC_RUNS = 3
NEW = 100
FLOOR_BATCH = 100
TARGET_RATIO = 0.5  # ours relative to each floor, at the largest size
EXAMPLE = ROOT / "forms" / "examples" / "parks.yaml"
OUT = ROOT / "docs" / "performance.md"
HEADING = "## Sync"
SAVED = "collector-sync-bench.json"  # the last run's figures, to write the section again
NEXT_HEADING = "## Exports"  # the sync section goes just before it (export.py owns everything after it)
BIN = Path(sys.executable).parent
COLLECTOR = str(BIN / "collector") if (BIN / "collector").exists() else shutil.which("collector")
FIELDS_ENV = "SYNC_BENCH_FIELDS"  # how the floors' processes learn the fields of a response as sync sends them


def sizes():
    cap = int(os.environ.get("BENCH_SYNC_MAX") or SIZES[-1])
    return tuple(n for n in SIZES if n <= cap) or (cap,)


def repeats():
    return max(1, int(os.environ.get("BENCH_SYNC_REPEATS") or REPEATS))


# -- the floors, each run as `python bench/sync_bench.py --floor-...` in its own process --------------


def _floor_sql():
    """(fields, create table, insert) of the floors' one table: the fields sync sends, id the primary key."""
    fields = os.environ[FIELDS_ENV].split(",")
    table = ("create table if not exists responses (id text primary key, "
             + ", ".join(f"{f} {'integer' if f == 'revision' else 'text'}" for f in fields if f != "id") + ")")
    return fields, table, f"insert into responses ({', '.join(fields)}) values ({', '.join('?' * len(fields))})"


def _floor_db(path):
    conn = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
    conn.execute("pragma journal_mode=wal")
    conn.execute("pragma synchronous=full")
    return conn


def floor_server(port, db, threads):
    """A bare waitress endpoint: POST a JSON batch {"records": [...]}, stored in one transaction."""
    import threading

    import waitress

    fields, table, insert = _floor_sql()
    _floor_db(db).execute(table)
    local = threading.local()

    def app(environ, start_response):
        if environ["REQUEST_METHOD"] == "POST":
            size = int(environ.get("CONTENT_LENGTH") or 0)
            records = json.loads(environ["wsgi.input"].read(size))["records"]
            conn = getattr(local, "conn", None)
            if conn is None:
                conn = local.conn = _floor_db(db)
            conn.execute("begin immediate")
            try:
                conn.executemany(insert, [[r.get(f) for f in fields] for r in records])
            except BaseException:
                conn.execute("rollback")
                raise
            conn.execute("commit")
            body = json.dumps({"ok": True, "stored": len(records)}).encode()
        else:
            body = b'{"ok": true}'
        start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
        return [body]

    waitress.serve(app, host="127.0.0.1", port=port, threads=threads, _quiet=True)


def floor_post(port, path, batch):
    """Post the JSON-lines file's records in batches, one after another, on one connection."""
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    with open(path, encoding="utf-8") as lines:
        while True:
            records = [json.loads(line) for _, line in zip(range(batch), lines)]
            if not records:
                break
            body = json.dumps({"records": records}, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
            conn.request("POST", "/push", body, {"Content-Type": "application/json"})
            answer = conn.getresponse()
            said = json.loads(answer.read())
            if answer.status != 200 or said["stored"] != len(records):
                raise SystemExit(f"the floor answered {answer.status}: {said}")
    conn.close()


def floor_import(path, db):
    """Every record of the JSON-lines file into one table, in one transaction."""
    fields, table, insert = _floor_sql()
    conn = _floor_db(db)
    conn.execute(table)
    conn.execute("begin immediate")
    with open(path, encoding="utf-8") as lines:
        conn.executemany(insert, ([r.get(f) for f in fields] for r in map(json.loads, lines)))
    conn.execute("commit")
    conn.close()


# -- measuring and setting up ----------------------------------------------------------------------


def count_rows(db):
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)
    try:
        return conn.execute("select count(*) from responses").fetchone()[0]
    finally:
        conn.close()


def serve_hub(hub, tmp):
    """`collector serve` on the hub, on a free loopback port: (process, URL)."""
    from run import free_port, start_collector, wait_ready

    port = free_port()
    log = tmp / f"serve-{port}.log"
    proc = start_collector(hub, port, log)
    try:
        wait_ready(proc, port, log)
    except BaseException:
        from run import stop

        stop(proc)
        raise
    return proc, f"http://127.0.0.1:{port}"


def point_laptop_at(laptop, url):
    """The laptop's pairing with the hub now served at url (each run serves on a new port)."""
    from collector.workspace import Workspace

    ws = Workspace(laptop)
    ws.save_sync_settings({**ws.sync_settings, "hub_url": url})


def add_responses(laptop, form, start, count, pool):
    from collector.workspace import Workspace
    ws = Workspace(laptop)
    try:
        return fill(ws.store, form, ws.device_id, start, count, pool)
    finally:
        ws.close()


def prepare(scratch, n, form, pool):
    """A paired hub and laptop holding n responses, the JSON-lines file and the bundle."""
    from collector.workspace import Workspace
    from run import run_cli, stop
    from sync.records import outgoing

    base = Path(tempfile.mkdtemp(prefix=f"sync-{n}-", dir=scratch))
    hub, laptop = base / "hub", base / "laptop"
    run_cli("init", "--hub", hub, "--name", "Office")
    run_cli("init", laptop, "--name", "Bench laptop")
    for ws in (hub, laptop):
        shutil.copy(EXAMPLE, ws / "forms" / EXAMPLE.name)
    t = time.perf_counter()
    ws = Workspace(laptop)
    ws.store.record_form(form.id, form.version, EXAMPLE.read_text(encoding="utf-8"))
    fill(ws.store, form, ws.device_id, 0, n, pool)
    jsonl = base / "records.jsonl"
    with open(jsonl, "w", encoding="utf-8") as out:
        seq = 0
        while rows := ws.store.changes_since(seq, 2000):
            for _, row in rows:
                out.write(json.dumps(outgoing(row), ensure_ascii=False, separators=(",", ":")) + "\n")
            seq = rows[-1][0]
    ws.close()
    say(f"sync bench: laptop with {n:,} responses made in {time.perf_counter() - t:.1f} s")
    proc, url = serve_hub(hub, base)
    try:
        made = run_cli("-w", hub, "devices", "add", "Bench laptop", "--url", url)
        code = re.search(r"http://\S+/pair/\S+", made).group(0)
        run_cli("-w", laptop, "sync", "pair", code)
    finally:
        stop(proc)
    bundle = base / "laptop.collector"
    exported = measure([COLLECTOR, "-w", str(laptop), "sync", "export", "--all", "--out", str(bundle)])
    return {"dir": base, "hub": hub, "laptop": laptop, "jsonl": jsonl, "bundle": bundle, "export": exported,
            "jsonl_mb": jsonl.stat().st_size / 1e6, "bundle_mb": bundle.stat().st_size / 1e6,
            "laptop_db_mb": (laptop / "collector.db").stat().st_size / 1e6}


# -- one repeat of each measurement ------------------------------------------------------------------


def run_floor_http(base, n, threads, tmp):
    from run import cpu_seconds, free_port, peak_rss_mb, stop, wait_ready

    db, port, log = tmp / "floor-http.db", free_port(), tmp / "floor-http.log"
    with open(log, "wb") as out:
        server = subprocess.Popen([sys.executable, str(THIS), "--floor-server", str(port), str(db), str(threads)],
                                  stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    try:
        wait_ready(server, port, log)
        cpu0 = cpu_seconds(server.pid)
        seconds, peak, cpu = measure([sys.executable, str(THIS), "--floor-post", str(port), str(base["jsonl"]), str(FLOOR_BATCH)])
        server_cpu = cpu_seconds(server.pid) - cpu0
        server_peak = peak_rss_mb(server.pid)
    finally:
        stop(server)
    return {"seconds": seconds, "client_mb": peak, "client_cpu": cpu, "server_mb": server_peak, "server_cpu": server_cpu,
            "stored": count_rows(db)}


def run_floor_import(base, n, tmp):

    db = tmp / "floor-import.db"
    seconds, peak, cpu = measure([sys.executable, str(THIS), "--floor-import", str(base["jsonl"]), str(db)])
    return {"seconds": seconds, "peak_mb": peak, "cpu": cpu, "stored": count_rows(db)}


def run_push(base, n, form, pool, tmp, resync):
    """Push all n; then, when resync, re-sync with nothing new and with NEW new, RESYNC_RUNS times each."""
    from run import cpu_seconds, peak_rss_mb, stop

    hub, laptop = tmp / "hub", tmp / "laptop"
    shutil.copytree(base["hub"], hub)
    shutil.copytree(base["laptop"], laptop)
    proc, url = serve_hub(hub, tmp)
    result = {"idle": [], "new": []}
    try:
        point_laptop_at(laptop, url)
        cpu0 = cpu_seconds(proc.pid)
        out = tmp / "sync.json"
        with open(out, "wb") as f:
            result["seconds"], result["laptop_mb"], result["laptop_cpu"] = measure(
                [COLLECTOR, "-w", str(laptop), "sync", "now", "--json"], stdout=f)
        result["hub_cpu"] = cpu_seconds(proc.pid) - cpu0
        result["hub_mb"] = peak_rss_mb(proc.pid)
        summary = json.loads(out.read_text())
        result["stored"] = count_rows(hub / "collector.db")
        if summary["sent"] != n or summary["new"] != n:
            raise RuntimeError(f"collector sync sent {summary['sent']} ({summary['new']} new), not {n}: {summary}")
        if resync:
            for _ in range(RESYNC_RUNS):
                seconds, _, _ = measure([COLLECTOR, "-w", str(laptop), "sync", "now", "--json"])
                result["idle"].append(seconds)
            have = n
            for _ in range(RESYNC_RUNS):
                have += add_responses(laptop, form, have, NEW, pool)
                with open(out, "wb") as f:
                    seconds, _, _ = measure([COLLECTOR, "-w", str(laptop), "sync", "now", "--json"], stdout=f)
                sent = json.loads(out.read_text())["sent"]
                if sent != NEW:
                    raise RuntimeError(f"a re-sync after {NEW} new responses sent {sent}")
                result["new"].append(seconds)
            if count_rows(hub / "collector.db") != have:
                raise RuntimeError(f"after the re-syncs the hub holds {count_rows(hub / 'collector.db')}, not {have}")
    finally:
        stop(proc)
    return result


def run_import(base, n, tmp):

    hub = tmp / "hub-import"
    shutil.copytree(base["hub"], hub)
    seconds, peak, cpu = measure([COLLECTOR, "-w", str(hub), "sync", "import", str(base["bundle"])])
    return {"seconds": seconds, "peak_mb": peak, "cpu": cpu, "stored": count_rows(hub / "collector.db")}


def startup_seconds(runs=3):
    """`collector --version`: Python's start and the command line's imports, which every command pays."""
    return statistics.median(measure([COLLECTOR, "--version"])[0] for _ in range(runs))


def run(scratch):
    """Every size: {"rows": [...], ...}; raises when a store does not hold what it should."""
    import forms
    from collector.store import RESPONSE_FIELDS
    from collector.workspace import SETTING_NAMES
    from forms.sample import sample_answers

    began = time.perf_counter()
    form = forms.load_form(EXAMPLE)
    rng = random.Random(6)
    random.seed(6)
    pool = [sample_answers(form, rng, n=i) for i in range(1000)]
    threads = SETTING_NAMES["threads"].default
    os.environ[FIELDS_ENV] = ",".join(RESPONSE_FIELDS)
    rows = []
    for n in sizes():
        base = prepare(Path(scratch), n, form, pool)
        runs = {"floor_http": [], "push": [], "floor_import": [], "import": []}
        loads = []
        for rep in range(repeats()):
            tmp = Path(tempfile.mkdtemp(prefix=f"rep-{rep}-", dir=base["dir"]))
            got = {
                "floor_http": run_floor_http(base, n, threads, tmp),
                "push": run_push(base, n, form, pool, tmp, resync=True),
                "floor_import": run_floor_import(base, n, tmp),
                "import": run_import(base, n, tmp),
            }
            for kind, r in got.items():
                if r["stored"] != n:
                    raise RuntimeError(f"sync bench, {kind} at {n:,}: {r['stored']} stored, not {n}")
                runs[kind].append(r)
            shutil.rmtree(tmp, ignore_errors=True)
            p = got["push"]
            f, fi, i = got["floor_http"], got["floor_import"], got["import"]
            loads.append(os.getloadavg()[0])
            say(f"sync bench {n:>7,} run {rep + 1} (load {loads[-1]:.1f}):"
                f" floor http {n / f['seconds']:7,.0f}/s (cpu server {f['server_cpu']:.1f} s, client {f['client_cpu']:.1f} s),"
                f" push {n / p['seconds']:7,.0f}/s (cpu hub {p['hub_cpu']:.1f} s, laptop {p['laptop_cpu']:.1f} s;"
                f" hub {p['hub_mb']:.0f} MB, laptop {p['laptop_mb']:.0f} MB);"
                f" floor import {n / fi['seconds']:7,.0f}/s (cpu {fi['cpu']:.1f} s),"
                f" import {n / i['seconds']:7,.0f}/s (cpu {i['cpu']:.1f} s, {i['peak_mb']:.0f} MB);"
                f" re-sync idle {statistics.median(p['idle']):.2f} s, +{NEW} {statistics.median(p['new']):.2f} s")
        row = {"n": n, "runs": len(runs["push"]), "export": base["export"], "jsonl_mb": base["jsonl_mb"],
               "bundle_mb": base["bundle_mb"], "laptop_db_mb": base["laptop_db_mb"],
               "startup": startup_seconds(), "loads": loads}
        med = statistics.median
        row["floor_http"] = med(r["seconds"] for r in runs["floor_http"])
        row["floor_http_mb"] = med(r["server_mb"] for r in runs["floor_http"])
        row["push"] = med(r["seconds"] for r in runs["push"])
        row["push_ratios"] = [f["seconds"] / p["seconds"] for f, p in zip(runs["floor_http"], runs["push"])]
        row["floor_http_cpu"] = med(r["server_cpu"] + r["client_cpu"] for r in runs["floor_http"])
        row["hub_mb"] = med(r["hub_mb"] for r in runs["push"])
        row["hub_cpu"] = med(r["hub_cpu"] for r in runs["push"])
        row["laptop_cpu"] = med(r["laptop_cpu"] for r in runs["push"])
        row["laptop_mb"] = med(r["laptop_mb"] for r in runs["push"])
        row["idle"] = med(s for r in runs["push"] for s in r["idle"])
        row["new"] = med(s for r in runs["push"] for s in r["new"])
        row["floor_import"] = med(r["seconds"] for r in runs["floor_import"])
        row["floor_import_mb"] = med(r["peak_mb"] for r in runs["floor_import"])
        row["floor_import_cpu"] = med(r["cpu"] for r in runs["floor_import"])
        row["import"] = med(r["seconds"] for r in runs["import"])
        row["import_cpu"] = med(r["cpu"] for r in runs["import"])
        row["import_ratios"] = [f["seconds"] / p["seconds"] for f, p in zip(runs["floor_import"], runs["import"])]
        row["import_mb"] = med(r["peak_mb"] for r in runs["import"])
        rows.append(row)
        shutil.rmtree(base["dir"], ignore_errors=True)
    return {"rows": rows, "threads": threads, "elapsed": time.perf_counter() - began}


# -- the report ------------------------------------------------------------------------------------


def section(result, date=None, machine=None, command="`make bench`"):
    """The sync section of docs/performance.md (markdown, ending in a newline)."""
    if machine is None:
        from run import machine as machine_of

        machine = machine_of()
    rows = result["rows"]
    big = rows[-1]
    med = statistics.median

    def rate(n, seconds):
        return f"{n / seconds:,.0f}"

    push_ratio = med(big["push_ratios"])
    import_ratio = med(big["import_ratios"])
    counts = " and ".join(f"{r['n']:,}" for r in rows)
    runs = ", ".join(f"{r['runs']} at {r['n']:,}" for r in rows)
    lines = [
        HEADING,
        "",
        "_Written by `make bench` (bench/sync_bench.py, called from bench/run.py); `.venv/bin/python bench/sync_bench.py`"
        " or `.venv/bin/python bench/run.py --only sync` rewrites this section alone._",
        "",
        f"A laptop workspace holding {counts} responses to the parks example (sampled valid answers), paired with a hub"
        f" workspace served by `collector serve` ({result['threads']} threads) in its own process on loopback, sends"
        " them all with `collector sync`; the bundle made by `collector sync export --all` is imported on a fresh copy of"
        " the hub with `collector sync import`. Side by side in the same run, two floors take the same records (the"
        " JSON lines sync sends): **over HTTP**, a bare WSGI endpoint under waitress with the same threads, WAL and"
        f" synchronous=FULL, inserting each {FLOOR_BATCH}-record JSON batch into one SQLite table (id as primary key) in"
        " one transaction, fed by a client posting the batches one after another on one keep-alive connection;"
        " **from a file**, one process inserting every line of a JSON-lines file into one such table in one"
        " transaction. Records/s is N over the wall time of the whole command (Python's start included) that sends or"
        " imports them: `collector sync` on the laptop, the floor's client, the importing command. Peak memory is VmHWM"
        " from /proc: the hub's over its life up to the end of the push, the laptop's over the `collector sync`"
        f" command. Re-sync is `collector sync` again while the hub holds N: {RESYNC_RUNS} times with nothing new, then"
        f" {RESYNC_RUNS} times after adding {NEW} responses on the laptop. Every run checks that the hub holds exactly"
        f" the responses sent. Runs per size (median quoted; ratios are medians of each run's ratio): {runs}.",
        "",
        f"**Targets** (issue 5): at {big['n']:,} responses, records/s over HTTP and by bundle at least"
        f" {TARGET_RATIO:g}× each floor; a re-sync's time grows with what changed, not with what the hub holds.",
        "",
        *common.about_run(date, machine, command, result["elapsed"]),
        "",
        "| Responses | " + " | ".join(f"{r['n']:,}" for r in rows) + " |",
        "|---|" + "---:|" * len(rows),
        "| Floor over HTTP, records/s (server peak MB) | "
        + " | ".join(f"{rate(r['n'], r['floor_http'])} ({r['floor_http_mb']:.0f})" for r in rows) + " |",
        "| **`collector sync`**, records/s (s) | "
        + " | ".join(f"**{rate(r['n'], r['push'])}** ({r['push']:.1f})" for r in rows) + " |",
        "| `collector sync` / floor over HTTP | " + " | ".join(f"**{med(r['push_ratios']):.2f}**" for r in rows) + " |",
        "| Hub: peak MB / CPU s | " + " | ".join(f"{r['hub_mb']:.0f} / {r['hub_cpu']:.1f}" for r in rows) + " |",
        "| Laptop (`collector sync`): peak MB | " + " | ".join(f"{r['laptop_mb']:.0f}" for r in rows) + " |",
        "| Re-sync, nothing new, s | " + " | ".join(f"{r['idle']:.2f}" for r in rows) + " |",
        f"| Re-sync, {NEW} new, s | " + " | ".join(f"{r['new']:.2f}" for r in rows) + " |",
        "| Start-up: `collector --version`, s | " + " | ".join(f"{r['startup']:.2f}" for r in rows) + " |",
        "| Floor from a file, records/s (peak MB) | "
        + " | ".join(f"{rate(r['n'], r['floor_import'])} ({r['floor_import_mb']:.0f})" for r in rows) + " |",
        "| **`collector sync import`**, records/s (s) | "
        + " | ".join(f"**{rate(r['n'], r['import'])}** ({r['import']:.1f})" for r in rows) + " |",
        "| `collector sync import` / floor from a file | " + " | ".join(f"**{med(r['import_ratios']):.2f}**" for r in rows) + " |",
        "| `collector sync import`: peak MB | " + " | ".join(f"{r['import_mb']:.0f}" for r in rows) + " |",
        "| `collector sync export --all`: s / peak MB | "
        + " | ".join(f"{r['export'][0]:.1f} / {r['export'][1]:.0f}" for r in rows) + " |",
        "| Sizes: laptop database / JSON lines / bundle, MB | "
        + " | ".join(f"{r['laptop_db_mb']:.0f} / {r['jsonl_mb']:.0f} / {r['bundle_mb']:.0f}" for r in rows) + " |",
        "",
    ]
    small = rows[0]
    idle_growth = big["idle"] / small["idle"] if len(rows) > 1 else 1.0
    lines += [
        "### Targets",
        "",
        f"- Over HTTP at least {TARGET_RATIO:g}× the floor: **{'met' if push_ratio >= TARGET_RATIO else 'NOT MET'}**"
        f" ({push_ratio:.2f}× at {big['n']:,}: {rate(big['n'], big['push'])} against {rate(big['n'], big['floor_http'])}"
        " records/s).",
        f"- By bundle at least {TARGET_RATIO:g}× the floor: **{'met' if import_ratio >= TARGET_RATIO else 'NOT MET'}**"
        f" ({import_ratio:.2f}× at {big['n']:,}: {rate(big['n'], big['import'])} against"
        f" {rate(big['n'], big['floor_import'])} records/s).",
    ]
    if len(rows) > 1:
        lines.append(
            f"- Re-sync grows with the changes, not the total: **{'met' if idle_growth < 1.5 else 'NOT MET'}**"
            f" (nothing new: {small['idle']:.2f} s at {small['n']:,}, {big['idle']:.2f} s at {big['n']:,},"
            f" {idle_growth:.2f}×; {NEW} new: {small['new']:.2f} s and {big['new']:.2f} s; starting Python and the"
            f" command line alone, `collector --version`, takes {big['startup']:.2f} s).")
    lines += notes(result)
    return "\n".join(lines) + "\n"


def notes(result):
    """What bounds sync: this run's figures, and what profiles taken while writing the benchmark found."""
    big = result["rows"][-1]
    n = big["n"]

    def us(seconds):
        return f"{seconds / n * 1e6:.0f} µs"

    loads = [x for r in result["rows"] for x in r["loads"]]
    return [
        "",
        "### What bounds sync",
        "",
        "- **The hub does more for each record than either floor, by design.** A floor inserts each record into one"
        " table keyed by its id. The hub checks every field, and that the answers read as a JSON object (msgspec,"
        " parsing each answer without making Python objects of it), hashes the revision, inserts the (response,"
        " revision) pair into `received`, whose key makes a re-sent record change nothing, and inserts or replaces"
        " the response, numbering its change, in `responses`, which has six indexes (id, reference with the laptop,"
        " form with deletion and time, paper serial, change number, personal key). Profiled in-process while writing"
        " this benchmark (100,000 records, CPU time): the SQL takes about 21 µs a record (responses 14, received 3.3,"
        " the commit 1.5) where the floor's insert takes 6.5; reading, decoding, checking and hashing a line about"
        " 12 µs more, in the reading process.",
        "- **Personal answers are kept as they come, sealed.** Opening one sealed box costs about 42 µs of CPU (one"
        " X25519 operation in libsodium), more than the floor's whole work for a record, and 44,500 of the 100,000"
        " responses here carry personal answers. The hub used to open them as it took them in; now it opens one when"
        " it is read (a person's page, an export with `--include-personal`), so the import does not pay for it and"
        " the hub's database file alone names no one. Measured while making the change (in process, 100,000"
        " records, quiet machine): opening them in a thread as the records went in took the import from 3.2 to"
        " 4.4 s; in a second process, to 4.0 s.",
        f"- **CPU in this run, at {n:,} records**, per record: over HTTP the hub {us(big['hub_cpu'])} and the laptop"
        f" {us(big['laptop_cpu'])}, against the floor's server and client together {us(big['floor_http_cpu'])};"
        f" the bundle import {us(big['import_cpu'])} against the floor's {us(big['floor_import_cpu'])}"
        " (both with Python's start).",
        "- **Over HTTP**, the laptop sends batches of up to 2,000 records (3 MB) once the hub's first answer says it"
        " takes them (4 MB from a paired laptop; other requests stay under `max_body_kb`; an older hub says nothing and"
        " gets 384 KB), not 500: each batch is a transaction, and its commit and checkpoint cost about 10 µs a record"
        " at 2,000 against 18 at 500. The hub takes 500 records a statement: one insert into `received` and one"
        " insert-or-update into `responses`, the change numbers given by the hub so the numbering triggers do not"
        " run; a count of the rows each changed says whether every record was new and stored, as is usual, and only"
        " when not does the hub ask which. It does so on one connection, with a 32 MB page cache and a checkpoint"
        " every 32 MB of log. One batch is in flight: while the hub takes it, the laptop reads the next and records"
        " the answer to the one before (acknowledging a batch by its range of change numbers, not response by"
        " response), so the laptop's work and the hub's, in two processes, overlap.",
        "- **Memory is the price of the larger batches and the page cache**: before these changes the hub peaked at"
        " 79 MB, the laptop at 38 MB and the import at 49 MB at 100,000 responses (see *Before*); the hub's peak"
        " holds its one 32 MB page cache and each waitress thread's share of a 2,000-record batch.",
        f"- **Bundles.** Half the floor's rate leaves {us(2 * big['floor_import'])} of wall time a record at {n:,};"
        f" the import takes {us(big['import'])} ({us(big['import_cpu'])} of CPU over its two processes). A reading"
        " process (forked, on Linux; elsewhere the same code runs in the importing process) reads responses.jsonl a"
        " megabyte at a time, takes its checksum, decodes and checks each line straight into a typed record with"
        " msgspec, checks its answers and hashes it, and hands the store 500 at a time; the store's connection does"
        " the SQL in the one transaction. One index on (reference, laptop) replaced the two on `reference`"
        " (migration m010). What is left is the store's SQL, in one process: with both cores free the import's wall"
        " time is about the store's CPU, and when other work shares the machine the reading process competes for"
        " the second core"
        + (f" (load average {min(loads):.1f} to {max(loads):.1f} during this run's sync measurements)." if loads else ".")
        + " Tried and left out: reading and checking in a second thread (after each statement the store waits for"
        " Python's lock, which the checking thread holds); partial indexes on paper serial and personal key, and a"
        " larger page cache (no gain that could be measured). What could still narrow the gap: handing the store"
        " ready parameter rows instead of records (unpickling and reading them from the pipe cost the store about"
        " 3.5 µs a record).",
        "- **Re-sync** sends no batch when nothing is new: it counts the waiting changes along the change-number"
        " index (no longer counting the unacknowledged responses, which reads every row: 39 ms at 100,000) and asks"
        " the hub for its forms. Its time is Python's start and a few milliseconds at any size; 100 new responses"
        " are one more batch.",
        "- **Before** (this benchmark on commit 1a226d3 with the working tree of the day, one run, this machine,"
        " 2026-11-22): at 100,000 responses `collector sync` took 6,289 records/s against the floor's 18,768 (0.34×;"
        " hub CPU 9.7 s, 500-record batches, three statements and a trigger's update per record, one commit per"
        " 500), and `collector sync import` 11,893 records/s against 49,197 (0.24×). Before the reading process,"
        " msgspec and m010 (same machine, 2026-11-22, three runs side by side with the floor, with the personal"
        " answers sealed as they travel now): `collector sync import` 9,200 to 12,500 records/s against 48,000 to"
        " 56,500 (0.18× to 0.26×), 78 to 83 µs of CPU a record.",
    ]


def kept_section(text):
    """The sync section of a report, or '' when it has none."""
    return common.kept_section(text, HEADING)


def replace_section(text, new):
    """A report with its sync section replaced by new; without one, new goes before the export section (or at the end)."""
    return common.replace_section(text, new, HEADING, before=NEXT_HEADING)


def main():
    args = sys.argv[1:]
    if args and args[0] == "--floor-server":
        floor_server(int(args[1]), args[2], int(args[3]))
        return
    if args and args[0] == "--floor-post":
        floor_post(int(args[1]), args[2], int(args[3]))
        return
    if args and args[0] == "--floor-import":
        floor_import(args[1], args[2])
        return
    sys.path.insert(0, str(BENCH))
    sys.path.insert(1, str(ROOT))
    say(common.run_alone(sys.modules[__name__], "sync", OUT, "`.venv/bin/python bench/sync_bench.py`", saved=SAVED))


if __name__ == "__main__":
    main()
