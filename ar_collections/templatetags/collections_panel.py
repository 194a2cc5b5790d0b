"""`{% load collections_panel %}{% collections_panel customer as_of %}`: a customer's recent
collection activity, open promises and disputes, for the aging drill-down page."""

from datetime import date

from django import template

from ar_collections import selectors
from ar_collections.priority import PromiseStatus
from ar_dashboard.models import Customer

register = template.Library()
RECENT = 5


@register.inclusion_tag("ar_collections/_panel.html")
def collections_panel(customer: Customer, as_of: date) -> dict:
    company = customer.company
    promises = selectors.promises_with_status(company=company, as_of=as_of, customer=customer)
    return {
        "customer": customer,
        "activities": list(
            selectors.customer_activities(company=company, customer=customer)[:RECENT]
        ),
        "open_promises": [p for p in promises if p.status == PromiseStatus.OPEN],
        "disputes": [
            d
            for d in selectors.customer_disputes(company=company, customer=customer)
            if d.resolved_on is None
        ],
    }
