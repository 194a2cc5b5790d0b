"""Output serializers of the analytics endpoints (issue 15): they present, never compute."""

from rest_framework import serializers

from ar_dashboard.api.serializers import MoneyField, _Base, _Page

Days = {"max_digits": None, "decimal_places": 1, "allow_null": True}
Ratio = {"max_digits": None, "decimal_places": 2, "allow_null": True}


class RateSerializer(serializers.Serializer):
    currency = serializers.CharField()
    rate = serializers.CharField(help_text="Home-currency units per unit of `currency`.")
    rate_date = serializers.DateField(allow_null=True, help_text="null for the home currency.")


class ConsolidatedKPIsSerializer(serializers.Serializer):
    currency = serializers.CharField(help_text="The home currency every amount here is in.")
    as_of = serializers.DateField()
    ar_total = serializers.CharField()
    ar_current = serializers.CharField()
    ar_overdue = serializers.CharField()
    credit_sales = serializers.CharField()
    collections = serializers.CharField()
    doubtful = serializers.CharField()
    dso = serializers.DecimalField(**Days)
    rates = RateSerializer(many=True)
    by_currency = serializers.ListField(child=serializers.DictField())


class VelocitySerializer(serializers.Serializer):
    invoices_paid = serializers.IntegerField()
    amount_paid = MoneyField()
    avg_days_to_pay = serializers.DecimalField(**Days)
    avg_days_to_pay_weighted = serializers.DecimalField(**Days)
    avg_days_late = serializers.DecimalField(**Days, help_text="Negative = paid early.")
    avg_days_late_weighted = serializers.DecimalField(**Days)


class KPIsSerializer(_Base):
    period_days = serializers.IntegerField()
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    ar_beginning = MoneyField(help_text="AR at the end of the day before period_start.")
    ar_total = MoneyField()
    ar_current = MoneyField()
    ar_overdue = MoneyField()
    credit_sales = MoneyField()
    collections = MoneyField()
    credits_applied = MoneyField()
    dso = serializers.DecimalField(**Days)
    dso_by_period = serializers.DictField(child=serializers.DecimalField(**Days))
    countback_dso = serializers.DecimalField(**Days)
    best_possible_dso = serializers.DecimalField(**Days)
    average_days_delinquent = serializers.DecimalField(**Days)
    cei = serializers.DecimalField(**Ratio)
    receivables_turnover = serializers.DecimalField(**Ratio)
    percent_current = serializers.DecimalField(**Ratio)
    avg_days_to_pay = serializers.DecimalField(**Days)
    avg_days_to_pay_weighted = serializers.DecimalField(**Days)
    avg_days_late = serializers.DecimalField(**Days)
    avg_days_late_weighted = serializers.DecimalField(**Days)
    invoices_paid = serializers.IntegerField()
    doubtful = MoneyField()
    ar_source = serializers.CharField(help_text="snapshot or live: where AR at as_of came from.")
    consolidated = ConsolidatedKPIsSerializer(allow_null=True)


class BucketKeySerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()


class TrendMonthSerializer(serializers.Serializer):
    month = serializers.CharField()
    start = serializers.DateField()
    end = serializers.DateField()
    days = serializers.IntegerField()
    source = serializers.CharField(help_text="snapshot (ARSnapshot row) or live")
    reconstructed = serializers.BooleanField(allow_null=True)
    ar_total = MoneyField()
    ar_current = MoneyField()
    ar_overdue = MoneyField()
    aging = serializers.DictField(child=MoneyField())
    aging_mix = serializers.DictField(child=serializers.DecimalField(**Ratio))
    credit_sales = MoneyField()
    collections = MoneyField()
    dso = serializers.DecimalField(**Days)
    countback_dso = serializers.DecimalField(**Days)
    cei = serializers.DecimalField(**Ratio)


class TrendsSerializer(_Base):
    buckets = BucketKeySerializer(many=True)
    months = TrendMonthSerializer(many=True)


class FactorSerializer(serializers.Serializer):
    factor = serializers.CharField()
    value = serializers.DecimalField(max_digits=None, decimal_places=4)
    scaled = serializers.DecimalField(max_digits=None, decimal_places=4)
    weight = serializers.IntegerField()
    points = serializers.DecimalField(max_digits=None, decimal_places=2)
    description = serializers.CharField()


class HealthRowSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    customer = serializers.CharField()
    balance = MoneyField()
    score = serializers.IntegerField()
    band = serializers.CharField()
    avg_days_late = serializers.DecimalField(**Days)
    factors = FactorSerializer(many=True)


class BandSerializer(serializers.Serializer):
    band = serializers.CharField()
    min = serializers.IntegerField()
    max = serializers.IntegerField()


class CustomerHealthSerializer(_Page):
    history_days = serializers.IntegerField()
    bands = BandSerializer(many=True)
    weights = serializers.DictField(child=serializers.IntegerField())
    customers = HealthRowSerializer(many=True)


class WeekAmountSerializer(serializers.Serializer):
    week = serializers.IntegerField(help_text="1 = the seven days after as_of.")
    start = serializers.DateField()
    end = serializers.DateField()
    amount = MoneyField()


class MonthAmountSerializer(serializers.Serializer):
    month = serializers.CharField(help_text="YYYY-MM; the first one starts the day after as_of.")
    start = serializers.DateField()
    end = serializers.DateField()
    amount = MoneyField()


class DoubtfulSerializer(serializers.Serializer):
    amount = MoneyField()
    documents = serializers.IntegerField()


class ConsolidatedForecastSerializer(serializers.Serializer):
    currency = serializers.CharField()
    weeks = serializers.ListField(child=serializers.CharField())
    months = serializers.ListField(child=serializers.CharField())
    past_expected = serializers.CharField()
    later = serializers.CharField()
    doubtful = serializers.CharField()
    rates = RateSerializer(many=True)


class CashForecastSerializer(_Base):
    company_avg_days_late = serializers.IntegerField(allow_null=True)
    weeks = WeekAmountSerializer(many=True)
    months = MonthAmountSerializer(many=True)
    past_expected = MoneyField()
    later = MoneyField()
    doubtful = DoubtfulSerializer()
    open_invoices = MoneyField()
    unapplied_credit = MoneyField()
    consolidated = ConsolidatedForecastSerializer(allow_null=True)


class VelocityMonthSerializer(VelocitySerializer):
    month = serializers.CharField()


class VelocityCustomerSerializer(VelocitySerializer):
    id = serializers.IntegerField(allow_null=True)
    customer = serializers.CharField()


class PaymentVelocitySerializer(_Page):
    period_days = serializers.IntegerField()
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    summary = VelocitySerializer()
    months = VelocityMonthSerializer(many=True)
    customers = VelocityCustomerSerializer(many=True)
