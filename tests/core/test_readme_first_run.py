"""What a newcomer needs before `make demo` is in the README (issue 12)."""

from pathlib import Path

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
FIRST_SCREEN = README.split("## What it is")[0]


def test_the_readme_says_debian_needs_python3_venv():
    assert "python3-venv" in FIRST_SCREEN


def test_the_readme_says_the_printed_addresses_are_the_lan_address_and_why():
    assert "LAN address" in FIRST_SCREEN and "phone" in FIRST_SCREEN
    assert "MPP_PUBLIC_URL" in FIRST_SCREEN
