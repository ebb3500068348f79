"""What the sub-benchmarks share: running a command while watching its memory, filling a
store with made-up responses, and rewriting one section of docs/performance.md."""

import json
import os
import random
import shutil
import subprocess
import tempfile
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path


def say(text):
    print(text, flush=True)


def vmhwm_mb(pid):
    """A running process's peak resident set so far (VmHWM), in MB; None once it has gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def measure(args, stdout=None):
    """(seconds, peak MB, CPU seconds) of one command run to its end; raises if it fails.

    The peak is the process's own VmHWM, read every 10 ms until it exits (it only
    grows). Not ru_maxrss: Linux carries into it the size of the process that
    forked the child before it ran the command, this bench's own. CPU is the
    child's user and system time, which a busy machine disturbs less than wall time.
    """
    with tempfile.TemporaryFile() as errors:
        start = time.perf_counter()
        proc = subprocess.Popen(list(map(str, args)), stdout=stdout or subprocess.DEVNULL, stderr=errors,
                                stdin=subprocess.DEVNULL)
        peak = 0.0
        while True:
            seen = vmhwm_mb(proc.pid)
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            peak = max(peak, seen or 0.0)
            time.sleep(0.01)
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            errors.seek(0)
            said = errors.read().decode(errors="replace")[-1000:]
            raise RuntimeError(f"{' '.join(map(str, args))} failed ({proc.returncode}): {said}")
    return seconds, peak, usage.ru_utime + usage.ru_stime


def fill(store, form, device, start, count, pool):
    """Add count responses to the store, one every 3 seconds of a made-up consultation."""
    began = datetime(2026, 3, 1, tzinfo=timezone.utc)

    def records():
        for i in range(start, start + count):
            stamp = (began + timedelta(seconds=3 * i)).isoformat().replace("+00:00", "Z")
            yield {"id": str(uuid.UUID(int=random.getrandbits(128), version=4)), "form_id": form.id,
                   "form_version": form.version, "language": "en", "source": ("web", "kiosk", "paper")[i % 3],
                   "device_id": device, "started_at": stamp, "submitted_at": stamp, "answers": pool[i % len(pool)]}

    return store.bulk_insert_responses(records())


# -- one section of the report ------------------------------------------------------------


def about_run(date, machine, command, elapsed):
    """The lines of a section's small table saying when, where and how its figures were measured."""
    return ["| | |", "|---|---|", f"| Date | {date or datetime.now().date().isoformat()} |", f"| Machine | {machine} |",
            f"| Command | {command} |", f"| Time taken | {elapsed:.0f} s |"]


def _bounds(text, heading):
    """(start, end) of the section under heading in a report, or None."""
    at = text.find("\n" + heading + "\n")
    if at < 0:
        return None
    nxt = text.find("\n## ", at + 1)
    return at + 1, (nxt + 1 if nxt >= 0 else len(text))


def kept_section(text, heading):
    """The section under heading of a report, or '' when it has none."""
    b = _bounds(text, heading)
    return text[b[0]:b[1]] if b else ""


def replace_section(text, new, heading, before=None):
    """A report with its section under heading replaced by new; without one, new goes
    just before the section headed `before` when there is one, else at the end."""
    if not new:
        return text
    new = new.rstrip("\n") + "\n"
    b = _bounds(text, heading)
    if b:
        tail = text[b[1]:]
        return text[:b[0]] + new + ("\n" + tail if tail else "")
    at = text.find("\n" + before + "\n") if before else -1
    if at >= 0:
        return text[:at + 1] + new + "\n" + text[at + 1:]
    return text.rstrip("\n") + "\n\n" + new


def run_alone(bench, name, out, command, saved=None, **section_args):
    """Run one sub-benchmark (a module with run, section and replace_section) by itself in a
    scratch folder, keep its figures in saved (a file name under the system's temporary folder)
    when given, and rewrite its section of the report out. Returns the section's text."""
    scratch = Path(tempfile.mkdtemp(prefix=f"collector-{name}-bench-"))
    try:
        result = bench.run(scratch)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    if saved:
        Path(tempfile.gettempdir(), saved).write_text(json.dumps(result, default=str), encoding="utf-8")
    text = bench.section(result, command=command, **section_args)
    old = out.read_text(encoding="utf-8") if out.exists() else "# Performance\n"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(bench.replace_section(old, text), encoding="utf-8")
    say(f"\nWrote the {name} section of {out} in {result['elapsed']:.0f} s\n")
    return text
