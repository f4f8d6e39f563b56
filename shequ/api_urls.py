"""Every app's API under /api/v1/: one router so the schema and the docs see them all."""

from django.urls import include, path
from rest_framework.routers import DefaultRouter

from shequ.accounts.api import ObtainTokenView, TokenViewSet
from shequ.cases.api import CaseFiguresView
from shequ.cases.api import register as register_cases
from shequ.registry.api import register as register_registry

router = DefaultRouter()
# No ".json" twins of every route: DRF passed their `format` to custom actions that do not take it
# (GET /api/v1/cases/1/attachments/0.5/ answered 500). `?format=` and the Accept header remain.
router.include_format_suffixes = False
register_registry(router)
register_cases(router)
router.register("tokens", TokenViewSet, basename="token")

urlpatterns = [
    path("auth/token/", ObtainTokenView.as_view(), name="api-token"),
    path("case-figures/", CaseFiguresView.as_view(), name="case-figures"),
    path("", include(router.urls)),
]
