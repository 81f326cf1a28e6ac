from django.urls import path

from reports import survey_views

urlpatterns = [
    path("<str:reference>/<str:token>/", survey_views.survey, name="survey"),
]
