"""Two reveals at once for the last slot under the hourly limit: exactly one wins (DESIGN rule 5)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection

from shequ.accounts.roles import Role
from shequ.audit.models import AuditEvent
from shequ.core.errors import RuleError
from shequ.racing import errors, race
from shequ.registry import services
from shequ.registry.models import RevealAlert
from shequ.testing import build_county, make_user

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs real row locks and concurrent connections: run with DATABASE_URL=postgres://...",
    ),
    pytest.mark.django_db(transaction=True),
]


def test_two_reveals_racing_for_the_last_slot_have_one_winner(settings: Any) -> None:
    settings.SHEQU_REVEAL_LIMIT_PER_HOUR = 3
    county = build_county()
    worker = make_user(Role.COMMUNITY_WORKER, county.community_a1)
    a11, a12 = county.residents["a11"], county.residents["a12"]
    for _ in range(2):
        services.reveal_pii(a11, by=worker, purpose="verify_identity", note="核对低保申请")

    def attempt(resident: Any) -> Any:
        return lambda: services.reveal_pii(
            resident, by=worker, purpose="verify_identity", note="核对低保申请"
        )

    outcomes = race(attempt(a11), attempt(a12), attempt(a11))
    assert sorted(o.ok for o in outcomes) == [False, False, True]
    assert all(isinstance(e, RuleError) and e.code == "reveal_limit" for e in errors(outcomes))
    assert AuditEvent.objects.filter(action="resident:reveal", actor=worker).count() == 3
    assert AuditEvent.objects.filter(action="resident:reveal_limit", actor=worker).count() == 1
    assert RevealAlert.objects.get(user=worker).refusals == 2
