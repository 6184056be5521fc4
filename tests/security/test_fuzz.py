"""schemathesis against the live app's OpenAPI schema, authenticated as an admin: no 5xx, responses match.

Parametrized from the route table, so a new endpoint is fuzzed without editing this file.
"""

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from tests.chat.conftest import sign_up

EXAMPLES_PER_OPERATION = 6
CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance]


def _operations() -> list[tuple[str, str]]:
    from app.main import create_app

    paths = create_app().openapi()["paths"]
    return [(method.upper(), path) for path, item in sorted(paths.items()) for method in sorted(item)]


@pytest.fixture(scope="module")
def admin_headers(shared_http):
    """Signed in once: later fuzzed calls may change this account's password or disable it."""
    return sign_up(shared_http, "fuzz-admin")


@pytest.fixture(scope="module")
def fuzz_schema(shared_app):
    return schemathesis.openapi.from_url(f"{shared_app}/openapi.json")


@pytest.mark.parametrize(("method", "path"), _operations(), ids=lambda v: v)
def test_operation_never_fails_and_matches_its_schema(method, path, shared_app, fuzz_schema, admin_headers):
    headers = admin_headers
    operation = fuzz_schema[path][method]

    @given(case=operation.as_strategy())
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
        database=None,
    )
    def fuzz(case):
        case.call_and_validate(base_url=shared_app, headers=headers, timeout=60, checks=CHECKS)

    fuzz()
