"""The monthly report as JSON: the same figures as the dashboard."""

from rest_framework import serializers

from reports.metrics import MonthlyReport


class ReportQuerySerializer(serializers.Serializer):
    month = serializers.RegexField(
        r"^\d{4}-\d{1,2}$",
        required=True,
        help_text="The calendar month, YYYY-MM, in the organisation's time zone.",
        error_messages={"invalid": "Give the month as YYYY-MM, for example 2026-10."},
    )
    department = serializers.SlugField(
        required=False, help_text="Limit the report to one department (its slug)."
    )


class FlowFiguresSerializer(serializers.Serializer):
    opened = serializers.IntegerField()
    resolved = serializers.IntegerField()
    passed_up = serializers.IntegerField()
    escalated = serializers.IntegerField()
    breached = serializers.IntegerField()
    resolved_within = serializers.IntegerField()
    within_share = serializers.FloatField(
        allow_null=True, help_text="0\u20131; null when nothing was resolved."
    )
    median_seconds = serializers.IntegerField(allow_null=True)
    p90_seconds = serializers.IntegerField(allow_null=True)
    backlog = serializers.IntegerField()
    first_call = serializers.IntegerField()


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
    held = serializers.IntegerField()
    resolved = serializers.IntegerField()
    passed_up = serializers.IntegerField()
    timeouts = serializers.IntegerField()
    median_held_seconds = serializers.IntegerField(allow_null=True)
    responses = serializers.IntegerField()
    satisfied_share = serializers.FloatField(allow_null=True)
    quick_passes = serializers.IntegerField()
    bounces = serializers.IntegerField()
    dumped = serializers.IntegerField()
    dumped_share = serializers.FloatField(allow_null=True)
    flagged = serializers.ListField(
        child=serializers.CharField(), help_text="Dumping figures well above the tier."
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
    overall = ShareSerializer()
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
    definitions = serializers.DictField(child=serializers.CharField())
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
        "definitions": report.definitions(),
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
                "passed_up": p.passed_up,
                "timeouts": p.timeouts,
                "median_held_seconds": p.median_held_seconds,
                "responses": p.responses,
                "satisfied_share": p.satisfied_share,
                "quick_passes": p.quick_passes,
                "bounces": p.bounces,
                "dumped": p.dumped,
                "dumped_share": p.dumped_share,
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
                    "ticket": r.ticket.reference,
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


def _name(user) -> str:
    return (user.get_full_name() or user.username) if user else ""
