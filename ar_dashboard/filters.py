"""The common AR filters, parsed once from query params for the API, the pages and exports.

Invalid values raise a DRF `ValidationError` keyed by the parameter's name (→ 400); a
company or customer the user may not see raises `Http404`, never revealing that it exists.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ar_dashboard import aging, metrics
from ar_dashboard.access import (
    companies_for_user,
    company_for_user_or_404,
    customer_for_user_or_404,
)
from ar_dashboard.analytics.health import customers_in_band
from ar_dashboard.models import MONEY, Company
from ar_dashboard.selectors import UNKNOWN, ARFilters
from connectors.unified.records import ISO_CURRENCIES

FILTER_PARAMS = (
    "company",
    "as_of",
    "basis",
    "currency",
    "bucket",
    "min_amount",
    "max_amount",
    "customer",
    "name",
    "band",
)
RISK_BANDS = tuple(band for band, _, _ in metrics.RISK_BANDS)
# Aging far outside these dates means nothing, and the bucket date ranges (as_of minus up to
# aging.MAX_EDGE_DAYS) must stay inside the calendar Python and both databases handle.
MIN_AS_OF = date(1900, 1, 1)
MAX_AS_OF = date(2199, 12, 31)
MAX_ID = 2**63 - 1  # the largest BigAutoField: a longer number names no row
# ASCII only: `\d` and `str.isdigit()` also take "١٢" or "²", which `int()` reads differently
# or refuses, so an id would mean one thing to the check and another to the lookup.
ASCII_INT = re.compile(r"[0-9]+")
ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
PLAIN_DECIMAL = re.compile(r"-?[0-9]{1,15}(\.[0-9]{1,4})?")


def read_positive_int(raw: str, maximum: int = MAX_ID) -> int:
    """`raw` as a whole number 1..maximum in ASCII digits; ValueError (a message) otherwise."""
    if not ASCII_INT.fullmatch(raw):
        raise ValueError("Must be a whole number (digits 0-9).")
    # Length first: int() of thousands of digits is slow, and past 4300 it raises.
    digits = raw.lstrip("0") or "0"
    if len(digits) > len(str(maximum)) or not 1 <= int(digits) <= maximum:
        raise ValueError(f"Must be between 1 and {maximum}.")
    return int(digits)


def parse_positive_int(raw: str, *, name: str, maximum: int = MAX_ID) -> int:
    """`raw` as a whole number 1..maximum in ASCII digits, else a 400 naming `name`."""
    try:
        return read_positive_int(raw, maximum)
    except ValueError as exc:
        raise serializers.ValidationError({name: str(exc)}) from None


class IdField(serializers.IntegerField):
    """A positive row id written in ASCII digits (DRF's IntegerField takes '١٢' and ' +12')."""

    def __init__(self, **kwargs):
        super().__init__(min_value=1, max_value=MAX_ID, **kwargs)

    def to_internal_value(self, data):
        try:
            return read_positive_int(str(data), self.max_value)
        except ValueError as exc:
            raise serializers.ValidationError(str(exc)) from None


class AsOfField(serializers.DateField):
    """A YYYY-MM-DD date in ASCII digits between MIN_AS_OF and MAX_AS_OF."""

    def to_internal_value(self, value):
        if isinstance(value, str) and not ISO_DATE.fullmatch(value):
            self.fail("invalid", format="YYYY-MM-DD")
        parsed = super().to_internal_value(value)
        if not MIN_AS_OF <= parsed <= MAX_AS_OF:
            raise serializers.ValidationError(f"Must be between {MIN_AS_OF} and {MAX_AS_OF}.")
        return parsed


@extend_schema_field(
    {"type": "string", "format": "decimal", "pattern": f"^{PLAIN_DECIMAL.pattern}$"}
)
class AmountField(serializers.DecimalField):
    """An amount the money column can hold (|x| < 10^15, ≤ 4 decimals), written plainly.

    Plain ASCII notation only: `Decimal()` would also take '1e3', '1_000', 'NaN' and '١٢'.
    """

    def __init__(self, **kwargs):
        super().__init__(**MONEY, **kwargs)

    def to_internal_value(self, data):
        if not PLAIN_DECIMAL.fullmatch(str(data).strip()):
            raise serializers.ValidationError(
                "Must be a plain decimal number below 10^15 with at most 4 decimals, e.g. 1234.50."
            )
        return super().to_internal_value(data)


class ARFilterSerializer(serializers.Serializer):
    company = IdField(required=False, help_text="Company id; optional when you see one company.")
    as_of = AsOfField(
        required=False,
        help_text=f"Age the ledger as of this date (YYYY-MM-DD, {MIN_AS_OF} to {MAX_AS_OF}); "
        "default today.",
    )
    basis = serializers.ChoiceField(
        choices=[b.value for b in aging.Basis], required=False, help_text="due (default) or posted"
    )
    currency = serializers.CharField(
        required=False, help_text="ISO 4217 code; default the company's home currency."
    )
    bucket = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        help_text="Only documents in these buckets: a key like 31_60 or a label; repeat the "
        "parameter (bucket=1_30&bucket=31_60) or separate them with commas.",
    )
    min_amount = AmountField(
        required=False, help_text="Only documents whose open balance is ≥ this."
    )
    max_amount = AmountField(
        required=False, help_text="Only documents whose open balance is ≤ this."
    )
    customer = serializers.CharField(
        required=False, help_text="A customer id, or 'unknown' for documents with no contact."
    )
    name = serializers.CharField(
        required=False,
        max_length=100,
        help_text="Only customers whose name starts with this (case-insensitive).",
    )
    band = serializers.ChoiceField(
        choices=list(RISK_BANDS),
        required=False,
        help_text="Only customers in this risk band (customer-health's score over the "
        "customer's whole balance on as_of); the unknown customer is in no band.",
    )

    def validate_currency(self, value: str) -> str:
        code = value.strip().upper()
        if code not in ISO_CURRENCIES:
            raise serializers.ValidationError(f"'{value}' is not an ISO 4217 currency code.")
        return code

    def validate_customer(self, value: str) -> int | str:
        if value.strip().lower() == UNKNOWN:
            return UNKNOWN
        try:
            return read_positive_int(value)
        except ValueError as exc:
            raise serializers.ValidationError(
                f"Must be a customer id or '{UNKNOWN}'. {exc}"
            ) from None

    def validate(self, attrs: dict) -> dict:
        low, high = attrs.get("min_amount"), attrs.get("max_amount")
        if low is not None and high is not None and low > high:
            raise serializers.ValidationError({"max_amount": "Must be ≥ min_amount."})
        return attrs


def resolve_company(user, company_id: int | None) -> Company:
    """The company the request is about: the one asked for, or the user's only one."""
    if company_id is not None:
        return company_for_user_or_404(user, company_id)
    visible = list(companies_for_user(user)[:2])
    if len(visible) == 1:
        return visible[0]
    if not visible:
        raise serializers.ValidationError({"company": "You are not a member of any company."})
    raise serializers.ValidationError({"company": "Required: you can see more than one company."})


def _query_values(params, name: str) -> list[str]:
    """Every value of a repeatable parameter: repeated (`a=1&a=2`) or comma-separated."""
    raw = params.getlist(name) if hasattr(params, "getlist") else [params.get(name, "")]
    return [part.strip() for value in raw for part in value.split(",") if part.strip() != ""]


def _bucket_keys(scheme: aging.AgingScheme, chosen: list[str]) -> tuple[str, ...]:
    """The chosen buckets' keys in the scheme's order (keys or labels), else a 400."""
    keys = set()
    for value in chosen:
        try:
            keys.add(scheme.bucket_by_key(value).key)
        except KeyError:
            allowed = ", ".join(scheme.keys)
            raise serializers.ValidationError(
                {"bucket": f"'{value[:40]}' is not a bucket. Must be one of {allowed}."}
            ) from None
    return tuple(key for key in scheme.keys if key in keys)


def parse_filters(params, user) -> tuple[Company, ARFilters]:
    """Validate the common filters from a QueryDict; (company, filters) or an error."""
    data = {name: params.get(name) for name in FILTER_PARAMS if params.get(name, "") != ""}
    buckets = _query_values(params, "bucket")
    data.pop("bucket", None)
    if buckets:
        data["bucket"] = buckets
    serializer = ARFilterSerializer(data=data)
    serializer.is_valid(raise_exception=True)
    values = serializer.validated_data
    company = resolve_company(user, values.get("company"))
    customer = values.get("customer")
    if isinstance(customer, int):
        customer_for_user_or_404(user, customer, company)
    today = company.local_today()
    filters = ARFilters(
        as_of=values.get("as_of") or today,
        today=today,
        currency=values.get("currency") or company.home_currency,
        basis=aging.Basis(values.get("basis") or company.aging_basis),
        buckets=_bucket_keys(company.aging_scheme, values.get("bucket") or []),
        min_amount=values.get("min_amount"),
        max_amount=values.get("max_amount"),
        customer=customer,
        name_prefix=values.get("name"),
    )
    band = values.get("band")
    if band:
        members = customers_in_band(company=company, filters=filters, band=band)
        filters = replace(filters, band=band, band_customers=members)
    return company, filters
