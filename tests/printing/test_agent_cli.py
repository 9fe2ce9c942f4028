"""The agent's command line: `mpp printer-agent` and `mpp-printer` take the same options."""

from __future__ import annotations

from click.testing import CliRunner

from mpp.cli import main as mpp_main
from printer.agent import main as agent_main


def test_mpp_printer_agent_lists_the_agent_options() -> None:
    result = CliRunner().invoke(mpp_main, ["printer-agent", "--help"])
    assert result.exit_code == 0, result.output
    for option in ("--server", "--token", "--printer", "--paper", "--journal",
                   "--retry-seconds", "--status-query"):
        assert option in result.output


def test_a_bad_printer_string_is_refused_with_the_accepted_forms() -> None:
    for cli, args in ((agent_main, []), (mpp_main, ["printer-agent"])):
        result = CliRunner().invoke(cli, [*args, "--server", "http://127.0.0.1:9",
                                          "--token", "t", "--printer", "lpt:1"])
        assert result.exit_code == 2
        assert "network:HOST[:PORT]" in result.output


def test_options_come_from_the_environment_too() -> None:
    result = CliRunner().invoke(agent_main, [], env={
        "MPP_PRINTER_SERVER": "http://127.0.0.1:9", "MPP_PRINTER_TOKEN": "t",
        "MPP_PRINTER": "usb:0x04b8", "MPP_PRINTER_PAPER": "58"})
    assert result.exit_code == 2 and "usb:VID:PID" in result.output
