"""The production files in deploy/ hold together: the compose file is valid and wires the services as
the README says, gunicorn accepts its settings, systemd and nginx accept their files where they are
installed, and every setting the production code reads is in the environment example."""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"


def test_the_compose_file_runs_postgresql_web_and_scheduler_in_order():
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    services = compose["services"]
    assert {"db", "migrate", "web", "scheduler"} <= set(services)
    assert services["db"]["image"].startswith("postgres:") and "healthcheck" in services["db"]
    assert services["web"]["command"] == ["gunicorn", "-c", "deploy/gunicorn.conf.py", "app.web.wsgi:app"]
    assert services["scheduler"]["command"] == ["planflow", "scheduler"]
    assert services["migrate"]["command"] == ["planflow", "init"]
    for name in ("web", "scheduler"):
        assert services[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
        assert services[name]["depends_on"]["db"]["condition"] == "service_healthy"
        assert services[name]["environment"]["DATABASE_URL"].startswith("postgresql+psycopg://")
        assert "data:/data" in services[name]["volumes"]
    assert services["web"]["ports"] == ["127.0.0.1:8000:8000"]
    assert set(compose["volumes"]) >= {"pgdata", "data"}
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    for folder in ("app", "forms", "processes", "deploy"):
        assert f"COPY {folder} ./{folder}" in dockerfile


def test_gunicorn_takes_its_settings_from_the_environment(monkeypatch, tmp_path):
    from gunicorn.config import Config

    monkeypatch.setenv("PLANFLOW_WORKERS", "2")
    monkeypatch.setenv("PLANFLOW_BIND", "127.0.0.1:8123")
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    namespace: dict = {"__file__": str(DEPLOY / "gunicorn.conf.py")}
    exec(compile((DEPLOY / "gunicorn.conf.py").read_text(), "gunicorn.conf.py", "exec"), namespace)
    config = Config()
    for key, value in namespace.items():
        if key in config.settings:
            config.set(key, value)
    assert config.workers == 2 and config.bind == ["127.0.0.1:8123"]
    assert config.preload_app is False and config.timeout == 60
    assert (config.threads, config.worker_class_str) == (4, "gthread")
    assert config.logger_class.__name__ == "JsonLogger"
    assert namespace["raw_env"] == [f"PROMETHEUS_MULTIPROC_DIR={tmp_path}"]


def test_the_environment_example_names_every_production_setting():
    example = (DEPLOY / "planflow.env.example").read_text()
    named = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", example, re.M))
    read = set()
    for path in [DEPLOY / "gunicorn.conf.py", ROOT / "app/logs.py", ROOT / "app/config.py",
                 ROOT / "app/web/wsgi.py"]:
        read |= set(re.findall(r"[\"']((?:PLANFLOW|PROMETHEUS)_[A-Z_]+)[\"']", path.read_text()))
    documented = {"DATABASE_URL", "PLANFLOW_SECRET_KEY", "PLANFLOW_ATTACHMENTS_DIR", "PLANFLOW_SMTP_URL",
                  "PLANFLOW_TIMEZONE", "PLANFLOW_MAX_UPLOAD_MB", "PLANFLOW_INSTANCE_DIR"}
    assert read | documented <= named, sorted((read | documented) - named)


def test_nginx_lets_through_a_little_more_than_the_upload_limit():
    site = (DEPLOY / "nginx" / "planflow.conf").read_text()
    example = (DEPLOY / "planflow.env.example").read_text()
    limit_mb = int(re.search(r"^PLANFLOW_MAX_UPLOAD_MB=(\d+)", example, re.M)[1])
    body_mb = int(re.search(r"client_max_body_size (\d+)m;", site)[1])
    assert limit_mb < body_mb <= limit_mb + 2
    proxy = (DEPLOY / "nginx" / "planflow_proxy.conf").read_text()
    for header in ("X-Forwarded-For", "X-Forwarded-Proto", "X-Request-Id", "Host"):
        assert f"proxy_set_header {header} " in proxy
    assert "ssl_certificate " in site and "location /static/" in site


@pytest.mark.skipif(not shutil.which("nginx"), reason="nginx is not installed")
def test_nginx_accepts_the_site(tmp_path):
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                    "-keyout", str(tmp_path / "key.pem"), "-out", str(tmp_path / "cert.pem"),
                    "-days", "1", "-subj", "/CN=planflow.test"], check=True, capture_output=True)
    site = (DEPLOY / "nginx" / "planflow.conf").read_text()
    site = re.sub(r"ssl_certificate\s+\S+;", f"ssl_certificate {tmp_path}/cert.pem;", site)
    site = re.sub(r"ssl_certificate_key\s+\S+;", f"ssl_certificate_key {tmp_path}/key.pem;", site)
    site = site.replace("/etc/nginx/planflow_proxy.conf", str(DEPLOY / "nginx" / "planflow_proxy.conf"))
    site = site.replace("/var/log/nginx/", f"{tmp_path}/")
    (tmp_path / "site.conf").write_text(site)
    kinds = ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    temp = " ".join(f"{kind}_temp_path {tmp_path};" for kind in kinds)
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid; error_log {tmp_path}/error.log; events {{}}\n"
        f"http {{ access_log {tmp_path}/access.log; {temp} include {tmp_path}/site.conf; }}\n")
    result = subprocess.run(["nginx", "-t", "-c", str(tmp_path / "nginx.conf"), "-p", str(tmp_path)],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="systemd-analyze is not installed")
def test_systemd_accepts_the_units(tmp_path):
    bin_dir = Path(sys.executable).parent
    for unit in (DEPLOY / "systemd").iterdir():
        text = unit.read_text().replace("/opt/planflow/.venv/bin/", f"{bin_dir}/")
        text = text.replace("User=planflow", "User=root").replace("Group=planflow", "Group=root")
        (tmp_path / unit.name).write_text(text)
    units = sorted(str(p) for p in tmp_path.iterdir())
    result = subprocess.run(["systemd-analyze", "verify", *units], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr + result.stdout
    web = (DEPLOY / "systemd" / "planflow-web.service").read_text()
    assert "app.web.wsgi:app" in web and "ExecStartPre=/opt/planflow/.venv/bin/planflow init" in web
    timer = (DEPLOY / "systemd" / "planflow-backup.timer").read_text()
    assert "Unit=planflow-backup.service" in timer and "Persistent=true" in timer
