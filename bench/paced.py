"""Paced tablets: the capture benchmark with people's pauses, beside the saturated one.

The saturated runs (bench/run.py) send each request as soon as the last is
answered: the most a server can be asked, but not an event. There, 50 tablets
are 50 closed loops with no think time, so every request queues behind the
others and latency is the queue (Little's law: about tablets × CPU per request),
on the collector and the floor alike. Here each tablet pauses as a person
does: before every POST (reading and answering the page; before Start, reading
the introduction) and between responses (the tablet handed on), for a time drawn
evenly from THINK seconds. The parks form says it takes about 10 minutes; with
these pauses a response takes about 70 s (7 pauses of 10 s on average), so the
load is still several times an event's. Latency is then what one person waits
for one page.

Run by bench/run.py unless `--no-paced`; this module only holds the settings
and writes the section of the report.
"""

import statistics

THINK = (5.0, 15.0)  # seconds a tablet pauses before each POST and between responses
TABLETS = (50, 200)
WARM = 10.0  # seconds before measuring: tablets start spread over the first pause
DURATION = 180.0  # measured seconds: about 2.5 responses a tablet


def _med(values):
    values = [v for v in values if v == v]
    return statistics.median(values) if values else float("nan")


def _fmt(value, digits=1):
    return "n/a" if value != value else f"{value:.{digits}f}"


def submit_p95(runs):
    """Median over runs of the submit p95, ms."""
    return _med([r["submit"][1] for r in runs])


def verdict(p95, target_ms):
    """'met', 'NOT MET', or 'not measured' when no submit fell in the window."""
    if p95 != p95:
        return "not measured (no submit in the window)"
    return "met" if p95 < target_ms else "NOT MET"


def section(cap, flo, settings, target_ms, target_tablets):
    """Markdown lines of the paced section: a table per number of tablets, collector and floor."""
    ns = sorted(cap)
    runs = len(next(iter(cap.values()), []))
    # A pause before Start, before each page's POST, and between responses.
    cycle = (len(settings["pages"]) + 2) * sum(THINK) / 2
    lines = [
        "## Paced tablets",
        "",
        f"The same requests as above, but each tablet pauses like a person: {THINK[0]:g}–{THINK[1]:g} s (evenly"
        " drawn) before every POST and between responses, and starts after a pause of up to"
        f" {THINK[1]:g} s so that tablets are not in step. A response then takes about {cycle:.0f} s, several times"
        " faster than the 10 minutes the parks form says it takes, so the load is heavier than an event's."
        f" Each run: {settings['paced_warm']:g} s warm-up, then {settings['paced_duration']:g} s measured; a tablet"
        " still paused when the window closes leaves its response unsent (it is not counted, and the store"
        f" must not hold it). {runs} run{'s' if runs != 1 else ''} each; medians quoted.",
        "",
        "| Measurement | " + " | ".join(f"{n} tablets" for n in ns) + " |",
        "|---|" + "---:|" * len(ns),
    ]

    def row(label, fn):
        lines.append(f"| {label} | " + " | ".join(fn(n) for n in ns) + " |")

    def m(runs_, key, index=None):
        return _med([(r[key][index] if index is not None else r[key]) for r in runs_])

    row("Collector submit p50 / p95 / p99, ms", lambda n: " / ".join(_fmt(m(cap[n], "submit", i)) for i in range(3)))
    row("Floor submit p50 / p95 / p99, ms", lambda n: " / ".join(_fmt(m(flo[n], "submit", i)) for i in range(3)))
    row("Collector page GET p50 / p95 / p99, ms", lambda n: " / ".join(_fmt(m(cap[n], "get", i)) for i in range(3)))
    row("Floor page GET p50 / p95 / p99, ms", lambda n: " / ".join(_fmt(m(flo[n], "get", i)) for i in range(3)))
    row("Collector page POST (next) p95, ms", lambda n: _fmt(m(cap[n], "next95")))
    row("Responses submitted in the window, per minute (collector / floor)",
        lambda n: f"{_fmt(m(cap[n], 'throughput') * 60, 0)} / {_fmt(m(flo[n], 'throughput') * 60, 0)}")
    row("Collector server CPU per response, ms (share of one core)",
        lambda n: f"{_fmt(m(cap[n], 'server_cpu_ms'))} ({_fmt(m(cap[n], 'server_cpu_ms') * m(cap[n], 'throughput') / 10, 1)}%)")
    row("Tablets served in the window (collector / floor)",
        lambda n: f"{min(r['served'] for r in cap[n])} / {min(r['served'] for r in flo[n])} of {n}")
    row("Failed requests (collector / floor, all runs)",
        lambda n: f"{sum(r['errors'] for r in cap[n])} / {sum(r['errors'] for r in flo[n])}")
    row("Responses completed / stored (collector, all runs)",
        lambda n: f"{sum(r['completed'] for r in cap[n])} / {sum(r['stored'] for r in cap[n])}")

    lines += ["", "- CPU per response is higher than in the saturated runs for two reasons: it is the server's CPU over the"
              " whole run divided by the responses completed, and here each tablet's last response is cut off when the"
              " window closes (its pages served, its submit never sent), where saturated tablets finish theirs; and a"
              " request that finds the server idle costs more than one in a busy stream (cold caches: about a third"
              " more, measured by hand while writing this benchmark; an idle server with open connections uses no"
              " CPU). At this pace the share of one core is the figure that matters."]
    for n in ns:
        starved = [r for r in cap[n] if r["served"] < n or r["errors"]]
        if not starved:
            continue
        worst = min(starved, key=lambda r: r["served"])
        cause = (" `collector serve` runs waitress with its default connection limit of 100 (in"
                 " `collector/cli.py`) and logged that it stopped accepting connections: every tablet keeps its"
                 " connection open between pages, as browsers do, so tablets beyond about 100 wait for a slot"
                 " to free, often past their 30 s request timeout." if any(r["connection_limit"] for r in starved) else "")
        lines.append(f"- **At {n} paced tablets the collector did not serve every tablet**: {worst['served']} of {n} had a"
                     f" request answered in the window, {sum(r['errors'] for r in cap[n])} requests failed, and it"
                     f" completed {sum(r['completed'] for r in cap[n])} responses to the floor's"
                     f" {sum(r['completed'] for r in flo[n])}.{cause}"
                     " The floor, given room for 1,000 connections, served "
                     f"{min(r['served'] for r in flo[n])} of {n}.")
    if target_tablets in cap:
        p95 = submit_p95(cap[target_tablets])
        lines.append(f"- At {target_tablets} paced tablets the collector's submit p95 is {_fmt(p95, 0)} ms: the target"
                     f" (< {target_ms} ms) is **{verdict(p95, target_ms)}** for tablets used as people"
                     " use them.")
    return lines
