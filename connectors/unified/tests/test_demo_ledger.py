"""The demo ledger is deterministic, internally consistent to the cent and shows real habits."""

from __future__ import annotations

import json
import statistics
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest

from connectors.unified.demo_ledger import (
    DemoLedger,
    Habit,
    customer_profiles,
    generate_demo_ledger,
)

TODAY = date(2026, 11, 15)
CLOSED = {"VOIDED", "DRAFT", "DELETED"}
AMOUNT_KEYS = {"sub_total_amount", "tax_amount", "total_amount", "paid_amount", "balance_amount"}
AMOUNT_KEYS |= {"amount", "unit_amount"}


@pytest.fixture(scope="module")
def ledger() -> DemoLedger:
    return generate_demo_ledger(today=TODAY)


@pytest.fixture(scope="module")
def profiles() -> dict:
    return {p.contact_id: p for p in customer_profiles(today=TODAY)}


@pytest.fixture(scope="module")
def invoices(ledger) -> dict[str, dict]:
    return {i["id"]: i for i in ledger.invoices}


def dec(value) -> Decimal:
    """The loader's parse of a JSON number."""
    assert isinstance(value, int | float) and not isinstance(value, bool), value
    return Decimal(str(value))


def day(text: str) -> date:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).date()


def posted_invoices(ledger: DemoLedger, kind: str = "INVOICE") -> list[dict]:
    return [i for i in ledger.invoices if i["type"] == kind and i["status"] not in CLOSED]


def credits_by_target(ledger: DemoLedger) -> dict[str, list[dict]]:
    targets = defaultdict(list)
    for memo in ledger.creditmemos:
        for application in memo["applications"]:
            targets[application["object_id"]].append(application)
    return targets


def dump(ledger: DemoLedger) -> str:
    """The ledger as the fake server would serve it, byte for byte."""
    return json.dumps(vars(ledger))


def walk(record, key=None):
    """(key, value) of every scalar inside a record, nested lists and objects included."""
    if isinstance(record, dict):
        for k, v in record.items():
            yield from walk(v, k)
    elif isinstance(record, list):
        for item in record:
            yield from walk(item, key)
    else:
        yield key, record


def test_same_arguments_give_byte_identical_json():
    first = generate_demo_ledger(today=TODAY, seed=7, customers=40, months=6)
    second = generate_demo_ledger(today=TODAY, seed=7, customers=40, months=6)
    assert first == second
    assert dump(first) == dump(second)


def test_default_ledger_is_reproducible(ledger):
    assert dump(generate_demo_ledger(today=TODAY)) == dump(ledger)


def test_another_seed_gives_another_ledger(ledger):
    other = generate_demo_ledger(today=TODAY, seed=1)
    assert other.invoices[:50] != ledger.invoices[:50]


def test_volume_and_span(ledger):
    customers = [c for c in ledger.contacts if c["is_customer"]]
    assert len(customers) >= 150
    assert len([i for i in ledger.invoices if i["type"] == "INVOICE"]) >= 5000
    first_posted = min(day(i["posted_at"]) for i in ledger.invoices)
    assert TODAY - timedelta(days=560) <= first_posted <= TODAY - timedelta(days=500)


def test_every_customer_profile_has_one_contact(ledger, profiles):
    customers = {c["id"]: c for c in ledger.contacts if c["is_customer"]}
    assert customers.keys() == profiles.keys()
    for contact_id, contact in customers.items():
        assert contact["currency"] == profiles[contact_id].currency
        assert contact["emails"][0]["type"] == "WORK"
        assert contact["is_supplier"] is False
    assert len({c["name"] for c in customers.values()}) == len(customers)


def test_habit_mix(profiles):
    habits = Counter(p.habit for p in profiles.values())
    assert habits[Habit.STOPPED] == 1
    assert habits[Habit.NEW] >= 3
    assert habits[Habit.CHRONIC] >= 10 and habits[Habit.PARTIAL] >= 10
    assert habits[Habit.PROMPT] > habits[Habit.SLOW] > habits[Habit.CHRONIC]
    assert sum(p.keeps_unused_credit for p in profiles.values()) == 2


def test_amounts_are_json_numbers_in_each_currencys_minor_unit(ledger):
    currencies = Counter(i["currency"] for i in ledger.invoices)
    assert {"USD", "EUR", "GBP", "CAD", "JPY"} <= currencies.keys()
    for record in ledger.invoices + ledger.creditmemos + ledger.payments:
        places = 0 if record["currency"] == "JPY" else 2
        for key, value in walk(record):
            if key in AMOUNT_KEYS:
                assert -dec(value).as_tuple().exponent <= places, (record["id"], key, value)


def test_jpy_amounts_are_integral(ledger):
    jpy = [i for i in ledger.invoices if i["currency"] == "JPY"]
    assert len(jpy) >= 20
    assert all(isinstance(i["total_amount"], int) for i in jpy)


def test_nothing_is_dated_after_the_day_before_today(ledger):
    for record in ledger.contacts + ledger.invoices + ledger.creditmemos + ledger.payments:
        for key, value in walk(record):
            if key and key.endswith("_at") and key != "due_at":
                assert day(value) < TODAY, (record["id"], key, value)


def test_posted_invoice_amounts_add_up(ledger):
    credits = credits_by_target(ledger)
    for invoice in posted_invoices(ledger) + posted_invoices(ledger, "BILL"):
        total, paid = dec(invoice["total_amount"]), dec(invoice["paid_amount"])
        lines = sum(dec(line["total_amount"]) for line in invoice["lineitems"])
        assert dec(invoice["sub_total_amount"]) == lines
        assert total == lines + dec(invoice["tax_amount"])
        for line in invoice["lineitems"]:
            assert dec(line["total_amount"]) == dec(line["unit_amount"]) * line["unit_quantity"]
        allocated = sum(dec(p["amount"]) for p in invoice["payments"])
        applied = sum(dec(a["amount"]) for a in credits[invoice["id"]])
        assert paid == allocated + applied, invoice["id"]
        assert dec(invoice["balance_amount"]) == total - paid, invoice["id"]
        assert total > 0 and 0 <= paid <= total


def test_status_follows_balance(ledger):
    for invoice in posted_invoices(ledger):
        total, paid = dec(invoice["total_amount"]), dec(invoice["paid_amount"])
        if paid == total:
            assert invoice["status"] == "PAID"
        elif paid > 0:
            assert invoice["status"] == "PARTIALLY_PAID"
        else:
            assert invoice["status"] in {"AUTHORIZED", "SUBMITTED", "OVERDUE"}
        if invoice["status"] == "OVERDUE":
            assert day(invoice["due_at"]) < TODAY


def test_paid_at_is_the_last_payment_or_credit(ledger):
    credits = credits_by_target(ledger)
    for invoice in posted_invoices(ledger):
        dates = [day(p["allocated_at"]) for p in invoice["payments"]]
        dates += [day(a["applied_at"]) for a in credits[invoice["id"]]]
        if invoice["status"] == "PAID":
            assert day(invoice["paid_at"]) == max(dates)
        else:
            assert "paid_at" not in invoice
        assert all(d >= day(invoice["posted_at"]) for d in dates)


def test_updated_at_is_the_latest_change(ledger, invoices):
    payments = {p["id"]: p for p in ledger.payments}
    credits = credits_by_target(ledger)
    for invoice in posted_invoices(ledger):
        stamps = [invoice["created_at"]]
        stamps += [payments[p["payment_id"]]["created_at"] for p in invoice["payments"]]
        if credits[invoice["id"]]:
            assert invoice["updated_at"] >= max(stamps)
        else:
            assert invoice["updated_at"] == max(stamps)


def test_closed_documents_carry_no_payments(ledger):
    statuses = Counter(i["status"] for i in ledger.invoices if i["type"] == "INVOICE")
    share_voided = statuses["VOIDED"] / sum(statuses.values())
    assert 0.01 <= share_voided <= 0.02
    assert statuses["DRAFT"] >= 1 and statuses["DELETED"] >= 1
    applied_to = credits_by_target(ledger)
    for invoice in ledger.invoices:
        if invoice["status"] in CLOSED:
            assert invoice["payments"] == [] and invoice["id"] not in applied_to
            assert dec(invoice["paid_amount"]) == 0
        if invoice["status"] == "VOIDED":
            assert dec(invoice["balance_amount"]) == 0 and "cancelled_at" in invoice


def test_payments_and_invoice_payments_mirror_each_other(ledger, invoices):
    from_payments = set()
    for payment in ledger.payments:
        allocations = payment["allocations"]
        assert 1 <= len(allocations) <= 3
        assert sum(dec(a["amount"]) for a in allocations) == dec(payment["total_amount"])
        assert payment["status"] == "SUCCEEDED"
        link = "invoice_id" if payment["type"] == "INVOICE" else "bill_id"
        assert payment[link] == allocations[0]["object_id"]
        for allocation in allocations:
            invoice = invoices[allocation["object_id"]]
            assert allocation["object_type"] == invoice["type"] == payment["type"]
            assert invoice["contact_id"] == payment["contact_id"]
            assert invoice["currency"] == payment["currency"] == allocation["currency"]
            assert allocation["allocated_at"] == payment["paid_at"]
            from_payments.add((payment["id"], invoice["id"], allocation["amount"]))
    on_invoices = {
        (p["payment_id"], i["id"], p["amount"]) for i in ledger.invoices for p in i["payments"]
    }
    assert on_invoices == from_payments


def test_some_payments_cover_several_invoices(ledger):
    sizes = Counter(len(p["allocations"]) for p in ledger.payments)
    assert sizes[2] >= 50 and sizes[3] >= 10


def test_due_dates_follow_each_customers_terms(ledger, profiles):
    for invoice in posted_invoices(ledger):
        terms = (day(invoice["due_at"]) - day(invoice["posted_at"])).days
        assert terms in (15, 30, 60)
        assert invoice["payment_terms"] == f"NET_{terms}"
        if invoice.get("contact_id") in profiles:
            assert terms == profiles[invoice["contact_id"]].terms_days


def test_credit_memos_appear_in_both_endpoints_with_the_same_id(ledger, invoices):
    as_invoices = {i["id"]: i for i in ledger.invoices if i["type"] == "CREDITMEMO"}
    memos = {m["id"]: m for m in ledger.creditmemos}
    assert as_invoices.keys() == memos.keys()
    for memo_id, memo in memos.items():
        twin = as_invoices[memo_id]
        for key in ("contact_id", "currency", "status", "posted_at", "total_amount"):
            assert twin[key] == memo[key]
        assert twin["balance_amount"] == memo["balance_amount"]
        assert twin["invoice_number"] == memo["creditmemo_number"]
        assert memo["invoice_id"] in invoices


def test_credit_memo_balances_and_applications(ledger, invoices):
    uses = Counter()
    for memo in ledger.creditmemos:
        total, balance = dec(memo["total_amount"]), dec(memo["balance_amount"])
        applied = sum(dec(a["amount"]) for a in memo["applications"])
        assert balance == total - applied and 0 <= applied <= total
        expected = "PAID" if balance == 0 else "PARTIALLY_PAID" if applied else "AUTHORIZED"
        assert memo["status"] == expected
        for application in memo["applications"]:
            target = invoices[application["object_id"]]
            assert application["object_type"] == target["type"] == "INVOICE"
            assert target["contact_id"] == memo["contact_id"]
            assert day(application["applied_at"]) >= day(memo["posted_at"])
        uses[memo["status"]] += 1
    invoice_count = len(posted_invoices(ledger))
    assert 0.02 <= len(ledger.creditmemos) / invoice_count <= 0.04
    assert uses["PAID"] >= 50 and uses["PARTIALLY_PAID"] >= 5 and uses["AUTHORIZED"] >= 5


def test_customers_keeping_unused_credit_never_used_it(ledger, profiles):
    keepers = {cid for cid, p in profiles.items() if p.keeps_unused_credit}
    for contact_id in keepers:
        unused = [
            m
            for m in ledger.creditmemos
            if m["contact_id"] == contact_id
            and not m["applications"]
            and (TODAY - day(m["posted_at"])).days >= 60
        ]
        assert unused and all(m["balance_amount"] == m["total_amount"] for m in unused)


def test_stopped_customer_pays_nothing_after_it_stopped(ledger, profiles):
    (stopped,) = [p for p in profiles.values() if p.habit is Habit.STOPPED]
    assert 140 <= (TODAY - stopped.stopped_paying_on).days <= 170
    paid_on = [day(p["paid_at"]) for p in ledger.payments if p["contact_id"] == stopped.contact_id]
    assert paid_on and max(paid_on) <= stopped.stopped_paying_on
    mine = [i for i in posted_invoices(ledger) if i.get("contact_id") == stopped.contact_id]
    assert all(day(i["posted_at"]) <= stopped.stopped_paying_on for i in mine)
    still_open = [i for i in mine if dec(i["balance_amount"]) > 0]
    assert len(still_open) >= 3
    assert all((TODAY - day(i["due_at"])).days > 120 for i in still_open)


def test_habits_show_in_days_late(ledger, profiles):
    late = defaultdict(list)
    for invoice in posted_invoices(ledger):
        if invoice["status"] == "PAID" and invoice["payments"]:
            habit = profiles[invoice["contact_id"]].habit
            late[habit].append((day(invoice["paid_at"]) - day(invoice["due_at"])).days)
    mean = {habit: statistics.mean(days) for habit, days in late.items()}
    assert max(late[Habit.PROMPT]) <= 0
    assert mean[Habit.PROMPT] < mean[Habit.SLOW] < mean[Habit.CHRONIC]
    assert 5 <= mean[Habit.SLOW] <= 25 and 30 <= mean[Habit.CHRONIC] <= 90


def test_instalment_payers_pay_in_parts(ledger, profiles):
    parts = defaultdict(list)
    for invoice in posted_invoices(ledger):
        if invoice["status"] == "PAID":
            parts[profiles[invoice["contact_id"]].habit].append(len(invoice["payments"]))
    partial = parts[Habit.PARTIAL]
    assert sum(n >= 2 for n in partial) / len(partial) >= 0.5
    assert max(parts[Habit.PROMPT]) <= 1


def test_new_customers_have_only_recent_invoices(ledger, profiles):
    new = {cid for cid, p in profiles.items() if p.habit is Habit.NEW}
    posted = [day(i["posted_at"]) for i in ledger.invoices if i.get("contact_id") in new]
    assert posted and min(posted) >= TODAY - timedelta(days=90)


def test_invoices_of_unknown_or_unnamed_customers(ledger):
    contact_ids = {c["id"] for c in ledger.contacts}
    unknown = [i for i in ledger.invoices if i.get("contact_id", "") not in contact_ids]
    named = [i for i in unknown if "contact_id" in i]
    assert 3 <= len(named) <= 5
    assert len(unknown) > len(named)
    assert all(dec(i["balance_amount"]) > 0 for i in unknown)


def test_bills_belong_to_suppliers_only(ledger):
    suppliers = {c["id"] for c in ledger.contacts if c["is_supplier"] and not c["is_customer"]}
    assert len(suppliers) == 3
    bills = [i for i in ledger.invoices if i["type"] == "BILL"]
    assert bills and {b["contact_id"] for b in bills} == suppliers
    assert all(i.get("contact_id") not in suppliers for i in ledger.invoices if i["type"] != "BILL")


def test_open_book_looks_like_a_real_company(ledger, profiles):
    buckets, tail_owners = Counter(), Counter()
    for invoice in posted_invoices(ledger):
        if invoice["currency"] != "USD" or not dec(invoice["balance_amount"]):
            continue
        overdue = (TODAY - day(invoice["due_at"])).days
        bucket = 0 if overdue <= 0 else min((overdue - 1) // 30 + 1, 5)
        buckets[bucket] += dec(invoice["balance_amount"])
        if bucket == 5:
            profile = profiles.get(invoice.get("contact_id"))
            tail_owners[profile.habit if profile else None] += dec(invoice["balance_amount"])
    open_total = sum(buckets.values())
    assert (buckets[0] + buckets[1]) / open_total >= Decimal("0.7")
    assert buckets[5] > 0
    assert tail_owners[Habit.STOPPED] + tail_owners[Habit.CHRONIC] > buckets[5] / 2
    old = [i for i in posted_invoices(ledger) if (TODAY - day(i["posted_at"])).days > 120]
    assert sum(i["status"] == "PAID" for i in old) / len(old) >= 0.97


@pytest.fixture(scope="module")
def dirty() -> DemoLedger:
    return generate_demo_ledger(today=TODAY, dirty=True)


def test_dirty_records_are_added_beside_the_clean_ledger(ledger, dirty):
    for name in ("contacts", "invoices", "creditmemos", "payments"):
        clean, served = getattr(ledger, name), getattr(dirty, name)
        assert served[: len(clean)] == clean, name
        added = served[len(clean) :]
        # New records are *_dirty_*; the one exception repeats a clean record (paging shift).
        assert added and all("_dirty_" in r["id"] or r in clean for r in added), name
    assert json.dumps(dirty.__dict__) == json.dumps(
        generate_demo_ledger(today=TODAY, dirty=True).__dict__
    )
    extra = {i["id"]: i for i in dirty.invoices[len(ledger.invoices) :]}
    assert day(extra["inv_dirty_01"]["due_at"]) < day(extra["inv_dirty_01"]["posted_at"])
    assert "balance_amount" not in extra["inv_dirty_02"]
    too_big = extra["inv_dirty_03"]
    assert dec(too_big["balance_amount"]) > dec(too_big["total_amount"]) - dec(
        too_big["paid_amount"]
    )
    assert extra["inv_dirty_04"]["currency"] == "XXX"
    assert "posted_at" not in extra["inv_dirty_05"]
    assert day(extra["inv_dirty_06"]["posted_at"]) > TODAY
    assert dec(extra["inv_dirty_07"]["total_amount"]).as_tuple().exponent < -4
    ids = [i["id"] for i in dirty.invoices]
    assert len(ids) - len(set(ids)) == 1
    allocated = {a["object_id"] for p in dirty.payments for a in p["allocations"]}
    memo_ids = {m["id"] for m in dirty.creditmemos}
    assert allocated - set(ids) - memo_ids == {"inv_missing_01"}
    assert {i["contact_id"] for i in extra.values()} - {c["id"] for c in dirty.contacts} == set()


def test_dirty_ledger_faults_are_shaped_as_quickbooks_serves_them(ledger, dirty):
    """One customer per fault class; dates relative to TODAY (2026-11-15)."""
    invoices = {i["id"]: i for i in dirty.invoices[len(ledger.invoices) :]}
    memos = {m["id"]: m for m in dirty.creditmemos[len(ledger.creditmemos) :]}
    payments = {p["id"]: p for p in dirty.payments[len(ledger.payments) :]}
    customers = {c["id"] for c in dirty.contacts[len(ledger.contacts) :]}
    assert customers == {f"cus_dirty_{n:02d}" for n in range(1, 10)}

    voided = payments["pay_dirty_02"]
    assert voided["status"] == "VOIDED" and voided["allocations"][0]["object_id"] == "inv_dirty_08"
    restored = invoices["inv_dirty_08"]
    assert (dec(restored["paid_amount"]), dec(restored["balance_amount"])) == (0, 1000)

    parts = memos["cm_dirty_01"]["applications"]
    assert [(a["object_id"], dec(a["amount"]), day(a["applied_at"])) for a in parts] == [
        ("inv_dirty_09", 100, date(2026, 10, 6)),
        ("inv_dirty_09", 200, date(2026, 11, 5)),
    ]

    both_sides = payments["pay_dirty_03"]
    lines = [
        (a["object_type"], a["object_id"], dec(a["amount"])) for a in both_sides["allocations"]
    ]
    assert lines == [("INVOICE", "inv_dirty_10", 500), ("CREDITMEMO", "cm_dirty_02", 200)]
    # QuickBooks: total = Σ invoice lines − Σ credit memo lines.
    assert dec(both_sides["total_amount"]) == 500 - 200
    assert memos["cm_dirty_02"]["applications"][0]["object_id"] == "inv_dirty_10"

    overpaid = payments["pay_dirty_04"]
    assert overpaid["invoice_id"] == "inv_dirty_11" and overpaid["allocations"] == []
    assert dec(overpaid["total_amount"]) > dec(invoices["inv_dirty_11"]["total_amount"])

    refund = payments["pay_dirty_05"]
    assert dec(refund["total_amount"]) == -400
    assert [(a["object_type"], a["object_id"]) for a in refund["allocations"]] == [
        ("CREDITMEMO", "cm_dirty_03")
    ]
    on_account = payments["pay_dirty_06"]
    assert on_account["allocations"] == [] and "invoice_id" not in on_account

    memo_as_invoice = invoices["cm_dirty_04"]
    assert memo_as_invoice["type"] == "CREDITMEMO" and "cm_dirty_04" not in memos
    assert (day(memo_as_invoice["due_at"]) - day(memo_as_invoice["posted_at"])).days == 30
    assert dec(invoices["inv_dirty_12"]["total_amount"]) == -150

    assert invoices["inv_dirty_1e30"]["total_amount"] == 1e30
    assert [len(i) for i in invoices if i.startswith("inv_dirty_x")] == [150]
    assert invoices["inv_dirty_0001"]["posted_at"].startswith("0001-")
    assert [dec(invoices[i]["balance_amount"]) for i in ("inv_dirty_14", "inv_dirty_15")] == [
        Decimal("200.005"),
        Decimal("0.005"),
    ]
    newest = max(day(r["updated_at"]) for r in [*invoices.values(), *memos.values()])
    assert newest < TODAY
