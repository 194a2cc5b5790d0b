from django.urls import path

from ar_collections.api import views

urlpatterns = [
    path("", views.WorklistView.as_view(), name="api_worklist"),
    path(
        "customers/<str:customer_id>/activities/",
        views.ActivitiesView.as_view(),
        name="api_activities",
    ),
    path(
        "customers/<str:customer_id>/promises/", views.PromisesView.as_view(), name="api_promises"
    ),
    path(
        "customers/<str:customer_id>/disputes/", views.DisputesView.as_view(), name="api_disputes"
    ),
    path(
        "customers/<str:customer_id>/disputes/<str:dispute_id>/resolve/",
        views.DisputeResolveView.as_view(),
        name="api_dispute_resolve",
    ),
    path(
        "customers/<str:customer_id>/settings/",
        views.CustomerSettingsView.as_view(),
        name="api_customer_settings",
    ),
    path(
        "customers/<str:customer_id>/reminder-preview/",
        views.ReminderPreviewView.as_view(),
        name="api_reminder_preview",
    ),
]
