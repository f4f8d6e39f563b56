"""Object permissions as `rules` predicates: the role grants the verb, the scope the object."""

from __future__ import annotations

from typing import Any

import rules

from .roles import Perm
from .scope import scope_for


def in_scope_for(perm: Perm) -> Any:
    @rules.predicate(name=f"in_scope_for_{perm}")
    def predicate(user: Any, obj: Any = None) -> bool:
        scope = scope_for(user, perm)
        if obj is None:
            return not scope.empty
        path = getattr(obj, "area_path", None) or getattr(obj, "path", None)
        return scope.covers(path)

    return predicate


for _perm in Perm:
    rules.add_perm(f"shequ.{_perm.value}", in_scope_for(_perm))
