"""Compiles once a test session, whichever pytest-xdist worker asks first: tests of one module are
spread over the workers, so a module fixture would otherwise compile the same sources on each."""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Callable
from typing import Any

import pytest


def once(tmp_path_factory: pytest.TempPathFactory, name: str, make: Callable[[], Any]) -> Any:
    """What `make()` returns (JSON), made by the first worker to ask; the others wait for it, under a
    file lock in the temporary folder the session's workers share."""
    shared = tmp_path_factory.getbasetemp()
    run = os.environ.get("PYTEST_XDIST_TESTRUNUID")
    if run:  # each worker's folder sits in the session's, which a given --basetemp keeps between runs
        shared, name = shared.parent, f"{name}-{run}"
    path = shared / f"{name}.json"
    with open(shared / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not path.exists():
            made = path.with_suffix(".part")
            made.write_text(json.dumps(make()))
            made.replace(path)
    return json.loads(path.read_text())
