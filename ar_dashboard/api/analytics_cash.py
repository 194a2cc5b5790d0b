"""Analytics API, the cash side: cash forecast and payment velocity (issue 15)."""

from __future__ import annotations

from dataclasses import replace

from drf_spectacular.utils import extend_schema

from ar_dashboard import metrics
from ar_dashboard.analytics import forecast, kpis, payments, rates
from ar_dashboard.api import analytics_serializers as out
from ar_dashboard.api.analytics import (
    HOME,
    PERIOD,
    _rate_rows,
    _rates,
    _rates_stamp,
    home_currency,
    parse,
    period_days,
)
from ar_dashboard.api.views import (
    COMMON,
    PAGING,
    X_CACHE,
    ReadView,
    _context,
    cached_response,
    link_base,
    page_params,
    paginate,
    responses,
)
from ar_dashboard.money import money_str


class CashForecastView(ReadView):
    @extend_schema(
        parameters=[*COMMON, HOME, X_CACHE], responses=responses(out.CashForecastSerializer)
    )
    def get(self, request):
        company, filters = parse(request)
        consolidate = home_currency(request)
        used = _rates(company, filters) if consolidate else None
        params = _rates_stamp(company) if consolidate else {}

        def compute() -> dict:
            result = forecast.cash_forecast(company=company, filters=filters)
            ctx = _context(company, filters)
            data = {**ctx, **_forecast_fields(result, filters.as_of)}
            data["consolidated"] = used and _consolidated_forecast(company, filters, used)
            return out.CashForecastSerializer(data, context=ctx).data

        return cached_response(
            request,
            endpoint="cash-forecast",
            company=company,
            filters=filters,
            params=params,
            compute=compute,
        )


def _forecast_fields(result: forecast.Forecast, as_of) -> dict:
    weeks = metrics.forecast_weeks(as_of)
    months = metrics.forecast_months(as_of)
    return {
        "company_avg_days_late": result.company_days_late,
        "weeks": [
            {"week": i + 1, "start": p.start, "end": p.end, "amount": amount}
            for i, (p, amount) in enumerate(zip(weeks, result.bins.weeks, strict=True))
        ],
        "months": [
            {"month": p.label, "start": p.start, "end": p.end, "amount": amount}
            for p, amount in zip(months, result.bins.months, strict=True)
        ],
        "past_expected": result.bins.past_expected,
        "later": result.bins.later,
        "doubtful": {"amount": result.doubtful, "documents": result.doubtful_documents},
        "open_invoices": result.open_invoices,
        "unapplied_credit": result.unapplied_credit,
    }


def _consolidated_forecast(company, filters, used: dict) -> dict:
    """Each currency's forecast converted period by period at its rate, then added."""
    home = company.home_currency
    weeks = [metrics.ZERO] * metrics.FORECAST_WEEKS
    months = [metrics.ZERO] * metrics.FORECAST_MONTHS
    past = later = doubtful = metrics.ZERO
    for currency in sorted(used):
        result = forecast.cash_forecast(
            company=company, filters=replace(filters, currency=currency)
        )
        rate = used[currency]

        def conv(amount, rate=rate):
            return rates.to_home(amount, rate, home)

        weeks = [w + conv(a) for w, a in zip(weeks, result.bins.weeks, strict=True)]
        months = [m + conv(a) for m, a in zip(months, result.bins.months, strict=True)]
        past += conv(result.bins.past_expected)
        later += conv(result.bins.later)
        doubtful += conv(result.doubtful)
    return {
        "currency": home,
        "weeks": [money_str(a, home) for a in weeks],
        "months": [money_str(a, home) for a in months],
        "past_expected": money_str(past, home),
        "later": money_str(later, home),
        "doubtful": money_str(doubtful, home),
        "rates": _rate_rows(used),
    }


VELOCITY_MONTHS = 12


class PaymentVelocityView(ReadView):
    @extend_schema(
        parameters=[*COMMON, PERIOD, *PAGING, X_CACHE],
        responses=responses(out.PaymentVelocitySerializer),
    )
    def get(self, request):
        company, filters = parse(request)
        days = period_days(request)
        paging = page_params(request)

        def compute() -> dict:
            start, end = kpis.period_bounds(filters.as_of, days)
            summary = payments.velocity(
                company=company,
                currency=filters.currency,
                start=start,
                end=end,
                customer=filters.customer,
            )
            span = metrics.months_ending(filters.as_of, VELOCITY_MONTHS)
            by_month = payments.velocity_by_month(
                company=company,
                currency=filters.currency,
                start=span[0][0],
                end=end,
                customer=filters.customer,
            )
            rows = payments.velocity_by_customer(
                company=company,
                currency=filters.currency,
                start=start,
                end=end,
                customer=filters.customer,
            ).order_by("-days_late_weighted", "customer_name", "customer_id")
            page, meta = paginate(request, rows, paging)
            ctx = _context(company, filters)
            data = {
                **ctx,
                **meta,
                "period_days": days,
                "period_start": start,
                "period_end": end,
                "summary": summary.__dict__,
                "months": [_month(s, by_month) for s, _ in span],
                "customers": [_customer(row) for row in page],
            }
            return out.PaymentVelocitySerializer(data, context=ctx).data

        return cached_response(
            request,
            endpoint="payment-velocity",
            company=company,
            filters=filters,
            params={"period_days": days, **paging, "links": link_base(request)},
            compute=compute,
        )


def _month(start, by_month: dict) -> dict:
    figures = by_month.get(start) or metrics.velocity([])
    return {"month": f"{start:%Y-%m}", **figures.__dict__}


def _customer(row: dict) -> dict:
    return {
        "id": row["customer_id"],
        "customer": row["customer_name"],
        **payments.to_velocity(row).__dict__,
    }
