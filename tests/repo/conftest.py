"""Shared helpers of the repository command tests: run the CLI in-process, under a timeout."""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Iterator

import pytest


@contextlib.contextmanager
def deadline(seconds: int) -> Iterator[None]:
    """Fail (instead of hanging the suite) when the body takes longer than ``seconds``."""

    def expired(signum: int, frame: object) -> None:
        raise TimeoutError(f"took more than {seconds} s: a hang")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]):  # type: ignore[no-untyped-def]
    """``cli("check", "dir")`` -> (exit code, stdout, stderr), in-process, 30 s at most."""
    from trainjob_migrate.cli import main

    def run(*argv: str) -> tuple[int, str, str]:
        capsys.readouterr()
        with deadline(30):
            code = main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err

    return run
