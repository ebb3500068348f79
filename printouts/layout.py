"""Fonts, sizes and the small layout engine the paper form is built on.

A page is filled with blocks; a block is a list of rows of known height, each
of which paints itself at a given top-left corner. Measuring before drawing
is what lets a question stay whole on one page and the footer say "Page 2 of 4".

Sizes follow clear-print guidance: a plain sans-serif, 12 pt or more for
everything (16 pt or more in large print, footers included), left aligned,
black on white, bold for emphasis and never italics.
"""

import os
from dataclasses import dataclass

from reportlab.lib.pagesizes import A4, LETTER
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from .errors import PrintoutError

PAPER = {"a4": A4, "letter": LETTER}
FONT_DIR = "/usr/share/fonts/truetype/dejavu"
_fonts = None


def fonts():
    """(regular, bold) font names: DejaVu Sans, which has every Welsh letter (ŵ, ŷ), else Helvetica.

    Helvetica is only a fallback for machines without DejaVu: its encoding lacks
    ŵ and ŷ, which then print as black boxes.
    """
    global _fonts
    if _fonts is None:
        regular = os.path.join(FONT_DIR, "DejaVuSans.ttf")
        bold = os.path.join(FONT_DIR, "DejaVuSans-Bold.ttf")
        if os.path.exists(regular) and os.path.exists(bold):
            pdfmetrics.registerFont(TTFont("CollectorSans", regular))
            pdfmetrics.registerFont(TTFont("CollectorSans-Bold", bold))
            _fonts = ("CollectorSans", "CollectorSans-Bold")
        else:
            _fonts = ("Helvetica", "Helvetica-Bold")
    return _fonts


@dataclass(frozen=True)
class Style:
    body: float  # hints, choices, instructions, footers: the smallest text on the page
    label: float  # question labels (bold)
    number: float  # question numbers in the left gutter (bold)
    heading: float  # section headings (bold)
    title: float
    leading: float  # line height as a multiple of the font size
    box: float  # tick box side
    rank_box: float  # ranking box side (a digit is written in it)
    digit_w: float  # one box of a number or date
    digit_h: float
    write_h: float  # one line of handwriting
    gutter: float  # room for the question numbers
    gap: float  # space between questions
    margin: float
    qr: float


STANDARD = Style(
    body=12, label=13, number=14, heading=17, title=22, leading=1.3,
    box=6 * mm, rank_box=9 * mm, digit_w=7 * mm, digit_h=9 * mm, write_h=10 * mm,
    gutter=12 * mm, gap=8 * mm, margin=18 * mm, qr=22 * mm,
)
LARGE = Style(
    body=16, label=18, number=19, heading=22, title=28, leading=1.3,
    box=8 * mm, rank_box=11 * mm, digit_w=9 * mm, digit_h=12 * mm, write_h=13 * mm,
    gutter=15 * mm, gap=10 * mm, margin=16 * mm, qr=25 * mm,
)


def page_size(paper):
    try:
        return PAPER[paper]
    except KeyError:
        raise PrintoutError(f"paper must be 'a4' or 'letter', not {paper!r}") from None


def width_of(text, font, size):
    return pdfmetrics.stringWidth(text, font, size)


def paragraphs(text):
    """A form text as paragraphs: blank lines separate them; single line breaks from YAML are spaces."""
    out = []
    for chunk in str(text).replace("\r\n", "\n").split("\n\n"):
        words = " ".join(chunk.split())
        if words:
            out.append(words)
    return out


def wrap(text, font, size, width):
    """The lines of text wrapped to width; paragraphs keep a blank line between them."""
    lines = []
    for i, para in enumerate(paragraphs(text)):
        if i:
            lines.append("")
        lines.extend(simpleSplit(para, font, size, width) or [""])
    return lines


@dataclass
class Row:
    """A strip of a block: height in points and a painter called as paint(canvas, x, top)."""

    height: float
    paint: object


@dataclass
class Block:
    """Rows kept on one page (keep=True), or flowing line by line (keep=False)."""

    rows: list
    keep: bool = True
    with_next: bool = False  # a heading: never the last thing on a page
    space_before: float = 0
    continued: Row | None = None  # put at the top of a page the block runs on to

    @property
    def height(self):
        return sum(r.height for r in self.rows)


def baseline(top, size, leading):
    """Where to put the baseline so the glyphs sit in the middle of a line of this leading."""
    return top - (leading * size + 0.52 * size) / 2


class TextLines:
    """Wrapped lines of one or more texts (one per language), stacked, ready to paint."""

    def __init__(self, texts, font, size, width, leading, gap_between=0.15):
        self.font, self.size, self.line = font, size, size * leading
        self.lines = []  # (text or None for a gap, offset from the top)
        y = 0
        for i, text in enumerate(t for t in texts if t):
            if i:
                y += self.line * gap_between
            for line in wrap(text, font, size, width):
                self.lines.append((line, y))
                y += self.line
        self.height = y

    def paint(self, c, x, top):
        c.setFont(self.font, self.size)
        for line, offset in self.lines:
            if line:
                c.drawString(x, baseline(top - offset, self.size, self.line / self.size), line)

    def split_rows(self, x_offset=0):
        """One row per line, so long text (a privacy notice) can run on to the next page."""
        out = []
        for i, (line, offset) in enumerate(self.lines):
            end = self.lines[i + 1][1] if i + 1 < len(self.lines) else self.height
            h = end - offset

            def paint(c, x, top, line=line):
                if line:
                    c.setFont(self.font, self.size)
                    c.drawString(x + x_offset, baseline(top, self.size, self.line / self.size), line)

            out.append(Row(h, paint))
        return out


def draw_box(c, x, top, w, h=None, weight=1.2):
    """An empty box, stroked in black: a tick box, a write-in box or one digit of a comb."""
    c.setLineWidth(weight)
    c.rect(x, top - (h if h is not None else w), w, h if h is not None else w, stroke=1, fill=0)


def draw_arrow(c, x, middle, size):
    """A solid arrow pointing right, marking a routing instruction."""
    w = size * 0.75
    c.setLineWidth(0)
    path = c.beginPath()
    path.moveTo(x, middle + w * 0.2)
    path.lineTo(x + w * 0.5, middle + w * 0.2)
    path.lineTo(x + w * 0.5, middle + w * 0.45)
    path.lineTo(x + w, middle)
    path.lineTo(x + w * 0.5, middle - w * 0.45)
    path.lineTo(x + w * 0.5, middle - w * 0.2)
    path.lineTo(x, middle - w * 0.2)
    path.close()
    c.drawPath(path, stroke=0, fill=1)
    return w
