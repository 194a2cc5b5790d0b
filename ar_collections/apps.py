from django.apps import AppConfig


class ArCollectionsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "ar_collections"
    verbose_name = "Collections"
