"""Isolation matrix, generated from the URLconf: every page, API endpoint, export and admin page.

`get_resolver()` is walked for every URL pattern; each must have an entry in `MATRIX` (or be an
admin page of a registered ModelAdmin), so a new endpoint without one fails
`test_every_url_pattern_is_classified`. For each entry, with company A's objects put in the
URL by `URL_KWARGS` (one row per kwarg name):

- an outsider (admin of company B, no membership in A) gets 404 for every method the endpoint
  answers, and no body ever holds A's name, a customer name or a total of A (`A_MARKERS`);
- an anonymous user is sent to log in (302 to the login page), or gets 401/403 from the API,
  except the public entries (/health/, login, the signed webhook, an invitation's signed link);
- a viewer of A cannot write: POST, PUT, PATCH and DELETE answer 403 (or 405 where the
  endpoint takes no such method) and no row of any table changes;
- the role that may write (collector or admin) can, with the same payload, so the viewer's 403
  is about the role and not a bad payload; a member reads A's data (the marker test can fail).

Admin: for every ModelAdmin, a staff user who is admin of company B (every view/change/delete
permission of the project's apps) lists only B's rows and gets "not found" (302 to the admin
index, Django's answer) for the change, delete and history pages of A's row.
"""

from dataclasses import dataclass, field
from urllib.parse import urlencode

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.core import serializers
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from accounts.tests.isolation_world import A_MARKERS, build_world
from ar_dashboard.exports.reports import VIEWS as EXPORT_VIEWS
from ar_dashboard.tests.factories import CompanyFactory
from ar_dashboard.webhooks import webhook_token

WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
PROJECT_APPS = ("ar_dashboard", "accounts", "ar_collections")


@dataclass(frozen=True)
class Probe:
    """How one URL pattern is probed.

    kind: "company" (company A's data: outsiders get 404), "global" (signed-in, no company
    data: e.g. the API schema), "public" (no login: health, login, webhook, invitation link).
    methods: what the endpoint answers; writes: those that change data, with the role needed.
    """

    kind: str
    query: str = "company={company}"
    methods: tuple[str, ...] = ("GET",)
    writer: str = ""  # the least role that may write: "collector" or "admin"
    data: dict = field(default_factory=dict)
    json: bool = False
    reader: str = "viewer"  # the least role that may GET
    shows_data: bool = True  # a member's GET shows A's names or totals
    personal: bool = False  # writes touch the user's own rows only (a viewer may)


COMPANY_QUERY = "company={company}&as_of=2026-03-15"
READ = Probe("company", query=COMPANY_QUERY)
API_READ = Probe("company", query=COMPANY_QUERY)
NO_DATA = Probe("company", shows_data=False)
PUBLIC = Probe("public", query="", shows_data=False)
GLOBAL = Probe("global", query="", shows_data=False)

# Company A's objects, one per URL kwarg name (export view and format: every one).
URL_KWARGS = {
    "customer_id": lambda w: [w.a.customer.pk],
    "dispute_id": lambda w: [w.a.dispute.pk],
    "sync_log_id": lambda w: [w.a.sync.pk],
    "membership_id": lambda w: [w.a.viewer_membership.pk],
    "token": lambda w: [w.a.token],
    "connection_token": lambda w: [webhook_token(w.a.company.unified_connection_id)],
    "view": lambda w: list(EXPORT_VIEWS),
    "fmt": lambda w: ["csv", "xlsx", "pdf"],
}

MATRIX: dict[str, Probe] = {
    "": PUBLIC,  # redirects to the home page, which asks to log in
    "login": Probe("public", query="", methods=("GET", "POST"), shows_data=False),
    "logout": Probe("public", query="", methods=("POST",), shows_data=False),
    "health": PUBLIC,
    "ar_dashboard:unified_webhook": Probe("public", query="", methods=("POST",), shows_data=False),
    # The shared URL before per-connection ones: refuses everything (410), names nothing.
    "ar_dashboard:unified_webhook_retired": Probe(
        "public", query="", methods=("POST",), shows_data=False
    ),
    # The signed link names the company to whoever holds it (the invitee): public, by design.
    "accounts:invitation": Probe("token", query="", methods=("GET", "POST"), shows_data=False),
    # Pages
    "ar_dashboard:home": READ,
    "ar_dashboard:widgets": NO_DATA,
    "ar_dashboard:widgets_layout": Probe(
        "company",
        methods=("GET", "PUT", "DELETE"),
        shows_data=False,
        personal=True,
        json=True,
        data={"layout": [{"widget": "aging_pie", "x": 0, "y": 0, "w": 4, "h": 4}]},
    ),
    "ar_dashboard:filtered": READ,
    "ar_dashboard:report": READ,
    "ar_dashboard:customer_detail": READ,
    "ar_collections:worklist": READ,
    "ar_collections:settings_company": Probe(
        "company", methods=("GET", "POST"), writer="admin", shows_data=False
    ),
    "ar_collections:customer": READ,
    "ar_collections:activity_add": Probe(
        "company", methods=("POST",), writer="collector", data={"kind": "note", "body": "x"}
    ),
    "ar_collections:promise_add": Probe(
        "company",
        methods=("POST",),
        writer="collector",
        data={"amount": "50.00", "made_on": "2026-03-15", "promised_on": "2026-03-31"},
    ),
    "ar_collections:dispute_add": Probe(
        "company", methods=("POST",), writer="collector", data={"reason": "x"}
    ),
    "ar_collections:dispute_resolve": Probe(
        "company", methods=("POST",), writer="collector", data={"resolution": "credited"}
    ),
    "ar_collections:settings": Probe(
        "company", methods=("POST",), writer="collector", data={"reminders_opt_out": "on"}
    ),
    "ar_collections:reminder": Probe("company", methods=("GET", "POST"), writer="collector"),
    # Exports
    "ar_dashboard:export": READ,
    "ar_dashboard:customer_statement": READ,
    # JSON API
    "ar_dashboard:api_summary_stats": API_READ,
    "ar_dashboard:api_aging_distribution": API_READ,
    "ar_dashboard:api_customer_breakdown": API_READ,
    "ar_dashboard:api_invoice_details": API_READ,
    "ar_dashboard:api_customer_suggestions": Probe("company", query="company={company}&q=Zep"),
    "ar_dashboard:api_dagster_status": NO_DATA,
    "ar_dashboard:api_kpis": Probe("company", query=COMPANY_QUERY, shows_data=False),
    "ar_dashboard:api_trends": Probe("company", query=COMPANY_QUERY, shows_data=False),
    "ar_dashboard:api_customer_health": API_READ,
    "ar_dashboard:api_cash_forecast": API_READ,
    "ar_dashboard:api_payment_velocity": Probe("company", query=COMPANY_QUERY, shows_data=False),
    "ar_dashboard:api_schema": GLOBAL,
    "ar_dashboard:api_docs": GLOBAL,
    "ar_collections_api:api_worklist": API_READ,
    "ar_collections_api:api_activities": Probe(
        "company",
        methods=("GET", "POST"),
        writer="collector",
        json=True,
        data={"kind": "note", "body": "x"},
    ),
    "ar_collections_api:api_promises": Probe(
        "company",
        methods=("GET", "POST"),
        shows_data=False,
        writer="collector",
        json=True,
        data={"amount": "50.00", "made_on": "2026-03-15", "promised_on": "2026-03-31"},
    ),
    "ar_collections_api:api_disputes": Probe(
        "company",
        methods=("GET", "POST"),
        writer="collector",
        json=True,
        shows_data=False,
        data={"invoice": "{undisputed}", "reason": "x"},
    ),
    "ar_collections_api:api_dispute_resolve": Probe(
        "company", methods=("POST",), writer="collector", json=True, data={"resolution": "x"}
    ),
    "ar_collections_api:api_customer_settings": Probe(
        "company",
        methods=("GET", "PATCH"),
        writer="collector",
        json=True,
        shows_data=False,
        data={"reminders_opt_out": True},
    ),
    "ar_collections_api:api_reminder_preview": API_READ,
    # Onboarding
    # Connecting a source makes a new company of the user's: nothing of A's to show.
    "accounts:connect": GLOBAL,
    "accounts:connect_success": GLOBAL,
    "accounts:connect_failure": GLOBAL,
    "accounts:sync_now": Probe("company", methods=("POST",), writer="collector"),
    "accounts:sync_page": NO_DATA,
    "accounts:api_sync": NO_DATA,
    "accounts:api_aging_preview": Probe("global", query="widths=30,30,30", shows_data=False),
    "accounts:settings": Probe(
        "company",
        methods=("GET", "POST"),
        writer="admin",
        reader="admin",
        shows_data=False,
        data={
            "name": "Acme Supplies",
            "home_currency": "USD",
            "timezone": "UTC",
            "fiscal_year_start_month": "1",
            "aging_widths": "30,30,30,30",
            "aging_basis": "due",
        },
    ),
    "accounts:disconnect": Probe("company", methods=("POST",), writer="admin"),
    "accounts:delete_data": Probe("company", methods=("POST",), writer="admin"),
    "accounts:members": Probe(
        "company",
        methods=("GET", "POST"),
        writer="admin",
        reader="admin",
        shows_data=False,
        data={"email": "new@a.example", "role": "viewer"},
    ),
    "accounts:member_role": Probe(
        "company", methods=("POST",), writer="admin", data={"role": "collector"}
    ),
    "accounts:member_remove": Probe("company", methods=("POST",), writer="admin"),
}

# Admin pages that are not one ModelAdmin's: the site's own (index, login, ...).
ADMIN_SITE_PAGES = {
    "admin:index",
    "admin:login",
    "admin:logout",
    "admin:password_change",
    "admin:password_change_done",
    "admin:autocomplete",
    "admin:jsi18n",
    "admin:view_on_site",
    "admin:app_list",
    "admin/(?P<url>.*)$",  # the catch-all: 404 for anything else under /admin/
}
# ModelAdmins of tables that belong to no company: Django's users, groups and API tokens, and
# django-axes' login attempts and logs. They need Django's own permissions, which only
# superusers hold (no company role grants them).
GLOBAL_ADMIN_MODELS = {
    "auth.user",
    "auth.group",
    "authtoken.tokenproxy",
    "axes.accessattempt",
    "axes.accesslog",
    "axes.accessfailurelog",
}


def url_patterns(resolver=None, prefix="", namespace=""):
    """(key, route, kwarg names) of every URL pattern; key = namespaced name, else the route."""
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            inner = ":".join(n for n in (namespace, pattern.namespace or "") if n)
            yield from url_patterns(pattern, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            route = prefix + str(pattern.pattern)
            name = f"{namespace}:{pattern.name}" if namespace and pattern.name else pattern.name
            yield name or route, route, sorted(pattern.pattern.converters or {}), pattern


def _admin_model_of(route: str):
    """The registered model whose ModelAdmin serves `route` (admin/<app>/<model>/...), or None."""
    for model in admin.site._registry:
        if route.startswith(f"admin/{model._meta.app_label}/{model._meta.model_name}/"):
            return model
    return None


def test_every_url_pattern_is_classified():
    unclassified = []
    for key, route, _, _ in url_patterns():
        if route.startswith("admin/"):
            model = _admin_model_of(route)
            known = key in ADMIN_SITE_PAGES or (
                model is not None
                and (
                    model._meta.app_label in PROJECT_APPS
                    or model._meta.label_lower in GLOBAL_ADMIN_MODELS
                )
            )
        else:
            known = key in MATRIX
        if not known:
            unclassified.append(f"{key} ({route})")
    assert unclassified == [], "add these to the isolation matrix: " + ", ".join(unclassified)


def test_the_matrix_names_no_gone_pattern():
    keys = {key for key, *_ in url_patterns()}
    assert set(MATRIX) - keys == set()


def _urls(world, key: str) -> list[str]:
    """Every URL of the pattern, with company A's objects (and the query of its probe)."""
    [(route, pattern_kwargs)] = [(r, kw) for k, r, kw, _ in url_patterns() if k == key]
    combos = [{}]
    for kwarg in pattern_kwargs:
        combos = [{**c, kwarg: value} for c in combos for value in URL_KWARGS[kwarg](world)]
    query = MATRIX[key].query.format(company=world.a.company.pk)
    paths = [reverse(key, kwargs=kwargs) if key != route else f"/{route}" for kwargs in combos]
    return [f"{path}?{query}" if query else path for path in paths]


def _send(client: Client, method: str, url: str, probe: Probe, world):
    data = {
        k: (v.format(undisputed=world.a.undisputed.pk) if isinstance(v, str) else v)
        for k, v in probe.data.items()
    }
    data.setdefault("company", world.a.company.pk)
    if method == "GET":
        return client.get(url)
    if probe.json:
        return client.generic(method, url, data=_json(data), content_type="application/json")
    if method == "POST":
        return client.post(url, data)
    return client.generic(
        method, url, data=urlencode(data), content_type="application/x-www-form-urlencoded"
    )


def _json(data) -> str:
    import json

    return json.dumps(data)


def _body(response) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode("utf-8", "replace")
    return response.content.decode("utf-8", "replace")


def _leaks(text: str) -> list[str]:
    return [marker for marker in A_MARKERS if marker in text]


def _fingerprint() -> str:
    """Every row of every project table (and users, tokens): equal strings = nothing changed."""
    parts = []
    for model in apps.get_models():
        label = model._meta.label_lower
        if model._meta.app_label in PROJECT_APPS or label in ("auth.user", "authtoken.token"):
            rows = model._default_manager.order_by("pk")
            fields = [f.name for f in model._meta.concrete_fields if f.name != "last_login"]
            parts.append(serializers.serialize("json", rows, fields=fields))
    return "\n".join(parts)


@pytest.fixture(scope="module")
def shared_world(django_db_setup, django_db_blocker):
    """The two companies, built once for the module inside a transaction rolled back at its end
    (as TestCase.setUpTestData): each test runs in a savepoint within it, so its writes vanish."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield build_world(
            CompanyFactory(name="Acme Supplies", home_currency="USD", timezone="UTC"),
            CompanyFactory(name="Borealis Trading", home_currency="EUR", timezone="Europe/Paris"),
        )
        transaction.set_rollback(True)


@pytest.fixture
def world(shared_world, db, settings):
    settings.DAGSTER_URL = "http://127.0.0.1:9"  # dagster-status answers from the SyncLog
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"  # "send now"
    settings.REMINDER_RETRY_SECONDS = 0
    return shared_world


def _client(world, role: str | None) -> Client:
    client = Client()
    if role:
        client.force_login(world.users[role])
    return client


CLASSIFIED = sorted(MATRIX)
COMPANY_ROUTES = [k for k in CLASSIFIED if MATRIX[k].kind == "company"]
SIGNED_IN_ROUTES = [k for k in CLASSIFIED if MATRIX[k].kind not in ("public", "token")]


@pytest.mark.parametrize("key", CLASSIFIED)
def test_outsider_gets_404_and_never_company_a_data(world, key):
    probe = MATRIX[key]
    client = _client(world, "outsider")
    before = _fingerprint()
    for url in _urls(world, key):
        for method in probe.methods:
            response = _send(client, method, url, probe, world)
            if probe.kind == "company":
                assert response.status_code == 404, (method, url, response.status_code)
            if probe.kind != "token":
                assert _leaks(_body(response)) == [], (method, url)
    if probe.kind == "company":
        assert _fingerprint() == before


@pytest.mark.parametrize("key", SIGNED_IN_ROUTES)
def test_anonymous_is_sent_to_log_in(world, key):
    probe = MATRIX[key]
    client = Client()
    for url in _urls(world, key):
        for method in probe.methods:
            response = _send(client, method, url, probe, world)
            assert response.status_code in (302, 401, 403), (method, url, response.status_code)
            if response.status_code == 302:
                assert response["Location"].startswith("/accounts/login/"), (method, url)
            assert _leaks(_body(response)) == [], (method, url)


@pytest.mark.parametrize("key", SIGNED_IN_ROUTES)
def test_viewer_cannot_write(world, key):
    probe = MATRIX[key]
    client = _client(world, "viewer")
    before = _fingerprint()
    for url in _urls(world, key):
        for method in WRITE_METHODS:
            if probe.personal and method in probe.methods:
                continue  # their own layout: tested below
            response = _send(client, method, url, probe, world)
            expected = (403,) if method in probe.methods else (403, 405)
            assert response.status_code in expected, (method, url, response.status_code)
    assert _fingerprint() == before


@pytest.mark.parametrize("key", [k for k in COMPANY_ROUTES if MATRIX[k].writer])
def test_the_role_that_may_write_can(world, key):
    """The viewer's payload is a valid one: the writer role's same request succeeds."""
    probe = MATRIX[key]
    client = _client(world, probe.writer)
    [url, *_] = _urls(world, key)
    for method in probe.methods:
        if method == "GET":
            continue
        response = _send(client, method, url, probe, world)
        assert response.status_code in (200, 201, 302), (method, url, response.status_code)


@pytest.mark.parametrize("key", [k for k in COMPANY_ROUTES if "GET" in MATRIX[k].methods])
def test_a_member_reads_company_a(world, key):
    """The other side of the outsider's 404: the reader role gets the page, with A's data."""
    probe = MATRIX[key]
    client = _client(world, probe.reader)
    for url in _urls(world, key):
        response = client.get(url)
        assert response.status_code in (200, 302), (url, response.status_code)
        text = _body(response)
        if probe.shows_data and url.split("?")[0].rsplit(".", 1)[-1] not in ("xlsx", "pdf"):
            assert _leaks(text), url


def test_personal_layout_writes_touch_only_the_viewers_rows(world):
    client = _client(world, "viewer")
    url = _urls(world, "ar_dashboard:widgets_layout")[0]
    probe = MATRIX["ar_dashboard:widgets_layout"]
    assert _send(client, "PUT", url, probe, world).status_code == 200
    assert _send(client, "DELETE", url, probe, world).status_code == 200
    admin_layout = world.users["admin"].dashboard_layouts.get()
    assert admin_layout.layout[0]["widget"] == "aging_pie"


# Admin ------------------------------------------------------------------------------------------

SCOPED_ADMINS = sorted(
    model._meta.label_lower
    for model in admin.site._registry
    if model._meta.app_label in PROJECT_APPS
)


@pytest.fixture
def b_staff(world):
    """Company B's admin made staff with every permission of the project's apps."""
    user = world.users["outsider"]
    user.is_staff = True
    user.save()
    user.user_permissions.set(Permission.objects.filter(content_type__app_label__in=PROJECT_APPS))
    return _client(world, "outsider")


def _a_and_b_rows(world, model):
    """A row of `model` in company A and one in B."""
    rows = model._default_manager
    if model._meta.label_lower == "ar_dashboard.company":
        return world.a.company, world.b.company
    lookup = (
        "company" if any(f.name == "company" for f in model._meta.fields) else "message__company"
    )
    return rows.filter(**{lookup: world.a.company}).first(), rows.filter(
        **{lookup: world.b.company}
    ).first()


@pytest.mark.parametrize("label", SCOPED_ADMINS)
def test_admin_staff_of_b_see_only_b_rows(world, b_staff, label):
    model = apps.get_model(label)
    a_row, b_row = _a_and_b_rows(world, model)
    assert a_row is not None and b_row is not None, label
    info = model._meta.app_label, model._meta.model_name
    response = b_staff.get(reverse("admin:{}_{}_changelist".format(*info)))
    assert response.status_code == 200
    listed = {row.pk for row in response.context["cl"].result_list}
    assert b_row.pk in listed and a_row.pk not in listed
    assert _leaks(response.content.decode()) == []
    for page in ("change", "delete", "history"):
        answer = b_staff.get(reverse(f"admin:{info[0]}_{info[1]}_{page}", args=[a_row.pk]))
        assert answer.status_code in (302, 403, 404), (page, answer.status_code)
        if answer.status_code == 302:
            assert answer["Location"] == reverse("admin:index")
        assert _leaks(answer.content.decode()) == []
    add = b_staff.get(reverse("admin:{}_{}_add".format(*info)))
    assert add.status_code in (200, 403)
    assert _leaks(add.content.decode()) == []


@pytest.mark.parametrize("label", sorted(GLOBAL_ADMIN_MODELS))
def test_admin_tables_of_no_company_need_django_permissions(world, b_staff, label):
    model = apps.get_model(label)
    info = model._meta.app_label, model._meta.model_name
    assert b_staff.get(reverse("admin:{}_{}_changelist".format(*info))).status_code == 403


def test_admin_site_pages_show_no_company_a_data(world, b_staff):
    for url in (reverse("admin:index"), reverse("admin:app_list", args=["ar_dashboard"])):
        response = b_staff.get(url)
        assert response.status_code == 200
        assert _leaks(response.content.decode()) == []
    auto = b_staff.get(
        reverse("admin:autocomplete"),
        {"app_label": "ar_dashboard", "model_name": "exchangerate", "field_name": "company"},
    )
    assert auto.status_code in (200, 403)
    assert "Acme Supplies" not in auto.content.decode()
