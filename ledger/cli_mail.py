"""``flask --app ledger send-mail``: what a cron job or systemd timer runs (``deploy/``)."""

from __future__ import annotations

import sys

import click
from flask import current_app
from flask.cli import with_appcontext

from .dates import parse_date
from .mailer import SmtpSettings, run, today_in_vietnam
from .services.mail_compose import REMINDER_DAYS, Context


def _reminder_days(config) -> tuple[int, ...]:
    """``LEDGER_MAIL_REMINDER_DAYS``: "7,1" (or a JSON list) → (7, 1)."""
    value = config.get("MAIL_REMINDER_DAYS")
    if value is None or value == "":
        return REMINDER_DAYS
    items = value if isinstance(value, list | tuple) else str(value).split(",")
    days = {int(str(v).strip()) for v in items if str(v).strip().isdigit()}
    return tuple(sorted(days, reverse=True)) or REMINDER_DAYS


@click.command("send-mail")
@with_appcontext
@click.option("--today", "today_text", default="", help="Compose as of this day (dd/mm/yyyy).")
@click.option("--no-compose", is_flag=True, help="Only send what is already queued.")
def send_mail_command(today_text: str, no_compose: bool) -> None:
    """Queue the reminders and summaries due today (each once), then send the outbox."""
    today = parse_date(today_text) if today_text else today_in_vietnam()
    if today is None:
        raise click.BadParameter(f"“{today_text}” không phải ngày dd/mm/yyyy.")
    config = current_app.config
    context = Context(
        today=today,
        reminder_days=_reminder_days(config),
        base_url=str(config.get("MAIL_BASE_URL") or ""),
    )
    smtp = SmtpSettings.from_config(config)
    report = run(config["DATABASE_URL"], smtp, context, compose=not no_compose)
    queued = ", ".join(f"{name} +{count}" for name, count in report.queued.items())
    click.echo(f"Đưa vào hàng đợi: {queued or '0'}. Đã gửi {report.sent}, lỗi {report.failed}.")
    smtp_missing = not smtp.configured
    if smtp_missing:
        click.echo("Chưa đặt LEDGER_SMTP_HOST và LEDGER_SMTP_FROM: thư vẫn nằm trong hàng đợi.")
    if report.interrupted:
        click.echo(f"{report.interrupted} thư bị gián đoạn khi đang gửi: xem trang Hộp thư đi.")
    if report.skipped:
        click.echo(f"{report.skipped} thư không gửi: lượt chạy khác đã đánh dấu gián đoạn.")
    if report.compose_error:
        click.echo(f"Lỗi khi soạn thư (không thư mới nào được xếp hàng): {report.compose_error}")
    if report.failed or smtp_missing or report.compose_error:
        sys.exit(1)
