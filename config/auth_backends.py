"""Login throttling (django-axes) for every sign-in that comes with a request."""

from axes.backends import AxesStandaloneBackend
from django.conf import settings
from django.shortcuts import render


class LoginThrottleBackend(AxesStandaloneBackend):
    """Refuses a locked-out account or address before any password is checked.

    Every sign-in over HTTP (the app's login page, the admin's, DRF) passes its request and is
    counted. `authenticate()` called without one (a shell, a management command, the test
    client's `login()`) is not a guess from the network: it is left to the next backend rather
    than raising, as axes' own backend would.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def lockout_response(request, original_response=None, credentials=None):
    """429 with a page saying what happened, for how long, and how an administrator lifts it."""
    return render(
        request,
        "registration/lockout.html",
        {
            "failure_limit": settings.AXES_FAILURE_LIMIT,
            "cooloff_minutes": settings.AXES_COOLOFF_MINUTES,
        },
        status=429,
    )
