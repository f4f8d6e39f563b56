"""The registry under /api/v1/: thin viewsets over `selectors` (reads) and `services` (writes).

Every queryset comes from `selectors.<entity>_visible_to(user)`, so a row outside the caller's
scope answers 404 like a missing one. Writes need `change_registry` (anywhere to create, at the
object's place to change it; 403 otherwise); rule violations raised by the services are 400s.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter
from rest_framework.serializers import BaseSerializer

from shequ.accounts.roles import Perm
from shequ.accounts.typing import acting_user
from shequ.core.api import FilterBackend
from shequ.core.http import client_ip
from shequ.places import geojson

from . import filters, listing, selectors, services
from . import serializers as s
from .models import Resident


class RegistryPermission(permissions.IsAuthenticated):
    """Reads are open to any signed-in user (the selectors decide what they see).

    Writes need the view's permission: anywhere to create something, and at the object's place to
    change it. Object checks run after the object is found in scope, so "not yours" stays a 404
    and "yours, but not allowed" is a 403.
    """

    def has_permission(self, request: Request, view: Any) -> bool:
        if not super().has_permission(request, view):
            return False
        if request.method in permissions.SAFE_METHODS or getattr(view, "detail", False):
            return True
        return request.user.has_perm(f"shequ.{view.write_perm(view.action)}")

    def has_object_permission(self, request: Request, view: Any, obj: Any) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        return request.user.has_perm(f"shequ.{view.write_perm(view.action)}", obj)


class ScopedViewSet(viewsets.GenericViewSet):
    """A viewset whose rows come from one selector; `detail_serializer_class` for single rows."""

    permission_classes = [RegistryPermission]
    filter_backends = [FilterBackend]
    selector: Callable[[Any], QuerySet[Any]]
    detail_serializer_class: type[BaseSerializer] | None = None
    action_serializers: dict[str, type[BaseSerializer]] = {}
    action_perms: dict[str, Perm] = {}

    def get_queryset(self) -> QuerySet[Any]:
        return type(self).selector(self.request.user)

    def get_serializer_class(self) -> type[BaseSerializer]:
        if self.action in self.action_serializers:
            return self.action_serializers[self.action]
        if self.detail and self.detail_serializer_class is not None:
            return self.detail_serializer_class
        return super().get_serializer_class()

    def write_perm(self, action_name: str | None) -> Perm:
        return self.action_perms.get(action_name or "", Perm.CHANGE_REGISTRY)

    def read(self, obj: Any, serializer_class: type[BaseSerializer] | None = None, **kwargs: Any) -> Response:
        """Answer a write with the row as the caller now sees it, read again through the selector."""
        fresh = get_object_or_404(self.get_queryset(), pk=obj.pk)
        cls = serializer_class or self.detail_serializer_class or self.serializer_class
        assert cls is not None
        return Response(cls(fresh, context=self.get_serializer_context()).data, **kwargs)


class ReadOnlyScopedViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    pass


# --- places -----------------------------------------------------------------------------------


class AreaViewSet(ReadOnlyScopedViewSet):
    """Streets and communities in scope, with the ancestors of one's own nodes (for their names)."""

    selector = staticmethod(selectors.areas_visible_to)
    serializer_class = s.AreaSerializer
    detail_serializer_class = s.AreaDetailSerializer
    filterset_class = filters.AreaFilter


@extend_schema_view(
    partial_update=extend_schema(
        summary="Change a grid's boundary",
        description="Checked to lie inside the community and not to overlap neighbouring grids.",
        request=s.GridBoundarySerializer,
        responses=s.GridDetailSerializer,
    ),
)
class GridViewSet(ReadOnlyScopedViewSet):
    selector = staticmethod(selectors.grids_visible_to)
    serializer_class = s.GridSerializer
    detail_serializer_class = s.GridDetailSerializer
    filterset_class = filters.GridFilter
    http_method_names = ["get", "patch", "head", "options"]

    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        grid = self.get_object()
        data = s.GridBoundarySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.change_grid_boundary(grid, by=acting_user(request), **data.validated_data)
        return self.read(grid)

    @extend_schema(
        summary="Grids in scope as GeoJSON",
        description="A FeatureCollection of the grids with a boundary; properties carry code, name and path.",
        responses=s.FeatureCollectionSerializer,
    )
    @action(detail=False, methods=["get"], pagination_class=None)
    def geojson(self, request: Request) -> Response:
        grids = self.filter_queryset(self.get_queryset())
        return Response(geojson.feature_collection(grids, kind="grid"))


class MicroGridViewSet(ReadOnlyScopedViewSet):
    selector = staticmethod(selectors.micro_grids_visible_to)
    serializer_class = s.MicroGridSerializer
    detail_serializer_class = s.MicroGridDetailSerializer
    filterset_class = filters.MicroGridFilter


@extend_schema_view(
    create=extend_schema(request=s.BuildingCreateSerializer, responses={201: s.BuildingSerializer})
)
class BuildingViewSet(mixins.CreateModelMixin, ReadOnlyScopedViewSet):
    selector = staticmethod(selectors.buildings_visible_to)
    serializer_class = s.BuildingSerializer
    filterset_class = filters.BuildingFilter
    action_serializers = {"create": s.BuildingCreateSerializer}

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self.get_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        building = services.create_building(by=acting_user(request), **data.validated_data)
        return self.read(building, status=status.HTTP_201_CREATED)


@extend_schema_view(
    create=extend_schema(
        summary="Register an organisation",
        request=s.OrganizationCreateSerializer,
        responses={201: s.OrganizationSerializer},
    )
)
class OrganizationViewSet(mixins.CreateModelMixin, ReadOnlyScopedViewSet):
    selector = staticmethod(selectors.organizations_visible_to)
    serializer_class = s.OrganizationSerializer
    filterset_class = filters.OrganizationFilter
    action_serializers = {"reveal": s.RevealRequestSerializer, "create": s.OrganizationCreateSerializer}
    action_perms = {"reveal": Perm.REVEAL_PII}

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self.get_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        organization = services.create_organization(by=acting_user(request), **data.validated_data)
        return self.read(organization, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Show the full contact phone",
        description="Needs reveal_pii where the organisation is, a purpose and a note; limited per user "
        "per hour and per day; every reveal is audited.",
        request=s.RevealRequestSerializer,
        responses=s.ContactRevealResponseSerializer,
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def reveal(self, request: Request, pk: str | None = None) -> Response:
        organization = self.get_object()
        data = self.get_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        phone = services.reveal_contact_phone(
            organization,
            by=acting_user(request),
            purpose=data.validated_data["purpose"],
            note=data.validated_data["note"],
            ip_address=client_ip(request),
        )
        response = Response({"contact_phone": phone, "expires_in": settings.SHEQU_REVEAL_SECONDS})
        response["Cache-Control"] = "no-store"
        return response


class TagTypeViewSet(ReadOnlyScopedViewSet):
    """Key-population tags; restricted ones only for roles that may see key populations."""

    selector = staticmethod(selectors.tag_types_visible_to)
    serializer_class = s.TagTypeSerializer
    filterset_class = filters.TagTypeFilter
    lookup_field = "code"
    pagination_class = None


# --- housing and households -------------------------------------------------------------------


class DwellingViewSet(ReadOnlyScopedViewSet):
    selector = staticmethod(selectors.dwellings_visible_to)
    serializer_class = s.DwellingSerializer
    filterset_class = filters.DwellingFilter


@extend_schema_view(
    create=extend_schema(request=s.HouseholdCreateSerializer, responses={201: s.HouseholdDetailSerializer}),
)
class HouseholdViewSet(mixins.CreateModelMixin, ReadOnlyScopedViewSet):
    selector = staticmethod(selectors.households_visible_to)
    serializer_class = s.HouseholdSerializer
    detail_serializer_class = s.HouseholdDetailSerializer
    filterset_class = filters.HouseholdFilter
    action_serializers = {"create": s.HouseholdCreateSerializer}

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self.get_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        household = services.create_household(by=acting_user(request), **data.validated_data)
        return self.read(household, status=status.HTTP_201_CREATED)


# --- residents --------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="Residents in scope", description="ID and phone numbers are masked."),
    create=extend_schema(
        summary="Register a resident",
        request=s.ResidentCreateSerializer,
        responses={201: s.ResidentSerializer},
    ),
    partial_update=extend_schema(
        summary="Change a resident's own fields",
        description="Moving home or household goes through life events.",
        request=s.ResidentFieldsSerializer,
        responses=s.ResidentSerializer,
    ),
)
class ResidentViewSet(mixins.CreateModelMixin, ReadOnlyScopedViewSet):
    """The actual population. Nothing is deleted: people move out or die (life events)."""

    selector = staticmethod(selectors.residents_visible_to)
    serializer_class = s.ResidentSerializer
    filterset_class = filters.ResidentFilter
    action_serializers = {
        "create": s.ResidentCreateSerializer,
        "partial_update": s.ResidentFieldsSerializer,
        "reveal": s.RevealRequestSerializer,
    }
    action_perms = {"reveal": Perm.REVEAL_PII}
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        # ResidentSerializer's shape, read flat (listing.py): model instances and DRF's nested
        # fields cost most of a list request.
        residents = selectors.residents_visible_to(request.user, with_tags=False)
        ids = listing.resident_ids(self.filter_queryset(residents))
        page = self.paginate_queryset(ids)
        rows = listing.resident_rows(ids if page is None else page, user=request.user)
        return Response(rows) if page is None else self.get_paginated_response(rows)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = s.ResidentCreateSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        resident = services.register_resident(
            by=acting_user(request),
            fields=data.resident_fields(),
            reason=data.validated_data["reason"],
            **data.placement(),
        )
        return self.read(resident, status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        resident = self.get_object()
        data = s.ResidentFieldsSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        services.update_resident(
            resident,
            by=acting_user(request),
            fields=data.resident_fields(),
            reason=data.validated_data["reason"],
        )
        return self.read(resident)

    @extend_schema(
        summary="Show the full ID and phone numbers",
        description="Needs reveal_pii where the resident lives, a purpose and a note; limited per user "
        "per hour and per day; every reveal is audited.",
        request=s.RevealRequestSerializer,
        responses=s.RevealResponseSerializer,
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def reveal(self, request: Request, pk: str | None = None) -> Response:
        resident = self.get_object()
        data = self.get_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        numbers = services.reveal_pii(
            resident,
            by=acting_user(request),
            purpose=data.validated_data["purpose"],
            note=data.validated_data["note"],
            ip_address=client_ip(request),
        )
        response = Response({**numbers, "expires_in": settings.SHEQU_REVEAL_SECONDS})
        response["Cache-Control"] = "no-store"
        return response

    @extend_schema(
        methods=["GET"],
        summary="The resident's life events",
        request=None,
        responses=s.LifeEventSerializer(many=True),
    )
    @extend_schema(
        methods=["POST"],
        summary="Record a life event",
        description="Move in, move out, birth, death or change of household: status changes.",
        request=s.LifeEventCreateSerializer,
        responses={201: s.LifeEventSerializer},
    )
    @action(
        detail=True,
        methods=["get", "post"],
        url_path="life-events",
        pagination_class=None,
        filter_backends=[],
    )
    def life_events(self, request: Request, pk: str | None = None) -> Response:
        resident = self.get_object()
        if request.method == "GET":
            events = selectors.life_events_visible_to(request.user).filter(resident=resident)
            return Response(s.LifeEventSerializer(events, many=True).data)
        data = s.LifeEventCreateSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        event = services.record_life_event(resident, by=acting_user(request), **data.validated_data)
        return Response(s.LifeEventSerializer(event).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Tag the resident", request=s.TagAddSerializer, responses={201: s.ResidentSerializer}
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def tags(self, request: Request, pk: str | None = None) -> Response:
        resident = self.get_object()
        data = s.TagAddSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        services.add_tag(resident, by=acting_user(request), **data.validated_data)
        return self.read(resident, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Remove a tag from the resident",
        request=None,
        responses={204: None},
        parameters=[
            OpenApiParameter("tag_code", OpenApiTypes.STR, OpenApiParameter.PATH),
            OpenApiParameter("reason", OpenApiTypes.STR, description="Kept in the tag's history."),
        ],
    )
    @action(detail=True, methods=["delete"], url_path=r"tags/(?P<tag_code>[^/.]+)", filter_backends=[])
    def remove_tag(self, request: Request, pk: str | None = None, tag_code: str = "") -> Response:
        resident: Resident = self.get_object()
        tag = get_object_or_404(selectors.tag_types_visible_to(request.user), code=tag_code)
        reason = str(request.query_params.get("reason", ""))[:200]
        services.remove_tag(resident, tag=tag, by=acting_user(request), reason=reason)
        return Response(status=status.HTTP_204_NO_CONTENT)


def register(router: DefaultRouter) -> None:
    router.register("areas", AreaViewSet, basename="area")
    router.register("grids", GridViewSet, basename="grid")
    router.register("micro-grids", MicroGridViewSet, basename="micro-grid")
    router.register("buildings", BuildingViewSet, basename="building")
    router.register("dwellings", DwellingViewSet, basename="dwelling")
    router.register("households", HouseholdViewSet, basename="household")
    router.register("residents", ResidentViewSet, basename="resident")
    router.register("organisations", OrganizationViewSet, basename="organisation")
    router.register("tags", TagTypeViewSet, basename="tag")
