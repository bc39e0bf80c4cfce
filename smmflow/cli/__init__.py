"""The thin command line: parse options, call the library, print, exit with an ExitCode.

The commands live by side (`write`, `plan`, `publish`, `review`); each imports the library
inside its body, so that `smmflow --version` and `--help` stay fast.
"""

from __future__ import annotations

import click

from .. import __version__
from . import ads, community, health, plan, publish, report, review, setup, write


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="smmflow")
def main() -> None:
    """smmflow: social-media management as code.

    Writers commit Markdown posts under content/<group>/; each client's accounts,
    timezone, slots and mix rules live in schedules/<group>.yml. `check` validates,
    `sync` publishes what is due exactly once and records it in git.
    """


for _command in (
    write.check,
    write.new,
    write.init,
    plan.plan,
    plan.repeat,
    plan.calendar,
    plan.site,
    publish.sync,
    publish.status,
    publish.resolve,
    publish.run,
    health.doctor,
    review.preview,
    ads.ads,
    ads.places,
    community.inbox,
    community.moderate,
    community.reply,
    report.metrics,
    report.report,
    setup.workflow,
    setup.schema,
    setup.add_group,
):
    main.add_command(_command)

if __name__ == "__main__":  # pragma: no cover
    main()
