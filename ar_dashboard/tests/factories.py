"""Factories with fixed dates (never random): tests state every date they depend on."""

from datetime import date
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model

from ar_dashboard.models import Allocation, Company, Customer, Invoice, Membership, Payment


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.django.Password("correct horse battery staple")


class CompanyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Company

    name = factory.Sequence(lambda n: f"Company {n}")
    home_currency = "USD"
    timezone = "UTC"
    unified_connection_id = factory.Sequence(lambda n: f"conn_{n}")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    company = factory.SubFactory(CompanyFactory)
    role = Membership.Role.ADMIN


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    company = factory.SubFactory(CompanyFactory)
    external_id = factory.Sequence(lambda n: f"cus_{n}")
    name = factory.Sequence(lambda n: f"Customer {n:03d}")
    currency = "USD"


class InvoiceFactory(factory.django.DjangoModelFactory):
    """An open USD invoice of 100.00 posted 2026-01-01, due 2026-01-31 (Net 30)."""

    class Meta:
        model = Invoice

    company = factory.SubFactory(CompanyFactory)
    customer = factory.SubFactory(CustomerFactory, company=factory.SelfAttribute("..company"))
    external_id = factory.Sequence(lambda n: f"inv_{n}")
    number = factory.Sequence(lambda n: f"INV-{n:05d}")
    doc_type = Invoice.DocType.INVOICE
    source_status = "AUTHORIZED"
    posted_on = date(2026, 1, 1)
    due_on = date(2026, 1, 31)
    currency = "USD"
    total = Decimal("100.00")
    paid = Decimal("0")
    balance = factory.LazyAttribute(lambda o: o.total - o.paid)


class PaymentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Payment

    company = factory.SubFactory(CompanyFactory)
    external_id = factory.Sequence(lambda n: f"pay_{n}")
    paid_on = date(2026, 2, 1)
    currency = "USD"
    total = Decimal("100.00")
    source_status = "SUCCEEDED"


class AllocationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Allocation

    document = factory.SubFactory(InvoiceFactory)
    company = factory.SelfAttribute("document.company")
    kind = Allocation.Kind.PAYMENT
    ref = factory.Sequence(lambda n: f"pay:p{n}")
    amount = Decimal("100.00")
    allocated_on = date(2026, 2, 1)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        """As the load does, keep the document's `last_allocated_on` (the as-of read uses it)."""
        from ar_dashboard.services.allocations import documents_last_allocated_refresh

        row = super()._create(model_class, *args, **kwargs)
        documents_last_allocated_refresh(company=row.company, document_ids={row.document_id})
        return row
