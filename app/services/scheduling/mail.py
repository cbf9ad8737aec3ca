"""E-mail over SMTP (PLANFLOW_SMTP_URL), written as an intent first and sent afterwards.

Sending is not part of any database transaction, so it cannot be exactly once: we record the intent
with the reminder (same transaction), send, then mark it sent. A crash between the SMTP server
accepting a message and the mark being committed sends that message again after the claim expires:
at least once, never lost. The duplicate carries the same Message-ID (derived from the reminder and
the recipient), so mail clients and servers that de-duplicate drop it and anyone can detect it. The
window is one message per scheduler, because each message is marked sent on its own as soon as the
server accepted it.

URL forms: smtp://host:port, smtp://user:password@host:port?starttls=true, smtps://host:port.
"""

from __future__ import annotations

import hashlib
import logging
import smtplib
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from sqlalchemy import func, or_, select, text, update
from sqlalchemy.orm import Session

from app.services.calendar.jobs import backoff
from app.services.kernel.context import ServiceContext
from app.store.deadline_models import OutgoingEmail

log = logging.getLogger("planflow.mail")

CLAIM_SECONDS = 300  # a claimed message not marked sent by then is sent again by whoever comes next
DEFAULT_FROM = "PlanFlow <planflow@localhost>"


@dataclass(frozen=True)
class SmtpTarget:
    host: str
    port: int
    ssl: bool
    starttls: bool
    username: str | None
    password: str | None


def parse_smtp_url(url: str) -> SmtpTarget:
    """Where and how to send mail, from PLANFLOW_SMTP_URL."""
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise ValueError("PLANFLOW_SMTP_URL must look like smtp://host:port or smtps://host:port")
    query = parse_qs(parts.query)
    return SmtpTarget(
        host=parts.hostname,
        port=parts.port or (465 if parts.scheme == "smtps" else 25),
        ssl=parts.scheme == "smtps",
        starttls=query.get("starttls", ["false"])[0].lower() in ("1", "true", "yes"),
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
    )


def enabled(ctx: ServiceContext) -> bool:
    """Whether e-mail is configured; without it people get in-app notifications only."""
    return bool(ctx.settings.get("smtp_url"))


def sender(ctx: ServiceContext) -> str:
    """The From of reminder e-mail."""
    return ctx.settings.get("mail_from") or DEFAULT_FROM


def message_id(ctx: ServiceContext, job_key: str, username: str) -> str:
    """The same Message-ID every time for one reminder to one person, so a re-send is recognisable."""
    domain = parseaddr(sender(ctx))[1].partition("@")[2] or "planflow.localhost"
    digest = hashlib.sha256(f"{job_key}|{username}".encode()).hexdigest()[:32]
    return f"<{digest}@{domain}>"


def intent(
    *,
    user_id: int | None,
    to_address: str,
    subject: str,
    body: str,
    message_id: str,
    job_key: str | None,
    now: datetime,
) -> dict[str, Any]:
    """An e-mail to send, as a row for `queue`."""
    return {
        "message_id": message_id,
        "job_key": job_key,
        "user_id": user_id,
        "to_address": to_address,
        "subject": subject,
        "body": body,
        "status": "pending",
        "attempts": 0,
        "run_at": now,
        "created_at": now,
    }


def queue(session: Session, intents: list[dict[str, Any]]) -> None:
    """Record e-mails to send in the caller's transaction: they exist exactly when what caused them does."""
    if intents:
        session.execute(OutgoingEmail.__table__.insert(), intents)


def build_message(ctx: ServiceContext, row: OutgoingEmail) -> EmailMessage:
    """The e-mail of an outgoing row, with its Message-ID."""
    message = EmailMessage()  # the default policy writes Thai headers as RFC 2047 encoded words
    message["From"] = sender(ctx)
    message["To"] = row.to_address
    message["Subject"] = row.subject
    message["Message-ID"] = row.message_id
    message["Date"] = format_datetime(row.created_at)
    message.set_content(row.body, charset="utf-8")
    return message


def _claim(ctx: ServiceContext, worker: str, now: datetime, limit: int) -> list[OutgoingEmail]:
    with ctx.write() as session:
        due = (
            select(OutgoingEmail.id)
            .where(
                or_(
                    text("outgoing_emails.status = 'pending'") & (OutgoingEmail.run_at <= now),
                    text("outgoing_emails.status = 'sending'") & (OutgoingEmail.claimed_until < now),
                )
            )
            .order_by(OutgoingEmail.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        ids = list(session.scalars(due))
        if not ids:
            return []
        session.execute(
            update(OutgoingEmail)
            .where(OutgoingEmail.id.in_(ids))
            .values(
                status="sending",
                claimed_by=worker,
                claimed_until=now + timedelta(seconds=CLAIM_SECONDS),
                attempts=OutgoingEmail.attempts + 1,
            )
            .execution_options(synchronize_session=False)
        )
        rows = list(
            session.scalars(
                select(OutgoingEmail)
                .where(OutgoingEmail.id.in_(ids))
                .order_by(OutgoingEmail.id)
                .execution_options(populate_existing=True)
            )
        )
        session.expunge_all()
        return rows


class _SentMarks:
    """Marks each message sent the moment the server took it: one commit each, on one connection held
    for the batch (checking a connection out for every message doubled the cost of sending)."""

    def __init__(self, ctx: ServiceContext):
        self.session = ctx.db.writer()
        self.postgresql = not ctx.db.is_sqlite

    def mark(self, email_id: int, now: datetime) -> None:
        try:
            if self.postgresql:
                # Not waiting for the disk: were the database server itself to crash in the next moment,
                # the mark could be lost and the message sent again, which at-least-once allows anyway.
                self.session.execute(text("SET LOCAL synchronous_commit TO OFF"))
            self.session.execute(
                update(OutgoingEmail)
                .where(OutgoingEmail.id == email_id)
                .values(status="sent", sent_at=now, last_error=None, claimed_until=None)
                .execution_options(synchronize_session=False)
            )
            self.session.commit()
        except BaseException:
            self.session.rollback()
            raise

    def close(self) -> None:
        self.session.close()


def _mark_failed(ctx: ServiceContext, rows: list[OutgoingEmail], message: str, now: datetime) -> None:
    with ctx.write() as session:
        for row in rows:
            session.execute(
                update(OutgoingEmail)
                .where(OutgoingEmail.id == row.id, text("outgoing_emails.status = 'sending'"))
                .values(
                    status="pending",
                    last_error=message[:2000],
                    run_at=now + backoff(row.attempts),
                    claimed_until=None,
                )
                .execution_options(synchronize_session=False)
            )


def _connect(target: SmtpTarget) -> smtplib.SMTP:
    if target.ssl:
        connection: smtplib.SMTP = smtplib.SMTP_SSL(target.host, target.port, timeout=30)
    else:
        connection = smtplib.SMTP(target.host, target.port, timeout=30)
        if target.starttls:
            connection.starttls()
    if target.username:
        connection.login(target.username, target.password or "")
    return connection


def send_pending(ctx: ServiceContext, worker: str, limit: int = 50) -> dict[str, int]:
    """Send the e-mails waiting to go (one batch over one connection), each marked sent right after."""
    if not enabled(ctx):
        return {"sent": 0, "failed": 0}
    now = ctx.now()
    rows = _claim(ctx, worker, now, limit)
    if not rows:
        return {"sent": 0, "failed": 0}
    try:
        connection = _connect(parse_smtp_url(ctx.settings["smtp_url"]))
    except (OSError, smtplib.SMTPException, ValueError) as exc:
        _mark_failed(ctx, rows, f"cannot reach the mail server: {exc}", now)
        return {"sent": 0, "failed": len(rows)}
    sent_ids: set[int] = set()
    refused: list[OutgoingEmail] = []
    marks = _SentMarks(ctx)
    try:
        for row in rows:
            try:
                connection.send_message(build_message(ctx, row))
            except smtplib.SMTPRecipientsRefused as exc:
                refused.append(row)
                log.warning("mail to %s refused: %s", row.to_address, exc)
                continue
            except (OSError, smtplib.SMTPException) as exc:
                unsent = [r for r in rows if r.id not in sent_ids and r not in refused]
                _mark_failed(ctx, unsent + refused, f"sending failed: {exc}", now)
                return {"sent": len(sent_ids), "failed": len(unsent) + len(refused)}
            marks.mark(row.id, ctx.now())
            sent_ids.add(row.id)
    finally:
        marks.close()
        try:
            connection.quit()
        except (OSError, smtplib.SMTPException):
            pass
    if refused:
        _mark_failed(ctx, refused, "the mail server refused the recipient", now)
    return {"sent": len(sent_ids), "failed": len(refused)}


def outbox_counts(ctx: ServiceContext) -> dict[str, Any]:
    """How many e-mails are pending, being sent and sent (for administrators and health checks)."""
    with ctx.read() as session:
        return dict(
            session.execute(select(OutgoingEmail.status, func.count()).group_by(OutgoingEmail.status)).all()
        )
