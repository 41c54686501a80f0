"""Forms of the campaign set-up pages: campaign, report period, calendar template (shape only)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length

from .fields import DateField, MoneyField
from .forms import BaseForm
from .services.quotas import QuotaEntries


class CampaignForm(BaseForm):
    """A campaign or drive: the unit that received the target, code, name, target, dates."""

    unit_id = SelectField(_l("Đơn vị được giao chỉ tiêu"), coerce=int)
    code = StringField(
        _l("Mã đợt (ví dụ 2026, 2026-THĐ)"), validators=[DataRequired(), Length(max=30)]
    )
    name = StringField(_l("Tên đợt vận động"), validators=[DataRequired(), Length(max=200)])
    target = MoneyField(_l("Chỉ tiêu được giao (đồng)"))
    starts_on = DateField(_l("Từ ngày"))
    ends_on = DateField(_l("Đến ngày"))

    @classmethod
    def with_children(cls, categories, **kwargs) -> CampaignForm:
        """The form with a ``children-<category id>`` field per category: the campaign's target
        of children helped through it (text as typed: the service parses it; blank: none)."""
        form_class = type("CampaignChildrenForm", (cls,), {})
        for category in categories:
            setattr(
                form_class,
                f"children-{category.id}",
                StringField(category.name_vi, render_kw={"inputmode": "numeric"}),
            )
        form = form_class(**kwargs)
        form.children_categories = list(categories)
        return form

    def children_fields(self) -> list:
        """(category, its field) for each category the form asks a target for."""
        return [(c, self[f"children-{c.id}"]) for c in getattr(self, "children_categories", [])]

    def children_typed(self) -> dict[int, str]:
        """category id → the target as typed."""
        return {c.id: f.data or "" for c, f in self.children_fields()}


class PeriodForm(BaseForm):
    """One report of the calendar: name, cut-off, due date."""

    name = StringField(_l("Tên báo cáo"), validators=[DataRequired(), Length(max=100)])
    cutoff = DateField(_l("Số liệu đến ngày"))
    due = DateField(_l("Hạn nộp"))


class TemplateForm(BaseForm):
    """Add a calendar template's reports."""

    template = SelectField(
        _l("Mẫu lịch báo cáo"),
        choices=[
            ("6-9-nam", _l("6 tháng / 9 tháng / năm")),
            ("quy", _l("Quý")),
            ("thang", _l("Tháng")),
        ],
    )


class DeleteForm(BaseForm):
    """A confirmation-free POST (CSRF only)."""


class QuotaForm(BaseForm):
    """The quota screen: typed amounts per child unit, or a total split equally or by weights;
    ``for_units`` adds the ``quota-<id>`` and ``weight-<id>`` fields (text as typed: the
    service parses them)."""

    mode = StringField(default="typed")
    total = StringField()

    @classmethod
    def for_units(cls, unit_ids, **kwargs) -> QuotaForm:
        form_class = type("UnitQuotaForm", (cls,), {})
        for unit_id in unit_ids:
            setattr(form_class, f"quota-{unit_id}", StringField())
            setattr(form_class, f"weight-{unit_id}", StringField())
        form = form_class(**kwargs)
        form.unit_ids = list(unit_ids)
        return form

    def entries(self) -> QuotaEntries:
        return QuotaEntries(
            mode=self.mode.data or "typed",
            total=self.total.data or "",
            typed={u: self[f"quota-{u}"].data or "" for u in self.unit_ids},
            weights={u: self[f"weight-{u}"].data or "" for u in self.unit_ids},
        )

    def typed(self) -> dict[str, str]:
        """What the user submitted, by input name (to show it again after a refusal)."""
        return {name: field.data for name, field in self._fields.items() if field.raw_data}
