"""Who may do what to a case, as `rules` predicates: the role grants the verb, scope or unit the case.

- Managing (accept, dispatch, verify, escalate, suspend, merge, supervise) needs `manage_cases` over
  the case's community *at or above the level the case sits at*: once a case is escalated to the
  street, the community can no longer dispatch it.
- Handling (take, return, reply) needs membership of the lead unit; co-handling units add notes.
- Verifying on site is also open to the grid's own workers (`verify_cases`), as the collector.
"""

from __future__ import annotations

from typing import Any

import rules

from shequ.accounts.roles import Perm
from shequ.accounts.scope import has_perm_anywhere, scope_for

from .models import Case, Level

LEVEL_DEPTH: dict[str, int] = {Level.COMMUNITY: 3, Level.STREET: 2, Level.DISTRICT: 1}


def unit_ids_of(user: Any) -> frozenset[int]:
    """The handler units a user belongs to (cached on the user object for the request)."""
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    cached = getattr(user, "_shequ_unit_ids", None)
    if cached is None:
        if has_perm_anywhere(user, Perm.HANDLE_CASES):
            cached = frozenset(user.handler_units.filter(active=True).values_list("id", flat=True))
        else:
            cached = frozenset()
        user._shequ_unit_ids = cached
    return cached


@rules.predicate
def can_manage(user: Any, case: Case) -> bool:
    scope = scope_for(user, Perm.MANAGE_CASES)
    if scope.everything:
        return True
    depth = LEVEL_DEPTH.get(case.level, 3)
    return any(case.area_path.startswith(p) and len(p.split(".")) <= depth for p in scope.paths)


@rules.predicate
def can_verify(user: Any, case: Case) -> bool:
    return bool(can_manage(user, case)) or scope_for(user, Perm.VERIFY_CASES).covers(case.area_path)


@rules.predicate
def can_handle(user: Any, case: Case) -> bool:
    return case.lead_unit_id is not None and case.lead_unit_id in unit_ids_of(user)


@rules.predicate
def can_assist(user: Any, case: Case) -> bool:
    units = unit_ids_of(user)
    return bool(units) and any(u.pk in units for u in case.co_units.all())


@rules.predicate
def can_view(user: Any, case: Case) -> bool:
    if scope_for(user, Perm.VIEW_CASES).covers(case.area_path):
        return True
    if can_handle(user, case) or can_assist(user, case):
        return True
    return case.reporter_id is not None and case.reporter_id == getattr(user, "pk", None)


rules.add_perm("cases.view_case", can_view)
rules.add_perm("cases.manage_case", can_manage)
rules.add_perm("cases.verify_case", can_verify)
rules.add_perm("cases.handle_case", can_handle)
rules.add_perm("cases.assist_case", can_assist)
