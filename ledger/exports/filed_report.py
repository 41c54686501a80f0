"""A period report as the document a unit files with the level above (pure: figures in, a
description of the document out; ``filed_docx`` and ``filed_pdf`` lay it out).

The layout is the administrative one of Nghị định 30/2020/NĐ-CP: the issuing body and the
number (Số: …/BC-…) top left, the Quốc hiệu and Tiêu ngữ with the place and date line top
right, the title, "Kính gửi", the body, "Nơi nhận" bottom left and the signature block bottom
right. The body follows Annex 01 of the plans (items 8 and 9): money mobilised by source, spent
by category, children helped, the balance, the comparison with the same period last year,
then the difficulties and proposals the unit types. Text stays Vietnamese: it is what the
level above receives.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from ..dates import long_date
from ..money import format_vnd
from ..vocab import Source, label

#: what the period codes of the report calendars stand for in a title
_PERIOD_WORDS = {"h1": "6 tháng đầu năm", "m9": "9 tháng đầu năm", "year": "năm"}
#: the receipt sources as the document names them: their labels (the Vietnamese msgids), with
#: "other" spelt out as a row of its own reads
SOURCE_NAMES = {s.value: label(s) for s in Source} | {Source.OTHER.value: "Nguồn khác"}


@dataclass(frozen=True)
class Paperwork:
    """What the unit types or the filing decides: everything but the figures."""

    unit_name: str
    number: str
    place: str
    day: date
    recipient: str
    signer_title: str
    signer_name: str
    difficulties: str = ""
    proposals: str = ""
    copies_to: tuple[str, ...] = ()
    anchors: tuple[str, ...] = ()
    #: set once the document is filed; a draft says "DỰ THẢO"
    draft: bool = False


@dataclass(frozen=True)
class Table:
    """A table of the body: a head row, rows of text, the figure columns (right-aligned)."""

    head: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    numeric: frozenset[int] = frozenset({1})


@dataclass(frozen=True)
class Document:
    """The whole document in reading order: header parts, then blocks of the body."""

    issuer: tuple[str, str]
    number_line: str
    place_date: str
    title: str
    subtitle: str
    recipient_line: str
    #: ("h", heading) | ("p", paragraph) | ("t", Table)
    blocks: tuple[tuple[str, Any], ...]
    copies_to: tuple[str, ...]
    signer: tuple[str, ...]
    anchors: tuple[str, ...] = ()
    draft: bool = False


def period_words(code: str, name: str, year: int) -> str:
    """ "6 tháng đầu năm 2026" for ``h1``; the period's own name for a code not known."""
    words = _PERIOD_WORDS.get(code)
    return f"{words} {year}" if words else name


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}".replace(".", ",") + " %"


def report_figures(data: Any, sources: list[tuple[str, int]]) -> dict[str, Any]:
    """The figures a filed report prints, as plain values (kept with the filing, compared with
    the books later). ``data`` is a ``services.reports.PeriodReport``."""
    p = data.progress
    children = getattr(data, "children", None)
    return {
        "target": p.target,
        "collected": p.collected,
        "sources": dict(sources),
        "spent": {code: amount for code, _vi, _en, amount in data.spent},
        "spent_total": data.spent_total,
        "children": {line.code: line.count for line in children.lines} if children else {},
        "balance": p.balance,
        "previous_collected": data.previous_collected,
        "previous_spent": data.previous_spent,
    }


def filed_document(data: Any, sources: list[tuple[str, int]], paper: Paperwork) -> Document:
    """The report of ``data`` (a ``PeriodReport``) with mobilised money by ``sources``
    ((source code, amount), summing to the collected figure), as ``paper`` describes it."""
    period, p = data.period, data.progress
    words = period_words(period.code, period.name, period.cutoff.year)
    return Document(
        issuer=("ỦY BAN NHÂN DÂN", paper.unit_name.upper()),
        number_line=f"Số: {paper.number}",
        place_date=f"{paper.place}, {long_date(paper.day)}",
        title="BÁO CÁO",
        subtitle=f"Kết quả vận động và sử dụng Quỹ Bảo trợ trẻ em {words}",
        recipient_line=f"Kính gửi: {paper.recipient}",
        blocks=(
            (
                "p",
                (
                    f"{paper.unit_name} báo cáo kết quả vận động và sử dụng Quỹ Bảo trợ trẻ em "
                    f"{words} (số liệu từ ngày {p.campaign.starts_on:%d/%m/%Y} đến ngày "
                    f"{period.cutoff:%d/%m/%Y}) như sau:"
                ),
            ),
            *_mobilised(p, sources),
            *_spent(data),
            *_children(data),
            ("h", "IV. TỒN QUỸ"),
            (
                "p",
                (
                    f"Tồn quỹ đến hết ngày {period.cutoff:%d/%m/%Y} (tiền mặt và tiền gửi ngân "
                    f"hàng): {format_vnd(p.balance)}."
                ),
            ),
            *_same_period(data),
            ("h", "VI. KHÓ KHĂN, VƯỚNG MẮC"),
            *_typed(paper.difficulties),
            ("h", "VII. ĐỀ XUẤT, KIẾN NGHỊ"),
            *_typed(paper.proposals),
        ),
        copies_to=("- Như trên;", *(f"- {line};" for line in paper.copies_to), "- Lưu: VT."),
        signer=(
            f"TM. ỦY BAN NHÂN DÂN {paper.unit_name.upper()}",
            paper.signer_title.upper(),
            "(Ký, ghi rõ họ tên, đóng dấu)",
            "",
            paper.signer_name,
        ),
        anchors=paper.anchors,
        draft=paper.draft,
    )


def _mobilised(p: Any, sources: list[tuple[str, int]]) -> list[tuple[str, Any]]:
    rows = [(SOURCE_NAMES.get(code, code), format_vnd(amount)) for code, amount in sources]
    return [
        ("h", "I. KẾT QUẢ VẬN ĐỘNG QUỸ"),
        (
            "t",
            Table(
                ("Nội dung", "Số liệu"),
                (
                    ("Chỉ tiêu được giao", format_vnd(p.target)),
                    ("Số tiền đã vận động", format_vnd(p.collected)),
                    ("Tỷ lệ so với chỉ tiêu được giao", percent(p.rate)),
                ),
            ),
        ),
        ("p", "Số tiền đã vận động theo nguồn:"),
        (
            "t",
            Table(("Nguồn", "Số tiền"), (*rows, ("Tổng cộng", format_vnd(p.collected)))),
        ),
    ]


def _spent(data: Any) -> list[tuple[str, Any]]:
    rows = [(name_vi, format_vnd(amount)) for _code, name_vi, _en, amount in data.spent]
    return [
        ("h", "II. SỬ DỤNG QUỸ"),
        (
            "t",
            Table(
                ("Nội dung chi", "Số tiền"), (*rows, ("Tổng cộng", format_vnd(data.spent_total)))
            ),
        ),
    ]


def _children(data: Any) -> list[tuple[str, Any]]:
    children = getattr(data, "children", None)
    lines = children.lines if children else []
    rows = [
        (line.name_vi, str(line.count), str(line.target) if line.target else "—") for line in lines
    ]
    total = children.total if children else 0
    target = (children.target_total or "—") if children else "—"
    return [
        ("h", "III. TRẺ EM ĐƯỢC HỖ TRỢ"),
        (
            "t",
            Table(
                ("Hình thức hỗ trợ", "Số lượt trẻ em", "Chỉ tiêu"),
                (*rows, ("Tổng cộng", str(total), str(target))),
                frozenset({1, 2}),
            ),
        ),
    ]


def _same_period(data: Any) -> list[tuple[str, Any]]:
    estimated = " (ước tính)" if data.previous.estimated else ""
    p = data.progress
    spent_change = (
        round((data.spent_total - data.previous_spent) * 100 / data.previous_spent, 1)
        if data.previous_spent
        else None
    )
    blocks: list[tuple[str, Any]] = [
        ("h", "V. SO SÁNH VỚI CÙNG KỲ NĂM TRƯỚC"),
        (
            "t",
            Table(
                ("Nội dung", "Kỳ này", f"Cùng kỳ năm trước{estimated}", "Tăng/giảm"),
                (
                    (
                        "Số tiền đã vận động",
                        format_vnd(p.collected),
                        format_vnd(data.previous_collected),
                        percent(data.change),
                    ),
                    (
                        "Số tiền đã chi",
                        format_vnd(data.spent_total),
                        format_vnd(data.previous_spent),
                        percent(spent_change),
                    ),
                ),
                frozenset({1, 2, 3}),
            ),
        ),
    ]
    if data.previous.inherited:
        blocks.append(
            (
                "p",
                (
                    "Cùng kỳ năm trước là tổng của các đơn vị trước sắp xếp, mỗi đơn vị nhân tỷ lệ "
                    f"chuyển sang (làm tròn xuống đến đồng): {data.previous.describe()}."
                ),
            )
        )
    return blocks


def _typed(text: str) -> list[tuple[str, Any]]:
    """The unit's own paragraphs (one per line typed), or "Không có." when none."""
    paragraphs = [line.strip() for line in text.splitlines() if line.strip()]
    return [("p", line) for line in paragraphs] or [("p", "Không có.")]
