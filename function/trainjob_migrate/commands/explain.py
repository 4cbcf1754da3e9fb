"""``trainjob-migrate explain RULE``: what a result's rule (``tags.rule``) means and what to do.

``--list`` lists every rule. The text comes from the rule registry
(:mod:`~trainjob_migrate.catalogue`), as SARIF's and ``docs/rules.md``'s do. An unknown
rule is a usage error (exit 64, EX_USAGE) that suggests the closest ids.
"""

from __future__ import annotations

import argparse
import re
import sys
import textwrap

from trainjob_migrate import catalogue
from trainjob_migrate.results import EXIT_OK, EXIT_USAGE

TYPE_CHECKING = False  # no typing at the start of a command
if TYPE_CHECKING:
    from typing import IO


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "explain",
        help="what a rule of the results means and what to do about it",
        description="Print the description and help of RULE (the tags.rule of a result, the "
        "[rule] of a text finding, the ruleId of SARIF), or list every rule.",
    )
    parser.add_argument("rule", nargs="?", metavar="RULE", help="a rule id, e.g. elastic-policy")
    parser.add_argument("--list", action="store_true", help="list every rule id")


def run(
    args: argparse.Namespace, stdout: IO[str] | None = None, stderr: IO[str] | None = None
) -> int:
    stdout, stderr = stdout or sys.stdout, stderr or sys.stderr
    entries = catalogue.entries()
    if args.list:
        if args.rule is not None:
            stderr.write("trainjob-migrate explain: error: give RULE or --list, not both\n")
            return EXIT_USAGE
        width = max(map(len, entries))
        kinds = max(len(str(e.kind)) for e in entries.values())
        stdout.writelines(
            f"{e.id:<{width}}  {e.kind:<{kinds}}  {e.description}\n" for e in entries.values()
        )
        return EXIT_OK
    if args.rule is None:
        stderr.write("trainjob-migrate explain: error: give a RULE, or --list for all of them\n")
        return EXIT_USAGE
    entry = entries.get(args.rule)
    if entry is None:
        stderr.write(f"trainjob-migrate explain: error: no rule {args.rule!r}{_hint(args.rule)}\n")
        return EXIT_USAGE
    stdout.write(render(entry))
    return EXIT_OK


def render(entry: catalogue.Entry) -> str:
    lines = [f"{entry.id} ({entry.kind})", "", f"{entry.description}.", "", _wrap(entry.help), ""]
    if entry.consumes:
        lines += ["Reads from the v1 job:", *(f"  {path}" for path in entry.consumes), ""]
    if entry.severity is not None:
        lines += [f"Severity: {entry.severity}", ""]
    return "\n".join(lines)


def _wrap(text: str, width: int = 88) -> str:
    """Paragraphs and list items (``- ``) filled to ``width``, whatever their line breaks."""
    out: list[str] = []
    for paragraph in text.split("\n\n"):
        items = re.split(r"\n(?=- )", paragraph)
        out.append(
            "\n".join(
                textwrap.fill(
                    " ".join(item.split()),
                    width,
                    subsequent_indent="  " if item.startswith("- ") else "",
                    break_on_hyphens=False,
                )
                for item in items
            )
        )
    return "\n\n".join(out)


def _hint(word: str) -> str:
    import difflib  # only for an unknown rule

    ids = list(catalogue.entries())
    close = [i for i in ids if i.startswith(word.lower())] or difflib.get_close_matches(
        word.lower(), ids, n=3
    )
    if close:
        return f"; did you mean {' or '.join(close)}?"
    return "; trainjob-migrate explain --list shows every rule"
