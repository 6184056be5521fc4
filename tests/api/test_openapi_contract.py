"""The OpenAPI document is the UI's contract: every operation that answers with a body publishes its schema."""

from app.main import create_app

NO_BODY = "204"


def test_every_success_response_with_a_body_has_a_schema():
    spec = create_app().openapi()
    missing = []
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            for code, response in operation["responses"].items():
                if not code.startswith("2") or code == NO_BODY:
                    continue
                schemas = [media.get("schema") for media in response.get("content", {}).values()]
                if not any(schemas):
                    missing.append(f"{method.upper()} {path} {code}")
    assert not missing, "operations without a success response schema (add response_model): " + ", ".join(missing)
