"""The OpenAPI schema: valid, warning-free, and declaring what the endpoints really answer."""

import pytest
from django.core.management import call_command
from drf_spectacular.generators import SchemaGenerator

ERROR_CODES = {"400", "401", "403", "404", "429"}


@pytest.fixture(scope="module")
def schema():
    return SchemaGenerator().get_schema(request=None, public=True)


def _operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            yield f"{method.upper()} {path}", operation


def _ref(schema, ref: str) -> dict:
    return schema["components"]["schemas"][ref.rsplit("/", 1)[-1]]


def test_schema_validates_without_a_warning(tmp_path):
    """`manage.py spectacular --validate --fail-on-warn`, as CI runs it: an error or a warning
    (an unresolvable serializer, a path parameter without a type, ...) fails."""
    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    assert target.read_text().startswith("openapi: 3.0.3")


def test_every_operation_documents_the_error_answers(schema):
    for label, operation in _operations(schema):
        codes = set(operation["responses"])
        assert codes >= ERROR_CODES, label
        bad = operation["responses"]["400"]["content"]["application/json"]["schema"]
        assert bad["additionalProperties"]["anyOf"][0] == {"type": "string"}, label
        for code in ERROR_CODES - {"400"}:
            body = operation["responses"][code]["content"]["application/json"]["schema"]
            assert body == {"$ref": "#/components/schemas/Detail"}, (label, code)


def test_creates_answer_201_and_never_200(schema):
    creates = {label for label, operation in _operations(schema) if "201" in operation["responses"]}
    assert creates == {
        "POST /ar/api/collections/customers/{customer_id}/activities/",
        "POST /ar/api/collections/customers/{customer_id}/disputes/",
        "POST /ar/api/collections/customers/{customer_id}/promises/",
    }
    for label, operation in _operations(schema):
        if label in creates:
            assert "200" not in operation["responses"], label


def test_writes_declare_their_request_body(schema):
    for label, operation in _operations(schema):
        if label.split()[0] in ("POST", "PATCH", "PUT"):
            body = operation["requestBody"]["content"]["application/json"]["schema"]
            assert body["$ref"].startswith("#/components/schemas/"), label


@pytest.mark.parametrize(
    ("path", "rows"),
    [
        ("/ar/api/customer-breakdown/", "customers"),
        ("/ar/api/invoice-details/{customer_id}/", "invoices"),
    ],
)
def test_paginated_answers_are_objects_with_rows_and_page_links(schema, path, rows):
    """The finding: these were declared as arrays; they are objects (rows + pagination)."""
    ok = schema["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]
    body = _ref(schema, ok["schema"]["$ref"])
    assert body["type"] == "object"
    assert body["properties"][rows]["type"] == "array"
    assert {"count", "page", "page_size", "next", "previous"} <= set(body["properties"])
    parameters = {p["name"]: p["schema"] for p in schema["paths"][path]["get"]["parameters"]}
    assert parameters["page"]["type"] == "integer"
    assert parameters["as_of"] == {"type": "string", "format": "date"}
    assert parameters["basis"]["enum"] == ["due", "posted"]
