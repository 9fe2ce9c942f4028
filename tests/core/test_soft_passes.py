"""CI accepts no soft pass: with MPP_TEST_NO_SKIP set, a skipped, xfailed or xpassed test
fails the run (tests/conftest.py), as it would have failed had it run and been judged."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
OUTCOMES = {
    "skipped": "def test_it():\n    pytest.skip('no server here')\n",
    "xfailed": "@pytest.mark.xfail(reason='known bug')\ndef test_it():\n    assert False\n",
    "xpassed": "@pytest.mark.xfail(reason='known bug')\ndef test_it():\n    assert True\n",
}


def _run_suite(folder: Path, body: str, no_skip: bool) -> subprocess.CompletedProcess[str]:
    """pytest on one test file, under the suite's own session hooks."""
    (folder / "conftest.py").write_text(
        "from tests.conftest import pytest_configure, pytest_sessionfinish  # noqa: F401\n")
    (folder / "test_one.py").write_text(f"import pytest\n\n\n{body}")
    env = {k: v for k, v in os.environ.items() if k != "MPP_TEST_NO_SKIP"}
    env["PYTHONPATH"] = str(ROOT)
    if no_skip:
        env["MPP_TEST_NO_SKIP"] = "1"
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           "--rootdir", str(folder), str(folder)],
                          cwd=folder, env=env, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("outcome", sorted(OUTCOMES))
def test_a_soft_pass_fails_the_run_in_ci(outcome: str, tmp_path: Path) -> None:
    run = _run_suite(tmp_path, OUTCOMES[outcome], no_skip=True)
    assert f"1 {outcome}" in run.stdout, run.stdout
    assert run.returncode == pytest.ExitCode.TESTS_FAILED, run.stdout
    assert f"MPP_TEST_NO_SKIP: 1 {outcome}" in run.stdout


def test_outside_ci_a_skip_is_reported_and_the_run_passes(tmp_path: Path) -> None:
    run = _run_suite(tmp_path, OUTCOMES["skipped"], no_skip=False)
    assert "1 skipped" in run.stdout and run.returncode == pytest.ExitCode.OK, run.stdout
