"""`manage.py demo_accounts`: the demo users, their roles and scopes, and the password."""

from __future__ import annotations

import unicodedata
from typing import Any

from django.core.management.base import BaseCommand

from shequ.accounts.models import User
from shequ.accounts.roles import Role
from shequ.registry.demo.accounts import (
    DEMO_ACCOUNTS,
    DEMO_PASSWORD,
    DEMO_URL,
    link_demo_resident,
    role_label_zh,
)


def _width(text: str) -> int:
    """Terminal columns: Chinese characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


class Command(BaseCommand):
    help = "Print the demo accounts that seed_demo creates: username, role, scope and the demo password."

    def handle(self, *args: Any, **options: Any) -> None:
        users = {
            u.username: u
            for u in User.objects.filter(username__in=[a.username for a in DEMO_ACCOUNTS]).prefetch_related(
                "assignments"
            )
        }
        if not users:
            self.stdout.write("No demo accounts: run `manage.py seed_demo` first.")
            return
        # Demo databases built before logins could be linked: link the demo resident now, so the
        # portal shows a household.
        resident_login = next((users.get(a.username) for a in DEMO_ACCOUNTS if a.role == Role.RESIDENT), None)
        linked = link_demo_resident(resident_login) if resident_login is not None else None
        rows = [("用户名 username", "角色 role", "范围 scope", "密码 password")]
        for spec in DEMO_ACCOUNTS:
            user = users.get(spec.username)
            if user is None:
                continue
            for a in user.assignments.all() or [None]:
                role = role_label_zh(a.role) if a else ("系统管理员" if user.is_superuser else "-")
                scope = (a.scope_name or "全部 everywhere") if a else "全部 everywhere"
                rows.append((user.username, role, scope, DEMO_PASSWORD))
        widths = [max(_width(r[i]) for r in rows) for i in range(4)]
        line = "+" + "+".join("-" * (w + 2) for w in widths) + "+"
        self.stdout.write(line)
        for n, row in enumerate(rows):
            self.stdout.write("| " + " | ".join(_pad(c, w) for c, w in zip(row, widths, strict=True)) + " |")
            if n == 0:
                self.stdout.write(line)
        self.stdout.write(line)
        self.stdout.write(f"Open {DEMO_URL} and log in with any of these.")
        if linked is not None:
            self.stdout.write(
                f"The resident account is linked to {linked.name}: the portal shows their household."
            )
