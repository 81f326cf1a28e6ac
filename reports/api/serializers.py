"""The monthly report as JSON: the same figures as the dashboard."""

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from core.display import person
from reports.metrics import MonthlyReport
from reports.metrics.definitions import definition_text
from reports.metrics.people import DUMPING_SIGNS


class ReportQuerySerializer(serializers.Serializer):
    month = serializers.RegexField(
        r"^\d{4}-\d{1,2}$",
        required=True,
        help_text="The calendar month, YYYY-MM, in the organisation's time zone.",
        error_messages={"invalid": _("Give the month as YYYY-MM, for example 2026-10.")},
    )
    department = serializers.SlugField(
        required=False, help_text="Limit the report to one department (its slug)."
    )


def _count(key: str, **kwargs):
    """An integer field described with the figure's one definition."""
    return serializers.IntegerField(help_text=definition_text(key), **kwargs)


def _share(key: str, **kwargs):
    return serializers.FloatField(
        allow_null=True,
        help_text=format_lazy("{} {}", definition_text(key), _("0–1; null when undefined.")),
        **kwargs,
    )


def _seconds(key: str, **kwargs):
    return serializers.IntegerField(
        allow_null=True,
        help_text=format_lazy("{} {}", definition_text(key), _("Whole seconds.")),
        **kwargs,
    )


class FlowFiguresSerializer(serializers.Serializer):
    opened = _count("opened")
    resolved = _count("resolved")
    resolved_within = serializers.IntegerField(
        help_text=_("Tickets resolved this month before their tier's deadline.")
    )
    within_share = _share("within_share")
    median_seconds = _seconds("median")
    p90_seconds = _seconds("p90")
    passed_up = _count("passed_up")
    escalated = _count("escalated")
    breached = _count("breached")
    unowned_timeouts = _count("unowned_timeouts")
    backlog = _count("backlog")
    first_call = _count("first_call")
    came_back = serializers.IntegerField(
        help_text=_("Of this month's resolved tickets, those that came back.")
    )
    came_back_rate = _share("came_back_rate")


class TierFlowSerializer(serializers.Serializer):
    tier_id = serializers.IntegerField()
    level = serializers.IntegerField()
    name = serializers.CharField()
    figures = FlowFiguresSerializer()


class DepartmentFlowSerializer(serializers.Serializer):
    slug = serializers.SlugField()
    name = serializers.CharField()
    figures = FlowFiguresSerializer()
    tiers = TierFlowSerializer(many=True)


class PersonSerializer(serializers.Serializer):
    username = serializers.CharField()
    name = serializers.CharField()
    department = serializers.SlugField()
    tier_id = serializers.IntegerField()
    tier = serializers.CharField()
    held = _count("held")
    resolved = _count("person_resolved")
    came_back = _count("came_back")
    resolved_for_good = _count("resolved_for_good")
    passed_up = _count("person_passed_up")
    median_held_seconds = _seconds("median_held")
    responses = serializers.IntegerField(
        help_text=_("Survey answers for the tickets they resolved.")
    )
    satisfied_share = _share("satisfied_resolved")
    held_responses = serializers.IntegerField(
        help_text=_("Survey answers for this month's resolved tickets they held at any point.")
    )
    held_satisfied_share = _share("satisfied_held")
    pauses = _count("pauses")
    paused_seconds = _seconds("paused_hours")
    quick_passes = _count("quick_passes")
    thin_passes = _count("thin_passes")
    timeouts = _count("timeouts")
    off_shift_timeouts = _count("off_shift_timeouts")
    late_releases = _count("late_releases")
    late_pauses = _count("late_pauses")
    pauses_past_limit = _count("pauses_past_limit")
    thin_transfers = _count("thin_transfers")
    returned_transfers = _count("returned_transfers")
    bounces = _count("bounces")
    dumped = _count("dumped")
    dumped_share = _share("dumped_share")
    is_manager = serializers.BooleanField(
        help_text=_("Managers are left out of the highlighting median.")
    )
    flagged = serializers.ListField(
        child=serializers.CharField(), help_text=definition_text("highlight")
    )


class ClosedMonthSerializer(serializers.Serializer):
    closed_at = serializers.DateTimeField(
        help_text=_("When the month's summary went out; the figures are as they stood then.")
    )
    late_answers = serializers.IntegerField(
        help_text=_("Survey answers that arrived after the close (not in the figures).")
    )
    satisfied_with_late = serializers.FloatField(
        allow_null=True, help_text=_("The satisfied share if the late answers counted.")
    )
    came_back_since = serializers.IntegerField(
        help_text=_("Resolutions of the month that came back after the close.")
    )
    differs = serializers.BooleanField(
        help_text=_("Whether the figures stored at the close differ from the recomputed month.")
    )


class ShareSerializer(serializers.Serializer):
    label = serializers.CharField()
    responses = serializers.IntegerField()
    satisfied = serializers.IntegerField()
    share = serializers.FloatField(allow_null=True)


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField()
    label = serializers.CharField()
    count = serializers.IntegerField()


class CommentSerializer(serializers.Serializer):
    ticket = serializers.CharField()
    rating = serializers.IntegerField()
    reasons = serializers.ListField(child=serializers.CharField())
    comment = serializers.CharField()
    answered_at = serializers.DateTimeField()


class SatisfactionSerializer(serializers.Serializer):
    overall = ShareSerializer(help_text=definition_text("satisfied"))
    reasons = ReasonSerializer(many=True)
    by_department = ShareSerializer(many=True)
    by_tier = ShareSerializer(many=True)
    by_person = ShareSerializer(many=True)
    by_category = ShareSerializer(many=True)
    by_channel = ShareSerializer(many=True)
    by_handoffs = ShareSerializer(many=True)
    by_tiers_visited = ShareSerializer(many=True)
    by_time_to_resolve = ShareSerializer(many=True)
    comments = CommentSerializer(many=True)


class DayPointSerializer(serializers.Serializer):
    day = serializers.DateField()
    resolved = serializers.IntegerField()
    backlog = serializers.IntegerField()


class MonthlyReportSerializer(serializers.Serializer):
    month = serializers.CharField(help_text="YYYY-MM")
    department = serializers.SlugField(allow_null=True)
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    as_at = serializers.DateTimeField(
        allow_null=True,
        help_text=_(
            "The instant the figures are as at: facts recorded later are not in them"
            " (reports are computed at most TIERDESK_REPORT_MAX_AGE_SECONDS before)."
        ),
    )
    definitions = serializers.DictField(
        child=serializers.CharField(), help_text=_("Every figure's one-line definition.")
    )
    closed = ClosedMonthSerializer(
        allow_null=True, help_text=_("Set when the month is closed (docs/metrics.md).")
    )
    organisation = FlowFiguresSerializer()
    departments = DepartmentFlowSerializer(many=True)
    people = PersonSerializer(many=True)
    satisfaction = SatisfactionSerializer()
    days = DayPointSerializer(many=True)


def report_data(report: MonthlyReport) -> dict:
    """Plain data for MonthlyReportSerializer."""
    s = report.satisfaction

    def shares(items):
        return [
            {"label": x.label, "responses": x.responses, "satisfied": x.satisfied, "share": x.share}
            for x in items
        ]

    return {
        "month": report.month.key,
        "department": report.department.slug if report.department else None,
        "starts_at": report.month.start,
        "ends_at": report.month.end,
        "as_at": report.as_at,
        "definitions": report.definitions(),
        "closed": _closed(report),
        "organisation": report.flow.organisation.as_dict(),
        "departments": [
            {
                "slug": d.department.slug,
                "name": d.department.name,
                "figures": d.figures.as_dict(),
                "tiers": [
                    {
                        "tier_id": t.tier.pk,
                        "level": t.tier.level,
                        "name": t.tier.name,
                        "figures": t.figures.as_dict(),
                    }
                    for t in d.tiers
                ],
            }
            for d in report.flow.departments
        ],
        "people": [
            {
                "username": p.user.username if p.user else "",
                "name": _name(p.user),
                "department": p.tier.department.slug,
                "tier_id": p.tier_id,
                "tier": p.tier.name,
                "held": p.held,
                "resolved": p.resolved,
                "came_back": p.came_back,
                "resolved_for_good": p.resolved_for_good,
                "passed_up": p.passed_up,
                "median_held_seconds": p.median_held_seconds,
                "responses": p.responses,
                "satisfied_share": p.satisfied_share,
                "held_responses": p.held_responses,
                "held_satisfied_share": p.held_satisfied_share,
                "pauses": p.pauses,
                "paused_seconds": p.paused_seconds,
                **{name: getattr(p, name) for name in DUMPING_SIGNS},
                "dumped": p.dumped,
                "dumped_share": p.dumped_share,
                "is_manager": p.is_manager,
                "flagged": sorted(p.flagged),
            }
            for p in report.people
        ],
        "satisfaction": {
            "overall": shares([s.overall])[0],
            "reasons": [
                {"reason": v, "label": str(label), "count": n} for v, label, n in s.reasons
            ],
            **{f"by_{name}": shares(items) for name, items in s.breakdowns.items()},
            "comments": [
                {
                    "ticket": r.reference,
                    "rating": r.rating,
                    "reasons": r.reasons,
                    "comment": r.comment,
                    "answered_at": r.answered_at,
                }
                for r in s.comments
            ],
        },
        "days": [
            {"day": day, "resolved": resolved, "backlog": backlog}
            for (day, resolved), (_d, backlog) in zip(
                report.resolved_per_day, report.backlog_per_day, strict=True
            )
        ],
    }


def _closed(report: MonthlyReport) -> dict | None:
    after = report.after_close
    if after is None:
        return None
    return {
        "closed_at": after.closed_at,
        "late_answers": after.late_answers,
        "satisfied_with_late": after.satisfied_with_late,
        "came_back_since": after.came_back_since,
        "differs": after.differs,
    }


def _name(user) -> str:
    return person(user) if user else ""
