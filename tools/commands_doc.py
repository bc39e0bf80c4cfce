"""Regenerate docs/commands.md from the CLI's own --help (run after changing a command).

python tools/commands_doc.py
"""

from pathlib import Path

from click.testing import CliRunner

from smmflow.cli import main

HEADER = """# Commands

Every command, every option, as `--help` prints them. `tests/test_docs.py` fails when a
command or option is missing here: regenerate with `python tools/commands_doc.py`.

Exit codes, for every command: `0` ok · `1` problems found, or some publications failed or
were missed · `2` usage error (bad option, not a content repository, a `--group` or
`--account` that names nothing, a date outside the years 1970 to 9998, an output that cannot
be written) · `3` a person must look (an unknown outcome, a post held, a rewound ledger) ·
`130` interrupted. No command prints a traceback for any of these.
"""


def _help(runner: CliRunner, args: list[str]) -> str:
    """`smmflow ARGS --help` as a person's shell prints it: the program is `smmflow`, not
    the name of the Python function click was given (`main`)."""
    done = runner.invoke(main, [*args, "--help"], prog_name="smmflow", terminal_width=88)
    return done.output.strip()


def render() -> str:
    runner = CliRunner()
    parts = [HEADER]
    for name in sorted(main.commands):
        text = _help(runner, [name])
        parts.append(f"## smmflow {name}\n\n```text\n{text}\n```\n")
        for sub in sorted(getattr(main.commands[name], "commands", {})):  # a group's commands
            text = _help(runner, [name, sub])
            parts.append(f"## smmflow {name} {sub}\n\n```text\n{text}\n```\n")
    return "\n".join(parts)


if __name__ == "__main__":
    target = Path(__file__).resolve().parents[1] / "docs" / "commands.md"
    target.write_text(render(), encoding="utf-8")
    print(f"wrote {target}")
