"""What a training container runs: its ``command`` and ``args`` read together as one argv.

Recognises ``torchrun`` and ``python -m torch.distributed.run|launch`` (after ``exec``,
``env VAR=x`` and ``VAR=x`` prefixes, with Python's own options before ``-m``), and shells
(``sh``/``bash``/``dash``/``zsh``/``ash``) run with ``-c`` (alone or combined: ``-lc``,
``-ec``, ``-xc``). A ``-c`` script is split into simple commands (quotes, ``&&``/``||``/
``;``/``|``/newline separators and ``\\`` continuations, as the shell does), each word with
its span in the script, so a rewrite can change one flag and keep the rest of the script
byte-identical. Imported only when a job is converted.
"""

from __future__ import annotations

from trainjob_migrate.records import Record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Final

TORCHRUN_MODULES: Final = frozenset({"torch.distributed.run", "torch.distributed.launch"})
SHELLS: Final = frozenset({"sh", "bash", "dash", "zsh", "ash"})
#: torchrun flags (dashes normalised) that take a value; the rest are switches
VALUE_FLAGS: Final = frozenset(
    {
        "nnodes", "nproc-per-node", "rdzv-backend", "rdzv-endpoint", "rdzv-id", "rdzv-conf",
        "max-restarts", "monitor-interval", "start-method", "role", "node-rank", "master-addr",
        "master-port", "local-addr", "log-dir", "redirects", "tee", "local-ranks-filter",
        "logs-specs", "event-log-handler", "numa-binding", "signals-to-handle", "r", "t",
    }
)  # fmt: skip
#: Python options that take a value (``python -X dev -m ...``)
_PYTHON_VALUE_OPTIONS: Final = frozenset({"-X", "-W", "-Q"})
_SEPARATORS: Final = frozenset(";&|()\n")


class Launch(Record):
    """How the argv (``command`` + ``args``) starts the training."""

    __slots__ = ("kind", "start", "script")
    #: ``torchrun`` (argv is a torchrun launch), ``shell`` (a ``-c`` script), ``plain``
    kind: str
    #: torchrun: index of the first token after the launcher (its flags start here)
    start: int
    #: shell: index of the script token in the argv (None: no script)
    script: int | None

    def __init__(self, kind: str, start: int = 0, script: int | None = None) -> None:
        self.kind = kind
        self.start = start
        self.script = script


class Word(Record):
    """A shell word: its value (quotes removed) and where it is in the script."""

    __slots__ = ("text", "start", "end")
    text: str
    start: int
    end: int

    def __init__(self, text: str, start: int, end: int) -> None:
        self.text = text
        self.start = start
        self.end = end


class Flag(Record):
    """A torchrun flag found between the launcher and the script: tokens ``index`` to
    ``index + span - 1``."""

    __slots__ = ("index", "span", "name", "value", "shown")
    index: int
    span: int
    name: str  # dashes normalised: ``nproc-per-node``
    value: str
    shown: str  # as written: ``--nproc_per_node=4`` or ``--nnodes 2``

    def __init__(self, index: int, span: int, name: str, value: str, shown: str) -> None:
        self.index = index
        self.span = span
        self.name = name
        self.value = value
        self.shown = shown


def program(token: str) -> str:
    return token.rsplit("/", 1)[-1]


def torchrun_start(tokens: Sequence[str]) -> int | None:
    """Index after the torchrun launcher of a simple command; None if it is not one."""
    i = skip_prefixes(tokens)
    if i >= len(tokens):
        return None
    name = program(tokens[i])
    if name == "torchrun":
        return i + 1
    if name.startswith("python"):
        j = i + 1
        while j < len(tokens) and tokens[j].startswith("-") and tokens[j] != "-m":
            j += 2 if tokens[j] in _PYTHON_VALUE_OPTIONS else 1
        if j + 1 < len(tokens) and tokens[j] == "-m" and tokens[j + 1] in TORCHRUN_MODULES:
            return j + 2
    return None


def skip_prefixes(tokens: Sequence[str]) -> int:
    """Skip ``VAR=x`` assignments, ``exec`` and ``env [-i] [VAR=x]...`` before the program."""
    i = 0
    while i < len(tokens):
        token = tokens[i]
        name = program(token)
        if _is_assignment(token) or name == "exec":
            i += 1
        elif name == "env":
            i += 1
            while i < len(tokens) and (tokens[i] in ("-i", "-") or _is_assignment(tokens[i])):
                i += 1
        else:
            break
    return i


def _is_assignment(token: str) -> bool:
    name, eq, _ = token.partition("=")
    return bool(eq) and name.replace("_", "a").isalnum() and not name[:1].isdigit()


def classify(argv: Sequence[str]) -> Launch:
    start = torchrun_start(argv)
    if start is not None:
        return Launch("torchrun", start)
    i = skip_prefixes(argv)
    if i < len(argv) and program(argv[i]) in SHELLS:
        script = _shell_script(argv, i + 1)
        if script is not None:
            return Launch("shell", script=script)
    return Launch("plain")


def _shell_script(argv: Sequence[str], i: int) -> int | None:
    """Index of the ``-c`` script among the shell's arguments starting at ``i``."""
    has_c = False
    while i < len(argv):
        token = argv[i]
        if token == "--":
            i += 1
            break
        if token.startswith("--"):
            i += 1
            continue
        if token[:1] in ("-", "+") and len(token) > 1:
            letters = token[1:]
            has_c = has_c or "c" in letters
            i += 2 if "o" in letters else 1  # -o takes the option name
            continue
        break
    return i if has_c and i < len(argv) else None


def flags(tokens: Sequence[str], start: int) -> list[Flag]:
    """torchrun's own flags from ``start`` up to the script (the first non-flag token)."""
    found: list[Flag] = []
    i = start
    while i < len(tokens):
        token = tokens[i]
        if token == "--" or not token.startswith("-") or token == "-":
            break
        name, has_inline, value = token.lstrip("-").partition("=")
        flag = name.replace("_", "-")
        takes_value = flag in VALUE_FLAGS and not has_inline
        if takes_value and i + 1 < len(tokens):
            value = tokens[i + 1]
        span = 2 if takes_value and i + 1 < len(tokens) else 1
        shown = f"{token} {value}" if span == 2 else token
        found.append(Flag(i, span, flag, value, shown))
        i += span
    return found


# --- shell scripts -----------------------------------------------------------------


def commands(script: str) -> list[list[Word]]:
    """The simple commands of a script, each a list of words with their spans."""
    out: list[list[Word]] = []
    current: list[Word] = []
    text: list[str] = []
    start = -1
    i, n = 0, len(script)

    def end_word(at: int) -> None:
        nonlocal start
        if start >= 0:
            current.append(Word("".join(text), start, at))
            text.clear()
            start = -1

    def end_command() -> None:
        nonlocal current
        if current:
            out.append(current)
        current = []

    while i < n:
        ch = script[i]
        if ch == "\\" and i + 1 < n and script[i + 1] == "\n":
            i += 2  # line continuation: the shell removes both characters
            continue
        if ch in " \t":
            end_word(i)
            i += 1
            continue
        if ch in _SEPARATORS:
            end_word(i)
            end_command()
            i += 1
            continue
        if ch == "#" and start < 0:
            while i < n and script[i] != "\n":
                i += 1
            continue
        if start < 0:
            start = i
        if ch == "'":
            close = script.find("'", i + 1)
            close = n if close < 0 else close
            text.append(script[i + 1 : close])
            i = close + 1
        elif ch == '"':
            i = _double_quoted(script, i + 1, text)
        elif ch == "\\" and i + 1 < n:
            text.append(script[i + 1])
            i += 2
        elif ch == "$" and i + 1 < n and script[i + 1] in "({":
            close = _matching(script, i + 1)
            text.append(script[i:close])
            i = close
        elif ch == "`":
            close = script.find("`", i + 1)
            close = n if close < 0 else close + 1
            text.append(script[i:close])
            i = close
        else:
            text.append(ch)
            i += 1
    end_word(n)
    end_command()
    return out


def _double_quoted(script: str, i: int, text: list[str]) -> int:
    n = len(script)
    while i < n and script[i] != '"':
        if script[i] == "\\" and i + 1 < n and script[i + 1] in '"\\$`\n':
            if script[i + 1] != "\n":
                text.append(script[i + 1])
            i += 2
        elif script[i] == "$" and i + 1 < n and script[i + 1] in "({":
            close = _matching(script, i + 1)
            text.append(script[i:close])
            i = close
        else:
            text.append(script[i])
            i += 1
    return i + 1


def _matching(script: str, i: int) -> int:
    """Index after the bracket matching the one at ``i`` (``(`` or ``{``)."""
    opening = script[i]
    closing = ")" if opening == "(" else "}"
    depth = 0
    while i < len(script):
        if script[i] == opening:
            depth += 1
        elif script[i] == closing:
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return len(script)


def line_of(script: str, offset: int) -> int:
    return script.count("\n", 0, offset) + 1


def remove(script: str, words: Sequence[Word], first: int, count: int) -> tuple[int, int]:
    """The span to cut to remove ``words[first:first + count]`` with the blanks around them
    (up to the next word, continuation included; or back to the previous one at the end)."""
    start, end = words[first].start, words[first + count - 1].end
    if first + count < len(words):
        return start, words[first + count].start
    while start > 0 and script[start - 1] in " \t":
        start -= 1
    return start, end
