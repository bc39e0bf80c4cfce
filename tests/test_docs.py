"""Every command and option a user can type is documented (sqlite-utils style)."""

from pathlib import Path

import click
import pytest

from smmflow.cli import main

ROOT = Path(__file__).resolve().parents[1]
COMMANDS = sorted(main.commands)


@pytest.mark.parametrize("name", COMMANDS)
def test_command_in_readme_and_reference(name: str) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    reference = (ROOT / "docs" / "commands.md").read_text(encoding="utf-8")
    assert f"smmflow {name}" in readme, f"README.md does not mention `smmflow {name}`"
    assert f"## smmflow {name}" in reference, f"docs/commands.md has no section for {name}"


@pytest.mark.parametrize("name", COMMANDS)
def test_every_option_in_reference(name: str) -> None:
    reference = (ROOT / "docs" / "commands.md").read_text(encoding="utf-8")
    section = reference.split(f"## smmflow {name}", 1)[1].split("\n## ", 1)[0]
    command = main.commands[name]
    for param in command.params:
        if isinstance(param, click.Option):
            for opt in param.opts:
                if opt.startswith("--"):
                    assert opt in section, f"docs/commands.md: {name} lacks {opt}"


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_has_help(name: str) -> None:
    from click.testing import CliRunner

    result = CliRunner().invoke(main, [name, "--help"])
    assert result.exit_code == 0
    assert "Usage: " in result.output and len(main.commands[name].help or "") > 20


def test_the_lease_the_help_names_is_the_lease_sync_keeps() -> None:
    from click.testing import CliRunner

    from smmflow.content.timeparse import format_duration
    from smmflow.ledger.records import LEASE

    shown = CliRunner().invoke(main, ["sync", "--help"], terminal_width=200).output
    assert f"(default: {format_duration(LEASE)}, ledger.records.LEASE)" in " ".join(shown.split())
