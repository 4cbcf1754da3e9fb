"""lazy.module and lazy.pattern: imported (compiled) at first use, then as the real thing."""

from __future__ import annotations

import re
import subprocess
import sys

from trainjob_migrate import lazy


def test_a_lazy_module_is_imported_at_the_first_name_used():
    code = (
        "import sys\n"
        "from trainjob_migrate import lazy\n"
        "jinja = lazy.module('trainjob_migrate.templates.jinja')\n"
        "assert 'trainjob_migrate.templates.jinja' not in sys.modules, 'imported too early'\n"
        "masked = jinja.mask('a: {{ .Values.a }}\\n')\n"
        "assert 'trainjob_migrate.templates.jinja' in sys.modules\n"
        "assert isinstance(masked, jinja.Masked)\n"
        "assert jinja.mask is sys.modules['trainjob_migrate.templates.jinja'].mask\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, check=False)
    assert result.returncode == 0, result.stderr.decode()


def test_a_lazy_pattern_matches_as_the_compiled_one():
    text, flags = r"^kind:\s*(\w+)$", re.MULTILINE
    lazy_one, compiled = lazy.pattern(text, flags), re.compile(text, flags)
    sample = "apiVersion: v1\nkind: PyTorchJob\n"
    assert lazy_one.search(sample).group(1) == compiled.search(sample).group(1) == "PyTorchJob"
    assert lazy_one.sub("-", sample) == compiled.sub("-", sample)
    assert lazy_one.pattern == text and lazy_one.flags == compiled.flags


def test_a_lazy_pattern_is_compiled_on_first_use_and_then_is_the_pattern() -> None:
    source = r"(?P<word>l[a-z]+) \d+"
    lazy_one = lazy.pattern(source, re.IGNORECASE)
    assert "search" not in vars(lazy_one)  # nothing compiled yet
    assert lazy_one.search("a Lazy 42").group("word") == "Lazy"
    assert lazy_one.search == re.compile(source, re.IGNORECASE).search  # the pattern's own, now
    assert lazy_one.pattern == source and lazy_one.flags & re.IGNORECASE
    assert [m.group(1) for m in lazy_one.finditer("lazy 1 late 2")] == ["lazy", "late"]
