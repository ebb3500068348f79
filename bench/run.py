"""`make bench`: capture throughput and latency, against a floor; start-up time; memory.

1. Capture: `collector serve` in its own process on a free loopback port, on a
   fresh demo workspace, with N simulated tablets (N = 1, 10, 50, 200; separate
   load-generator processes, see loadgen.py) filling in and submitting the
   parks example with no think time (saturated). Measures completed
   submissions per second, page GET and submit latency, the server's CPU per
   response and its peak memory, and checks that the store holds exactly the
   responses the tablets completed and that every tablet was served.
   Then paced: 50 and 200 tablets that pause like people between pages
   (bench/paced.py); `--no-paced` skips it.
2. Floor: the same load against a bare Flask app with the same thread count,
   on the same server as `collector serve` (collector.serving), that commits
   one SQLite row per POST (floor_app.py).
3. Start-up: launching `collector serve` to the first successful GET /, with
   1, 10 and 100 forms in the workspace.
4. Exports: `collector export` to CSV and Excel at 10,000 to 1,000,000
   responses, against the sqlite3 tool's CSV dump (bench/export.py).
   `--only export` runs this part alone and rewrites only its section.
5. Printing: the parks paper form with 1 to 10,000 numbered copies, pages/s and
   peak memory, against plain reportlab making the same pages (bench/printing.py).
   `--only printing` runs this part alone and rewrites only its section.
6. Sync: a laptop pushing 10,000 and 100,000 responses to a hub over loopback
   with `collector sync`, the same imported as a bundle, and re-syncs, beside a
   bare waitress endpoint and a one-transaction import (bench/sync_bench.py).
   `--only sync` runs this part alone and rewrites only its section.

Writes docs/performance.md (overwritten each run). Only 127.0.0.1 is used.
Exits 1 when a check fails (store count mismatch, request errors).
"""

import argparse
import datetime
import http.client
import multiprocessing
import os
import platform
import re
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))
sys.path.insert(1, str(ROOT))

import floor_app  # noqa: E402
import loadgen  # noqa: E402
import paced  # noqa: E402
import export as export_bench  # noqa: E402
import printing as printing_bench  # noqa: E402
import sync_bench  # noqa: E402
from common import run_alone  # noqa: E402

import forms  # noqa: E402
from collector import serving  # noqa: E402

BIN = Path(sys.executable).parent
COLLECTOR = str(BIN / "collector") if (BIN / "collector").exists() else shutil.which("collector")
EXAMPLE = ROOT / "forms" / "examples" / "parks.yaml"
OUT = ROOT / "docs" / "performance.md"
TABLETS = (1, 10, 50, 200)
TARGET_TABLETS = 50  # an event's 20 to 50 tablets; the targets are set here
READY_TIMEOUT = 60  # seconds for a server to answer GET /
TARGET_RATIO = 0.5  # collector throughput at 50 tablets, relative to the floor
TARGET_SUBMIT_P95_MS = 100  # at 50 tablets
# waitress stops accepting connections at its connection_limit (100 by default) and every
# tablet keeps one open, so the floor is given room for the most tablets run.
FLOOR_CONNECTION_LIMIT = 1000
CONNECTION_LIMIT_LOG = "reached the connection limit"  # what waitress logs when it stops accepting


def say(text):
    print(text, flush=True)


# -- processes ---------------------------------------------------------------------


def free_port():
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get_status(port, path="/", timeout=2):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path)
        resp = conn.getresponse()
        resp.read()
        return resp.status
    finally:
        conn.close()


def wait_ready(proc, port, log):
    """Seconds from now until GET / answers 200; polls every 5 ms, at most READY_TIMEOUT."""
    start = time.perf_counter()
    for _ in range(READY_TIMEOUT * 200):
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited with status {proc.returncode}:\n{Path(log).read_text(errors='replace')[-2000:]}")
        try:
            if get_status(port) == 200:
                return time.perf_counter() - start
        except (OSError, http.client.HTTPException):
            pass
        if time.perf_counter() - start > READY_TIMEOUT:
            break
        time.sleep(0.005)
    raise RuntimeError(f"the server did not answer GET / within {READY_TIMEOUT} s")


def stop(proc):
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def cpu_seconds(pid):
    """User + system CPU of a process so far, from /proc/<pid>/stat."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def peak_rss_mb(pid):
    """VmHWM (peak resident set size) of a process, in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def start_collector(workspace, port, log):
    out = open(log, "wb")
    try:
        return subprocess.Popen(
            [COLLECTOR, "--workspace", str(workspace), "serve", "--host", "127.0.0.1", "--port", str(port)],
            stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        )
    finally:
        out.close()


def run_cli(*args):
    done = subprocess.run([COLLECTOR, *map(str, args)], capture_output=True, text=True, timeout=60)
    if done.returncode != 0:
        raise RuntimeError(f"collector {' '.join(map(str, args))} failed: {done.stderr.strip()}")
    return done.stdout


# -- load ------------------------------------------------------------------------------


def run_load(port, form_id, pages, tablets, warm, duration, think=None):
    """Runs the tablets in separate processes; returns the merged result (think: see loadgen.run_process)."""
    ctx = multiprocessing.get_context("spawn")
    nprocs = 1 if tablets == 1 else 2
    shares = [tablets // nprocs + (1 if i < tablets % nprocs else 0) for i in range(nprocs)]
    barrier = ctx.Barrier(nprocs)
    queue = ctx.Queue()
    procs = [ctx.Process(target=loadgen.run_process, args=(port, form_id, pages, share, warm, duration, barrier, queue, think, i),
                         daemon=True)
             for i, share in enumerate(shares)]
    for p in procs:
        p.start()
    merged = {"completed": 0, "in_window": 0, "errors": 0, "error_samples": [], "served": 0,
              "lat": {"get": [], "start": [], "next": [], "submit": []}, "cpu": 0.0}
    deadline = time.monotonic() + warm + duration + 4 * loadgen.REQUEST_TIMEOUT + 60
    parts = []
    while len(parts) < len(procs) and time.monotonic() < deadline:
        try:
            parts.append(queue.get(timeout=1))
        except Exception:  # queue.Empty: check that the processes are still there
            if not any(p.is_alive() for p in procs) and queue.empty():
                break
    if len(parts) < len(procs):
        merged["errors"] += len(procs) - len(parts)
        merged["error_samples"].append(f"{len(procs) - len(parts)} load-generator processes gave no result")
    for part in parts:
        for key in ("completed", "in_window", "errors", "cpu", "served"):
            merged[key] += part[key]
        merged["error_samples"] += part["error_samples"]
        for k, v in part["lat"].items():
            merged["lat"][k] += v
    for p in procs:
        p.join(timeout=10)
        if p.is_alive():
            p.terminate()
            p.join(timeout=5)
    return merged


def pct(values, *ps):
    """Percentiles in ms (linear interpolation); NaN when there are too few values."""
    if len(values) < 2:
        return [float("nan")] * len(ps)
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return [cuts[p - 1] * 1000 for p in ps]


def summarise(load, server_cpu, duration, rss, stored, tablets, log):
    done = load["completed"]
    get50, get95, get99 = pct(load["lat"]["get"], 50, 95, 99)
    sub50, sub95, sub99 = pct(load["lat"]["submit"], 50, 95, 99)
    nxt95, = pct(load["lat"]["next"], 95)
    return {
        "throughput": load["in_window"] / duration,
        "get": (get50, get95, get99), "submit": (sub50, sub95, sub99), "next95": nxt95,
        "server_cpu_ms": server_cpu / done * 1000 if done else float("nan"),
        "client_cpu_ms": load["cpu"] / done * 1000 if done else float("nan"),
        "rss": rss, "completed": done, "stored": stored, "errors": load["errors"],
        "error_samples": load["error_samples"], "tablets": tablets, "served": load["served"],
        "connection_limit": CONNECTION_LIMIT_LOG in Path(log).read_text(errors="replace"),
    }


# With many tablets and no pauses, one response (13 requests, each queued behind one of every
# other tablet's) takes longer than the usual window: so many tablets get a longer warm-up and
# window, in proportion (200 tablets: 8 s and 20 s), or no response would both start and end in it.
WARM_PER_TABLET = 0.04
MEASURED_PER_TABLET = 0.1


def window(tablets, warm, duration):
    """(warm-up, measured) seconds for a run with this many tablets."""
    return max(warm, tablets * WARM_PER_TABLET), max(duration, tablets * MEASURED_PER_TABLET)


def capture_run(tablets, pages, form, warm, duration, scratch, threads=None, think=None):
    tmp = Path(tempfile.mkdtemp(prefix="capture-", dir=scratch))
    workspace = tmp / "ws"
    run_cli("init", workspace, "--demo", "--name", "bench")
    if threads is not None:
        run_cli("--workspace", workspace, "settings", "set", "threads", threads)
    port = free_port()
    proc = start_collector(workspace, port, tmp / "serve.log")
    try:
        wait_ready(proc, port, tmp / "serve.log")
        cpu0 = cpu_seconds(proc.pid)
        load = run_load(port, form.id, pages, tablets, warm, duration, think)
        server_cpu = cpu_seconds(proc.pid) - cpu0
        rss = peak_rss_mb(proc.pid)
        stored = int(run_cli("--workspace", workspace, "responses", "count", form.id).strip())
    finally:
        stop(proc)
    result = summarise(load, server_cpu, duration, rss, stored, tablets, tmp / "serve.log")
    shutil.rmtree(tmp, ignore_errors=True)
    return result


def floor_run(tablets, pages, form, threads, warm, duration, scratch, think=None):
    tmp = Path(tempfile.mkdtemp(prefix="floor-", dir=scratch))
    db = tmp / "floor.db"
    port = free_port()
    log = tmp / "floor.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, str(BENCH / "floor_app.py"), "--port", str(port), "--db", str(db),
             "--pages", ",".join(str(p[0]) for p in pages), "--threads", str(threads),
             "--connection-limit", str(FLOOR_CONNECTION_LIMIT)],
            stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        )
    try:
        wait_ready(proc, port, log)
        cpu0 = cpu_seconds(proc.pid)
        load = run_load(port, form.id, pages, tablets, warm, duration, think)
        server_cpu = cpu_seconds(proc.pid) - cpu0
        rss = peak_rss_mb(proc.pid)
        stored = floor_app.count_submitted(db)
    finally:
        stop(proc)
    result = summarise(load, server_cpu, duration, rss, stored, tablets, log)
    shutil.rmtree(tmp, ignore_errors=True)
    return result


# -- start-up ------------------------------------------------------------------------------


def startup_run(nforms, scratch):
    """Seconds from launching `collector serve` to the first 200 on GET /, on a fresh workspace."""
    tmp = Path(tempfile.mkdtemp(prefix="startup-", dir=scratch))
    workspace = tmp / "ws"
    run_cli("init", workspace, "--name", "bench")
    text = EXAMPLE.read_text(encoding="utf-8")
    if nforms == 1:
        shutil.copy(EXAMPLE, workspace / "forms" / EXAMPLE.name)
    else:
        for i in range(1, nforms + 1):
            copy, n = re.subn(r"(?m)^id: .*$", f"id: parks_{i:03d}", text, count=1)
            assert n == 1, "parks.yaml has no top-level id line"
            (workspace / "forms" / f"parks_{i:03d}.yaml").write_text(copy, encoding="utf-8")
    port = free_port()
    log = tmp / "serve.log"
    start = time.perf_counter()
    proc = start_collector(workspace, port, log)
    try:
        wait_ready(proc, port, log)
        seconds = time.perf_counter() - start
    finally:
        stop(proc)
    said = re.search(r"with (\d+) forms?", log.read_text(errors="replace"))
    if not said or int(said.group(1)) != nforms:
        raise RuntimeError(f"the collector did not load {nforms} forms: {log.read_text(errors='replace')[:500]}")
    shutil.rmtree(tmp, ignore_errors=True)
    return seconds


def startup_note(seconds):
    """One sentence on how start-up grows with the number of forms, from {forms: median seconds}."""
    sizes = sorted(seconds)
    steps = [(a, b, (seconds[b] - seconds[a]) / (b - a) * 1000) for a, b in zip(sizes, sizes[1:])]
    each = ", ".join(f"{ms:.0f} ms a form from {a} to {b}" for a, b, ms in steps)
    first, last = steps[0][2], steps[-1][2]
    linear = first > 0 and 0.67 <= last / first <= 1.5
    return (f"Start-up is {seconds[sizes[0]]:.2f} s with {sizes[0]} form (Python, Flask and the store); more forms add"
            f" {each}. "
            + ("Each form is read, checked and recorded once, so start-up grows linearly with the number of forms."
               if linear else "The cost per form is not constant, so start-up does not grow linearly with the number of forms."))


# -- report --------------------------------------------------------------------------------------


def machine():
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{model}, {os.cpu_count()} cores, Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}"


def code_version():
    """The commit benchmarked, and whether the app's code had uncommitted changes (read-only git)."""
    try:
        head = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
                              capture_output=True, text=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--", "collector", "forms"],
                               capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return (head or "unknown") + (" with uncommitted changes in collector/ or forms/" if dirty else "")


def code_stamp():
    """{file: modification time} of the app's code, to notice it changing during a run."""
    return {str(f.relative_to(ROOT)): f.stat().st_mtime for d in ("collector", "forms") for f in (ROOT / d).rglob("*")
            if f.is_file() and "__pycache__" not in f.parts}


def filesystem(path):
    best, kind = "", "?"
    try:
        for line in Path("/proc/self/mounts").read_text().splitlines():
            parts = line.split()
            mount, fstype = parts[1], parts[2]
            if str(path).startswith(mount) and len(mount) > len(best):
                best, kind = mount, fstype
    except OSError:
        pass
    return kind


def med(values):
    values = [v for v in values if v == v]
    return statistics.median(values) if values else float("nan")


def fmt(value, digits=1):
    return "n/a" if value != value else f"{value:.{digits}f}"


def report(cap, flo, startup, settings, checks, diag, profile, warnings=(), paced_runs=None):
    """The text of docs/performance.md; paced_runs is (collector runs, floor runs) by number of tablets, or None."""
    ns = TABLETS

    def m(runs, key, index=None):
        return med([(r[key][index] if index is not None else r[key]) for r in runs])

    tp = {n: m(cap[n], "throughput") for n in ns}
    ftp = {n: m(flo[n], "throughput") for n in ns}
    ratio = {n: tp[n] / ftp[n] if ftp[n] else float("nan") for n in ns}
    sub95 = {n: m(cap[n], "submit", 1) for n in ns}
    cpu = {n: m(cap[n], "server_cpu_ms") for n in ns}
    fcpu = {n: m(flo[n], "server_cpu_ms") for n in ns}

    def rng(runs, key):
        vals = [r[key] for r in runs]
        return f" ({fmt(min(vals), 2)}–{fmt(max(vals), 2)})" if len(vals) > 1 else ""

    def row(label, fn):
        return f"| {label} | " + " | ".join(fn(n) for n in ns) + " |"

    big = TARGET_TABLETS
    ratio_ok = ratio[big] >= TARGET_RATIO
    p95_ok = sub95[big] < TARGET_SUBMIT_P95_MS
    pages = settings["pages"]
    lines = [
        "# Performance",
        "",
        "_Written by `make bench` (bench/run.py); overwritten on every run._",
        "",
        "At an event one laptop runs `collector serve` and 20 to 50 tablets send answers to it over",
        "the local Wi-Fi. This benchmark measures, on loopback:",
        "",
        f"- **Capture**: `collector serve` (waitress, {settings['threads']} threads, the default `threads` setting) on a",
        f"  fresh demo workspace, in its own process. Simulated tablets ({', '.join(map(str, ns[:-1]))} and {ns[-1]}, in separate",
        "  load-generator processes, each tablet with its own cookie and keep-alive connection) fill in the",
        f"  parks example like a browser: intro page, Start, then GET and POST each of the {len(pages)} visible",
        "  pages (answering every visible question validly, with answers derived from the form model),",
        "  then the thank-you page. No think time: every tablet starts its next response at once (the paced runs below"
        " add people's pauses).",
        "  The load generator shares the machine's cores with the server (its CPU per response is in the table).",
        f"  Each run: {settings['warm']:g} s warm-up, then {settings['duration']:g} s measured; with more tablets,"
        f" {WARM_PER_TABLET:g} s of warm-up and {MEASURED_PER_TABLET:g} s measured a tablet where that is longer"
        f" ({TABLETS[-1]} tablets: {window(TABLETS[-1], settings['warm'], settings['duration'])[0]:g} s and"
        f" {window(TABLETS[-1], settings['warm'], settings['duration'])[1]:g} s), since one response then takes"
        " each tablet longer than the shorter window.",
        "  *Throughput* is submissions completed in the measured window per second; *page GET* covers",
        "  every page shown (intro, each section, thank-you); *submit* is the final POST until its 303.",
        "  At the end the store must hold exactly the responses the tablets completed.",
        "- **Floor**: the same requests against a bare Flask app with the same thread count, served as",
        "  `collector serve` serves (waitress through collector/serving.py: saves first, and an event loop that",
        "  does not spin while a thread sends; see below),"
        f" with room for {FLOOR_CONNECTION_LIMIT:,} connections,"
        " where every GET returns a small fixed page and every POST commits one row to SQLite",
        "  with the same durability (WAL, `synchronous=FULL`). It is what any Flask+SQLite design would",
        "  cost on this machine; the ratio collector/floor is the figure to watch, since the machine is",
        "  shared and noisy and absolute numbers move between runs.",
        "- **Start-up**: from launching `collector serve` to the first successful GET /, with 1, 10 and",
        "  100 forms (copies of parks.yaml) in a fresh workspace.",
        "- **Peak memory**: VmHWM of the server process at the end of each capture run.",
        "",
        f"Figures are medians of {settings['repeats']} runs (start-up: {settings['startup_runs']} runs);"
        " throughput ranges are min–max over runs.",
        "",
        f"**Targets** (at {big} tablets): throughput at least {TARGET_RATIO:.0%} of the floor's; submit p95 under"
        f" {TARGET_SUBMIT_P95_MS} ms.",
        "",
        "| | |",
        "|---|---|",
        f"| Date | {settings['date']} |",
        f"| Machine | {machine()} |",
        f"| Disk | workspace on {settings['fs']} |",
        f"| Command | {settings['command']} |",
        f"| Code | {settings['code']} |",
        f"| Time taken | {settings['elapsed']:.0f} s |",
        f"| Other load | 1-minute load average {settings['load'][0]:.1f} at the start, {settings['load'][1]:.1f} at the end"
        f" ({os.cpu_count()} cores; the machine is shared, so figures move between runs) |",
        "",
        "| Measurement | " + " | ".join(f"{n} tablet{'s' if n > 1 else ''}" for n in ns) + " |",
        "|---|" + "---:|" * len(ns),
        row("Collector throughput, responses/s (range)", lambda n: f"{fmt(tp[n], 2)}{rng(cap[n], 'throughput')}"),
        row("Floor throughput, responses/s (range)", lambda n: f"{fmt(ftp[n], 2)}{rng(flo[n], 'throughput')}"),
        row("**Collector / floor throughput**", lambda n: f"**{fmt(ratio[n], 3)}**"),
        row("Collector page GET p50 / p95 / p99, ms", lambda n: " / ".join(fmt(m(cap[n], "get", i)) for i in range(3))),
        row("Collector submit p50 / p95 / p99, ms", lambda n: " / ".join(fmt(m(cap[n], "submit", i)) for i in range(3))),
        row("Collector page POST (next) p95, ms", lambda n: fmt(m(cap[n], "next95"))),
        row("Floor page GET p50 / p95 / p99, ms", lambda n: " / ".join(fmt(m(flo[n], "get", i)) for i in range(3))),
        row("Floor submit p50 / p95 / p99, ms", lambda n: " / ".join(fmt(m(flo[n], "submit", i)) for i in range(3))),
        row("Collector server CPU per response, ms", lambda n: fmt(cpu[n])),
        row("Floor server CPU per response, ms", lambda n: fmt(fcpu[n])),
        row("Load generator CPU per collector response, ms", lambda n: fmt(m(cap[n], "client_cpu_ms"))),
        row("Collector peak RSS (VmHWM), MB", lambda n: fmt(m(cap[n], "rss"))),
        row("Floor peak RSS (VmHWM), MB", lambda n: fmt(m(flo[n], "rss"))),
        row("Responses completed / stored (all runs)", lambda n: f"{sum(r['completed'] for r in cap[n])} / {sum(r['stored'] for r in cap[n])}"),
        row("Tablets served in the measured window, collector / floor (fewest in a run)",
            lambda n: f"{min(r['served'] for r in cap[n])} / {min(r['served'] for r in flo[n])}"),
        "",
        "| Start-up, `collector serve` to first GET / | Median of " + str(settings["startup_runs"]) + " |",
        "|---|---:|",
    ]
    for nforms, runs in startup.items():
        lines.append(f"| {nforms} form{'s' if nforms > 1 else ''} | {med(runs):.2f} s ({', '.join(f'{v:.2f}' for v in runs)}) |")
    lines += ["", startup_note({k: med(v) for k, v in startup.items()})]

    # How cost grows with N.
    lo, hi = ns[0], ns[-1]
    cpu_growth = cpu[hi] / cpu[lo] if cpu[lo] else float("nan")
    linear = 0.75 <= cpu_growth <= 1.33
    cycle = {n: n / tp[n] if tp[n] else float("nan") for n in ns}
    lines += [
        "",
        "## How cost grows with the number of tablets",
        "",
        f"Server CPU per response is {fmt(cpu[lo])} ms with {lo} tablet and {fmt(cpu[hi])} ms with {hi} tablets"
        f" ({fmt(cpu_growth, 2)}×"
        + (f"; it served at most {max(r['served'] for r in cap[hi])} of the {hi}, see Targets"
           if min(r["served"] for r in cap[hi]) < hi else "")
        + "): "
        + ("the work per response is roughly constant, so total cost grows linearly with the number of"
           " responses." if linear else
           ("each response costs more as tablets are added, so cost grows faster than linearly with load"
            " (contention: GIL hand-offs, SQLite lock retries, busier threads)." if cpu_growth > 1 else
            "each response costs less as tablets are added (fixed costs are shared), so cost grows less than"
            " linearly.")),
        f"Throughput goes {', '.join(fmt(tp[n], 1) for n in ns)} responses/s for {', '.join(map(str, ns))} tablets"
        + (": it does not grow with more tablets, because the server's CPU is already saturated, so each tablet"
           " waits longer instead." if tp[ns[1]] < 1.3 * tp[lo] else
           ": it grows until the server's CPU is saturated, then each tablet waits longer instead.")
        +
        f" A whole response then takes about N / throughput = {', '.join(fmt(cycle[n], 2) + ' s' for n in ns)}"
        " per tablet, growing linearly with N (Little's law); page latency grows with it.",
        f"The floor: {', '.join(fmt(ftp[n], 1) for n in ns)} responses/s and"
        f" {', '.join(fmt(fcpu[n]) for n in ns)} ms of server CPU per response for the same numbers of tablets.",
        "",
        "## Targets",
        "",
        f"- Throughput at {big} tablets ≥ {TARGET_RATIO:.0%} of the floor: **{'met' if ratio_ok else 'NOT MET'}**"
        f" ({fmt(ratio[big], 3)} of the floor)."
        + (f" At {ns[1]} tablets the collector reaches {fmt(ratio[ns[1]], 2)} of the floor." if ratio[ns[1]] < TARGET_RATIO else ""),
        f"- Submit p95 at {big} tablets < {TARGET_SUBMIT_P95_MS} ms, saturated (no think time):"
        f" **{'met' if p95_ok else 'NOT MET'}** ({fmt(sub95[big], 0)} ms; the floor's own: {fmt(m(flo[big], 'submit', 1), 0)} ms).",
    ]
    if paced_runs and big in paced_runs[0]:
        p95 = paced.submit_p95(paced_runs[0][big])
        lines.append(f"- Submit p95 at {big} tablets < {TARGET_SUBMIT_P95_MS} ms, paced ({paced.THINK[0]:g}–{paced.THINK[1]:g} s"
                     f" pauses, see below): **{paced.verdict(p95, TARGET_SUBMIT_P95_MS)}** ({fmt(p95, 0)} ms).")
    if ns[-1] > big and min(r["served"] for r in cap[ns[-1]]) < ns[-1]:
        worst = min(r["served"] for r in cap[ns[-1]])
        lines.append(f"- At {ns[-1]} tablets the collector served only {worst} of them in the measured window"
                     + (": waitress's connection limit (100, the default, in `collector serve`) stopped it accepting"
                        " connections, and the tablets it had accepted kept theirs open; the others waited until the"
                        f" window closed. Its figures at {ns[-1]} tablets are for those it served."
                        if any(r["connection_limit"] for r in cap[ns[-1]]) else "."))
    lines += ["", "## What limits capture", ""] + limits(cap, flo, tp, cpu, fcpu, diag, profile, settings)
    if paced_runs:
        lines += [""] + paced.section(*paced_runs, settings, TARGET_SUBMIT_P95_MS, big)
    lines += ["", "## Checks", ""]
    lines += [f"- {c}" for c in checks] if checks else ["- Every run: no request failed, and the store held exactly the responses the tablets completed."]
    lines += [f"- Warning: {w}." for w in warnings]
    return "\n".join(lines) + "\n"


def limits(cap, flo, tp, cpu, fcpu, diag, profile, settings):
    """Bullet points on what bounds the collector, from this run's figures and an in-process profile."""
    ns = TABLETS
    lo, hi = ns[0], TARGET_TABLETS
    sql, shares = profile["sql"], profile["shares"]
    get95 = med([r["get"][1] for r in cap[hi]])
    next95 = med([r["next95"] for r in cap[hi]])
    sub95 = med([r["submit"][1] for r in cap[hi]])
    out = [
        f"- **CPU in one Python process.** The collector spends {fmt(cpu[lo])} ms of server CPU per response"
        f" with one tablet, {fmt(cpu[lo] / fcpu[lo], 1) if fcpu[lo] else 'n/a'}× the floor's {fmt(fcpu[lo])} ms."
        f" waitress runs every request in one process, so the GIL lets it use about one core: at most"
        f" ~{fmt(1000 / cpu[lo], 0)} responses/s, whatever the number of threads or tablets."
        + (f" It already reaches {fmt(tp[lo], 1)}/s with one tablet, so it is CPU-bound from the start;"
           " more tablets only queue." if tp[lo] >= 0.7 * 1000 / cpu[lo] else
           f" With one tablet it reaches {fmt(tp[lo], 1)}/s."),
        f"- **Contention makes each response dearer.** Server CPU per response rises to {fmt(cpu[hi])} ms at"
        f" {hi} tablets (the floor: {fmt(fcpu[lo])} → {fmt(fcpu[hi])} ms): {settings['threads']} threads take turns"
        " on the GIL, and every time a thread lets go of it (a SQLite call, a socket read or write) another takes it:"
        " a futex wake and a context switch each (`perf` showed a third of the collector's CPU in the kernel at 50"
        " tablets, mostly switching). The store's writers take turns on a lock of the process's own, each woken as"
        " soon as the one before has committed, instead of sleeping in SQLite's busy handler.",
        "- **Letting go of the GIL less** (measured by hand on 2026-11-22 with a `perf probe` on CPython's"
        " `PyEval_SaveThread`, counted over a few hundred responses). Python's sqlite3 lets go of the GIL for every"
        " column of every row it reads, and `secrets.choice` drew from the system's randomness once or more for each"
        " of a reference's 8 letters. Now drafts are kept as the write stored them without reading the row back, the"
        " thank-you page reads three columns, a reference is one draw, and a session's CSRF token is signed once"
        " (collector/csrf.py). In process (the test client, no sockets) the collector let go 205 times a response,"
        " now 119. Under waitress with one tablet it now lets go about 230 times a response, the floor about 200:"
        " the store's 24 statements a response (each lets go about four times) and waitress's socket calls, much as"
        " for the floor. An A/B at 50 tablets went from 69 to 81 responses/s (server CPU 14.2 → 12.3 ms a response).",
        f"- **Where the CPU goes** (in-process profile of {profile['count']} responses through Flask's test client,"
        f" {fmt(shares['ms_per_response'])} ms of CPU each under cProfile): rendering templates {shares['render']:.0%},"
        f" SQLite calls {shares['sqlite']:.0%}, checking answers (`forms.clean_answers`) {shares['clean_answers']:.0%}."
        " Pages are drawn once and filled in (collector/frames.py: the intro, a first look at each page, the"
        " thank-you page), a page view after Next reuses the check the save made, and drafts are kept in memory as"
        " stored, so a page view reads nothing from SQLite. What is left is spread thin: Flask's own work per"
        " request, CSRF tokens, sessions, the answers as JSON, security headers.",
        f"- **SQL per response: {sql['statements']:.0f} statements, {sql['commits']:.0f} durable commits.**"
        + (f" {sql['schema_lookups']:.0f} are `select name from sqlite_master` table-existence checks made by"
           " sqlite-utils (`rows_where`, `insert`) on every call." if sql["schema_lookups"] else "")
        + " Every durable commit is an fsync and waits for SQLite's"
        f" single write lock. At {hi} tablets: page GET p95 {fmt(get95)} ms, Next POST p95"
        f" {fmt(next95)} ms, submit p95 {fmt(sub95)} ms. "
        + ("Writes, not page views, make the tail." if sub95 > 1.25 * get95 else
           "Page views wait about as long as writes: the tail is the queue for the one busy core, not the disk."),
    ]
    out.append(
        f"- **Saves go first.** `collector serve` hands a waiting request that saves answers (a POST) to the next"
        f" free thread before the page views waiting with it (collector/serving.py; after {serving.SAVES_IN_A_ROW}"
        f" saves in a row a waiting page view goes next). The queue for the busy core does not shrink, it moves: at"
        f" {hi} tablets submit p95 {fmt(sub95)} ms and Next POST p95 {fmt(next95)} ms, page GET p95 {fmt(get95)} ms."
        " The floor runs on the same server, so it does the same.")
    if diag:
        d_tp = med([r["throughput"] for r in diag])
        d_sub = med([r["submit"][1] for r in diag])
        d_cpu = med([r["server_cpu_ms"] for r in diag])
        c_sub = med([r["submit"][1] for r in cap[hi]])
        out.append(
            f"- **Other thread counts.** With `collector settings set threads {settings['diag_threads']}` and {hi} tablets:"
            f" {fmt(d_tp, 2)} responses/s ({settings['threads']} threads: {fmt(tp[hi], 2)}), submit p95 {fmt(d_sub, 0)} ms"
            f" ({settings['threads']} threads: {fmt(c_sub, 0)} ms), {fmt(d_cpu)} ms CPU per response"
            f" (medians of {len(diag)} runs)."
            + (f" {settings['diag_threads']} threads do as well or better here." if d_tp >= 0.9 * tp[hi] and d_sub < c_sub else
               f" On this 2-core machine {'more' if settings['diag_threads'] > settings['threads'] else 'fewer'}"
               " threads add contention, not capacity."))
    out.append(
        "- **waitress's event loop spun while threads sent** (found and mended on 2026-11-22; figures measured by"
        " hand that day, one round each, with `floor_app.py --stock-waitress`). waitress's one event-loop thread"
        " asks every connection on every turn whether it has output to send; while a request's thread was in the"
        " middle of sending, stock waitress said yes, found it could not take the connection's lock, and went"
        " round again at once, holding the GIL the sending thread needed. Each turn costs more with more"
        " connections: at 200 tablets the loop took 95% of a core (about 165 turns a request) and request"
        " threads starved. On stock waitress the floor made 43 responses/s at 50 tablets and 0.15/s at 200,"
        " against 129 at 10 (in the full run before), and the collector none at 200. `QuietChannel` (collector/serving.py) leaves such a"
        " connection out of the loop's turn; its thread wakes the loop when it leaves output unsent. With it the"
        " floor made 132 responses/s at 50 tablets and 129 at 200, the collector 58 and 50 (before this"
        " session's page frames and kept drafts). Earlier versions of this page put the floor's slowdown at 50"
        " tablets down to a GIL convoy around SQLite's lock; it was this loop.")
    out.append("- Run `.venv/bin/python bench/profile_capture.py` for the full profile.")
    return out


# --only NAME: one sub-benchmark, its section rewritten; the figures kept (where the module
# can write its section again from them) in a file under the system's temporary folder.
# (export.run keeps its own figures, in every run.)
ONLY = {"printing": (printing_bench, printing_bench.SAVED), "export": (export_bench, None),
        "sync": (sync_bench, sync_bench.SAVED)}


def run_only(name, out):
    bench, saved = ONLY[name]
    run_alone(bench, name, out, f"`.venv/bin/python bench/run.py --only {name}`", saved=saved, machine=machine())


def main():
    parser = argparse.ArgumentParser(description="Collector benchmark; writes docs/performance.md.")
    parser.add_argument("--repeats", type=int, default=3, help="runs per measurement (median is quoted)")
    parser.add_argument("--warm", type=float, default=2.0, help="unmeasured seconds at the start of each run")
    parser.add_argument("--duration", type=float, default=8.0, help="measured seconds per run")
    parser.add_argument("--diag-threads", type=int, default=16,
                        help=f"also run the collector with this many threads at {TARGET_TABLETS} tablets (0: skip)")
    parser.add_argument("--no-paced", action="store_true", help="skip the paced runs (tablets with think time)")
    parser.add_argument("--paced-runs", type=int, default=1, help="paced runs per number of tablets")
    parser.add_argument("--paced-duration", type=float, default=paced.DURATION, help="measured seconds per paced run")
    parser.add_argument("--startup-runs", type=int, default=3)
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--no-export", action="store_true",
                        help="skip the export benchmark (its section of the report is kept from the last run)")
    parser.add_argument("--no-printing", action="store_true",
                        help="skip the printing benchmark (its section of the report is kept from the last run)")
    parser.add_argument("--no-sync", action="store_true",
                        help="skip the sync benchmark (its section of the report is kept from the last run)")
    parser.add_argument("--only", choices=["printing", "export", "sync"],
                        help="run only this benchmark and rewrite only its section of the report")
    args = parser.parse_args()
    if args.only:
        run_only(args.only, args.out)
        return
    if not COLLECTOR:
        sys.exit("the collector command is not installed; run `make install`")

    began = time.perf_counter()
    load_before = os.getloadavg()[0]
    code = code_version()
    stamp = code_stamp()
    form = forms.load_form(EXAMPLE)
    pages, _clean = loadgen.plan(form)
    from collector.workspace import SETTING_NAMES

    threads = SETTING_NAMES["threads"].default
    scratch = Path(tempfile.mkdtemp(prefix="collector-bench-"))
    say(f"Form {form.id}: pages {[p[0] for p in pages]}, {sum(len(p[1]) for p in pages)} fields posted; server threads {threads}")
    cap = {n: [] for n in TABLETS}
    flo = {n: [] for n in TABLETS}
    startup = {1: [], 10: [], 100: []}
    diag = []
    paced_cap = {n: [] for n in paced.TABLETS}
    paced_flo = {n: [] for n in paced.TABLETS}
    checks = []  # failures: the run exits 1
    warnings = []  # doubts about the figures, reported but not failing

    def check(r, what):
        """Say a run's figures; note in checks whatever makes them untrustworthy."""
        say(f"{what}: {r['throughput']:6.2f}/s  GET p95 {fmt(r['get'][1])} ms  submit p95 {fmt(r['submit'][1])} ms  "
            f"cpu/resp {fmt(r['server_cpu_ms'])} ms  rss {fmt(r['rss'])} MB  completed {r['completed']} stored"
            f" {r['stored']} errors {r['errors']} served {r['served']}/{r['tablets']}")
        problems = []
        if r["stored"] != r["completed"]:
            problems.append(f"MISMATCH ({what}): the tablets completed {r['completed']} responses but the store holds {r['stored']}")
        if r["errors"]:
            problems.append(f"{r['errors']} failed requests ({what}): {r['error_samples'][:2]}")
        if r["served"] < r["tablets"]:
            problems.append(f"only {r['served']} of {r['tablets']} tablets had a request answered in the measured window ({what})"
                            + ("; the server logged that it reached waitress's connection limit" if r["connection_limit"] else ""))
        for msg in problems:
            say("!" * 72 + "\n" + msg + "\n" + "!" * 72)
            checks.append(f"**{msg}**")

    try:
        for rep in range(args.repeats):
            for n in TABLETS:
                for kind, runs in (("collector", cap), ("floor", flo)):
                    warm, duration = window(n, args.warm, args.duration)
                    if kind == "collector":
                        r = capture_run(n, pages, form, warm, duration, scratch)
                    else:
                        r = floor_run(n, pages, form, threads, warm, duration, scratch)
                    runs[n].append(r)
                    check(r, f"run {rep + 1}/{args.repeats} {kind}, {n} tablets")
            if args.diag_threads:
                r = capture_run(TARGET_TABLETS, pages, form, args.warm, args.duration, scratch, threads=args.diag_threads)
                diag.append(r)
                check(r, f"run {rep + 1}/{args.repeats} collector, {TARGET_TABLETS} tablets, threads={args.diag_threads}")
        for rep in range(0 if args.no_paced else args.paced_runs):
            for n in paced.TABLETS:
                r = capture_run(n, pages, form, paced.WARM, args.paced_duration, scratch, think=paced.THINK)
                paced_cap[n].append(r)
                check(r, f"paced run {rep + 1}/{args.paced_runs} collector, {n} tablets")
                r = floor_run(n, pages, form, threads, paced.WARM, args.paced_duration, scratch, think=paced.THINK)
                paced_flo[n].append(r)
                check(r, f"paced run {rep + 1}/{args.paced_runs} floor, {n} tablets")
        for _ in range(args.startup_runs):
            for nforms in startup:
                seconds = startup_run(nforms, scratch)
                startup[nforms].append(seconds)
                say(f"start-up with {nforms:3} forms: {seconds:.2f} s")
        exports = None if args.no_export else export_bench.run(scratch)
        printed = None if args.no_printing else printing_bench.run(scratch)
        synced = None if args.no_sync else sync_bench.run(scratch)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    after = code_stamp()
    changed = sorted(f for f in set(stamp) | set(after) if stamp.get(f) != after.get(f))
    if changed or code_version() != code:
        shown = ", ".join(f"`{f}`" for f in changed[:6]) + (f" and {len(changed) - 6} more" if len(changed) > 6 else "")
        msg = ("files in collector/ or forms/ changed while the benchmark ran (" + (shown or "a new commit")
               + "): later runs may have measured different code")
        say("!! " + msg)
        warnings.append(msg)
    import profile_capture

    profile = {"count": 30, "sql": profile_capture.sql_counts(10), "shares": profile_capture.cpu_breakdown(30)}
    say(f"in-process profile: {profile}")

    settings = {
        "threads": threads, "pages": pages, "warm": args.warm, "duration": args.duration,
        "repeats": args.repeats, "startup_runs": args.startup_runs,
        "date": datetime.date.today().isoformat(), "fs": filesystem(tempfile.gettempdir()),
        "elapsed": time.perf_counter() - began, "diag_threads": args.diag_threads, "code": code,
        "paced_warm": paced.WARM, "paced_duration": args.paced_duration, "load": (load_before, os.getloadavg()[0]),
        # `make bench` runs bench/run.py with no options; anything else is named as it was run.
        "command": "`make bench`" if len(sys.argv) == 1 else f"`.venv/bin/python bench/run.py {' '.join(sys.argv[1:])}`",
    }
    paced_runs = None if args.no_paced else (paced_cap, paced_flo)
    text = report(cap, flo, startup, settings, checks, diag, profile, warnings, paced_runs)
    if exports:
        text = export_bench.replace_section(text, export_bench.section(exports, machine=machine()))
    elif args.out.exists():
        text = export_bench.replace_section(text, export_bench.kept_section(args.out.read_text(encoding="utf-8")))
    # After the export section is in place: the printing section goes just before it.
    if printed:
        text = printing_bench.replace_section(text, printing_bench.section(printed, machine=machine(), command=settings["command"]))
    elif args.out.exists():
        text = printing_bench.replace_section(text, printing_bench.kept_section(args.out.read_text(encoding="utf-8")))
    # The sync section goes just before the export section too, after the printing section.
    if synced:
        text = sync_bench.replace_section(text, sync_bench.section(synced, machine=machine(), command=settings["command"]))
    elif args.out.exists():
        text = sync_bench.replace_section(text, sync_bench.kept_section(args.out.read_text(encoding="utf-8")))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    say(f"\nWrote {args.out} in {settings['elapsed']:.0f} s")
    say(text)
    if checks:
        say("\nSOME CHECKS FAILED: see above and the Checks section of the report.")
        sys.exit(1)


if __name__ == "__main__":
    main()
