"""Writers for exports: CSV and JSON lines as streamed text, Excel and SQLite as files.

Spreadsheets run a cell that starts with =, +, -, @, a tab or a carriage
return as a formula, so a respondent who types `=HYPERLINK(...)` could reach
whoever opens the export. CSV cells like that get a leading apostrophe;
Excel cells are written as text cells, which Excel never evaluates. Plain
numbers (-5) are not formulas and stay as they are.
"""

import csv
import errno
import gc
import io
import json
import multiprocessing
import os
import re
import shutil
import tempfile
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
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


def _inert_row(row):
    return [("'" + v) if v.__class__ is str and v[:1] in DANGER and not PLAIN_NUMBER(v) else v for v in row]


def text_chunks(export, fmt, bom=False, text_row=True, progress=None, part=(None, None)):
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
    yield from csv_chunks(export, part, progress)


def csv_chunks(export, part=(None, None), progress=None):
    """The CSV text of the export's rows (of one part of them, from export.split), a batch a chunk."""
    text = csv_columns_text(export.columns)
    for columns in export.columns_of_rows(text=True, part=part):
        yield text(columns)
        if progress:
            progress(len(columns[0]))


def csv_columns_text(columns):
    """text(cells): the CSV text of a batch of rows given as columns of str cells (cells[i] the
    cells of columns[i]), formula-proofed, exactly as csv.writer would write them.

    Made a column at a time: only the cells of columns that can hold free text
    are formula-proofed (the others hold numbers, dates or codes the form defines,
    checked once when the export is planned), and a column is looked at for cells that
    need quotes all at once (one string of its cells), then cell by cell only
    if that finds a comma, a quote or a line break.
    """
    free = [c.free for c in columns]

    def text(cells):
        out = []
        for i, column in enumerate(cells):
            if free[i]:
                column = [("'" + v) if v and v[0] in DANGER and not PLAIN_NUMBER(v) else v for v in column]
            if _needs_quotes("".join(column)):
                column = [_quote(v) if _needs_quotes(v) else v for v in column]
            out.append(column)
        return "\r\n".join(map(",".join, zip(*out))) + "\r\n"
    return text


def _needs_quotes(text):
    return '"' in text or "," in text or "\n" in text or "\r" in text


def _quote(cell):
    return '"' + cell.replace('"', '""') + '"'


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
    if fmt == "csv" and export.count() >= SHARED_FROM and _cores() > 1 and export.can_plan_again():
        write_csv_shared(export, path, bom, text_row, progress)
    elif fmt in ("csv", "json"):
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


# From this many responses a CSV export written to a file is shared between processes, one
# per core: each writes the rows of a part, read from its own connection. Below it, starting
# a process (about half a second) costs more than it saves. Downloads stay in one thread.
SHARED_FROM = 100_000


def _cores():
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def write_csv_shared(export, path, bom=False, text_row=True, progress=None):
    """Write a CSV export to path with one process per core: this one writes the header and the
    first part of the rows, each other process a later part into a file of its own, then
    this one adds those files in order. The same bytes as text_chunks gives."""
    parts = export.split(_cores())
    spills = [f"{path}.{i}" for i in range(1, len(parts))]
    context = multiprocessing.get_context("spawn")  # a fresh interpreter: no connection or lock shared by fork
    try:
        with ProcessPoolExecutor(max_workers=max(len(spills), 1), mp_context=context, initializer=_yield_to_others) as pool:
            # The workspace, where the store has one: at the hub its key opens sealed personal answers.
            privacy = export.store.privacy
            where = str(privacy.workspace.path) if privacy is not None else export.store.path
            later = [pool.submit(write_csv_part, where, export.form.id, export.form.version,
                                 {**export.options, "used": export.used}, part, spill) for part, spill in zip(parts[1:], spills)]
            with open(path, "w", encoding="utf-8", newline="") as f:
                for chunk in text_chunks(export, "csv", bom=bom, text_row=text_row, progress=progress, part=parts[0]):
                    f.write(chunk)
                f.flush()
                for future, spill in zip(later, spills):
                    written, unopened = future.result()
                    export.unopened[0] += unopened
                    with open(spill, "rb") as rows:
                        _append(rows, f.buffer)
                    if progress:
                        progress(written)
    except BrokenProcessPool:
        raise ExportError("a process writing part of the export stopped unexpectedly; nothing was written.") from None
    finally:
        for spill in spills:
            if os.path.exists(spill):
                os.unlink(spill)


def _append(source, out):
    """Add the rest of the binary file source to the binary file out (flushed), in the kernel where it can:
    a part of a million-response export is 170 MB, which read and written again by Python takes half a second."""
    if hasattr(os, "copy_file_range"):
        try:
            while os.copy_file_range(source.fileno(), out.fileno(), 1 << 30):
                pass
            return
        except OSError as exc:
            # Not every file system copies between files (nor every kernel): then as below, from where it stopped.
            if exc.errno not in (errno.EXDEV, errno.ENOSYS, errno.EOPNOTSUPP, errno.EINVAL):
                raise
    shutil.copyfileobj(source, out, 1 << 20)


def _yield_to_others():
    # A helper process gives way to every other program: on a laptop serving tablets, the
    # server keeps its core, and the export takes only what is left.
    if hasattr(os, "nice"):
        os.nice(10)


def write_csv_part(where, form_id, version, options, part, path):
    """In a process of its own: plan the same export again and write one part of its rows, as CSV
    without a header, to path. where is the workspace's folder, or a store's database file.
    Returns how many rows it wrote, and how many of them had personal answers it could not open."""
    import forms

    from .export import plan_export
    from .store import Store
    from .workspace import Workspace

    store = Workspace(where).store if os.path.isdir(where) else Store(where)
    try:
        form = forms.load_form_text(store.form_source(form_id, version), f"{form_id} v{version}")
        export, _warnings = plan_export(store, form, **options)
        written = []
        with _cyclic_gc_paused(), open(path, "w", encoding="utf-8", newline="") as f:
            for chunk in csv_chunks(export, part, written.append):
                f.write(chunk)
        return sum(written), export.unopened[0]
    finally:
        store.close()
