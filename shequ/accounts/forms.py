from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from shequ.core.inputs import Form
from shequ.places.forms import TaggedPlaceField

from .roles import ROLE_RANK, Role


class LoginForm(Form):
    username = forms.CharField(
        label=_("Username"),
        max_length=150,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class PasswordChangeForm(Form):
    old_password = forms.CharField(
        label=_("Current password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    new_password = forms.CharField(
        label=_("New password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    new_password2 = forms.CharField(
        label=_("New password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, user: Any, *args: Any, **kwargs: Any) -> None:
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_old_password(self) -> str:
        value = self.cleaned_data["old_password"]
        if not self.user.check_password(value):
            raise forms.ValidationError(_("The current password is wrong."))
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data is None:
            data = self.cleaned_data
        if data.get("new_password") and data.get("new_password") != data.get("new_password2"):
            self.add_error("new_password2", _("The two passwords differ."))
        return data


def role_choices(by: Any) -> list[tuple[str, Any]]:
    """Roles an admin may hand out: those below their own best role (all for a superuser)."""
    from .scope import assignments_of

    best = -1 if by.is_superuser else min((ROLE_RANK[a.role] for a in assignments_of(by)), default=99)
    return [(value, label) for value, label in Role.choices if ROLE_RANK[value] > best]


# accounts sits below registry: the picker's search endpoint is named, and reversed when drawn.
NODE_SEARCH = "registry:place_search"


def node_field() -> TaggedPlaceField:
    """The area, grid or micro-grid a role is held at, found by typing ("area:<pk>", "grid:<pk>",
    "microgrid:<pk>"); empty only for a system admin."""
    return TaggedPlaceField(
        kind="role_node",
        url=NODE_SEARCH,
        label=_("Area or grid"),
        help_text=_(
            "Type part of the name or code of an area, grid or micro-grid. Leave empty only for a system admin."
        ),
    )


class NodeChoiceMixin:
    """The roles the admin may hand out, and the nodes in the admin's scope (a search box)."""

    def setup_nodes(self, nodes: dict[str, QuerySet[Any]], roles: list[tuple[str, Any]]) -> None:
        self.fields["role"].choices = [("", "---------"), *roles]  # type: ignore[attr-defined]
        self.fields["node"].querysets = nodes  # type: ignore[attr-defined]


class UserCreateForm(NodeChoiceMixin, Form):
    username = forms.CharField(label=_("Username"), max_length=150)
    full_name = forms.CharField(label=_("Full name"), max_length=64)
    password = forms.CharField(
        label=_("Initial password"),
        strip=False,
        widget=forms.PasswordInput,
        help_text=_("At least 10 characters, not only digits; the user should change it."),
    )
    role = forms.ChoiceField(label=_("Role"))
    node = node_field()

    def __init__(
        self, *args: Any, nodes: dict[str, QuerySet[Any]], roles: list[tuple[str, Any]], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.setup_nodes(nodes, roles)


class AssignmentForm(NodeChoiceMixin, Form):
    role = forms.ChoiceField(label=_("Role"))
    node = node_field()

    def __init__(
        self, *args: Any, nodes: dict[str, QuerySet[Any]], roles: list[tuple[str, Any]], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.setup_nodes(nodes, roles)


class UserFilterForm(Form):
    q = forms.CharField(label=_("Search"), required=False)
