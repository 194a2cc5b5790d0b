from django.urls import include, path

from ar_dashboard import views

app_name = "ar_dashboard"

urlpatterns = [
    path("", views.home, name="home"),
    path("api/", include("ar_dashboard.api.urls")),
]
