"""The writer for large workbooks: XlsxWriter, streaming rows to a file in constant memory.

User text is written as inline strings with ``strings_to_formulas`` off, so nothing a user
typed can ever become a formula; control characters are stripped. Only the builders' own
``=SUM(...)`` cells are formulas, and they carry the value the app computed.

The detail sheets (a nation's million receipts) take a faster path, ``Sheet.table``: each row
is rendered to the same ``<row>`` XML XlsxWriter writes for it and appended to the sheet's
row file, instead of ten calls per row through XlsxWriter's cell table (100,000 rows took
6–7× less time, measured in the same minute). It uses XlsxWriter's constant-memory internals
(``row_data_fh``, ``previous_row``, ``_write_single_row``, ``_check_dimensions``), which is why
the version is pinned below 4 and ``tests/test_reconciliation.py`` compares both paths cell by
cell.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable, Collection, Iterable, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

import xlsxwriter
import xlsxwriter.workbook
from xlsxwriter.utility import xl_col_to_name

from .cells import DATE_FORMAT, HEADER_COLOR, MONEY_FORMAT, safe_text

#: Excel's last row (1-based); a table that would pass it continues on a sheet of its own
MAX_ROWS = 1_048_576
#: rows rendered between two writes to the row file (and two progress reports)
CHUNK = 5_000


class _FastZip(zipfile.ZipFile):
    """Deflate level 1 instead of 6: a nation's sheet XML (~600 MB) compresses in ~3 s
    instead of ~8 s, for a file ~25 % larger. XlsxWriter names ``ZipFile`` once, in
    ``_store_workbook``; every workbook this project writes with it takes this level."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("compresslevel", 1)
        super().__init__(*args, **kwargs)


xlsxwriter.workbook.ZipFile = _FastZip


class Book:
    """One workbook being written row by row to ``path``; ``close()`` finishes the file."""

    def __init__(self, path: Path | str) -> None:
        self.workbook = xlsxwriter.Workbook(
            str(path),
            {
                "constant_memory": True,
                "strings_to_formulas": False,
                "strings_to_urls": False,
                "strings_to_numbers": False,
                "in_memory": False,
            },
        )
        self.money = self.workbook.add_format({"num_format": MONEY_FORMAT})
        self.money_bold = self.workbook.add_format({"num_format": MONEY_FORMAT, "bold": True})
        self.date = self.workbook.add_format({"num_format": DATE_FORMAT})
        self.bold = self.workbook.add_format({"bold": True})
        self.header = self.workbook.add_format(
            {"bold": True, "bg_color": f"#{HEADER_COLOR}", "text_wrap": True, "valign": "vcenter"}
        )

    def sheet(self, title: str, widths: list[int], *, freeze_row: int | None = None) -> Sheet:
        """A sheet with column widths, A4 landscape fitted to width, optional frozen rows."""
        sheet = self.workbook.add_worksheet(title)
        for column, width in enumerate(widths):
            sheet.set_column(column, column, width)
        if freeze_row is not None:
            sheet.freeze_panes(freeze_row, 0)
        sheet.set_landscape()
        sheet.set_paper(9)
        sheet.fit_to_pages(1, 0)
        return Sheet(self, sheet, widths, freeze_row)

    def close(self) -> None:
        self.workbook.close()


#: reports progress: (rows written so far)
Progress = Callable[[int], None]


class Sheet:
    """Rows are written in order (constant memory); ``money`` lists the money columns."""

    def __init__(
        self, book: Book, sheet: Any, widths: list[int], freeze_row: int | None = None
    ) -> None:
        self.book, self.sheet, self.row = book, sheet, 0
        self.widths, self.freeze_row = widths, freeze_row
        #: (the first sheet's title, this part's number) for a table's continuation
        self.continues: tuple[str, int] | None = None

    def write(
        self,
        values: Iterable[Any],
        *,
        money: Collection[int] = (),
        bold: bool = False,
        header: bool = False,
    ) -> int:
        """Write one row and return its 0-based index."""
        book, row = self.book, self.row
        for column, value in enumerate(values):
            if header:
                self.sheet.write_string(row, column, safe_text(str(value)), book.header)
            elif value is None or value == "":
                continue
            elif isinstance(value, str):
                self.sheet.write_string(row, column, safe_text(value), book.bold if bold else None)
            elif isinstance(value, bool):
                self.sheet.write_boolean(row, column, value)
            elif isinstance(value, (date, datetime)):
                self.sheet.write_datetime(row, column, _as_datetime(value), book.date)
            elif column in money:
                self.sheet.write_number(row, column, value, book.money_bold if bold else book.money)
            else:
                self.sheet.write_number(row, column, value, book.bold if bold else None)
        self.row += 1
        return row

    def table(
        self,
        rows: Iterable[Sequence[Any]],
        kinds: str,
        *,
        header: Sequence[str] = (),
        progress: Progress | None = None,
    ) -> int:
        """Many rows of known column kinds (``n`` number, ``m`` money, ``d`` date, ``s`` text),
        rendered straight to the sheet's XML: what XlsxWriter writes for the same cells, without
        its per-cell calls. Past Excel's last row the rows continue on a new sheet named
        "<title> (2)", "(3)"… (with ``header`` repeated). Returns the number of rows written."""
        render = _renderer(kinds, self.book)
        sheet, written = self, 0
        chunk: list[str] = []
        add = chunk.append
        sheet._flush()
        row = sheet.row  # kept in a local in the loop (a million rows), written back per chunk
        for values in rows:
            if row >= MAX_ROWS:
                sheet.row = row
                written += len(chunk)
                sheet._append(chunk)
                chunk.clear()
                sheet = sheet._continued(header)
                sheet._flush()
                row = sheet.row
            row += 1
            add(render(row, values))
            if len(chunk) == CHUNK:
                sheet.row = row
                written += CHUNK
                sheet._append(chunk)
                chunk.clear()
                if progress is not None:
                    progress(written)
        sheet.row = row
        written += len(chunk)
        sheet._append(chunk)
        if progress is not None:
            progress(written)
        return written

    def _flush(self) -> None:
        """Have XlsxWriter write out the row it holds, so rendered rows follow it."""
        ws = self.sheet
        if self.row > ws.previous_row:
            ws._write_single_row(self.row)

    def _append(self, chunk: list[str]) -> None:
        """Append rendered rows (ending at ``self.row``) to the sheet's row file."""
        if not chunk:
            return
        ws = self.sheet
        ws.row_data_fh.write("".join(chunk))
        ws._check_dimensions(self.row - 1, len(self.widths) - 1)
        ws.previous_row = self.row - 1

    def _continued(self, header: Sequence[str]) -> Sheet:
        title, part = self.continues or (self.sheet.get_name(), 1)
        nxt = self.book.sheet(f"{title} ({part + 1})", self.widths, freeze_row=self.freeze_row)
        nxt.continues = (title, part + 1)
        if header:
            nxt.write(header, header=True)
        return nxt

    def formula(self, row: int, column: int, text: str, value: int, *, money: bool = True) -> None:
        """A formula the builder composed, with the value the app computed as its result (in
        bold, as money unless ``money`` is false: a count)."""
        style = self.book.money_bold if money else self.book.bold
        self.sheet.write_formula(row, column, text, style, value)

    def skip(self) -> None:
        self.row += 1


_EXCEL_EPOCH = date(1899, 12, 30).toordinal()
#: what a printable text needs more than wrapping for: XML escapes, Excel's _xHHHH_ escape,
#: leading or trailing space
_SPECIAL = re.compile(r"[&<>]|_x[0-9a-fA-F]{4}_|^\s|\s$")
_EDGE_SPACE = re.compile(r"^\s|\s$")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f]")
_ESCAPED_ESCAPE = re.compile(r"(_x[0-9a-fA-F]{4}_)")


def _serial(value: date) -> int:
    """A date as Excel's day number (1900 date system, dates after 1 March 1900)."""
    return value.toordinal() - _EXCEL_EPOCH


def _text(value: str) -> str:
    """The inline string element XlsxWriter writes for ``write_string(safe_text(value))``
    (after the cell's ``<c r="A1``)."""
    if value.isprintable() and not _SPECIAL.search(value):
        return f'" t="inlineStr"><is><t>{value}</t></is></c>'
    value = safe_text(value)[:32767]
    value = _ESCAPED_ESCAPE.sub(r"_x005F\1", value)
    value = _CONTROL.sub(lambda m: f"_x{ord(m.group(0)):04X}_", value)
    value = value.replace("\ufffe", "_xFFFE_").replace("\uffff", "_xFFFF_")
    space = ' xml:space="preserve"' if _EDGE_SPACE.search(value) else ""
    value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return f'" t="inlineStr"><is><t{space}>{value}</t></is></c>'


#: texts seen often (fund names, methods, sources) are rendered once; bounded
_SEEN = 50_000


def _renderer(kinds: str, book: Book) -> Callable[[int, Sequence[Any]], str]:
    """A function (1-based row number, values) → that row's ``<row>`` XML.

    It is written out for ``kinds`` as one statement per column and compiled (a loop over the
    columns took 2.5× as long: a million rows are ten million cells). A cell names its column
    (``r="C12"``) only after an empty one, which it skips; the others are placed one after the
    other, as the format allows, so each can be rendered once for its value and reused (the
    funds, methods, dates and amounts of a million receipts are a few thousand values)."""
    texts: dict[str, str] = {}

    def text(value: str) -> str:
        found = texts.get(value)
        if found is None:
            found = _text(value)
            if len(texts) < _SEEN:
                texts[value] = found
        return found

    styles = {"m": book.money._get_xf_index(), "d": book.date._get_xf_index()}
    namespace: dict[str, Any] = {"text": text, "texts": texts, "serial": _serial}
    lines = ["def render(number, v):", "    r = str(number)", "    out = ['<row r=\"', r, '\">']"]
    for column, kind in enumerate(kinds):
        ref = xl_col_to_name(column)
        named, placed = _cell_sources(kind, ref, styles)
        cells: dict[Any, str] = {}
        namespace[f"cells{column}"] = cells
        namespace[f"make{column}"] = _cached(placed, cells)
        lines.append(f"    x = v[{column}]")
        lines.append("    if x is None or x == '':")
        lines.append("        gap = True" if column < len(kinds) - 1 else "        pass")
        if column:
            lines.append("    elif gap:")
            lines.append(f"        out.append({named})")
        lines.append("    else:")
        lines.append(f"        out.append(cells{column}.get(x) or make{column}(x))")
        if not column:
            lines.insert(3, "    gap = False")
    lines.append("    out.append('</row>')")
    lines.append("    return ''.join(out)")
    exec(compile("\n".join(lines) + "\n", f"<row renderer {kinds}>", "exec"), namespace)
    render: Callable[[int, Sequence[Any]], str] = namespace["render"]
    return render


def _cell_sources(kind: str, ref: str, styles: dict[str, int]) -> tuple[str, Callable[[Any], str]]:
    """A column's cell: the expression naming its column (after a gap) and a function
    rendering it unnamed, both from the value ``x``."""
    if kind == "s":
        return f"f'<c r=\"{ref}{{r}}{{texts.get(x) or text(x)}}'", lambda x: "<c" + _text(x)[1:]
    if kind == "d":
        style = styles["d"]
        return (
            f'f\'<c r="{ref}{{r}}" s="{style}"><v>{{serial(x)}}</v></c>\'',
            lambda x: f'<c s="{style}"><v>{_serial(x)}</v></c>',
        )
    if kind == "m":
        style = styles["m"]
        return (
            f'f\'<c r="{ref}{{r}}" s="{style}"><v>{{x:.16G}}</v></c>\'',
            lambda x: f'<c s="{style}"><v>{x:.16G}</v></c>',
        )
    if kind == "n":
        return f"f'<c r=\"{ref}{{r}}\"><v>{{x:.16G}}</v></c>'", lambda x: f"<c><v>{x:.16G}</v></c>"
    raise ValueError(f"unknown column kind {kind!r}")


def _cached(render: Callable[[Any], str], cells: dict[Any, str]) -> Callable[[Any], str]:
    """``render``, remembering up to ``_SEEN`` values in ``cells``."""

    def make(value: Any) -> str:
        cell = render(value)
        if len(cells) < _SEEN:
            cells[value] = cell
        return cell

    return make


def _as_datetime(value: date) -> datetime:
    return value if isinstance(value, datetime) else datetime(value.year, value.month, value.day)
