from django.apps import AppConfig


class ArDashboardConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "ar_dashboard"
    verbose_name = "AR Aging Dashboard"
