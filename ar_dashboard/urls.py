from django.urls import include, path

from ar_dashboard import views
from ar_dashboard.exports import views as exports
from ar_dashboard.webhooks import unified_webhook

app_name = "ar_dashboard"

urlpatterns = [
    path("", views.home, name="home"),
    path("api/", include("ar_dashboard.api.urls")),
    path("webhooks/unified/", unified_webhook, name="unified_webhook"),
    path("export/<slug:view>.<slug:fmt>", exports.export, name="export"),
    path(
        "customers/<str:customer_id>/statement.pdf",
        exports.customer_statement,
        name="customer_statement",
    ),
]
