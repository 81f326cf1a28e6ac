"""The department screens: who can help (the directory), news (bulletins), preferences, and
the record of configuration changes."""

from django.urls import path

from departments.views import bulletins, changes, directory, preferences

urlpatterns = [
    path("directory/", directory.directory_page, name="directory"),
    # Before the department page, whose slug would otherwise match "changes".
    path("directory/changes/", changes.configuration_changes, name="configuration-changes"),
    path("directory/<slug:slug>/", directory.department_page, name="department-detail"),
    path("directory/<slug:slug>/contacts/", directory.contact_add, name="department-contact-add"),
    path(
        "directory/<slug:slug>/contacts/<id:contact_id>/",
        directory.contact_edit,
        name="department-contact-edit",
    ),
    path(
        "directory/<slug:slug>/contacts/<id:contact_id>/remove/",
        directory.contact_remove,
        name="department-contact-remove",
    ),
    path("bulletins/", bulletins.bulletin_list, name="bulletins"),
    path("bulletins/new/", bulletins.bulletin_new, name="bulletin-new"),
    path("bulletins/digest/", bulletins.send_digest_now, name="bulletin-digest-send"),
    path("bulletins/<id:bulletin_id>/edit/", bulletins.bulletin_edit, name="bulletin-edit"),
    path("bulletins/<id:bulletin_id>/expire/", bulletins.bulletin_expire, name="bulletin-expire"),
    path("preferences/", preferences.preferences, name="preferences"),
]
