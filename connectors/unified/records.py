"""Typed records parsed from raw Unified.to JSON, with precise reasons for what is wrong.

A record that cannot be trusted (no id, an amount that is not a number, an unknown currency, a
date that does not parse) raises `RecordError` and is rejected by the loader; a record that is
merely suspicious (due before posted, balance missing or inconsistent) parses with `warnings`.
Money is parsed with `Decimal(str(value))`, never through float arithmetic.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from babel.numbers import list_currencies

from ar_dashboard.aging import EXCLUDED_STATUSES

ISO_CURRENCIES = frozenset(c for c in list_currencies() if c.isalpha() and len(c) == 3)
# ISO 4217 "no currency"/testing codes that Babel lists but no ledger bills in.
ISO_CURRENCIES -= {"XXX", "XTS"}
MONEY_PLACES = Decimal("0.0001")
FLOAT_NOISE = Decimal("1e-12")
# What the ledger columns hold (19 digits, 4 after the point) and what a date can mean here:
# anything beyond is a corrupt record, rejected with its reason rather than failing the load.
MONEY_LIMIT = Decimal(10) ** 15
MAX_ID_LENGTH = 100
YEAR_RANGE = (1900, 2199)
NON_AR_PAYMENT_TYPES = frozenset({"BILL", "BILLPAYMENT", "BILL_PAYMENT", "SUPPLIER", "VENDOR"})
# Payment states that move no money (Unified.to's and QuickBooks' spellings).
UNSETTLED_PAYMENT_STATUSES = frozenset(
    {"FAILED", "CANCELED", "CANCELLED", "VOIDED", "VOID", "DELETED", "DRAFT", "REVERSED"}
)
# The Unified.to objects a sync reads, in load order (contacts before the documents naming them).
SYNC_OBJECTS = ("contacts", "invoices", "creditmemos", "payments")


class RecordError(ValueError):
    """A raw record that cannot be loaded; `str()` is the reason kept in the sync log."""


def _money(raw: dict, key: str, *, required: bool) -> Decimal | None:
    value = raw.get(key)
    if value is None or value == "":
        if required:
            raise RecordError(f"{key} is missing")
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise RecordError(f"{key}={value!r} is not a number")
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation as exc:
        raise RecordError(f"{key}={value!r} is not a number") from exc
    if not amount.is_finite():
        raise RecordError(f"{key}={value!r} is not a finite number")
    if abs(amount) >= MONEY_LIMIT:
        raise RecordError(f"{key}={value!r} is out of range (at most 15 digits before the point)")
    rounded = amount.quantize(MONEY_PLACES)
    if rounded == amount:
        return amount
    # JSON numbers may come from binary floats (1049.9900000000002 for 1049.99): noise at the
    # 16th significant digit is the float's, not the ledger's, and rounds away. Real precision
    # beyond 4 places (a tenth of the smallest minor unit in use) is refused.
    if abs(amount - rounded) > FLOAT_NOISE * max(1, abs(amount)):
        raise RecordError(f"{key}={value!r} has more than 4 decimal places")
    return rounded


def _datetime(raw: dict, key: str) -> datetime | None:
    value = raw.get(key)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise RecordError(f"{key}={value!r} is not an ISO-8601 date")
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError as exc:
        raise RecordError(f"{key}={value!r} is not an ISO-8601 date") from exc
    low, high = YEAR_RANGE
    # Checked with a day's margin: converting to UTC or a company zone must stay in range.
    if not low <= parsed.year <= high:
        raise RecordError(f"{key}={value!r} is outside the years {low}-{high}")
    # A date without a zone is taken as UTC, as Unified.to documents its timestamps.
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _currency(raw: dict, key: str = "currency") -> str | None:
    value = raw.get(key)
    if value is None or value == "":
        return None
    code = str(value).strip().upper()
    if code not in ISO_CURRENCIES:
        raise RecordError(f"{key}={value!r} is not an ISO 4217 currency code")
    return code


def _id(raw: Any, key: str = "id") -> str:
    if not isinstance(raw, dict):
        raise RecordError(f"record is a {type(raw).__name__}, not an object")
    value = raw.get(key)
    if value is None or str(value).strip() == "":
        raise RecordError(f"{key} is missing")
    return _ref(raw, key)


def _str(raw: dict, key: str) -> str:
    value = raw.get(key)
    return "" if value is None else str(value).strip()


def _ref(raw: dict, key: str) -> str:
    """An id naming another record (or the record itself): at most MAX_ID_LENGTH characters."""
    value = _str(raw, key)
    if isinstance(raw.get(key), dict | list):
        raise RecordError(f"{key} is a JSON {type(raw.get(key)).__name__}, not an id")
    if len(value) > MAX_ID_LENGTH:
        raise RecordError(f"{key} is longer than {MAX_ID_LENGTH} characters ({len(value)})")
    return value


@dataclass(frozen=True)
class ContactRecord:
    id: str
    name: str
    email: str
    currency: str | None
    is_customer: bool
    is_supplier: bool
    updated_at: datetime | None
    raw: dict = field(repr=False, compare=False)

    @property
    def is_ar_party(self) -> bool:
        """Customers are AR; a contact flagged only as a supplier is not."""
        return self.is_customer or not self.is_supplier


def parse_contact(raw: Any) -> ContactRecord:
    contact_id = _id(raw)
    emails = raw.get("emails") or []
    email = ""
    if isinstance(emails, list) and emails and isinstance(emails[0], dict):
        email = _str(emails[0], "email")
    name = _str(raw, "name") or _str(raw, "company_name") or f"Contact {contact_id}"
    return ContactRecord(
        id=contact_id,
        name=name[:300],
        email=email[:254],
        currency=_currency(raw),
        is_customer=bool(raw.get("is_customer")),
        is_supplier=bool(raw.get("is_supplier")),
        updated_at=_datetime(raw, "updated_at"),
        raw=raw,
    )


@dataclass(frozen=True)
class AllocationRecord:
    """One application line: `ref` names the money's source (pay:<id> or cm:<id>).

    `target_type` is the source's word for the target (INVOICE, CREDITMEMO, or "" when it
    does not say); the loader trusts the stored document's type first.
    """

    ref: str
    target_id: str
    amount: Decimal
    on: datetime | None
    target_type: str = ""


@dataclass(frozen=True)
class DocumentRecord:
    """An invoice or a credit memo. Amounts are magnitudes, except an INVOICE whose total is
    negative: that is a credit, kept negative (its balance and paid part signed alike)."""

    id: str
    doc_type: str
    number: str
    status: str
    contact_id: str
    currency: str | None
    posted_at: datetime
    due_at: datetime | None
    paid_at: datetime | None
    total: Decimal
    paid: Decimal | None
    balance: Decimal | None
    updated_at: datetime | None
    allocations: tuple[AllocationRecord, ...] = ()
    warnings: tuple[str, ...] = ()
    raw: dict = field(default_factory=dict, repr=False, compare=False)


def _document_dates(raw: dict) -> tuple[datetime, datetime | None, list[str]]:
    warnings: list[str] = []
    posted = _datetime(raw, "posted_at") or _datetime(raw, "invoice_at")
    if posted is None:
        posted = _datetime(raw, "created_at")
        if posted is None:
            raise RecordError("posted_at, invoice_at and created_at are all missing")
        warnings.append("posted_at missing: created_at used")
    due = _datetime(raw, "due_at")
    if due is not None and due.date() < posted.date():
        warnings.append(f"due date {due.date()} is before posted date {posted.date()}")
    return posted, due, warnings


def _amount_warnings(total: Decimal, paid: Decimal | None, balance: Decimal | None) -> list[str]:
    """Consistency of magnitudes: a negative invoice is checked on its absolute amounts."""
    if total < 0:
        total, paid, balance = -total, paid and -paid, balance and -balance
    warnings = []
    if balance is None:
        warnings.append("balance_amount missing: total - paid used")
    elif balance > total:
        warnings.append(f"balance {balance} exceeds total {total}")
    elif paid is not None and balance != total - paid:
        warnings.append(f"balance {balance} != total {total} - paid {paid}")
    if balance is not None and balance < 0:
        warnings.append(f"negative balance {balance}")
    return warnings


def _payment_refs(raw: dict, document_id: str) -> tuple[AllocationRecord, ...]:
    refs = []
    for i, item in enumerate(_list(raw, "payments")):
        if not isinstance(item, dict):
            raise RecordError(f"payments[{i}] is not an object")
        amount = _money(item, "amount", required=True)
        payment_id = _ref(item, "payment_id") or f"{document_id}#{i}"
        on = _datetime(item, "allocated_at")
        refs.append(AllocationRecord(f"pay:{payment_id}", document_id, amount, on))
    return tuple(refs)


def parse_document(raw: Any, *, doc_type: str | None = None) -> DocumentRecord:
    """An AccountingInvoice (any `type`) or, with doc_type="CREDITMEMO", an AccountingCreditmemo."""
    doc_id = _id(raw)
    kind = (doc_type or _str(raw, "type") or "INVOICE").upper()
    posted, due, warnings = _document_dates(raw)
    total = _money(raw, "total_amount", required=True)
    paid = _money(raw, "paid_amount", required=False)
    balance = _money(raw, "balance_amount", required=False)
    if kind == "CREDITMEMO":
        # Some sources sign credit memos negative; we keep magnitudes and sign by type.
        total, paid, balance = abs(total), paid and abs(paid), balance and abs(balance)
    elif total < 0:
        # An invoice of negative total is a credit: its open part is negative too, never debt.
        paid = paid and -abs(paid)
        if balance is not None and balance > 0:
            warnings.append(f"balance {balance} of a negative invoice taken as -{balance}")
            balance = -balance
    status = _str(raw, "status").upper()[:20]
    if status not in EXCLUDED_STATUSES:  # a void's amounts mean nothing; no need to check them
        warnings += _amount_warnings(total, paid, balance)
    if balance is None:
        balance = total - (paid or Decimal(0))
    allocations = _payment_refs(raw, doc_id)
    for i, app in enumerate(_list(raw, "applications")):
        if not isinstance(app, dict):
            raise RecordError(f"applications[{i}] is not an object")
        target = _ref(app, "object_id") or _ref(app, "invoice_id")
        if not target:
            raise RecordError(f"applications[{i}].object_id is missing")
        amount = _money(app, "amount", required=True)
        on = _datetime(app, "applied_at")
        allocations += (AllocationRecord(f"cm:{doc_id}", target, amount, on, "INVOICE"),)
    return DocumentRecord(
        id=doc_id,
        doc_type=kind,
        number=(_str(raw, "invoice_number") or _str(raw, "creditmemo_number"))[:100],
        status=status,
        contact_id=_ref(raw, "contact_id"),
        currency=_currency(raw),
        posted_at=posted,
        due_at=due,
        paid_at=_datetime(raw, "paid_at"),
        total=total,
        paid=paid,
        balance=balance,
        updated_at=_datetime(raw, "updated_at"),
        allocations=allocations,
        warnings=tuple(warnings),
        raw=raw,
    )


@dataclass(frozen=True)
class PaymentRecord:
    id: str
    contact_id: str
    currency: str | None
    paid_at: datetime
    total: Decimal
    status: str
    payment_type: str
    reference: str
    updated_at: datetime | None
    allocations: tuple[AllocationRecord, ...] = ()
    invoice_id: str = ""  # the one document a line-less payment names, if any
    is_receivable: bool = True  # False for bill payments (money we paid a supplier)
    raw: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def is_settled(self) -> bool:
        """Failed, cancelled, voided or deleted payments move no money, at any date."""
        return self.status not in UNSETTLED_PAYMENT_STATUSES


def parse_payment(raw: Any) -> PaymentRecord:
    payment_id = _id(raw)
    paid_at = _datetime(raw, "paid_at") or _datetime(raw, "created_at")
    if paid_at is None:
        raise RecordError("paid_at is missing")
    total = _money(raw, "total_amount", required=True)
    allocations = []
    other_lines = 0
    for i, item in enumerate(_list(raw, "allocations")):
        if not isinstance(item, dict):
            raise RecordError(f"allocations[{i}] is not an object")
        object_type = _str(item, "object_type").upper()
        if object_type not in {"", "INVOICE", "CREDITMEMO"}:
            other_lines += 1
            continue  # bills, sales orders: not AR
        target = _ref(item, "object_id")
        if not target:
            raise RecordError(f"allocations[{i}].object_id is missing")
        amount = _money(item, "amount", required=True)
        on = _datetime(item, "allocated_at") or paid_at
        allocations.append(AllocationRecord(f"pay:{payment_id}", target, amount, on, object_type))
    # Without lines, `invoice_id` only names the document; how much went there is decided by
    # the loader against that document's paid part (never the whole total blindly).
    return PaymentRecord(
        id=payment_id,
        contact_id=_ref(raw, "contact_id"),
        currency=_currency(raw),
        paid_at=paid_at,
        total=total,
        status=_str(raw, "status").upper()[:20],
        payment_type=_str(raw, "type").upper(),
        reference=_str(raw, "reference")[:200],
        updated_at=_datetime(raw, "updated_at"),
        allocations=tuple(allocations),
        invoice_id=_ref(raw, "invoice_id"),
        # A bill payment, or one whose every line pays something other than AR, is no
        # customer money: it is neither applied nor unapplied credit.
        is_receivable=_str(raw, "type").upper() not in NON_AR_PAYMENT_TYPES
        and not (other_lines and not allocations),
        raw=raw,
    )


def _list(raw: dict, key: str) -> list:
    value = raw.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise RecordError(f"{key} is a JSON {type(value).__name__}, not an array")
    return value


def parse_timestamp(raw: dict, key: str) -> datetime | None:
    """One ISO-8601 field of a raw record as an aware datetime (RecordError if malformed)."""
    return _datetime(raw, key)
