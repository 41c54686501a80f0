"""Vouchers as A5 PDF (fpdf2, DejaVu Sans from matplotlib's fonts: renders Vietnamese)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import matplotlib
from fpdf import FPDF

from ..dates import long_date
from ..models import Disbursement, Receipt, Unit
from ..money import amount_in_words, format_vnd
from ..vocab import DisbursementStatus

FONTS = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
SIGNATURES = [
    ("Thủ trưởng đơn vị", "(Ký, họ tên, đóng dấu)"),
    ("Kế toán trưởng", "(Ký, họ tên)"),
    ("Người lập", "(Ký, họ tên)"),
    ("{who}", "(Ký, họ tên)"),
    ("Thủ quỹ", "(Ký, họ tên)"),
]


def _pdf() -> FPDF:
    pdf = FPDF(orientation="P", unit="mm", format=(148, 210))  # A5
    pdf.set_margins(10, 10, 10)
    pdf.set_auto_page_break(True, 10)
    pdf.add_font("DejaVu", "", str(FONTS / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(FONTS / "DejaVuSans-Bold.ttf"))
    pdf.add_font("DejaVu", "I", str(FONTS / "DejaVuSans-Oblique.ttf"))
    pdf.add_page()
    return pdf


def voucher_pdf(
    *,
    title: str,
    form_code: str,
    circular: str,
    unit_name: str,
    day: date,
    book_no: str,
    number: int,
    lines: list[tuple[str, str]],
    amount: int,
    words: str,
    attachments: int,
    counterpart: str,
    voided: str = "",
) -> bytes:
    """Lay out one voucher (phiếu thu or phiếu chi) and return the PDF bytes."""
    pdf = _pdf()
    width = pdf.epw
    pdf.set_font("DejaVu", "B", 8)
    pdf.cell(width * 0.55, 4, f"Đơn vị: {unit_name}")
    pdf.multi_cell(width * 0.45, 4, form_code, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "I", 6)
    pdf.set_x(pdf.l_margin + width * 0.55)
    pdf.multi_cell(width * 0.45, 3, circular, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.set_font("DejaVu", "B", 15)
    pdf.cell(width, 8, title, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "I", 9)
    pdf.cell(width, 5, long_date(day), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 8)
    pdf.cell(
        width,
        5,
        f"Quyển số: {book_no or '……'}    Số: {number}",
        align="R",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.set_font("DejaVu", "", 9)
    for label, value in lines:
        pdf.multi_cell(width, 5, f"{label}: {value}", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "B", 9)
    pdf.multi_cell(width, 5, f"Số tiền: {format_vnd(amount)}", new_x="LMARGIN", new_y="NEXT")
    pdf.multi_cell(width, 5, f"(Viết bằng chữ): {words}", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 9)
    pdf.cell(width, 5, f"Kèm theo: {attachments} chứng từ gốc.", new_x="LMARGIN", new_y="NEXT")
    if voided:
        pdf.set_text_color(180, 30, 30)
        pdf.set_font("DejaVu", "B", 11)
        pdf.multi_cell(width, 6, voided, new_x="LMARGIN", new_y="NEXT")
        pdf.set_text_color(0, 0, 0)
    _signatures(pdf, counterpart)
    return bytes(pdf.output())


def _signatures(pdf: FPDF, counterpart: str) -> None:
    pdf.ln(3)
    column = pdf.epw / len(SIGNATURES)
    top = pdf.get_y()
    for index, (role, hint) in enumerate(SIGNATURES):
        pdf.set_xy(pdf.l_margin + index * column, top)
        pdf.set_font("DejaVu", "B", 7)
        pdf.multi_cell(column, 3.5, role.format(who=counterpart), align="C")
        pdf.set_x(pdf.l_margin + index * column)
        pdf.set_font("DejaVu", "I", 6)
        pdf.multi_cell(column, 3, hint, align="C")


def receipt_pdf(receipt: Receipt, *, fund: Unit, settings: dict[str, Any]) -> bytes:
    """Phiếu thu (C40-BB) of ``receipt``."""
    words = amount_in_words(receipt.amount, linh=settings["linh"], even=settings["even"])
    voided = f"ĐÃ HỦY — lý do: {receipt.void_reason}" if receipt.voided_at else ""
    return voucher_pdf(
        title="PHIẾU THU",
        form_code=settings["receipt_form_code"],
        circular=settings["form_circular"],
        unit_name=fund.name,
        day=receipt.receipt_date,
        book_no=receipt.book_no,
        number=receipt.number,
        amount=receipt.amount,
        words=words,
        attachments=receipt.attachments,
        counterpart="Người nộp tiền",
        voided=voided,
        lines=[
            ("Họ và tên người nộp tiền", receipt.payer_name or "Nhà hảo tâm (ẩn danh)"),
            ("Địa chỉ", receipt.payer_address or "……"),
            ("Lý do nộp", receipt.reason or "Ủng hộ Quỹ Bảo trợ trẻ em"),
        ],
    )


def disbursement_pdf(item: Disbursement, *, fund: Unit, settings: dict[str, Any]) -> bytes:
    """Phiếu chi (C41-BB) of a paid disbursement."""
    assert item.number is not None, "only a paid disbursement has a phiếu chi"
    words = amount_in_words(item.amount, linh=settings["linh"], even=settings["even"])
    voided = (
        f"ĐÃ HỦY — lý do: {item.void_reason}" if item.status == DisbursementStatus.VOIDED else ""
    )
    return voucher_pdf(
        title="PHIẾU CHI",
        form_code=settings["disbursement_form_code"],
        circular=settings["form_circular"],
        unit_name=fund.name,
        day=item.disbursement_date,
        book_no=item.book_no,
        number=item.number,
        amount=item.amount,
        words=words,
        attachments=item.attachments,
        counterpart="Người nhận tiền",
        voided=voided,
        lines=[
            ("Họ và tên người nhận tiền", item.payee_name),
            ("Địa chỉ", item.payee_address or "……"),
            ("Lý do chi", item.reason),
        ],
    )
