"""The organisation: departments, the tiers of each department's pyramid, and who sits where."""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

DEFAULT_RESOLVE_WITHIN = timedelta(hours=20)


class Department(models.Model):
    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("what it handles"), blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("department")
        verbose_name_plural = _("departments")

    def __str__(self):
        return self.name


class Tier(models.Model):
    department = models.ForeignKey(Department, on_delete=models.CASCADE, related_name="tiers")
    level = models.PositiveSmallIntegerField(_("level"), validators=[MinValueValidator(1)])
    name = models.CharField(_("name"), max_length=80)
    resolve_within = models.DurationField(
        _("resolve within"),
        default=DEFAULT_RESOLVE_WITHIN,
        help_text=_("How long a ticket may stay unresolved at this tier before it is escalated."),
    )

    class Meta:
        ordering = ["department__name", "level"]
        verbose_name = _("tier")
        verbose_name_plural = _("tiers")
        constraints = [
            models.UniqueConstraint(fields=["department", "level"], name="tier_unique_level"),
            models.CheckConstraint(condition=models.Q(level__gte=1), name="tier_level_positive"),
            models.CheckConstraint(
                condition=models.Q(resolve_within__gt=timedelta(0)), name="tier_resolve_within_positive"
            ),
        ]

    def __str__(self):
        return f"{self.department.name} · {self.level}. {self.name}"


class Membership(models.Model):
    """A person's seat in a department: one tier each, and whether they lead it."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    department = models.ForeignKey(Department, on_delete=models.CASCADE, related_name="memberships")
    tier = models.ForeignKey(Tier, on_delete=models.PROTECT, related_name="memberships")
    is_lead = models.BooleanField(_("tier lead"), default=False)

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
