"""The summary report's charts and tables, as rows the page layout can place.

Every chart is drawn with reportlab.graphics (a Drawing of Rects and Strings)
and one row per bar, so a very long list can still run on to the next page.
Counts and percentages are written beside every bar and inside every part of
a stacked bar that has room, and the stacked bars use shades of one colour
from light to dark, so a chart printed in black and white reads the same.
"""

from dataclasses import dataclass

from reportlab.graphics import renderPDF
from reportlab.graphics.shapes import Drawing, Line, Rect, String
from reportlab.lib import colors
from reportlab.lib.units import mm

from .layout import Row, baseline, width_of, wrap

BAR = colors.HexColor("#1f5f8b")
LIGHT = colors.HexColor("#dbe9f6")
DARK = colors.HexColor("#08306b")
RULE = colors.HexColor("#666666")
GAP = 3 * mm  # between a label and its bar, and between a bar and its figures
ROW_PAD = 1.6 * mm


@dataclass(frozen=True)
class Bar:
    label: str
    count: int
    text: str  # the figures written beside the bar, such as "23 (12%)"
    hidden: bool = False  # a suppressed count: no bar is drawn, only the words


class Pen:
    """The fonts and size every chart and table on the report is drawn with."""

    def __init__(self, font, bold, size, leading):
        self.font, self.bold, self.size, self.leading = font, bold, size, leading
        self.line = size * leading

    def width(self, text, bold=False):
        return width_of(text, self.bold if bold else self.font, self.size)

    def lines(self, text, width, bold=False):
        return wrap(text, self.bold if bold else self.font, self.size, width) or [""]


def _drawing_row(drawing):
    return Row(drawing.height, lambda c, x, top: renderPDF.draw(drawing, c, x, top - drawing.height))


def _strings(d, lines, x, top, pen, bold=False, fill=colors.black, anchor="start"):
    """Lines of text in a Drawing whose top line starts at top (drawing coordinates)."""
    for k, line in enumerate(lines):
        y = baseline(top - k * pen.line, pen.size, pen.leading)
        d.add(String(x, y, line, fontName=pen.bold if bold else pen.font, fontSize=pen.size,
                     fillColor=fill, textAnchor=anchor))


def bar_rows(bars, width, pen):
    """A horizontal bar chart: each label, then a bar as long as its count, then its figures."""
    if not bars:
        return []
    text_w = max(pen.width(b.text) for b in bars)
    label_w = min(max(pen.width(b.label) for b in bars) + 1, 0.42 * width)
    bar_room = max(width - label_w - text_w - 2 * GAP, 20 * mm)
    longest = max((b.count for b in bars if not b.hidden), default=0) or 1
    bar_h = pen.size * 1.05
    rows = []
    for bar in bars:
        lines = pen.lines(bar.label, label_w)
        h = max(len(lines) * pen.line, bar_h) + ROW_PAD
        d = Drawing(width, h)
        top = h - ROW_PAD / 2
        _strings(d, lines, 0, top, pen)
        x0 = label_w + GAP
        first = baseline(top, pen.size, pen.leading)
        length = 0 if bar.hidden else bar_room * bar.count / longest
        if length:
            d.add(Rect(x0, first - pen.size * 0.28, length, bar_h, fillColor=BAR, strokeColor=None))
        d.add(Line(x0, 0, x0, h, strokeColor=RULE, strokeWidth=0.6))
        d.add(String(x0 + length + (GAP if length else GAP / 2), first, bar.text,
                     fontName=pen.font, fontSize=pen.size))
        rows.append(_drawing_row(d))
    return rows


def shades(n):
    """n fills from light to dark in one colour: ordered in grey too, so black and white prints read."""
    if n == 1:
        return [BAR]
    out = []
    for k in range(n):
        t = k / (n - 1)
        out.append(colors.Color(*(a + (b - a) * t for a, b in zip(
            (LIGHT.red, LIGHT.green, LIGHT.blue), (DARK.red, DARK.green, DARK.blue)))))
    return out


def _ink_on(fill):
    """Black or white text, whichever reads on fill."""
    grey = 0.299 * fill.red + 0.587 * fill.green + 0.114 * fill.blue
    return colors.white if grey < 0.55 else colors.black


def legend_rows(keys, labels, width, pen):
    """A key of swatches, each with its mark and words, laid out in as many lines as needed."""
    fills = shades(len(keys))
    swatch = pen.size
    items = []
    for key, label, fill in zip(keys, labels, fills):
        text = f"{key} {label}" if label and label != key else key
        items.append((text, fill, swatch + 1.5 * mm + min(pen.width(text), width - swatch - 2 * mm)))
    lines, current, used = [], [], 0
    for item in items:
        if current and used + item[2] > width:
            lines.append(current)
            current, used = [], 0
        current.append(item)
        used += item[2] + 5 * mm
    lines.append(current)
    rows = []
    for line in lines:
        h = pen.line + ROW_PAD
        d = Drawing(width, h)
        x = 0
        for text, fill, w in line:
            y = baseline(h - ROW_PAD / 2, pen.size, pen.leading)
            d.add(Rect(x, y - pen.size * 0.15, swatch, swatch, fillColor=fill, strokeColor=colors.black, strokeWidth=0.5))
            d.add(String(x + swatch + 1.5 * mm, y, text, fontName=pen.font, fontSize=pen.size))
            x += w + 5 * mm
        rows.append(_drawing_row(d))
    return rows


def stacked_rows(items, width, pen):
    """One stacked bar per (label, counts): each part as wide as its share, with its count in it if it fits."""
    label_w = min(max((pen.width(label) for label, _ in items), default=0) + 1, 0.38 * width)
    bar_w = width - label_w - GAP
    bar_h = pen.size * 1.6
    rows = []
    for label, counts in items:
        lines = pen.lines(label, label_w)
        h = max(len(lines) * pen.line, bar_h) + ROW_PAD * 2
        d = Drawing(width, h)
        top = h - ROW_PAD
        _strings(d, lines, 0, top, pen)
        total = sum(counts)
        x = label_w + GAP
        y = top - bar_h
        for n, fill in zip(counts, shades(len(counts))):
            if not n:
                continue
            w = bar_w * n / total
            d.add(Rect(x, y, w, bar_h, fillColor=fill, strokeColor=colors.white, strokeWidth=0.8))
            if pen.width(str(n)) + 2 <= w:
                d.add(String(x + w / 2, y + (bar_h - pen.size * 0.7) / 2, str(n), fontName=pen.font,
                             fontSize=pen.size, fillColor=_ink_on(fill), textAnchor="middle"))
            x += w
        if not total:
            d.add(Rect(label_w + GAP, y, bar_w, bar_h, fillColor=None, strokeColor=RULE, strokeWidth=0.5))
        rows.append(_drawing_row(d))
    return rows


def table_rows(header, body, width, pen, first_share=0.5):
    """A table: a first column of words, the rest right-aligned figures; a rule under the header.

    The figure columns share what the first column leaves, each at least as
    wide as its widest cell; the first column's words wrap.
    """
    n = len(header)
    needed = [max(pen.width(str(row[k]), bold=row is header) for row in [header, *body]) + GAP for k in range(1, n)]
    figures_w = max(sum(needed), width * (1 - first_share))
    spare = (figures_w - sum(needed)) / max(1, n - 1)
    widths = [width - figures_w] + [w + spare for w in needed]
    rows = [_table_row(header, widths, pen, bold=True, rule=True)]
    rows.extend(_table_row(row, widths, pen) for row in body)
    return rows


def _table_row(cells, widths, pen, bold=False, rule=False):
    lines = pen.lines(str(cells[0]), widths[0] - GAP, bold=bold)
    h = len(lines) * pen.line + ROW_PAD

    def paint(c, x, top):
        c.setFont(pen.bold if bold else pen.font, pen.size)
        for k, line in enumerate(lines):
            c.drawString(x, baseline(top - k * pen.line, pen.size, pen.leading), line)
        right = x + widths[0]
        for cell, w in zip(cells[1:], widths[1:]):
            right += w
            c.drawRightString(right, baseline(top, pen.size, pen.leading), str(cell))
        c.setLineWidth(0.8 if rule else 0.3)
        c.setStrokeColor(colors.black if rule else RULE)
        c.line(x, top - h + 0.5, x + sum(widths), top - h + 0.5)
        c.setStrokeColor(colors.black)

    return Row(h, paint)
