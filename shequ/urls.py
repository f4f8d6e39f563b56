from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from shequ.accounts import views as accounts_views
from shequ.core.health import healthz
from shequ.insight import views as insight_views
from shequ.registry import urls as registry_urls

# The dashboard moved to insight (figures from a snapshot) but keeps its address and its name,
# registry:dashboard, which breadcrumbs and the login redirect use (docs/insight.md).
registry_patterns = [path("", insight_views.dashboard, name="dashboard"), *registry_urls.urlpatterns]

urlpatterns = [
    # Each role's own work (accounts/landing.py): the dashboard, the phone home, the to-do or the portal.
    path("", accounts_views.home, name="home"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("shequ.accounts.urls")),
    path("registry/", include((registry_patterns, registry_urls.app_name))),
    path("insight/", include("shequ.insight.urls")),
    path("audit/", include("shequ.auditlog.urls")),
    path("cases/", include("shequ.cases.urls")),
    path("calendar/", include("shequ.workdays.urls")),
    # The calendar page was at /core/calendar/ before it left core: old links and bookmarks.
    path("core/calendar/", RedirectView.as_view(pattern_name="workdays:calendar", query_string=True)),
    path("portal/", include("shequ.cases.portal_urls")),
    path("open311/v2/", include("shequ.cases.open311_urls")),
    path("api/v1/", include("shequ.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's start-up script as a file (?script=), not inline: the
    # Content-Security-Policy allows no inline script (docs/security.md).
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("django-admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
]
handler404 = "shequ.core.api.not_found"  # JSON errors under /api/ for URLs no route matches
# MEDIA_ROOT is never served, not even with DEBUG: uploads hold personal data (docs/security.md).

# Chinese pages in the layout with a way back, not Django's bare English ones (core/error_pages.py).
handler403 = "shequ.core.error_pages.permission_denied"
handler500 = "shequ.core.error_pages.server_error"
