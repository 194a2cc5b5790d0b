"""Analytics API (issue 15): each view parses the common filters and its own parameters, calls
the analytics selectors and presents their figures. Nothing here sums or estimates."""

from __future__ import annotations

from dataclasses import replace

from django.db.models import Count, Max
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import ValidationError

from ar_dashboard import metrics, selectors
from ar_dashboard.analytics import health, kpis, payments, rates, trends
from ar_dashboard.api import analytics_serializers as out
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
    parse_request,
    responses,
)
from ar_dashboard.filters import parse_positive_int
from ar_dashboard.models import ExchangeRate
from ar_dashboard.money import money_str

NOT_USED = ("bucket", "min_amount", "max_amount", "name", "band")
PERIOD_CHOICES = tuple(str(d) for d in metrics.DSO_PERIODS)
TRUE, FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off", "")
BANDS = tuple(band for band, _, _ in metrics.RISK_BANDS)

PERIOD = OpenApiParameter(
    "period_days", int, enum=list(metrics.DSO_PERIODS), description="Period length (default 90)"
)
HOME = OpenApiParameter(
    "home_currency",
    bool,
    description="1: add one total in the company's home currency, at the latest rate dated "
    "on or before as_of (400 when a currency has no rate).",
)


def parse(request, own: tuple[str, ...] = ()):
    """(company, filters) from the common filters; the per-document ones are refused, except
    the endpoint's `own` parameters, which it reads itself (customer-health's `band`)."""
    params = request.query_params
    for name in NOT_USED:
        if name not in own and params.get(name, "") != "":
            raise ValidationError({name: "Not used by this endpoint."})
    if own:
        params = params.copy()
        for name in own:
            params.pop(name, None)
    return parse_request(params, request.user)


def period_days(request) -> int:
    raw = request.query_params.get("period_days", "")
    if raw == "":
        return 90
    if raw not in PERIOD_CHOICES:
        raise ValidationError({"period_days": f"Must be one of {', '.join(PERIOD_CHOICES)}."})
    return int(raw)


def home_currency(request) -> bool:
    raw = request.query_params.get("home_currency", "").strip().lower()
    if raw not in TRUE + FALSE:
        raise ValidationError({"home_currency": "Must be 1 (consolidate) or 0."})
    return raw in TRUE


def _rates_stamp(company) -> dict:
    """What cached consolidated answers depend on besides the ledger: the rate table's state."""
    row = ExchangeRate.objects.filter(company=company).aggregate(n=Count("id"), t=Max("updated_at"))
    return {"rates": f"{row['n']}:{row['t'].isoformat() if row['t'] else ''}"}


def _rates(company, filters) -> dict[str, rates.RateUsed]:
    currencies = selectors.currencies_in_use(company=company)
    try:
        return rates.rates_on(company=company, currencies=currencies, as_of=filters.as_of)
    except rates.MissingRate as exc:
        raise ValidationError({"home_currency": str(exc)}) from None


def _rate_rows(used: dict[str, rates.RateUsed]) -> list[dict]:
    return [
        {"currency": r.currency, "rate": str(r.rate.normalize()), "rate_date": r.rate_date}
        for r in sorted(used.values(), key=lambda r: r.currency)
    ]


class KPIsView(ReadView):
    @extend_schema(
        parameters=[*COMMON, PERIOD, HOME, X_CACHE], responses=responses(out.KPIsSerializer)
    )
    def get(self, request):
        company, filters = parse(request)
        days, consolidate = period_days(request), home_currency(request)
        used = _rates(company, filters) if consolidate else None
        params = {"period_days": days, **(_rates_stamp(company) if consolidate else {})}

        def compute() -> dict:
            k = kpis.kpis(company=company, filters=filters, period_days=days)
            ctx = _context(company, filters)
            data = {**ctx, **_kpi_fields(k)}
            data["consolidated"] = used and _consolidated_kpis(company, filters, days, used)
            return out.KPIsSerializer(data, context=ctx).data

        return cached_response(
            request,
            endpoint="kpis",
            company=company,
            filters=filters,
            params=params,
            compute=compute,
        )


def _kpi_fields(k: kpis.KPIs) -> dict:
    a, v = k.amounts, k.velocity
    return {
        "period_days": k.period_days,
        "period_start": k.period_start,
        "period_end": k.period_end,
        "ar_beginning": a.ar_beginning,
        "ar_total": a.ar_total,
        "ar_current": a.ar_current,
        "ar_overdue": a.ar_overdue,
        "credit_sales": a.credit_sales,
        "collections": a.collections,
        "credits_applied": a.credits_applied,
        "dso": k.dso,
        "dso_by_period": {str(d): value for d, value in k.dso_by_period.items()},
        "countback_dso": k.countback_dso,
        "best_possible_dso": k.best_possible_dso,
        "average_days_delinquent": k.average_days_delinquent,
        "cei": k.cei,
        "receivables_turnover": k.receivables_turnover,
        "percent_current": k.percent_current,
        "avg_days_to_pay": v.avg_days_to_pay,
        "avg_days_to_pay_weighted": v.avg_days_to_pay_weighted,
        "avg_days_late": v.avg_days_late,
        "avg_days_late_weighted": v.avg_days_late_weighted,
        "invoices_paid": v.invoices_paid,
        "doubtful": a.doubtful,
        "ar_source": a.ar_source,
    }


CONSOLIDATED = ("ar_total", "ar_current", "ar_overdue", "credit_sales", "collections", "doubtful")


def _consolidated_kpis(company, filters, days: int, used: dict) -> dict:
    """Each currency's amounts converted at its rate, then added (home currency)."""
    home = company.home_currency
    totals = dict.fromkeys(CONSOLIDATED, metrics.ZERO)
    by_currency = []
    for currency in sorted(used):
        amounts = kpis.period_amounts(
            company=company, filters=replace(filters, currency=currency), period_days=days
        )
        converted = {
            name: rates.to_home(getattr(amounts, name), used[currency], home)
            for name in CONSOLIDATED
        }
        for name, value in converted.items():
            totals[name] += value
        by_currency.append(
            {
                "currency": currency,
                "ar_total": money_str(amounts.ar_total, currency),
                "ar_total_home": money_str(converted["ar_total"], home),
            }
        )
    return {
        "currency": home,
        "as_of": filters.as_of,
        **{name: money_str(value, home) for name, value in totals.items()},
        "dso": metrics.dso(totals["ar_total"], totals["credit_sales"], days),
        "rates": _rate_rows(used),
        "by_currency": by_currency,
    }


class TrendsView(ReadView):
    @extend_schema(
        parameters=[
            *COMMON,
            OpenApiParameter("months", int, description="Months, 1-24 (default 12)"),
            X_CACHE,
        ],
        responses=responses(out.TrendsSerializer),
    )
    def get(self, request):
        company, filters = parse(request)
        raw = request.query_params.get("months", "")
        months = (
            12 if raw == "" else parse_positive_int(raw, name="months", maximum=trends.MAX_MONTHS)
        )

        def compute() -> dict:
            scheme = company.aging_scheme
            series = trends.trends(company=company, filters=filters, months=months)
            ctx = _context(company, filters)
            data = {
                **ctx,
                "buckets": [{"key": b.key, "label": b.label} for b in scheme.buckets],
                "months": [_trend_month(m, scheme) for m in series],
            }
            return out.TrendsSerializer(data, context=ctx).data

        return cached_response(
            request,
            endpoint="trends",
            company=company,
            filters=filters,
            params={"months": months},
            compute=compute,
        )


def _trend_month(m: trends.TrendMonth, scheme) -> dict:
    ar = m.ar
    return {
        "month": f"{m.start:%Y-%m}",
        "start": m.start,
        "end": m.end,
        "days": m.days,
        "source": ar.source,
        "reconstructed": ar.reconstructed,
        "ar_total": ar.total,
        "ar_current": ar.current,
        "ar_overdue": ar.overdue,
        "aging": {b.key: ar.buckets[b.index] for b in scheme.buckets},
        "aging_mix": {
            b.key: metrics.share_percent(ar.buckets[b.index], ar.total) for b in scheme.buckets
        },
        "credit_sales": m.credit_sales,
        "collections": m.collections,
        "dso": m.dso,
        "countback_dso": m.countback_dso,
        "cei": m.cei,
    }


HEALTH_SORTS = sorted(health.SORTS)


class CustomerHealthView(ReadView):
    @extend_schema(
        parameters=[
            *COMMON,
            *PAGING,
            OpenApiParameter(
                "sort",
                str,
                description="One of "
                + ", ".join(HEALTH_SORTS)
                + " ('-' prefix: descending; default -score)",
            ),
            OpenApiParameter("band", str, enum=list(BANDS), description="Only this band"),
            X_CACHE,
        ],
        responses=responses(out.CustomerHealthSerializer),
    )
    def get(self, request):
        company, filters = parse(request, own=("band",))
        sort = request.query_params.get("sort") or "-score"
        if sort.removeprefix("-") not in HEALTH_SORTS:
            raise ValidationError({"sort": f"Must be one of {', '.join(HEALTH_SORTS)}."})
        band = request.query_params.get("band") or None
        if band is not None and band not in BANDS:
            raise ValidationError({"band": f"Must be one of {', '.join(BANDS)}."})
        paging = page_params(request)

        def compute() -> dict:
            rows = health.customer_health(company=company, filters=filters, sort=sort, band=band)
            page, meta = paginate(request, rows, paging)
            ctx = _context(company, filters)
            data = {
                **ctx,
                **meta,
                "history_days": payments.HISTORY_DAYS,
                "bands": [{"band": b, "min": lo, "max": hi} for b, lo, hi in metrics.RISK_BANDS],
                "weights": metrics.RISK_WEIGHTS,
                "customers": [_health_row(r) for r in page],
            }
            return out.CustomerHealthSerializer(data, context=ctx).data

        return cached_response(
            request,
            endpoint="customer-health",
            company=company,
            filters=filters,
            params={"sort": sort, "band": band, **paging, "links": link_base(request)},
            compute=compute,
        )


def _health_row(r: health.HealthRow) -> dict:
    return {
        "id": r.customer_id,
        "customer": r.customer,
        "balance": r.balance,
        "score": r.risk.score,
        "band": r.risk.band,
        "avg_days_late": r.avg_days_late,
        "factors": [{**f.__dict__, "description": f.description} for f in r.risk.factors],
    }
