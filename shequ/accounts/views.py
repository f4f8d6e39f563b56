"""Login, logout, my password, the scope switcher and user management for admins in their scope."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.db.models import OuterRef, Prefetch, Q, QuerySet, Subquery
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from shequ.core.errors import RuleError
from shequ.core.http import client_ip
from shequ.core.pages import add_rule_errors, paginate, safe_next

from . import selectors, services
from .decorators import perm_required
from .forms import AssignmentForm, LoginForm, PasswordChangeForm, UserCreateForm, role_choices
from .landing import home_url
from .middleware import SESSION_KEY
from .models import LoginLock, RoleAssignment, User
from .roles import Perm
from .scope import Scope, assignments_of, scope_for
from .selectors import assignable_nodes
from .typing import AuthedRequest

# --- login ------------------------------------------------------------------------------------


def home(request: HttpRequest) -> HttpResponse:
    """The site's root: each role's own work (accounts.landing), or the login page."""
    if not request.user.is_authenticated:
        return redirect("accounts:login")
    return redirect(home_url(request.user))


def login_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated and request.method == "GET":
        return redirect(safe_next(request, home_url(request.user)))
    form = LoginForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            user = services.log_in(
                request, username=form.cleaned_data["username"], password=form.cleaned_data["password"]
            )
        except RuleError as exc:
            form.add_error(None, str(exc.message))
            status = 429 if isinstance(exc, services.LoginThrottled) else 200
        else:
            auth_login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            return redirect(safe_next(request, home_url(user)))
    context = {"form": form, "next": request.GET.get("next", "")}
    return render(request, "accounts/login.html", context, status=status)


@login_required
def tokens_view(request: AuthedRequest) -> HttpResponse:
    """My API tokens: when each was issued and expires; revoke one or all. Keys are never shown."""
    if request.method == "POST":
        tokens = selectors.live_tokens_of(request.user)
        chosen = request.POST.get("token", "")
        if chosen == "all":
            services.revoke_all_api_tokens(request.user, by=request.user, ip_address=client_ip(request))
            messages.success(request, _("All your API tokens are revoked."))
        elif (token := tokens.filter(token_key=chosen).first()) is not None:
            services.revoke_api_token(token, by=request.user, ip_address=client_ip(request))
            messages.success(request, _("The API token is revoked."))
        else:
            messages.error(request, _("That API token no longer exists."))
        return redirect("accounts:tokens")
    return render(request, "accounts/tokens.html", {"tokens": selectors.live_tokens_of(request.user)})


@login_required
def password_view(request: AuthedRequest) -> HttpResponse:
    form = PasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.set_password(request.user, password=form.cleaned_data["new_password"], by=request.user)
        except RuleError as exc:
            add_rule_errors(form, exc, aliases={"password": "new_password"})
        else:
            update_session_auth_hash(request, request.user)
            messages.success(request, _("Your password has been changed."))
            return redirect("accounts:password")
    return render(request, "accounts/password.html", {"form": form})


@login_required
@require_POST
def switch_scope(request: HttpRequest) -> HttpResponse:
    """Narrow the session to one of the user's own role assignments, or back to all of them."""
    choice = request.POST.get("assignment", "all")
    if choice == "all":
        request.session.pop(SESSION_KEY, None)
    else:
        own = {a.pk: a for a in assignments_of(request.user)}
        try:
            assignment = own[int(choice)]
        except (ValueError, KeyError):
            messages.error(request, _("That role is not one of yours."))
            return redirect("registry:dashboard")
        request.session[SESSION_KEY] = assignment.pk
        messages.info(
            request,
            _("Now working as %(role)s · %(scope)s.")
            % {"role": assignment.get_role_display(), "scope": assignment.scope_name or _("everywhere")},
        )
    # A detail page outside the new scope would 404, so go back to the dashboard.
    return redirect("registry:dashboard")


# --- user management --------------------------------------------------------------------------


def _manage_scope(request: HttpRequest) -> Scope:
    return scope_for(request.user, Perm.MANAGE_USERS)


def users_in_scope(request: HttpRequest) -> QuerySet[User]:
    """Users holding at least one role inside the admin's scope (a system admin sees all)."""
    scope = _manage_scope(request)
    qs = User.objects.all()
    if not scope.everything:
        qs = qs.filter(pk__in=RoleAssignment.objects.filter(scope.q("scope_path")).values("user_id"))
    # The latest running lock from any address, for the status badge (User.locked_until reads it).
    locks = LoginLock.objects.filter(username=OuterRef("username"), locked_until__gt=timezone.now())
    qs = qs.annotate(lock_until=Subquery(locks.order_by("-locked_until").values("locked_until")[:1]))
    return qs.prefetch_related(Prefetch("assignments", queryset=RoleAssignment.objects.order_by("id")))


def _node_choices(request: HttpRequest) -> dict[str, QuerySet[Any]]:
    return assignable_nodes(request.user)


def _resolve_node(request: HttpRequest, value: str) -> Any:
    from shequ.places.models import Area, Grid, MicroGrid

    if not value:
        return None
    kind, _sep, pk = value.partition(":")
    node_models: dict[str, type[Area] | type[Grid] | type[MicroGrid]] = {
        "area": Area,
        "grid": Grid,
        "microgrid": MicroGrid,
    }
    model = node_models.get(kind)
    if model is None or not pk.isdigit():
        raise RuleError(
            "unknown_node", _("Choose an area or a grid from the list."), fields={"node": [_("Unknown.")]}
        )
    node = model.objects.filter(_manage_scope(request).q("path"), pk=int(pk)).first()
    if node is None:
        raise RuleError(
            "out_of_scope",
            _("You may only manage users within your own area."),
            fields={"node": [_("Not in your area.")]},
        )
    return node


@perm_required(Perm.MANAGE_USERS)
def users_view(request: AuthedRequest) -> HttpResponse:
    qs = users_in_scope(request).order_by("username")
    q = request.GET.get("q", "").strip()
    if q:
        qs = qs.filter(Q(username__icontains=q) | Q(full_name__icontains=q))
    nodes, roles = _node_choices(request), role_choices(request.user)
    form = UserCreateForm(request.POST or None, nodes=nodes, roles=roles)
    if request.method == "POST" and form.is_valid():
        try:
            node = _resolve_node(request, form.cleaned_data["node"])
            user = services.create_user(
                username=form.cleaned_data["username"],
                password=form.cleaned_data["password"],
                full_name=form.cleaned_data["full_name"],
                role=form.cleaned_data["role"],
                node=node,
                by=request.user,
            )
        except RuleError as exc:
            add_rule_errors(form, exc, aliases={"area": "node", "grid": "node"})
        else:
            messages.success(request, _("User %(name)s created.") % {"name": user.username})
            return redirect("accounts:user_detail", pk=user.pk)
    ctx = {"form": form, "q": q, "show_form": request.method == "POST", **paginate(request, qs)}
    return render(request, "accounts/users.html", ctx)


def _user_or_404(request: HttpRequest, pk: int) -> User:
    user = users_in_scope(request).filter(pk=pk).first()
    if user is None:
        raise Http404
    return user


@perm_required(Perm.MANAGE_USERS)
def user_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    target = _user_or_404(request, pk)
    form = AssignmentForm(
        request.POST or None, nodes=_node_choices(request), roles=role_choices(request.user)
    )
    if request.method == "POST" and form.is_valid():
        try:
            node = _resolve_node(request, form.cleaned_data["node"])
            services.assign_role(target, role=form.cleaned_data["role"], node=node, by=request.user)
        except RuleError as exc:
            add_rule_errors(form, exc, aliases={"area": "node", "grid": "node"})
        else:
            messages.success(request, _("Role added."))
            return redirect("accounts:user_detail", pk=target.pk)
    scope = _manage_scope(request)
    assignments = [
        (a, scope.covers(a.scope_path) if a.scope_path else scope.everything)
        for a in target.assignments.all()
    ]
    context = {
        "target": target,
        "form": form,
        "assignments": assignments,
        "token_count": selectors.live_tokens_of(target).count(),
    }
    return render(request, "accounts/user_detail.html", context)


@perm_required(Perm.MANAGE_USERS)
@require_POST
def user_action(request: AuthedRequest, pk: int, action: str) -> HttpResponse:
    target = _user_or_404(request, pk)
    try:
        if action == "revoke_tokens":
            count = services.revoke_all_api_tokens(target, by=request.user, ip_address=client_ip(request))
            text = ngettext("%(count)d API token revoked.", "%(count)d API tokens revoked.", count)
            messages.success(request, text % {"count": count})
        elif action == "unlock":
            services.unlock_user(target, by=request.user)
            messages.success(request, _("The account is unlocked."))
        elif action == "deactivate":
            if target.pk == request.user.pk:
                raise RuleError("self", _("You cannot deactivate your own account."))
            services.deactivate_user(target, by=request.user)
            messages.success(request, _("The account is deactivated."))
        elif action == "remove_role":
            assignment = target.assignments.filter(pk=request.POST.get("assignment") or 0).first()
            if assignment is None:
                raise RuleError("not_found", _("That role no longer exists."))
            services.remove_assignment(assignment, by=request.user)
            messages.success(request, _("Role removed."))
        else:
            raise Http404
    except RuleError as exc:
        messages.error(request, str(exc.message))
    return redirect("accounts:user_detail", pk=target.pk)
