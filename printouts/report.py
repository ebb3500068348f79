"""The office summary report: what people said in answer to one form, as a PDF to file or publish.

render_report() counts the responses to the form's current version and lays
out a cover (totals by way of answering, event and day) and then one block
per question in form order: a bar chart with counts and percentages, a grid's
stacked bars and table, a number's summary, or the written answers. Blocks
are never split across pages when they fit on one, using the paper form's
page breaking and fonts, and every page says "Page N of M" and which form
and version it summarises.

Nothing identifying is printed: answers to personal questions are only
counted, and special category (sensitive) questions are shown as totals with
small counts hidden (see report_figures.suppressed).
"""

from collections import Counter
from datetime import date, datetime
from io import BytesIO

from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from . import report_figures as fig
from .errors import PrintoutError
from .layout import STANDARD, Block, Row, TextLines, baseline, fonts, page_size, width_of
# The paper form's page breaking: a block that fits on a page is never split,
# a taller one runs on under its "continued" row, and headings keep with what follows.
from .paper import _paginate
from .report_charts import Bar, Pen, bar_rows, legend_rows, stacked_rows, table_rows
from .report_words import long_date, say
from .words import LANGUAGES

__all__ = ["render_report"]

SOURCES = ("web", "kiosk", "paper")
CHARTED = ("choice", "choices", "yes_no", "scale", "ranking", "grid", "number")
WRITTEN = ("text", "textarea")
NOT_LISTED = ("email", "phone", "postcode", "date")
DAY_COLUMNS_FROM = 12  # more days than this are set out side by side


def render_report(form, responses, *, events=None, lang=None, threshold=10, title_date=None):
    """The summary report of responses to form, as PDF bytes.

    responses is an iterable of plain dicts with answers, source, event_id,
    submitted_at and form_version; only those to the form's current version
    are counted. events maps event ids to names. lang picks the form's
    language (default: its first), which also sets the report's own words.
    Counts of sensitive questions from 1 to threshold - 1 are hidden.
    title_date is the date printed as the day the report was made (default: today).
    """
    lang = _language(form, lang)
    threshold = _threshold(threshold)
    made = _made_on(title_date)
    counted, left_out = fig.split_by_version(form, responses)
    report = _Report(form, lang, threshold, counted)
    cover = report.cover_blocks(left_out, dict(events or {}), made)
    body = report.question_blocks()

    size = page_size("a4")
    s = report.s
    footer = _Footer(report)
    top = size[1] - s.margin
    bottom = s.margin + footer.height + 4 * mm
    note = _PageNote(report) if report.sensitive_rows else None
    pages = _paginate(cover, top, bottom)
    if body:
        pages += _paginate(body, top, bottom + (note.height if note else 0))

    out = BytesIO()
    c = Canvas(out, pagesize=size, invariant=1, lang="cy-GB" if lang == "cy" else "en-GB")
    c.setTitle(f"{say('report_title', lang)}: {form.title.pick(lang)}")
    c.setSubject(say("subject", lang, id=form.id, version=form.version))
    c.setCreator("Collector")
    for n, placements in enumerate(pages, 1):
        footer.draw(c, n, len(pages))
        if note and any(id(row) in report.sensitive_rows for row, _ in placements):
            note.draw(c, bottom + note.height)
        for row, y in placements:
            row.paint(c, s.margin, y)
        c.showPage()
    c.save()
    return out.getvalue()


def _language(form, lang):
    lang = lang or form.languages[0]
    if lang not in form.languages:
        raise PrintoutError(
            f"form '{form.id}' has no '{lang}' text; it is in {', '.join(form.languages)}. "
            "Make the report in one of those languages."
        )
    if lang not in LANGUAGES:
        raise PrintoutError(f"reports can be made in English (en) and Welsh (cy), not '{lang}'; choose one with lang=")
    return lang


def _threshold(threshold):
    if isinstance(threshold, bool) or not isinstance(threshold, int) or threshold < 2:
        raise PrintoutError(
            f"the threshold for hiding small counts must be a whole number of 2 or more, not {threshold!r}; "
            "10 is usual"
        )
    return threshold


def _made_on(title_date):
    if title_date is None:
        return datetime.now(fig.UK_TIME).date()
    if isinstance(title_date, datetime):
        return title_date.date()
    if isinstance(title_date, date):
        return title_date
    try:
        return date.fromisoformat(str(title_date))
    except ValueError:
        raise PrintoutError(f"title_date must be a date such as 2026-07-04, not {title_date!r}") from None


class _Report:
    """Builds the report's blocks in one language from the counted responses."""

    def __init__(self, form, lang, threshold, responses):
        self.form, self.lang, self.threshold, self.responses = form, lang, threshold, responses
        self.total = len(responses)
        self.s = STANDARD
        self.width = page_size("a4")[0] - 2 * self.s.margin
        self.font, self.bold = fonts()
        self.pen = Pen(self.font, self.bold, self.s.body, self.s.leading)
        self.sensitive_rows = set()  # ids of the rows of special category questions: their pages carry the rule

    # -- words and rows ------------------------------------------------------------

    def say(self, key, **params):
        return say(key, self.lang, **params)

    def text(self, text):
        return text.pick(self.lang) if text is not None else ""

    def text_row(self, text, bold=False, size=None, after=0, indent=0):
        lines = TextLines([text], self.bold if bold else self.font, size or self.s.body,
                          self.width - indent, self.s.leading)
        return Row(lines.height + after, lambda c, x, top: lines.paint(c, x + indent, top))

    def bullet_row(self, text):
        indent = self.s.body * 1.2
        lines = TextLines([text], self.font, self.s.body, self.width - indent, self.s.leading)

        def paint(c, x, top):
            c.setFont(self.font, self.s.body)
            c.drawString(x, baseline(top, self.s.body, self.s.leading), "\u2022")
            lines.paint(c, x + indent, top)

        return Row(lines.height + 1.5 * mm, paint)

    def gap(self, height):
        return Row(height, lambda c, x, top: None)

    def count(self, n, hidden, short=False):
        """n, or for a hidden count 'fewer than 10' ('<10' in a table), or 'hidden' for one hidden alongside it."""
        if not hidden:
            return str(n)
        if n >= self.threshold:
            return self.say("hidden")
        return f"<{self.threshold}" if short else self.say("fewer_than", n=self.threshold)

    def figures(self, n, base, hidden):
        """'23 (12%)', or 'fewer than 10' for a hidden count, which keeps its percentage hidden too."""
        if hidden:
            return self.count(n, True)
        share = fig.percent(n, base)
        return f"{n} ({share})" if share else str(n)

    # -- the cover -------------------------------------------------------------------

    def cover_blocks(self, left_out, events, made):
        s, form = self.s, self.form
        blocks = [Block([
            self.text_row(self.say("report_title"), bold=True, size=s.heading, after=2 * mm),
            self.text_row(self.text(form.title), bold=True, size=s.title, after=3 * mm),
            self.text_row(self.say("made_on", date=long_date(made, self.lang))),
        ])]
        facts = [
            self.text_row(self.say("total", n=self.total), bold=True, size=s.heading, after=2 * mm),
            self.text_row(self.say("version_counted", version=form.version), after=1 * mm),
        ]
        if left_out:
            key = "other_versions_one" if left_out == 1 else "other_versions"
            facts.append(self.text_row(self.say(key, n=left_out), bold=True, after=1 * mm))
        if not self.total:
            facts.append(self.text_row(self.say("no_responses"), after=1 * mm))
        facts.append(self.text_row(self.say("percent_cover"), after=1 * mm))
        if any(q.sensitive for q in form.questions):
            facts.append(self.text_row(self.say("sensitive_cover")))
        blocks.append(Block(facts, space_before=s.gap))
        if not self.total:
            return blocks

        by_source = Counter(r.get("source") for r in self.responses)
        sources = list(SOURCES) + sorted(set(by_source) - set(SOURCES), key=str)
        rows = [(self.say(src) if src in SOURCES else str(src), by_source.get(src, 0)) for src in sources]
        blocks.append(self.table_block("by_source", "source", rows))

        by_event = Counter(r.get("event_id") or None for r in self.responses)
        if set(by_event) != {None}:
            named = sorted((k for k in by_event if k is not None), key=lambda k: (-by_event[k], self.event_name(k, events)))
            rows = [(self.event_name(k, events), by_event[k]) for k in named]
            if None in by_event:
                rows.append((self.say("no_event"), by_event[None]))
            blocks.append(self.table_block("by_event", "event", rows))

        by_day = Counter(fig.uk_day(r.get("submitted_at")) for r in self.responses)
        days = sorted((d for d in by_day if d is not None))
        rows = [(long_date(d, self.lang), by_day[d]) for d in days]
        if None in by_day:
            rows.append((self.say("unknown_day"), by_day[None]))
        blocks.append(self.table_block("by_day", "day", rows, columns=1 if len(rows) <= DAY_COLUMNS_FROM else 2))
        return blocks

    def event_name(self, event_id, events):
        name = events.get(event_id)
        return name if name else f"{self.say('unknown_event')} ({str(event_id)[:8]})"

    def table_block(self, title_key, column_key, rows, columns=1):
        """A heading and a small table of (name, count, percent), in side-by-side columns if long.

        The table is kept on one page; one longer than a page runs on under its
        heading and column headings again.
        """
        s = self.s
        header = [self.say(column_key), self.say("responses"), self.say("percent")]
        body = [[name, n, fig.percent(n, self.total)] for name, n in rows]
        per = -(-len(body) // columns)
        gutter = 8 * mm
        col_w = (self.width - gutter * (columns - 1)) / columns
        tables = [table_rows(header, body[k:k + per], col_w, self.pen, first_share=0.55) for k in range(0, len(body), per)]
        lines = [_side_by_side([t[i] for t in tables if i < len(t)], col_w + gutter) for i in range(len(tables[0]))]
        title = self.say(title_key)
        heading = self.text_row(title, bold=True, size=s.label, after=1.5 * mm)
        continued = _stacked([self.text_row(self.say("continued", label=title), bold=True, size=s.label, after=1.5 * mm), lines[0]])
        return Block([_stacked([heading, *lines[:2]]), *lines[2:]], space_before=s.gap, continued=continued)

    # -- the questions ---------------------------------------------------------------

    def question_blocks(self):
        blocks = []
        for section in self.form.sections:
            questions = [q for q in section.questions if q.answerable]
            if not questions:
                continue
            blocks.append(self.section_block(section))
            for q in questions:
                blocks.extend(self.question(q))
        return blocks

    def section_block(self, section):
        lines = TextLines([self.text(section.title)], self.bold, self.s.heading, self.width, self.s.leading)

        def paint(c, x, top):
            c.setLineWidth(2)
            c.line(x, top, x + self.width, top)
            lines.paint(c, x, top - 3 * mm)

        return Block([Row(lines.height + 5 * mm, paint)], with_next=True, space_before=self.s.gap * 1.3)

    def question(self, q):
        """The question's block, and a flowing block of written answers after it where it has them."""
        values = fig.values_of(q, self.responses)
        n = len(values)
        hidden_n = q.sensitive and 0 < n < self.threshold
        rows = [
            self.text_row(self.text(q.label), bold=True, size=self.s.label, after=1 * mm),
            self.text_row(self.say("answered_by", n=self.count(n, hidden_n), total=self.total), after=1.5 * mm),
        ]
        if q.sensitive:
            rows.append(self.text_row(self.say("sensitive_tag"), bold=True, after=1.5 * mm))
        listed = []
        if not n and q.type in CHARTED:
            rows.append(self.text_row(self.say("no_answers")))
        else:
            body, listed = self.answers(q, values)
            rows.extend(body)
        continued = self.text_row(self.say("continued", label=self.text(q.label)), bold=True, after=1.5 * mm)
        block = Block(rows, space_before=self.s.gap, continued=continued)
        if q.sensitive:
            self.sensitive_rows.update(map(id, [*rows, continued]))
        if not listed:
            return [block]
        block.with_next = True
        return [block, Block(listed, keep=False, continued=continued)]

    def answers(self, q, values):
        """(rows kept with the question, rows of written answers that may flow on)."""
        if q.type in ("choice", "choices", "yes_no"):
            return self.choice_rows(q, values)
        if q.type == "scale":
            return self.scale_rows(q, values), []
        if q.type == "ranking":
            return self.ranking_rows(q, values), []
        if q.type == "grid":
            return self.grid_rows(q, values), []
        if q.type == "number":
            return self.number_rows(q, values), []
        if q.sensitive:
            return [self.text_row(self.say("sensitive_text"))], []
        if q.personal:
            return [self.text_row(self.say("personal"))], []
        if q.type in WRITTEN and values:
            return [self.text_row(self.say("written"), bold=True, after=1 * mm)], self.written_rows(values)
        if q.type in NOT_LISTED:
            return [self.text_row(self.say("not_listed"))], []
        return [], []

    def bars(self, q, labelled, base):
        """Bars for [(label, count)] as shares of base, the people who answered; small counts hidden if sensitive."""
        hidden = fig.suppressed([n for _, n in labelled], self.threshold) if q.sensitive else set()
        return [Bar(label, n, self.figures(n, base, i in hidden), i in hidden) for i, (label, n) in enumerate(labelled)]

    def option_label(self, q, value):
        names = {c.value: self.text(c.label) for c in q.choices}
        names.setdefault("yes", self.say("yes"))
        names.setdefault("no", self.say("no"))
        names.setdefault(fig.OTHER, self.say("other_short"))
        return names.get(value, str(value))

    def choice_rows(self, q, values):
        labelled = [(self.option_label(q, v), n) for v, n in fig.option_counts(q, values)]
        rows = []
        if q.type == "choices":
            rows.append(self.text_row(self.say("choices_note"), after=1.5 * mm))
        rows.extend(bar_rows(self.bars(q, labelled, len(values)), self.width, self.pen))
        written = fig.other_texts(q, self.responses) if q.other and not (q.sensitive or q.personal) else []
        if not written:
            return rows, []
        rows.append(self.gap(2 * mm))
        rows.append(self.text_row(self.say("other_written"), bold=True, after=1 * mm))
        return rows, self.written_rows(written)

    def written_rows(self, texts):
        """Each different answer once, with how many gave it when more than one did."""
        return [self.bullet_row(self.say("times", text=t, n=n) if n > 1 else t) for t, n in fig.grouped(texts)]

    def scale_rows(self, q, values):
        labels = q.scale.labels
        labelled = [(f"{p} {self.text(labels[p])}" if p in labels else str(p), n) for p, n in fig.point_counts(q, values)]
        rows = bar_rows(self.bars(q, labelled, len(values)), self.width, self.pen)
        numbers = fig.numbers_of(values)
        if numbers and (not q.sensitive or len(values) >= self.threshold):
            mean = fig.rounded(sum(numbers) / len(numbers), 1)
            rows.append(self.gap(1.5 * mm))
            rows.append(self.text_row(self.say("scale_mean", mean=mean, min=q.scale.min, max=q.scale.max)))
        return rows

    def ranking_rows(self, q, values):
        figures = fig.ranking_figures(q, values)
        hidden = fig.suppressed([first for _, first, _ in figures], self.threshold) if q.sensitive else set()
        show_mean = not q.sensitive or len(values) >= self.threshold
        bars = []
        for i, (value, first, mean) in enumerate(figures):
            text = self.figures(first, len(values), i in hidden)
            if show_mean and mean is not None:
                text = self.say("first_and_mean", first=text, mean=fig.rounded(mean, 1))
            bars.append(Bar(self.option_label(q, value), first, text, i in hidden))
        return [self.text_row(self.say("ranking_note"), after=1.5 * mm), *bar_rows(bars, self.width, self.pen)]

    def grid_rows(self, q, values):
        columns = fig.grid_columns(q)
        if q.scale is not None:
            keys = [str(p) for p in columns]
            labels = [self.text(q.scale.labels[p]) if p in q.scale.labels else "" for p in columns]
        else:
            keys = [str(k) for k in range(1, len(columns) + 1)]
            labels = [self.text(c.label) for c in q.choices]
        counted = fig.grid_counts(q, values)
        rows = legend_rows(keys, labels, self.width, self.pen)
        rows.append(self.gap(1.5 * mm))
        if not q.sensitive:
            rows.append(self.text_row(self.say("grid_note"), after=1 * mm))
            rows.extend(stacked_rows([(self.text(st.label), counts) for st, counts, _ in counted], self.width, self.pen))
            rows.append(self.gap(3 * mm))
        body = []
        for statement, counts, rated in counted:
            hidden = fig.suppressed(counts, self.threshold) if q.sensitive else set()
            cells = [self.count(n, k in hidden, short=True) for k, n in enumerate(counts)]
            body.append([self.text(statement.label), *cells, self.count(rated, q.sensitive and 0 < rated < self.threshold, short=True)])
        rows.extend(table_rows([self.say("statement"), *keys, self.say("answered")], body, self.width, self.pen, first_share=0.35))
        return rows

    def number_rows(self, q, values):
        summary = fig.number_summary(values, q.decimals)
        if q.sensitive:
            figures = [("count", self.count(len(values), 0 < len(values) < self.threshold))]
            if len(values) >= self.threshold:
                figures.append(("mean", summary["mean"]))
            note = [self.text_row(self.say("sensitive_number", n=self.threshold), after=1.5 * mm)]
        else:
            figures = [(k, summary[k]) for k in ("count", "lowest", "median", "mean", "highest")]
            note = []
        width = min(self.width, 90 * mm)
        table = table_rows(["", ""], [[self.say(k), v] for k, v in figures], width, self.pen, first_share=0.6)
        return note + table[1:]  # the figures need no column headings


def _side_by_side(rows, step):
    """Rows painted next to each other, step apart, as one row."""
    def paint(c, x, top):
        for k, row in enumerate(rows):
            row.paint(c, x + k * step, top)

    return Row(max(r.height for r in rows), paint)


def _stacked(rows):
    """Rows painted one under another, as one row that the page layout cannot split."""
    def paint(c, x, top):
        for row in rows:
            row.paint(c, x, top)
            top -= row.height

    return Row(sum(r.height for r in rows), paint)


class _PageNote:
    """The rule for special category questions, at the foot of every page that has one."""

    def __init__(self, report):
        self.r = report
        text = say("sensitive", report.lang, below=report.threshold - 1, n=report.threshold)
        self.lines = TextLines([text], report.font, report.s.body, report.width - 4 * mm, report.s.leading)
        self.height = self.lines.height + 6 * mm

    def draw(self, c, top):
        r = self.r
        x, box_top = r.s.margin, top - 2 * mm
        c.setLineWidth(0.8)
        c.rect(x, box_top - self.lines.height - 3 * mm, r.width, self.lines.height + 3 * mm, stroke=1, fill=0)
        self.lines.paint(c, x + 2 * mm, box_top - 1.5 * mm)


class _Footer:
    """'Page 2 of 4' on the left and the form's id and version on the right, under a rule, as on the paper form."""

    def __init__(self, report):
        self.r = report
        s = report.s
        self.line = s.body * s.leading
        self.ident = say("form_version", report.lang, id=report.form.id, version=report.form.version)
        room = report.width - width_of(say("page", report.lang, n=888, total=888), report.bold, s.body) - 8 * mm
        self.side_by_side = width_of(self.ident, report.font, s.body) <= room
        self.height = self.line * (1 if self.side_by_side else 2) + 1 * mm

    def draw(self, c, n, total):
        r, s = self.r, self.r.s
        x, top = s.margin, s.margin + self.height
        c.setLineWidth(0.8)
        c.line(x, top + 1.5 * mm, x + r.width, top + 1.5 * mm)
        c.setFont(r.bold, s.body)
        c.drawString(x, baseline(top, s.body, s.leading), say("page", r.lang, n=n, total=total))
        c.setFont(r.font, s.body)
        if self.side_by_side:
            c.drawRightString(x + r.width, baseline(top, s.body, s.leading), self.ident)
        else:
            c.drawString(x, baseline(top - self.line, s.body, s.leading), self.ident)
