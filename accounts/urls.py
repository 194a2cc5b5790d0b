from django.urls import path

from accounts.views import company, connect, members, syncs

app_name = "accounts"

urlpatterns = [
    path("connect/", connect.connect_start, name="connect"),
    path("connect/success/", connect.connect_success, name="connect_success"),
    path("connect/failure/", connect.connect_failure, name="connect_failure"),
    path("syncs/new/", syncs.sync_now, name="sync_now"),
    path("syncs/<int:sync_log_id>/", syncs.sync_page, name="sync_page"),
    # <str:>: any id answers in JSON (a 404 for one that names no sync), never an HTML page.
    path("api/syncs/<str:sync_log_id>/", syncs.SyncProgressView.as_view(), name="api_sync"),
    path("api/aging-preview/", company.AgingPreviewView.as_view(), name="api_aging_preview"),
    path("settings/", company.settings_page, name="settings"),
    path("settings/disconnect/", company.disconnect, name="disconnect"),
    path("settings/delete/", company.delete_data, name="delete_data"),
    path("members/", members.members_page, name="members"),
    path(
        "members/<str:membership_id>/role/",
        members.member_change,
        {"action": "role"},
        name="member_role",
    ),
    path(
        "members/<str:membership_id>/remove/",
        members.member_change,
        {"action": "remove"},
        name="member_remove",
    ),
    path("invitations/<str:token>/", members.invitation, name="invitation"),
]
