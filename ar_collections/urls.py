from django.urls import path

from ar_collections import views

app_name = "ar_collections"

urlpatterns = [
    path("", views.worklist, name="worklist"),
    path("settings/", views.company_settings, name="settings_company"),
    path("customers/<str:customer_id>/", views.customer_page, name="customer"),
    path("customers/<str:customer_id>/activity/", views.activity_add, name="activity_add"),
    path("customers/<str:customer_id>/promise/", views.promise_add, name="promise_add"),
    path("customers/<str:customer_id>/dispute/", views.dispute_add, name="dispute_add"),
    path(
        "customers/<str:customer_id>/disputes/<int:dispute_id>/resolve/",
        views.dispute_resolve,
        name="dispute_resolve",
    ),
    path("customers/<str:customer_id>/settings/", views.settings_update, name="settings"),
    path("customers/<str:customer_id>/reminder/", views.reminder_preview, name="reminder"),
]
