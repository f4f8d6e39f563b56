"""Cases under /api/v1/: thin viewsets over `selectors` (reads) and `services` (the verbs).

- A case outside the caller's reach answers 404 exactly like a missing one (`case_get_for`).
- A verb the caller may not do on a case they can see answers 403 `{"code": "forbidden"}`,
  whatever the case's status; a verb at the wrong step answers 400 `{"code": "wrong_status"}`.
- Nothing in a case file is edited or deleted: PUT, PATCH and DELETE answer 405; corrections are
  the `correct` action, which appends to the file.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import QuerySet
from django.http import FileResponse, Http404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import generics, mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter
from rest_framework.serializers import Serializer

from shequ.accounts.roles import Perm
from shequ.accounts.scope import has_perm_anywhere, scope_for
from shequ.accounts.typing import acting_user
from shequ.core.api import FilterBackend
from shequ.core.errors import RuleError
from shequ.core.parsers import FormParser, JSONParser, MultiPartParser

from . import filters, selectors, services
from . import serializers as s
from .models import Case, CaseCategory, CaseEvent, HandlerUnit
from .rules import can_assist, can_handle, can_manage, can_verify

Check = Callable[[Any, Case], bool]

# Who may try each verb on a case they can see. The services check the same predicates (after the
# status); checking first here makes "not allowed" a 403 whatever the status. `evaluate` and
# `comment` are left to their services, which decide on the caller before anything else.
VERB_CHECKS: dict[str, Check] = {
    "accept": can_manage,
    "refuse": can_manage,
    "dispatch_": can_manage,  # `dispatch` itself is the view's own request handler
    "escalate": can_manage,
    "suspend": can_manage,
    "resume": can_manage,
    "merge": can_manage,
    "supervise": can_manage,
    "correct": can_manage,
    "take": can_handle,
    "return_": can_handle,
    "reply": can_handle,
    "assist": can_assist,
    "verify": can_verify,
}


def forbidden() -> RuleError:
    return RuleError("forbidden", _("You may not do this to this case."))


def sees_whole_file(user: Any, case: Case) -> bool:
    """Staff over the case's place and its units read the whole file; someone who sees the case
    only because they reported it reads its public entries, as on the resident portal."""
    return (
        scope_for(user, Perm.VIEW_CASES).covers(case.area_path)
        or bool(can_handle(user, case))
        or bool(can_assist(user, case))
    )


class CaseVerbPermission(permissions.IsAuthenticated):
    """Anyone signed in lists the cases the selectors give them. Reporting needs `report_cases`
    somewhere; a verb needs its predicate on the case (checked once the case is found in reach)."""

    def has_permission(self, request: Request, view: Any) -> bool:
        if not super().has_permission(request, view):
            return False
        if view.action == "create" and not has_perm_anywhere(request.user, Perm.REPORT_CASES):
            raise RuleError("forbidden", _("You may not report cases."))
        return True

    def has_object_permission(self, request: Request, view: Any, obj: Any) -> bool:
        check = VERB_CHECKS.get(view.action)
        if check is not None and not check(request.user, obj):
            raise forbidden()
        return True


class FirstRendererNegotiation(BaseContentNegotiation):
    """A photo download answers whatever the client accepts (an <img> asks for image/*); errors
    still come as JSON."""

    def select_parser(self, request: Request, parsers: Any) -> Any:
        return parsers[0] if parsers else None

    def select_renderer(self, request: Request, renderers: Any, format_suffix: str | None = None) -> Any:
        return (renderers[0], renderers[0].media_type)


def verb(
    request_serializer: type[Serializer] | None, summary: str, description: str = ""
) -> Callable[[Callable[..., Response]], Callable[..., Response]]:
    """A POST action on one case that answers with the case as the caller now sees it."""

    def decorate(func: Callable[..., Response]) -> Callable[..., Response]:
        name = func.__name__.rstrip("_")
        # extend_schema goes on top of @action: under it, drf-spectacular never saw it and
        # documented every verb as taking and answering a whole case.
        func = action(
            detail=True,
            methods=["post"],
            url_path=name,
            url_name=name,
            filter_backends=[],
            pagination_class=None,
        )(func)
        request: Any = request_serializer
        if request_serializer is not None and "photos" in request_serializer._declared_fields:
            request = {
                "multipart/form-data": request_serializer,
                "application/json": s.without_files(request_serializer),
            }
        return extend_schema(
            summary=summary,
            description=description,
            request=request,
            responses={200: s.CaseDetailSerializer},
        )(func)

    return decorate


@extend_schema_view(
    list=extend_schema(
        summary="Cases in reach",
        description="Cases in the caller's area, sent to their unit, or reported by them. "
        "The reporter's phone is only ever masked.",
    ),
    retrieve=extend_schema(
        summary="One case with its file",
        description="By id or case number. `events` is the case file with links to the photos; "
        "`duplicate_candidates` is listed for those who may merge.",
        parameters=[OpenApiParameter("id", OpenApiTypes.STR, OpenApiParameter.PATH)],
    ),
    create=extend_schema(
        summary="Report a case",
        request={
            "multipart/form-data": s.CaseReportSerializer,
            "application/json": s.without_files(s.CaseReportSerializer),
        },
        responses={201: s.CaseDetailSerializer},
    ),
)
class CaseViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The closed loop of a case: one POST action per verb (docs/api.md)."""

    permission_classes = [CaseVerbPermission]
    serializer_class = s.CaseSerializer
    filterset_class = filters.CaseFilter
    filter_backends = [FilterBackend]
    parser_classes = [JSONParser, MultiPartParser, FormParser]  # shequ.core.parsers: NUL is a 400
    http_method_names = ["get", "post", "head", "options"]
    lookup_value_regex = r"[^/.]+"

    def get_queryset(self) -> QuerySet[Case]:
        cases = (
            selectors.cases_visible_to(self.request.user)
            .select_related("merged_into")
            .prefetch_related("co_units")
        )
        if self.action == "list":
            # The list names the community and grid only: their GeoJSON boundaries would be read
            # and parsed for every row.
            cases = cases.defer("community__boundary", "grid__boundary")
        return cases

    def get_object(self) -> Case:
        case = selectors.case_get_for(self.request.user, self.kwargs[self.lookup_field])
        self.check_object_permissions(self.request, case)
        return case

    def answer(self, case: Case, *, http_status: int = status.HTTP_200_OK) -> Response:
        """The case after a step, read again as the caller may now see it. A unit that has just
        returned a case no longer sees it, and gets the case's new state without its file."""
        user = self.request.user
        fresh = self.get_queryset().filter(pk=case.pk).first()
        if fresh is None:
            case.refresh_from_db()
            return Response(s.CaseSerializer(case, context=self.get_serializer_context()).data, http_status)
        whole = sees_whole_file(user, fresh)
        events: QuerySet[CaseEvent] = selectors.case_file(fresh)
        if not whole:
            events = events.filter(public=True)
        context = {
            **self.get_serializer_context(),
            "events": events,
            "whole_file": whole,
            "duplicates": selectors.duplicate_candidates(fresh) if can_manage(user, fresh) else None,
        }
        return Response(s.CaseDetailSerializer(fresh, context=context).data, http_status)

    def parse(self, serializer_class: type[Serializer]) -> dict[str, Any]:
        data = serializer_class(data=self.request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        return dict(data.validated_data)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.answer(self.get_object())

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = s.CaseReportSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        case = services.report_case(by=acting_user(request), **data.service_kwargs())
        return self.answer(case, http_status=status.HTTP_201_CREATED)

    # --- the file ---------------------------------------------------------------------------

    @extend_schema(summary="The case file", responses=s.EventSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def events(self, request: Request, pk: str | None = None) -> Response:
        case = self.get_object()
        whole = sees_whole_file(request.user, case)
        events = selectors.case_file(case)
        if not whole:
            events = events.filter(public=True)
        context = {**self.get_serializer_context(), "whole_file": whole}
        return Response(s.EventSerializer(events, many=True, context=context).data)

    @extend_schema(
        summary="Download a photo of the case",
        responses={(200, "image/*"): OpenApiTypes.BINARY},
        parameters=[OpenApiParameter("attachment_id", OpenApiTypes.INT, OpenApiParameter.PATH)],
    )
    @action(
        detail=True,
        methods=["get"],
        url_path=r"attachments/(?P<attachment_id>[^/.]+)",
        url_name="attachment",
        pagination_class=None,
        filter_backends=[],
        content_negotiation_class=FirstRendererNegotiation,
    )
    def attachment(self, request: Request, pk: str | None = None, attachment_id: str = "") -> FileResponse:
        attachment = selectors.attachment_get_for(request.user, pk, attachment_id)
        if not attachment.event.public and not sees_whole_file(request.user, attachment.case):
            raise Http404
        response = FileResponse(
            attachment.file.open("rb"), content_type=attachment.content_type, filename=attachment.name
        )
        response["Cache-Control"] = "private, max-age=3600"
        return response

    # --- the verbs --------------------------------------------------------------------------

    @verb(s.AcceptSerializer, "Accept (立案)", "The dispatch clock starts.")
    def accept(self, request: Request, pk: str | None = None) -> Response:
        case = self.get_object()
        return self.answer(
            services.accept_case(case, by=acting_user(request), **self.parse(s.AcceptSerializer))
        )

    @verb(s.ReasonSerializer, "Refuse (不予立案)", "With a reason the reporter reads.")
    def refuse(self, request: Request, pk: str | None = None) -> Response:
        case = self.get_object()
        return self.answer(
            services.refuse_case(case, by=acting_user(request), **self.parse(s.ReasonSerializer))
        )

    @verb(s.DispatchSerializer, "Dispatch (派遣)", "To a lead unit, with co-handling units if any.")
    def dispatch_(self, request: Request, pk: str | None = None) -> Response:
        case = self.get_object()
        return self.answer(
            services.dispatch_case(case, by=acting_user(request), **self.parse(s.DispatchSerializer))
        )

    @verb(s.NoteSerializer, "Take (签收)", "A member of the lead unit takes the case on.")
    def take(self, request: Request, pk: str | None = None) -> Response:
        case = self.get_object()
        return self.answer(services.take_case(case, by=acting_user(request), **self.parse(s.NoteSerializer)))

    @verb(s.ReasonSerializer, "Return (退回)", "The lead unit hands the case back to the desk.")
    def return_(self, request: Request, pk: str | None = None) -> Response:
        case = self.get_object()
        return self.answer(
            services.return_case(case, by=acting_user(request), **self.parse(s.ReasonSerializer))
        )

    @verb(s.PhotoNoteSerializer, "Reply (处置反馈)", "What was done, with proof photos (multipart).")
    def reply(self, request: Request, pk: str | None = None) -> Response:
        case = self.get_object()
        data = self.parse(s.PhotoNoteSerializer)
        return self.answer(
            services.reply_case(case, by=acting_user(request), note=data["note"], photo_files=data["photos"])
        )

    @verb(s.PhotoNoteSerializer, "Co-handling note (协同)", "For members of a co-handling unit.")
    def assist(self, request: Request, pk: str | None = None) -> Response:
        case = self.get_object()
        data = self.parse(s.PhotoNoteSerializer)
        return self.answer(
            services.assist_case(case, by=acting_user(request), note=data["note"], photo_files=data["photos"])
        )

    @verb(s.VerifySerializer, "Verify (核查)", "Passed: awaiting evaluation. Failed: back to the unit.")
    def verify(self, request: Request, pk: str | None = None) -> Response:
        case = self.get_object()
        data = self.parse(s.VerifySerializer)
        return self.answer(
            services.verify_case(
                case,
                by=acting_user(request),
                passed=data["passed"],
                note=data["note"],
                photo_files=data["photos"],
            )
        )

    @verb(
        s.EvaluateSerializer,
        "Evaluate (评价)",
        "By the reporter, or by staff recording a follow-up call. Unsatisfied reopens the case once, "
        "then escalates it.",
    )
    def evaluate(self, request: Request, pk: str | None = None) -> Response:
        case = self.get_object()
        return self.answer(
            services.evaluate_case(case, by=acting_user(request), **self.parse(s.EvaluateSerializer))
        )

    @verb(s.ReasonSerializer, "Escalate (上报)", "To the street, and from there to the district.")
    def escalate(self, request: Request, pk: str | None = None) -> Response:
        case = self.get_object()
        return self.answer(
            services.escalate_case(case, by=acting_user(request), **self.parse(s.ReasonSerializer))
        )

    @verb(s.ReasonSerializer, "Suspend (挂起)", "The clock stops until the case is resumed.")
    def suspend(self, request: Request, pk: str | None = None) -> Response:
        case = self.get_object()
        return self.answer(
            services.suspend_case(case, by=acting_user(request), **self.parse(s.ReasonSerializer))
        )

    @verb(s.NoteSerializer, "Resume", "The clock runs on with the time that was left.")
    def resume(self, request: Request, pk: str | None = None) -> Response:
        case = self.get_object()
        return self.answer(
            services.resume_case(case, by=acting_user(request), **self.parse(s.NoteSerializer))
        )

    @verb(s.MergeSerializer, "Merge (合并)", "Into an open case (`into`: its id or number).")
    def merge(self, request: Request, pk: str | None = None) -> Response:
        case = self.get_object()
        return self.answer(
            services.merge_case(case, by=acting_user(request), **self.parse(s.MergeSerializer))
        )

    @verb(s.RequiredNoteSerializer, "Supervise (督办)", "Counted against the unit.")
    def supervise(self, request: Request, pk: str | None = None) -> Response:
        case = self.get_object()
        return self.answer(
            services.supervise_case(case, by=acting_user(request), **self.parse(s.RequiredNoteSerializer))
        )

    @verb(s.CommentSerializer, "Comment", "Public comments (managers only) reach the reporter.")
    def comment(self, request: Request, pk: str | None = None) -> Response:
        case = self.get_object()
        return self.answer(
            services.comment_case(case, by=acting_user(request), **self.parse(s.CommentSerializer))
        )

    @verb(s.CorrectSerializer, "Correct", "Category, urgency or address, with a reason; kept in the file.")
    def correct(self, request: Request, pk: str | None = None) -> Response:
        case = self.get_object()
        return self.answer(
            services.correct_case(case, by=acting_user(request), **self.parse(s.CorrectSerializer))
        )


# --- configuration ----------------------------------------------------------------------------


class ConfigurePermission(permissions.IsAuthenticated):
    """Reads for anyone signed in (selectors decide what they see); writes need `configure`."""

    def has_permission(self, request: Request, view: Any) -> bool:
        if not super().has_permission(request, view):
            return False
        if request.method not in permissions.SAFE_METHODS and not has_perm_anywhere(
            request.user, Perm.CONFIGURE
        ):
            raise RuleError("forbidden", _("You do not have permission to do this here."))
        return True


@extend_schema_view(
    list=extend_schema(
        summary="The category tree",
        description="Top-level categories with their `children`, each with its time limits in "
        "working hours. Inactive ones only for those who configure.",
    ),
    create=extend_schema(request=s.CategoryWriteSerializer, responses={201: s.CategorySerializer}),
    partial_update=extend_schema(request=s.CategoryWriteSerializer, responses=s.CategorySerializer),
)
class CaseCategoryViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    permission_classes = [ConfigurePermission]
    serializer_class = s.CategorySerializer
    pagination_class = None
    filter_backends: list[Any] = []
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[CaseCategory]:
        qs = CaseCategory.objects.select_related("parent", "default_unit")
        if not has_perm_anywhere(self.request.user, Perm.CONFIGURE):
            qs = qs.filter(active=True)
        return qs.order_by("sort", "code")

    def tree_context(self) -> dict[str, Any]:
        tree: dict[int | None, list[CaseCategory]] = {}
        for category in self.get_queryset():
            tree.setdefault(category.parent_id, []).append(category)
        return {**self.get_serializer_context(), "tree": tree}

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        context = self.tree_context()
        return Response(s.CategorySerializer(context["tree"].get(None, []), many=True, context=context).data)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return Response(s.CategorySerializer(self.get_object(), context=self.tree_context()).data)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        values = self.parse()
        category = services.save_category(by=acting_user(request), **values)
        return Response(
            s.CategorySerializer(category, context=self.tree_context()).data, status=status.HTTP_201_CREATED
        )

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        category = self.get_object()
        # partial: a form-encoded PATCH must not read missing checkboxes as False
        category = services.save_category(
            by=acting_user(request), category=category, **self.parse(partial=True)
        )
        return Response(s.CategorySerializer(category, context=self.tree_context()).data)

    def parse(self, *, partial: bool = False) -> dict[str, Any]:
        data = s.CategoryWriteSerializer(
            data=self.request.data, partial=partial, context=self.get_serializer_context()
        )
        data.is_valid(raise_exception=True)
        return dict(data.validated_data)


@extend_schema_view(
    list=extend_schema(
        summary="Handler units",
        description="Units serving in or above the caller's area, and their own; `members` only "
        "for those who configure units there.",
    ),
    create=extend_schema(request=s.UnitWriteSerializer, responses={201: s.UnitSerializer}),
    partial_update=extend_schema(request=s.UnitWriteSerializer, responses=s.UnitSerializer),
)
class HandlerUnitViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    permission_classes = [ConfigurePermission]
    serializer_class = s.UnitSerializer
    filter_backends: list[Any] = []
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[HandlerUnit]:
        qs = selectors.units_visible_to(self.request.user)
        if has_perm_anywhere(self.request.user, Perm.CONFIGURE):
            qs = qs.prefetch_related("unitmember_set__user")
        return qs

    def get_serializer_context(self) -> dict[str, Any]:
        return {
            **super().get_serializer_context(),
            "configure_scope": scope_for(self.request.user, Perm.CONFIGURE),
        }

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = s.UnitWriteSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        unit = services.save_unit(by=acting_user(request), **data.validated_data)
        return Response(
            self.get_serializer(self.get_queryset().get(pk=unit.pk)).data, status.HTTP_201_CREATED
        )

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        unit = self.get_object()
        data = s.UnitWriteSerializer(data=request.data, partial=True, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        values = {
            "name": unit.name,
            "kind": unit.kind,
            "area": unit.area,
            "phone": unit.phone,
            "active": unit.active,
            **data.validated_data,
        }
        services.save_unit(by=acting_user(request), unit=unit, **values)
        return Response(self.get_serializer(self.get_queryset().get(pk=unit.pk)).data)


# --- figures and warnings ---------------------------------------------------------------------


class CaseFiguresView(generics.GenericAPIView):
    """Per community, unit or category over the cases in reach (and the case list's filters).

    A plain view, not a viewset's `list`: it answers one object (rows and a total), which the schema
    would otherwise describe as an array."""

    serializer_class = s.FiguresSerializer
    filterset_class = filters.CaseFilter
    pagination_class = None

    def get_queryset(self) -> QuerySet[Case]:
        return selectors.cases_visible_to(self.request.user)

    @extend_schema(
        summary="Case figures",
        parameters=[
            OpenApiParameter("by", OpenApiTypes.STR, enum=list(selectors.FIGURE_GROUPS), default="community")
        ],
        responses=s.FiguresSerializer,
    )
    def get(self, request: Request) -> Response:
        by = request.query_params.get("by", "community")
        if by not in selectors.FIGURE_GROUPS:
            message = _("Choose community, unit or category.")
            raise RuleError("invalid", message, fields={"by": [message]})
        cases = self.filter_queryset(self.get_queryset())
        rows = selectors.case_figures(cases, by=by)
        total = selectors.case_figure_totals(cases)
        return Response(s.FiguresSerializer({"by": by, "rows": rows, "total": total}).data)


class CaseWarningViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Hot spots raised from the cases (信息感知可预警), in the caller's area."""

    serializer_class = s.WarningSerializer
    filterset_class = filters.WarningFilter

    def get_queryset(self) -> QuerySet[Any]:
        return selectors.warnings_visible_to(self.request.user, open_only=False)

    def filter_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.detail:
            return queryset
        return super().filter_queryset(queryset)


def register(router: DefaultRouter) -> None:
    router.register("cases", CaseViewSet, basename="case")
    router.register("case-categories", CaseCategoryViewSet, basename="case-category")
    router.register("handler-units", HandlerUnitViewSet, basename="handler-unit")
    router.register("case-warnings", CaseWarningViewSet, basename="case-warning")
