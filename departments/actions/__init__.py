"""Every change to the organisation happens in this package: a tier's time, calendars, memberships,
key contacts (each writing a ``ConfigurationChange`` a manager reads), bulletins and
preferences. Views, the API and the admin call these."""

from departments.actions.bulletins import (
    bulletin_change_refusal,
    do_edit_bulletin,
    do_expire_bulletin,
    do_post_bulletin,
    posting_refusal,
)
from departments.actions.calendars import (
    CALENDAR_FIELDS,
    HolidayEntry,
    calendar_change_refusal,
    do_change_calendar,
    do_create_calendar,
    do_import_holidays,
    do_remove_calendar,
    do_set_department_calendar,
    do_set_holidays,
    do_set_membership_calendar,
)
from departments.actions.common import BULLETIN_FIELDS, CONTACT_FIELDS
from departments.actions.contacts import (
    contact_change_refusal,
    do_add_contact,
    do_change_contact,
    do_remove_contact,
)
from departments.actions.organisation import (
    do_add_membership,
    do_change_membership,
    do_change_tier_time,
    do_remove_membership,
    membership_change_refusal,
)
from departments.actions.preferences import do_change_preferences, do_choose_language

__all__ = [
    "BULLETIN_FIELDS",
    "CALENDAR_FIELDS",
    "CONTACT_FIELDS",
    "HolidayEntry",
    "bulletin_change_refusal",
    "calendar_change_refusal",
    "contact_change_refusal",
    "do_add_contact",
    "do_add_membership",
    "do_change_calendar",
    "do_change_contact",
    "do_change_membership",
    "do_change_preferences",
    "do_change_tier_time",
    "do_choose_language",
    "do_create_calendar",
    "do_edit_bulletin",
    "do_expire_bulletin",
    "do_import_holidays",
    "do_post_bulletin",
    "do_remove_calendar",
    "do_remove_contact",
    "do_remove_membership",
    "do_set_department_calendar",
    "do_set_holidays",
    "do_set_membership_calendar",
    "membership_change_refusal",
    "posting_refusal",
]
