from __future__ import annotations

import shutil

import pytest

from stack.web import install_packages


@pytest.fixture(scope="module")
def npm() -> str:
    """npm, with the web app's packages installed (the pixel's are among them)."""
    path = shutil.which("npm")
    if path is None:
        pytest.fail("npm is not installed: the web app needs Node.js 20.19+ (.ci/run installs it)")
    install_packages()
    return path
