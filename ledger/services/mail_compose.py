"""What ``send-mail`` composes: a registry of composers, each turning what is due today into
drafts for the outbox, in each recipient's language.

A composer is ``(session, context) -> iterable of Draft``; register it with ``@composer(name)``.
A unit that has filed a report (and was not sent it back) is not reminded of it. Its dedupe keys (purpose:recipient:period) make a second run, or a run the next day, queue
nothing new for what it already queued. Two ship here: reminders before each report's due
date and the weekly progress summary; the filing work adds "not filed" summaries to the level
above and "filed report" messages carrying the document as an attachment (``Draft.attachments``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from pathlib import Path

from babel.support import NullTranslations, Translations
from sqlmodel import Session, col, select

from ..dates import format_date
from ..errors import _l
from ..models import Campaign, Quota, ReportPeriod, Unit, User
from ..money import format_vnd
from ..vocab import Language, Role
from .filing_status import standing_filers
from .outbox import Draft, enqueue
from .progress import Progress, campaign_progress

TRANSLATIONS = Path(__file__).resolve().parents[1] / "translations"
#: reminders go out this many days before a report's due date (the nearest one not yet sent)
REMINDER_DAYS = (7, 1)
#: child units a summary lists by name before counting the rest
SUMMARY_ROWS = 15


@dataclass(frozen=True)
class Context:
    """What a run composes for: today in Vietnam, the reminder days, the site's address."""

    today: date
    reminder_days: tuple[int, ...] = REMINDER_DAYS
    #: the address users open the ledger at (``LEDGER_MAIL_BASE_URL``), "" to leave links out
    base_url: str = ""


Composer = Callable[[Session, Context], Iterable[Draft]]
#: name → composer, in the order a run calls them
COMPOSERS: dict[str, Composer] = {}


def composer(name: str) -> Callable[[Composer], Composer]:
    """Register a composer under ``name`` (a later registration of the name replaces it)."""

    def register(function: Composer) -> Composer:
        COMPOSERS[name] = function
        return function

    return register


def compose_due(session: Session, context: Context) -> dict[str, int]:
    """Run every composer and queue what it drafts: how many new messages each queued."""
    return {
        name: sum(enqueue(session, draft) is not None for draft in make(session, context))
        for name, make in list(COMPOSERS.items())
    }


@dataclass(frozen=True)
class Writer:
    """Messages in one language: translated msgids, money and percentages as it writes them."""

    lang: str
    translations: NullTranslations

    def __call__(self, msgid: str, **params: object) -> str:
        text = self.translations.gettext(msgid)
        return text % params if params else text

    def money(self, amount: int) -> str:
        return format_vnd(amount, lang=self.lang)

    def percent(self, value: float | None) -> str:
        if value is None:
            return "—"
        text = f"{value:.1f}%"
        return text if self.lang == Language.EN else text.replace(".", ",")


@cache
def writer(lang: str) -> Writer:
    """The writer for ``lang`` (Vietnamese, the msgids' own language, for anything else)."""
    if lang != Language.EN:
        return Writer(Language.VI, NullTranslations())
    return Writer(Language.EN, Translations.load(str(TRANSLATIONS), [lang], "messages"))


SIGNED = _l("Sổ quỹ Bảo trợ trẻ em (thư tự động, xin đừng trả lời).")
SETTINGS_HINT = _l(
    "Đổi địa chỉ, ngôn ngữ hoặc thôi nhận tóm tắt: bấm vào tên của bạn, mục “E-mail và ngôn ngữ”."
)


def _signature(w: Writer, context: Context) -> list[str]:
    lines = ["", "--", w(SIGNED)]
    if context.base_url:
        lines.append(context.base_url)
    lines.append(w(SETTINGS_HINT))
    return lines


def _recipients(
    session: Session, unit_ids: Iterable[int], roles: Iterable[str] | None = None
) -> list[User]:
    """Active staff (not auditors; only ``roles`` when given) of these units who gave an
    address."""
    wanted = [r for r in Role if r != Role.AUDITOR] if roles is None else list(roles)
    return list(
        session.exec(
            select(User)
            .where(col(User.unit_id).in_(list(unit_ids)), col(User.active).is_(True))
            .where(User.email != "", col(User.role).in_(wanted))
            .order_by(col(User.id))
        ).all()
    )


# --- reminders before a report's due date -------------------------------------------------

REMINDER_SUBJECT = _l("Nhắc hạn nộp %(report)s — %(campaign)s: hạn %(due)s")
REMINDER_BODY = _l(
    "%(unit)s cần nộp %(report)s của %(campaign)s (số liệu đến ngày %(cutoff)s) chậm nhất "
    "ngày %(due)s."
)
REMINDER_DAYS_LEFT = _l("Còn %(days)s ngày đến hạn.")
REMINDER_DUE_TODAY = _l("Hôm nay là hạn nộp.")
GREETING = _l("Kính gửi %(name)s,")


def reminder_offset(due: date, today: date, days: tuple[int, ...]) -> int | None:
    """Which reminder is due: the smallest reminder day not before the days left (a run that
    missed the 7-day one still sends the 1-day one, and only that), None when none is."""
    left = (due - today).days
    fitting = [d for d in days if d >= left >= 0]
    return min(fitting) if fitting else None


def owing_units(session: Session, campaign: Campaign, on: date) -> list[int]:
    """The units that owe a campaign's reports: the campaign's unit and every unit holding a
    quota in it, still in existence on ``on``."""
    held = select(Quota.unit_id).where(Quota.campaign_id == campaign.id)
    return list(
        session.exec(
            select(Unit.id)
            .where((col(Unit.id) == campaign.unit_id) | col(Unit.id).in_(held))
            .where(Unit.valid_from <= on)
            .where(col(Unit.valid_to).is_(None) | (col(Unit.valid_to) >= on))
            .order_by(col(Unit.id))
        ).all()
    )


@composer("reminder")
def report_reminders(session: Session, context: Context) -> Iterator[Draft]:
    """One reminder per report, owing unit, reminder day and staff member."""
    horizon = max(context.reminder_days, default=0)
    periods = session.exec(
        select(ReportPeriod, Campaign)
        .join(Campaign, col(Campaign.id) == ReportPeriod.campaign_id)
        .where(ReportPeriod.due >= context.today)
        .where(ReportPeriod.due <= context.today + timedelta(days=horizon))
        .order_by(col(ReportPeriod.due), col(ReportPeriod.id))
    ).all()
    for period, campaign in periods:
        offset = reminder_offset(period.due, context.today, context.reminder_days)
        if offset is None:
            continue
        owing = set(owing_units(session, campaign, context.today)) - standing_filers(
            session, period.id
        )
        units = {u.id: u for u in _units(session, sorted(owing))}
        for user in _recipients(session, units):
            yield _reminder(user, units[user.unit_id], period, campaign, offset, context)


def _units(session: Session, ids: list[int]) -> list[Unit]:
    return list(session.exec(select(Unit).where(col(Unit.id).in_(ids))).all())


def _reminder(
    user: User, unit: Unit, period: ReportPeriod, campaign: Campaign, offset: int, ctx: Context
) -> Draft:
    w = writer(user.language)
    left = (period.due - ctx.today).days
    names = {"report": period.name, "campaign": campaign.name, "due": format_date(period.due)}
    lines = [
        w(GREETING, name=user.full_name or user.username),
        "",
        w(REMINDER_BODY, unit=unit.name, cutoff=format_date(period.cutoff), **names),
        w(REMINDER_DAYS_LEFT, days=left) if left else w(REMINDER_DUE_TODAY),
        *_signature(w, ctx),
    ]
    return Draft(
        dedupe_key=f"reminder:{period.id}:{unit.id}:{offset}:{user.id}",
        purpose="reminder",
        user_id=user.id,
        to_address=user.email,
        to_name=user.full_name,
        subject=w(REMINDER_SUBJECT, **names),
        body_text="\n".join(lines) + "\n",
        language=w.lang,
    )


# --- the weekly progress summary ----------------------------------------------------------

WEEKLY_SUBJECT = _l("Tóm tắt tiến độ vận động tuần %(week)s/%(year)s — %(unit)s")
WEEKLY_INTRO = _l("Tiến độ các đợt vận động của %(unit)s đến ngày %(day)s:")
WEEKLY_CAMPAIGN = _l("%(campaign)s (%(unit)s, %(start)s – %(end)s)")
WEEKLY_COLLECTED = _l("Đã thu: %(collected)s / chỉ tiêu %(target)s (%(rate)s)")
WEEKLY_SPENT = _l("Đã chi: %(disbursed)s; tồn quỹ: %(balance)s")
WEEKLY_ROW = _l("%(name)s: %(collected)s / chỉ tiêu %(quota)s (%(rate)s)")
WEEKLY_MORE = _l("… và %(count)s đơn vị khác")


def running_campaigns(session: Session, unit_id: int, on: date) -> list[tuple[Campaign, bool]]:
    """(campaign, focused) the unit follows on ``on``: its own, then those of higher levels in
    which it holds a quota (focused: the unit's own figures against its quota)."""
    held = select(Quota.campaign_id).where(Quota.unit_id == unit_id)
    rows = session.exec(
        select(Campaign)
        .where((col(Campaign.unit_id) == unit_id) | col(Campaign.id).in_(held))
        .where(Campaign.starts_on <= on, Campaign.ends_on >= on)
        .order_by(col(Campaign.unit_id) != unit_id, col(Campaign.starts_on), col(Campaign.id))
    ).all()
    return [(c, c.unit_id != unit_id) for c in rows]


@composer("weekly")
def weekly_summaries(session: Session, context: Context) -> Iterator[Draft]:
    """One summary per opted-in user and ISO week, when a campaign they follow is running."""
    year, week, _day = context.today.isocalendar()
    users = session.exec(
        select(User)
        .where(col(User.weekly_summary).is_(True), col(User.active).is_(True), User.email != "")
        .order_by(col(User.id))
    ).all()
    for user in users:
        followed = running_campaigns(session, user.unit_id, context.today)
        if not followed:
            continue
        figures = [
            campaign_progress(
                session,
                campaign_id=c.id,
                as_of=context.today,
                focus_id=user.unit_id if focused else None,
            )
            for c, focused in followed
        ]
        yield _weekly(session, user, figures, f"{year}-W{week:02d}", context)


def _weekly(
    session: Session, user: User, figures: list[Progress], week: str, ctx: Context
) -> Draft:
    w = writer(user.language)
    unit = session.get_one(Unit, user.unit_id)
    lines = [
        w(GREETING, name=user.full_name or user.username),
        "",
        w(WEEKLY_INTRO, unit=unit.name, day=format_date(ctx.today)),
    ]
    for progress in figures:
        lines += ["", *_campaign_lines(w, progress)]
    year, number = week.split("-W")
    return Draft(
        dedupe_key=f"weekly:{user.id}:{week}",
        purpose="weekly",
        user_id=user.id,
        to_address=user.email,
        to_name=user.full_name,
        subject=w(WEEKLY_SUBJECT, week=number, year=year, unit=unit.name),
        body_text="\n".join([*lines, *_signature(w, ctx)]) + "\n",
        language=w.lang,
    )


def _campaign_lines(w: Writer, p: Progress) -> list[str]:
    span = {"start": format_date(p.campaign.starts_on), "end": format_date(p.campaign.ends_on)}
    lines = [
        w(WEEKLY_CAMPAIGN, campaign=p.campaign.name, unit=p.unit.name, **span),
        "  "
        + w(
            WEEKLY_COLLECTED,
            collected=w.money(p.collected),
            target=w.money(p.target),
            rate=w.percent(p.rate),
        ),
        "  " + w(WEEKLY_SPENT, disbursed=w.money(p.disbursed), balance=w.money(p.balance)),
    ]
    for row in p.rows[:SUMMARY_ROWS]:
        lines.append(
            "  - "
            + w(
                WEEKLY_ROW,
                name=row.name,
                collected=w.money(row.collected),
                quota=w.money(row.quota),
                rate=w.percent(row.rate),
            )
        )
    if len(p.rows) > SUMMARY_ROWS:
        lines.append("  " + w(WEEKLY_MORE, count=len(p.rows) - SUMMARY_ROWS))
    return lines


# the filing workflow's composers register themselves on import (they use the writer above)
from . import mail_filings  # noqa: E402, F401
