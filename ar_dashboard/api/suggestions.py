"""`/ar/api/customer-suggestions/?q=glo`: customer names for the filter box's suggestions."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from ar_dashboard.api.views import ReadView, _company_param, responses
from ar_dashboard.filters import resolve_company
from ar_dashboard.page_reads import customer_suggestions

MAX_TEXT = 100


class CustomerSuggestionsView(ReadView):
    @extend_schema(
        parameters=[
            OpenApiParameter("company", int, description="Company id (optional)"),
            OpenApiParameter("q", str, description="Start of (or text in) a customer's name"),
        ],
        responses=responses(
            inline_serializer(
                "CustomerSuggestions",
                {
                    "results": serializers.ListField(
                        child=inline_serializer(
                            "CustomerSuggestion",
                            {"id": serializers.IntegerField(), "name": serializers.CharField()},
                        )
                    )
                },
            )
        ),
    )
    def get(self, request):
        company = resolve_company(request.user, _company_param(request.query_params))
        text = request.query_params.get("q", "")
        if len(text) > MAX_TEXT:
            raise ValidationError({"q": f"At most {MAX_TEXT} characters."})
        return Response({"results": customer_suggestions(company=company, text=text)})
