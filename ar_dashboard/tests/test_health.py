"""/health/ for load balancers: anonymous, and 503 when the database cannot be reached."""

from unittest import mock

from django.db import OperationalError


def test_health_is_ok_for_anonymous(client, db):
    response = client.get("/health/")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_health_is_503_when_the_database_is_unreachable(client, db):
    with mock.patch(
        "django.db.connection.cursor", side_effect=OperationalError("connection refused")
    ):
        response = client.get("/health/")

    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "unreachable"}


def test_health_only_answers_get(client, db):
    assert client.post("/health/").status_code == 405
