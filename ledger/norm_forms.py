"""Forms of the mobilisation norms page (shape only: the service parses what was typed)."""

from __future__ import annotations

from wtforms import StringField

from .forms import BaseForm
from .services.norms import KINDS, Count, parse_count


class NormsForm(BaseForm):
    """An amount per head and a note for each kind of payer (``norm-<kind>``, ``note-<kind>``)."""

    @classmethod
    def build(cls, **kwargs) -> NormsForm:
        form_class = type("KindNormsForm", (cls,), {})
        for kind in KINDS:
            setattr(form_class, f"norm-{kind}", StringField())
            setattr(form_class, f"note-{kind}", StringField())
        return form_class(**kwargs)

    def amounts(self) -> dict[str, str]:
        return {kind: self[f"norm-{kind}"].data or "" for kind in KINDS}

    def notes(self) -> dict[str, str]:
        return {kind: self[f"note-{kind}"].data or "" for kind in KINDS}


class CountsForm(BaseForm):
    """One page of the counts grid: ``heads-<unit>-<kind>`` and ``exempt-<unit>-<kind>``."""

    @classmethod
    def for_units(cls, unit_ids: list[int], kinds: list[str], **kwargs) -> CountsForm:
        form_class = type("UnitCountsForm", (cls,), {})
        for unit_id in unit_ids:
            for kind in kinds:
                setattr(form_class, f"heads-{unit_id}-{kind}", StringField())
                setattr(form_class, f"exempt-{unit_id}-{kind}", StringField())
        form = form_class(**kwargs)
        form.unit_ids, form.kinds = list(unit_ids), list(kinds)
        return form

    def typed(self) -> dict[str, str]:
        """What was submitted, by input name (shown again after a refusal)."""
        return {name: field.data for name, field in self._fields.items() if field.raw_data}

    def counts(self) -> tuple[dict[int, dict[str, Count]], tuple[int, str, str] | None]:
        """The counts typed, and the first cell that is not a count ``(unit, kind, text)``."""
        found: dict[int, dict[str, Count]] = {}
        for unit_id in self.unit_ids:
            for kind in self.kinds:
                heads_text = self[f"heads-{unit_id}-{kind}"].data or ""
                exempt_text = self[f"exempt-{unit_id}-{kind}"].data or ""
                heads, exempt = parse_count(heads_text), parse_count(exempt_text)
                if heads is None or exempt is None:
                    return found, (unit_id, kind, heads_text if heads is None else exempt_text)
                found.setdefault(unit_id, {})[kind] = Count(heads, exempt)
        return found, None
