"""The place picker as a form field: a list filter takes a community, grid or micro-grid by id
(the same GET parameter as before) and shows a box that searches as you type, instead of a
<select> holding every node of a district.

`TaggedPlaceField` is the same picker for a form whose field takes nodes of several kinds at once
(the case report's "grid or community", a role's area, grid or micro-grid): its value is
"<tag>:<pk>", as those forms' selects posted before, and it does not send its form when a place is
picked. The search URL may be given by name ("registry:place_search") and is reversed at render
time, so an app below registry in the layering can use the picker without importing registry."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

KIND_PLACEHOLDERS = {
    "community": _("All communities"),
    "grid": _("All grids"),
    "micro_grid": _("All micro-grids"),
}
TAGGED_PLACEHOLDER = _("Type a name or code to search")


def search_url(url: Any) -> str:
    """A URL, or a URL name such as "registry:place_search" reversed now (at render time)."""
    text = str(url)
    return text if text.startswith("/") or ":" not in text else reverse(text)


class PlacePicker(forms.Widget):
    """Renders places/_picker.html: a hidden input carrying the id and a search box (placePicker)."""

    template_name = "places/_picker.html"

    def __init__(
        self, *, kind: str, url: Any, attrs: dict[str, Any] | None = None, autosubmit: bool = True
    ) -> None:
        super().__init__(attrs)
        self.kind, self.url, self.autosubmit = kind, url, autosubmit
        self.queryset: QuerySet[Any] | None = None
        self.querysets: dict[str, QuerySet[Any]] = {}  # TaggedPlaceField: one per tag

    def picked_name(self, value: Any) -> str | None:
        """The name of the node in the value, when the viewer may see it."""
        if value in (None, ""):
            return None
        text = str(value)
        if self.querysets:
            tag, _sep, pk = text.partition(":")
            qs = self.querysets.get(tag)
        else:
            pk, qs = text, self.queryset
        if qs is None or not pk.isdigit():
            return None
        name: str | None = qs.filter(pk=int(pk)).values_list("name", flat=True).first()
        return name

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        picked = self.picked_name(value)
        context["widget"].update(
            {
                "kind": self.kind,
                "url": search_url(self.url),
                "placeholder": KIND_PLACEHOLDERS.get(self.kind, TAGGED_PLACEHOLDER),
                "picked": picked or "",
                "value": value if picked else "",
                "autosubmit": self.autosubmit,
            }
        )
        return context


class PlaceField(forms.IntegerField):
    """A node picked by id; valid only when it is in `queryset` (the viewer's scope)."""

    def __init__(self, *, kind: str, url: Any, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        super().__init__(widget=PlacePicker(kind=kind, url=url), **kwargs)
        self._queryset: QuerySet[Any] | None = None

    @property
    def queryset(self) -> QuerySet[Any] | None:
        return self._queryset

    @queryset.setter
    def queryset(self, qs: QuerySet[Any]) -> None:
        self._queryset = qs
        assert isinstance(self.widget, PlacePicker)
        self.widget.queryset = qs

    def clean(self, value: Any) -> int | None:
        pk = super().clean(value)
        if pk is None:
            return None
        if self._queryset is None or not self._queryset.filter(pk=pk).exists():
            raise forms.ValidationError(_("Choose a place from the list."), code="invalid_choice")
        return int(pk)


class TaggedPlaceField(forms.CharField):
    """A node of one of several kinds, posted as "<tag>:<pk>" (e.g. "grid:12"); valid only when the
    pk is in the queryset of its tag (the viewer's scope). `kind` names the search the picker asks
    the endpoint for; the endpoint offers the same tags and querysets."""

    def __init__(self, *, kind: str, url: Any, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        super().__init__(widget=PlacePicker(kind=kind, url=url, autosubmit=False), max_length=40, **kwargs)
        self._querysets: dict[str, QuerySet[Any]] = {}

    @property
    def querysets(self) -> dict[str, QuerySet[Any]]:
        return self._querysets

    @querysets.setter
    def querysets(self, value: dict[str, QuerySet[Any]]) -> None:
        self._querysets = value
        assert isinstance(self.widget, PlacePicker)
        self.widget.querysets = value

    def clean(self, value: Any) -> str:
        text: str = super().clean(value)
        if not text:
            return ""
        tag, _sep, pk = text.partition(":")
        qs = self._querysets.get(tag)
        if qs is None or not pk.isdigit() or not qs.filter(pk=int(pk)).exists():
            raise forms.ValidationError(_("Choose a place from the list."), code="invalid_choice")
        return f"{tag}:{int(pk)}"
