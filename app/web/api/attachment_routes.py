"""A case's attached files: uploading, listing and downloading them."""
from __future__ import annotations

from flask import jsonify, request, send_file

from app.services.cases import attachments
from app.services.kernel.errors import Invalid, TooLarge

from ..auth import current_actor, services
from .table import route


@route("POST", "/cases/<int:case_id>/attachments", "Attach a file to a case", body_kind="multipart", ok=201,
       errors=(400, 401, 404, 413))
def add_attachment(case_id: int):
    actor = current_actor()
    if request.content_length and request.content_length > services().max_upload_bytes + 64 * 1024:
        raise TooLarge(f"the file is larger than {attachments.human_size(services().max_upload_bytes)}")
    upload = request.files.get("file")
    if upload is None:
        raise Invalid("send the file in the multipart field 'file'", {"file": ["required"]})
    row = attachments.attach_file(services(), actor, case_id, upload.filename or "file", upload.mimetype,
                                  upload.stream)
    return jsonify(row), 201


@route("GET", "/cases/<int:case_id>/attachments", "The case's attachments", response="Attachment", many=True)
def list_attachments(case_id: int):
    return jsonify(attachments.list_attachments(services(), current_actor(), case_id))


@route("GET", "/cases/<int:case_id>/attachments/<int:attachment_id>", "Download an attachment", body_kind="none")
def download_attachment(case_id: int, attachment_id: int):
    meta, path = attachments.open_attachment(services(), current_actor(), case_id, attachment_id)
    return send_file(path, mimetype=meta["content_type"], as_attachment=True, download_name=meta["filename"])
