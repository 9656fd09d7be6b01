"""The web app's own checks: its typed client is generated from the API's current OpenAPI
document, and its component tests (Vitest) pass. (`npm run build`, which the browser tests run
when the build is stale, type-checks it.)"""

from __future__ import annotations

import subprocess
from pathlib import Path

from stack.web import OPENAPI_FILE, WEB_DIR, openapi_document


def test_committed_openapi_document_is_the_apis() -> None:
    assert OPENAPI_FILE.read_text() == openapi_document(), (
        "web/openapi.json is out of date: run `npm run generate:api` in web/"
    )


def test_typed_client_is_generated_from_the_committed_document(npm: str, tmp_path: Path) -> None:
    generated = tmp_path / "schema.d.ts"
    subprocess.run(
        [npm, "exec", "--", "openapi-typescript", str(OPENAPI_FILE), "-o", str(generated)],
        cwd=WEB_DIR,
        check=True,
        capture_output=True,
    )
    assert generated.read_text() == (WEB_DIR / "src" / "api" / "schema.d.ts").read_text(), (
        "web/src/api/schema.d.ts is out of date: run `npm run generate:api` in web/"
    )


def test_component_tests_pass(npm: str) -> None:
    completed = subprocess.run(
        [npm, "test", "--", "--reporter=dot"], cwd=WEB_DIR, capture_output=True, text=True
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
