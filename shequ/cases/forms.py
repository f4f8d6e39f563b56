"""Forms of the case pages. They only shape input (choices in the user's reach, files as a list);
the rules of the loop live in `services` and speak through `RuleError`."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from shequ.accounts.roles import GRID_ROLES
from shequ.accounts.scope import roles_of
from shequ.core.inputs import Form
from shequ.places.forms import TaggedPlaceField
from shequ.registry import selectors as registry
from shequ.registry.forms import PLACE_SEARCH, FilterForm, place_field, set_places

from . import selectors
from .models import (
    Case,
    CaseCategory,
    CaseStatus,
    HandlerUnit,
    Light,
    Satisfaction,
    Source,
    Urgency,
)
from .rules import can_manage
from .services.reporting import STAFF_SOURCES

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _choice_field(form: forms.Form, name: str) -> forms.ChoiceField:
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)
    return field


# --- the category tree -----------------------------------------------------------------------------


class CategoryTree:
    """The active categories as a tree, read once: indented choices for filters, leaves grouped
    under their parent for reporting, and a category with everything below it for filtering."""

    def __init__(self, categories: Iterable[CaseCategory]) -> None:
        self.by_id: dict[int, CaseCategory] = {c.pk: c for c in categories}
        self.children: dict[int | None, list[CaseCategory]] = defaultdict(list)
        for c in sorted(self.by_id.values(), key=lambda c: (c.sort, c.code)):
            parent = c.parent_id if c.parent_id in self.by_id else None
            self.children[parent].append(c)

    @classmethod
    def active(cls) -> CategoryTree:
        return cls(selectors.active_categories())

    def walk(self, parent: int | None = None, depth: int = 0) -> Iterable[tuple[CaseCategory, int]]:
        for c in self.children.get(parent, []):
            yield c, depth
            yield from self.walk(c.pk, depth + 1)

    def indented_choices(self) -> list[tuple[Any, str]]:
        return [(c.pk, "\u3000" * depth + c.display_name) for c, depth in self.walk()]

    def is_leaf(self, category: CaseCategory) -> bool:
        return not self.children.get(category.pk)

    def leaf_choices(self) -> list[tuple[Any, Any]]:
        """Specific categories (the only ones a case may have), grouped under their parent."""
        groups: dict[str, list[tuple[int, str]]] = {}
        singles: list[tuple[int, str]] = []
        for c, _depth in self.walk():
            if not self.is_leaf(c):
                continue
            parent = self.by_id.get(c.parent_id) if c.parent_id else None
            if parent is None:
                singles.append((c.pk, c.display_name))
            else:
                groups.setdefault(self.path_name(parent), []).append((c.pk, c.display_name))
        return [("", "—"), *singles, *groups.items()]

    def path_name(self, category: CaseCategory) -> str:
        names = [category.display_name]
        parent = self.by_id.get(category.parent_id) if category.parent_id else None
        while parent is not None:
            names.insert(0, parent.display_name)
            parent = self.by_id.get(parent.parent_id) if parent.parent_id else None
        return " / ".join(names)

    def with_descendants(self, pk: int) -> list[int]:
        ids = [pk]
        for c, _depth in self.walk(pk):
            ids.append(c.pk)
        return ids


class LeafCategoryField(forms.TypedChoiceField):
    """A grouped select of specific categories; cleans to the `CaseCategory`."""

    def __init__(self, *, tree: CategoryTree, **kwargs: Any) -> None:
        self.tree = tree
        super().__init__(choices=tree.leaf_choices(), coerce=int, empty_value=None, **kwargs)

    def clean(self, value: Any) -> CaseCategory | None:
        pk = super().clean(value)
        return self.tree.by_id.get(pk) if pk is not None else None


# --- photos ----------------------------------------------------------------------------------------


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Several photos in one input, straight from the phone's camera. Checking that they are real
    images (and re-encoding them) is the service's job (`photos.prepare`)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", _("Photos"))
        kwargs.setdefault(
            "widget",
            MultipleFileInput(attrs={"accept": "image/*", "capture": "environment", "multiple": True}),
        )
        super().__init__(**kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        return [super(PhotosField, self).clean(f, initial) for f in files if f]


# --- the list's filters ----------------------------------------------------------------------------


class CaseFilterForm(FilterForm):
    """GET filters of the case list; a bad value drops that filter instead of failing."""

    OPEN = "open"
    FINISHED = "finished"

    q = forms.CharField(required=False, max_length=64)
    status = forms.ChoiceField(required=False)
    light = forms.ChoiceField(required=False)
    category = forms.TypedChoiceField(required=False, coerce=int, empty_value=None)
    community = place_field("community")
    grid = place_field("grid")
    unit = forms.TypedChoiceField(required=False, coerce=int, empty_value=None)
    source = forms.ChoiceField(required=False)
    urgency = forms.ChoiceField(required=False)
    reported_from = forms.DateField(required=False, widget=DATE_INPUT)
    reported_to = forms.DateField(required=False, widget=DATE_INPUT)

    def __init__(self, data: Any, *, user: Any, tree: CategoryTree) -> None:
        super().__init__(data)
        self.tree = tree
        set_places(self, user, "community", "grid")
        units = selectors.units_visible_to(user).values_list("pk", "name")
        _choice_field(self, "status").choices = [
            ("", _("All statuses")),
            (self.OPEN, _("All open")),
            (self.FINISHED, _("All finished")),
            *CaseStatus.choices,
        ]
        _choice_field(self, "light").choices = [("", _("All lights")), *Light.choices]
        _choice_field(self, "category").choices = [("", _("All categories")), *tree.indented_choices()]
        _choice_field(self, "unit").choices = [("", _("All units")), *units]
        _choice_field(self, "source").choices = [("", _("All sources")), *Source.choices]
        _choice_field(self, "urgency").choices = [("", _("Any urgency")), *Urgency.choices]
        self.fields["reported_from"].widget.attrs["aria-label"] = _("Reported from")
        self.fields["reported_to"].widget.attrs["aria-label"] = _("Reported until")


# --- reporting a case ------------------------------------------------------------------------------


class PlaceMode:
    BUILDING = "building"
    AREA = "area"
    MAP = "map"
    CHOICES = ((BUILDING, _("Building")), (AREA, _("Grid or community")), (MAP, _("Point on the map")))


def default_source(user: Any) -> str:
    """Grid workers and building leaders report from the street; desk staff take calls and visits."""
    return Source.GRID if roles_of(user) & set(GRID_ROLES) else Source.WINDOW


class ReportForm(Form):
    """A case typed in by staff: a grid worker on their phone, the window, the hotline."""

    category = forms.Field(label=_("Category"))  # replaced in __init__
    description = forms.CharField(
        label=_("What is the problem?"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Describe the problem in at least 5 characters.")},
    )
    urgency = forms.ChoiceField(
        label=_("Urgency"), choices=Urgency.choices, initial=Urgency.NORMAL, widget=forms.RadioSelect
    )
    source = forms.ChoiceField(
        label=_("Source"), choices=[(s.value, s.label) for s in STAFF_SOURCES], widget=forms.RadioSelect
    )
    place_mode = forms.ChoiceField(choices=PlaceMode.CHOICES, initial=PlaceMode.BUILDING, required=False)
    building = forms.IntegerField(required=False, widget=forms.HiddenInput)
    area = TaggedPlaceField(kind="case_place", url=PLACE_SEARCH, label=_("Grid or community"))
    latitude = forms.DecimalField(required=False, max_digits=9, decimal_places=6, widget=forms.HiddenInput)
    longitude = forms.DecimalField(required=False, max_digits=9, decimal_places=6, widget=forms.HiddenInput)
    address = forms.CharField(
        label=_("Exact spot"),
        required=False,
        max_length=200,
        help_text=_("For example: outside stairwell 2, by the bicycle shed."),
    )
    reporter_name = forms.CharField(label=_("Reporter's name"), required=False, max_length=64)
    reporter_phone = forms.CharField(
        label=_("Reporter's phone"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
        help_text=_("Optional. Lets the reporter follow the case and evaluate it."),
    )
    photos = PhotosField()

    def __init__(self, *args: Any, user: Any, tree: CategoryTree, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["category"] = LeafCategoryField(
            tree=tree,
            label=_("Category"),
            error_messages={"required": _("Choose a specific category.")},
        )
        self.fields["source"].initial = default_source(user)
        places = registry.case_places(user)
        area = self.fields["area"]
        assert isinstance(area, TaggedPlaceField)
        area.querysets = places
        self.communities, self.grids = places["community"], places["grid"]

    def clean_building(self) -> Any:
        pk = self.cleaned_data.get("building")
        if pk is None:
            return None
        building = registry.buildings_visible_to(self.user).filter(pk=pk).first()
        if building is None:
            raise forms.ValidationError(_("Choose a building from the list."))
        return building

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        mode = data.get("place_mode") or PlaceMode.BUILDING
        place: dict[str, Any] = {}
        if mode == PlaceMode.BUILDING and data.get("building"):
            place["building"] = data["building"]
        elif mode == PlaceMode.AREA and data.get("area"):
            kind, _sep, pk = str(data["area"]).partition(":")
            if kind == "grid":
                place["grid"] = self.grids.filter(pk=int(pk)).first()
            else:
                place["community"] = self.communities.filter(pk=int(pk)).first()
        elif mode == PlaceMode.MAP:
            place["latitude"] = data.get("latitude")
            place["longitude"] = data.get("longitude")
        data["place"] = place
        return data

    def place_errors(self) -> list[str]:
        names = ("place_mode", "building", "area", "latitude", "longitude", "location")
        return [str(e) for name in names for e in self.errors.get(name, [])]


# --- the actions on a case -------------------------------------------------------------------------


class ActionForm(Form):
    """The form of one step of the loop, for one case and one user."""

    def __init__(self, *args: Any, case: Case, user: Any, **kwargs: Any) -> None:
        # Several step forms share a page: ids are per form, the field names stay plain.
        kwargs.setdefault("auto_id", f"id_{type(self).__name__.lower()}_%s")
        super().__init__(*args, **kwargs)
        self.case = case
        self.user = user
        self.setup()

    def setup(self) -> None:
        pass


def _note(
    label: Any = None, *, required: bool = False, message: Any = None, rows: int = 2
) -> forms.CharField:
    return forms.CharField(
        label=label or _("Note"),
        required=required,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": rows}),
        error_messages={"required": message} if message else None,
    )


class AcceptForm(ActionForm):
    urgency = forms.ChoiceField(label=_("Urgency"), choices=Urgency.choices, widget=forms.RadioSelect)
    note = _note()

    def setup(self) -> None:
        self.fields["urgency"].initial = self.case.urgency


class RefuseForm(ActionForm):
    reason = _note(
        _("Reason (the reporter reads it)"),
        required=True,
        message=_("Say why the case is not accepted."),
    )


class DispatchForm(ActionForm):
    unit = forms.ModelChoiceField(
        label=_("Lead unit"),
        queryset=HandlerUnit.objects.none(),
        error_messages={"required": _("Choose the unit that handles the case.")},
    )
    co_units = forms.ModelMultipleChoiceField(
        label=_("Co-handling units"),
        queryset=HandlerUnit.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    note = _note(_("Instructions for the unit"))

    def setup(self) -> None:
        units = selectors.units_serving(self.case)
        unit = self.fields["unit"]
        co = self.fields["co_units"]
        assert isinstance(unit, forms.ModelChoiceField) and isinstance(co, forms.ModelChoiceField)
        unit.queryset = units
        co.queryset = units
        default = self.case.category.default_unit_id
        if default is not None:
            unit.initial = default


class TakeForm(ActionForm):
    note = _note()


class ReturnForm(ActionForm):
    reason = _note(
        _("Why is it not yours?"),
        required=True,
        message=_("Say why the case is returned."),
    )


class ReplyForm(ActionForm):
    note = _note(_("What was done"), required=True, message=_("Say what was done."), rows=3)
    photos = PhotosField(label=_("Photos as proof"))


class AssistForm(ActionForm):
    note = _note(_("What your unit did"), required=True, message=_("Say what your unit did."))
    photos = PhotosField()


class VerifyForm(ActionForm):
    PASS, FAIL = "pass", "fail"

    result = forms.ChoiceField(
        label=_("Result"),
        choices=((PASS, _("Passed: the reporter evaluates next")), (FAIL, _("Not passed: back to the unit"))),
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose whether the result passed.")},
    )
    note = _note(_("What you found on site"))
    photos = PhotosField(label=_("Photos on site"))


class EvaluateForm(ActionForm):
    satisfaction = forms.ChoiceField(
        label=_("Satisfaction"),
        choices=Satisfaction.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose satisfied, basically satisfied or unsatisfied.")},
    )
    comment = _note(_("What the reporter said"))


class EscalateForm(ActionForm):
    reason = _note(_("Why pass it up?"), required=True, message=_("Say why the case is passed up."))


class SuspendForm(ActionForm):
    reason = _note(_("What are we waiting for?"), required=True, message=_("Say why the case is suspended."))


class ResumeForm(ActionForm):
    note = _note()


class SuperviseForm(ActionForm):
    note = _note(
        _("What is expected, by when"), required=True, message=_("Say what is expected and by when.")
    )


class CommentForm(ActionForm):
    note = _note(_("Comment"), required=True, message=_("Write the note."))
    public = forms.BooleanField(label=_("Show to the reporter"), required=False)

    def setup(self) -> None:
        if not can_manage(self.user, self.case):  # only the desk speaks to the reporter
            del self.fields["public"]


class CorrectForm(ActionForm):
    category = forms.Field(label=_("Category"))  # replaced in setup
    urgency = forms.ChoiceField(label=_("Urgency"), choices=Urgency.choices)
    address = forms.CharField(label=_("Address"), required=False, max_length=200)
    reason = _note(_("Reason for the correction"), required=True, message=_("Say why the case is corrected."))

    def setup(self) -> None:
        self.fields["category"] = LeafCategoryField(tree=CategoryTree.active(), label=_("Category"))
        self.fields["category"].initial = self.case.category_id
        self.fields["urgency"].initial = self.case.urgency
        self.fields["address"].initial = self.case.address


class MergeForm(ActionForm):
    into = forms.ModelChoiceField(
        queryset=Case.objects.none(),
        widget=forms.HiddenInput,
        error_messages={"invalid_choice": _("That case is not one you can see.")},
    )
    note = _note()

    def setup(self) -> None:
        into = self.fields["into"]
        assert isinstance(into, forms.ModelChoiceField)
        into.queryset = selectors.cases_visible_to(self.user)
