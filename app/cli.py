"""`planflow`: the command line (the README's command table)."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from app import config
from app.bootstrap import build_context
from app.cli_deadlines import add_commands as add_deadline_commands
from app.services.accounts import schools, users
from app.services.audit import verification
from app.services.editor import deployment
from app.services.kernel.actors import SYSTEM
from app.services.kernel.errors import ServiceError
from app.services.ops import demo, generator


def _context():
    return build_context(config.from_environment())


def cmd_init(args) -> int:
    _context()
    print("database schema is up to date")
    return 0


def cmd_processes_load(args) -> int:
    ctx = _context()
    for row in deployment.load_directory(ctx, SYSTEM, Path(args.dir) if args.dir else None):
        state = "deployed" if row["created"] else "unchanged"
        print(f"{row['key']:<24} version {row['version']:<3} {state}  {row['sha256'][:12]}")
    return 0


def cmd_schools_load(args) -> int:
    result = schools.load_register(_context(), Path(args.file).read_text(encoding="utf-8"))
    print(f"schools added: {result['added']}, updated: {result['updated']}")
    return 0


def cmd_demo(args) -> int:
    ctx = _context()
    result = demo.create_demo(ctx)
    for row in result["processes"]:
        print(f"process {row['key']} version {row['version']}")
    print(f"demo users (password for all: {result['password']}):")
    for username, name, *_ in demo.DEMO_USERS:
        print(f"  {username:<10} {name}")
    print("  school1..school5  one user for each demo school")
    if args.cases:
        written = generator.generate_cases(ctx, args.cases)
        print(f"generated {written['cases']} cases with {written['events']} events and {written['tasks']} steps")
    return 0


def cmd_users_create(args) -> int:
    split = lambda text: [p.strip() for p in (text or "").split(",") if p.strip()]  # noqa: E731
    users.create_user(_context(), args.name, args.password, groups=split(args.groups), roles=split(args.roles),
                      supervises=split(args.directs))
    print(f"user {args.name} created")
    return 0


def cmd_users_token(args) -> int:
    print(users.create_token(_context(), args.name, name=args.label or "cli"))
    return 0


def cmd_audit_verify(args) -> int:
    ctx = _context()
    started = ctx.now()
    if args.all:
        verdicts = verification.verify_all(ctx)
        verification.record_run(ctx, verdicts, started)
    elif args.case_id:
        verdicts = [verification.verify_case(ctx, SYSTEM, int(args.case_id))]
    else:
        print("give a case id or --all", file=sys.stderr)
        return 2
    bad = [v for v in verdicts if not v.ok]
    for verdict in bad:
        print(f"case {verdict.case_id} ({verdict.number}): event {verdict.first_bad_seq}: "
              + "; ".join(verdict.problems))
    print(json.dumps({"cases": len(verdicts), "failed": len(bad)}))
    return 1 if bad else 0


def cmd_backup(args) -> int:
    from app.services.ops import backup

    result = backup.create_backup(_context(), Path(args.file))
    manifest = result["manifest"]
    for sha in manifest["missing_attachments"]:
        print(f"warning: attachment {sha} is named by the database but missing from the disk", file=sys.stderr)
    for sha in manifest["corrupt_attachments"]:
        print(f"warning: attachment {sha} does not match its hash and was left out", file=sys.stderr)
    removed = backup.prune(Path(result["path"]).parent, args.keep) if args.keep else []
    print(json.dumps({"path": result["path"], "schema_revisions": manifest["schema_revisions"],
                      "cases": sum(manifest["cases_by_status"].values()),
                      "attachments": manifest["attachments"]["count"], "pruned": [str(p) for p in removed]}))
    return 1 if manifest["missing_attachments"] or manifest["corrupt_attachments"] else 0


def cmd_restore(args) -> int:
    from app.services.ops import backup

    report = backup.restore_backup(build_context(config.from_environment(), migrate=False), Path(args.file),
                                   verify=not args.no_verify)
    failed = report.get("verified", {}).get("failed", [])
    for verdict in failed:
        print(f"case {verdict['case_id']} ({verdict['number']}): event {verdict['first_bad_seq']}: "
              + "; ".join(verdict["problems"]), file=sys.stderr)
    print(json.dumps({"tables": report["tables"], "attachments": report["attachments"],
                      "verified_cases": report.get("verified", {}).get("cases"), "failed": len(failed)}))
    return 1 if failed else 0


def cmd_serve(args) -> int:
    from app.scheduler import start_in_background
    from app.web import create_app

    settings = config.from_environment()
    app = create_app(settings)
    scheduler = None if args.no_scheduler else start_in_background(app.extensions["planflow"], settings)
    try:
        app.run(host=args.host, port=args.port, threaded=True, use_reloader=False)
    finally:
        if scheduler is not None:
            scheduler.shutdown(wait=False)
    return 0


def cmd_scheduler(args) -> int:
    import os

    from app import logs
    from app.scheduler import run_forever

    logs.configure(os.environ.get("PLANFLOW_LOG_FORMAT", "text"))  # JSON lines in production (the env file)

    if args.until_idle:
        from app.services.ops import ticks

        print(json.dumps(ticks.run_until_idle(_context(), ticks.worker_name())))
        return 0
    run_forever(_context(), config.from_environment())
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="planflow", description="PlanFlow: BPMN workflows for the planning group")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("init", help="create or upgrade the database schema").set_defaults(func=cmd_init)
    p = sub.add_parser("processes", help="deployed processes").add_subparsers(dest="action", required=True)
    load = p.add_parser("load", help="deploy every changed diagram of processes/ (or DIR)")
    load.add_argument("dir", nargs="?")
    load.set_defaults(func=cmd_processes_load)
    s = sub.add_parser("schools", help="the school register").add_subparsers(dest="action", required=True)
    sl = s.add_parser("load", help="load schools from a CSV file (code,name,district)")
    sl.add_argument("file")
    sl.set_defaults(func=cmd_schools_load)
    demo_parser = sub.add_parser("demo", help="init, load the processes, create demo users")
    demo_parser.add_argument("--cases", type=int, default=0, help="also generate N realistic cases")
    demo_parser.set_defaults(func=cmd_demo)
    serve = sub.add_parser("serve", help="run the web application")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=5000)
    serve.add_argument("--no-scheduler", action="store_true")
    serve.set_defaults(func=cmd_serve)
    scheduler = sub.add_parser("scheduler", help="run the scheduler alone")
    scheduler.add_argument("--until-idle", action="store_true", help="tick until nothing is due, then exit")
    scheduler.set_defaults(func=cmd_scheduler)
    add_deadline_commands(sub)
    u = sub.add_parser("users", help="accounts and API tokens").add_subparsers(dest="action", required=True)
    create = u.add_parser("create")
    create.add_argument("name")
    create.add_argument("--password", required=True)
    create.add_argument("--groups", default="")
    create.add_argument("--roles", default="")
    create.add_argument("--directs", default="", help="groups this user directs (supervises)")
    create.set_defaults(func=cmd_users_create)
    token = u.add_parser("token")
    token.add_argument("name")
    token.add_argument("--label", default="")
    token.set_defaults(func=cmd_users_token)
    a = sub.add_parser("audit", help="verify hash chains and replay").add_subparsers(dest="action", required=True)
    verify = a.add_parser("verify")
    verify.add_argument("case_id", nargs="?")
    verify.add_argument("--all", action="store_true")
    verify.set_defaults(func=cmd_audit_verify)
    backup = sub.add_parser("backup", help="copy the database and attachments into one tar.gz")
    backup.add_argument("file", help="the archive to write, or a folder to write a dated one in")
    backup.add_argument("--keep", type=int, default=0, help="then keep only the newest N dated backups there")
    backup.set_defaults(func=cmd_backup)
    restore = sub.add_parser("restore", help="load a backup into an empty database, then verify every case")
    restore.add_argument("file")
    restore.add_argument("--no-verify", action="store_true", help="skip replaying every case afterwards")
    restore.set_defaults(func=cmd_restore)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except ServiceError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        for field, messages in getattr(exc, "fields", {}).items():
            print(f"  {field}: {'; '.join(messages)}", file=sys.stderr)
        for detail in getattr(exc, "details", []):
            print(f"  {detail.get('element_id') or '-'}: {detail.get('message')}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
