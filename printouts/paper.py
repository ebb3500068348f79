"""The paper form: a printable PDF of a form, for people who would rather not use a screen.

render_paper_form() lays the form out once (blocks.py), breaks it into pages
so that no question is split, and then draws one copy per serial number, each
page carrying its footer ("Page 2 of 4", the form id and version), corner
registration marks and, on numbered copies, the serial in print and as a QR
code, so that a scanned or keyed-in page can be matched to its copy.
"""

import itertools
from io import BytesIO

from reportlab.graphics.barcode.qrencoder import QRCode, QRErrorCorrectLevel
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from .blocks import Builder
from .errors import PrintoutError
from .layout import LARGE, STANDARD, TextLines, baseline, fonts, page_size, width_of
from .routing import plan_routes, skip_instructions
from .words import check_language, say

__all__ = ["render_paper_form", "skip_instructions"]

MARK = 5 * mm  # side of a corner registration mark
MARK_INSET = 7 * mm  # from the edges of the sheet, inside what printers can print
MAX_SERIAL = 40
QR_BORDER = 2  # white modules around the QR code, inside its printed square


def render_paper_form(form, *, lang=None, bilingual=False, large_print=False, serials=(), paper="a4"):
    """The form as a PDF (bytes): one copy, or one copy per serial.

    lang picks the language (default: the form's first); bilingual=True prints
    Welsh and English together and needs a form in both; large_print sets every
    character at 16 pt or more; paper is "a4" or "letter".
    """
    langs = _languages(form, lang, bilingual)
    style = LARGE if large_print else STANDARD
    size = page_size(paper)
    copies = _serials(serials)
    plan = plan_routes(form)
    width = size[0] - 2 * style.margin
    builder = Builder(form, langs, style, width, plan)
    blocks = _blocks(form, builder)

    footer = _Footer(builder, langs, form)
    header_h = style.qr + 3 * mm if copies else 0
    top = size[1] - style.margin - header_h
    bottom = style.margin + footer.height + 4 * mm
    pages = _paginate(blocks, top, bottom)

    out = BytesIO()
    c = Canvas(out, pagesize=size, invariant=1, lang="cy-GB" if langs[0] == "cy" else "en-GB")
    c.setTitle(" / ".join(form.title.pick(lang) for lang in langs))
    c.setSubject(f"{form.id}, version {form.version}")
    c.setCreator("Collector")
    # Copies differ only in their serial, so each page's content is drawn once, as a PDF form
    # (XObject), and every copy's page places it: a further copy costs its serial and QR code,
    # not its pages again, in time, in the memory reportlab holds until save(), and in the file.
    # Forms are made between pages, as reportlab requires.
    bodies = []
    for n, placements in enumerate(pages, 1):
        c.beginForm(f"page{n}")
        _registration_marks(c, size)
        footer.draw(c, size, n, len(pages))
        for row, y in placements:
            row.paint(c, style.margin, y)
        c.endForm()
        bodies.append(f"page{n}")
    for k, serial in enumerate(copies or [None]):
        qr = None if serial is None else _qr_form(c, f"serial{k}", serial, style.qr)
        for body in bodies:
            if serial is not None:
                _serial_header(c, builder, langs, serial, qr, size)
            c.doForm(body)
            c.showPage()
    c.save()
    return out.getvalue()


def _languages(form, lang, bilingual):
    if bilingual:
        if not {"cy", "en"} <= set(form.languages):
            raise PrintoutError(
                f"form '{form.id}' is in {', '.join(form.languages)} only; a bilingual paper form "
                "needs every text in both Welsh (cy) and English (en). Print it in one language instead."
            )
        return ["cy", "en"]
    lang = lang or form.languages[0]
    if lang not in form.languages:
        raise PrintoutError(
            f"form '{form.id}' has no '{lang}' text; it is in {', '.join(form.languages)}. "
            "Print it in one of those languages."
        )
    check_language(lang)
    return [lang]


def _serials(serials):
    if isinstance(serials, (str, bytes)):
        raise PrintoutError("serials must be a list of serial numbers, such as ['P0001', 'P0002'], not one text")
    copies, seen = [], set()
    for serial in serials:
        text = str(serial).strip()
        if not text:
            raise PrintoutError("a serial number is empty; give each copy its own serial")
        if len(text) > MAX_SERIAL:
            raise PrintoutError(f"serial '{text[:20]}...' is longer than {MAX_SERIAL} characters; use shorter serials")
        if text in seen:
            raise PrintoutError(f"serial '{text}' is given twice; every copy needs its own serial")
        seen.add(text)
        copies.append(text)
    return copies


def _blocks(form, builder):
    blocks = builder.title_blocks()
    for section in form.sections:
        shown = [q for q in section.questions if q.print]  # print: false leaves a question off paper
        if not shown:
            continue
        blocks.append(builder.section_block(section, shown))
        for q in shown:
            blocks.append(builder.question_block(q) if q.answerable else builder.note_block(q))
    blocks.append(builder.end_block())
    return blocks


def _paginate(blocks, top, bottom):
    """Pages as lists of (row, top y). A block that fits on a page is never split."""
    pages = []
    state = {}

    def new_page():
        pages.append([])
        state["y"], state["headings_only"] = top, True

    new_page()
    room = top - bottom
    for i, block in enumerate(blocks):
        space = block.space_before if pages[-1] else 0
        # Flowing text only needs room for its first line.
        need = block.height if block.keep else block.rows[0].height
        if block.with_next and i + 1 < len(blocks):
            nxt = blocks[i + 1]
            whole = nxt.keep and nxt.height <= room
            need += nxt.space_before + (nxt.height if whole else nxt.rows[0].height)
        # A heading and a question that fit on no page together stay together
        # anyway: the question runs on from under its heading.
        stuck = pages[-1] and state["headings_only"]
        if pages[-1] and not stuck and space + need > state["y"] - bottom and (need <= room or block.keep):
            new_page()
            space = 0
        state["y"] -= space
        # A block that does not fit on a page by itself (a long privacy notice,
        # or a question longer than a page) runs on to the next page between rows.
        for row in block.rows:
            if row.height > state["y"] - bottom and pages[-1] and state["y"] < top:
                new_page()
                if block.continued is not None and row is not block.rows[0]:
                    pages[-1].append((block.continued, state["y"]))
                    state["y"] -= block.continued.height
            pages[-1].append((row, state["y"]))
            state["y"] -= row.height
        state["headings_only"] = state["headings_only"] and block.with_next
    return pages


class _Footer:
    """'Page 2 of 4', 'Continued on the next page', and the form's id and version, at the foot of every page."""

    def __init__(self, builder, langs, form):
        self.b, self.langs, self.form = builder, langs, form
        s = builder.s
        self.size = s.body
        self.line = s.body * s.leading
        if len(langs) > 1:
            ident = say("form_version_both", "cy", id=form.id, version=form.version)
        else:
            ident = say("form_version", langs[0], id=form.id, version=form.version)
        self.ident = TextLines(
            [ident],
            builder.font, s.body, builder.width, s.leading,
        )
        sample_page = " / ".join(say("page", lang, n=88, total=88) for lang in langs)
        self.continued = " / ".join(say("continued", lang) for lang in langs)
        room = builder.width - width_of(sample_page, builder.bold, s.body) - 8 * mm
        self.side_by_side = width_of(self.continued, builder.font, s.body) <= room
        self.height = self.line * (1 if self.side_by_side else 2) + self.ident.height + 1 * mm

    def draw(self, c, size, n, total):
        b, s = self.b, self.b.s
        x = s.margin
        top = s.margin + self.height
        c.setLineWidth(0.8)
        c.line(x, top + 1.5 * mm, x + b.width, top + 1.5 * mm)
        c.setFont(b.bold, self.size)
        c.drawString(x, baseline(top, self.size, s.leading), " / ".join(say("page", lang, n=n, total=total) for lang in self.langs))
        y = top
        if n < total:
            c.setFont(b.font, self.size)
            if self.side_by_side:
                c.drawRightString(x + b.width, baseline(top, self.size, s.leading), self.continued)
            else:
                y -= self.line
                c.drawString(x, baseline(y, self.size, s.leading), self.continued)
        elif not self.side_by_side:
            y -= self.line
        self.ident.paint(c, x, y - self.line)


def _registration_marks(c, size):
    w, h = size
    for x in (MARK_INSET, w - MARK_INSET - MARK):
        for y in (MARK_INSET, h - MARK_INSET - MARK):
            c.rect(x, y, MARK, MARK, stroke=0, fill=1)


def _qr_form(c, name, serial, side):
    """The serial's QR code, drawn once as a PDF form (XObject) that each page of the copy places; returns its name.

    Encoding a QR code (with its search for the best mask) and drawing it was about 90% of the
    time of a page when it was done on every page; as a form it is done once a copy. Each row's
    runs of dark modules are one rectangle filled on its own, as reportlab's QrCodeWidget draws
    them: viewers snap a lone rectangle to the pixel grid, so the code stays as crisp on screen
    and in scans as before.
    """
    qr = QRCode(None, QRErrorCorrectLevel.M)
    qr.addData(serial)
    qr.make()
    box = side / (qr.getModuleCount() + 2 * QR_BORDER)
    c.beginForm(name, 0, 0, side, side)
    for r, row in enumerate(qr.modules):
        y = side - (r + QR_BORDER + 1) * box
        column = 0
        for dark, run in itertools.groupby(row, key=bool):
            count = sum(1 for _ in run)
            if dark:
                c.rect((column + QR_BORDER) * box, y, count * box, box, stroke=0, fill=1)
            column += count
    c.endForm()
    return name


def _serial_header(c, builder, langs, serial, qr, size):
    """The serial printed, and its QR code (the form qr, which decodes to exactly the serial), top right."""
    s = builder.s
    w, h = size
    qr_x = w - s.margin - s.qr
    qr_y = h - s.margin - s.qr
    c.saveState()
    c.translate(qr_x, qr_y)
    c.doForm(qr)
    c.restoreState()
    _, bold = fonts()
    line = s.body * s.leading
    texts = [say("serial", lang, serial=serial) for lang in langs]
    top = qr_y + s.qr / 2 + line * len(texts) / 2
    c.setFont(bold, s.body)
    for k, text in enumerate(texts):
        c.drawRightString(qr_x - 3 * mm, baseline(top - k * line, s.body, s.leading), text)
