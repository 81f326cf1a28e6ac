from django.urls import path

from reports.api.views import MonthlyReportView

urlpatterns = [
    path("reports/monthly/", MonthlyReportView.as_view(), name="api-reports-monthly"),
]
