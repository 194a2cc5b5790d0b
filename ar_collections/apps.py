from django.apps import AppConfig


class ArCollectionsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "ar_collections"
    verbose_name = "Collections"

    def ready(self) -> None:
        # The aging views mark disputed invoices through ar_dashboard.disputes, which reads
        # them with this app's selector (the ledger app does not import collections).
        from ar_collections.selectors import open_dispute_marks
        from ar_dashboard import disputes

        disputes.register_reader(open_dispute_marks)
