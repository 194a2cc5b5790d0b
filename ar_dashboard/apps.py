from django.apps import AppConfig


class ArDashboardConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "ar_dashboard"
    verbose_name = "AR Aging Dashboard"

    def ready(self) -> None:
        from ar_dashboard import expressions  # noqa: F401 - registers the `any_of` lookup
