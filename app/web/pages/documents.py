"""What the processes produce, as documents: each case's document page and PDF (for those who may see
the case), and the public page of published documents (no sign-in needed)."""
from __future__ import annotations

from flask import Response, render_template, url_for

from app.services.documents import publication

from ..auth import current_actor, services
from . import pdf
from .blueprint import pages
from .session import signed_in


@pages.get("/cases/<int:case_id>/document")
@signed_in
def case_document(case_id: int):
    doc = publication.case_document(services(), current_actor(), case_id)
    return render_template("documents/page.html", doc=doc, public=False,
                           pdf_url=url_for("pages.case_document_pdf", case_id=case_id))


@pages.get("/cases/<int:case_id>/document.pdf")
@signed_in
def case_document_pdf(case_id: int):
    return _pdf(publication.case_document(services(), current_actor(), case_id))


@pages.get("/public")
def public_index():
    return render_template("documents/public.html", documents=publication.published_documents(services()),
                           office=publication.OFFICE_NAME)


@pages.get("/public/<slug>")
def public_document(slug: str):
    doc = publication.public_document(services(), slug)
    return render_template("documents/page.html", doc=doc, public=True,
                           pdf_url=url_for("pages.public_document_pdf", slug=slug))


@pages.get("/public/<slug>.pdf")
def public_document_pdf(slug: str):
    return _pdf(publication.public_document(services(), slug))


def _pdf(doc: dict) -> Response:
    html = render_template("documents/pdf.html", doc=doc)
    body = pdf.render_pdf(html)
    response = Response(body, mimetype="application/pdf")
    name = f"{publication.slug_of(doc['number'])}.pdf"
    response.headers["Content-Disposition"] = f'inline; filename="{name}"'
    return response
