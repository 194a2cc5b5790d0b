"""Presentation of money: each currency in its own minor units (JPY 0, USD 2, KWD 3)."""

from decimal import ROUND_HALF_UP, Decimal

from babel.numbers import format_currency, get_currency_precision


def minor_units(currency: str) -> int:
    return get_currency_precision(currency)


def quantize_money(amount: Decimal, currency: str) -> Decimal:
    """`amount` rounded half-up to the currency's minor unit (storage keeps 4 places)."""
    exponent = Decimal(1).scaleb(-minor_units(currency))
    return amount.quantize(exponent, rounding=ROUND_HALF_UP)


def money_str(amount: Decimal, currency: str) -> str:
    """The JSON/CSV form: a plain decimal string in minor units, e.g. '1234.50', '1235' (JPY)."""
    return str(quantize_money(amount, currency))


def money_display(amount: Decimal, currency: str, locale: str = "en_US") -> str:
    """The human form, e.g. '$1,234.50', '¥1,235', 'KWD 1,234.568'."""
    return format_currency(quantize_money(amount, currency), currency, locale=locale)
