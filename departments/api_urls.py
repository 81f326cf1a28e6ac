"""The organisation's own endpoints (news), mounted at /api/v1/ by config.urls."""

from django.urls import path

from departments import api

urlpatterns = [
    path("bulletins/", api.BulletinsApi.as_view(), name="api-bulletins"),
]
