"""Run two halves of a repository's work at once: one here, one in a forked child.

Reading (parsing every document) and rendering (writing converted documents, finding
the lines of results) are the same pure function of each file or document, so a large
repository is split in two by weight and the second half runs in a child made by
``fork``: it starts with everything this process has, and sends back only its answer
(pickled). The conversion between them (one stream, as ``kpt fn eval`` sees it) stays
in one process. The answer is the same either way: a child that fails (or a platform
without ``fork``, one CPU, a process with threads) means the half is done here.
"""

from __future__ import annotations

import gc
import os
import sys

TYPE_CHECKING = False  # no typing at start-up (tests/test_startup_cli.py)
if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from typing import TypeVar

    T = TypeVar("T")
    R = TypeVar("R")

#: below this much work (bytes of YAML), a child costs more than it saves
MIN_WORK = 2 * 1024 * 1024


def halves(
    items: Sequence[T], weight: Callable[[T], int], first_extra: int = 0
) -> tuple[list[T], list[T]]:
    """``items`` cut in two, in order, at half of the total weight; ``first_extra``: work
    the first half's process also has (it gets that much less of ``items``; more when
    negative)."""
    total = sum(weight(item) for item in items) + first_extra
    done = first_extra
    for cut, item in enumerate(items):
        if done * 2 >= total:
            return list(items[:cut]), list(items[cut:])
        done += weight(item)
    return list(items), []


def available(work: int) -> bool:
    """Whether ``work`` bytes are worth a child, and one can run beside this process."""
    if work < MIN_WORK or not hasattr(os, "fork"):
        return False
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    if (cpus or 1) < 2:
        return False
    threading = sys.modules.get("threading")  # forking a process with threads is unsafe
    return threading is None or threading.active_count() == 1


def both(
    here: Callable[[], T],
    there: Callable[[], R],
    *,
    fork: bool,
    encode: Callable[[R], bytes] | None = None,
    decode: Callable[[bytes], R] | None = None,
) -> tuple[T, R]:
    """``(here(), there())``, with ``there`` run in a forked child when ``fork``; its answer
    is sent back with ``encode``/``decode`` (default: pickle)."""
    if not fork:
        return here(), there()
    import pickle  # only for a large tree (start-up time of a small one)

    read_end, write_end = os.pipe()
    parent = os.getpid()
    pid = os.fork()
    if pid == 0:  # the child: compute, send, leave without running any exit handler
        code = 1
        try:
            _die_with(parent)
            os.close(read_end)
            gc.disable()  # short-lived: the collector would only copy the parent's pages
            result = there()
            data = encode(result) if encode else pickle.dumps(result, pickle.HIGHEST_PROTOCOL)
            with os.fdopen(write_end, "wb") as out:
                out.write(data)
            code = 0
        finally:
            os._exit(code)
    os.close(write_end)
    answer = os.fdopen(read_end, "rb")
    try:
        mine = here()
        data = answer.read()
    except BaseException:  # Ctrl-C, or a bug here: the child's answer is not waited for
        os.kill(pid, 9)  # SIGKILL
        raise
    finally:
        answer.close()
        _, status = os.waitpid(pid, 0)
    if os.waitstatus_to_exitcode(status) == 0:
        try:
            theirs: R = decode(data) if decode else pickle.loads(data)
        except Exception:  # noqa: BLE001 - a broken answer: the work is done here instead
            return mine, there()
        return mine, theirs
    return mine, there()


def _die_with(parent: int) -> None:
    """The child never outlives this process (SIGKILL of it included): the kernel kills it
    when its parent dies (Linux ``PR_SET_PDEATHSIG``). It never writes files either: the
    writes of a run are made by one process, through its transaction."""
    if sys.platform.startswith("linux"):
        import ctypes  # only here: a forked child on a large tree

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, 9)  # PR_SET_PDEATHSIG, SIGKILL
    if os.getppid() != parent:  # the parent died before that took effect
        os._exit(1)
