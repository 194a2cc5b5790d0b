from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView

from ar_dashboard.health import health

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="ar_dashboard:home", permanent=False)),
    path("admin/", admin.site.urls),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("health/", health, name="health"),
    path("ar/collections/", include("ar_collections.urls")),
    path("ar/api/collections/", include(("ar_collections.api.urls", "ar_collections_api"))),
    path("ar/", include("ar_dashboard.urls")),
    path("ar/", include("accounts.urls")),
]
