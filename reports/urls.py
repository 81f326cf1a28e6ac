from django.urls import path

from reports import views

urlpatterns = [
    path("", views.dashboard, name="reports-dashboard"),
    path("tickets/", views.drill_down, name="reports-drill-down"),
    path("csv/<slug:table>/", views.csv_download, name="reports-csv"),
]
