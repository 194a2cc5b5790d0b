"""Issue 13: the ledger stays true when upstream data misbehaves — one test per finding.

Each test builds a small ledger (etl/tests/ledgers.py), serves it from the sandbox, runs the real
`ar_data_pipeline` job, edits the upstream data between syncs as QuickBooks would, and reads the
figures back through the JSON API as an auditor would, at several `as_of` dates. The clock is
pinned at 2026-03-15 (conftest's `today`); every expected figure is worked out by hand in the
test's docstring or comments. The rules checked are DESIGN.md's "Source data" section.
"""

from __future__ import annotations

from contextlib import ExitStack

import pytest
from rest_framework.test import APIClient

from ar_dashboard.models import Company, Customer, Invoice, SyncLog
from ar_dashboard.tests.factories import MembershipFactory, UserFactory
from connectors.unified.sandbox import Faults, SandboxData, SandboxServer
from etl.definitions import defs
from etl.schedules import sync_run_config
from etl.tests.conftest import API_KEY, CONNECTION, unified_for
from etl.tests.ledgers import EDITED_AT, creditmemo, invoice, ledger, payment

pytestmark = pytest.mark.django_db

TODAY = "today"  # as_of left out: the company's today, 2026-03-15
USD_KEYS = ("current", "1_30", "31_60", "61_90", "91_120", "over_120")


class Pipeline:
    """The sandbox, the pipeline job and the JSON API of the company the sync creates."""

    def __init__(self, stack: ExitStack) -> None:
        self._stack = stack
        self.faults = Faults()
        self.server: SandboxServer | None = None
        self._client: APIClient | None = None

    def serve(self, data: SandboxData) -> None:
        self.server = self._stack.enter_context(
            SandboxServer(data, api_key=API_KEY, connection_ids={CONNECTION}, faults=self.faults)
        )

    @property
    def data(self) -> SandboxData:
        return self.server.data

    def edit(self, object_type: str, object_id: str, **changes) -> None:
        """An upstream edit between syncs (its `updated_at` moves to EDITED_AT)."""
        self.data.update(object_type, object_id, changes, updated_at=EDITED_AT)

    def sync(self, *, full: bool = False, status: str = SyncLog.Status.SUCCESS) -> SyncLog:
        """Run the job in-process; the sync must end with `status` (the reason shown if not)."""
        job = defs.resolve_job_def("ar_data_pipeline")
        result = job.execute_in_process(
            run_config=sync_run_config(connection_id=CONNECTION, trigger="manual", full=full),
            resources={"unified": unified_for(self.server)},
            raise_on_error=False,
        )
        log = SyncLog.objects.filter(company__unified_connection_id=CONNECTION).order_by("-id")
        log = log.first()
        ended = (log.status, log.error, log.rejected) if log else ("no sync log", "", [])
        assert result.success and ended[0] == status, f"the sync ended {ended}"
        return log

    @property
    def company(self) -> Company:
        return Company.objects.get(unified_connection_id=CONNECTION)

    def customer_pk(self, external_id: str) -> int:
        return Customer.objects.get(company=self.company, external_id=external_id).pk

    def get(self, endpoint: str, as_of: str = TODAY, **params) -> dict:
        if self._client is None:
            user = UserFactory(username="auditor")
            MembershipFactory(user=user, company=self.company)
            self._client = APIClient()
            self._client.force_authenticate(user)
        if as_of != TODAY:
            params["as_of"] = as_of
        response = self._client.get(f"/ar/api/{endpoint}/", params)
        assert response.status_code == 200, (endpoint, params, response.content)
        return response.json()

    def summary(self, as_of: str = TODAY, **params) -> dict:
        return self.get("summary-stats", as_of, **params)

    def figures(self, *dates: str, **params) -> dict[str, tuple[str, str]]:
        """(total AR, unapplied credit) from summary-stats at each date."""
        found = {}
        for as_of in dates:
            body = self.summary(as_of, **params)
            found[as_of] = (body["total_ar"], body["unapplied_credit"])
        return found

    def buckets(self, as_of: str = TODAY, **params) -> dict[str, str]:
        """aging-distribution: bucket key → amount, and the shown total under "total"."""
        body = self.get("aging-distribution", as_of, **params)
        return {b["key"]: b["amount"] for b in body["buckets"]} | {"total": body["total"]}

    def customers(self, as_of: str = TODAY, **params) -> dict[str, str]:
        """customer-breakdown: customer name → total outstanding."""
        body = self.get("customer-breakdown", as_of, page_size=500, **params)
        return {row["customer"]: row["total_outstanding"] for row in body["customers"]}

    def rows(self, contact_id: str, as_of: str = TODAY, **params) -> list[dict]:
        """invoice-details of one customer: its open documents on `as_of`."""
        body = self.get(f"invoice-details/{self.customer_pk(contact_id)}", as_of, **params)
        return body["invoices"]

    def documents(self, contact_id: str, as_of: str = TODAY) -> dict[str, str]:
        """External id → open amount of one customer's documents on `as_of`."""
        return {row["external_id"]: row["amount_due"] for row in self.rows(contact_id, as_of)}


@pytest.fixture
def pipeline(today, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with ExitStack() as stack:
        yield Pipeline(stack)


def delete_upstream(pipeline: Pipeline, object_type: str, object_id: str, sync: str) -> None:
    """A full listing no longer has the record; an incremental one serves it as DELETED."""
    if sync == "full":
        pipeline.data.delete(object_type, object_id)
    else:
        pipeline.edit(object_type, object_id, status="DELETED")


# 1. Deletions leave history -------------------------------------------------------------------


@pytest.mark.parametrize("sync", ["full", "incremental"])
def test_a_payment_deleted_upstream_pays_nothing_at_any_date(pipeline, sync):
    """inv-a 2,250.00 (due 02-04) paid 700.00 by pay-a on 02-10; QuickBooks then deletes pay-a
    and restores inv-a's balance to 2,250.00.

    Before: 01-31 → 2,250.00 (not yet paid); 02-10, 02-28, today → 2,250.00 − 700.00 = 1,550.00.
    After: 2,250.00 at every date. The allocation dated 02-10 goes with the payment: kept, it
    would add 700.00 back before 02-10 (2,250.00 + 700.00 = 2,950.00 on 01-31).
    inv-k 100.00, paid in full by pay-k on 01-20, is 0.00 at every date checked; it keeps the
    payment listing non-empty once pay-a is gone.
    """
    pipeline.serve(
        ledger(
            invoices=[
                invoice(
                    "inv-a",
                    "2250.00",
                    posted="2026-01-05",
                    due="2026-02-04",
                    paid="700.00",
                    payments=(("pay-a", "700.00", "2026-02-10"),),
                ),
                invoice(
                    "inv-k",
                    "100.00",
                    posted="2026-01-07",
                    due="2026-02-06",
                    paid="100.00",
                    status="PAID",
                ),
            ],
            payments=[
                payment(
                    "pay-a",
                    "700.00",
                    paid="2026-02-10",
                    lines=(("INVOICE", "inv-a", "700.00", "2026-02-10"),),
                ),
                payment(
                    "pay-k",
                    "100.00",
                    paid="2026-01-20",
                    lines=(("INVOICE", "inv-k", "100.00", "2026-01-20"),),
                ),
            ],
        )
    )
    pipeline.sync()
    dates = ("2026-01-31", "2026-02-10", "2026-02-28", TODAY)
    assert pipeline.figures(*dates) == {
        "2026-01-31": ("2250.00", "0.00"),
        "2026-02-10": ("1550.00", "0.00"),
        "2026-02-28": ("1550.00", "0.00"),
        TODAY: ("1550.00", "0.00"),
    }

    delete_upstream(pipeline, "payment", "pay-a", sync)
    pipeline.edit("invoice", "inv-a", paid_amount=0.0, balance_amount=2250.0, payments=[])
    pipeline.sync(full=sync == "full")

    assert pipeline.figures(*dates) == dict.fromkeys(dates, ("2250.00", "0.00"))
    assert pipeline.documents("c-1", "2026-01-31") == {"inv-a": "2250.00"}
    assert pipeline.customers("2026-02-28") == {"Customer c-1": "2250.00"}


@pytest.mark.parametrize("sync", ["full", "incremental"])
def test_a_credit_memo_deleted_upstream_credits_nothing_at_any_date(pipeline, sync):
    """inv-b 1,000.00 (due 02-05); cm-b 300.00 posted 01-20, applied to inv-b on 01-25. QuickBooks
    then deletes cm-b and restores inv-b's balance to 1,000.00.

    Before: 01-22 → inv-b 1,000.00 + cm-b −300.00 (unapplied yet) = 700.00, unapplied −300.00;
    01-31 and today → inv-b 1,000.00 − 300.00 = 700.00, the memo used up.
    After: 1,000.00 at every date, no credit. The application dated 01-25 goes with the memo:
    kept, it would add 300.00 back to inv-b before 01-25 (1,300.00 on 01-22).
    inv-k 100.00, settled by cm-k on 01-08, is 0.00 at every date checked; cm-k keeps the credit
    memo listing non-empty once cm-b is gone.
    """
    pipeline.serve(
        ledger(
            invoices=[
                invoice("inv-b", "1000.00", posted="2026-01-06", due="2026-02-05", paid="300.00"),
                invoice("inv-k", "100.00", posted="2026-01-07", due="2026-02-06", paid="100.00"),
            ],
            creditmemos=[
                creditmemo(
                    "cm-b",
                    "300.00",
                    posted="2026-01-20",
                    applications=(("inv-b", "300.00", "2026-01-25"),),
                ),
                creditmemo(
                    "cm-k",
                    "100.00",
                    posted="2026-01-07",
                    applications=(("inv-k", "100.00", "2026-01-08"),),
                ),
            ],
        )
    )
    pipeline.sync()
    dates = ("2026-01-22", "2026-01-31", TODAY)
    assert pipeline.figures(*dates) == {
        "2026-01-22": ("700.00", "-300.00"),
        "2026-01-31": ("700.00", "0.00"),
        TODAY: ("700.00", "0.00"),
    }

    delete_upstream(pipeline, "creditmemo", "cm-b", sync)
    pipeline.edit("invoice", "inv-b", paid_amount=0.0, balance_amount=1000.0)
    pipeline.sync(full=sync == "full")

    assert pipeline.figures(*dates) == dict.fromkeys(dates, ("1000.00", "0.00"))
    assert pipeline.documents("c-1", "2026-01-22") == {"inv-b": "1000.00"}


# 2. Voided payments ---------------------------------------------------------------------------


@pytest.mark.parametrize("voided", ["from the start", "after the first sync"])
def test_a_voided_payment_pays_nothing_at_any_date(pipeline, voided):
    """inv-v 500.00 (due 02-09) and inv-w 300.00 (due 02-11); pay-v (500.00 on 02-01, a line to
    inv-v) and pay-w (300.00 on 02-03, only invoice_id inv-w) are VOIDED, lines still present.

    A void moves no money and leaves no credit: 500.00 + 300.00 = 800.00 at every date, unapplied
    credit 0.00. Counted, the lines would add 800.00 back before 02-01 (1,600.00 on 01-31).
    Voided after the first sync: first both invoices PAID, so 800.00 on 01-31 and 0.00 from
    02-03 (02-15, today); QuickBooks then voids the payments and reopens the invoices.
    """
    paid_first = voided == "after the first sync"
    status = "SUCCEEDED" if paid_first else "VOIDED"
    pipeline.serve(
        ledger(
            invoices=[
                invoice(
                    "inv-v",
                    "500.00",
                    posted="2026-01-10",
                    due="2026-02-09",
                    paid="500.00" if paid_first else "0",
                ),
                invoice(
                    "inv-w",
                    "300.00",
                    posted="2026-01-12",
                    due="2026-02-11",
                    paid="300.00" if paid_first else "0",
                ),
            ],
            payments=[
                payment(
                    "pay-v",
                    "500.00",
                    paid="2026-02-01",
                    status=status,
                    lines=(("INVOICE", "inv-v", "500.00", "2026-02-01"),),
                ),
                payment("pay-w", "300.00", paid="2026-02-03", status=status, invoice_id="inv-w"),
            ],
        )
    )
    pipeline.sync()
    dates = ("2026-01-31", "2026-02-15", TODAY)
    if paid_first:
        assert pipeline.figures(*dates) == {
            "2026-01-31": ("800.00", "0.00"),
            "2026-02-15": ("0.00", "0.00"),
            TODAY: ("0.00", "0.00"),
        }
        for pid in ("pay-v", "pay-w"):
            pipeline.edit("payment", pid, status="VOIDED")
        pipeline.edit("invoice", "inv-v", paid_amount=0.0, balance_amount=500.0)
        pipeline.edit("invoice", "inv-w", paid_amount=0.0, balance_amount=300.0)
        pipeline.sync()

    assert pipeline.figures(*dates) == dict.fromkeys(dates, ("800.00", "0.00"))
    assert pipeline.documents("c-1", "2026-01-31") == {"inv-v": "500.00", "inv-w": "300.00"}


# 3. Allocation identity -----------------------------------------------------------------------


def test_one_credit_memo_applied_in_two_parts_counts_both(pipeline):
    """cm-s 400.00 (posted 01-15) applied to inv-s 1,000.00 (due 02-09) as 150.00 on 01-20 and
    250.00 on 02-20; the source now says inv-s 600.00, cm-s 0.00.

    01-16: inv-s 1,000.00, cm-s −400.00 (unapplied) → 600.00.
    01-31: inv-s 1,000.00 − 150.00 = 850.00, cm-s −400.00 + 150.00 = −250.00 → 600.00.
    02-28: inv-s 600.00, cm-s 0.00 (not shown) → 600.00.
    Keyed (document, memo), one part overwrites the other: inv-s is 850.00 on 01-16, or 600.00
    on 01-31.
    """
    pipeline.serve(
        ledger(
            invoices=[
                invoice("inv-s", "1000.00", posted="2026-01-10", due="2026-02-09", paid="400.00")
            ],
            creditmemos=[
                creditmemo(
                    "cm-s",
                    "400.00",
                    posted="2026-01-15",
                    applications=(
                        ("inv-s", "150.00", "2026-01-20"),
                        ("inv-s", "250.00", "2026-02-20"),
                    ),
                )
            ],
        )
    )
    pipeline.sync()

    dates = ("2026-01-16", "2026-01-31", "2026-02-28")
    assert {d: pipeline.documents("c-1", d) for d in dates} == {
        "2026-01-16": {"inv-s": "1000.00", "cm-s": "-400.00"},
        "2026-01-31": {"inv-s": "850.00", "cm-s": "-250.00"},
        "2026-02-28": {"inv-s": "600.00"},
    }
    assert pipeline.figures(*dates) == {
        "2026-01-16": ("600.00", "-400.00"),
        "2026-01-31": ("600.00", "-250.00"),
        "2026-02-28": ("600.00", "0.00"),
    }


def test_a_credit_memo_line_on_a_payment_and_the_memos_own_application_count_once(pipeline):
    """QuickBooks' payment pay-c (02-05) links invoice inv-c for 500.00 and credit memo cm-c for
    200.00: it brings 500.00 − 200.00 = 300.00 of cash. cm-c (200.00, posted 01-20) states the
    same application to inv-c (200.00 on 02-05). inv-c 800.00 (due 02-11): the source says 300.00.

    01-31: inv-c 800.00, cm-c −200.00 → 600.00, unapplied −200.00.
    02-05, 02-28: inv-c 800.00 − 500.00 = 300.00, cm-c 0.00 → 300.00, no unapplied credit
    (300.00 cash − 500.00 invoice line + 200.00 memo line = 0.00 unapplied).
    Counting the memo's application besides the payment's lines takes 700.00 off inv-c: 1,000.00
    on 01-31.
    """
    pipeline.serve(
        ledger(
            invoices=[
                invoice("inv-c", "800.00", posted="2026-01-12", due="2026-02-11", paid="500.00")
            ],
            creditmemos=[
                creditmemo(
                    "cm-c",
                    "200.00",
                    posted="2026-01-20",
                    applications=(("inv-c", "200.00", "2026-02-05"),),
                )
            ],
            payments=[
                payment(
                    "pay-c",
                    "300.00",
                    paid="2026-02-05",
                    lines=(
                        ("INVOICE", "inv-c", "500.00", "2026-02-05"),
                        ("CREDITMEMO", "cm-c", "200.00", "2026-02-05"),
                    ),
                )
            ],
        )
    )
    pipeline.sync()

    dates = ("2026-01-31", "2026-02-05", "2026-02-28")
    assert {d: pipeline.documents("c-1", d) for d in dates} == {
        "2026-01-31": {"inv-c": "800.00", "cm-c": "-200.00"},
        "2026-02-05": {"inv-c": "300.00"},
        "2026-02-28": {"inv-c": "300.00"},
    }
    assert pipeline.figures(*dates, TODAY) == {
        "2026-01-31": ("600.00", "-200.00"),
        "2026-02-05": ("300.00", "0.00"),
        "2026-02-28": ("300.00", "0.00"),
        TODAY: ("300.00", "0.00"),
    }


def test_a_payment_stated_by_both_sides_counts_once_on_the_payments_date(pipeline):
    """pay-d pays inv-d 400.00 (due 02-13) on 02-12 (its own line); inv-d's payments[] states the
    same payment dated 02-13. Once, and the source (the payment) says when: 0.00 from 02-12.

    02-11: 400.00 (not 400.00 + 400.00 = 800.00); 02-12, 02-28, today: 0.00.
    """
    pipeline.serve(
        ledger(
            invoices=[
                invoice(
                    "inv-d",
                    "400.00",
                    posted="2026-01-14",
                    due="2026-02-13",
                    paid="400.00",
                    status="PAID",
                    payments=(("pay-d", "400.00", "2026-02-13"),),
                )
            ],
            payments=[
                payment(
                    "pay-d",
                    "400.00",
                    paid="2026-02-12",
                    lines=(("INVOICE", "inv-d", "400.00", "2026-02-12"),),
                )
            ],
        )
    )
    pipeline.sync()

    dates = ("2026-02-11", "2026-02-12", "2026-02-28", TODAY)
    assert pipeline.figures(*dates) == {
        "2026-02-11": ("400.00", "0.00"),
        "2026-02-12": ("0.00", "0.00"),
        "2026-02-28": ("0.00", "0.00"),
        TODAY: ("0.00", "0.00"),
    }
    assert pipeline.documents("c-1", "2026-02-11") == {"inv-d": "400.00"}


# 4. Payments without lines --------------------------------------------------------------------


def test_an_overpayment_without_lines_is_unapplied_credit_aged_by_its_date(pipeline):
    """pay-o: invoice_id inv-o, total 1,200.00, no lines, on 02-10; inv-o 1,000.00 (due 02-07) is
    PAID. The payment covers inv-o's 1,000.00 and leaves 1,200.00 − 1,000.00 = 200.00 unapplied:
    a −200.00 document posted and due 02-10, never more than 1,000.00 on inv-o.

    02-05: inv-o 1,000.00 (due in 2 days: Current), no payment yet.
    02-10: inv-o 0.00, −200.00 unapplied (0 days: Current).
    02-28: −200.00 (18 days: 1-30).  Today: −200.00 (02-10 → 03-15 = 18 + 15 = 33 days: 31-60).
    """
    pipeline.serve(
        ledger(
            invoices=[
                invoice(
                    "inv-o",
                    "1000.00",
                    posted="2026-01-08",
                    due="2026-02-07",
                    paid="1000.00",
                    status="PAID",
                )
            ],
            payments=[payment("pay-o", "1200.00", paid="2026-02-10", invoice_id="inv-o")],
        )
    )
    pipeline.sync()

    dates = ("2026-02-05", "2026-02-10", "2026-02-28", TODAY)
    assert pipeline.figures(*dates) == {
        "2026-02-05": ("1000.00", "0.00"),
        "2026-02-10": ("-200.00", "-200.00"),
        "2026-02-28": ("-200.00", "-200.00"),
        TODAY: ("-200.00", "-200.00"),
    }
    assert pipeline.customers() == {"Customer c-1": "-200.00"}
    zero = dict.fromkeys(USD_KEYS, "0.00")
    assert {d: pipeline.buckets(d) for d in ("2026-02-10", "2026-02-28", TODAY)} == {
        "2026-02-10": zero | {"current": "-200.00", "total": "-200.00"},
        "2026-02-28": zero | {"1_30": "-200.00", "total": "-200.00"},
        TODAY: zero | {"31_60": "-200.00", "total": "-200.00"},
    }
    rows = pipeline.rows("c-1")
    assert len(rows) == 1, rows
    row = rows[0]
    assert (
        row["doc_type"],
        row["invoice_date"],
        row["due_date"],
        row["amount_due"],
        row["days_overdue"],
        row["aging_bucket_key"],
    ) == ("PAYMENT", "2026-02-10", "2026-02-10", "-200.00", 33, "31_60")


def test_a_refund_without_lines_offsets_the_credit_it_paid_out(pipeline):
    """c-2 pays 700.00 on account (pay-x, 02-01, no lines, no invoice): −700.00 unapplied credit.
    On 03-01 it is refunded (pay-r, total −700.00, no lines): a +700.00 document, not −700.00.

    02-15: −700.00 (14 days: 1-30), one customer with a balance.
    03-05: −700.00 (32 days: 31-60) + 700.00 (4 days: 1-30) = 0.00: no customer with a balance.
    Today: the same, 0.00 (a −700.00 "payment" would make it −1,400.00).
    """
    pipeline.serve(
        ledger(
            contacts=("c-2",),
            payments=[
                payment("pay-x", "700.00", paid="2026-02-01", contact="c-2"),
                payment("pay-r", "-700.00", paid="2026-03-01", contact="c-2"),
            ],
        )
    )
    pipeline.sync()

    assert pipeline.figures("2026-02-15") == {"2026-02-15": ("-700.00", "-700.00")}
    assert pipeline.summary("2026-02-15")["total_customers"] == 1
    zero = dict.fromkeys(USD_KEYS, "0.00")
    for as_of in ("2026-03-05", TODAY):
        body = pipeline.summary(as_of)
        assert (body["total_ar"], body["total_customers"]) == ("0.00", 0), as_of
    assert pipeline.buckets("2026-03-05") == zero | {
        "1_30": "700.00",
        "31_60": "-700.00",
        "total": "0.00",
    }


# 6. A rejected record is not a deletion -------------------------------------------------------


def test_a_malformed_new_version_keeps_the_last_good_one(pipeline):
    """inv-m1 1,500.00 (due 02-19) and inv-m2 800.00 (due 02-24), 300.00 of it paid by pay-m1 on
    02-15. Then inv-m1 and pay-m1 are edited upstream and their new versions arrive malformed
    in a full sync: both are rejected, neither is deleted.

    02-10: 1,500.00 + 800.00 = 2,300.00.  02-28, today: 1,500.00 + 500.00 = 2,000.00 — before and
    after the malformed sync (deleting inv-m1 would drop 1,500.00; deleting pay-m1 would take
    its 300.00 off inv-m2 on 02-10 too).
    """
    pipeline.serve(
        ledger(
            invoices=[
                invoice("inv-m1", "1500.00", posted="2026-01-20", due="2026-02-19"),
                invoice("inv-m2", "800.00", posted="2026-01-25", due="2026-02-24", paid="300.00"),
            ],
            payments=[
                payment(
                    "pay-m1",
                    "300.00",
                    paid="2026-02-15",
                    lines=(("INVOICE", "inv-m2", "300.00", "2026-02-15"),),
                )
            ],
        )
    )
    pipeline.sync()
    dates = ("2026-02-10", "2026-02-28", TODAY)
    expected = {
        "2026-02-10": ("2300.00", "0.00"),
        "2026-02-28": ("2000.00", "0.00"),
        TODAY: ("2000.00", "0.00"),
    }
    assert pipeline.figures(*dates) == expected

    pipeline.edit("invoice", "inv-m1", invoice_number="INV-M1-REVISED")
    pipeline.edit("payment", "pay-m1", reference="revised")
    pipeline.faults.malformed_ids.update({"inv-m1", "pay-m1"})
    log = pipeline.sync(full=True, status=SyncLog.Status.PARTIAL)

    assert sorted((r["object"], r["id"]) for r in log.rejected) == [
        ("invoices", "inv-m1"),
        ("payments", "pay-m1"),
    ]
    # The sandbox's corruption: total_amount "not-a-number" and posted_at/paid_at "31/02/2024".
    for entry in log.rejected:
        assert any(f in entry["reason"] for f in ("total_amount", "posted_at", "paid_at")), entry
    assert pipeline.figures(*dates) == expected
    numbers = {row["external_id"]: row["invoice_number"] for row in pipeline.rows("c-1")}
    assert numbers == {"inv-m1": "INV-M1", "inv-m2": "INV-M2"}  # the last good version


# 7. Poison records ----------------------------------------------------------------------------

LONG_ID = "x" * 150


def test_poison_records_are_rejected_one_by_one_and_the_rest_load(pipeline):
    """Good: inv-g1 1,000.00 (due 02-09) paid 200.00 by pay-g1 on 02-20; inv-g2 250.50 (due 03-03).
    Poison, each rejected with its id and the field at fault, the sync PARTIAL, not FAILED:
    amounts 1e30 and 1e16 (over the 10^15 bound), an id of 150 characters, dates in years 0001
    and 9999 — on invoices, a credit memo and payments.

    02-15: 1,000.00 + 250.50 = 1,250.50.  Today: 800.00 (02-09 → 03-15 = 34 days: 31-60)
    + 250.50 (12 days: 1-30) = 1,050.50.
    """
    later = "2026-02-25T12:00:00Z"
    poison = {
        ("invoices", "inv-p-1e30"): ("total_amount", "balance_amount"),
        ("invoices", "inv-p-1e16"): ("total_amount", "balance_amount"),
        ("invoices", LONG_ID): ("id",),
        ("invoices", "inv-p-0001"): ("posted_at",),
        ("invoices", "inv-p-9999"): ("posted_at",),
        ("creditmemos", "cm-p-1e16"): ("total_amount", "balance_amount"),
        ("payments", "pay-p-1e30"): ("total_amount",),
        ("payments", "pay-p-9999"): ("paid_at",),
    }
    year_0001 = invoice("inv-p-0001", "10.00", posted="2026-01-01", due="2026-02-01")
    year_0001["posted_at"] = "0001-01-01T00:00:00Z"
    year_9999 = invoice("inv-p-9999", "10.00", posted="2026-01-01", due="2026-02-01")
    year_9999["posted_at"] = "9999-12-31T00:00:00Z"
    paid_9999 = payment("pay-p-9999", "10.00", paid="2026-01-01", updated=later)
    paid_9999["paid_at"] = "9999-12-31T00:00:00Z"
    pipeline.serve(
        ledger(
            invoices=[
                invoice("inv-g1", "1000.00", posted="2026-01-10", due="2026-02-09", paid="200.00"),
                invoice("inv-p-1e30", 1e30, posted="2026-01-11", due="2026-02-10", balance=1e30),
                invoice("inv-p-1e16", 1e16, posted="2026-01-12", due="2026-02-11", balance=1e16),
                invoice(LONG_ID, "100.00", posted="2026-01-13", due="2026-02-12"),
                year_0001,
                year_9999,
                invoice("inv-g2", "250.50", posted="2026-02-01", due="2026-03-03"),
            ],
            creditmemos=[creditmemo("cm-p-1e16", 1e16, posted="2026-01-14", balance=1e16)],
            payments=[
                payment(
                    "pay-g1",
                    "200.00",
                    paid="2026-02-20",
                    lines=(("INVOICE", "inv-g1", "200.00", "2026-02-20"),),
                ),
                payment("pay-p-1e30", 1e30, paid="2026-02-21"),
                paid_9999,
            ],
        )
    )

    log = pipeline.sync(status=SyncLog.Status.PARTIAL)

    assert log.error == ""
    rejected = {(r["object"], r["id"]): r["reason"] for r in log.rejected}
    assert sorted(rejected) == sorted(poison)
    for key, fields in poison.items():
        assert any(f in rejected[key] for f in fields), (key, rejected[key])
    assert pipeline.figures("2026-02-15", TODAY) == {
        "2026-02-15": ("1250.50", "0.00"),
        TODAY: ("1050.50", "0.00"),
    }
    assert pipeline.documents("c-1") == {"inv-g1": "800.00", "inv-g2": "250.50"}
    zero = dict.fromkeys(USD_KEYS, "0.00")
    assert pipeline.buckets() == zero | {"1_30": "250.50", "31_60": "800.00", "total": "1050.50"}


# 8. Types and signs ---------------------------------------------------------------------------


def test_credit_memos_from_the_invoice_endpoint_age_from_posting_and_negative_invoices_credit(
    pipeline,
):
    """inv-p 1,000.00 due 02-04; cm-i, a CREDITMEMO of 300.00 served on the invoice endpoint,
    posted 01-20 with a due_at of 03-20; inv-neg, an INVOICE of −500.00 posted and due 02-20.

    02-10: inv-p 6 days (1-30) 1,000.00; cm-i aged from 01-20: 21 days (1-30) −300.00; inv-neg
    not yet posted → 1-30 700.00, total 700.00 (its due_at would make cm-i Current).
    Today: inv-p 02-04 → 03-15 = 39 days (31-60) 1,000.00; cm-i 01-20 → 03-15 = 54 days (31-60)
    −300.00; inv-neg 23 days (1-30) −500.00, a credit → 31-60 700.00, 1-30 −500.00, total 200.00
    (abs() would make it +500.00: 1,200.00).
    """
    memo_as_invoice = invoice(
        "cm-i", "300.00", posted="2026-01-20", due="2026-03-20", type="CREDITMEMO"
    )
    pipeline.serve(
        ledger(
            invoices=[
                invoice("inv-p", "1000.00", posted="2026-01-05", due="2026-02-04"),
                memo_as_invoice,
                invoice("inv-neg", "-500.00", posted="2026-02-20", due="2026-02-20"),
            ]
        )
    )
    pipeline.sync()

    zero = dict.fromkeys(USD_KEYS, "0.00")
    assert {d: pipeline.buckets(d) for d in ("2026-02-10", TODAY)} == {
        "2026-02-10": zero | {"1_30": "700.00", "total": "700.00"},
        TODAY: zero | {"1_30": "-500.00", "31_60": "700.00", "total": "200.00"},
    }
    assert pipeline.figures(TODAY) == {TODAY: ("200.00", "-800.00")}
    rows = {r["external_id"]: r for r in pipeline.rows("c-1")}
    assert {
        k: (r["doc_type"], r["due_date"], r["days_overdue"], r["aging_bucket_key"], r["amount_due"])
        for k, r in rows.items()
    } == {
        "inv-p": ("INVOICE", "2026-02-04", 39, "31_60", "1000.00"),
        "cm-i": ("CREDITMEMO", "2026-01-20", 54, "31_60", "-300.00"),
        "inv-neg": ("INVOICE", "2026-02-20", 23, "1_30", "-500.00"),
    }


# 9. Exact sums on both databases --------------------------------------------------------------


def test_a_customer_netting_to_zero_has_no_balance_and_amount_filters_are_exact(pipeline):
    """c-z: invoices 0.10 and 0.20 and an open credit memo 0.30 — 0.10 + 0.20 − 0.30 = 0.00
    exactly (in binary floats 5.55e-17). c-f: inv-f 0.80 (due 02-09), PAID by 0.10 on 03-01
    and 0.70 on 03-02, so on 02-28 it is 0.00 + 0.10 + 0.70 = 0.80 (0.7999999999999999 in
    floats). c-a: inv-a9 100.00.

    02-28: total 100.00 + 0.30 − 0.30 + 0.80 = 100.80; customers with a balance: c-a, c-f → 2.
    min_amount = max_amount = 0.80 keeps inv-f alone: 0.80, one customer, one document.
    min_amount 0.80 in the breakdown: c-a 100.00 and c-f 0.80 (c-z's documents are all smaller).
    Today: inv-f paid → 100.00, one customer.
    """
    pipeline.serve(
        ledger(
            contacts=("c-a", "c-z", "c-f"),
            invoices=[
                invoice("inv-a9", "100.00", posted="2026-01-15", due="2026-02-14", contact="c-a"),
                invoice("inv-z1", "0.10", posted="2026-01-10", due="2026-02-09", contact="c-z"),
                invoice("inv-z2", "0.20", posted="2026-01-10", due="2026-02-09", contact="c-z"),
                invoice(
                    "inv-f",
                    "0.80",
                    posted="2026-01-10",
                    due="2026-02-09",
                    paid="0.80",
                    status="PAID",
                    contact="c-f",
                ),
            ],
            creditmemos=[creditmemo("cm-z", "0.30", posted="2026-01-20", contact="c-z")],
            payments=[
                payment(
                    f"pay-f{n}",
                    amount,
                    paid=on,
                    contact="c-f",
                    lines=(("INVOICE", "inv-f", amount, on),),
                )
                for n, amount, on in ((1, "0.10", "2026-03-01"), (2, "0.70", "2026-03-02"))
            ],
        )
    )
    pipeline.sync()

    def headline(as_of: str, **params) -> tuple:
        body = pipeline.summary(as_of, **params)
        return body["total_ar"], body["total_customers"], body["total_invoices"]

    assert headline("2026-02-28")[:2] == ("100.80", 2)
    assert headline("2026-02-28", min_amount="0.80", max_amount="0.80") == ("0.80", 1, 1)
    assert pipeline.customers("2026-02-28", min_amount="0.80") == {
        "Customer c-a": "100.00",
        "Customer c-f": "0.80",
    }
    assert pipeline.documents("c-f", "2026-02-28") == {"inv-f": "0.80"}
    assert headline(TODAY)[:2] == ("100.00", 1)


# 10. Rounding -----------------------------------------------------------------------------------


def test_half_cent_balances_round_per_document_so_buckets_add_up(pipeline):
    """USD: five invoices of 0.005, one per bucket up to 91-120 (due 03-20, 03-14, 02-12, 01-13,
    2025-12-13: −5, 1, 31, 61 and 92 days on 03-15). Each rounds half away from zero to 0.01 before
    it is summed: every bucket 0.01, total 5 × 0.01 = 0.05 (not 0.025 → 0.03), overdue 0.04,
    80.00 %. Average days past due over the four overdue: (1 + 31 + 61 + 92) / 4 = 46.25 → 46.3
    half-up (46.2 half-even); weighted by equal amounts, the same.
    JPY: three invoices of ¥100.5 (Current, 1-30, 31-60): ¥101 each, total ¥303 (not ¥302).
    """
    dues = ("2026-03-20", "2026-03-14", "2026-02-12", "2026-01-13", "2025-12-13")
    posted = ("2026-02-18", "2026-02-12", "2026-01-13", "2025-12-14", "2025-11-13")
    pipeline.serve(
        ledger(
            contacts=("c-usd", "c-jpy"),
            currencies={"c-jpy": "JPY"},
            invoices=[
                invoice(f"inv-h{n}", "0.005", posted=p, due=d, contact="c-usd")
                for n, (p, d) in enumerate(zip(posted, dues, strict=True), start=1)
            ]
            + [
                invoice(f"inv-j{n}", "100.5", posted=p, due=d, contact="c-jpy", currency="JPY")
                for n, (p, d) in enumerate(zip(posted[:3], dues[:3], strict=True), start=1)
            ],
        )
    )
    pipeline.sync()

    cent = dict.fromkeys(USD_KEYS, "0.01") | {"over_120": "0.00"}
    assert pipeline.buckets() == cent | {"total": "0.05"}
    summary = pipeline.summary()
    assert {k: summary[k] for k in ("total_ar", "total_overdue", "overdue_percentage")} == {
        "total_ar": "0.05",
        "total_overdue": "0.04",
        "overdue_percentage": "80.00",
    }
    assert (summary["avg_days_overdue"], summary["avg_days_overdue_weighted"]) == ("46.3", "46.3")
    rows = pipeline.get("customer-breakdown")["customers"]
    assert [(r["total_outstanding"], r["overdue"], r["buckets"]) for r in rows] == [
        ("0.05", "0.04", cent)
    ]
    assert sorted(pipeline.documents("c-usd").values()) == ["0.01"] * 5
    details = pipeline.get(f"invoice-details/{pipeline.customer_pk('c-usd')}")
    assert details["total_outstanding"] == "0.05"

    yen = dict.fromkeys(USD_KEYS, "0") | {"current": "101", "1_30": "101", "31_60": "101"}
    assert pipeline.buckets(currency="JPY") == yen | {"total": "303"}
    assert pipeline.summary(currency="JPY")["total_ar"] == "303"


# 5. Paging: an edit during a full listing must not look like a deletion ----------------------


def test_an_edit_while_a_full_listing_pages_deletes_nothing(pipeline):
    """Five invoices of 100.00 (inv-0 … inv-4, updated in that order), served two a page.

    During the second full sync, inv-0 is edited right after the first page (offset 0) is
    served: sorted by `updated_at` it moves to the end, so inv-2 slips to offset 1 and the
    page at offset 2 starts at inv-3: inv-2 is never listed. The listing completed without
    error, but a record changed during it, so nothing is marked deleted: AR stays 5 × 100.00
    = 500.00 and inv-2 still counts. The next full sync, undisturbed, sees all five.
    """
    from connectors.unified.sandbox import PagingEdit

    pipeline.serve(
        ledger(
            invoices=[
                invoice(
                    f"inv-{i}",
                    "100.00",
                    posted="2026-02-01",
                    due="2026-03-03",
                    updated=f"2026-02-0{i + 1}T10:00:00Z",
                )
                for i in range(5)
            ]
        )
    )
    pipeline.sync()
    assert pipeline.summary()["total_ar"] == "500.00"

    pipeline.faults.edit_during_paging = PagingEdit(
        "invoice", "inv-0", after_offset=0, changes={"invoice_number": "INV-0-R"}
    )
    pipeline.faults.page_cap = 2  # the server serves two records a page
    log = pipeline.sync(full=True)

    assert pipeline.faults.edit_during_paging.fired
    assert pipeline.summary()["total_ar"] == "500.00"
    assert pipeline.documents("c-1") == dict.fromkeys(
        ["inv-0", "inv-1", "inv-2", "inv-3", "inv-4"], "100.00"
    )
    assert log.counts["documents"].get("deleted", 0) == 0
    assert any("deletions left to the next full sync" in w["warning"] for w in log.warnings)
    # The edited version, listed again at the end, is the one kept.
    assert Invoice.objects.get(external_id="inv-0").number == "INV-0-R"
