"""Demo accounts: one per role, with scopes of different sizes, all with one documented password.

The password is public (README, `manage.py demo_accounts`): these accounts exist only in demo
databases, and `seed_demo` refuses to run with SHEQU_PRODUCTION on.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, F
from django.utils import translation

from shequ.accounts import services as accounts
from shequ.accounts.models import User
from shequ.accounts.roles import Role
from shequ.core.actors import System
from shequ.registry import services as registry
from shequ.registry.models import Resident, ResidentStatus

# The demo builder acts as the system, under its own name in the audit log.
DEMO = System("seed_demo")


DEMO_PASSWORD = "Shequ@2026!demo"  # noqa: S105  (documented demo password, never used outside a demo)
DEMO_URL = "http://127.0.0.1:8000/"


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: Role
    full_name: str
    node: str  # "", "district", "street", "community", "grid" or "micro_grid": where the role is held


DEMO_ACCOUNTS = [
    DemoAccount("admin", Role.ADMIN, "系统管理员", ""),
    DemoAccount("district", Role.DISTRICT_ADMIN, "县民政局 周国平", "district"),
    DemoAccount("street", Role.STREET_ADMIN, "街道办 陈志明", "street"),
    DemoAccount("community_head", Role.COMMUNITY_HEAD, "社区书记 何丽华", "community"),
    DemoAccount("worker", Role.COMMUNITY_WORKER, "社工 徐晓燕", "community"),
    DemoAccount("grid_leader", Role.GRID_LEADER, "网格长 朱建军", "grid"),
    DemoAccount("grid", Role.GRID_WORKER, "网格员 潘婷", "grid"),
    DemoAccount("building", Role.BUILDING_LEADER, "楼栋长 汤根水", "micro_grid"),
    DemoAccount("handler", Role.HANDLER, "部门经办人 邵斌", "community"),
    DemoAccount("volunteer", Role.VOLUNTEER, "志愿者 俞佳悦", "community"),
    DemoAccount("resident", Role.RESIDENT, "居民 应秀英", "community"),
]

# Used when the message catalogue has no Chinese label for a role yet.
ROLE_LABELS_ZH = {
    Role.ADMIN: "系统管理员",
    Role.DISTRICT_ADMIN: "区县管理员",
    Role.STREET_ADMIN: "街道管理员",
    Role.COMMUNITY_HEAD: "社区书记/主任",
    Role.COMMUNITY_WORKER: "社区工作者",
    Role.GRID_LEADER: "网格长",
    Role.GRID_WORKER: "网格员",
    Role.BUILDING_LEADER: "楼栋长/十户长",
    Role.HANDLER: "部门经办人",
    Role.VOLUNTEER: "志愿者",
    Role.RESIDENT: "居民",
}


def role_label_zh(role: str) -> str:
    with translation.override("zh-hans"):
        label = str(Role(role).label)
    if any("\u4e00" <= ch <= "\u9fff" for ch in label):
        return label
    return ROLE_LABELS_ZH.get(Role(role), label)


def create_demo_accounts(nodes: dict[str, Any]) -> list[User]:
    """Create the demo users through the accounts service (password policy, audit)."""
    users = []
    for spec in DEMO_ACCOUNTS:
        node = nodes[spec.node] if spec.node else None
        user = accounts.create_user(
            username=spec.username,
            password=DEMO_PASSWORD,
            full_name=spec.full_name,
            role=spec.role,
            node=node,
            by=DEMO,
        )
        if spec.role == Role.ADMIN:  # so /django-admin/ works for the system admin too
            user.is_staff = user.is_superuser = True
            user.save(update_fields=["is_staff", "is_superuser"])
        users.append(user)
        if spec.role == Role.RESIDENT:
            link_demo_resident(user)
    return users


def link_demo_resident(user: User) -> Resident | None:
    """Link the demo resident's login to a registered resident of its community with a household
    of several people, so the portal shows a household. Nothing to do when already linked; None
    when the community has no such resident."""
    linked = Resident.objects.filter(login=user).first()
    if linked is not None:
        return linked
    paths = [a.scope_path for a in user.assignments.filter(role=Role.RESIDENT).exclude(scope_path="")]
    if not paths:
        return None
    candidates = (
        Resident.objects.filter(
            area_path__startswith=paths[0],
            status=ResidentStatus.ACTIVE,
            login__isnull=True,
            household__isnull=False,
            household__head_id=F("pk"),
        )
        .annotate(size=Count("household__members"))
        .order_by("pk")
    )
    resident = candidates.filter(size__gte=3).first() or candidates.first()
    if resident is None:
        return None
    registry.link_login(resident, user=user, by=DEMO)
    return resident
