"""The common AR filters, parsed once from query params for the API, the pages and exports.

Invalid values raise a DRF `ValidationError` keyed by the parameter's name (→ 400); a
company or customer the user may not see raises `Http404`, never revealing that it exists.
"""

from __future__ import annotations

from rest_framework import serializers

from ar_dashboard import aging
from ar_dashboard.access import (
    companies_for_user,
    company_for_user_or_404,
    customer_for_user_or_404,
)
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
)


class ARFilterSerializer(serializers.Serializer):
    company = serializers.IntegerField(
        required=False, min_value=1, help_text="Company id; optional when you see one company."
    )
    as_of = serializers.DateField(
        required=False, help_text="Age the ledger as of this date (YYYY-MM-DD); default today."
    )
    basis = serializers.ChoiceField(
        choices=[b.value for b in aging.Basis], required=False, help_text="due (default) or posted"
    )
    currency = serializers.CharField(
        required=False, help_text="ISO 4217 code; default the company's home currency."
    )
    bucket = serializers.CharField(
        required=False, help_text="Only documents in this bucket (key like 31_60, or label)."
    )
    min_amount = serializers.DecimalField(
        **MONEY, required=False, help_text="Only documents whose open balance is ≥ this."
    )
    max_amount = serializers.DecimalField(
        **MONEY, required=False, help_text="Only documents whose open balance is ≤ this."
    )
    customer = serializers.CharField(
        required=False, help_text="A customer id, or 'unknown' for documents with no contact."
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
            customer_id = int(value)
        except ValueError:
            raise serializers.ValidationError("Must be a customer id or 'unknown'.") from None
        if customer_id < 1:
            raise serializers.ValidationError("Must be a positive customer id.")
        return customer_id

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


def parse_filters(params, user) -> tuple[Company, ARFilters]:
    """Validate the common filters from a QueryDict; (company, filters) or an error."""
    data = {name: params.get(name) for name in FILTER_PARAMS if params.get(name, "") != ""}
    serializer = ARFilterSerializer(data=data)
    serializer.is_valid(raise_exception=True)
    values = serializer.validated_data
    company = resolve_company(user, values.get("company"))
    customer = values.get("customer")
    if isinstance(customer, int):
        customer_for_user_or_404(user, customer, company)
    bucket = values.get("bucket")
    if bucket is not None:
        scheme = company.aging_scheme
        try:
            bucket = scheme.bucket_by_key(bucket).key
        except KeyError:
            allowed = ", ".join(scheme.keys)
            raise serializers.ValidationError({"bucket": f"Must be one of {allowed}."}) from None
    today = company.local_today()
    return company, ARFilters(
        as_of=values.get("as_of") or today,
        today=today,
        currency=values.get("currency") or company.home_currency,
        basis=aging.Basis(values.get("basis") or company.aging_basis),
        bucket=bucket,
        min_amount=values.get("min_amount"),
        max_amount=values.get("max_amount"),
        customer=customer,
    )
