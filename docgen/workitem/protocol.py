"""The orchestrator's output protocol: start and end lines, the `<log-entry>` JSON block and the Task Result.

Exit codes: 0 complete, 3 blocked (a person must act: unmet target, unsatisfied requirement, broken
markers), 1 failed (bad invocation, unreadable assembly, internal error).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field

AGENT = "infrastructure-design-agent"
STARTING = f"{AGENT} starting..."
ENDING = f"{AGENT} ending..."
EXIT_CODES = {"complete": 0, "failed": 1, "blocked": 3}
ACTIONS = {"complete": "COMPLETE", "blocked": "BLOCKED", "failed": "ERROR"}


@dataclass
class Outcome:
    """What really happened in one invocation; the log entry and the Task Result are printed from it."""

    status: str = "complete"  # complete | blocked | failed
    requirements: list[str] = field(default_factory=list)
    task_id: str | None = None
    details: str = ""
    files_created: list[str] = field(default_factory=list)
    files_modified: list[str] = field(default_factory=list)
    decisions: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    blocked_reasons: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def block(self, reason: str) -> None:
        self.status = "blocked" if self.status != "failed" else self.status
        self.blocked_reasons.append(reason)

    def fail(self, message: str) -> None:
        self.status = "failed"
        self.errors.append(message)

    @property
    def exit_code(self) -> int:
        return EXIT_CODES[self.status]


def log_entry(outcome: Outcome) -> dict[str, object]:
    """The specification's log entry, with exactly its fields in its order."""
    errors = list(outcome.errors)
    # A blocked result carries its reasons in `errors` too: the activity log has no other place for them.
    errors += [f"blocked: {reason}" for reason in outcome.blocked_reasons]
    return {
        "agent": AGENT,
        "action": ACTIONS[outcome.status],
        "phase": "design",
        "requirements": list(outcome.requirements),
        "task_id": outcome.task_id,
        "details": outcome.details,
        "files_created": list(outcome.files_created),
        "files_modified": list(outcome.files_modified),
        "decisions": list(outcome.decisions),
        "errors": errors,
    }


def _one_line(text: str) -> str:
    return " ".join(text.split())


def task_result(outcome: Outcome) -> str:
    blocked = "; ".join(_one_line(r) for r in outcome.blocked_reasons) if outcome.status == "blocked" else ""
    notes = list(outcome.notes)
    if outcome.status == "failed":
        notes = [f"error: {e}" for e in outcome.errors] + notes
    return "\n".join(
        [
            "## Task Result",
            f"status: {outcome.status}",
            f"blocked_reason: {blocked}".rstrip(),
            f"notes: {'; '.join(_one_line(n) for n in notes)}".rstrip(),
        ]
    )


def closing(outcome: Outcome) -> str:
    """What follows the progress lines: the log entry block, the Task Result and the end line."""
    entry = json.dumps(log_entry(outcome), indent=2, ensure_ascii=False)
    lines = ["", "```json", "<log-entry>", entry, "</log-entry>", "```", "", task_result(outcome), ENDING]
    return "\n".join(lines) + "\n"


Say = Callable[[str], None]


def run(body: Callable[[Outcome, Say], None], outcome: Outcome, write: Callable[[str], object]) -> int:
    """Prints the start line, runs `body` (which may print progress lines through `say`), and closes.

    Any exception becomes a failed outcome: the protocol always ends with a parseable result.
    """
    from docgen.errors import DocgenError

    write(STARTING + "\n")

    def say(line: str) -> None:
        write(line.rstrip("\n") + "\n")

    try:
        body(outcome, say)
    except DocgenError as exc:
        outcome.fail(str(exc))
    except Exception as exc:  # an unexpected error still owes the orchestrator a result
        outcome.fail(f"internal error: {type(exc).__name__}: {exc}")
    write(closing(outcome))
    return outcome.exit_code
