"""Writers for exports: CSV and JSON lines as streamed text, Excel and SQLite as files.

Spreadsheets run a cell that starts with =, +, -, @, a tab or a carriage
return as a formula, so a respondent who types `=HYPERLINK(...)` could reach
whoever opens the export. CSV cells like that get a leading apostrophe;
Excel cells are written as text cells, which Excel never evaluates. Plain
numbers (-5) are not formulas and stay as they are.
"""

import csv
import gc
import io
import json
import os
import re
import tempfile
from contextlib import contextmanager
from operator import itemgetter
from pathlib import Path

from .export import ExportError
from .store import StoreError, write_database

EXTENSIONS = {"csv": ".csv", "xlsx": ".xlsx", "json": ".jsonl", "sqlite": ".sqlite"}
MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/x-ndjson; charset=utf-8",
    "sqlite": "application/vnd.sqlite3",
}
DANGER = frozenset("=+-@\t\r")
PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?").fullmatch
EXCEL_ROWS = 1_048_576  # rows in one Excel sheet, its header row included


def inert(value):
    """A CSV cell that reads the same but never runs as a formula."""
    if value.__class__ is str and value[:1] in DANGER and not PLAIN_NUMBER(value):
        return "'" + value
    return value


def _inert_row(row):
    return [("'" + v) if v.__class__ is str and v[:1] in DANGER and not PLAIN_NUMBER(v) else v for v in row]


def text_chunks(export, fmt, bom=False, text_row=True, progress=None):
    """The export as str chunks (a batch of rows each): CSV or JSON lines, for a file or a download.

    CSV has the column names (question ids) as its first row and, unless
    text_row is False, what each column holds (the question's text) as its second.
    """
    if fmt == "json":
        for batch in export.records():
            yield "".join([json.dumps(r, ensure_ascii=False) + "\n" for r in batch])
            if progress:
                progress(len(batch))
        return
    if fmt != "csv":
        raise ValueError(fmt)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(_inert_row([c.key for c in export.columns]))
    if text_row:
        writer.writerow(_inert_row([c.text for c in export.columns]))
    yield ("\ufeff" if bom else "") + buffer.getvalue()
    text = csv_text(export.columns, writer, buffer)
    for batch in export.rows(text=True):
        yield text(batch)
        if progress:
            progress(len(batch))


def csv_text(columns, writer, buffer):
    """text(rows): the CSV text of rows of str cells of these columns, formula-proofed, exactly
    as writer (a csv.writer into buffer) would write them, in about half its time.

    Only the cells of columns that can hold free text are formula-proofed (the
    others hold numbers, dates or codes the form defines, checked once when
    the export is planned). csv.writer looks at every character of every cell
    to see whether it needs quotes; most cells never do (codes, numbers,
    dates), so only those of columns that may (free text, labels with commas)
    are looked at one by one, and the others of a row are joined and looked at
    all at once. If one of those holds a comma, a quote or a line break after
    all (a hand-edited database), csv.writer writes that row.
    """
    touched = [(i, c.free, c.quoted) for i, c in enumerate(columns) if c.free or c.quoted]
    free = [i for i, c in enumerate(columns) if c.free]
    plain = [i for i, c in enumerate(columns) if not c.quoted]
    others = itemgetter(*plain) if len(plain) > 1 else (lambda cells: [cells[i] for i in plain])
    commas = len(plain) - 1

    def written(row):
        for i in free:
            row[i] = inert(row[i])
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(row)
        return buffer.getvalue()[:-2]

    def text(rows):
        lines = []
        for row in rows:
            rest = ",".join(others(row))
            if rest.count(",") != commas or '"' in rest or "\n" in rest or "\r" in rest:
                lines.append(written(row))
                continue
            for i, proof, quote in touched:
                cell = row[i]
                if not cell:
                    continue
                if proof and cell[0] in DANGER and not PLAIN_NUMBER(cell):
                    cell = "'" + cell
                if quote:
                    if '"' in cell:
                        cell = '"' + cell.replace('"', '""') + '"'
                    elif "," in cell or "\n" in cell or "\r" in cell:
                        cell = '"' + cell + '"'
                row[i] = cell
            lines.append(",".join(row))
        lines.append("")
        return "\r\n".join(lines)
    return text


def write_xlsx(export, path, progress=None):
    """An Excel workbook: the responses (more sheets past Excel's million rows), then the questions."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Font

    illegal = ILLEGAL_CHARACTERS_RE.search
    scrub = ILLEGAL_CHARACTERS_RE.sub
    errors = frozenset(ERROR_CODES)
    book = Workbook(write_only=True)
    bold = Font(bold=True)

    def text_cell(sheet, value):
        # openpyxl would store '=...' as a formula and '#N/A' as an error; a text cell is inert.
        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"
        return cell

    def cells(sheet, row, free):
        for i in free:
            v = row[i]
            if v.__class__ is str:
                if illegal(v):
                    v = row[i] = scrub("", v)
                if v[:1] == "=" or v in errors:
                    row[i] = text_cell(sheet, v)
        return row

    def new_sheet(title, header):
        sheet = book.create_sheet(title)
        sheet.freeze_panes = "A2"
        heads = []
        for name in header:
            cell = text_cell(sheet, name)
            cell.font = bold
            heads.append(cell)
        sheet.append(heads)
        return sheet

    header = [c.key for c in export.columns]
    free = export.free_columns()
    sheets = 1
    sheet = new_sheet("Responses", header)
    used = 1
    try:
        for batch in export.rows():
            for row in batch:
                if used == EXCEL_ROWS:
                    sheets += 1
                    sheet = new_sheet(f"Responses {sheets}", header)
                    used = 1
                sheet.append(cells(sheet, row, free))
                used += 1
            if progress:
                progress(len(batch))
    except BaseException:
        # Finish the sheets' files now, or openpyxl writes to them once they are closed.
        for written in book.worksheets:
            written.close()
        raise
    about = new_sheet("Questions", ["column", "question_id", "text", "type", "personal", "sensitive"])
    types = {q.id: q for q, _lang in export.questions()}
    for c in export.columns:
        q = types.get(c.qid)
        about.append(cells(about, [c.key, c.qid, c.text, q.type if q else "metadata",
                                   int(q.personal) if q else None, int(q.sensitive) if q else None], (2,)))
    book.save(path)


def table_name(export):
    name = export.form.id
    return f"{name}_responses" if name in ("columns", "questions", "choices") else name


def write_sqlite(export, path, progress=None):
    """A tidy SQLite database: the wide table of responses, and tables describing its columns,
    questions and choices, ready for Datasette or any SQLite tool."""

    def rows():
        for batch in export.rows():
            yield from batch
            if progress:
                progress(len(batch))

    questions = export.questions()
    wide = [(c.key, export.sqltype(c)) for c in export.columns]
    write_database(path, [
        (table_name(export), wide, rows(), export.columns[0].key),
        ("columns", [("name", "TEXT"), ("position", "INTEGER"), ("question_id", "TEXT"), ("label", "TEXT")],
         [(c.key, i, c.qid, c.text) for i, c in enumerate(export.columns, 1)], "name"),
        ("questions", [("id", "TEXT"), ("position", "INTEGER"), ("type", "TEXT"), ("label", "TEXT"),
                       ("personal", "INTEGER"), ("sensitive", "INTEGER")],
         [(q.id, i, q.type, q.label.pick(lang), int(q.personal), int(q.sensitive)) for i, (q, lang) in enumerate(questions, 1)],
         "id"),
        ("choices", [("question_id", "TEXT"), ("value", "TEXT"), ("label", "TEXT")], list(export.choice_rows()), None),
    ])


@contextmanager
def _cyclic_gc_paused():
    # Rows are trees of lists and dicts without cycles, freed by reference counting as
    # each batch is written; the cyclic collector would only walk the live objects again
    # and again (a sixth of the time of a large CSV export).
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def write_export(export, fmt, out, bom=False, text_row=True, progress=None):
    """Write the export to the file out, whole or not at all: into a new file beside it, then renamed.

    For the command line: it pauses Python's cyclic garbage collector while it
    runs, which a threaded web server should not do.
    """
    out = Path(out)
    folder = out.parent
    if not folder.is_dir():
        raise ExportError(f"cannot write {out}: the folder {folder} does not exist.")
    if out.is_dir():
        raise ExportError(f"cannot write {out}: it is a folder; give a file name.")
    try:
        handle, tmp = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".part", dir=folder)
    except OSError as exc:
        raise ExportError(f"cannot write {out}: {exc.strerror or exc}.") from None
    os.close(handle)
    try:
        with _cyclic_gc_paused():
            write_to(export, fmt, tmp, bom, text_row, progress)
        os.replace(tmp, out)
    except OSError as exc:
        raise ExportError(f"cannot write {out}: {exc.strerror or exc}.") from None
    except StoreError as exc:
        raise ExportError(str(exc)) from None
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def write_to(export, fmt, path, bom=False, text_row=True, progress=None):
    """Write the export to path in fmt, as it is (no temporary file, no rename)."""
    if fmt in ("csv", "json"):
        with open(path, "w", encoding="utf-8", newline="") as f:
            for chunk in text_chunks(export, fmt, bom=bom, text_row=text_row, progress=progress):
                f.write(chunk)
    elif fmt == "xlsx":
        write_xlsx(export, path, progress)
    elif fmt == "sqlite":
        if os.path.exists(path):
            os.unlink(path)
        write_sqlite(export, path, progress)
        os.chmod(path, 0o600)
    else:
        raise ExportError(f"unknown format '{fmt}'; use one of {', '.join(EXTENSIONS)}.")
