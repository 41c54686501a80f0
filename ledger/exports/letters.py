"""Recognition of donors: a thank-you letter (Thư cảm ơn) per gift or per donor and year, and a
certificate of contribution (Giấy chứng nhận ghi nhận đóng góp) per gift.

Pure builders describe what a document prints (``Letter``); ``letter_pdf`` lays it out on A4
with the vouchers' fonts. The layout is the administrative one (Nghị định 30/2020/NĐ-CP): the
issuing body top left (the unit, then the fund, bold), the national title (Quốc hiệu) and
motto (Tiêu ngữ) top right, the place and date line under the motto, the title centred, the
body, and the signature block bottom right (on behalf of the fund's board, signed and sealed).
Text stays Vietnamese: it is what the donor receives. The builders never decide who may have a
letter (an anonymous donor, a voided gift): the caller does (``services.recognition``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from fpdf import FPDF

from ..dates import long_date
from ..models import Receipt, Unit
from ..money import amount_in_words, format_quantity, format_vnd
from .vouchers import FUND, new_pdf, voucher_number

QUOC_HIEU = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
TIEU_NGU = "Độc lập - Tự do - Hạnh phúc"
#: the administrative words a unit's name starts with, left out of the place line
_TYPES = ("Thành phố", "Thị trấn", "Thị xã", "Phường", "Huyện", "Quận", "Tỉnh", "Xã", "Đặc khu")


@dataclass(frozen=True)
class Gift:
    """One gift as a letter lists it."""

    day: date
    number: str
    amount: int
    what: str


@dataclass(frozen=True)
class Letter:
    """Everything a letter or certificate prints, in reading order."""

    issuer: tuple[str, ...]
    place_date: str
    title: str
    subtitle: str
    paragraphs: tuple[str, ...]
    gifts: tuple[Gift, ...] = ()
    signer: tuple[str, ...] = ("TM. BAN QUẢN LÝ QUỸ", "(Ký, ghi rõ họ tên, đóng dấu)")
    landscape: bool = False

    def texts(self) -> list[str]:
        """Every string the document prints (what a test looks for)."""
        out = [*self.issuer, QUOC_HIEU, TIEU_NGU, self.place_date, self.title, self.subtitle]
        out += [*self.paragraphs, *self.signer]
        out += [f"{g.number} {format_vnd(g.amount)} {g.what}" for g in self.gifts]
        return [text for text in out if text]


def place(fund: Unit) -> str:
    """The place line's place: the unit's proper name without its type ("Chương Dương")."""
    for word in _TYPES:
        if fund.name.startswith(word + " "):
            return fund.name[len(word) + 1 :]
    return fund.name


def _issuer(fund: Unit) -> tuple[str, ...]:
    return (f"ỦY BAN NHÂN DÂN {fund.name.upper()}", FUND.upper())


def _words(amount: int, settings: dict[str, Any]) -> str:
    return amount_in_words(amount, linh=settings["linh"], even=settings["even"])


def what_was_given(receipt: Receipt) -> str:
    """The gift in words: money, or the goods with their quantity and value."""
    if receipt.method != "in_kind":
        return f"số tiền {format_vnd(receipt.amount)}"
    goods = receipt.in_kind_description or "hiện vật"
    if receipt.quantity_milli is not None:
        goods = f"{format_quantity(receipt.quantity_milli)} {receipt.goods_unit} {goods}"
    return f"hiện vật ({goods}) trị giá {format_vnd(receipt.amount)}"


def gift_of(receipt: Receipt) -> Gift:
    return Gift(
        receipt.receipt_date,
        voucher_number(receipt.number, receipt.year),
        receipt.amount,
        what_was_given(receipt),
    )


def gift_letter(
    receipt: Receipt, *, donor: str, fund: Unit, settings: dict[str, Any], today: date
) -> Letter:
    """Thư cảm ơn for one gift."""
    words = _words(receipt.amount, settings)
    return Letter(
        issuer=_issuer(fund),
        place_date=f"{place(fund)}, {long_date(today)}",
        title="THƯ CẢM ƠN",
        subtitle=f"Kính gửi: {donor}",
        paragraphs=(
            (
                f"{FUND} {fund.name} trân trọng cảm ơn {donor} đã ủng hộ Quỹ "
                f"{what_was_given(receipt)} (bằng chữ: {words}) "
                f"{long_date(receipt.receipt_date)}, theo phiếu thu số "
                f"{voucher_number(receipt.number, receipt.year)}."
            ),
            (
                "Tấm lòng của Quý vị sẽ được dùng đúng mục đích: hỗ trợ trẻ em có hoàn cảnh đặc "
                "biệt, trẻ em nghèo (phẫu thuật tim bẩm sinh, học bổng, trợ cấp đột xuất, quà nhân "
                "dịp lễ, Tết) và được công khai theo quy định."
            ),
            "Kính chúc Quý vị sức khỏe, hạnh phúc và thành công.",
        ),
    )


def year_letter(
    gifts: list[Receipt],
    *,
    donor: str,
    year: int,
    fund: Unit,
    settings: dict[str, Any],
    today: date,
) -> Letter:
    """Thư cảm ơn for a donor's gifts of one year, each listed, with their total."""
    total = sum(r.amount for r in gifts)
    return Letter(
        issuer=_issuer(fund),
        place_date=f"{place(fund)}, {long_date(today)}",
        title="THƯ CẢM ƠN",
        subtitle=f"Kính gửi: {donor}",
        paragraphs=(
            (
                f"{FUND} {fund.name} trân trọng cảm ơn {donor} đã {len(gifts)} lần ủng hộ Quỹ "
                f"trong năm {year}, tổng cộng {format_vnd(total)} (bằng chữ: "
                f"{_words(total, settings)}), gồm:"
            ),
            (
                "Sự chung tay của Quý vị đã giúp Quỹ chăm lo cho trẻ em có hoàn cảnh đặc biệt, trẻ "
                "em nghèo trên địa bàn. Kính chúc Quý vị sức khỏe, hạnh phúc và thành công."
            ),
        ),
        gifts=tuple(gift_of(r) for r in gifts),
    )


def certificate(
    receipt: Receipt,
    *,
    donor: str,
    address: str,
    fund: Unit,
    settings: dict[str, Any],
    today: date,
) -> Letter:
    """Giấy chứng nhận ghi nhận đóng góp for one gift (A4 landscape)."""
    return Letter(
        issuer=_issuer(fund),
        place_date=f"{place(fund)}, {long_date(today)}",
        title="GIẤY CHỨNG NHẬN",
        subtitle="GHI NHẬN ĐÓNG GÓP CHO QUỸ BẢO TRỢ TRẺ EM",
        paragraphs=(
            f"{FUND} {fund.name} chứng nhận:",
            donor + (f", địa chỉ: {address}" if address else ""),
            (
                f"đã ủng hộ Quỹ {what_was_given(receipt)} (bằng chữ: "
                f"{_words(receipt.amount, settings)}) {long_date(receipt.receipt_date)}, theo phiếu "
                f"thu số {voucher_number(receipt.number, receipt.year)}."
            ),
            "Vì sự nghiệp bảo vệ, chăm sóc và giáo dục trẻ em.",
        ),
        signer=("TM. BAN QUẢN LÝ QUỸ", "GIÁM ĐỐC", "(Ký, ghi rõ họ tên, đóng dấu)"),
        landscape=True,
    )


# --- the PDF rendering of a ``Letter`` --------------------------------------------------------


def letter_pdf(letter: Letter) -> bytes:
    """Lay ``letter`` out on A4 (landscape for a certificate) and return the PDF bytes."""
    pdf = new_pdf("L" if letter.landscape else "P", "A4", margin=18)
    pdf.add_page()
    _header(pdf, letter)
    pdf.ln(8)
    pdf.set_font("DejaVu", "B", 20 if letter.landscape else 15)
    pdf.multi_cell(pdf.epw, 9, letter.title, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "B" if letter.landscape else "I", 12)
    pdf.multi_cell(pdf.epw, 7, letter.subtitle, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(5)
    for index, text in enumerate(letter.paragraphs):
        strong = letter.landscape and index == 1
        pdf.set_font("DejaVu", "B" if strong else "", 14 if strong else 11)
        align = "C" if letter.landscape else "J"
        pdf.multi_cell(pdf.epw, 6.5, text, align=align, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(2)
        if index == 0 and letter.gifts:
            _gifts(pdf, letter.gifts)
    _signer(pdf, letter.signer)
    return bytes(pdf.output())


def _header(pdf: FPDF, letter: Letter) -> None:
    left, top = pdf.epw * 0.42, pdf.get_y()
    for index, text in enumerate(letter.issuer):
        pdf.set_font("DejaVu", "B" if index else "", 10)
        pdf.multi_cell(left, 5, text, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_xy(pdf.l_margin + left, top)
    pdf.set_font("DejaVu", "B", 10)
    pdf.multi_cell(pdf.epw - left, 5, QUOC_HIEU, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_x(pdf.l_margin + left)
    pdf.set_font("DejaVu", "B", 11)
    pdf.multi_cell(pdf.epw - left, 5, TIEU_NGU, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_x(pdf.l_margin + left)
    pdf.set_font("DejaVu", "I", 10)
    pdf.multi_cell(pdf.epw - left, 6, letter.place_date, align="C", new_x="LMARGIN", new_y="NEXT")


def _gifts(pdf: FPDF, gifts: tuple[Gift, ...]) -> None:
    pdf.set_font("DejaVu", "", 9.5)
    with pdf.table(
        col_widths=(22, 22, 90, 34), text_align=("LEFT", "LEFT", "LEFT", "RIGHT"), line_height=5
    ) as table:
        head = table.row()
        for text in ("Ngày", "Phiếu thu số", "Nội dung", "Giá trị"):
            head.cell(text)
        for gift in gifts:
            row = table.row()
            row.cell(gift.day.strftime("%d/%m/%Y"))
            row.cell(gift.number)
            row.cell(gift.what)
            row.cell(format_vnd(gift.amount))
    pdf.ln(3)


def _signer(pdf: FPDF, signer: tuple[str, ...]) -> None:
    pdf.ln(4)
    left = pdf.epw * 0.55
    for index, text in enumerate(signer):
        pdf.set_x(pdf.l_margin + left)
        pdf.set_font("DejaVu", "I" if text.startswith("(") else "B", 10.5)
        pdf.multi_cell(pdf.epw - left, 5.5, text, align="C", new_x="LMARGIN", new_y="NEXT")
        del index
