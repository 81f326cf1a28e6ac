"""The referral endpoints, mounted at /api/v1/ by config.urls beside tickets.api.urls.

``referral_id`` is matched as text, not ``<int:...>``: a malformed id must reach the view
and get the API's JSON 404 (``access_referral``), not Django's HTML "page not found".
"""

from django.urls import path

from referrals import api as referrals

urlpatterns = [
    path(
        "tickets/<str:reference>/referrals/",
        referrals.TicketReferralsApi.as_view(),
        name="api-ticket-referrals",
    ),
    path("referrals/", referrals.ReferralsApi.as_view(), name="api-referrals"),
    path("referrals/<str:referral_id>/", referrals.ReferralApi.as_view(), name="api-referral"),
    path(
        "referrals/<str:referral_id>/claim/",
        referrals.ReferralClaimApi.as_view(),
        name="api-referral-claim",
    ),
    path(
        "referrals/<str:referral_id>/answer/",
        referrals.ReferralAnswerApi.as_view(),
        name="api-referral-answer",
    ),
]
