"""Evidence files (chứng từ gốc) on a document's page: upload, download, remove.

Who may see a file is decided by its document's unit (another unit's file, a guessed id: 404);
who may attach or remove one, by the permission that edits the document
(``services.evidence.OWNERS``). A download is always an attachment of the type read from its
bytes, never shown inline.
"""

from __future__ import annotations

import io

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.exceptions import RequestEntityTooLarge

from ..auth import scope_ids
from ..blobs import sha256_of
from ..db import evidence_store, get_session
from ..errors import EvidenceTooLarge, LedgerError, NotFound
from ..forms import EvidenceForm, EvidenceRemoveForm
from ..i18n import error_message
from ..models import Attachment, Beneficiary, Receipt, User
from ..services import evidence as service
from ..services.donors import hidden_payers
from .common import full_view, run_once

bp = Blueprint("evidence", __name__, url_prefix="/evidence")

#: room for the multipart envelope around the largest file accepted
ENVELOPE = 64 * 1024


@bp.url_value_preprocessor
def _upload_limit(endpoint, _values) -> None:
    """An upload may be as large as an evidence file (it runs before the CSRF check reads the
    body, so a larger one is refused by ``_too_large`` with a message)."""
    if endpoint == "evidence.upload":
        request.max_content_length = current_app.config["EVIDENCE_MAX_BYTES"] + ENVELOPE


def _owner(kind: str, owner_id: int):
    """The registry entry and the document, if it is in the user's scope; else 404."""
    try:
        entry, owner = service.find_owner(get_session(), kind, owner_id)
    except NotFound:
        abort(404)
    if not entry.units_of(owner) & scope_ids():
        abort(404)
    return entry, owner


def _side(entry, owner) -> int:
    """The document's unit the user uploads for: the user's own fund when it is one of the
    document's (a transfer's receiver), else the document's unit when in scope, else the other
    (a level above the receiver only)."""
    units, own = entry.units_of(owner), entry.unit_of(owner)
    if current_user.unit_id in units:
        return int(current_user.unit_id)
    return own if own in scope_ids() else next(iter(units - {own}))


def _removable(entry, owner, row: Attachment) -> bool:
    """Whether the user's side attached the file: a transfer's sender or receiver removes only
    its own papers (the district's scope covers the commune, not the commune's slip); a level
    above both removes what is in its scope."""
    if current_user.unit_id in entry.units_of(owner):
        return bool(row.unit_id == current_user.unit_id)
    return row.unit_id in scope_ids()


def _page(entry, owner) -> str:
    return url_for(entry.endpoint, **entry.args(owner))


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(_error):
    """A file far above the limit: the document's page with the message, not a 413 page."""
    args = request.view_args or {}
    if not current_user.is_authenticated or "owner_kind" not in args:
        return render_template("error.html", code=413, message=None), 413
    entry, owner = _owner(args["owner_kind"], args["owner_id"])
    limit = current_app.config["EVIDENCE_MAX_BYTES"] // (1024 * 1024)
    flash(error_message(EvidenceTooLarge(name=_("tệp đã chọn"), limit=limit)), "error")
    return redirect(_page(entry, owner))


@bp.route("/<owner_kind>/<int:owner_id>", methods=["POST"])
@login_required
def upload(owner_kind: str, owner_id: int):
    """Attach a file to the document; back to its page with what happened."""
    entry, owner = _owner(owner_kind, owner_id)
    if not current_user.can(entry.permission) or _hidden(entry, owner):
        abort(403)
    form, back = EvidenceForm(), _page(entry, owner)
    if not form.validate_on_submit():
        flash(_("Biểu mẫu đã hết hạn hoặc không hợp lệ. Hãy tải lại trang và thử lại."), "error")
        return redirect(back)
    storage = form.file.data
    limit = current_app.config["EVIDENCE_MAX_BYTES"]
    data = storage.stream.read(limit + 1) if storage else b""
    name = (storage.filename or "") if storage else ""
    try:
        run_once(
            form,
            lambda session: service.attach_file(
                session,
                evidence_store(),
                owner_kind=owner_kind,
                owner_id=owner.id,
                data=data,
                file_name=name,
                user_id=current_user.id,
                max_bytes=limit,
                side=_side(entry, owner),
            ),
            url=back,
        )
    except LedgerError as error:
        flash(error_message(error), "error")
        return redirect(back)
    flash(_("Đã đính kèm chứng từ gốc “%(name)s”.", name=name[:100]), "info")
    return redirect(back)


def _file(attachment_id: int) -> Attachment:
    """A file still attached to a document (whose scope ``_owner`` checks); else 404."""
    row = get_session().get(Attachment, attachment_id)
    if row is None or row.removed_at is not None:
        abort(404)
    return row


def _child_hidden(entry, owner) -> bool:
    """Whether the document is about a child this user sees masked (its files are not shown:
    they carry the child's name and health)."""
    child_id = entry.child_of(owner)
    if child_id is None:
        return False
    return not full_view(get_session().get_one(Beneficiary, child_id))


def _donor_hidden(owner) -> bool:
    """Whether the document is an anonymous donor's gift read outside the fund that recorded
    it (its files, a bank slip or a handover record, name the donor)."""
    if not isinstance(owner, Receipt):
        return False
    return bool(hidden_payers(get_session(), [owner], viewer_unit_id=current_user.unit_id))


def _hidden(entry, owner) -> str:
    """Why this user may neither read nor remove the document's files ("" when they may)."""
    if _child_hidden(entry, owner):
        return "child"
    return "donor" if _donor_hidden(owner) else ""


@bp.route("/<int:attachment_id>")
@login_required
def download(attachment_id: int):
    """The file as it was uploaded: an attachment of its sniffed type, never inline."""
    row = _file(attachment_id)
    hidden = _hidden(*_owner(row.owner_kind, row.owner_id))
    if hidden == "child":
        message = _(
            "Tệp này thuộc khoản chi cho một trẻ em: chỉ thủ quỹ của đơn vị có trẻ mới tải được."
        )
        return render_template("error.html", code=403, message=message), 403
    if hidden == "donor":
        message = _(
            "Tệp này thuộc phiếu thu của một nhà hảo tâm ẩn danh: chỉ cán bộ của quỹ ghi phiếu "
            "mới tải được."
        )
        return render_template("error.html", code=403, message=message), 403
    data = evidence_store().get(row.sha256)
    if data is None or sha256_of(data) != row.sha256:
        message = _(
            "Tệp “%(name)s” bị thiếu hoặc đã bị thay đổi trong kho lưu trữ; hãy báo quản trị.",
            name=row.file_name,
        )
        return render_template("error.html", code=404, message=message), 404
    response = send_file(
        io.BytesIO(data),
        mimetype=row.media_type,
        as_attachment=True,
        download_name=row.file_name,
    )
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@bp.route("/<int:attachment_id>/remove", methods=["POST"])
@login_required
def remove(attachment_id: int):
    """Take the file off its document, with a reason (the file itself is kept)."""
    row = _file(attachment_id)
    entry, owner = _owner(row.owner_kind, row.owner_id)
    if not current_user.can(entry.permission) or _hidden(entry, owner):
        abort(403)
    if not _removable(entry, owner, row):  # the other fund's paper (a transfer's slip)
        abort(403)
    form, back = EvidenceRemoveForm(), _page(entry, owner)
    if not form.validate_on_submit():
        flash(_("Phải ghi lý do gỡ tệp chứng từ."), "error")
        return redirect(back)
    try:
        run_once(
            form,
            lambda session: service.remove_file(
                session, attachment_id=row.id, user_id=current_user.id, reason=form.reason.data
            ),
            url=back,
        )
    except LedgerError as error:
        flash(error_message(error), "error")
        return redirect(back)
    flash(_("Đã gỡ tệp “%(name)s” khỏi chứng từ.", name=row.file_name), "info")
    return redirect(back)


@bp.app_template_global("evidence_panel")
def evidence_panel(kind: str, owner) -> dict:
    """What a document's page shows of its files: the list, who uploaded each, and the forms
    when the user may attach or remove."""
    session = get_session()
    entry = service.OWNERS[kind]
    files = service.files_of(session, kind, owner.id)
    people = (session.get_one(User, i) for i in {f.uploaded_by_id for f in files})
    users = {u.id: u.full_name or u.username for u in people}
    return {
        "kind": kind,
        "owner_id": owner.id,
        "files": files,
        "users": users,
        "hidden": (hidden := _hidden(entry, owner)),
        "may_edit": (may_edit := current_user.can(entry.permission) and not hidden),
        # a transfer's files are removed only by the side that attached them
        "removable": {f.id for f in files if may_edit and _removable(entry, owner, f)},
        "form": EvidenceForm(),
        "remove_form": EvidenceRemoveForm(),
    }


@bp.app_template_filter("file_size")
def file_size(size: int) -> str:
    """ "350 KB", "2,4 MB" (Vietnamese decimal comma)."""
    if size < 1024 * 1024:
        return f"{max(1, round(size / 1024))} KB"
    return f"{size / (1024 * 1024):.1f} MB".replace(".", ",")
