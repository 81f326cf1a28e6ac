"""The referral screens: asking from a ticket, the department's queue, answering."""

from django.urls import path

from referrals import views

urlpatterns = [
    path("tickets/<str:reference>/refer/", views.refer_ticket, name="ticket-refer"),
    path("referrals/", views.referral_queue, name="referral-queue"),
    path("referrals/<id:referral_id>/", views.referral_detail, name="referral-detail"),
    path("referrals/<id:referral_id>/claim/", views.claim_referral, name="referral-claim"),
    path("referrals/<id:referral_id>/answer/", views.answer_referral, name="referral-answer"),
]
