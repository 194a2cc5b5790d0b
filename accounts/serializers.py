"""Output shapes of the onboarding JSON endpoints (for the OpenAPI schema; views fill them)."""

from rest_framework import serializers


class RejectedRecordSerializer(serializers.Serializer):
    object = serializers.CharField()
    id = serializers.CharField()
    reason = serializers.CharField()


class SyncProgressSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    company = serializers.IntegerField()
    status = serializers.CharField(help_text="queued, running, success, partial or failed")
    status_label = serializers.CharField()
    finished = serializers.BooleanField()
    step = serializers.CharField(help_text="The current step, e.g. 'fetching invoices'.")
    full_sync = serializers.BooleanField()
    requested_at = serializers.DateTimeField()
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)
    elapsed_seconds = serializers.IntegerField()
    fetched = serializers.DictField(child=serializers.IntegerField())
    loaded = serializers.DictField(child=serializers.IntegerField())
    rejected_count = serializers.IntegerField()
    rejected = RejectedRecordSerializer(many=True)
    error = serializers.CharField()


class BucketPreviewSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    min_days = serializers.IntegerField(allow_null=True)
    max_days = serializers.IntegerField(allow_null=True)


class AgingPreviewSerializer(serializers.Serializer):
    edges = serializers.ListField(child=serializers.IntegerField())
    buckets = BucketPreviewSerializer(many=True)
