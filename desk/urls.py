"""The pages composed from several apps."""

from django.urls import path

from desk.views import customers, home

urlpatterns = [
    path("", home.home, name="home"),
    path("customers/<id:customer_id>/", customers.customer_detail, name="customer-detail"),
]
