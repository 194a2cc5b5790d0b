from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from ar_dashboard.api import analytics, analytics_cash, suggestions, views

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
    path("kpis/", analytics.KPIsView.as_view(), name="api_kpis"),
    path("trends/", analytics.TrendsView.as_view(), name="api_trends"),
    path("customer-health/", analytics.CustomerHealthView.as_view(), name="api_customer_health"),
    path("cash-forecast/", analytics_cash.CashForecastView.as_view(), name="api_cash_forecast"),
    path(
        "payment-velocity/",
        analytics_cash.PaymentVelocityView.as_view(),
        name="api_payment_velocity",
    ),
    path("schema/", SpectacularAPIView.as_view(), name="api_schema"),
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(url_name="ar_dashboard:api_schema"),
        name="api_docs",
    ),
]
