"""The resident server: a warm process that answers ``fn`` and ``kustomize-plugin CONFIG``.

kustomize and kpt start the function at every build; most of such a start is Python's own
and PyYAML's import, which no per-build process avoids. ``trainjob-migrate server start``
keeps one warm process; the two entry points then send it their input (client.py) and write
back what it answers, byte for byte, or run in their own process as before whenever it
cannot answer. Opt-in; ``TRAINJOB_MIGRATE_SERVER=off`` turns the lookup off.

- paths.py: where the socket is, the installation's key, the ownership checks (both sides);
- protocol.py: the frames (both sides);
- client.py: the client path of the entry points (nothing heavier than os, sys, _socket);
- daemon.py: the server (one forked child a request);
- control.py: start (daemonize), stop, status.

Nothing is imported here: the client path imports this package.
"""
