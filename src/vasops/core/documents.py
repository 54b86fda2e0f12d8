"""Stored documents: type sniffed from the content, size-limited, generated names,
downloads checked against registered access rules."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from pathlib import PurePath
from typing import Any

import filetype
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext

from vasops.core.errors import CoreError, DomainError
from vasops.core.models import Document

# What a partner may upload: scans, PDFs and office files. Sniffed, not trusted from the name.
ALLOWED_TYPES: dict[str, str] = {
    "application/pdf": "pdf",
    "image/png": "png",
    "image/jpeg": "jpg",
    "application/zip": "zip",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": "pptx",
}
_OOXML = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}

AccessRule = Callable[[Any, Document], bool]
_access_rules: list[AccessRule] = []


def register_access_rule(rule: AccessRule) -> AccessRule:
    """Apps add rules such as 'an expert may read the documents of applications assigned to
    them'. Staff with the view permission and the owning partner's users always may."""
    _access_rules.append(rule)
    return rule


def sniff(head: bytes, name: str) -> str | None:
    kind = filetype.guess(head)
    if kind is None:
        return None
    mime = str(kind.mime)
    if mime == "application/zip":
        suffix = PurePath(name).suffix.lower().lstrip(".")
        if suffix in _OOXML:
            return _OOXML[suffix]
    return mime if mime in ALLOWED_TYPES else None


def validate_upload(upload: UploadedFile, *, field: str = "file") -> str:
    """Return the sniffed content type or refuse with a message naming the field."""
    limit = settings.VASOPS_MAX_UPLOAD_BYTES
    if not upload.size:
        raise DomainError(CoreError.UPLOAD_EMPTY, gettext("上传的文件是空的。"), field=field)
    if upload.size > limit:
        raise DomainError(
            CoreError.UPLOAD_TOO_LARGE,
            gettext("文件“%(upload_name)s”超过大小上限 %(limit)s MB。")
            % {"upload_name": upload.name, "limit": limit // (1024 * 1024)},
            field=field,
        )
    upload.seek(0)
    head = upload.read(8192)
    upload.seek(0)
    mime = sniff(head, upload.name or "")
    if mime is None:
        raise DomainError(
            CoreError.UPLOAD_TYPE_REFUSED,
            gettext("文件“%(upload_name)s”的类型不被接受：请上传 PDF、PNG、JPEG、Word、Excel、PPT 或 ZIP。")
            % {"upload_name": upload.name},
            field=field,
        )
    return mime


def store(
    upload: UploadedFile, *, actor: Any, partner_id: int | None, kind: str = "", field: str = "file"
) -> Document:
    """Validate and store ``upload``. Call inside the action's transaction."""
    mime = validate_upload(upload, field=field)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    original = PurePath(upload.name or "upload").name[:255]
    doc = Document(
        original_name=original,
        content_type=mime,
        size=upload.size or 0,
        sha256=digest.hexdigest(),
        kind=kind,
        partner_id=partner_id,
        uploaded_by=actor if getattr(actor, "pk", None) else None,
    )
    doc.file.save(f"{uuid.uuid4().hex}.{ALLOWED_TYPES[mime]}", upload, save=False)
    doc.save()
    return doc


def can_download(user: Any, doc: Document) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    if user.has_perm("core.view_document"):
        return True
    return any(rule(user, doc) for rule in _access_rules)
