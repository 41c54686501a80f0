"""The growth table: the same figures from runs at several sizes, one column a size."""

from __future__ import annotations

import json
from pathlib import Path

#: (label, row "what", scope, unit): ms for pages, s for the rest
GROWTH_ROWS = (
    ("floor (1): the progress question, raw", "floor (1) progress question", "nation", "ms"),
    ("floor (2): all-time GROUP BY", "floor (2) all-time GROUP BY", "nation", "ms"),
    ("in-process campaign_progress", "in-process campaign_progress", "nation", "ms"),
    ("progress API over HTTP (national)", "progress API (token)", "nation", "ms"),
    ("progress API over HTTP (district)", "progress API (token)", "district", "ms"),
    ("home page (national user)", "home", "nation", "ms"),
    ("campaign dashboard (national)", "campaign dashboard", "nation", "ms"),
    ("public page (national campaign)", "public campaign page (anonymous)", "nation", "ms"),
    ("receipts list, deep page (national)", "receipts list, deep page", "nation", "ms"),
    ("first chart cold / warm (national)", "chart progress, cold", "nation", "ms"),
    (
        "check, first verification (once, as the nightly check)",
        "check, first verification",
        "nation",
        "s",
    ),
    (
        "national workbook (HTTP, else the service call)",
        ("workbook (HTTP)", "workbook (HTTP, background job)", "workbook (service call)"),
        "nation",
        "s",
    ),
    ("import of 100,000 rows", "import 100,000 rows (service)", "commune", "s"),
    ("ledger-cli bal (median of runs)", "peer ledger bal", "nation", "s"),
    ("hledger bal (median of runs)", "peer hledger bal", "nation", "s"),
)


def growth_table(files: list[Path]) -> str:
    """Markdown: one column per run, ordered by receipts."""
    runs = sorted((json.loads(f.read_text()) for f in files), key=lambda r: r["meta"]["receipts"])
    head = "| receipts | " + " | ".join(f"{r['meta']['receipts']:,}" for r in runs) + " |"
    lines = [head, "|---" * (len(runs) + 1) + "|"]
    lines.append(
        "| generated in | "
        + " | ".join(_seconds(r["meta"].get("generated_seconds")) for r in runs)
        + " |"
    )
    for label, what, scope, unit in GROWTH_ROWS:
        cells = [_cell(r, what, scope, unit) for r in runs]
        if isinstance(what, str) and what.startswith("chart "):
            warm = [_cell(r, what.replace("cold", "warm"), scope, unit) for r in runs]
            cells = [f"{c} / {w}" for c, w in zip(cells, warm, strict=True)]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    lines.append(
        "| posting (8 treasurers): receipts/s, p50 | " + " | ".join(map(_posting, runs)) + " |"
    )
    lines.append(
        "| headline: API ÷ floor (1) | "
        + " | ".join(
            str(r["ratios"].get("headline: progress API over HTTP / floor (1)", "—")) for r in runs
        )
        + " |"
    )
    lines.append(
        "| bars met | "
        + " | ".join(f"{sum(b['met'] for b in r['bars'])} of {len(r['bars'])}" for r in runs)
        + " |"
    )
    return "\n".join(lines)


def _cell(run: dict, what: str | tuple[str, ...], scope: str, unit: str) -> str:
    """The first of the rows named ``what`` (one name, or alternatives in order) at ``scope``."""
    names = (what,) if isinstance(what, str) else what
    rows = [r for name in names for r in run["rows"] if r["what"] == name and r["scope"] == scope]
    row = rows[0] if rows else None
    if row is None or row["median"] is None:
        return "—"
    value = row["median"]
    if unit == "ms":
        return f"{value * 1000:.1f} ms"
    return f"{value:.2f} s"


def _posting(run: dict) -> str:
    posting = run.get("facts", {}).get("posting")
    if not posting:
        return "—"
    return f"{posting['per_second']:.1f}/s, {posting['p50_ms']:.0f} ms"


def _seconds(value) -> str:
    return "—" if value is None else f"{value:.0f} s"


def scope_table(path: Path) -> str:
    """Markdown: each screen's median (p95) at each scope of one run, ✗ where over its bar."""
    run = json.loads(path.read_text())
    scopes = ("nation", "province", "district", "commune")
    over = {(b["what"], b["scope"]) for b in run["bars"] if not b["met"]}
    order: list[str] = []
    for row in run["rows"]:
        if row["what"] not in order:
            order.append(row["what"])
    lines = ["| what | " + " | ".join(scopes) + " |", "|---" * 5 + "|"]
    for what in order:
        cells = []
        for scope in scopes:
            row = next((r for r in run["rows"] if r["what"] == what and r["scope"] == scope), None)
            cells.append(_scope_cell(row, (what, scope) in over))
        lines.append(f"| {what} | " + " | ".join(cells) + " |")
    lines.append("")
    lines += [f"- {name}: {value}" for name, value in run["ratios"].items()]
    lines.append(f"- bars met: {sum(b['met'] for b in run['bars'])} of {len(run['bars'])}")
    return "\n".join(lines)


def _scope_cell(row: dict | None, over: bool) -> str:
    if row is None:
        return ""
    value = row["median"]
    text = f"{value:.2f} s" if value >= 10 else f"{value * 1000:.1f} ms"
    if row.get("p95") is not None and row["n"] > 1:
        text += f" (p95 {row['p95'] * 1000:.0f})"
    if row.get("peak_mb"):
        text += f", {row['peak_mb']:.0f} MB"
    return text + (" ✗" if over else "")
