"""What every server-rendered list and form page shares: paging, HTMX detection, placing a
RuleError on a form, and a safe `next` redirect. Lives in core so that any app may use it."""

from __future__ import annotations

from typing import Any, cast

from django.core.paginator import Page, Paginator
from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme

from shequ.core.errors import RuleError
from shequ.core.paging import ByIds

PER_PAGE_CHOICES = (20, 50, 100)


def is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def paginate(request: HttpRequest, qs: Any, *, default: int = 20, by_ids: bool = False) -> dict[str, Any]:
    """Page `qs` by ?page= and ?per_page= (20/50/100); bad numbers fall back instead of failing.
    `by_ids`: count and slice the ids alone, then read the page's rows (core.paging.ByIds), for
    lists that reach a city's worth of rows."""
    try:
        per_page = int(request.GET.get("per_page", default))
    except ValueError:
        per_page = default
    if per_page not in PER_PAGE_CHOICES:
        per_page = default
    # ByIds has what Paginator uses (count, len, slices), not all the stubs' protocol asks for.
    paginator = Paginator(cast(Any, ByIds(qs)) if by_ids else qs, per_page)
    page: Page = paginator.get_page(request.GET.get("page"))
    return {
        "page_obj": page,
        "object_list": page.object_list,
        "per_page": per_page,
        "per_page_choices": PER_PAGE_CHOICES,
        "page_range": list(paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1)),
        "ellipsis": Paginator.ELLIPSIS,
    }


def add_rule_errors(form: Any, exc: RuleError, aliases: dict[str, str] | None = None) -> None:
    """Put a RuleError on a form: field messages next to their fields, the message on top."""
    placed = False
    for name, errs in exc.fields.items():
        name = (aliases or {}).get(name, name)
        if name in form.fields:
            for e in errs:
                form.add_error(name, str(e))
            placed = True
    if not placed or not exc.fields:
        form.add_error(None, str(exc.message))


def safe_next(request: HttpRequest, fallback: str) -> str:
    nxt = request.POST.get("next") or request.GET.get("next") or ""
    if nxt and url_has_allowed_host_and_scheme(nxt, {request.get_host()}, require_https=request.is_secure()):
        return nxt
    return fallback
