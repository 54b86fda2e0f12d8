"""Stored documents: content sniffing, size limit, empty files, and the checked download view."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from vasops.core import documents
from vasops.core.errors import CoreError, DomainError
from vasops.core.models import Document
from vasops.core.testing import make_user, verify_client

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200


def _upload(name, content, content_type="application/pdf"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def test_a_pdf_is_stored_under_a_generated_name(staff):
    doc = documents.store(_upload("营业执照.pdf", PDF), actor=staff, partner_id=7, kind="licence")
    assert doc.content_type == "application/pdf"
    assert doc.original_name == "营业执照.pdf"
    assert doc.size == len(PDF)
    assert doc.partner_id == 7
    assert doc.uploaded_by == staff
    assert "营业执照" not in doc.file.name and doc.file.name.endswith(".pdf")
    with doc.file.open("rb") as fh:
        assert fh.read() == PDF


def test_a_png_is_accepted_whatever_its_declared_type(staff):
    doc = documents.store(_upload("scan.png", PNG, "application/octet-stream"), actor=staff, partner_id=None)
    assert doc.content_type == "image/png"


@pytest.mark.parametrize(
    ("name", "content"),
    [("setup.exe", EXE), ("setup.pdf", EXE), ("notes.pdf", "这不是 PDF，只是文本。".encode())],
)
def test_content_not_in_the_allowed_types_is_refused_naming_the_field(staff, name, content):
    with pytest.raises(DomainError) as exc:
        documents.store(_upload(name, content), actor=staff, partner_id=None, field="licence_scan")
    assert exc.value.code == CoreError.UPLOAD_TYPE_REFUSED == "core.upload_type_refused"
    assert exc.value.field == "licence_scan"
    assert name in exc.value.message and "PDF" in exc.value.message
    assert not Document.objects.exists()


def test_oversize_upload_is_refused_with_the_limit_in_megabytes(staff, settings):
    settings.VASOPS_MAX_UPLOAD_BYTES = 2 * 1024 * 1024
    big = PDF + b"0" * (2 * 1024 * 1024)
    with pytest.raises(DomainError) as exc:
        documents.store(_upload("big.pdf", big), actor=staff, partner_id=None, field="plan")
    assert exc.value.code == "core.upload_too_large"
    assert "2 MB" in exc.value.message
    assert exc.value.field == "plan"


def test_upload_exactly_at_the_limit_is_accepted(staff, settings):
    settings.VASOPS_MAX_UPLOAD_BYTES = 1024 * 1024
    content = PDF + b"0" * (1024 * 1024 - len(PDF))
    assert documents.store(_upload("edge.pdf", content), actor=staff, partner_id=None).size == 1024 * 1024


def test_empty_upload_is_refused(staff):
    with pytest.raises(DomainError) as exc:
        documents.store(_upload("empty.pdf", b""), actor=staff, partner_id=None)
    assert exc.value.code == "core.upload_empty"
    assert exc.value.field == "file"


def test_office_file_is_recognised_by_its_zip_content_and_name(staff):
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("word/document.xml", "<w:document/>")
    doc = documents.store(_upload("方案.docx", buf.getvalue()), actor=staff, partner_id=None)
    assert doc.content_type.endswith("wordprocessingml.document")
    assert doc.file.name.endswith(".docx")


# ---- download view -----------------------------------------------------------------------


@pytest.fixture
def doc(staff):
    return documents.store(_upload("营业执照.pdf", PDF), actor=staff, partner_id=42, kind="licence")


def test_user_without_access_gets_404(client, doc, monkeypatch):
    monkeypatch.setattr(documents, "_access_rules", [])  # only core's rule: staff with view_document
    other = make_user("nobody")
    client.force_login(other)
    assert client.get(f"/documents/{doc.uuid}/").status_code == 404


def test_anonymous_is_sent_to_login(client, doc):
    response = client.get(f"/documents/{doc.uuid}/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_staff_with_view_document_downloads_as_attachment_with_nosniff(client, staff, doc):
    verify_client(client, staff)
    response = client.get(f"/documents/{doc.uuid}/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "%E8%90%A5%E4%B8%9A%E6%89%A7%E7%85%A7.pdf" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == PDF


def test_unknown_document_is_404(client, staff):
    verify_client(client, staff)
    assert client.get("/documents/00000000-0000-0000-0000-000000000000/").status_code == 404


def test_registered_access_rule_is_honoured(client, doc, monkeypatch):
    monkeypatch.setattr(documents, "_access_rules", [])
    owner = make_user("owner_of_42")
    stranger = make_user("stranger")

    @documents.register_access_rule
    def same_partner(user, document):
        return user.username == "owner_of_42" and document.partner_id == 42

    client.force_login(owner)
    assert client.get(f"/documents/{doc.uuid}/").status_code == 200
    client.force_login(stranger)
    assert client.get(f"/documents/{doc.uuid}/").status_code == 404
    assert documents.can_download(owner, doc) is True
    assert documents.can_download(stranger, doc) is False
