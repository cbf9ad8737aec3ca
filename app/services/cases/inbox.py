"""The inbox: the API's list of open steps, and the inbox page's filters, search, due-date marks, counts for
the navigation and bulk actions.

Reads only the projected `tasks` table and a few columns of `cases` (never the serialized workflow),
so a page of the inbox costs the same with ten open steps or ten thousand.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, select, union_all
from sqlalchemy.orm import Session

from app.services.calendar.working_days import add_working_days
from app.services.catalog import processes
from app.services.kernel import access
from app.services.kernel.actors import Actor
from app.services.kernel.context import ServiceContext
from app.services.kernel.errors import Invalid, ServiceError
from app.store.models import OPEN_STATUSES, Case, CaseCounter, Task, User

from . import step_actions
from .case_json import iso, task_dict

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
            if not value.isdecimal() or len(value) > 6:
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
    """Cases whose number or title contains `q`; each half reads only its own index (ui_models)."""
    like = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    by_number = select(Case.id).where(Case.number.like(like, escape="\\"))
    by_title = select(Case.id).where(Case.title.ilike(like, escape="\\"))
    return Case.id.in_(union_all(by_number, by_title))


# Statuses of a case whose steps stay open but wait (a cancelled or completed case closes its steps).
# Excluding these few cases by their ids keeps the inbox off the wide `cases` rows for every step.
WAITING_CASE_STATUSES = ("suspended", "error")


def _open(branch):
    return and_(branch, Task.status.in_(OPEN_STATUSES),
                Task.case_id.not_in(select(Case.id).where(Case.status.in_(WAITING_CASE_STATUSES))))


def _narrowing(filters: InboxFilters, now: datetime) -> tuple[list[Any], list[Any]]:
    """The filters' conditions on the step, and those on its case."""
    on_step, on_case = [], []
    if filters.status:
        on_step.append(Task.status == filters.status)
    if filters.due == "overdue":
        on_step.append(Task.due_at < now)
    elif filters.due == "soon":
        on_step.append(and_(Task.due_at >= now, Task.due_at <= _due_soon_limit(now)))
    elif filters.due == "later":
        on_step.append(Task.due_at > _due_soon_limit(now))
    elif filters.due == "none":
        on_step.append(Task.due_at.is_(None))
    if filters.process:
        on_case.append(Case.process_key == filters.process)
    if filters.fiscal_year:
        on_case.append(Case.fiscal_year == filters.fiscal_year)
    if filters.q:
        on_case.append(_search_clause(filters.q))
    return on_step, on_case


def _matching(actor: Actor, filters: InboxFilters, now: datetime):
    """(id, due_at) of every step the inbox shows, as one UNION ALL over the scope's branches."""
    on_step, on_case = _narrowing(filters, now)
    parts = []
    for branch in access.inbox_branches(actor, filters.scope):
        part = select(Task.id.label("id"), Task.due_at.label("due_at")).where(_open(branch), *on_step)
        if on_case:
            # The matching cases once, from their own indexes, rather than a join row by row. `+ 0`
            # keeps SQLite on the covering inbox index: probing tasks by case id instead reads every
            # step's row when a filter matches most cases.
            part = part.where((Task.case_id + 0).in_(select(Case.id).where(*on_case)))
        parts.append(part)
    return (union_all(*parts) if len(parts) > 1 else parts[0]).subquery()


_TASK_COLUMNS = (Task.id, Task.case_id, Task.name, Task.spec_id, Task.lane, Task.group_code, Task.assignee,
                 Task.status, Task.created_at, Task.due_at, Task.instance)
_CASE_COLUMNS = (Case.id, Case.number, Case.title, Case.process_key, Case.fiscal_year, Case.process_version_id,
                 Case.data["amount"].label("amount"), Case.data["fiscal_year"].label("data_fiscal_year"))


def list_inbox(ctx: ServiceContext, actor: Actor, filters: InboxFilters) -> InboxPage:
    """One page of the actor's open steps, due first, with overdue and due-soon marked.

    The ordering, counting and paging run in one query on (due, id) pairs from the indexes; only the
    page's fifty steps and their cases are then read in full.
    """
    now = ctx.now()
    matching = _matching(actor, filters, now)
    ordered = select(matching.c.id, func.count().over().label("total")).order_by(
        matching.c.due_at.is_(None), matching.c.due_at, matching.c.id)

    def one_page(number: int):
        return session.execute(ordered.offset((number - 1) * PAGE_SIZE).limit(PAGE_SIZE)).all()

    with ctx.read() as session:
        page = filters.page
        found = one_page(page)
        if not found and page > 1:  # past the end (the list shrank since the link was made): the last page
            count = session.scalar(select(func.count()).select_from(matching)) or 0
            page = max((count + PAGE_SIZE - 1) // PAGE_SIZE, 1)
            found = one_page(page)
        ids, total = [r.id for r in found], (found[0].total if found else 0)
        pages = max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
        by_id = {s.id: s for s in session.execute(select(*_TASK_COLUMNS).where(Task.id.in_(ids)))} if ids else {}
        steps = [by_id[i] for i in ids]
        case_rows = {c.id: c for c in session.execute(
            select(*_CASE_COLUMNS).where(Case.id.in_({s.case_id for s in steps})))} if steps else {}
        names_en = _step_names_en(session, {c.process_version_id for c in case_rows.values()})
    soon = _due_soon_limit(now)
    rows = [_row(s, case_rows[s.case_id], now, soon, names_en) for s in steps]
    columns = {"school": any(r["school"] for r in rows), "amount": any(r["amount"] is not None for r in rows)}
    return InboxPage(rows=rows, total=total, page=page, pages=pages, filters=filters, columns=columns)


def _row(s, c, now: datetime, soon: datetime, names_en: dict[int, dict[str, str]]) -> dict[str, Any]:
    instance = s.instance if isinstance(s.instance, dict) else {}
    amount = c.amount if isinstance(c.amount, (int, float)) and not isinstance(c.amount, bool) else None
    fiscal = c.data_fiscal_year if isinstance(c.data_fiscal_year, int) else c.fiscal_year
    return {
        "id": s.id, "case_id": s.case_id, "name": s.name,
        "name_en": names_en.get(c.process_version_id, {}).get(s.spec_id),
        "spec_id": s.spec_id, "lane": s.lane, "group": s.group_code, "assignee": s.assignee, "status": s.status,
        "created_at": iso(s.created_at), "due_at": iso(s.due_at), "due": s.due_at,
        "overdue": s.due_at is not None and s.due_at < now,
        "due_soon": s.due_at is not None and now <= s.due_at <= soon,
        "case_number": c.number, "case_title": c.title, "process_key": c.process_key,
        "fiscal_year": fiscal, "school": instance.get("name") if isinstance(instance.get("name"), str) else None,
        "amount": amount,
    }


def _step_names_en(session: Session, version_ids: set[int]) -> dict[int, dict[str, str]]:
    """English step names by process version, from the parsed diagrams (parsed once per version)."""
    found: dict[int, dict[str, str]] = {}
    for version_id in version_ids:
        compiled = processes.compiled_by_id(session, version_id)
        found[version_id] = {k: v.name_en for k, v in compiled.user_tasks.items() if v.name_en}
    return found


def list_tasks(ctx: ServiceContext, actor: Actor, scope: str = "mine", limit: int = 500) -> list[dict[str, Any]]:
    """The inbox as the API lists it, soonest due first: `mine` = held by me or waiting in my groups;
    `group` = unclaimed in my groups; `all` = supervisors."""
    query = (select(Task, Case).join(Case, Case.id == Task.case_id)
             .where(Task.status.in_(OPEN_STATUSES), Case.status == "running",
                    access.visible_tasks_clause(actor), access.inbox_clause(actor, scope)))
    query = query.order_by(Task.due_at.is_(None), Task.due_at, Task.id).limit(min(max(limit, 1), 5000))
    with ctx.read() as session:
        return [task_dict(task, case) for task, case in session.execute(query)]


def counts(ctx: ServiceContext, actor: Actor) -> dict[str, int]:
    """The numbers in the navigation: steps I hold, unclaimed steps of my groups, and how many are overdue."""
    now = ctx.now()
    found = []
    with ctx.read() as session:
        for branch in access.inbox_branches(actor, "mine"):
            found.append(session.execute(
                select(func.count(), func.count().filter(Task.due_at < now),
                       func.count().filter(and_(Task.due_at >= now, Task.due_at <= _due_soon_limit(now))))
                .select_from(Task).where(_open(branch))).one())
    (held, held_overdue, held_soon), (waiting, waiting_overdue, waiting_soon) = found
    return {"held": held, "group": waiting, "overdue": held_overdue + waiting_overdue,
            "due_soon": held_soon + waiting_soon, "total": held + waiting}


def filter_choices(ctx: ServiceContext) -> dict[str, Any]:
    """The processes and fiscal years the inbox's filters offer."""
    with ctx.read() as session:  # every fiscal year that numbered a case: one row each, not a scan of cases
        years = list(session.scalars(select(CaseCounter.fiscal_year).order_by(CaseCounter.fiscal_year.desc())))
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


def bulk(ctx: ServiceContext, actor: Actor, action: str, task_ids: list[int],
         username: str | None = None) -> BulkResult:
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
                step_actions.claim(ctx, actor, task_id)
            else:
                step_actions.assign(ctx, actor, task_id, username)
            result.done.append(task_id)
        except ServiceError as exc:
            result.failed.append({"id": task_id, "code": exc.code, "message": exc.message})
    return result
