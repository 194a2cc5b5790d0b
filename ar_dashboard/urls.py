from django.urls import include, path

from ar_dashboard.exports import views as exports
from ar_dashboard.pages import filtered, home, report, widgets
from ar_dashboard.webhooks import retired_unified_webhook, unified_webhook

app_name = "ar_dashboard"

urlpatterns = [
    path("", home.home, name="home"),
    path("widgets/", widgets.widgets, name="widgets"),
    path("widgets/layout/", widgets.widgets_layout, name="widgets_layout"),
    path("filtered/", filtered.filtered, name="filtered"),
    path("report/", report.report, name="report"),
    path("report/customer/<str:customer_id>/", report.customer_detail, name="customer_detail"),
    path("api/", include("ar_dashboard.api.urls")),
    path("webhooks/unified/", retired_unified_webhook, name="unified_webhook_retired"),
    path("webhooks/unified/<str:connection_token>/", unified_webhook, name="unified_webhook"),
    path("export/<slug:view>.<slug:fmt>", exports.export, name="export"),
    path(
        "customers/<str:customer_id>/statement.pdf",
        exports.customer_statement,
        name="customer_statement",
    ),
]
