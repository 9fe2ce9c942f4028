"""deploy/'s systemd units: systemd accepts every one as written, and the commands they run
work when run directly (the way the units run them, paths aside)."""

from __future__ import annotations

import configparser
import os
import shlex
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
UNITS = sorted(p.name for p in DEPLOY.iterdir() if p.suffix in (".service", ".timer"))


def _here(text: str) -> str:
    """A unit's text with /opt/mpp (the install folder) pointing at this checkout."""
    return text.replace("/opt/mpp/.venv/bin", str(Path(sys.executable).parent)).replace(
        "/opt/mpp", str(ROOT))


def _unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string((DEPLOY / name).read_text())
    return parser


def test_systemd_accepts_every_unit_and_each_timer_starts_a_unit_that_exists(tmp_path):
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed (Debian: systemd)")
    files = []
    for name in UNITS:
        # an instance of a template unit is what systemd checks
        target = tmp_path / name.replace("@.", "@lobby.")
        target.write_text(_here((DEPLOY / name).read_text()))
        files.append(str(target))
    done = subprocess.run([analyze, "verify", *files], capture_output=True, text=True,
                          cwd=tmp_path, timeout=60)
    assert done.returncode == 0 and not (done.stdout + done.stderr).strip(), (
        done.stdout + done.stderr)
    for timer in (n for n in UNITS if n.endswith(".timer")):
        assert timer.replace(".timer", ".service") in UNITS
    assert {"mpp.service", "mpp-backup.timer", "mpp-close-day.timer",
            "mpp-printer@.service"} <= set(UNITS)


def test_the_nightly_backup_unit_s_command_writes_a_backup_and_keeps_the_newest(
        db_url, tmp_path):
    service = _unit("mpp-backup.service")["Service"]
    keep = service["Environment"].split("=", 1)[1]
    argv = shlex.split(_here(service["ExecStart"]).replace("${MPP_BACKUP_KEEP}", keep)
                       .replace("/var/backups/mpp", str(tmp_path / "backups")))
    env = {**os.environ, "MPP_DATABASE_URL": db_url, "MPP_DATA_DIR": str(tmp_path)}
    (tmp_path / "backups").mkdir()
    for night in range(1, 21):  # twenty earlier nights
        (tmp_path / "backups" / f"mpp-2026-10-{night:02d}T15-30-00Z.sqlite3").write_text("x")
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    kept = sorted(p.name for p in (tmp_path / "backups").iterdir())
    assert len(kept) == int(keep) == 14
    assert kept[-1].startswith("mpp-20") and kept[-1] > "mpp-2026-10-20"
    assert (tmp_path / "backups" / kept[-1]).read_bytes().startswith(b"SQLite format 3\0")


def test_the_close_day_and_print_agent_units_run_commands_that_exist():
    for name, words in (("mpp-close-day.service", ["close-day", "--help"]),
                        ("mpp-printer@.service", ["printer-agent", "--help"])):
        argv = shlex.split(_here(_unit(name)["Service"]["ExecStart"]))
        done = subprocess.run([argv[0], *words], capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, (name, done.stderr)


def _dockerfile() -> tuple[dict[str, str], list[str], str, list[str]]:
    """The image's ENV, CMD, USER and HEALTHCHECK command, read from the Dockerfile."""
    import json
    import re

    text = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    env: dict[str, str] = {}
    cmd: list[str] = []
    user = "root"
    health: list[str] = []
    for line in text.splitlines():
        word, _, rest = line.strip().partition(" ")
        if word == "ENV":
            env.update(dict(re.findall(r"(\w+)=(\S+)", rest)))
        elif word == "CMD":
            cmd = json.loads(rest)
        elif word == "USER":
            user = rest.strip()
        elif word == "HEALTHCHECK":
            health = json.loads(rest[rest.index("CMD") + 3:].strip())
    return env, cmd, user, health


def test_the_image_s_command_with_compose_s_settings_serves_when_run_directly(
        pg_url, redis_url, tmp_path):
    """No Docker engine runs in CI: the image's command runs here, with the settings the
    compose file gives the app container (its PostgreSQL and Redis being the test's)."""
    import socket
    import time
    import urllib.request
    import uuid

    import yaml
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    env_image, cmd, user, health = _dockerfile()
    assert user not in ("root", "0") and cmd[:2] == ["sh", "-c"], (user, cmd)
    assert "mpp migrate" in cmd[2] and "deploy/gunicorn.conf.py" in cmd[2]
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    assert set(compose["services"]) == {"postgres", "redis", "app", "nginx"}
    app_env = {k: str(v) for k, v in compose["services"]["app"]["environment"].items()}

    # an empty database, as the postgres container starts with
    admin = create_engine(pg_url, isolation_level="AUTOCOMMIT")
    name = f"mpp_image_{uuid.uuid4().hex[:10]}"
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    database = make_url(pg_url).set(database=name).render_as_string(hide_password=False)
    redis_host = redis_url.rsplit("/", 1)[0]
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    env = {**os.environ, **env_image, **app_env,
           "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
           "MPP_DATABASE_URL": database,
           "MPP_REDIS_URL": app_env["MPP_REDIS_URL"].replace("redis://redis:6379", redis_host),
           "MPP_RATELIMIT_STORAGE_URL": app_env["MPP_RATELIMIT_STORAGE_URL"].replace(
               "redis://redis:6379", redis_host),
           "MPP_REDIS_CHANNEL": f"mpp-test-{uuid.uuid4().hex[:12]}",
           "MPP_SECRET_KEY": "image-secret", "MPP_PUBLIC_URL": f"http://127.0.0.1:{port}",
           "MPP_METRICS_TOKEN": "image-metrics",
           "MPP_DATA_DIR": str(tmp_path / "data"), "MPP_BACKUP_DIR": str(tmp_path / "backups"),
           "MPP_BIND": f"fd://{listener.fileno()}"}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    log = tmp_path / "app.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True, pass_fds=[listener.fileno()])
    listener.close()
    probe = [w.replace("127.0.0.1:8080", f"127.0.0.1:{port}") for w in health]
    try:
        deadline = time.monotonic() + 60
        while subprocess.run(probe, capture_output=True, timeout=10).returncode != 0:
            assert proc.poll() is None, log.read_text()[-3000:]
            assert time.monotonic() < deadline, log.read_text()[-3000:]
            time.sleep(0.3)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=5) as r:
            assert json_of(r) == {"status": "ready", "database": "ok",
                                  "migrations": "current", "redis": "ok"}
        # the nightly backup, as the operator runs it in the container
        done = subprocess.run(["mpp", "backup", "--dir", env["MPP_BACKUP_DIR"], "--keep", "14"],
                              env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        req = urllib.request.Request(f"http://127.0.0.1:{port}/metrics",
                                     headers={"Authorization": "Bearer image-metrics"})
        with urllib.request.urlopen(req, timeout=5) as r:
            metrics = r.read().decode()
        assert "mpp_backup_newest_timestamp_seconds 0.0" not in metrics
        assert "mpp_backup_newest_timestamp_seconds" in metrics
    finally:
        os.killpg(proc.pid, signal.SIGQUIT)
        proc.wait(15)
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def json_of(response: object) -> object:
    import json

    return json.loads(response.read())  # type: ignore[attr-defined]


def test_a_fresh_machine_gets_venv_compiler_and_headers_from_the_project_s_script(tmp_path):
    bare = tmp_path / "bin"
    bare.mkdir()
    python = bare / "python3"  # a Debian python3 without python3-venv and python3-dev
    python.write_text("#!/bin/sh\nexit 1\n")
    python.chmod(0o755)
    script = ROOT / "scripts" / "system-deps.sh"

    def dry(mode: str, path: str, python: str = "python3") -> str:
        done = subprocess.run(["/bin/bash", str(script), mode, "--dry-run"],
                              env={"PATH": path, "PYTHON": python}, capture_output=True,
                              text=True, timeout=30)
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()

    assert dry("base", str(bare)) == "would install python3-venv python3-dev gcc libc6-dev npm"
    assert dry("server", str(bare)) == ("would install python3-venv python3-dev gcc libc6-dev "
                                        "npm postgresql-client espeak-ng")
    # the machine running the suite has them all (it built pycups): nothing to do
    assert dry("base", os.environ["PATH"], sys.executable) == ""
    makefile = (ROOT / "Makefile").read_text()
    assert "scripts/system-deps.sh base" in makefile.split("$(BIN)/python:")[1].split("\n\n")[0]
