"""Flask CLI for campaigns, quotas, report calendars and the period report (scripted setup).

Every command that names a campaign takes ``--unit U --campaign C``: C is the campaign's code
(``2026``, ``2026-THĐ``) or a year where the unit ran one campaign that year.
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import click
from flask.cli import AppGroup, with_appcontext

from .db import session_scope
from .errors import LedgerError
from .services import units

campaigns_group = AppGroup("campaigns", help="Fundraising campaigns and drives.")
quotas_group = AppGroup("quotas", help="Quotas of the units under a campaign's unit.")
periods_group = AppGroup("periods", help="A campaign's report calendar.")


def _fail(error: LedgerError) -> None:
    click.echo(f"Lỗi: {error}", err=True)
    sys.exit(2)


def _date(value: str, option: str) -> date:
    from .dates import parse_date

    found = parse_date(value or "")
    if found is None:
        click.echo(f"Lỗi: {option} phải là ngày dd/mm/yyyy (nhận được “{value}”).", err=True)
        sys.exit(2)
    return found


def _campaign(session, unit_ref: str, campaign_ref: str):
    from .services.campaigns import resolve_campaign

    unit = units.find_unit(session, unit_ref)
    return resolve_campaign(session, unit_id=unit.id, ref=campaign_ref)


unit_option = click.option(
    "--unit", "unit_ref", required=True, help="The campaign's unit: code or name."
)
campaign_option = click.option(
    "--campaign",
    "campaign_ref",
    required=True,
    help="The campaign's code (e.g. 2026-THĐ) or its year.",
)


@campaigns_group.command("add")
@unit_option
@click.option("--code", required=True, help="Short code unique in the unit, e.g. 2026-THĐ.")
@click.option("--name", required=True)
@click.option("--target", required=True, help="The assigned target, e.g. 500.000.000.")
@click.option("--from", "starts", required=True, help="dd/mm/yyyy")
@click.option("--to", "ends", required=True, help="dd/mm/yyyy")
def campaigns_add(unit_ref, code, name, target, starts, ends) -> None:
    """Create a campaign (or drive) with its target and dates."""
    from .services.campaigns import create_campaign

    starts_on, ends_on = _date(starts, "--from"), _date(ends, "--to")
    try:
        with session_scope() as session:
            unit = units.find_unit(session, unit_ref)
            campaign = create_campaign(
                session,
                unit_id=unit.id,
                year=starts_on.year,
                target=target,
                name=name,
                starts_on=starts_on,
                ends_on=ends_on,
                code=code,
            )
            click.echo(f"Đã tạo đợt vận động {campaign.code} — {campaign.name} ({unit.name}).")
    except LedgerError as error:
        _fail(error)


@campaigns_group.command("copy")
@unit_option
@campaign_option
@click.option("--code", default=None, help="The new campaign's code (default: a year later).")
def campaigns_copy(unit_ref, campaign_ref, code) -> None:
    """Start next year's campaign from this one: quotas mapped to today's units, calendar +1 year."""
    from .services.campaigns import copy_campaign

    try:
        with session_scope() as session:
            campaign = copy_campaign(
                session, campaign_id=_campaign(session, unit_ref, campaign_ref).id, code=code
            )
            click.echo(f"Đã tạo đợt vận động {campaign.code} — {campaign.name}.")
    except LedgerError as error:
        _fail(error)


@campaigns_group.command("list")
@unit_option
def campaigns_list(unit_ref) -> None:
    """The unit's campaigns: code, dates, target, name."""
    from .money import format_vnd
    from .services.campaigns import campaigns_for

    try:
        with session_scope(write=False) as session:
            unit = units.find_unit(session, unit_ref)
            for campaign, _unit in campaigns_for(session, {unit.id}):
                click.echo(
                    f"{campaign.code}\t{campaign.starts_on:%d/%m/%Y}–"
                    f"{campaign.ends_on:%d/%m/%Y}\t{format_vnd(campaign.target)}\t"
                    f"{campaign.name}"
                )
    except LedgerError as error:
        _fail(error)


@quotas_group.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@unit_option
@campaign_option
def quotas_import(path, unit_ref, campaign_ref) -> None:
    """Set quotas from the annex table STT | TÊN ĐƠN VỊ | Số tiền (Đồng) (.xlsx or .csv)."""
    from .services.seed import apply_quota_table
    from .spreadsheets import read_table

    try:
        with session_scope() as session:
            campaign = _campaign(session, unit_ref, campaign_ref)
            table = read_table(path, Path(path).read_bytes())
            header = [str(c or "").strip() for c in table[0]] if table else []
            rows = [
                dict(zip(header, [str(c if c is not None else "") for c in r], strict=False))
                for r in table[1:]
            ]
            total = apply_quota_table(
                session, campaign_id=campaign.id, parent_id=campaign.unit_id, rows=rows
            )
            click.echo(f"Đã nhập chỉ tiêu: tổng {total:,} đ.".replace(",", "."))
    except KeyError as error:
        click.echo(f"Lỗi: thiếu cột {error}", err=True)
        sys.exit(2)
    except LedgerError as error:
        _fail(error)


@periods_group.command("add")
@unit_option
@campaign_option
@click.option("--name", required=True, help="e.g. “Báo cáo 6 tháng”")
@click.option("--to", "cutoff", required=True, help="The cut-off date, dd/mm/yyyy.")
@click.option("--due", required=True, help="The due date, dd/mm/yyyy.")
def periods_add(unit_ref, campaign_ref, name, cutoff, due) -> None:
    """Add a report (or change the one with this name) in the campaign's calendar."""
    from .services.calendars import add_period

    cutoff_on, due_on = _date(cutoff, "--to"), _date(due, "--due")
    try:
        with session_scope() as session:
            campaign = _campaign(session, unit_ref, campaign_ref)
            period = add_period(
                session, campaign_id=campaign.id, name=name, cutoff=cutoff_on, due=due_on
            )
            click.echo(
                f"Kỳ báo cáo {period.name}: số liệu đến {period.cutoff:%d/%m/%Y}, "
                f"hạn nộp {period.due:%d/%m/%Y}."
            )
    except LedgerError as error:
        _fail(error)


@periods_group.command("template")
@unit_option
@campaign_option
@click.option("--template", type=click.Choice(["6-9-nam", "quy", "thang"]), required=True)
def periods_template(unit_ref, campaign_ref, template) -> None:
    """Add a template's reports (cut-offs at the ends of the months they name)."""
    from .services.calendars import apply_template

    try:
        with session_scope() as session:
            campaign = _campaign(session, unit_ref, campaign_ref)
            for period in apply_template(session, campaign_id=campaign.id, template=template):
                click.echo(f"{period.name}: {period.cutoff:%d/%m/%Y}, hạn {period.due:%d/%m/%Y}")
    except LedgerError as error:
        _fail(error)


@periods_group.command("list")
@unit_option
@campaign_option
def periods_list(unit_ref, campaign_ref) -> None:
    """The campaign's report calendar."""
    from .services.campaigns import report_periods

    try:
        with session_scope(write=False) as session:
            campaign = _campaign(session, unit_ref, campaign_ref)
            for period in report_periods(session, campaign.id):
                click.echo(
                    f"{period.code}\t{period.name}\t{period.cutoff:%d/%m/%Y}\t{period.due:%d/%m/%Y}"
                )
    except LedgerError as error:
        _fail(error)


@click.command("export-report")
@with_appcontext
@unit_option
@campaign_option
@click.option("--period", "period_name", required=True, help="The report's name or code.")
@click.option("--out", "out", type=click.Path(dir_okay=False), required=True)
def export_report_command(unit_ref, campaign_ref, period_name, out) -> None:
    """Write a period report exactly as its page shows it (the page's .xlsx download)."""
    from .exports.reports import period_workbook
    from .services.calendars import find_period
    from .services.campaigns import resolve_visible_campaign
    from .services.reports import period_report

    try:
        with session_scope(write=False) as session:
            unit = units.find_unit(session, unit_ref)
            campaign, focus = resolve_visible_campaign(session, unit_id=unit.id, ref=campaign_ref)
            period = find_period(session, campaign_id=campaign.id, name=period_name)
            data = period_report(
                session, campaign_id=campaign.id, period_id=period.id, focus_id=focus
            )
            Path(out).write_bytes(period_workbook(data))
    except LedgerError as error:
        _fail(error)
    click.echo(
        f"Đã ghi {out}: {data.period.name} — {data.progress.unit.name}, {len(data.rows)} đơn vị."
    )


COMMANDS = (campaigns_group, quotas_group, periods_group, export_report_command)
