"""The organisation: departments, the tiers of each department's pyramid, and who sits where."""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

# The app's calendars live in their own module; importing them here registers them.
from departments.calendar_models import Calendar as Calendar
from departments.calendar_models import Holiday as Holiday
from departments.calendar_models import validate_time_zone

DEFAULT_RESOLVE_WITHIN = timedelta(hours=20)
# The one limit on a tier's time: the model, the database constraint, the actions and the
# API's input all read it from here.
MAX_RESOLVE_WITHIN = timedelta(days=365)
DEFAULT_REFERRAL_RESPONSE_WITHIN = timedelta(hours=4)


def default_resolve_within() -> timedelta:
    """A new tier's time: ``TIERDESK_RESOLVE_WITHIN_HOURS`` (20 unless configured)."""
    value = getattr(settings, "TIERDESK_DEFAULT_RESOLVE_WITHIN", DEFAULT_RESOLVE_WITHIN)
    return value if isinstance(value, timedelta) else DEFAULT_RESOLVE_WITHIN


def validate_resolve_within(value: timedelta) -> None:
    """Refuse a tier time that is not more than zero or past ``MAX_RESOLVE_WITHIN``."""
    if value <= timedelta(0):
        raise ValidationError(_("Give a time longer than zero."), code="min_value")
    if value > MAX_RESOLVE_WITHIN:
        days = MAX_RESOLVE_WITHIN.days
        raise ValidationError(
            ngettext("Keep it at most %(days)d day.", "Keep it at most %(days)d days.", days),
            code="max_value",
            params={"days": days},
        )


class Department(models.Model):
    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    # None: the department works 24/7 and its clocks count wall-clock time (the default).
    calendar = models.ForeignKey(
        Calendar, on_delete=models.PROTECT, null=True, blank=True, related_name="departments",
        verbose_name=_("working hours"),
        help_text=_("Tier times and referral targets count this calendar's working time; empty: 24/7."),
    )
    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("what it handles"), blank=True)
    referral_response_within = models.DurationField(
        _("answer referrals within"),
        default=DEFAULT_REFERRAL_RESPONSE_WITHIN,
        help_text=_("How soon this department should answer another department's question."),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("department")
        verbose_name_plural = _("departments")

    def __str__(self):
        return self.name


class Tier(models.Model):
    department = models.ForeignKey(Department, on_delete=models.CASCADE, related_name="tiers", verbose_name=_("department"))
    level = models.PositiveSmallIntegerField(_("level"), validators=[MinValueValidator(1)])
    name = models.CharField(_("name"), max_length=80)
    resolve_within = models.DurationField(
        _("resolve within"),
        default=default_resolve_within,
        validators=[validate_resolve_within],
        help_text=_("How long a ticket may stay unresolved at this tier before it is escalated."),
    )

    class Meta:
        ordering = ["department__name", "level"]
        verbose_name = _("tier")
        verbose_name_plural = _("tiers")
        constraints = [
            models.UniqueConstraint(fields=["department", "level"], name="tier_unique_level"),
            models.CheckConstraint(
                condition=models.Q(resolve_within__lte=MAX_RESOLVE_WITHIN), name="tier_resolve_within_sane"
            ),
            models.CheckConstraint(condition=models.Q(level__gte=1), name="tier_level_positive"),
            models.CheckConstraint(
                condition=models.Q(resolve_within__gt=timedelta(0)), name="tier_resolve_within_positive"
            ),
        ]

    def __str__(self):
        return f"{self.department.name} · {self.level}. {self.name}"


class Membership(models.Model):
    """A person's seat in a department: one tier each, and whether they lead it."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("user"))
    department = models.ForeignKey(Department, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("department"))
    tier = models.ForeignKey(Tier, on_delete=models.PROTECT, related_name="memberships", verbose_name=_("tier"))
    is_lead = models.BooleanField(_("tier lead"), default=False)
    # The person's shifts; None: the department's working hours (or 24/7).
    calendar = models.ForeignKey(
        Calendar, on_delete=models.PROTECT, null=True, blank=True, related_name="memberships",
        verbose_name=_("shifts"), help_text=_("This person's working hours; empty: the department's."),
    )

    class Meta:
        ordering = ["department__name", "tier__level", "user__username"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "department"], name="membership_one_seat_per_department"),
        ]

    def __str__(self):
        lead = " (lead)" if self.is_lead else ""
        return f"{self.user} @ {self.tier}{lead}"

    def clean(self):
        if self.tier_id and self.department_id and self.tier.department_id != self.department_id:
            raise ValidationError({"tier": _("The tier must belong to the membership's department.")})


class Category(models.Model):
    """A kind of customer problem, with the questions to ask when a call about it comes in."""

    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=120)
    intake_checklist = models.TextField(
        _("intake checklist"), blank=True,
        help_text=_("Questions to ask the caller, one per line."),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def __str__(self):
        return self.name

    @property
    def checklist_items(self) -> list[str]:
        return [line.strip() for line in self.intake_checklist.splitlines() if line.strip()]


class KeyContact(models.Model):
    """Someone other departments can call: the directory's entries."""

    department = models.ForeignKey(Department, on_delete=models.CASCADE, related_name="contacts", verbose_name=_("department"))
    name = models.CharField(_("name"), max_length=120)
    role = models.CharField(_("role"), max_length=120)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    email = models.EmailField(_("email"), blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="contact_entries", verbose_name=_("user")
    )
    backup = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="backs_up",
        verbose_name=_("backup"), help_text=_("Who to call when this person is away."),
    )
    hours = models.CharField(_("hours"), max_length=120, blank=True, help_text=_("As people should read them."))
    duty_days = models.CharField(
        _("on duty on"), max_length=7, default="12345",
        help_text=_("ISO weekdays, 1 = Monday … 7 = Sunday; e.g. 12345 for Monday to Friday."),
    )
    duty_from = models.TimeField(_("on duty from"), null=True, blank=True)
    duty_until = models.TimeField(_("on duty until"), null=True, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["department__name", "position", "name"]
        verbose_name = _("key contact")
        verbose_name_plural = _("key contacts")

    def __str__(self):
        return f"{self.name} ({self.role}, {self.department})"

    def clean(self):
        errors = {}
        if self.duty_days and not set(self.duty_days) <= set("1234567"):
            errors["duty_days"] = _("Use the digits 1 to 7 only.")
        if (self.duty_from is None) != (self.duty_until is None):
            errors["duty_until"] = _("Give both the start and the end of the duty hours.")
        if self.backup_id and self.backup_id == self.pk:
            errors["backup"] = _("Someone cannot be their own backup.")
        elif self.backup_id and self.backup.department_id != self.department_id:
            errors["backup"] = _("The backup must be a contact of the same department.")
        if errors:
            raise ValidationError(errors)

    def is_on_duty(self, local_now) -> bool:
        """Whether the contact is on duty at ``local_now`` (the organisation's wall clock)."""
        if str(local_now.isoweekday()) not in self.duty_days:
            return False
        if self.duty_from is None or self.duty_until is None:
            return True
        moment = local_now.time()
        if self.duty_from <= self.duty_until:
            return self.duty_from <= moment < self.duty_until
        return moment >= self.duty_from or moment < self.duty_until  # a night shift


class BulletinKind(models.TextChoices):
    OUT_OF_STOCK = "out_of_stock", _("Out of stock")
    KNOWN_FAULT = "known_fault", _("Known fault")
    PROMOTION = "promotion", _("Promotion")
    POLICY = "policy", _("Policy change")
    OTHER = "other", _("News")


class Bulletin(models.Model):
    """A department's news for everyone answering customers."""

    department = models.ForeignKey(Department, on_delete=models.CASCADE, related_name="bulletins", verbose_name=_("department"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("author")
    )
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("body"))
    kind = models.CharField(_("kind"), max_length=20, choices=BulletinKind.choices, default=BulletinKind.OTHER)
    categories = models.ManyToManyField(
        Category, blank=True, related_name="bulletins",
        help_text=_("Shown first on tickets of these categories."), verbose_name=_("categories")
    )
    pinned = models.BooleanField(_("pinned"), default=False)
    posted_at = models.DateTimeField(_("posted"))
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)

    class Meta:
        ordering = ["-pinned", "-posted_at", "-id"]
        verbose_name = _("bulletin")
        verbose_name_plural = _("bulletins")
        indexes = [models.Index(fields=["posted_at"], name="bulletin_posted_idx")]
        constraints = [
            models.CheckConstraint(
                name="bulletin_expires_after_posting",
                condition=models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=models.F("posted_at")),
            ),
        ]

    def __str__(self):
        return self.title

    def is_current(self, now) -> bool:
        return self.posted_at <= now and (self.expires_at is None or self.expires_at > now)


class CustomerLinkTemplate(models.Model):
    """A department's system, one click from a customer: e.g. the order system's customer page."""

    department = models.ForeignKey(Department, on_delete=models.CASCADE, related_name="customer_links", verbose_name=_("department"))
    label = models.CharField(_("label"), max_length=80, help_text=_("e.g. Orders"))
    url_template = models.CharField(
        _("address template"), max_length=300,
        help_text=_("Use {external_id} where the customer's external reference goes."),
    )

    class Meta:
        ordering = ["department__name", "label"]
        verbose_name = _("customer link")
        verbose_name_plural = _("customer links")

    def __str__(self):
        return f"{self.label} ({self.department})"

    def clean(self):
        if "{external_id}" not in self.url_template:
            raise ValidationError({"url_template": _("Put {external_id} where the customer's reference goes.")})
        if not self.url_template.startswith(("https://", "http://")):
            raise ValidationError({"url_template": _("The address must start with https:// or http://.")})

    def url_for(self, external_id: str) -> str | None:
        from urllib.parse import quote

        if not external_id:
            return None
        return self.url_template.replace("{external_id}", quote(external_id, safe=""))


class StaffPreferences(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="tierdesk_preferences", verbose_name=_("user"))
    weekly_digest = models.BooleanField(
        _("weekly bulletin digest"), default=True, help_text=_("Receive the Monday email of the week's bulletins.")
    )
    # Blank: the browser's Accept-Language decides the pages, and emails go out in English.
    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, blank=True,
        help_text=_("The language of your pages and emails."),
    )
    # Blank: pages show the organisation's clock (TIERDESK_TIME_ZONE).
    time_zone = models.CharField(
        _("time zone"), max_length=64, blank=True, validators=[validate_time_zone],
        help_text=_("Dates and times on your pages; empty: the organisation's time zone."),
    )

    class Meta:
        verbose_name = _("staff preferences")
        verbose_name_plural = _("staff preferences")

    def __str__(self):
        return _("Preferences of %(user)s") % {"user": self.user}


class DigestRun(models.Model):
    """One row per weekly digest sent, so a doubled beat or a manual re-send is noticed."""

    week_start = models.DateField(_("week starting"))
    sent_at = models.DateTimeField(_("sent"))
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, verbose_name=_("sent by"))
    scheduled = models.BooleanField(_("sent by the schedule"), default=True)
    recipients = models.PositiveIntegerField(_("recipients"), default=0)
    bulletins = models.PositiveIntegerField(_("bulletins"), default=0)

    class Meta:
        ordering = ["-sent_at"]
        verbose_name = _("weekly digest sent")
        verbose_name_plural = _("weekly digests sent")
        constraints = [
            # The schedule sends each week once; a manager's "send now" may add more rows.
            models.UniqueConstraint(
                fields=["week_start"], condition=models.Q(scheduled=True), name="digest_once_per_week"
            ),
        ]

    def __str__(self):
        return _("Digest of the week of %(day)s") % {"day": self.week_start.isoformat()}


class ConfigurationChangeKind(models.TextChoices):
    TIER_TIME = "tier_time", _("Tier time changed")
    MEMBERSHIP_ADDED = "membership_added", _("Membership added")
    MEMBERSHIP_CHANGED = "membership_changed", _("Membership changed")
    MEMBERSHIP_REMOVED = "membership_removed", _("Membership removed")
    CONTACT_ADDED = "contact_added", _("Contact added")
    CONTACT_CHANGED = "contact_changed", _("Contact changed")
    CONTACT_REMOVED = "contact_removed", _("Contact removed")
    CALENDAR_CHANGED = "calendar_changed", _("Working hours changed")
    DEPARTMENT_CALENDAR = "department_calendar", _("Department's working hours chosen")


class AppendOnlyQuerySet(models.QuerySet):
    """Rows that are written once: the application never updates or deletes them in bulk.

    Django's deletion collector uses the base manager, so removing a user or a department
    still nulls their references here.
    """

    def update(self, **kwargs):
        raise TypeError("configuration changes are append-only")

    def delete(self):
        raise TypeError("configuration changes are append-only")


class ConfigurationChange(models.Model):
    """One change of configuration that moves deadlines or responsibility: who, when, what,
    and the values before and after, as they were at the time.

    Written only by ``departments.actions``; read by managers. The names are copied so the
    record still reads right after the person, tier or contact is renamed or removed.
    """

    changed_at = models.DateTimeField(_("when"), db_index=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("by"),
    )
    changed_by_name = models.CharField(_("by (as named then)"), max_length=150)
    kind = models.CharField(_("what"), max_length=30, choices=ConfigurationChangeKind.choices)
    department = models.ForeignKey(
        Department, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("department"),
    )
    object_id = models.PositiveBigIntegerField(_("object id"))
    object_repr = models.CharField(_("object"), max_length=300)
    old_value = models.JSONField(_("before"), null=True, blank=True)
    new_value = models.JSONField(_("after"), null=True, blank=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["-changed_at", "-id"]
        verbose_name = _("configuration change")
        verbose_name_plural = _("configuration changes")

    def __str__(self):
        return f"{self.get_kind_display()}: {self.object_repr}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise TypeError("configuration changes are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("configuration changes are append-only")
