"""Settings from the environment (the README's settings table lists them), read once when the application is built."""
from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Settings:
    database_url: str
    secret_key: str
    attachments_dir: Path
    forms_dir: Path
    processes_dir: Path
    instance_dir: Path
    smtp_url: str | None = None
    mail_from: str | None = None
    base_url: str = "http://127.0.0.1:5000"  # links in e-mail point here
    timezone: str = "Asia/Bangkok"
    max_upload_bytes: int = 20 * 1024 * 1024
    scheduler_interval_seconds: int = 30
    scheduler_batch: int = 100  # due jobs per transaction; 1 = one transaction per job
    # What one engine call may do before it is abandoned (engine/budget.py): automatic steps, seconds.
    engine_max_tasks: int = 50_000
    engine_max_seconds: float = 10.0
    # Behind HTTPS the session cookie is Secure and HSTS is sent (PLANFLOW_HTTPS=1).
    https: bool = field(default_factory=lambda: os.environ.get("PLANFLOW_HTTPS", "") == "1")
    # Behind the reverse proxy its X-Forwarded-For/-Proto are trusted (PLANFLOW_PROXY, on by default).
    behind_proxy: bool = field(default_factory=lambda: _yes(os.environ.get("PLANFLOW_PROXY", "1")))
    # The WSGI entry point migrates the schema itself (PLANFLOW_MIGRATE_ON_START; production runs `planflow init`).
    migrate_on_start: bool = field(default_factory=lambda: _yes(os.environ.get("PLANFLOW_MIGRATE_ON_START", "")))
    # A scheduler silent for longer is reported down by /readyz (PLANFLOW_HEARTBEAT_MAX_AGE, seconds).
    heartbeat_max_age_seconds: int = field(
        default_factory=lambda: int(os.environ.get("PLANFLOW_HEARTBEAT_MAX_AGE", "180")))
    # The office's code before the number of every outgoing letter: ที่ ศธ 04036/15 (PLANFLOW_LETTER_PREFIX).
    letter_prefix: str = field(
        default_factory=lambda: os.environ.get("PLANFLOW_LETTER_PREFIX", "").strip() or "ศธ 04036")
    testing: bool = False
    extra: dict = field(default_factory=dict)


def _yes(value: str) -> bool:
    return value.lower() in ("1", "true", "yes")


def _secret_key(instance_dir: Path) -> str:
    """PLANFLOW_SECRET_KEY, or a random key kept in the instance folder so sessions survive restarts."""
    if os.environ.get("PLANFLOW_SECRET_KEY"):
        return os.environ["PLANFLOW_SECRET_KEY"]
    path = instance_dir / "secret_key"
    if not path.exists():
        instance_dir.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


def from_environment() -> Settings:
    instance_dir = Path(os.environ.get("PLANFLOW_INSTANCE_DIR", ROOT / "instance"))
    return Settings(
        database_url=os.environ.get("DATABASE_URL") or f"sqlite:///{instance_dir / 'planflow.db'}",
        secret_key=_secret_key(instance_dir),
        attachments_dir=Path(os.environ.get("PLANFLOW_ATTACHMENTS_DIR", instance_dir / "attachments")),
        forms_dir=Path(os.environ.get("PLANFLOW_FORMS_DIR", ROOT / "forms")),
        processes_dir=Path(os.environ.get("PLANFLOW_PROCESSES_DIR", ROOT / "processes")),
        instance_dir=instance_dir,
        smtp_url=os.environ.get("PLANFLOW_SMTP_URL"),
        mail_from=os.environ.get("PLANFLOW_MAIL_FROM"),
        base_url=os.environ.get("PLANFLOW_BASE_URL", "http://127.0.0.1:5000"),
        scheduler_interval_seconds=int(os.environ.get("PLANFLOW_SCHEDULER_INTERVAL", "30")),
        scheduler_batch=max(int(os.environ.get("PLANFLOW_SCHEDULER_BATCH", "100")), 1),
        timezone=os.environ.get("PLANFLOW_TIMEZONE", "Asia/Bangkok"),
        max_upload_bytes=int(os.environ.get("PLANFLOW_MAX_UPLOAD_MB", "20")) * 1024 * 1024,
        engine_max_tasks=max(int(os.environ.get("PLANFLOW_ENGINE_MAX_TASKS", "50000")), 100),
        engine_max_seconds=max(float(os.environ.get("PLANFLOW_ENGINE_MAX_SECONDS", "10")), 0.5),
    )
