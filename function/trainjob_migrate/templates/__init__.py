"""Templates people keep in Git: envsubst placeholders, Kubernetes ``$(VAR)`` references, Jinja/Helm.

``placeholders`` holds the one definition fn, convert and check share; ``envsubst``
converts a job holding placeholders; ``jinja`` masks template expressions so a
template can be parsed as YAML and restored. Imported only when a ``$`` or ``{{`` is seen.
"""
