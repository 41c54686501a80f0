"""Write audit events: who did what, when, with the values before and after."""
from __future__ import annotations

import json

from sqlmodel import Session

from ..models import AuditEvent


def record_event(session: Session, *, action: str, user_id: int | None = None,
                 unit_id: int | None = None, object_type: str = "", object_id: int | None = None,
                 before: dict | None = None, after: dict | None = None) -> AuditEvent:
    """Add one audit event (flushed with the change it describes)."""
    event = AuditEvent(action=action, user_id=user_id, unit_id=unit_id, object_type=object_type,
                       object_id=object_id, before=_dump(before), after=_dump(after))
    session.add(event)
    session.flush()
    return event


def _dump(values: dict | None) -> str:
    return json.dumps(values, ensure_ascii=False, default=str, sort_keys=True) if values else ""
