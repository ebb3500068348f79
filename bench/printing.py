"""Printing benchmark: 1, 100 and 1,000 numbered copies of the parks example, against a reportlab floor.

Each run is its own Python process (`bench/printing.py --child ...`), so that its
peak memory (VmHWM from /proc/self/status, read by the child at its end) is its
own. The child loads what it needs, then times only the drawing:

- collector: printouts.paper.render_paper_form(parks, serials=["BEN-000001", ...]);
- floor: a plain reportlab Canvas that draws, for the same number of pages, the
  same content without our layout or measuring: the text lines of one rendered
  copy (extracted page by page with pdfplumber, once per benchmark run) at fixed
  y positions, the same number of rectangles, lines and curves per page, and a
  QR code widget for the serial on every page, with the same fonts (DejaVu Sans
  TTF, regular and bold) registered.

Pages are counted in the PDF each produced (its `/Type /Page` objects).
Medians of 3 runs for 1 and 100 copies, one run for 1,000. Run by bench/run.py
(`make bench`, or `.venv/bin/python bench/run.py --only printing`), or alone:
`.venv/bin/python bench/printing.py`, which replaces only the printing section
of docs/performance.md.
"""

import io
import json
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))

COPIES = (1, 100, 1000)
REPEATS = {1: 3, 100: 3, 1000: 1}
EXAMPLE = ROOT / "forms" / "examples" / "parks.yaml"
OUT = ROOT / "docs" / "performance.md"
HEADING = "## Printing"
NEXT_HEADING = "## Exports"  # the printing section goes just before it (export.py owns everything after it)
PAGE = re.compile(rb"/Type\s*/Page\b(?!s)")


def say(text):
    print(text, flush=True)


def serials(n):
    return [f"BEN-{i:06d}" for i in range(1, n + 1)]


def vmhwm_mb():
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def count_pages(pdf):
    return len(PAGE.findall(pdf))


# -- children ---------------------------------------------------------------------------------


def child_collector(n):
    import forms
    from printouts.paper import render_paper_form

    form = forms.load_form(EXAMPLE)
    copies = serials(n)
    start = time.perf_counter()
    pdf = render_paper_form(form, serials=copies)
    return time.perf_counter() - start, pdf


def child_floor(n, spec_path):
    from reportlab.graphics import renderPDF
    from reportlab.graphics.barcode.qr import QrCodeWidget
    from reportlab.graphics.shapes import Drawing
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen.canvas import Canvas

    spec = json.loads(Path(spec_path).read_text(encoding="utf-8"))
    pdfmetrics.registerFont(TTFont("FloorSans", spec["regular"]))
    pdfmetrics.registerFont(TTFont("FloorSans-Bold", spec["bold"]))
    size = tuple(spec["size"])
    qr = spec["qr"]
    copies = serials(n)
    start = time.perf_counter()
    out = io.BytesIO()
    c = Canvas(out, pagesize=size, invariant=1)
    for serial in copies:
        for page in spec["pages"]:
            widget = QrCodeWidget(serial, barLevel="M", barBorder=2)
            x0, y0, x1, y1 = widget.getBounds()
            drawing = Drawing(qr, qr, transform=[qr / (x1 - x0), 0, 0, qr / (y1 - y0), 0, 0])
            drawing.add(widget)
            renderPDF.draw(drawing, c, size[0] - 18 * mm - qr, size[1] - 18 * mm - qr)
            c.setFont("FloorSans-Bold", 10)
            c.drawRightString(size[0] - 45 * mm, size[1] - 30 * mm, f"Serial {serial}")
            y = size[1] - 45 * mm
            c.setFont("FloorSans", 10)
            for text in page["text"]:
                c.drawString(18 * mm, y, text)
                y -= 12
                if y < 18 * mm:
                    y = size[1] - 45 * mm
            c.setLineWidth(0.8)
            for k in range(page["rects"]):
                c.rect(18 * mm + (k % 20) * 25, 20 * mm + (k // 20) * 25, 10, 10, stroke=1, fill=0)
            for k in range(page["lines"]):
                c.line(18 * mm, 15 * mm + k * 4, size[0] - 18 * mm, 15 * mm + k * 4)
            for k in range(page["curves"]):
                c.circle(size[0] / 2, 30 * mm + k * 8, 3, stroke=1, fill=0)
            c.showPage()
    c.save()
    return time.perf_counter() - start, out.getvalue()


def child(kind, n, spec_path=None):
    """In the child process: draw, then print one line of JSON with the figures."""
    seconds, pdf = child_collector(n) if kind == "collector" else child_floor(n, spec_path)
    print(json.dumps({"seconds": seconds, "pages": count_pages(pdf), "bytes": len(pdf), "peak_mb": vmhwm_mb()}))


# -- parent -----------------------------------------------------------------------------------


def floor_spec(scratch):
    """What one numbered copy holds, page by page (text lines, rects, lines, curves), as a JSON file for the floor."""
    import forms
    import pdfplumber
    from printouts.layout import FONT_DIR, STANDARD, page_size
    from printouts.paper import render_paper_form

    pdf = render_paper_form(forms.load_form(EXAMPLE), serials=["BEN-000001"])
    w, h = page_size("a4")
    # The QR code's box (pdfplumber measures "top" and "bottom" from the top of the page).
    qr_box = (w - STANDARD.margin - STANDARD.qr - 1, STANDARD.margin - 1, w - STANDARD.margin + 1,
              STANDARD.margin + STANDARD.qr + 1)
    pages = []
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        for page in doc.pages:
            # The QR code's modules are rects too; the floor draws its own QR code.
            rects = [r for r in page.rects if not (r["x0"] >= qr_box[0] and r["top"] >= qr_box[1]
                                                   and r["x1"] <= qr_box[2] and r["bottom"] <= qr_box[3])]
            lines = (page.extract_text() or "").splitlines()
            lines = [t for t in lines if not t.startswith("Serial ")]  # the floor prints the serial itself
            pages.append({"text": lines, "rects": len(rects), "lines": len(page.lines), "curves": len(page.curves)})
    spec = {"regular": str(Path(FONT_DIR) / "DejaVuSans.ttf"), "bold": str(Path(FONT_DIR) / "DejaVuSans-Bold.ttf"),
            "size": [w, h], "qr": STANDARD.qr, "pages": pages}
    for font in (spec["regular"], spec["bold"]):
        if not Path(font).exists():
            raise RuntimeError(f"{font} is missing: the benchmark needs DejaVu Sans, as the paper form does")
    path = Path(scratch) / "floor-spec.json"
    path.write_text(json.dumps(spec), encoding="utf-8")
    return path, spec


def measure(kind, n, spec_path):
    args = [sys.executable, str(Path(__file__).resolve()), "--child", kind, str(n)] + ([str(spec_path)] if kind == "floor" else [])
    start = time.perf_counter()
    done = subprocess.run(args, capture_output=True, text=True, timeout=900)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"printing bench child {kind} {n} failed: {done.stderr[-1500:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["wall"] = wall
    return result


def qr_ms(count=100):
    """Milliseconds to build and draw one serial's QR code widget on a page, as both the form and the floor do."""
    from reportlab.graphics import renderPDF
    from reportlab.graphics.barcode.qr import QrCodeWidget
    from reportlab.graphics.shapes import Drawing
    from reportlab.pdfgen.canvas import Canvas

    c, side = Canvas(io.BytesIO()), 62
    start = time.perf_counter()
    for serial in serials(count):
        widget = QrCodeWidget(serial, barLevel="M", barBorder=2)
        x0, y0, x1, y1 = widget.getBounds()
        drawing = Drawing(side, side, transform=[side / (x1 - x0), 0, 0, side / (y1 - y0), 0, 0])
        drawing.add(widget)
        renderPDF.draw(drawing, c, 400, 700)
        c.showPage()
    return (time.perf_counter() - start) / count * 1000


def run(scratch):
    """Every N, collector and floor; returns {"rows": [...], "spec": {...}, "elapsed": s}."""
    began = time.perf_counter()
    qr = qr_ms()
    spec_path, spec = floor_spec(scratch)
    per_copy = len(spec["pages"])
    rows = []
    for n in COPIES:
        runs = {"collector": [], "floor": []}
        for rep in range(REPEATS[n]):
            for kind in ("collector", "floor"):
                r = measure(kind, n, spec_path)
                runs[kind].append(r)
                say(f"printing bench: {kind:9} {n:>5} copies run {rep + 1}/{REPEATS[n]}: {r['pages']} pages in"
                    f" {r['seconds']:.2f} s ({r['pages'] / r['seconds']:.0f} pages/s), process {r['wall']:.2f} s,"
                    f" peak {r['peak_mb']:.0f} MB")
        if any(r["pages"] != n * per_copy for r in runs["collector"] + runs["floor"]):
            raise RuntimeError(f"page counts differ from {n} × {per_copy}: "
                               f"{[r['pages'] for r in runs['collector'] + runs['floor']]}")
        row = {"n": n, "pages": n * per_copy, "runs": len(runs["collector"])}
        for kind, rs in runs.items():
            row[kind] = {
                "seconds": statistics.median(r["seconds"] for r in rs),
                "wall": statistics.median(r["wall"] for r in rs),
                "peak_mb": statistics.median(r["peak_mb"] for r in rs),
                "mb": statistics.median(r["bytes"] for r in rs) / 1e6,
            }
            row[kind]["pps"] = row["pages"] / row[kind]["seconds"]
        rows.append(row)
    return {"rows": rows, "per_copy": per_copy, "elapsed": time.perf_counter() - began, "qr_ms": qr,
            "rects": sum(p["rects"] for p in spec["pages"]), "text": sum(len(p["text"]) for p in spec["pages"])}


def section(result, date=None, machine=None, command="`make bench`"):
    """The printing section of docs/performance.md (markdown, ending in a newline)."""
    import datetime

    if machine is None:
        from run import machine as machine_of  # noqa: PLC0415 (bench/run.py; bench/ is on sys.path there)

        machine = machine_of()
    rows = result["rows"]
    first, big = rows[0], rows[-1]
    mid = rows[1] if len(rows) > 2 else rows[0]
    per_page = {r["n"]: r["collector"]["seconds"] / r["pages"] * 1000 for r in rows}
    growth = per_page[big["n"]] / per_page[mid["n"]]
    linear = 0.8 <= growth <= 1.25
    ratio_big = big["collector"]["pps"] / big["floor"]["pps"]
    lines = [
        HEADING,
        "",
        "_Written by `make bench` (bench/printing.py, called from bench/run.py); `.venv/bin/python bench/printing.py`"
        " or `.venv/bin/python bench/run.py --only printing` rewrites this section alone._",
        "",
        f"`render_paper_form(parks, serials=[...])` for 1, 100 and 1,000 numbered copies of the parks example"
        f" ({result['per_copy']} A4 pages a copy), each run in its own Python process. Pages/s is pages produced"
        " (counted in the PDF) over the time of the drawing call alone, imports and loading the form left out;"
        " peak memory is the process's VmHWM at its end (Python, reportlab and the form included)."
        " The floor, in the same run and the same way, is a plain reportlab canvas drawing the same number of"
        f" pages with the same content at fixed positions and no layout: the text lines of one rendered copy"
        f" ({result['text']} lines over {result['per_copy']} pages, extracted with pdfplumber), the same number of"
        f" rectangles ({result['rects']} a copy: tick boxes, answer boxes, registration marks), lines and curves, and a"
        " QR code widget of the serial on every page, with DejaVu Sans (TTF) registered as ours is."
        f" Medians of {first['runs']} runs for 1 and 100 copies, {big['runs']} run for 1,000.",
        "",
        "| | |",
        "|---|---|",
        f"| Date | {date or datetime.date.today().isoformat()} |",
        f"| Machine | {machine} |",
        f"| Command | {command} |",
        f"| Time taken | {result['elapsed']:.0f} s |",
        "",
        "| Copies | Pages | Collector pages/s | Floor pages/s | Collector / floor | Collector peak MB | Floor peak MB"
        " | Collector s (process s) | PDF MB |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        c, f = r["collector"], r["floor"]
        lines.append(f"| {r['n']:,} | {r['pages']:,} | {c['pps']:.0f} | {f['pps']:.0f} | **{c['pps'] / f['pps']:.2f}**"
                     f" | {c['peak_mb']:.0f} | {f['peak_mb']:.0f} | {c['seconds']:.2f} ({c['wall']:.2f}) | {c['mb']:.1f} |")
    mem_growth = big["collector"]["peak_mb"] - first["collector"]["peak_mb"]
    floor_growth = big["floor"]["peak_mb"] - first["floor"]["peak_mb"]
    lines += [
        "",
        f"The collector draws {big['collector']['pps']:.0f} pages/s at {big['n']:,} copies, {ratio_big:.2f}× the floor's"
        f" {big['floor']['pps']:.0f}: {'the layout costs little beyond reportlab drawing itself' if ratio_big >= 0.7 else 'what is left over the floor is our layout and measuring (text wrapping, pagination, per-row painting)'}."
        f" Time per page is {per_page[first['n']]:.1f} ms for one copy (the one-off layout of the form included),"
        f" {per_page[mid['n']]:.1f} ms at {mid['n']:,} and {per_page[big['n']]:.1f} ms at {big['n']:,} copies"
        f" ({growth:.2f}× from {mid['n']:,} to {big['n']:,}): "
        + ("the form is laid out once and every copy costs the same, so time grows linearly with the number of copies."
           if linear else
           ("each page costs more as copies are added, so time grows faster than linearly." if growth > 1 else
            "each page costs less as copies are added (the one-off layout is shared), so time grows less than linearly."))
        + f" Memory is not flat: the whole PDF is built in memory and returned as bytes, so peak memory rises"
        f" by {mem_growth:.0f} MB from 1 to {big['n']:,} copies (a {big['collector']['mb']:.0f} MB PDF; reportlab keeps every"
        f" page's stream until `save()`); the floor's rises by {floor_growth:.0f} MB the same way."
        f" Most of both is the QR code: building and drawing one serial's QR widget takes {result['qr_ms']:.1f} ms"
        f" (measured in this run), {result['qr_ms'] / per_page[big['n']]:.0%} of the collector's time per page, and it is"
        f" rebuilt on each of a copy's {result['per_copy']} pages; drawing it once per copy as a reusable PDF form"
        " (`beginForm`/`doForm`) would cut most of that, in the collector and the floor alike.",
    ]
    return "\n".join(lines) + "\n"


def _bounds(text):
    """(start, end) of the printing section in a report, or None."""
    at = text.find("\n" + HEADING + "\n")
    if at < 0:
        return None
    nxt = text.find("\n## ", at + 1)
    return at + 1, (nxt + 1 if nxt >= 0 else len(text))


def kept_section(text):
    """The printing section of a report, or '' when it has none."""
    b = _bounds(text)
    return text[b[0]:b[1]] if b else ""


def replace_section(text, new):
    """A report with its printing section replaced by new; without one, new goes before the export section (or at the end)."""
    if not new:
        return text
    new = new.rstrip("\n") + "\n"
    b = _bounds(text)
    if b:
        tail = text[b[1]:]
        return text[:b[0]] + new + ("\n" + tail if tail else "")
    at = text.find("\n" + NEXT_HEADING + "\n")
    if at >= 0:
        return text[:at + 1] + new + "\n" + text[at + 1:]
    return text.rstrip("\n") + "\n\n" + new


def main():
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        child(*sys.argv[2:3], int(sys.argv[3]), *sys.argv[4:5])
        return
    sys.path.insert(0, str(BENCH))
    scratch = Path(tempfile.mkdtemp(prefix="collector-printing-bench-"))
    try:
        result = run(scratch)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    text = section(result, command="`.venv/bin/python bench/printing.py`")
    OUT.write_text(replace_section(OUT.read_text(encoding="utf-8") if OUT.exists() else "# Performance\n", text), encoding="utf-8")
    Path(tempfile.gettempdir(), "collector-printing-bench.json").write_text(json.dumps(result), encoding="utf-8")
    say(f"\nWrote the printing section of {OUT} in {result['elapsed']:.0f} s\n")
    say(text)


if __name__ == "__main__":
    main()
