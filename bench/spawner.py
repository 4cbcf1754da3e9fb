"""A small process that starts the measured commands, so that their peak memory is theirs.

Linux keeps a process's peak RSS (``ru_maxrss``) across ``exec``, and a child made by
``vfork`` (what ``subprocess`` and ``posix_spawn`` use) or ``fork`` starts with its
parent's memory counted: started from the benchmark process (PyYAML loaded, inputs
generated), every command would report at least the benchmark's own size. This
spawner runs as ``python -S`` with nothing imported but ``os``, ``sys``, ``time`` and
``json``, and starts each command with a real ``fork`` + ``exec``; a command's peak
RSS is then its own (or the spawner's few MiB, below any Python process's).

``wait4`` also gives the command's CPU time (user + system, its reaped children's
included: a forked half of ``convert``, a plugin run by ``kubectl kustomize``): what a
shared runner pays, whatever the wall time a free core buys. Its peak RSS is that of its
largest process, not their sum: a command that forks is measured exactly only when it
runs on one CPU (the repository conversion forks only when it has two).

Protocol: one JSON request per line on stdin, ``{"argv": [...], "stdin": path|null,
"stdout": path, "cpus": [cpu, ...]|null, "env": {name: value}|null}`` (``cpus``: the CPUs
the command may run on, set in the child before ``exec``; ``env``: variables added to
the spawner's environment); one JSON reply per line, ``{"seconds", "cpu_seconds",
"max_rss_kib", "exit"}``.
"""

import json
import os
import sys
import time


def run(argv, stdin, stdout, cpus=None, env=None):
    start = time.perf_counter()
    pid = os.fork()
    if pid == 0:  # the child: pin, redirect, then become the command
        try:
            if cpus:
                os.sched_setaffinity(0, cpus)
            fd_in = os.open(stdin or os.devnull, os.O_RDONLY)
            fd_out = os.open(stdout, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            fd_err = os.open(os.devnull, os.O_WRONLY)
            os.dup2(fd_in, 0)
            os.dup2(fd_out, 1)
            os.dup2(fd_err, 2)
            if env:
                os.execve(argv[0], argv, {**os.environ, **env})
            os.execv(argv[0], argv)
        finally:
            os._exit(127)
    _, status, usage = os.wait4(pid, 0)
    seconds = time.perf_counter() - start
    return {
        "seconds": seconds,
        "cpu_seconds": usage.ru_utime + usage.ru_stime,
        "max_rss_kib": usage.ru_maxrss,
        "exit": os.waitstatus_to_exitcode(status),
    }


def main():
    for line in sys.stdin:
        request = json.loads(line)
        reply = run(
            request["argv"],
            request.get("stdin"),
            request["stdout"],
            request.get("cpus"),
            request.get("env"),
        )
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
