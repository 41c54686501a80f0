"""Issue #12, "How we will check", first item, as one scripted run: from an empty database and
only the README's CLI commands, with files in the issue's column layouts, a province, its
communes, a 2026 campaign with target, quotas and periods; receipts before a reorganisation
merging two communes and splitting a third 60/40; receipts after; then the successors' balances
are the closed funds' by share to the đồng, ``check`` passes, and the successor's "cùng kỳ" in
the exported period report is Σ(predecessor × share)."""

import openpyxl

from ledger.services.journal import balance
from ledger.services.reorganisation import allocate
from ledger.services.units import find_unit
from tests.test_units import _csv, _xlsx, empty_runner  # noqa: F401  (the fixture)

UNITS = [
    ["Mã", "Tên", "Loại", "Trực thuộc", "Hiệu lực từ"],
    ["T1", "Tỉnh Thử Nghiệm", "Tỉnh", "", "01/01/2000"],
    ["XA", "Xã An Hòa", "Xã", "T1", "01/01/2000"],
    ["XB", "Xã Bình Minh", "Xã", "T1", "01/01/2000"],
    ["XC", "Xã Cẩm Lệ", "Xã", "T1", "01/01/2000"],
    ["XD", "Xã Đông Sơn", "Xã", "T1", "01/01/2000"],
    ["N1", "Xã Hòa Bình", "Xã", "T1", "01/07/2025"],
    ["N2", "Xã Tân Lập", "Xã", "T1", "01/07/2025"],
]
BASIS = "Nghị quyết 99/NQ-UBTVQH15"
REORG = [
    ["Đơn vị cũ", "Đơn vị mới", "Tỷ lệ (%)", "Ngày hiệu lực", "Căn cứ"],
    ["XA", "N1", 100, "01/07/2025", BASIS],
    ["Xã Bình Minh", "Xã Hòa Bình", 100, "01/07/2025", BASIS],  # by name as printed
    ["XC", "N1", 60, "01/07/2025", BASIS],
    ["XC", "N2", 40, "01/07/2025", BASIS],
]
QUOTAS = [
    ["STT", "TÊN ĐƠN VỊ", "Số tiền (Đồng)"],
    [1, "Xã Hòa Bình", "60.000.000"],
    [2, "Xã Tân Lập", "25.000.000"],
    [3, "Xã Đông Sơn", "15.000.000"],
    ["", "Tổng cộng", "100.000.000"],
]
HEADER = ["Ngày", "Số biên lai", "Người ủng hộ", "Số tiền", "Hình thức"]
BEFORE = {
    "XA": [
        ["05/01/2025", "A1", "Nguyễn Văn An", "1.000.000", "tiền mặt"],
        ["20/03/2025", "A2", "Trần Thị Bình", "250.001", "chuyển khoản"],
    ],
    "XB": [["07/02/2025", "B1", "Lê Văn Cường", "2.000.000", "tiền mặt"]],
    "XC": [
        ["08/04/2025", "C1", "Công ty May Thử", "3.333.333", "tiền mặt"],
        ["30/06/2025", "C2", "Hội Phụ nữ", "1.000.001", "chuyển khoản"],
    ],
    "XD": [
        ["09/05/2025", "D1", "Phạm Văn Dũng", "700.000", "tiền mặt"],
        ["10/03/2026", "D2", "Phạm Văn Dũng", "800.000", "tiền mặt"],
    ],
}
AFTER = {
    "N1": [
        ["15/02/2026", "H1", "Đỗ Thị Hạnh", "4.000.000", "tiền mặt"],
        ["15/07/2026", "H2", "Đỗ Thị Hạnh", "900.000", "tiền mặt"],
    ],
    "N2": [["16/03/2026", "T1", "Vũ Văn Tâm", "1.200.000", "chuyển khoản"]],
}
# per fund and account, before the reorganisation (first half of 2025)
OLD = {
    "XA": {"cash": 1_000_000, "bank": 250_001},
    "XB": {"cash": 2_000_000, "bank": 0},
    "XC": {"cash": 3_333_333, "bank": 1_000_001},
}


def _rows(path):
    book = openpyxl.load_workbook(path)
    return {r[0]: list(r[1:]) for r in book.worksheets[0].iter_rows(values_only=True) if r[0]}


def test_a_province_sets_up_2026_reorganises_and_reports_from_the_cli_alone(empty_runner, tmp_path):
    from ledger.engine import get_engine, new_session

    runner, url = empty_runner

    def cli(*args, code=0):
        result = runner.invoke(args=[str(a) for a in args])
        assert result.exit_code == code, result.output
        return result.output

    files = {"units.xlsx": _xlsx(UNITS), "reorg.xlsx": _xlsx(REORG), "quotas.csv": _csv(QUOTAS)}
    for unit, rows in {**BEFORE, **AFTER}.items():
        files[f"{unit}.xlsx"] = _xlsx([HEADER, *rows])
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)

    assert "Đã thêm 7 đơn vị" in cli("units", "import", tmp_path / "units.xlsx")
    cli(
        "campaigns",
        "add",
        "--unit",
        "T1",
        "--code",
        "2026",
        "--name",
        "Vận động Quỹ Bảo trợ trẻ em năm 2026",
        "--target",
        "90.000.000",
        "--from",
        "01/01/2026",
        "--to",
        "31/12/2026",
    )
    assert "100.000.000 đ" in cli(
        "quotas", "import", tmp_path / "quotas.csv", "--unit", "T1", "--campaign", "2026"
    )
    cli("periods", "template", "--unit", "T1", "--campaign", "2026", "--template", "6-9-nam")
    cli(
        "periods",
        "add",
        "--unit",
        "T1",
        "--campaign",
        "2026",
        "--name",
        "Báo cáo quý I",
        "--to",
        "31/03/2026",
        "--due",
        "10/04/2026",
    )
    calendar = cli("periods", "list", "--unit", "T1", "--campaign", "2026")
    for line in (
        "Báo cáo quý I\t31/03/2026\t10/04/2026",
        "Báo cáo 6 tháng\t30/06/2026\t15/07/2026",
        "Báo cáo 9 tháng\t30/09/2026\t15/10/2026",
        "Báo cáo năm\t31/12/2026\t10/01/2027",
    ):
        assert line in calendar
    for unit in BEFORE:
        cli("import-receipts", tmp_path / f"{unit}.xlsx", "--unit", unit)
    done = cli("units", "reorganise", tmp_path / "reorg.xlsx")
    assert "Đã sắp xếp 3 đơn vị cũ." in done
    for unit in AFTER:
        cli("import-receipts", tmp_path / f"{unit}.xlsx", "--unit", unit)
    cli("check")

    # the successors hold the closed funds' money by share, per account, to the đồng
    expected = {"N1": {"cash": 0, "bank": 0}, "N2": {"cash": 0, "bank": 0}}
    for old, links in (
        ("XA", [("N1", 10000)]),
        ("XB", [("N1", 10000)]),
        ("XC", [("N1", 6000), ("N2", 4000)]),
    ):
        for kind, amount in OLD[old].items():
            for (new, _), part in zip(
                links, allocate(amount, [bp for _, bp in links]), strict=False
            ):
                expected[new][kind] += part
    expected["N1"]["cash"] += 4_000_000 + 900_000
    expected["N2"]["bank"] += 1_200_000
    session = new_session(get_engine(url), write=False)
    try:
        for code, kinds in expected.items():
            unit_id = find_unit(session, code).id
            assert {k: balance(session, unit_id=unit_id, kinds=(k,)) for k in kinds} == kinds
            assert balance(session, unit_id=unit_id, kinds=("in_kind",)) == 0
        for old in OLD:
            assert (
                balance(
                    session, unit_id=find_unit(session, old).id, kinds=("cash", "bank", "in_kind")
                )
                == 0
            )
    finally:
        session.close()
    assert sum(map(sum, (d.values() for d in expected.values()))) == (
        sum(map(sum, (d.values() for d in OLD.values()))) + 4_900_000 + 1_200_000
    )

    # the exported reports: "cùng kỳ" of a successor = Σ predecessor × share, rounded down
    xa, xb, xc = (sum(OLD[u].values()) for u in ("XA", "XB", "XC"))
    out = tmp_path / "h1.xlsx"
    assert "Báo cáo 6 tháng" in cli(
        "export-report",
        "--unit",
        "T1",
        "--campaign",
        "2026",
        "--period",
        "Báo cáo 6 tháng",
        "--out",
        out,
    )
    rows = _rows(out)
    assert rows["Số tiền đã vận động"][:2] == [
        4_000_000 + 1_200_000 + 800_000,
        xa + xb + xc + 700_000,
    ]
    assert rows["Tồn quỹ (tiền mặt + ngân hàng)"][0] == xa + xb + xc + 700_000 + 6_000_000
    assert rows["Xã Hòa Bình"][:4] == [60_000_000, 4_000_000, 6.7, xa + xb + xc * 6000 // 10000]
    assert rows["Xã Hòa Bình"][3] == 5_850_001
    assert rows["Xã Hòa Bình"][4] == 1_250_001 + 2_000_000 + 2_600_001 + 4_000_000  # its books
    assert rows["Xã Hòa Bình"][5] == "ước tính: Xã An Hòa 100 %, Xã Bình Minh 100 %, Xã Cẩm Lệ 60 %"
    assert rows["Xã Tân Lập"][3] == xc * 4000 // 10000 == 1_733_333
    assert rows["Xã Tân Lập"][4:] == [1_733_333 + 1_200_000, "ước tính: Xã Cẩm Lệ 40 %"]
    assert rows["Xã Đông Sơn"][3:] == [700_000, 1_500_000, None]

    # the quarter: the cut-off a year back leaves out what came later
    out = tmp_path / "q1.xlsx"
    cli(
        "export-report",
        "--unit",
        "T1",
        "--campaign",
        "2026",
        "--period",
        "Báo cáo quý I",
        "--out",
        out,
    )
    rows = _rows(out)
    assert rows["Xã Hòa Bình"][3] == xa + xb  # XC's first receipt was on 08/04/2025
    assert rows["Xã Tân Lập"][3] == 0 and rows["Xã Đông Sơn"][3] == 0

    # the successor itself names the province's campaign: its own report, as its treasurer sees it
    out = tmp_path / "n1.xlsx"
    assert "Xã Hòa Bình" in cli(
        "export-report",
        "--unit",
        "N1",
        "--campaign",
        "2026",
        "--period",
        "Báo cáo 6 tháng",
        "--out",
        out,
    )
    rows = _rows(out)
    assert rows["Số tiền đã vận động"][:2] == [4_000_000, 5_850_001]
    assert rows["Chỉ tiêu được giao"][0] == 60_000_000
    refused = cli(
        "export-report",
        "--unit",
        "XD",
        "--campaign",
        "2025",
        "--period",
        "Báo cáo 6 tháng",
        "--out",
        tmp_path / "none.xlsx",
        code=2,
    )
    assert "Không tìm thấy đợt vận động" in refused
