"""deploy/'s systemd units: systemd accepts every one as written, and the commands they run
work when run directly (the way the units run them, paths aside)."""

from __future__ import annotations

import configparser
import os
import shlex
import shutil
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
