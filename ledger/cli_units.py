"""``flask --app ledger units …``: set up units and apply reorganisations from files."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import AppGroup

from .dates import parse_date
from .db import session_scope
from .errors import LedgerError, UnitImportRejected
from .money import format_vnd
from .services import reorganisation, unit_setup
from .services.units import find_unit
from .spreadsheets import read_table

units_group = AppGroup("units", help="Units (đơn vị) and reorganisations (sắp xếp).")


def _fail(error: LedgerError) -> None:
    click.echo(f"Lỗi: {error}", err=True)
    sys.exit(2)


def _report(errors) -> None:
    for error in errors:
        click.echo(f"Dòng {error.row}, cột {error.column}: {error.text()}", err=True)
    click.echo(f"{len(errors)} lỗi; không dòng nào được ghi.", err=True)
    sys.exit(1)


def _date(text: str):
    value = parse_date(text)
    if value is None:
        raise click.BadParameter(f"“{text}” không phải ngày dd/mm/yyyy.")
    return value


def _type(text: str) -> str:
    value = unit_setup.unit_type_from_label(text)
    if value is None:
        raise click.BadParameter(
            f"loại “{text}” không hợp lệ (Tỉnh, Thành phố, Huyện, Quận, "
            "Thị xã, Xã, Phường, Thị trấn, Đặc khu)."
        )
    return value


@units_group.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def import_command(path: str) -> None:
    """Import a unit list (.xlsx/.csv: Mã, Tên, Loại, Trực thuộc, Hiệu lực từ), all or nothing."""
    try:
        with session_scope() as session:
            table = read_table(path, Path(path).read_bytes())
            preview = unit_setup.preview_units(session, table=table)
            if preview.errors:
                _report(preview.errors)
            result = unit_setup.import_units(session, table=table)
    except LedgerError as error:
        _fail(error)
    click.echo(
        f"Đã thêm {len(result.new_rows)} đơn vị; "
        f"{len(result.rows) - len(result.new_rows)} đơn vị đã có."
    )


@units_group.command("reorganise")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Show what would move; write nothing.")
def reorganise_command(path: str, dry_run: bool) -> None:
    """Apply mergers and splits (Đơn vị cũ, Đơn vị mới, Tỷ lệ (%), Ngày hiệu lực, Căn cứ)."""
    try:
        with session_scope() as session:
            table = read_table(path, Path(path).read_bytes())
            preview = reorganisation.preview_reorganisation(session, table=table)
            if preview.errors:
                _report(preview.errors)
            for move in preview.moves:
                parts = ", ".join(
                    f"{ln.new.code} {reorganisation.format_share(ln.share_bp)}% "
                    f"= {format_vnd(move.part_total(ln.new.id))}"
                    for ln in move.links
                )
                click.echo(f"{move.old.code}: số dư {format_vnd(move.total)} → {parts}")
            if dry_run:
                session.rollback()
                return
            reorganisation.reorganise(session, table=table)
    except UnitImportRejected:
        sys.exit(1)
    except LedgerError as error:
        _fail(error)
    skipped = f"; {len(preview.already)} đơn vị đã sắp xếp trước đó" if preview.already else ""
    click.echo(f"Đã sắp xếp {len(preview.moves)} đơn vị cũ{skipped}.")


@units_group.command("add")
@click.option("--code", required=True)
@click.option("--name", required=True)
@click.option("--type", "type_label", required=True, help="Tỉnh, Thành phố, Huyện, Xã, …")
@click.option("--parent", default="", help="The parent's code or name (none: a top unit).")
@click.option("--from", "valid_from", required=True, help="Hiệu lực từ, dd/mm/yyyy.")
@click.option("--gso-code", default="", help="The official (GSO) code.")
def add_command(code, name, type_label, parent, valid_from, gso_code) -> None:
    """Create a unit (audited)."""
    unit_type, day = _type(type_label), _date(valid_from)
    try:
        with session_scope() as session:
            parent_id = find_unit(session, parent).id if parent else None
            unit = unit_setup.add_unit(
                session,
                code=code,
                name=name,
                unit_type=unit_type,
                valid_from=day,
                parent_id=parent_id,
                gso_code=gso_code,
            )
            click.echo(f"Đã tạo {unit.code} {unit.name}.")
    except LedgerError as error:
        _fail(error)


@units_group.command("edit")
@click.argument("unit_name")
@click.option("--code", default=None, help="New code.")
@click.option("--name", default=None, help="New name (rename).")
@click.option("--type", "type_label", default=None)
@click.option("--parent", default=None, help="New parent's code or name (move).")
@click.option("--gso-code", default=None)
@click.option("--to", "valid_to", default=None, help="Hiệu lực đến, dd/mm/yyyy (close).")
def edit_command(unit_name, code, name, type_label, parent, gso_code, valid_to) -> None:
    """Rename, move, retype, recode or close a unit (one audit event, before and after)."""
    changes = {
        k: v for k, v in {"code": code, "name": name, "gso_code": gso_code}.items() if v is not None
    }
    if type_label is not None:
        changes["unit_type"] = _type(type_label)
    if valid_to is not None:
        changes["valid_to"] = _date(valid_to)
    try:
        with session_scope() as session:
            unit = find_unit(session, unit_name)
            if parent is not None:
                changes["parent_id"] = find_unit(session, parent).id
            changed = unit_setup.update_unit(session, unit_id=unit.id, **changes)
            click.echo(f"{unit.code}: " + (", ".join(changed) if changed else "không thay đổi."))
    except LedgerError as error:
        _fail(error)
