from csp.decorators import csp_update
from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView
from rest_framework.permissions import BasePermission

from config.health import healthz
from core.views import account
from departments.views import language


class SchemaReader(BasePermission):
    """Anyone when TIERDESK_PUBLIC_API_SCHEMA is on, else signed-in users (session or token)."""

    def has_permission(self, request, view):
        return settings.TIERDESK_PUBLIC_API_SCHEMA or bool(request.user and request.user.is_authenticated)


_schema_only = {"permission_classes": [SchemaReader]}
# drf-spectacular's Swagger UI and ReDoc pages start from an inline <script> and <style>, and
# ReDoc adds styles at run time and searches in a blob: worker. Their CSP allows that; every
# other page keeps the strict policy (settings.CONTENT_SECURITY_POLICY).
_api_docs_csp = csp_update(
    {
        "script-src": ["'unsafe-inline'"],
        "style-src": ["'unsafe-inline'"],
        "worker-src": ["'self'", "blob:"],
    }
)

urlpatterns = [
    path("admin/", admin.site.urls),
    path("healthz/", healthz, name="healthz"),
    path("api/v1/", include("tickets.api.urls")),
    path("api/v1/", include("reports.api_urls")),
    path("api/v1/", include("referrals.api_urls")),
    path("api/v1/", include("departments.api.urls")),
    path("reports/", include("reports.urls")),
    # Public: a customer answers the satisfaction survey from the emailed link, no account.
    path("survey/", include("reports.survey_urls")),
    # Who may read the schema and its pages: docs/reliability.md, "What is public".
    path("api/schema/", SpectacularAPIView.as_view(**_schema_only), name="api-schema"),
    path(
        "api/docs/",
        _api_docs_csp(SpectacularSwaggerView.as_view(url_name="api-schema", **_schema_only)),
        name="api-docs",
    ),
    path(
        "api/redoc/",
        _api_docs_csp(SpectacularRedocView.as_view(url_name="api-schema", **_schema_only)),
        name="api-redoc",
    ),
    # Sign in and out and change one's password; password reset by email is left out until
    # the organisation's mail is set up (an admin resets a forgotten password).
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "accounts/password/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    # One's own API tokens: see them, revoke one (a new password revokes them all).
    path("accounts/tokens/", account.tokens, name="account-tokens"),
    # The header's language menu (remembered per session, and per user in their preferences).
    path("i18n/setlang/", language.choose_language, name="set_language"),
    path("", include("desk.urls")),
    path("", include("tickets.urls")),
    path("", include("referrals.urls")),
    path("", include("departments.urls")),
]

handler404 = "config.errors.page_not_found"
handler500 = "config.errors.server_error"
