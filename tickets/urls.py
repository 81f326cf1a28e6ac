"""The browser screens (mounted at the site root)."""

from django.urls import path

from tickets.views import (
    bulletins,
    customers,
    directory,
    home,
    log_call,
    manager,
    moves,
    preferences,
    referrals,
    ticket_page,
)

urlpatterns = [
    path("", home.home, name="home"),
    path("call/", log_call.log_call, name="log-call"),
    path("call/callers/", customers.caller_lookup, name="caller-lookup"),
    path("call/customer/", customers.customer_block, name="customer-block"),
    path("call/checklist/", log_call.checklist, name="intake-checklist"),
    path("customers/<int:customer_id>/", customers.customer_detail, name="customer-detail"),
    path("tickets/", manager.all_open_tickets, name="ticket-list"),
    path("tickets/<str:reference>/", ticket_page.ticket_detail, name="ticket-detail"),
    *[
        path(
            f"tickets/<str:reference>/{move}/",
            moves.ticket_move,
            {"move": move},
            name=f"ticket-{move}",
        )
        for move in moves.MOVES
    ],
    path("tickets/<str:reference>/refer/", referrals.refer_ticket, name="ticket-refer"),
    # Questions between departments.
    path("referrals/", referrals.referral_queue, name="referral-queue"),
    path("referrals/<int:referral_id>/", referrals.referral_detail, name="referral-detail"),
    path("referrals/<int:referral_id>/claim/", referrals.claim_referral, name="referral-claim"),
    path("referrals/<int:referral_id>/answer/", referrals.answer_referral, name="referral-answer"),
    # Who can help: the departments, their contacts and their pages.
    path("directory/", directory.directory_page, name="directory"),
    path("directory/<slug:slug>/", directory.department_page, name="department-detail"),
    path("directory/<slug:slug>/contacts/", directory.contact_add, name="department-contact-add"),
    path(
        "directory/<slug:slug>/contacts/<int:contact_id>/",
        directory.contact_edit,
        name="department-contact-edit",
    ),
    path(
        "directory/<slug:slug>/contacts/<int:contact_id>/remove/",
        directory.contact_remove,
        name="department-contact-remove",
    ),
    # News from every department.
    path("bulletins/", bulletins.bulletin_list, name="bulletins"),
    path("bulletins/new/", bulletins.bulletin_new, name="bulletin-new"),
    path("bulletins/digest/", bulletins.send_digest_now, name="bulletin-digest-send"),
    path("bulletins/<int:bulletin_id>/edit/", bulletins.bulletin_edit, name="bulletin-edit"),
    path("bulletins/<int:bulletin_id>/expire/", bulletins.bulletin_expire, name="bulletin-expire"),
    path("preferences/", preferences.preferences, name="preferences"),
]
