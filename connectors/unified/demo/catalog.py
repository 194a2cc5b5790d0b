"""Vocabulary of the demo ledger: company names, places, items and currency rules.

Kept apart from the simulation so the generator reads as accounting logic, and so the wording
can change without changing how money moves. Phone numbers use the 555-01xx range reserved
for fiction; e-mail domains use `.example` (RFC 2606) so nothing in the demo reaches a real
company.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal

# ISO 4217 minor units of the currencies the demo company invoices in.
MINOR_UNITS = {"USD": 2, "EUR": 2, "GBP": 2, "CAD": 2, "JPY": 0}

# Rough value of one USD, so a customer's invoices are the same size in any currency.
USD_RATE = {
    "USD": Decimal(1),
    "EUR": Decimal("0.92"),
    "GBP": Decimal("0.79"),
    "CAD": Decimal("1.37"),
    "JPY": Decimal(150),
}

# Sales tax / VAT rates by billing country; most US B2B services carry none.
TAX_RATES = {
    "US": ("0", "0", "0", "0.0625", "0.07", "0.0825"),
    "CA": ("0.05", "0.13"),
    "GB": ("0.20",),
    "DE": ("0.19",),
    "FR": ("0.20",),
    "NL": ("0.21",),
    "IE": ("0.23",),
    "JP": ("0.10",),
}

COUNTRIES = {"USD": ("US",), "EUR": ("DE", "FR", "NL", "IE"), "GBP": ("GB",)}
COUNTRIES |= {"CAD": ("CA",), "JPY": ("JP",)}

# (city, region, region_code, postal_code, country name) by country code.
PLACES = {
    "US": (
        ("Austin", "Texas", "TX", "78701", "United States"),
        ("Denver", "Colorado", "CO", "80202", "United States"),
        ("Columbus", "Ohio", "OH", "43215", "United States"),
        ("Portland", "Oregon", "OR", "97204", "United States"),
        ("Raleigh", "North Carolina", "NC", "27601", "United States"),
        ("Minneapolis", "Minnesota", "MN", "55401", "United States"),
        ("Tampa", "Florida", "FL", "33602", "United States"),
        ("Sacramento", "California", "CA", "95814", "United States"),
        ("Nashville", "Tennessee", "TN", "37203", "United States"),
        ("Madison", "Wisconsin", "WI", "53703", "United States"),
    ),
    "CA": (
        ("Toronto", "Ontario", "ON", "M5V 2T6", "Canada"),
        ("Calgary", "Alberta", "AB", "T2P 1J9", "Canada"),
    ),
    "GB": (
        ("Manchester", "Greater Manchester", "", "M1 1AE", "United Kingdom"),
        ("Bristol", "Bristol", "", "BS1 4DJ", "United Kingdom"),
    ),
    "DE": (("Hamburg", "Hamburg", "HH", "20095", "Germany"),),
    "FR": (("Lyon", "Auvergne-Rhône-Alpes", "ARA", "69002", "France"),),
    "NL": (("Utrecht", "Utrecht", "UT", "3511 AB", "Netherlands"),),
    "IE": (("Cork", "Cork", "CO", "T12 X70A", "Ireland"),),
    "JP": (("Osaka", "Osaka", "27", "530-0001", "Japan"),),
}

LEGAL_SUFFIX = {"US": "LLC", "CA": "Inc.", "GB": "Ltd", "DE": "GmbH", "FR": "SARL"}
LEGAL_SUFFIX |= {"NL": "B.V.", "IE": "Ltd", "JP": "K.K."}

STREETS = ("Main St", "Oak Ave", "Commerce Dr", "Harbor Way", "Mill Rd", "Market St")
STREETS += ("Station Rd", "Park Lane", "Industrial Blvd", "River Rd", "Cedar Ct")

NAME_STEMS = (
    "Acorn", "Blue Ridge", "Cascade", "Copperleaf", "Crescent", "Driftwood", "Evergreen",
    "Fairview", "Foxglove", "Granite", "Harborview", "Highland", "Ironwood", "Juniper",
    "Keystone", "Lakeshore", "Larkspur", "Maple Grove", "Meridian", "Northgate", "Oakmont",
    "Orchard", "Pinecrest", "Prairie", "Quarry Hill", "Redstone", "Riverbend", "Sagebrush",
    "Silverline", "Stonebridge", "Summit", "Sunrise", "Tidewater", "Timberline", "Trailhead",
    "Valleyview", "Westbrook", "Willow Creek", "Windmill", "Yellowpine",
)  # fmt: skip

NAME_TRADES = (
    "Analytics", "Bakery", "Builders", "Cabinetry", "Clinic", "Coffee Roasters", "Construction",
    "Dental Group", "Design Studio", "Electric", "Engineering", "Farms", "Fitness",
    "Foods", "Freight", "Hardware", "Health Partners", "Hospitality", "Landscaping",
    "Legal Services", "Logistics", "Machine Works", "Manufacturing", "Marine", "Media",
    "Medical Supply", "Outfitters", "Plumbing", "Printing", "Robotics", "Software", "Textiles",
)  # fmt: skip

ITEMS = (
    "Consulting services", "Implementation services", "Annual support plan", "Software license",
    "Hardware - network switch", "Hardware - workstation", "Installation labour",
    "Preventive maintenance visit", "Training session", "Freight and handling",
    "Replacement parts", "Monthly managed service", "Cloud hosting", "Design revision",
    "Field service hours", "Spare parts kit", "Calibration service", "Project management",
)  # fmt: skip

CREDIT_REASONS = (
    "Credit - returned goods", "Credit - pricing adjustment", "Credit - damaged in transit",
    "Credit - service outage", "Credit - duplicate billing", "Credit - volume rebate",
)  # fmt: skip

# How each kind of customer pays; wire for most cross-border customers.
PAYMENT_METHODS = {"USD": ("ACH", "ACH", "CHECK", "CHECK", "CARD"), "CAD": ("ACH", "CHECK")}
FOREIGN_PAYMENT_METHODS = ("WIRE",)


def quantum(currency: str) -> Decimal:
    """The currency's smallest unit as a Decimal exponent, e.g. 0.01 for USD, 1 for JPY."""
    return Decimal(1).scaleb(-MINOR_UNITS[currency])


def money(value: Decimal, currency: str) -> Decimal:
    """`value` rounded half-up to the currency's minor unit, as an invoice would print it."""
    return value.quantize(quantum(currency), rounding=ROUND_HALF_UP)


def at_midnight(day: date) -> datetime:
    """A document date as Unified.to sends it: the date at 00:00 UTC."""
    return datetime(day.year, day.month, day.day, tzinfo=UTC)
