"""The actor of a write that no person caused: a job, a command, a channel (DESIGN "How a write flows").

Every service takes `by: User | System` as a required keyword. A person acts as their `User`; a
periodic job, an operator's command or the demo builder acts as a named `System`, so the audit
log says which job did it ("系统（案件时钟）") instead of a blank. `None` is never an actor: a
forgotten `by` must fail loudly, not skip the permission check.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

# How each job is named in the audit log; a job not listed shows its own name.
JOB_LABELS: dict[str, Any] = {
    "case clock": _("case clock"),
    "import": _("import job"),
    "seed_demo": _("demo builder"),
    "create_user": _("create_user command"),
    "create_open311_key": _("create_open311_key command"),
    "portal": _("resident portal"),
    "open311": _("Open311"),
    "login policy": _("login policy"),
    "figures": _("figures refresh"),
}


@dataclass(frozen=True)
class System:
    """The system acting on its own, under a name that says which job (`System("case clock")`)."""

    name: str

    def __post_init__(self) -> None:
        if not self.name or not self.name.strip():
            raise ValueError("A System actor needs the name of the job that acts.")

    # A System is never a logged-in person: code that asks `by.is_authenticated` gets a clear no.
    is_authenticated = False
    pk = None

    @property
    def label(self) -> str:
        return gettext("System (%(job)s)") % {"job": JOB_LABELS.get(self.name, self.name)}

    def __str__(self) -> str:
        return self.label


def refuse_missing_actor(by: object) -> None:
    """A service called with `by=None` (or anything that is not an actor) is a programming error."""
    if by is None:
        raise TypeError("`by` is required: pass the acting User, or System('<job>') for a job or command.")
