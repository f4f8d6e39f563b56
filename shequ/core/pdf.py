"""Paper forms as PDF: a template rendered to HTML, laid out by WeasyPrint with the CJK fonts.

Every printable form extends `print/form.html` (title, the community's name, the date printed,
bordered tables, signature boxes). Who may print what, and the audit record, belong to the app
that owns the data; this module only turns a template into a PDF response.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone


def render_pdf(template_name: str, context: dict[str, Any], *, request: HttpRequest | None = None) -> bytes:
    # Imported here: WeasyPrint loads Pango through cffi, which no other page needs.
    from weasyprint import HTML

    ctx = {"printed_at": timezone.localtime(), **context}
    html = render_to_string(template_name, ctx, request=request)
    pdf: bytes = HTML(string=html).write_pdf()
    return pdf


def pdf_response(pdf: bytes, filename: str) -> HttpResponse:
    """Shown in the browser's viewer (inline), never cached: the form carries personal data."""
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f"inline; filename*=UTF-8''{quote(filename)}"
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
