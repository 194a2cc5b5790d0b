"""What the DEBUG error page and error emails may show: no secret, not even inside a URL."""

import re

from django.views.debug import SafeExceptionReporterFilter

# user:password@ in any URL (postgres://, redis://, amqp://, https://…).
URL_PASSWORD = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*://)(?P<user>[^:/@\s]*):[^@\s]*@")


def mask_url_passwords(text: str) -> str:
    """`postgres://app:s3cret@db/ar` → `postgres://app:********@db/ar`."""
    return URL_PASSWORD.sub(r"\g<scheme>\g<user>:********@", text)


def _masked(value):
    # str subclasses (lazy settings objects) are shown as their text: only when they hold a URL.
    if isinstance(value, str) and "://" in str(value):
        return mask_url_passwords(str(value))
    return value


class SecretsFilter(SafeExceptionReporterFilter):
    """Django's filter, hiding more names (URL, DSN, DATABASE, …: connection strings carry
    passwords) and masking a password written inside any URL it still shows, in settings,
    request META (runserver copies the environment there) and traceback variables."""

    hidden_settings = re.compile(
        "API|TOKEN|KEY|SECRET|PASS|SIGNATURE|HTTP_COOKIE|CREDENTIAL|AUTH|DSN|URL|DATABASE",
        flags=re.IGNORECASE,
    )

    def cleanse_setting(self, key, value):
        return _masked(super().cleanse_setting(key, value))

    def get_traceback_frame_variables(self, request, tb_frame):
        return [
            (name, _masked(value))
            for name, value in super().get_traceback_frame_variables(request, tb_frame)
        ]
