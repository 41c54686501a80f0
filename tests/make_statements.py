"""Build the two sample statement files the bank tests import (run once; the files are kept):

    PYTHONPATH=. python tests/make_statements.py

- ``tests/files/statement-vietcombank.xlsx``: a Vietcombank-like export, December 2026, title
  block (bank, account, period, "Số dư đầu kỳ"), bilingual headers, separate debit/credit
  columns as numbers, a running balance, date cells, a footer with totals and "Số dư cuối kỳ".
- ``tests/files/statement-agribank.csv``: an Agribank-like export, text amounts with "."
  thousands separators, one signed column "Số tiền" and a "Loại" (C/D) column, dd/mm/yyyy
  text dates with a time, opening and closing in the title rows.

Both have 30 lines; the lines are what a commune fund sees: donor transfers with the descriptions
banks print, a deposit of cash receipts, fees, interest, a payout.
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta
from pathlib import Path

import openpyxl

FILES = Path(__file__).parent / "files"
OPENING = 25_000_000
DONORS = (
    "NGUYEN VAN AN",
    "TRAN THI BINH",
    "LE VAN CUONG",
    "PHAM THI DUNG",
    "HOANG VAN EM",
    "CONG TY TNHH MINH AN",
)


#: a day's line depends on the day only, so two files that overlap print the same lines
EPOCH = date(2026, 11, 1)


def lines(start: date) -> list[tuple[date, int, str, str]]:
    """30 lines (date, signed amount, description, bank ref), one a day from ``start``."""
    out = []
    for offset in range(30):
        day = start + timedelta(days=offset)
        n = (day - EPOCH).days
        if n % 10 == 9:
            out.append((day, -11_000, "Thu phi dich vu SMS Banking", f"FT{day:%y%m%d}{n:03d}"))
        elif n % 10 == 4:
            out.append((day, 3_500_000, "NOP TIEN MAT BL 0012-0015 QUY BTTE", f"CK{n:05d}"))
        elif n == 29:
            out.append((day, 12_345, "Tra lai tien gui", f"INT{day:%y%m}"))
        elif n % 7 == 6:
            out.append((day, -2_000_000, "Chi ho tro tre em hoan canh dac biet", f"DC{n:05d}"))
        else:
            donor = DONORS[n % len(DONORS)]
            amount = (n % 5 + 1) * 200_000
            out.append(
                (
                    day,
                    amount,
                    f"MBVCB.{4525077405 + n}.{n:06d}.{donor} chuyen tien ung ho quy BTTE",
                    f"{5243 + n}.{n:05d}",
                )
            )
    return out


def opening_on(start: date) -> int:
    """The balance before ``start`` (the lines from EPOCH on added to OPENING)."""
    days = (start - EPOCH).days
    return OPENING + sum(amount for _d, amount, _t, _r in lines(EPOCH)[:days]) if days else OPENING


def vietcombank(start: date = EPOCH) -> bytes:
    return vietcombank_file(lines(start), opening=opening_on(start), start=start)


def vietcombank_file(
    data: list[tuple[date, int, str, str]],
    *,
    opening: int,
    start: date,
    account: str = "0011004455667",
) -> bytes:
    """``data`` (date order) as Vietcombank exports a statement: title rows, bilingual
    headers, debit and credit columns, a running balance, totals and the closing balance."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Vietcombank_Account_Statement"
    closing = opening + sum(line[1] for line in data)
    sheet.append(["NGÂN HÀNG TMCP NGOẠI THƯƠNG VIỆT NAM (VIETCOMBANK)"])
    sheet.append(["SAO KÊ TÀI KHOẢN / STATEMENT OF ACCOUNT"])
    sheet.append(["Số tài khoản / Account number:", account])
    sheet.append(["Tên tài khoản / Account name:", "QUY BAO TRO TRE EM XA CHUONG DUONG"])
    sheet.append(
        ["Từ ngày / From:", f"{start:%d/%m/%Y}", "Đến ngày / To:", f"{data[-1][0]:%d/%m/%Y}"]
    )
    sheet.append(["Số dư đầu kỳ / Opening balance:", opening])
    sheet.append([])
    sheet.append(
        [
            "Ngày giao dịch / Transaction date",
            "Số CT / Doc No",
            "Số tiền ghi nợ / Debit",
            "Số tiền ghi có / Credit",
            "Số dư / Balance",
            "Nội dung chi tiết / Transactions in detail",
        ]
    )
    running = opening
    for day, amount, text, ref in data:
        running += amount
        sheet.append(
            [
                datetime(day.year, day.month, day.day),
                ref,
                -amount if amount < 0 else None,
                amount if amount > 0 else None,
                running,
                text,
            ]
        )
    sheet.append(
        [
            "Tổng cộng / Total",
            None,
            -sum(a for _d, a, _t, _r in data if a < 0),
            sum(a for _d, a, _t, _r in data if a > 0),
        ]
    )
    sheet.append(["Số dư cuối kỳ / Closing balance:", closing])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def agribank(start: date = EPOCH) -> bytes:
    data = lines(start)
    closing = OPENING + sum(line[1] for line in data)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["NGÂN HÀNG NÔNG NGHIỆP VÀ PHÁT TRIỂN NÔNG THÔN VIỆT NAM - AGRIBANK"])
    writer.writerow(["SAO KÊ TÀI KHOẢN TIỀN GỬI THANH TOÁN"])
    writer.writerow(["Số tài khoản: 2200 1234 5678"])
    writer.writerow([f"Từ ngày {start:%d/%m/%Y} đến ngày {data[-1][0]:%d/%m/%Y}"])
    writer.writerow([f"Số dư đầu kỳ: {OPENING:,}".replace(",", ".")])
    writer.writerow(["STT", "Ngày giao dịch", "Số bút toán", "Diễn giải", "Loại", "Số tiền"])
    for n, (day, amount, text, ref) in enumerate(data, 1):
        writer.writerow(
            [
                n,
                f"{day:%d/%m/%Y} 08:{n:02d}:00",
                ref,
                text,
                "C" if amount > 0 else "D",
                f"{abs(amount):,}".replace(",", "."),
            ]
        )
    writer.writerow([f"Số dư cuối kỳ: {closing:,}".replace(",", ".")])
    return out.getvalue().encode("utf-8")


def main() -> None:
    FILES.mkdir(exist_ok=True)
    (FILES / "statement-vietcombank.xlsx").write_bytes(vietcombank())
    (FILES / "statement-agribank.csv").write_bytes(agribank())


if __name__ == "__main__":
    main()
