from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DepartmentsConfig(AppConfig):
    name = "departments"
    verbose_name = _("Departments")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from core.rows import read_whole
        from departments.models import Category, Department, Tier
        from departments.signals import apply_chosen_language

        # The desk's configuration: a page's panels find them all after one read each.
        read_whole(Department, Tier, Category)

        user_logged_in.connect(apply_chosen_language, dispatch_uid="departments.apply_chosen_language")
