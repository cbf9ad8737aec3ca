"""What the processes produce, as documents built from a case's data, and which of them are public.

Three processes produce a document: the development plan (§2.2), the annual action plan with its
operations calendar (§2.3) and the annual report (§4.3). A document is public once its case has
passed the process's publication step: that step is completed and the case's data holds its
`published_on`. Secret cases are never public, whatever their data says.
"""
from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import case as when
from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from app.services.kernel import access
from app.services.kernel.actors import Actor
from app.services.kernel.context import ServiceContext
from app.services.kernel.errors import NotFound
from app.store.models import Case, Task
from app.thaidate import MONTHS_TH, format_date

OFFICE_NAME = "สำนักงานเขตพื้นที่การศึกษาประถมศึกษาขอนแก่น เขต 1"
OFFICE_NAME_EN = "Khon Kaen Primary Educational Service Area Office 1"

# The process → (its publication step, the document's Thai and English name).
DOCUMENTS = {
    "development_plan": ("publication", "แผนพัฒนาการศึกษา", "Education development plan"),
    "annual_action_plan": ("publish_plan", "แผนปฏิบัติการประจำปีงบประมาณ", "Annual action plan"),
    "reporting": ("publish_annual_report", "รายงานผลการดำเนินงานประจำปี", "Annual report"),
}
FISCAL_MONTHS = ["oct", "nov", "dec", "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep"]
_MONTH_INDEX = {"jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8, "sep": 9,
                "oct": 10, "nov": 11, "dec": 12}
CATEGORIES = {"personnel": "งบบุคลากร", "operating": "งบดำเนินงาน", "investment": "งบลงทุน",
              "subsidy": "งบเงินอุดหนุน", "other": "งบรายจ่ายอื่น"}
BUDGET_SOURCES = {"budget": "เงินงบประมาณ", "non_budget": "เงินนอกงบประมาณ"}
SWOT_POSITIONS = {"star": "Star (เอื้อและแข็ง)", "question_mark": "Question mark (เอื้อแต่อ่อน)",
                  "cash_cow": "Cash cow (ไม่เอื้อแต่แข็ง)", "dog": "Dog (ไม่เอื้อและอ่อน)"}


# --- how values are written in an official Thai document ---------------------------------------

def thai_date(value: Any) -> str:
    """An ISO day as '24 พฤศจิกายน 2569'; anything else as it is."""
    if isinstance(value, str):
        try:
            return format_date(date.fromisoformat(value[:10]), short=False)
        except ValueError:
            return value
    if isinstance(value, date):
        return format_date(value, short=False)
    return "" if value is None else str(value)


def baht(value: Any) -> str:
    """1234567 → '1,234,567.00 บาท'."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return "" if value is None else str(value)
    return f"{value:,.2f} บาท"


def number(value: Any) -> str:
    """A number with thousands separators (two decimals unless whole), for documents."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return "" if value is None else str(value)
    return f"{value:,}" if isinstance(value, int) or float(value).is_integer() else f"{value:,.2f}"


def month_label(month: str, fiscal_year: int) -> str:
    """'oct' of fiscal 2570 → 'ตุลาคม 2569' (October belongs to the year before the fiscal year's name)."""
    index = _MONTH_INDEX.get(month)
    if index is None:
        return month
    return f"{MONTHS_TH[index - 1]} {fiscal_year - 1 if index >= 10 else fiscal_year}"


def slug_of(case_number: str) -> str:
    """The case number in a web address: 2570/0001 → 2570-0001."""
    return case_number.replace("/", "-")


def number_of(slug: str) -> str:
    """The case number a public document's address names (2570-0001 -> 2570/0001)."""
    return slug.replace("-", "/", 1)


# --- which cases are public ------------------------------------------------------------------

def _published_clause():
    done = exists().where(Task.case_id == Case.id, Task.status == "completed",
                          Task.spec_id == _step_of_case())
    return Case.process_key.in_(list(DOCUMENTS)) & Case.secrecy.is_(None) & done


def _step_of_case():
    return when(*((Case.process_key == key, step) for key, (step, _, _) in DOCUMENTS.items()), else_="")


def is_published(case: Case) -> bool:
    """Checked on the case's data as well: the publication step's date must be there."""
    return (case.process_key in DOCUMENTS and case.secrecy is None and isinstance(case.data, dict)
            and bool(case.data.get("published_on")))


def published_documents(ctx: ServiceContext) -> list[dict[str, Any]]:
    """Every public document, newest publication first; for anyone, signed in or not."""
    with ctx.read() as session:
        rows = session.scalars(select(Case).where(_published_clause()).order_by(Case.id.desc())).all()
        found = [_summary(c) for c in rows if is_published(c)]
    return sorted(found, key=lambda d: d["published_on_iso"], reverse=True)


def public_document(ctx: ServiceContext, slug: str) -> dict[str, Any]:
    """A published document by its case number's slug; NotFound for anything not public."""
    with ctx.read() as session:
        case = session.scalar(select(Case).where(Case.number == number_of(slug), _published_clause()))
        if case is None or not is_published(case):
            raise NotFound(f"no public document {slug}")
        return build_document(session, case)


def case_document(ctx: ServiceContext, actor: Actor, case_id: int) -> dict[str, Any]:
    """A case's document for someone who may see the case (as on the case page)."""
    with ctx.read() as session:
        case = access.get_visible_case(session, actor, case_id)
        if case.process_key not in DOCUMENTS:
            raise NotFound(f"case {case_id} produces no document")
        return build_document(session, case)


def _summary(case: Case) -> dict[str, Any]:
    _, name, name_en = DOCUMENTS[case.process_key]
    data = case.data or {}
    return {"number": case.number, "slug": slug_of(case.number), "title": case.title, "kind": case.process_key,
            "kind_name": name, "kind_name_en": name_en, "fiscal_year": case.fiscal_year,
            "published_on": thai_date(data.get("published_on")), "published_on_iso": str(data.get("published_on")),
            "publication_url": data.get("publication_url")}


# --- the document ----------------------------------------------------------------------------

def build_document(session: Session, case: Case) -> dict[str, Any]:
    """The document a case produces, built from its data, with the office's name and the process's references."""
    meta = case.version.metadata_json or {}
    data = dict(case.data or {})
    document = {
        **_summary(case), "id": case.id, "office": OFFICE_NAME, "office_en": OFFICE_NAME_EN,
        "process_name": case.version.name, "manual_section": case.version.manual_section,
        "legal_references": meta.get("legal_references", []),
        "legal_references_in_force": meta.get("legal_references_in_force", []),
        "expected_outcome": meta.get("expected_outcome"),
        "status": case.status, "published": is_published(case), "started_on": thai_date(case.started_at.date()),
        # The office's announcement (ประกาศ) and its submission to the committee, as PlanFlow numbered them.
        "announcement_number": data.get("announcement_number"),
        "announcement_date": thai_date(data.get("announcement_date")),
        "submission_letter_number": data.get("submission_letter_number"),
        "submission_date": thai_date(data.get("submission_signed_on")),
        "publication_place": data.get("publication_place"),
        "decision": data.get("decision"), "meeting_number": data.get("meeting_number"),
        "meeting_date": thai_date(data.get("meeting_date")) if data.get("meeting_date") else "",
        **_committee(data),
    }
    builder = {"development_plan": _development_plan, "annual_action_plan": _annual_action_plan,
               "reporting": _annual_report}[case.process_key]
    document["body"] = builder(data, case)
    return document


# What the committee resolved, in its own words, as the document states it.
COMMITTEE_DECISIONS = {"approve": "เห็นชอบ", "approve_with_remarks": "เห็นชอบโดยมีข้อสังเกต", "acknowledge": "รับทราบ"}


def _committee(data: dict[str, Any]) -> dict[str, Any]:
    """The committee's resolution the document rests on: its words, the remarks it was given with (an approval
    with remarks), and the letter that notified it; nothing while the committee has not approved it."""
    decision = COMMITTEE_DECISIONS.get(data.get("decision"))
    if decision is None:
        return {"committee_decision": None}
    return {"committee_decision": decision,
            "committee_remarks": data.get("committee_remarks") if data.get("decision") == "approve_with_remarks"
            else None,
            "resolution_letter_number": data.get("resolution_letter_number"),
            "resolution_letter_date": thai_date(data.get("resolution_letter_date"))
            if data.get("resolution_letter_date") else ""}


def _texts(rows: Any, key: str) -> list[str]:
    return [row.get(key, "") for row in rows or [] if isinstance(row, dict) and row.get(key)]


def _development_plan(data: dict[str, Any], case: Case) -> dict[str, Any]:
    start, end = data.get("plan_start_year"), data.get("plan_end_year")
    return {
        "plan_title": data.get("plan_title") or case.title,
        "period": f"พ.ศ. {start}–{end}" if start and end else "",
        "mission_review": data.get("mission_review"), "information_reviewed": data.get("information_reviewed"),
        "swot": [(label, data.get(key)) for key, label in (
            ("strengths", "จุดแข็ง (Strengths)"), ("weaknesses", "จุดอ่อน (Weaknesses)"),
            ("opportunities", "โอกาส (Opportunities)"), ("threats", "อุปสรรค (Threats)")) if data.get(key)],
        "status_position": SWOT_POSITIONS.get(data.get("status_position"), data.get("status_position")),
        "status_assessment": data.get("status_assessment"),
        "vision": data.get("vision"), "missions": _texts(data.get("missions"), "mission"),
        "objectives": _texts(data.get("corporate_objectives"), "objective"),
        "strategies": [{"name": s.get("name", ""), "objective": s.get("objective", "")}
                       for s in data.get("strategies") or [] if isinstance(s, dict)],
        "outputs": _texts(data.get("outputs"), "output"), "outcomes": _texts(data.get("outcomes"), "outcome"),
        "kpis": [{"indicator": k.get("indicator", ""), "target": number(k.get("target")), "unit": k.get("unit", "")}
                 for k in data.get("kpis") or [] if isinstance(k, dict)],
        "midterm_targets": [{"item": t.get("item", ""), "fiscal_year": t.get("fiscal_year", ""),
                             "target": number(t.get("target")), "unit": t.get("unit", ""),
                             "type": "เชิงปริมาณ" if t.get("target_type") == "quantity" else "เชิงคุณภาพ"}
                            for t in data.get("midterm_targets") or [] if isinstance(t, dict)],
        "projects": [{**{k: p.get(k, "") for k in ("programme", "project", "strategy", "activities",
                                                    "responsible_group")}, "budget": baht(p.get("budget"))}
                     for p in data.get("projects") or [] if isinstance(p, dict)],
        "projects_total": baht(sum(p.get("budget") or 0 for p in data.get("projects") or [] if isinstance(p, dict))),
        "hearing": {"closes_on": thai_date(data.get("hearing_closes_on")) if data.get("hearing_closes_on") else "",
                    "comments_count": data.get("comments_count"), "summary": data.get("comments_summary")},
    }


def _annual_action_plan(data: dict[str, Any], case: Case) -> dict[str, Any]:
    year = data.get("fiscal_year") if isinstance(data.get("fiscal_year"), int) else case.fiscal_year
    calendar = [row for row in data.get("operations_calendar") or [] if isinstance(row, dict)]
    months = [{"month": m, "label": month_label(m, year),
               "rows": [r for r in calendar if r.get("month") == m]} for m in FISCAL_MONTHS]
    projects = [p for p in data.get("projects") or [] if isinstance(p, dict)]
    return {
        "fiscal_year": year,
        "allocation": [{"category": CATEGORIES.get(a.get("category"), a.get("category")),
                        "amount": baht(a.get("amount"))}
                       for a in data.get("expected_allocation") or [] if isinstance(a, dict)],
        "targets": [t for t in data.get("performance_targets") or [] if isinstance(t, dict)],
        "projects": [{**{k: p.get(k, "") for k in ("programme", "project", "strategy", "responsible")},
                      "budget": baht(p.get("budget")), "source": BUDGET_SOURCES.get(p.get("budget_source"), ""),
                      "period": " – ".join(dict.fromkeys(month_label(p.get(k, ""), year)
                                                         for k in ("start_month", "end_month")))}
                     for p in projects],
        "budget_total": baht(data.get("plan_budget_total")) if "plan_budget_total" in data else "",
        "non_budget_total": baht(data.get("plan_non_budget_total")) if "plan_non_budget_total" in data else "",
        "calendar": months,
        "has_calendar": bool(calendar),
    }


def _annual_report(data: dict[str, Any], case: Case) -> dict[str, Any]:
    year = data.get("report_fiscal_year") or case.fiscal_year
    return {
        "fiscal_year": year, "highlights": data.get("annual_report_highlights"),
        "letter_number": data.get("annual_report_letter_number"),
        "letter_date": thai_date(data.get("annual_report_letter_date")),
        "sent_to_obec_on": thai_date(data.get("sent_to_obec_on")) if data.get("sent_to_obec_on") else "",
        "output_results": [{"output": r.get("output", ""), "target": r.get("target", ""),
                            "result": r.get("result", ""), "achieved": "บรรลุ" if r.get("achieved") else "ไม่บรรลุ"}
                           for r in data.get("output_results") or [] if isinstance(r, dict)],
        "reports": [{"title": r.get("report_title", ""), "submitted_on": thai_date(r.get("submitted_on"))}
                    for r in data.get("submitted_reports") or [] if isinstance(r, dict)],
    }

