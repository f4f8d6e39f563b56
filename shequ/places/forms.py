"""The place picker as a form field: a list filter takes a community, grid or micro-grid by id
(the same GET parameter as before) and shows a box that searches as you type, instead of a
<select> holding every node of a district."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

KIND_PLACEHOLDERS = {
    "community": _("All communities"),
    "grid": _("All grids"),
    "micro_grid": _("All micro-grids"),
}


class PlacePicker(forms.Widget):
    """Renders places/_picker.html: a hidden input carrying the id and a search box (placePicker)."""

    template_name = "places/_picker.html"

    def __init__(self, *, kind: str, url: Any, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs)
        self.kind, self.url = kind, url
        self.queryset: QuerySet[Any] | None = None

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        picked = None  # the name of the node in the value, when the viewer may see it
        if value not in (None, "") and str(value).isdigit() and self.queryset is not None:
            picked = self.queryset.filter(pk=int(value)).values_list("name", flat=True).first()
        context["widget"].update(
            {
                "kind": self.kind,
                "url": str(self.url),
                "placeholder": KIND_PLACEHOLDERS[self.kind],
                "picked": picked or "",
                "value": int(value) if picked else "",
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
