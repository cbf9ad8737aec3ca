"""The inbox as people work it: filters, search, due-date marks, counts for the navigation, bulk actions.

Reads only the projected `tasks` table and a few columns of `cases` (never the serialized workflow),
so a page of the inbox costs the same with ten open steps or ten thousand.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from app.store.models import Case, ProcessVersion, Task, User

from . import access, casework, processes, tasks
from .actors import Actor
from .context import ServiceContext
from .errors import Invalid, ServiceError
from .views import iso
from .working_days import add_working_days

PAGE_SIZE = 50
DUE_SOON_WORKING_DAYS = 2
STATUSES = ("open", "claimed")
DUES = ("overdue", "soon", "later", "none")
MAX_BULK = 200
MAX_QUERY = 100


@dataclass(frozen=True)
class InboxFilters:
    """What the inbox is narrowed to; built from a page's query string or a saved filter."""

    scope: str = "mine"
    process: str | None = None
    fiscal_year: int | None = None
    status: str | None = None
    due: str | None = None
    q: str | None = None
    page: int = 1

    @classmethod
    def parse(cls, args: Mapping[str, str]) -> InboxFilters:
        """Read filters from request arguments; raise Invalid naming each bad one."""
        problems: dict[str, list[str]] = {}

        def choice(name: str, allowed: tuple[str, ...], default: str | None = None) -> str | None:
            value = (args.get(name) or "").strip() or default
            if value is not None and value not in allowed:
                problems[name] = [f"เลือกจาก {', '.join(allowed)} (choose from {', '.join(allowed)})"]
                return default
            return value

        def number(name: str, default: int | None = None) -> int | None:
            value = (args.get(name) or "").strip()
            if not value:
                return default
            if not value.isdigit() or len(value) > 6:
                problems[name] = ["ต้องเป็นจำนวนเต็ม (whole number)"]
                return default
            return int(value)

        process = (args.get("process") or "").strip() or None
        if process and not processes.KEY_PATTERN.match(process):
            problems["process"] = ["ไม่พบกระบวนงาน (unknown process)"]
            process = None
        q = (args.get("q") or "").strip()[:MAX_QUERY] or None
        filters = cls(scope=choice("scope", access.INBOX_SCOPES, "mine"), process=process,
                      fiscal_year=number("fy"), status=choice("status", STATUSES), due=choice("due", DUES),
                      q=q, page=max(number("page", 1) or 1, 1))
        if problems:
            raise Invalid("some filters are not valid: " + ", ".join(sorted(problems)), problems)
        return filters

    def as_args(self, page: int | None = None, **changes: str) -> dict[str, str]:
        """The query string that gives these filters back (empty ones left out), with `changes` applied."""
        names = {"scope": self.scope, "process": self.process, "fy": self.fiscal_year, "status": self.status,
                 "due": self.due, "q": self.q, "page": page if page is not None else self.page, **changes}
        return {k: str(v) for k, v in names.items() if v not in (None, "") and not (k == "page" and v == 1)}


@dataclass
class InboxPage:
    rows: list[dict[str, Any]]
    total: int
    page: int
    pages: int
    filters: InboxFilters
    columns: dict[str, bool] = field(default_factory=dict)


def _due_soon_limit(now: datetime) -> datetime:
    return add_working_days(now, DUE_SOON_WORKING_DAYS)


def _search_clause(q: str):
    like = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return or_(Case.number == q, Case.number.like(like, escape="\\"), Case.title.ilike(like, escape="\\"))


def _filtered(actor: Actor, filters: InboxFilters, now: datetime):
    clauses = [Task.status.in_(casework.OPEN_STATUSES), Case.status == "running",
               access.inbox_clause(actor, filters.scope)]
    if filters.process:
        clauses.append(Case.process_key == filters.process)
    if filters.fiscal_year:
        clauses.append(Case.fiscal_year == filters.fiscal_year)
    if filters.status:
        clauses.append(Task.status == filters.status)
    if filters.due == "overdue":
        clauses.append(Task.due_at < now)
    elif filters.due == "soon":
        clauses.append(and_(Task.due_at >= now, Task.due_at <= _due_soon_limit(now)))
    elif filters.due == "later":
        clauses.append(Task.due_at > _due_soon_limit(now))
    elif filters.due == "none":
        clauses.append(Task.due_at.is_(None))
    if filters.q:
        clauses.append(_search_clause(filters.q))
    return and_(*clauses)


_COLUMNS = (Task.id, Task.case_id, Task.name, Task.spec_id, Task.lane, Task.group_code, Task.assignee, Task.status,
            Task.created_at, Task.due_at, Task.instance, Case.number, Case.title, Case.process_key,
            Case.fiscal_year, Case.process_version_id, Case.data["amount"].label("amount"),
            Case.data["fiscal_year"].label("data_fiscal_year"))


def list_inbox(ctx: ServiceContext, actor: Actor, filters: InboxFilters) -> InboxPage:
    """One page of the actor's open steps, due first, with overdue and due-soon marked."""
    now = ctx.now()
    where = _filtered(actor, filters, now)
    with ctx.read() as session:
        total = session.scalar(select(func.count()).select_from(Task).join(Case, Case.id == Task.case_id)
                               .where(where)) or 0
        pages = max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
        page = min(filters.page, pages)
        result = session.execute(
            select(*_COLUMNS).join(Case, Case.id == Task.case_id).where(where)
            .order_by(Task.due_at.is_(None), Task.due_at, Task.id)
            .offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)).all()
        names_en = _step_names_en(session, {r.process_version_id for r in result})
    soon = _due_soon_limit(now)
    rows = [_row(r, now, soon, names_en) for r in result]
    columns = {"school": any(r["school"] for r in rows), "amount": any(r["amount"] is not None for r in rows)}
    return InboxPage(rows=rows, total=total, page=page, pages=pages, filters=filters, columns=columns)


def _row(r, now: datetime, soon: datetime, names_en: dict[int, dict[str, str]]) -> dict[str, Any]:
    instance = r.instance if isinstance(r.instance, dict) else {}
    amount = r.amount if isinstance(r.amount, (int, float)) and not isinstance(r.amount, bool) else None
    fiscal = r.data_fiscal_year if isinstance(r.data_fiscal_year, int) else r.fiscal_year
    return {
        "id": r.id, "case_id": r.case_id, "name": r.name, "name_en": names_en.get(r.process_version_id, {}).get(r.spec_id),
        "spec_id": r.spec_id, "lane": r.lane, "group": r.group_code, "assignee": r.assignee, "status": r.status,
        "created_at": iso(r.created_at), "due_at": iso(r.due_at), "due": r.due_at,
        "overdue": r.due_at is not None and r.due_at < now,
        "due_soon": r.due_at is not None and now <= r.due_at <= soon,
        "case_number": r.number, "case_title": r.title, "process_key": r.process_key,
        "fiscal_year": fiscal, "school": instance.get("name") if isinstance(instance.get("name"), str) else None,
        "amount": amount,
    }


def _step_names_en(session: Session, version_ids: set[int]) -> dict[int, dict[str, str]]:
    """English step names by process version, from the parsed diagrams (parsed once per version)."""
    found: dict[int, dict[str, str]] = {}
    for version in session.scalars(select(ProcessVersion).where(ProcessVersion.id.in_(version_ids))):
        compiled = processes.compiled(version)
        found[version.id] = {k: v.name_en for k, v in compiled.user_tasks.items() if v.name_en}
    return found


def counts(ctx: ServiceContext, actor: Actor) -> dict[str, int]:
    """The numbers in the navigation: steps I hold, unclaimed steps of my groups, and how many are overdue."""
    now = ctx.now()
    mine = access.inbox_clause(actor, "mine")
    query = (select(func.count().filter(Task.assignee == actor.username),
                    func.count().filter(Task.assignee.is_(None)),
                    func.count().filter(Task.due_at < now),
                    func.count().filter(and_(Task.due_at >= now, Task.due_at <= _due_soon_limit(now))))
             .select_from(Task).join(Case, Case.id == Task.case_id)
             .where(Task.status.in_(casework.OPEN_STATUSES), Case.status == "running", mine))
    with ctx.read() as session:
        held, waiting, overdue, soon = session.execute(query).one()
    return {"held": held, "group": waiting, "overdue": overdue, "due_soon": soon, "total": held + waiting}


def filter_choices(ctx: ServiceContext) -> dict[str, Any]:
    """The processes and fiscal years the inbox's filters offer."""
    with ctx.read() as session:
        years = list(session.scalars(select(Case.fiscal_year).where(Case.status == "running").distinct()
                                     .order_by(Case.fiscal_year.desc())))
    return {"processes": processes.list_processes(ctx), "fiscal_years": years}


def assignable_users(ctx: ServiceContext, actor: Actor) -> list[dict[str, str]]:
    """Whom a supervisor may hand steps to: the members of the groups they direct (everyone, for admins)."""
    if not actor.is_supervisor and not actor.is_admin:
        return []
    with ctx.read() as session:
        query = select(User).where(User.active.is_(True)).order_by(User.username)
        people = session.scalars(query).all()
        wide = actor.is_admin or "supervisor" in actor.roles
        return [{"username": u.username, "display_name": u.display_name or u.username} for u in people
                if wide or {m.group.code for m in u.memberships} & actor.supervised_groups]


@dataclass
class BulkResult:
    done: list[int] = field(default_factory=list)
    failed: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def bulk(ctx: ServiceContext, actor: Actor, action: str, task_ids: list[int], username: str | None = None) -> BulkResult:
    """Claim or reassign several steps; each step is its own transaction, so one refusal stops no other."""
    if action not in ("claim", "assign"):
        raise Invalid("action must be claim or assign", {"action": ["claim, assign"]})
    ids = list(dict.fromkeys(task_ids))
    if not ids:
        raise Invalid("choose at least one step", {"task_id": ["กรุณาเลือกงานอย่างน้อยหนึ่งรายการ (choose a step)"]})
    if len(ids) > MAX_BULK:
        raise Invalid(f"at most {MAX_BULK} steps at once", {"task_id": [f"at most {MAX_BULK}"]})
    if action == "assign" and not username:
        raise Invalid("choose whom to assign the steps to", {"username": ["กรุณาเลือกผู้รับมอบหมาย (required)"]})
    result = BulkResult()
    for task_id in ids:
        try:
            if action == "claim":
                tasks.claim(ctx, actor, task_id)
            else:
                tasks.assign(ctx, actor, task_id, username)
            result.done.append(task_id)
        except ServiceError as exc:
            result.failed.append({"id": task_id, "code": exc.code, "message": exc.message})
    return result
