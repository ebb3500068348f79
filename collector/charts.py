"""Bar charts drawn on the server as SVG: no JavaScript, no outside libraries, prints well."""

from markupsafe import Markup, escape

ROW = 28
LABEL_WIDTH = 190
BAR_WIDTH = 260
WIDTH = LABEL_WIDTH + BAR_WIDTH + 70


def bar_chart(rows, title):
    """An SVG of horizontal bars for [(label, count)], with its numbers in its text alternative."""
    rows = list(rows)
    most = max((n for _, n in rows), default=0) or 1
    total = sum(n for _, n in rows) or 1
    height = ROW * len(rows) + 8
    summary = "; ".join(f"{label}: {n}" for label, n in rows)
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" width="100%" role="img" '
        f'aria-label="{escape(title)}. {escape(summary)}" xmlns="http://www.w3.org/2000/svg">'
    ]
    for i, (label, n) in enumerate(rows):
        y = i * ROW + 4
        text = str(label)
        short = text if len(text) <= 28 else text[:27] + "…"
        bar = round(BAR_WIDTH * n / most)
        share = round(100 * n / total)
        parts.append(
            f'<text x="{LABEL_WIDTH - 8}" y="{y + 17}" text-anchor="end" class="chart-label">{escape(short)}</text>'
            f'<rect x="{LABEL_WIDTH}" y="{y + 3}" width="{max(bar, 1)}" height="{ROW - 8}" class="chart-bar"/>'
            f'<text x="{LABEL_WIDTH + max(bar, 1) + 6}" y="{y + 17}" class="chart-value">{n} ({share}%)</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))
