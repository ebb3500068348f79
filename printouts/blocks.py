"""Each part of a form as a block of rows: the title page, section headings, and one block per question.

Every question type gets the answer area a person needs on paper: square
tick boxes for choices, a row of numbered boxes for a scale, a table for a
grid, boxes to number for a ranking, and write-in boxes sized to the answer
expected (one digit per box for numbers and dates). Routing instructions from
routing.py are printed beside the answers that trigger them.

Several languages are stacked: each text in Welsh, then in English beneath,
in the same size and weight, which stays readable at 12 pt and in large print
where two narrow columns would not.
"""

import math

from reportlab.lib.units import mm

from forms import OTHER

from .layout import Block, Row, TextLines, baseline, draw_arrow, draw_box, fonts, width_of
from .routing import instruction_text, scale_as_list
from .words import say

PAD = 2.5 * mm  # space between the rows of a list of answers
BILINGUAL_PAD = 4 * mm  # more, when each answer is two lines in two languages
TEXT_GAP = 3 * mm  # between a box and its label


class Builder:
    def __init__(self, form, langs, style, width, plan):
        self.form, self.langs, self.s, self.width, self.plan = form, langs, style, width, plan
        self.font, self.bold = fonts()
        self.inner = width - style.gutter  # the column right of the question numbers
        self.pad = BILINGUAL_PAD if len(langs) > 1 else PAD

    # -- texts ---------------------------------------------------------------

    def texts(self, text):
        return [text.pick(lang) for lang in self.langs] if text is not None else []

    def words(self, key, **params):
        return [say(key, lang, **params) for lang in self.langs]

    def instruction(self, instruction):
        return [instruction_text(instruction, lang, self.plan, self.form) for lang in self.langs]

    def lines(self, texts, width, bold=False, size=None):
        return TextLines(texts, self.bold if bold else self.font, size or self.s.body, width, self.s.leading)

    @property
    def line(self):
        return self.s.body * self.s.leading

    def text_row(self, texts, width, indent=0, bold=False, size=None, after=0):
        block = self.lines(texts, width, bold, size)
        return Row(block.height + after, lambda c, x, top: block.paint(c, x + indent, top))

    def routing_row(self, texts, indent, width, after=0):
        """A routing instruction: a solid arrow, then the words in bold."""
        arrow = self.s.body * 0.75 + 2 * mm
        block = self.lines(texts, width - arrow, bold=True)

        def paint(c, x, top):
            draw_arrow(c, x + indent, top - self.line / 2, self.s.body)
            block.paint(c, x + indent + arrow, top)

        return Row(block.height + after, paint)

    # -- whole blocks ------------------------------------------------------------

    def title_blocks(self):
        """Title, description, intro, how to fill in the form, and the privacy notice.

        With two languages the titles are stacked, but the longer texts are
        given whole in Welsh and then whole in English, each under its own
        heading where it has one, so no one has to pick their language out
        paragraph by paragraph.
        """
        f, s = self.form, self.s
        blocks = [Block([self.text_row(self.texts(f.title), self.width, bold=True, size=s.title, after=3 * mm)])]
        for k, lang in enumerate(self.langs):
            prose = [t.pick(lang) for t in (f.description, f.intro) if t is not None]
            if prose:
                body = TextLines(["\n\n".join(prose)], self.font, s.body, self.width, s.leading)
                blocks.append(Block(body.split_rows(), keep=False, space_before=s.gap / 2 if k else 0))
        for lang in self.langs:
            how = [self.text_row([say("how_to_title", lang)], self.width, bold=True, size=s.label, after=1 * mm)]
            for key in ("how_to_pen", "how_to_tick", "how_to_mistake", "how_to_route"):
                how.append(self.bullet_row([say(key, lang)]))
            blocks.append(Block(how, space_before=s.gap / 2))
        if f.privacy is not None:
            for lang in self.langs:
                heading = self.text_row([say("privacy_title", lang)], self.width, bold=True, size=s.label, after=1 * mm)
                blocks.append(Block([heading], with_next=True, space_before=s.gap / 2))
                body = self.lines([f.privacy.pick(lang)], self.width)
                blocks.append(Block(body.split_rows(), keep=False))
        return blocks

    def bullet_row(self, texts):
        """One item of a list: a bullet, then the item in each language beneath each other."""
        indent = self.s.body * 1.2
        block = self.lines(texts, self.width - indent)

        def paint(c, x, top):
            c.setFont(self.font, self.s.body)
            c.drawString(x, baseline(top, self.s.body, self.s.leading), "\u2022")
            block.paint(c, x + indent, top)

        return Row(block.height + 1 * mm, paint)

    def end_block(self):
        s = self.s
        rows = [
            self.text_row(self.words("end_title"), self.width, bold=True, size=s.heading, after=2 * mm),
            self.text_row(self.words("thanks"), self.width, after=2 * mm),
            self.text_row(self.words("return"), self.width, bold=True),
        ]
        return Block(rows, space_before=s.gap * 1.5)

    def section_block(self, section, questions):
        s = self.s
        heading = self.lines(self.texts(section.title), self.width, bold=True, size=s.heading)

        def paint(c, x, top):
            c.setLineWidth(2)
            c.line(x, top, x + self.width, top)
            heading.paint(c, x, top - 3 * mm)

        rows = [Row(heading.height + 5 * mm, paint)]
        first = next((q for q in questions if q.id in self.plan.numbers), None)
        if first is not None:
            for i in self.plan.at(first.id, "section"):
                rows.append(self.routing_row(self.instruction(i), 0, self.width, after=2 * mm))
        return Block(rows, with_next=True, space_before=s.gap * 1.3)

    def note_block(self, q):
        rows = [self.text_row(self.texts(q.label), self.width, bold=True, size=self.s.label, after=1.5 * mm)]
        if q.hint is not None:
            rows.append(self.text_row(self.texts(q.hint), self.width))
        return Block(rows, space_before=self.s.gap)

    def question_block(self, q):
        s, g = self.s, self.s.gutter
        number = str(self.plan.numbers[q.id])
        rows = []
        for i in self.plan.at(q.id, "before"):
            rows.append(self.routing_row(self.instruction(i), g, self.width, after=1.5 * mm))
        if q.type == "consent":
            rows.extend(self.option_rows(q, [(True, self.texts(q.label))], bold=True))
        else:
            rows.append(self.text_row(self.texts(q.label), self.inner, indent=g, bold=True, size=s.label, after=1 * mm))
        for texts in self.hints(q):
            rows.append(self.text_row(texts, self.inner, indent=g, after=0.5 * mm))
        rows.append(Row(2 * mm, _nothing))
        rows.extend(ANSWERS[q.type](self, q))
        for i in self.plan.at(q.id, "after"):
            rows.append(Row(1.5 * mm, _nothing))
            rows.append(self.routing_row(self.instruction(i), g, self.width))
        first = rows[0]
        if self.plan.at(q.id, "before"):
            size, offset = s.body, 0
        else:
            size = s.label
            offset = max(0, (s.box - size * s.leading) / 2) if q.type == "consent" else 0

        def paint_first(c, x, top, inner=first.paint):
            # The number sits on the baseline of the block's first line of text.
            c.setFont(self.bold, s.number)
            c.drawString(x, baseline(top - offset, size, s.leading), number)
            inner(c, x, top)

        rows[0] = Row(first.height, paint_first)
        # A question taller than a page (a very long list in large print, say)
        # runs on to the next page, which then starts by saying whose answers they are.
        continued = self.text_row(self.words("continued_question", n=number), self.width, bold=True, after=2 * mm)
        return Block(rows, space_before=s.gap, continued=continued)

    def hints(self, q):
        """The hint, then the fixed instruction for the type unless the hint already says it."""
        out = []
        if q.hint is not None:
            out.append(self.texts(q.hint))
        key = _instruction_key(q)
        if key and key[0] == "rank" and q.hint is not None and "1" in " ".join(out[0]):
            key = None  # the author's hint already explains how to number the choices
        if key:
            fixed = self.words(key[0], **key[1])
            said = _plain(" ".join(out[0])) if out else ""
            if not all(_plain(t) in said or _spelled(_plain(t)) in said for t in fixed):
                out.append(fixed)
        return out

    # -- answer areas --------------------------------------------------------------

    def option_rows(self, q, options, box=None, bold=False):
        """A box beside each option; routing instructions in a column on the right."""
        s, g = self.s, self.s.gutter
        box = box or s.box
        routes = {}
        if q.type != "scale" or scale_as_list(q.scale):
            for i in self.plan.at(q.id, "answer"):
                for v in i.values:
                    routes[v] = self.instruction(i)
        arrow = s.body * 0.75 + 2 * mm
        col = 0
        if routes:
            natural = max(width_of(t, self.bold, s.body) for texts in routes.values() for t in texts)
            col = min(natural + arrow + 1, 0.42 * self.inner)
        label_x = g + box + TEXT_GAP
        label_w = self.width - label_x - (col + 4 * mm if col else 0)
        rows = []
        for value, texts in options:
            label = self.lines(texts, label_w, bold=bold, size=s.label if bold else None)
            route = self.lines(routes[value], col - arrow, bold=True) if value in routes else None
            line = label.line
            box_top = max(0, (line - box) / 2)
            text_top = max(0, (box - line) / 2)
            height = max(box_top + box, text_top + label.height, text_top + (route.height if route else 0))

            def paint(c, x, top, label=label, route=route, box_top=box_top, text_top=text_top):
                draw_box(c, x + g, top - box_top, box)
                label.paint(c, x + label_x, top - text_top)
                if route:
                    rx = x + self.width - col
                    draw_arrow(c, rx, top - text_top - self.line / 2, s.body)
                    route.paint(c, rx + arrow, top - text_top)

            rows.append(Row(height + self.pad, paint))
            if value == OTHER:
                rows.append(self.write_in_row(self.width - label_x, indent=label_x))
        return rows

    def write_in_row(self, width, indent=None, lines=1):
        s = self.s
        indent = s.gutter if indent is None else indent
        height = s.write_h * lines

        def paint(c, x, top):
            draw_box(c, x + indent, top, width, height)
            c.setLineWidth(0.5)
            for i in range(1, lines):
                y = top - i * s.write_h
                c.line(x + indent + 2 * mm, y, x + indent + width - 2 * mm, y)

        return Row(height + PAD, paint)

    def choice_answers(self, q):
        options = [(c.value, self.texts(c.label)) for c in q.choices]
        if q.other:
            options.append((OTHER, self.words("other")))
        return self.option_rows(q, options)

    def yes_no_answers(self, q):
        return self.option_rows(q, [("yes", self.words("yes")), ("no", self.words("no"))])

    def ranking_answers(self, q):
        return self.option_rows(q, [(c.value, self.texts(c.label)) for c in q.choices], box=self.s.rank_box)

    def consent_answers(self, q):
        return []  # the statement and its box are the question's first row

    def scale_answers(self, q):
        scale = q.scale
        if scale_as_list(scale):
            options = []
            for p in scale.points:
                label = scale.labels.get(p)
                options.append((p, self.texts(label) if label is not None else [str(p)] * len(self.langs)))
            return self.option_rows(q, options)
        return self.scale_row(q)

    def scale_row(self, q):
        s, g, scale = self.s, self.s.gutter, q.scale
        n = len(scale.points)
        cell = min(self.inner / n, 26 * mm)
        total = cell * n
        first_box = g + cell / 2 - s.box / 2  # the end labels line up with the end boxes
        last_box = g + total - cell / 2 + s.box / 2

        def paint_numbers(c, x, top):
            c.setFont(self.bold, s.body)
            for k, p in enumerate(scale.points):
                c.drawCentredString(x + g + (k + 0.5) * cell, baseline(top, s.body, s.leading), str(p))

        def paint_boxes(c, x, top):
            for k in range(n):
                draw_box(c, x + g + (k + 0.5) * cell - s.box / 2, top, s.box)

        rows = [Row(self.line, paint_numbers), Row(s.box + 1.5 * mm, paint_boxes)]
        ends = [(scale.labels.get(scale.min), False), (scale.labels.get(scale.max), True)]
        label_w = max((last_box - first_box) / 2 - 2 * mm, 25 * mm)
        ends = [(self.lines(self.texts(t), label_w), right) for t, right in ends if t is not None]
        if ends:
            def paint_ends(c, x, top):
                for block, right in ends:
                    if right:
                        c.setFont(self.font, s.body)
                        for line, offset in block.lines:
                            c.drawRightString(x + last_box, baseline(top - offset, s.body, s.leading), line)
                    else:
                        block.paint(c, x + first_box, top)

            rows.append(Row(max(b.height for b, _ in ends) + PAD, paint_ends))
        inner_labels = [(p, t) for p, t in scale.labels.items() if p not in (scale.min, scale.max)]
        for p, text in sorted(inner_labels):
            rows.append(self.text_row([f"{p}: {t}" for t in self.texts(text)], self.inner, indent=g, after=1 * mm))
        done = set()
        for i in self.plan.at(q.id, "answer"):
            texts = tuple(self.instruction(i))
            if texts not in done:
                done.add(texts)
                rows.append(self.routing_row(list(texts), g, self.width, after=1 * mm))
        return rows

    def grid_answers(self, q):
        from .grid import grid_rows

        return grid_rows(self, q)

    def text_answers(self, q):
        width = self.inner
        if q.max_length:
            width = min(self.inner, max(60 * mm, q.max_length * 4.5 * mm * self.s.body / 12))
        return [self.write_in_row(width)]

    def textarea_answers(self, q):
        per_line = self.inner / (2.6 * mm * self.s.body / 12)  # handwritten characters on one line
        # Enough lines for the longest answer, within reason: long answers on
        # paper are rare, and a box of more than 6 lines would push a question
        # on to a page of its own.
        lines = 5 if not q.max_length else max(3, min(6, math.ceil(q.max_length / per_line)))
        return [self.write_in_row(self.inner, lines=lines)]

    def email_answers(self, q):
        return [self.write_in_row(self.inner)]

    def phone_answers(self, q):
        return [self.write_in_row(min(self.inner, 100 * mm * self.s.body / 12))]

    def postcode_answers(self, q):
        return [self.write_in_row(55 * mm * self.s.body / 12)]

    def number_answers(self, q):
        digits = len(str(int(abs(q.max)))) if q.max is not None else 5
        if q.min is not None and q.min < 0:
            digits += 1  # room for a minus sign
        groups = [(digits, None)]
        if q.decimals:
            groups = [(digits, "."), (q.decimals, None)]
        return [self.comb_row(groups)]

    def date_answers(self, q):
        return [self.comb_row([(2, "/"), (2, "/"), (4, None)], labels=self.date_labels())]

    def date_labels(self):
        return [" / ".join(dict.fromkeys(self.words(k))) for k in ("dd", "mm", "yyyy")]

    def comb_row(self, groups, labels=None):
        """Boxes for one digit each, in groups separated by '/' or '.'."""
        s, g = self.s, self.s.gutter
        sep_w = s.body * 1.2
        label_h = self.line if labels else 0

        def paint(c, x, top):
            cx = x + g
            for k, (count, sep) in enumerate(groups):
                for _ in range(count):
                    draw_box(c, cx, top, s.digit_w, s.digit_h)
                    cx += s.digit_w
                if labels:
                    start = cx - count * s.digit_w
                    c.setFont(self.font, s.body)
                    c.drawString(start, baseline(top - s.digit_h - 0.5 * mm, s.body, s.leading), labels[k])
                if sep:
                    c.setFont(self.bold, s.label)
                    c.drawCentredString(cx + sep_w / 2, top - s.digit_h * 0.7, sep)
                    cx += sep_w

        return Row(s.digit_h + label_h + PAD, paint)


def _instruction_key(q):
    """The fixed instruction for q's type: (key in words.WORDS, its parameters), or None."""
    if q.type == "choices":
        lo, hi = q.min_selected, q.max_selected
        if lo and hi and lo != hi:
            return "tick_between", {"a": lo, "b": hi}
        if hi:
            return "tick_up_to", {"n": hi}
        if lo:
            return "tick_at_least", {"n": lo}
        return "tick_all", {}
    key = {
        "choice": "tick_one", "yes_no": "tick_one", "scale": "tick_one", "grid": "tick_grid",
        "ranking": "rank", "consent": "tick_consent", "number": "digits", "date": "date",
    }.get(q.type)
    return (key, {}) if key else None


def _plain(text):
    """Text reduced to its words, to see whether a hint already says "Tick all that apply"."""
    return " ".join("".join(ch if ch.isalnum() else " " for ch in text.casefold()).split())


_SPELLED = {"2": "two", "3": "three", "4": "four", "5": "five", "6": "six", "7": "seven", "8": "eight", "9": "nine"}


def _spelled(text):
    """'tick up to 3' as 'tick up to three', as authors often write it in a hint."""
    return " ".join(_SPELLED.get(w, w) for w in text.split())


def _nothing(c, x, top):
    pass


ANSWERS = {
    "choice": Builder.choice_answers,
    "choices": Builder.choice_answers,
    "yes_no": Builder.yes_no_answers,
    "ranking": Builder.ranking_answers,
    "consent": Builder.consent_answers,
    "scale": Builder.scale_answers,
    "grid": Builder.grid_answers,
    "text": Builder.text_answers,
    "textarea": Builder.textarea_answers,
    "email": Builder.email_answers,
    "phone": Builder.phone_answers,
    "postcode": Builder.postcode_answers,
    "number": Builder.number_answers,
    "date": Builder.date_answers,
}
