"""The Chromium page fixture of the ar_dashboard browser tests, shared here."""

from ar_dashboard.tests.browser.test_login_and_home import browser_page  # noqa: F401
