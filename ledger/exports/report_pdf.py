"""A period report (Phụ lục 01, items 8 and 9) as an A4 landscape PDF (issue #18; pure: the
report's figures in, bytes out): the same figures as the screen and the workbook, each table's
header repeated on every page it runs onto, "Trang n/N" at each foot, the funds' chain-head
anchors, and the signature block (Người lập biểu, Kế toán trưởng, Thủ trưởng đơn vị) on the last
page. Text stays Vietnamese: it is the document the unit files."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from fpdf import FPDF
from fpdf.fonts import FontFace

from ..money import format_vnd
from .paper import REPORT_SIGNATURES, a4_pdf, signature_block
from .vouchers import FUND

HEAD = FontFace(emphasis="BOLD", fill_color=(235, 235, 235))


def period_pdf(data: Any, *, anchors: Sequence[str] = ()) -> bytes:
    """``data`` is a ``services.reports.PeriodReport`` (exports sit below services, so the type
    is not imported here); ``anchors`` the printed chain heads of its funds."""
    p = data.progress
    pdf = a4_pdf(landscape=True)
    pdf.add_page()
    _title(pdf, data)
    _heading(pdf, f"8. Hoạt động của {FUND}")
    previous = "Cùng kỳ năm trước" + (" (ước tính)" if data.previous.estimated else "")
    _table(
        pdf,
        ("Chỉ tiêu", "Kỳ này", previous, "Tăng/giảm"),
        (110, 50, 50, 30),
        [
            ("Chỉ tiêu được giao", format_vnd(p.target), "", ""),
            ("Tổng chỉ tiêu phân bổ", format_vnd(p.quota_total), "", ""),
            (
                "Đã vận động",
                format_vnd(p.collected),
                format_vnd(data.previous_collected),
                _pct(data.change),
            ),
            ("Tỷ lệ so với chỉ tiêu được giao", _pct(p.rate), "", ""),
            ("Tồn quỹ", format_vnd(p.balance), "", ""),
        ],
    )
    if data.previous.inherited:
        _note(
            pdf,
            ("ước tính — " if data.previous.estimated else "")
            + "Cùng kỳ năm trước là tổng của các đơn vị trước sắp xếp, mỗi đơn vị nhân tỷ lệ chuyển "
            f"sang (làm tròn xuống đến đồng): {data.previous.describe()}",
        )
    if data.rows:
        _units(pdf, data.rows)
    _heading(pdf, f"9. Tổng số tiền đã chi: {format_vnd(data.spent_total)}")
    _table(
        pdf,
        ("Khoản chi", "Kỳ này"),
        (150, 50),
        [(name_vi, format_vnd(amount)) for _code, name_vi, _en, amount in data.spent]
        + [("Cùng kỳ năm trước", format_vnd(data.previous_spent))],
    )
    if data.children is not None and data.children.lines:
        _children(pdf, data.children)
    if anchors:
        _anchors(pdf, anchors)
    signature_block(pdf, REPORT_SIGNATURES)
    return bytes(pdf.output())


def _title(pdf: FPDF, data: Any) -> None:
    pdf.set_font("DejaVu", "B", 9)
    pdf.cell(0, 5, f"Đơn vị: {data.progress.unit.name}", new_x="LMARGIN", new_y="NEXT")
    pdf.cell(0, 5, f"Quỹ: {FUND}", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "B", 14)
    pdf.cell(0, 8, data.period.name.upper(), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "I", 10)
    line = f"Số liệu đến ngày {data.period.cutoff:%d/%m/%Y}; hạn nộp {data.period.due:%d/%m/%Y}"
    pdf.cell(0, 6, line, align="C", new_x="LMARGIN", new_y="NEXT")


def _heading(pdf: FPDF, text: str) -> None:
    pdf.ln(3)
    pdf.set_font("DejaVu", "B", 11)
    pdf.multi_cell(0, 6, text, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1)


def _note(pdf: FPDF, text: str) -> None:
    pdf.set_font("DejaVu", "I", 8)
    pdf.multi_cell(0, 4, text, new_x="LMARGIN", new_y="NEXT")


def _table(
    pdf: FPDF,
    headings: Sequence[str],
    widths: Sequence[float],
    rows: Iterable[Sequence[object]],
    note: bool = False,
) -> None:
    """A table whose heading row repeats on each page it runs onto: a name, then figures
    right-aligned (and, with ``note``, a last column of text)."""
    pdf.set_font("DejaVu", "", 8.5)
    align = ["LEFT", *("RIGHT" for _ in widths[1:])]
    if note:
        align[-1] = "LEFT"
    with pdf.table(
        col_widths=widths,
        width=sum(widths),
        align="LEFT",
        text_align=align,
        line_height=5,
        headings_style=HEAD,
        repeat_headings=1,
    ) as table:
        table.row(headings)
        for row in rows:
            table.row([str(value) for value in row])


def _units(pdf: FPDF, rows: Sequence[Any]) -> None:
    _heading(pdf, "Theo đơn vị")
    _table(
        pdf,
        ("Đơn vị", "Chỉ tiêu", "Đã vận động", "Tỷ lệ", "Cùng kỳ năm trước", "Tồn quỹ", "Ghi chú"),
        (62, 34, 34, 18, 34, 34, 57),
        [
            (
                row.name,
                format_vnd(row.quota),
                format_vnd(row.collected),
                _pct(row.rate),
                format_vnd(row.previous.collected),
                format_vnd(row.balance),
                ("ước tính: " if row.previous.estimated else "")
                + (row.previous.describe() if row.previous.inherited else ""),
            )
            for row in rows
        ],
        note=True,
    )


def _children(pdf: FPDF, children: Any) -> None:
    _heading(pdf, f"Trẻ em được hỗ trợ (tính đến {children.as_of:%d/%m/%Y})")
    _table(
        pdf,
        ("Khoản chi", "Số trẻ được hỗ trợ", "Chỉ tiêu số trẻ", "Tỷ lệ"),
        (120, 45, 45, 30),
        [(line.name_vi, line.count, line.target or "—", _pct(line.rate)) for line in children.lines]
        + [("Tổng cộng", children.total, children.target_total or "—", "")],
    )


def _anchors(pdf: FPDF, anchors: Sequence[str]) -> None:
    pdf.ln(3)
    pdf.set_font("DejaVu", "B", 8)
    pdf.cell(0, 4, "Dấu neo chuỗi băm của các quỹ:", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 6.5)
    for line in anchors:
        pdf.multi_cell(0, 3.2, line, new_x="LMARGIN", new_y="NEXT")


def _pct(value: float | None) -> str:
    """145.0 → "145,0%"; "—" when there is nothing to compare with."""
    if value is None:
        return "—"
    return f"{value:,.1f}".translate(str.maketrans(",.", ".,")) + "%"
