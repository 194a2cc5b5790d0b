from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from ar_dashboard.api import suggestions, views

urlpatterns = [
    path("summary-stats/", views.SummaryStatsView.as_view(), name="api_summary_stats"),
    path(
        "aging-distribution/", views.AgingDistributionView.as_view(), name="api_aging_distribution"
    ),
    path(
        "customer-breakdown/", views.CustomerBreakdownView.as_view(), name="api_customer_breakdown"
    ),
    path(
        "invoice-details/<str:customer_id>/",
        views.InvoiceDetailsView.as_view(),
        name="api_invoice_details",
    ),
    path(
        "customer-suggestions/",
        suggestions.CustomerSuggestionsView.as_view(),
        name="api_customer_suggestions",
    ),
    path("dagster-status/", views.DagsterStatusView.as_view(), name="api_dagster_status"),
    path("schema/", SpectacularAPIView.as_view(), name="api_schema"),
    path(
        "docs/", SpectacularSwaggerView.as_view(url_name="ar_dashboard:api_schema"), name="api_docs"
    ),
]
