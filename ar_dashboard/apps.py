from django.apps import AppConfig


class ArDashboardConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "ar_dashboard"
    verbose_name = "AR Aging Dashboard"

    def ready(self) -> None:
        # Project-wide system checks (config/checks.py) register here: `config` is no app.
        import config.checks  # noqa: F401
        from ar_dashboard import expressions  # noqa: F401 - registers the `any_of` lookup
