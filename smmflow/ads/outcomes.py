"""What `ads push` did, promotion by promotion, and the exit code that sums it up."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import ExitCode
from ..publish.outcomes import tally

# created: made now · done: made earlier · not-yet: the post is not published yet ·
# busy: another push has it · held: not approved (or not on the publish branch) ·
# refused: `check` errors (a cap, a rule), nothing sent · failed: a platform refused or
# failed, with its words · missed: ended before it could be pushed (recorded; later runs
# say settled) · unknown: a person must look
OK_STATES = ("created", "done", "not-yet", "busy", "settled")
PERSON_STATES = ("held", "unknown", "corrupt")


@dataclass(frozen=True)
class Outcome:
    post: str
    platform: str  # meta | vk
    state: str
    detail: str = ""
    url: str = ""


@dataclass
class Report:
    outcomes: list[Outcome] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, outcome: Outcome) -> None:
        self.outcomes.append(outcome)

    def tally(self) -> str:
        return tally(o.state for o in self.outcomes) or "no promotions"

    @property
    def exit_code(self) -> ExitCode:
        states = {o.state for o in self.outcomes}
        if states - set(OK_STATES) - set(PERSON_STATES):
            return ExitCode.PROBLEMS
        if states & set(PERSON_STATES):
            return ExitCode.NEEDS_PERSON
        return ExitCode.OK

    def as_dict(self) -> dict:
        return {
            "exit_code": int(self.exit_code),
            "outcomes": [o.__dict__ for o in self.outcomes],
            "notes": self.notes,
        }
