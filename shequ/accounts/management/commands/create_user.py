"""`manage.py create_user`: the operators' way to create an account or give it another role.

A stable contract (scripts rely on it):

    manage.py create_user USERNAME --password PW --role ROLE [--area CODE | --grid CODE | --micro-grid CODE]
        [--name FULL NAME]

- ROLE is one of admin, district_admin, street_admin, community_head, community_worker,
  grid_leader, grid_worker, building_leader, handler, volunteer, resident.
- `admin` takes no scope (a system admin sees everything) and is also made a Django superuser
  and staff member, so /django-admin/ works for them. Every other role needs one: `--area` with a
  12-digit division code (district_admin at a district, street_admin at a street, community_head
  and community_worker at a community; handler, volunteer and resident at any area) or `--grid`
  with a 15-digit grid code (grid_leader, grid_worker, building_leader) or `--micro-grid` with an
  18-digit micro-grid code (building_leader: they then see only that micro-grid).
- When USERNAME already exists the role is added to the account; its password and name are left
  as they are (use `manage.py changepassword` to change a password), so running the same line
  twice is harmless. --password is then optional.
- Bad input (unknown role, missing or wrong scope, unknown code, a password that fails the
  policy) prints the reason and exits with a non-zero status; nothing is written.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from shequ.accounts import services
from shequ.accounts.models import User
from shequ.accounts.roles import Role
from shequ.core.actors import System
from shequ.core.errors import RuleError
from shequ.core.text import clean_text


def _describe(exc: RuleError) -> str:
    details = [f"{name}: {'; '.join(str(m) for m in messages)}" for name, messages in exc.fields.items()]
    text = f"{exc.message} [{exc.code}]"
    return f"{text} ({' / '.join(details)})" if details else text


class Command(BaseCommand):
    help = (
        "Create a user with a role, or add a role to an existing user. admin takes no scope; every other "
        "role needs --area (12-digit division code) or --grid (15-digit grid code). An existing user keeps "
        "their password and name; only the role is added. Exits non-zero on bad input."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", type=clean_text)
        parser.add_argument("--password", help="password for a new user (must pass the password policy)")
        parser.add_argument("--role", required=True, help="one of: " + ", ".join(Role.values))
        scope = parser.add_mutually_exclusive_group()
        scope.add_argument("--area", help="12-digit division code of the district, street or community")
        scope.add_argument("--grid", help="15-digit grid code")
        scope.add_argument("--micro-grid", help="18-digit micro-grid code (building_leader)")
        parser.add_argument("--name", type=clean_text, default="", help="full name shown in the interface")

    def handle(
        self,
        *args: Any,
        username: str,
        password: str | None,
        role: str,
        area: str | None,
        grid: str | None,
        micro_grid: str | None,
        name: str,
        **options: Any,
    ) -> None:
        username = username.strip()
        if role not in Role.values:
            raise CommandError(f"Unknown role {role!r}. Choose one of: {', '.join(Role.values)}.")
        if area is not None and not (len(area) == 12 and area.isdigit()):
            raise CommandError(f"--area takes a 12-digit division code, not {area!r}.")
        if grid is not None and not (len(grid) == 15 and grid.isdigit()):
            raise CommandError(f"--grid takes a 15-digit grid code, not {grid!r}.")
        if micro_grid is not None and not (len(micro_grid) == 18 and micro_grid.isdigit()):
            raise CommandError(f"--micro-grid takes an 18-digit micro-grid code, not {micro_grid!r}.")
        try:
            with transaction.atomic():
                node = services.resolve_node(area_code=area, grid_code=grid, micro_grid_code=micro_grid)
                user = User.objects.filter(username=username).first()
                if user is None:
                    if not password:
                        raise CommandError("--password is required to create a new user.")
                    user = services.create_user(
                        username=username,
                        password=password,
                        full_name=name,
                        role=role,
                        node=node,
                        by=System("create_user"),
                    )
                    created = True
                else:
                    before = user.assignments.count()
                    assignment = services.assign_role(user, role=role, node=node, by=System("create_user"))
                    created = False
                if role == Role.ADMIN and not (user.is_staff and user.is_superuser):
                    user.is_staff = user.is_superuser = True
                    user.save(update_fields=["is_staff", "is_superuser"])
        except RuleError as exc:
            raise CommandError(_describe(exc)) from exc
        where = getattr(node, "full_name", None) or getattr(node, "name", None) or "everything"
        if created:
            self.stdout.write(self.style.SUCCESS(f"Created user {username} as {role} ({where})."))
        elif user.assignments.count() > before:
            self.stdout.write(
                self.style.SUCCESS(
                    f"User {username} already existed: added {role} ({where}); password left unchanged."
                )
            )
        else:
            self.stdout.write(
                f"User {username} already has {role} at {assignment.scope_name or where}; nothing changed."
            )
