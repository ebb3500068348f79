"""A grid question as a table: one row per statement, one column of tick boxes per scale point or choice.

Column headings are printed in full when their longest word fits the column
and the statements keep a readable width; otherwise (large print, Welsh and
English together, long labels) the columns are numbered and a key above the
table gives each number's words, rather than shrinking the text.
"""

from reportlab.lib.units import mm

from .layout import Row, baseline, draw_box, width_of

MIN_STATEMENT_SHARE = 0.30  # of the width right of the question numbers
CELL_PAD = 2 * mm


def grid_rows(b, q):
    s = b.s
    if q.scale is not None:
        columns = [(str(p), q.scale.labels.get(p)) for p in q.scale.points]
    else:
        columns = [(None, c.label) for c in q.choices]
    n = len(columns)
    headers = [b.texts(label) if label is not None else [] for _, label in columns]
    widest_word = max(
        (width_of(word, b.font, s.body) for texts in headers for t in texts for word in t.split()),
        default=0,
    )
    needed = max(s.box + 2 * CELL_PAD, widest_word + CELL_PAD)
    col = max(needed, min(0.6 * b.inner / n, 25 * mm))
    statement_w = b.inner - n * col
    rows = []
    if statement_w >= MIN_STATEMENT_SHARE * b.inner:
        header_row = _full_headers(b, columns, headers, col, statement_w)
    else:
        # Numbered columns, with a key above the table.
        marks = [mark if mark is not None else str(k) for k, (mark, _) in enumerate(columns, 1)]
        col = max(s.box + 2 * CELL_PAD, max(width_of(m, b.bold, s.body) for m in marks) + CELL_PAD)
        statement_w = b.inner - n * col
        rows.extend(_key_rows(b, marks, headers))
        header_row = _number_headers(b, marks, col, statement_w)
    rows.append(header_row)
    for statement in q.statements:
        rows.append(_statement_row(b, statement, n, col, statement_w))
    return rows


def _key_rows(b, marks, headers):
    s, g = b.s, b.s.gutter
    mark_w = max(width_of(m, b.bold, s.body) for m in marks) + 3 * mm
    rows = []
    for mark, texts in zip(marks, headers):
        if not texts:
            continue
        block = b.lines(texts, b.inner - mark_w)

        def paint(c, x, top, mark=mark, block=block):
            c.setFont(b.bold, s.body)
            c.drawString(x + g, baseline(top, s.body, s.leading), mark)
            block.paint(c, x + g + mark_w, top)

        rows.append(Row(block.height + 1 * mm, paint))
    rows.append(Row(1.5 * mm, lambda c, x, top: None))
    return rows


def _full_headers(b, columns, headers, col, statement_w):
    s, g = b.s, b.s.gutter
    cells = []
    for (mark, _), texts in zip(columns, headers):
        lines = []  # (text, bold)
        if mark is not None:
            lines.append((mark, True))
        block = b.lines(texts, col - CELL_PAD) if texts else None
        cells.append((lines, block))
    height = max(len(lines) * b.line + (block.height if block else 0) for lines, block in cells)

    def paint(c, x, top):
        for k, (lines, block) in enumerate(cells):
            middle = x + g + statement_w + (k + 0.5) * col
            y = top
            for text, bold in lines:
                c.setFont(b.bold if bold else b.font, s.body)
                c.drawCentredString(middle, baseline(y, s.body, s.leading), text)
                y -= b.line
            if block:
                c.setFont(b.font, s.body)
                for line, offset in block.lines:
                    if line:
                        c.drawCentredString(middle, baseline(y - offset, s.body, s.leading), line)

    return Row(height + 1.5 * mm, paint)


def _number_headers(b, marks, col, statement_w):
    s, g = b.s, b.s.gutter

    def paint(c, x, top):
        c.setFont(b.bold, s.body)
        for k, mark in enumerate(marks):
            c.drawCentredString(x + g + statement_w + (k + 0.5) * col, baseline(top, s.body, s.leading), mark)

    return Row(b.line + 1 * mm, paint)


def _statement_row(b, statement, n, col, statement_w):
    s, g = b.s, b.s.gutter
    block = b.lines(b.texts(statement.label), statement_w - 3 * mm)
    pad = 1.5 * mm
    box_top = pad + max(0, (b.line - s.box) / 2)
    text_top = pad + max(0, (s.box - b.line) / 2)
    height = max(box_top + s.box, text_top + block.height) + pad

    def paint(c, x, top):
        c.setLineWidth(0.6)
        c.line(x + g, top, x + g + b.inner, top)
        block.paint(c, x + g, top - text_top)
        for k in range(n):
            middle = x + g + statement_w + (k + 0.5) * col
            draw_box(c, middle - s.box / 2, top - box_top, s.box)

    return Row(height, paint)
