"""Vouchers: one description of what a printed voucher shows (``Voucher``), built from the
document by pure functions, and rendered twice from that same description — as HTML by
``templates/print/voucher.html`` and as an A5 PDF here (fpdf2, DejaVu Sans from matplotlib's
fonts renders Vietnamese) — so the screen and the PDF cannot drift apart.

The layout follows Phiếu thu C40-BB / Phiếu chi C41-BB of Thông tư 107/2017/TT-BTC (kept with
the same codes by Thông tư 24/2024/TT-BTC from 01/01/2025; the codes and circular are dated
settings, ``services/regimes.py``): unit lines and "Mã QHNS" top left, "Mẫu số" and the
circular top right; title, date and number centred; "Quyển số", "Nợ", "Có" on the right; payer
or payee, address, content, amount in figures and in words, attachments; then the approvals
row (Thủ trưởng đơn vị, Kế toán trưởng, Người lập) under a dated line, "Đã nhận đủ số tiền"
with the amount in figures and words, and the cash row (Người nộp/nhận tiền, Thủ quỹ) under
its own dated line. Text stays Vietnamese: it is a legal form. Amounts are VND only, so the
form's foreign-currency lines ("Tỷ giá ngoại tệ", "Số tiền quy đổi") are left out.

A cash voucher is the cashier's record of cash counted. Money that reached the bank was
counted by nobody at the fund: the accounting document is the bank's credit advice (giấy báo
Có), and what the donor receives is a confirmation that the fund received the amount into its
account on that date — no "Mẫu số", no Thủ quỹ, no "Đã nhận đủ số tiền". An in-kind gift is
received as goods, not money: practice records it in a handover record (biên bản giao nhận
hiện vật) listing the goods and their estimated value, signed by the giver and the fund.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import matplotlib
from fpdf import FPDF

from ..dates import long_date
from ..models import Disbursement, Receipt, Transfer, Unit
from ..money import amount_in_words, format_quantity, format_vnd
from ..vocab import DisbursementStatus, Method

FONTS = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
FUND = "Quỹ Bảo trợ trẻ em"
BLANK = "……………"
SIGN = "(Ký, họ tên)"
SIGN_SEAL = "(Ký, họ tên, đóng dấu)"


@dataclass(frozen=True)
class Line:
    """One labelled line of the body ("Địa chỉ: …"); ``strong`` values print bold."""

    label: str
    value: str
    strong: bool = False

    @property
    def text(self) -> str:
        return f"{self.label}: {self.value}" if self.label else self.value


@dataclass(frozen=True)
class Signature:
    """A signature column: the signer's title and how they sign."""

    role: str
    hint: str = SIGN


@dataclass(frozen=True)
class Voucher:
    """Everything a voucher prints, in reading order; both renderers show every field."""

    title: str
    #: top left: "Đơn vị: …", "Mã QHNS: …", "Quỹ: …"
    unit_lines: tuple[str, ...]
    #: top right: "Mẫu số C40-BB" and "(Ban hành kèm theo Thông tư …)"; empty when not a form
    form_lines: tuple[str, ...]
    #: under the title: "ngày 15 tháng 05 năm 2018"
    date_line: str
    #: "Số: 17/2018" (under the date)
    number: str
    #: right column: "Quyển số: …", "Nợ: …", "Có: …"
    book_lines: tuple[str, ...]
    lines: tuple[Line, ...]
    #: in-kind goods: (description, estimated value) rows
    items: tuple[tuple[str, str], ...] = ()
    #: the dated line above the approvals row
    approvals_date: str = ""
    approvals: tuple[Signature, ...] = ()
    #: "Đã nhận đủ số tiền…" (cash) or what the fund states it received (bank, in kind)
    received: tuple[str, ...] = ()
    #: the dated line above the counter-signatures
    signed_date: str = ""
    signatures: tuple[Signature, ...] = ()
    #: "ĐÃ HỦY …" when voided
    voided: str = ""
    #: which variant ("cash", "bank", "in_kind", "payment"): a CSS hook, not printed
    variant: str = "cash"

    def texts(self) -> list[str]:
        """Every string the voucher prints (what a test checks both renderings for)."""
        out = [self.title, *self.unit_lines, *self.form_lines, self.date_line, self.number]
        out += [*self.book_lines, *(line.text for line in self.lines)]
        out += [text for row in self.items for text in row]
        out += [self.approvals_date, *(s.role for s in self.approvals)]
        out += [s.hint for s in self.approvals]
        out += [*self.received, self.signed_date, *(s.role for s in self.signatures)]
        out += [s.hint for s in self.signatures] + [self.voided]
        return [text for text in out if text]


def voucher_number(number: int | None, year: int) -> str:
    """The one way a voucher number is written, on the voucher and in lists: "17/2018"."""
    return f"{number}/{year}" if number is not None else "—"


def dated(day: date) -> str:
    """ "Ngày 15 tháng 05 năm 2018" (the form's dated lines start with a capital)."""
    return f"Ngày {day.day:02d} tháng {day.month:02d} năm {day.year}"


def _words(amount: int, settings: dict[str, Any]) -> str:
    return amount_in_words(amount, linh=settings["linh"], even=settings["even"])


def _unit_lines(fund: Unit) -> tuple[str, ...]:
    return (f"Đơn vị: {fund.name}", f"Mã QHNS: {BLANK}", f"Quỹ: {FUND}")


def _book_lines(book_no: str) -> tuple[str, ...]:
    # Nợ/Có are the accountant's to fill in with the chart of accounts the unit keeps.
    return (f"Quyển số: {book_no or BLANK}", f"Nợ: {BLANK}", f"Có: {BLANK}")


def _money_lines(amount: int, settings: dict[str, Any], attachments: int) -> tuple[Line, ...]:
    return (
        Line("Số tiền", f"{format_vnd(amount)} (loại tiền: VNĐ)", strong=True),
        Line("(Viết bằng chữ)", _words(amount, settings), strong=True),
        Line("Kèm theo", f"{attachments} chứng từ gốc."),
    )


def attached(typed: int, files: int) -> int:
    """ "Kèm theo N chứng từ gốc": the paper originals the user typed, or the evidence files
    attached when there are more (a scan is a copy of an original: typed 2 and scanned 2 is 2
    originals, not 4)."""
    return max(typed or 0, files)


def _cash_received(amount: int, settings: dict[str, Any]) -> tuple[str, ...]:
    return (
        "Đã nhận đủ số tiền:",
        f"- Bằng số: {format_vnd(amount)}",
        f"- Bằng chữ: {_words(amount, settings)}",
    )


APPROVALS = (
    Signature("Thủ trưởng đơn vị", SIGN_SEAL),
    Signature("Kế toán trưởng"),
    Signature("Người lập"),
)


def receipt_voucher(
    receipt: Receipt,
    *,
    fund: Unit,
    settings: dict[str, Any],
    credit_unit: Unit | None = None,
    payer_hidden: bool = False,
    files: int = 0,
) -> Voucher:
    """What ``receipt`` prints: a Phiếu thu (cash), a confirmation of money received into the
    fund's account (bank) or a handover record of goods (in kind). ``payer_hidden`` (the
    caller's ``donors.shown_payer`` rule: an anonymous donor read outside its fund) prints
    "Nhà hảo tâm (ẩn danh)" and no address instead of the payer's. ``files``: the evidence
    files attached (``attached``)."""
    payer = _payer(receipt, hidden=payer_hidden)
    originals = attached(receipt.attachments, files)
    if receipt.method == Method.BANK:
        return _bank_confirmation(receipt, fund=fund, settings=settings, payer=payer)
    if receipt.method == Method.IN_KIND:
        return _in_kind_record(
            receipt, fund=fund, settings=settings, payer=payer, originals=originals
        )
    content = receipt.reason or "Ủng hộ Quỹ Bảo trợ trẻ em"
    if credit_unit is not None and credit_unit.id != fund.id:
        content += f" (tính vào chỉ tiêu {credit_unit.name})"
    return Voucher(
        title="PHIẾU THU",
        form_lines=(settings["receipt_form_code"], settings["form_circular"]),
        **_receipt_heading(receipt, fund, book_lines=_book_lines(receipt.book_no)),
        lines=(
            Line("Họ và tên người nộp tiền", payer[0], strong=True),
            Line("Địa chỉ", payer[1]),
            Line("Nội dung", content),
            *_money_lines(receipt.amount, settings, originals),
        ),
        approvals_date=dated(receipt.receipt_date),
        approvals=APPROVALS,
        received=_cash_received(receipt.amount, settings),
        signed_date=dated(receipt.receipt_date),
        signatures=(Signature("Người nộp tiền"), Signature("Thủ quỹ")),
        voided=_receipt_voided(receipt),
        variant="cash",
    )


def _receipt_heading(
    receipt: Receipt, fund: Unit, *, book_lines: tuple[str, ...]
) -> dict[str, Any]:
    """The top of every receipt-series voucher: the unit, the date, the number, the book."""
    return {
        "unit_lines": _unit_lines(fund),
        "date_line": long_date(receipt.receipt_date),
        "number": f"Số: {voucher_number(receipt.number, receipt.year)}",
        "book_lines": book_lines,
    }


def _payer(receipt: Receipt, *, hidden: bool) -> tuple[str, str]:
    """The payer's name and address as printed; hidden: "Nhà hảo tâm (ẩn danh)" and none."""
    if hidden:
        return ANONYMOUS_PAYER, BLANK
    return receipt.payer_name or ANONYMOUS_PAYER, receipt.payer_address or BLANK


#: what an anonymous payer is called on a voucher (``services.donors.ANONYMOUS_NAME``)
ANONYMOUS_PAYER = "Nhà hảo tâm (ẩn danh)"


def _receipt_voided(receipt: Receipt) -> str:
    if receipt.voided_at is None:
        return ""
    return f"ĐÃ HỦY ngày {receipt.voided_at:%d/%m/%Y}. Lý do: {receipt.void_reason}"


def _bank_confirmation(
    receipt: Receipt, *, fund: Unit, settings: dict[str, Any], payer: tuple[str, str]
) -> Voucher:
    """A confirmation for the donor: the money reached the fund's bank account on that date.
    Not a cash voucher (the bank's credit advice is the accounting document), so no Mẫu số,
    no Thủ quỹ and no "Đã nhận đủ số tiền" claiming cash was counted."""
    day = receipt.receipt_date
    reference = f" (chứng từ ngân hàng số {receipt.reference})" if receipt.reference else ""
    return Voucher(
        title="GIẤY XÁC NHẬN ỦNG HỘ",
        form_lines=(),
        **_receipt_heading(receipt, fund, book_lines=(f"Quyển số: {receipt.book_no or BLANK}",)),
        lines=(
            Line("Họ và tên người ủng hộ", payer[0], strong=True),
            Line("Địa chỉ", payer[1]),
            Line("Nội dung", receipt.reason or "Ủng hộ Quỹ Bảo trợ trẻ em"),
            Line("Hình thức", "Chuyển khoản"),
            Line("Số tiền", format_vnd(receipt.amount), strong=True),
            Line("(Viết bằng chữ)", _words(receipt.amount, settings), strong=True),
        ),
        received=(
            (
                f"{FUND} {fund.name} xác nhận đã nhận số tiền trên vào tài khoản tiền gửi "
                f"của Quỹ ngày {day:%d/%m/%Y}{reference}."
            ),
            "Xin trân trọng cảm ơn.",
        ),
        signed_date=dated(day),
        signatures=(Signature("Người lập"), Signature("Thủ trưởng đơn vị", SIGN_SEAL)),
        voided=_receipt_voided(receipt),
        variant="bank",
    )


def _in_kind_record(
    receipt: Receipt,
    *,
    fund: Unit,
    settings: dict[str, Any],
    payer: tuple[str, str],
    originals: int,
) -> Voucher:
    """A handover record of goods: what was given and its estimated value, signed by the
    giver and by the fund (no cash counted, so no Thủ quỹ's "Đã nhận đủ số tiền")."""
    day = receipt.receipt_date
    goods = receipt.in_kind_description or receipt.reason or "Hiện vật ủng hộ"
    return Voucher(
        title="BIÊN BẢN GIAO NHẬN HIỆN VẬT",
        form_lines=(),
        **_receipt_heading(receipt, fund, book_lines=(f"Quyển số: {receipt.book_no or BLANK}",)),
        lines=(
            Line("Bên giao (người ủng hộ)", payer[0], strong=True),
            Line("Địa chỉ", payer[1]),
            Line("Bên nhận", f"{FUND} {fund.name}"),
            Line("Nội dung", receipt.reason or "Ủng hộ hiện vật cho Quỹ Bảo trợ trẻ em"),
        ),
        items=(
            ("Hiện vật", "Giá trị ước tính"),
            (_goods_counted(receipt, goods), format_vnd(receipt.amount)),
            ("Tổng giá trị ước tính", format_vnd(receipt.amount)),
        ),
        received=(
            f"(Viết bằng chữ): {_words(receipt.amount, settings)}",
            f"Kèm theo: {originals} chứng từ gốc.",
            "Bên nhận đã nhận đủ số hiện vật nêu trên.",
        ),
        signed_date=dated(day),
        signatures=(
            Signature("Bên giao"),
            Signature("Người lập"),
            Signature("Thủ trưởng đơn vị", SIGN_SEAL),
        ),
        voided=_receipt_voided(receipt),
        variant="in_kind",
    )


def _goods_counted(receipt: Receipt, goods: str) -> str:
    """The goods with their count: "Mì tôm: 10 thùng × 150.000 đ/thùng" (an older gift recorded
    without a quantity: its description alone)."""
    if receipt.quantity_milli is None or receipt.unit_value is None:
        return goods
    quantity = format_quantity(receipt.quantity_milli)
    unit = receipt.goods_unit
    return f"{goods}: {quantity} {unit} × {format_vnd(receipt.unit_value)}/{unit}"


def disbursement_voucher(
    item: Disbursement, *, fund: Unit, settings: dict[str, Any], files: int = 0
) -> Voucher:
    """The Phiếu chi (C41-BB) of a paid disbursement (cash or bank: the fund hands it over);
    ``files``: the evidence files attached (``attached``)."""
    voided = ""
    if item.status == DisbursementStatus.VOIDED:
        voided = f"ĐÃ HỦY. Lý do: {item.void_reason}"
    return _payment(
        fund=fund,
        settings=settings,
        day=item.disbursement_date,
        number=voucher_number(item.number, item.year),
        book_no=item.book_no,
        payee=item.payee_name,
        address=item.payee_address or BLANK,
        content=_handed_out(item),
        amount=item.amount,
        attachments=attached(item.attachments, files),
        voided=voided,
    )


def _handed_out(item: Disbursement) -> str:
    """The content line; goods handed out in kind name their count and unit value."""
    if item.method != Method.IN_KIND or item.quantity_milli is None or item.unit_value is None:
        return item.reason
    quantity, unit = format_quantity(item.quantity_milli), item.goods_unit
    goods = f"xuất hiện vật {item.goods_name}: {quantity} {unit} × {format_vnd(item.unit_value)}"
    return f"{item.reason} ({goods}/{unit})" if item.reason else f"{goods}/{unit}"


def _payment(
    *,
    fund: Unit,
    settings: dict[str, Any],
    day: date,
    number: str,
    book_no: str,
    payee: str,
    address: str,
    content: str,
    amount: int,
    attachments: int,
    voided: str = "",
) -> Voucher:
    return Voucher(
        title="PHIẾU CHI",
        unit_lines=_unit_lines(fund),
        form_lines=(settings["disbursement_form_code"], settings["form_circular"]),
        date_line=long_date(day),
        number=f"Số: {number}",
        book_lines=_book_lines(book_no),
        lines=(
            Line("Họ và tên người nhận tiền", payee, strong=True),
            Line("Địa chỉ", address),
            Line("Nội dung", content),
            *_money_lines(amount, settings, attachments),
        ),
        approvals_date=dated(day),
        approvals=APPROVALS,
        received=_cash_received(amount, settings),
        signed_date=dated(day),
        signatures=(Signature("Thủ quỹ"), Signature("Người nhận tiền")),
        voided=voided,
        variant="payment",
    )


def transfer_voucher(
    transfer: Transfer, *, fund: Unit, settings: dict[str, Any], files: int = 0
) -> Voucher:
    """The cash voucher of a cash ↔ bank move inside one fund: cash deposited into the bank is
    paid out of the till on a Phiếu chi (the bank's deposit slip is its other half); cash
    drawn from the bank comes into the till on a Phiếu thu."""
    number = voucher_number(transfer.number, transfer.sent_on.year)
    memo = transfer.memo
    if transfer.from_method == Method.CASH:
        return _payment(
            fund=fund,
            settings=settings,
            day=transfer.sent_on,
            number=number,
            book_no="",
            payee=f"Thủ quỹ {fund.name} (nộp vào ngân hàng)",
            address=BLANK,
            content=memo or "Nộp tiền mặt vào tài khoản tiền gửi ngân hàng",
            amount=transfer.amount_sent,
            attachments=files,
        )
    return Voucher(
        title="PHIẾU THU",
        unit_lines=_unit_lines(fund),
        form_lines=(settings["receipt_form_code"], settings["form_circular"]),
        date_line=long_date(transfer.sent_on),
        number=f"Số: {number}",
        book_lines=_book_lines(""),
        lines=(
            Line("Họ và tên người nộp tiền", f"Thủ quỹ {fund.name} (rút từ ngân hàng)", True),
            Line("Địa chỉ", BLANK),
            Line("Nội dung", memo or "Rút tiền gửi ngân hàng nhập quỹ tiền mặt"),
            *_money_lines(transfer.amount_sent, settings, files),
        ),
        approvals_date=dated(transfer.sent_on),
        approvals=APPROVALS,
        received=_cash_received(transfer.amount_sent, settings),
        signed_date=dated(transfer.sent_on),
        signatures=(Signature("Người nộp tiền"), Signature("Thủ quỹ")),
        variant="cash",
    )


# --- the PDF rendering of a ``Voucher`` -------------------------------------------------------


def _pdf() -> FPDF:
    return new_pdf()


def new_pdf(
    orientation: str = "P", page: Any = (148, 210), margin: float = 10, cls: type[FPDF] = FPDF
) -> FPDF:
    """An FPDF (or ``cls``, a subclass drawing a footer) with DejaVu Sans (regular, bold,
    italic: it renders Vietnamese) and no page yet (the caller adds each); A5 portrait unless
    told (letters, certificates, books and reports use A4)."""
    pdf = cls(orientation=orientation, unit="mm", format=page)
    pdf.set_margins(margin, margin, margin)
    pdf.set_auto_page_break(True, margin)
    pdf.add_font("DejaVu", "", str(FONTS / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(FONTS / "DejaVuSans-Bold.ttf"))
    pdf.add_font("DejaVu", "I", str(FONTS / "DejaVuSans-Oblique.ttf"))
    return pdf


def voucher_pdf(voucher: Voucher) -> bytes:
    """Lay out ``voucher`` on A5 and return the PDF bytes."""
    return vouchers_pdf([voucher])


def vouchers_pdf(vouchers: Iterable[Voucher]) -> bytes:
    """Lay out each voucher on A5 pages of its own, in order (a batch's vouchers, printed
    together), and return the PDF bytes."""
    pdf = _pdf()
    for voucher in vouchers:
        pdf.add_page()
        draw_voucher(pdf, voucher)
    return bytes(pdf.output())


def draw_voucher(pdf: FPDF, voucher: Voucher) -> None:
    """Draw ``voucher`` between the page's current margins, from the current height."""
    _head(pdf, voucher)
    _title(pdf, voucher)
    pdf.set_font("DejaVu", "", 9)
    for line in voucher.lines:
        pdf.set_font("DejaVu", "B" if line.strong else "", 9)
        pdf.multi_cell(pdf.epw, 5, line.text, new_x="LMARGIN", new_y="NEXT")
    _items(pdf, voucher.items)
    if voucher.voided:
        pdf.set_text_color(180, 30, 30)
        pdf.set_font("DejaVu", "B", 11)
        pdf.multi_cell(pdf.epw, 6, voucher.voided, new_x="LMARGIN", new_y="NEXT")
        pdf.set_text_color(0, 0, 0)
    if voucher.approvals:
        _dated_line(pdf, voucher.approvals_date)
        _signatures(pdf, voucher.approvals)
    pdf.set_font("DejaVu", "", 9)
    for text in voucher.received:
        pdf.multi_cell(pdf.epw, 5, text, new_x="LMARGIN", new_y="NEXT")
    _dated_line(pdf, voucher.signed_date)
    _signatures(pdf, voucher.signatures)


def _head(pdf: FPDF, voucher: Voucher) -> None:
    left, right, top = pdf.epw * 0.55, pdf.epw * 0.45, pdf.get_y()
    pdf.set_font("DejaVu", "B", 8)
    for text in voucher.unit_lines:
        pdf.multi_cell(left, 4, text, new_x="LMARGIN", new_y="NEXT")
    bottom = pdf.get_y()
    pdf.set_xy(pdf.l_margin + left, top)
    for index, text in enumerate(voucher.form_lines):
        pdf.set_font("DejaVu", "B" if index == 0 else "I", 8 if index == 0 else 6)
        pdf.set_x(pdf.l_margin + left)
        pdf.multi_cell(right, 3.5, text, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_y(max(bottom, pdf.get_y()) + 2)


def _title(pdf: FPDF, voucher: Voucher) -> None:
    top, side = pdf.get_y(), pdf.epw * 0.25
    pdf.set_font("DejaVu", "", 8)
    for text in voucher.book_lines:
        pdf.set_x(pdf.l_margin + pdf.epw - side)
        pdf.cell(side, 4, text, new_x="LMARGIN", new_y="NEXT")
    bottom = pdf.get_y()
    pdf.set_xy(pdf.l_margin + side, top)
    pdf.set_font("DejaVu", "B", 13 if len(voucher.title) > 12 else 15)
    pdf.multi_cell(pdf.epw - 2 * side, 7, voucher.title, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "I", 9)
    pdf.set_x(pdf.l_margin + side)
    pdf.cell(pdf.epw - 2 * side, 5, voucher.date_line, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "B", 9)
    pdf.set_x(pdf.l_margin + side)
    pdf.cell(pdf.epw - 2 * side, 5, voucher.number, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_y(max(bottom, pdf.get_y()) + 2)


def _items(pdf: FPDF, items: tuple[tuple[str, str], ...]) -> None:
    if not items:
        return
    pdf.ln(1)
    with pdf.table(col_widths=(70, 30), text_align=("LEFT", "RIGHT"), line_height=5) as table:
        for index, (goods, value) in enumerate(items):
            pdf.set_font("DejaVu", "B" if index in (0, len(items) - 1) else "", 9)
            row = table.row()
            row.cell(goods)
            row.cell(value)
    pdf.ln(1)


def _dated_line(pdf: FPDF, text: str) -> None:
    pdf.ln(2)
    pdf.set_font("DejaVu", "I", 8)
    pdf.cell(pdf.epw, 4, text, align="R", new_x="LMARGIN", new_y="NEXT")


def _signatures(pdf: FPDF, signatures: tuple[Signature, ...]) -> None:
    column = pdf.epw / len(signatures)
    top = pdf.get_y()
    for index, signature in enumerate(signatures):
        pdf.set_xy(pdf.l_margin + index * column, top)
        pdf.set_font("DejaVu", "B", 7.5)
        pdf.multi_cell(column, 3.5, signature.role, align="C")
        pdf.set_x(pdf.l_margin + index * column)
        pdf.set_font("DejaVu", "I", 6.5)
        pdf.multi_cell(column, 3, signature.hint, align="C")
    pdf.set_y(pdf.get_y() + 14)


def receipt_pdf(
    receipt: Receipt,
    *,
    fund: Unit,
    settings: dict[str, Any],
    credit_unit: Unit | None = None,
    payer_hidden: bool = False,
    files: int = 0,
) -> bytes:
    """The PDF of ``receipt``'s voucher (same description as the screen)."""
    return voucher_pdf(
        receipt_voucher(
            receipt,
            fund=fund,
            settings=settings,
            credit_unit=credit_unit,
            payer_hidden=payer_hidden,
            files=files,
        )
    )


def disbursement_pdf(
    item: Disbursement, *, fund: Unit, settings: dict[str, Any], files: int = 0
) -> bytes:
    """Phiếu chi (C41-BB) of a paid disbursement."""
    assert item.number is not None, "only a paid disbursement has a phiếu chi"
    return voucher_pdf(disbursement_voucher(item, fund=fund, settings=settings, files=files))
