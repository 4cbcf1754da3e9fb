"""The generated validators (tools/generate_validators.py) against jsonschema, the reference.

``validation.validate`` trusts a generated validator's "valid" and asks jsonschema
otherwise, so a generated validator must never accept what jsonschema rejects. It may
reject more (jsonschema then has the last word), but only where the reason is known: a
string ending in a line break, which fastjsonschema's patterns (``\\Z``) refuse and
Python's ``$`` allows.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import importlib.util
import inspect
import json
import random
import re
import subprocess
import sys
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import example, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

REPO = Path(__file__).resolve().parents[1]
SCHEMAS = REPO / "schemas"
TOOL = REPO / "tools" / "generate_validators.py"
GOLDEN = REPO / "tests" / "golden"
UPSTREAM = REPO / "tests" / "vendored" / "upstream-examples"
NAMES = sorted(p.stem for p in SCHEMAS.glob("*.json"))
SCHEMA_BY_KIND = {
    "PyTorchJob": ("pytorchjob-v1",),
    "TrainJob": ("trainjob-2.0", "trainjob-2.1", "trainjob-2.2", "trainjob-2.3"),
    "TrainingRuntime": tuple(f"trainingruntime-2.{m}" for m in range(4)),
    "ClusterTrainingRuntime": tuple(f"clustertrainingruntime-2.{m}" for m in range(4)),
}

if importlib.util.find_spec("trainjob_migrate") is None:  # not installed: use the source tree
    sys.path.insert(0, str(REPO / "function"))

from trainjob_migrate import validation


@functools.cache
def _tool() -> Any:
    spec = importlib.util.spec_from_file_location("generate_validators", TOOL)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@functools.cache
def _schema(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((SCHEMAS / f"{name}.json").read_text())
    return loaded


@functools.cache
def _reference(name: str) -> Draft202012Validator:
    return Draft202012Validator(_schema(name))


def _generated(name: str, instance: Any) -> bool:
    check = validation.generated_check(name)
    assert check is not None, f"no generated validator for {name}"
    return check(instance)


def _newline_string(value: Any) -> bool:
    """Somewhere in ``value`` a string (value or key) ends with a line break."""
    if isinstance(value, str):
        return value.endswith("\n")
    if isinstance(value, dict):
        return any(_newline_string(k) or _newline_string(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_newline_string(v) for v in value)
    return False


def _assert_agrees(name: str, instance: Any, where: str) -> bool:
    fast, reference = _generated(name, instance), _reference(name).is_valid(instance)
    assert not (fast and not reference), (
        f"{name}: generated code accepts what jsonschema "
        f"rejects ({where}): {json.dumps(instance)[:400]}"
    )
    if reference and not fast:
        assert _newline_string(instance), (
            f"{name}: generated code rejects what jsonschema accepts, for no known reason "
            f"({where}): {json.dumps(instance)[:400]}"
        )
    return reference


# --- up to date ---------------------------------------------------------------------------------


def test_every_schema_has_a_current_generated_validator():
    # Needs no fastjsonschema: each module records the sha256 of the schema it was made from.
    for name in NAMES:
        module = importlib.import_module(f"trainjob_migrate._generated.{_tool().module_name(name)}")
        digest = hashlib.sha256((SCHEMAS / f"{name}.json").read_bytes()).hexdigest()
        assert digest == module.SCHEMA_SHA256, "regenerate: python tools/generate_validators.py"


def _needs_pinned_fastjsonschema() -> None:
    try:
        import fastjsonschema
    except ImportError:
        pytest.skip("fastjsonschema is not installed (pip install -e '.[test]')")
    if fastjsonschema.VERSION != _tool().FASTJSONSCHEMA_VERSION:
        pytest.skip(f"fastjsonschema {fastjsonschema.VERSION} is not the pinned version")


def test_committed_validators_match_the_generator():
    _needs_pinned_fastjsonschema()
    result = subprocess.run(
        [sys.executable, str(TOOL), "--check"],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_check_names_a_stale_module_and_writes_nothing(tmp_path):
    _needs_pinned_fastjsonschema()
    schemas = tmp_path / "schemas"
    schemas.mkdir()
    (schemas / "tiny.json").write_text('{"type": "object", "properties": {"a": {"const": 1}}}')
    out = tmp_path / "out"
    run = [sys.executable, str(TOOL), "--schemas", str(schemas), "--out", str(out)]
    assert subprocess.run(run, capture_output=True, check=False).returncode == 0
    assert sorted(p.name for p in out.iterdir()) == ["__init__.py", "tiny.py"]
    (schemas / "tiny.json").write_text('{"type": "object", "properties": {"a": {"const": 2}}}')
    before = (out / "tiny.py").read_text()
    result = subprocess.run([*run, "--check"], capture_output=True, text=True, check=False)
    assert result.returncode == 1
    assert "tiny.py: differs" in result.stderr
    assert (out / "tiny.py").read_text() == before


def test_generated_code_imports_nothing_but_re():
    """Nothing but re, and a schema's rare-field module what it shares with its module."""
    for path in (REPO / "function" / "trainjob_migrate" / "_generated").glob("*.py"):
        imports = re.findall(r"^ *(?:import|from) (\S+)", path.read_text(), re.MULTILINE)
        module = path.stem.removesuffix("_rare")
        allowed = {"re", f"trainjob_migrate._generated.{module}"}
        if path.stem != module:  # the rare module imports from its schema's module
            assert imports == [f"trainjob_migrate._generated.{module}"], path.name
        else:  # which imports it (in its stubs) the first time a rare field is met
            allowed.add(f"trainjob_migrate._generated.{module}_rare")
        assert set(imports) <= allowed, f"{path.name} imports {imports}"


def test_rare_fields_are_validated_by_a_module_imported_when_one_is_met():
    code = (
        "import sys, yaml\n"
        "from trainjob_migrate import validation\n"
        "job = yaml.safe_load(sys.stdin)\n"
        "plain = validation.is_valid(job, 'pytorchjob-v1')\n"
        "rare = 'trainjob_migrate._generated.pytorchjob_v1_rare' in sys.modules\n"
        "spec = next(iter(job['spec']['pytorchReplicaSpecs'].values()))['template']['spec']\n"
        "container = spec['containers'][0]\n"
        "container['livenessProbe'] = {'exec': {'command': ['true']}, 'periodSeconds': 'often'}\n"
        "probed = validation.is_valid(job, 'pytorchjob-v1')\n"
        "after = 'trainjob_migrate._generated.pytorchjob_v1_rare' in sys.modules\n"
        "print(plain, rare, probed, after)\n"
    )
    items = yaml.safe_load((REPO / "examples" / "quickstart" / "resource-list.yaml").read_text())
    job = next(i for i in items["items"] if i["kind"] == "PyTorchJob")
    result = subprocess.run(
        [sys.executable, "-c", code],
        input=yaml.safe_dump(job),
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONPATH": str(REPO / "function")},
    )
    # valid, without the rare module; an invalid probe (periodSeconds a string) is found there
    assert result.stdout.split() == ["True", "False", "False", "True"]


def test_a_schema_name_without_a_generated_module_falls_back_to_jsonschema():
    assert validation.generated_check("no-such-schema") is None
    assert validation.generated_check("../pyproject") is None


# --- the rewrite keeps the meaning --------------------------------------------------------------


@pytest.mark.parametrize(
    ("schema", "why"),
    [
        ({"type": "array", "prefixItems": [{"type": "string"}]}, "prefixItems"),
        ({"type": "array", "items": [{"type": "string"}]}, "array-form items"),
        ({"$ref": "#/$defs/a", "type": "object", "$defs": {"a": {}}}, "sibling"),
        ({"$ref": "https://example.com/s.json"}, "local"),
        ({"dependentRequired": {"a": ["b"]}}, "dependentRequired"),
        ({"unevaluatedProperties": False}, "unevaluatedProperties"),
    ],
)
def test_keywords_whose_meaning_differs_are_refused(schema, why):
    with pytest.raises(_tool().GenerateError, match=why):
        _tool().prepare(schema)


def test_prepare_hoists_repeated_objects_once_and_keeps_existing_defs():
    selector = {"type": "object", "properties": {"key": {"type": "string"}}}
    schema = {
        "$id": "x",
        "type": "object",
        "properties": {
            "a": selector,
            "b": {"type": "array", "items": selector},
            "c": {"$ref": "#/$defs/c"},
        },
        "$defs": {"c": {"const": 3}},
    }
    prepared = _tool().prepare(schema)
    assert "$id" not in prepared
    assert (
        prepared["properties"]["a"] == prepared["properties"]["b"]["items"] == {"$ref": "#/$defs/a"}
    )
    assert prepared["$defs"] == {"a": selector, "c": {"enum": [3]}}


@pytest.mark.parametrize("name", NAMES)
def test_prepared_schema_accepts_what_the_schema_accepts(name):
    original = _reference(name)
    prepared = Draft202012Validator(_tool().prepare(_schema(name)))
    for where, instance in _instances(name, count=60):
        assert prepared.is_valid(instance) == original.is_valid(instance), where


# --- the generated code agrees with jsonschema --------------------------------------------------


def _corpus() -> Iterator[tuple[str, str, Any]]:
    """(schema, where, object) for every object of a known kind in the golden files and examples."""
    files = sorted(GOLDEN.rglob("*.yaml")) + sorted(UPSTREAM.rglob("*.yaml"))
    for path in files:
        try:
            docs = list(yaml.load_all(path.read_bytes(), Loader=yaml.CSafeLoader))
        except yaml.YAMLError:  # a deliberately broken fixture
            continue
        for doc in docs:
            yield from _objects(doc, str(path.relative_to(REPO.parent)))


def _objects(doc: Any, where: str) -> Iterator[tuple[str, str, Any]]:
    if not isinstance(doc, dict):
        return
    for name in SCHEMA_BY_KIND.get(str(doc.get("kind")), ()):
        yield name, where, doc
    for child in doc.get("items") or [] if isinstance(doc.get("items"), list) else []:
        yield from _objects(child, where)


def test_the_corpus_agrees():
    checked = valid = 0
    for name, where, obj in _corpus():
        valid += _assert_agrees(name, obj, where)
        checked += 1
    assert checked >= 40 and valid >= 20, (checked, valid)


@pytest.mark.parametrize("name", NAMES)
def test_random_instances_agree(name):
    verdicts = [_assert_agrees(name, instance, where) for where, instance in _instances(name)]
    # Both verdicts are exercised: mutations make invalid instances, the rest stay valid.
    assert 0.1 < sum(verdicts) / len(verdicts) < 0.9, sum(verdicts)


# --- schema-guided instances --------------------------------------------------------------------

_STRINGS = (
    "",
    "a",
    "x-y",
    "pytorch",
    "500m",
    "4Gi",
    "1.5",
    "team-a/app",
    "A_b",
    "On",
    "1Gi\n",
    "example.com/key",
    "TCP",
    "Always",
    "0",
)
_WRONG = (
    None,
    True,
    False,
    0,
    1,
    -1,
    1.5,
    2.0,
    2**40,
    "",
    "x",
    "1Gi\n",
    [],
    [1],
    {},
    {"bogus": 1},
    {"name": 3},
    "-1",
    "2.3",
)


def _instances(name: str, count: int = 250) -> Iterator[tuple[str, Any]]:
    """Instances built from the schema, each reaching a random place of it, most mutated."""
    schema = _schema(name)
    places = list(_places(schema, schema, ()))
    rng = random.Random(f"{name}-6")
    for n in range(count):
        target = rng.choice(places)
        instance = _sample(schema, schema, rng, 0, target)
        mutations = rng.choice((0, 1, 1, 2, 3))
        for _ in range(mutations):
            instance = _mutate(instance, rng)
        yield f"sample {n} at {'/'.join(target)}, {mutations} mutation(s)", instance


def _places(root: dict[str, Any], schema: Any, at: tuple[str, ...]) -> Iterator[tuple[str, ...]]:
    """Every place in the schema: property names, ``*`` for a map value, ``[]`` for an item."""
    schema = _resolve(root, schema)
    yield at
    if not isinstance(schema, dict) or len(at) > 60:
        return
    for key, sub in schema.get("properties", {}).items():
        yield from _places(root, sub, (*at, key))
    if isinstance(schema.get("additionalProperties"), dict):
        yield from _places(root, schema["additionalProperties"], (*at, "*"))
    if isinstance(schema.get("items"), dict):
        yield from _places(root, schema["items"], (*at, "[]"))
    for branch in ("then", "else"):
        if branch in schema:
            yield from _places(root, schema[branch], at)


def _resolve(root: dict[str, Any], schema: Any) -> Any:
    while isinstance(schema, dict) and "$ref" in schema:
        schema = root["$defs"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def _sample(
    root: dict[str, Any], schema: Any, rng: random.Random, depth: int, target: tuple[str, ...] = ()
) -> Any:
    """A value for ``schema`` that holds a value at ``target`` (a path from ``_places``)."""
    schema = _resolve(root, schema)
    if not isinstance(schema, dict):
        return copy.deepcopy(rng.choice(_WRONG))
    if "if" in schema:  # function-config: the properties of one branch
        branch = _resolve(root, schema[rng.choice(("then", "else"))])
        schema = {
            **schema,
            "properties": {**schema.get("properties", {}), **branch.get("properties", {})},
        }
    if "const" in schema:
        return schema["const"]
    if "enum" in schema:
        return rng.choice(schema["enum"])
    types = schema.get("type", "object" if "properties" in schema else ["string", "integer"])
    types = types if isinstance(types, list) else [types]
    if target:
        types = [t for t in types if t == ("array" if target[0] == "[]" else "object")]
    kind = rng.choice(types)
    if kind == "object":
        out: dict[str, Any] = {}
        props = schema.get("properties", {})
        required = set(schema.get("required", ()))
        for key, sub in props.items():
            forced = bool(target) and target[0] == key
            if forced or key in required or (depth < 8 and rng.random() < 0.2):
                out[key] = _sample(root, sub, rng, depth + 1, target[1:] if forced else ())
        extra = schema.get("additionalProperties")
        if isinstance(extra, dict) and (target[:1] == ("*",) or rng.random() < 0.3):
            for i in range(rng.randint(1, 2)):
                inner = target[1:] if i == 0 and target[:1] == ("*",) else ()
                out[f"{rng.choice(_STRINGS)}k{i}"] = _sample(root, extra, rng, depth + 1, inner)
        return out
    if kind == "array":
        low = schema.get("minItems", 0)
        high = min(schema.get("maxItems", low + 2), low + 2)
        size = max(rng.randint(low, high), 1 if target else 0)
        return [
            _sample(root, schema.get("items", {}), rng, depth + 1, target[1:] if i == 0 else ())
            for i in range(size)
        ]
    if kind == "string":
        pattern = schema.get("pattern")
        choices = [s for s in _STRINGS if pattern is None or re.search(pattern, s)] or ["a"]
        value = rng.choice(choices)
        return value[: schema["maxLength"]] if "maxLength" in schema else value
    if kind == "integer":
        return rng.choice([schema.get("minimum", 0), schema.get("maximum", 3), 1, 2])
    if kind == "number":
        return rng.choice([0, 0.5, 2])
    if kind == "boolean":
        return rng.choice([True, False])
    return None


def _mutate(instance: Any, rng: random.Random) -> Any:
    """Replace one randomly chosen node (or add a key) with an unexpected value."""
    nodes = list(_nodes(instance, ()))
    deepest = max(len(p) for p in nodes)
    path = rng.choice([p for p in nodes if len(p) >= deepest - 2] if rng.random() < 0.6 else nodes)
    wrong = copy.deepcopy(rng.choice(_WRONG))  # never share a mutable value
    if not path:
        return wrong if rng.random() < 0.2 else instance
    parent = instance
    for step in path[:-1]:
        parent = parent[step]
    if isinstance(parent, dict) and rng.random() < 0.3:
        parent[rng.choice(("bogus", "name", "image", "replicas"))] = wrong
    elif isinstance(parent, dict) and rng.random() < 0.2:
        del parent[path[-1]]
    else:
        parent[path[-1]] = wrong
    return instance


def _nodes(value: Any, path: tuple[Any, ...]) -> Iterator[tuple[Any, ...]]:
    yield path
    if isinstance(value, dict):
        for key, child in value.items():
            yield from _nodes(child, (*path, key))
    elif isinstance(value, list):
        for i, child in enumerate(value):
            yield from _nodes(child, (*path, i))


# --- patterns told without compiling them ------------------------------------------------------


def _told_patterns() -> list[tuple[str, str]]:
    """(module, function) of every pattern a generated module tells by str methods."""
    cases = []
    for name in NAMES:
        module = importlib.import_module(f"trainjob_migrate._generated.{_tool().module_name(name)}")
        for function, _ in _tool()._KNOWN_PATTERNS.values():
            if hasattr(module, function):
                cases.append((module.__name__, function))
    return cases


TOLD = _told_patterns()


def _reached(code: types.CodeType) -> Iterator[str]:
    """The global names ``code`` (and the code nested in it) reads."""
    yield from code.co_names
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            yield from _reached(const)


def _behaviour(module: str, function: str) -> str:
    """The source of ``function`` and of every module-level name it reaches, transitively:
    where two modules give the same text, their functions tell every value alike."""
    namespace = vars(importlib.import_module(module))
    parts, seen, todo = [], set(), [function]
    while todo:
        name = todo.pop()
        if name in seen or name not in namespace:  # not in the module: a builtin
            continue
        seen.add(name)
        value = namespace[name]
        if isinstance(value, types.FunctionType):
            parts.append(inspect.getsource(value))
            todo.extend(_reached(value.__code__))
        else:
            parts.append(f"{name} = {value!r}")
    return "\n".join(sorted(parts))


def _distinct_told() -> list[list[tuple[str, str]]]:
    """TOLD grouped by behaviour: every generated module carries the same text of a told
    pattern, so the property below runs once per distinct text, not once per module (19
    times the same 1,500 examples); a module whose text differs is a group of its own."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for module, function in TOLD:
        groups.setdefault(_behaviour(module, function), []).append((module, function))
    return list(groups.values())


DISTINCT_TOLD = _distinct_told()


def test_the_quantity_pattern_is_told_without_compiling_it() -> None:
    assert {m.rsplit(".", 1)[1] for m, _ in TOLD} >= {"pytorchjob_v1", "trainjob_2_3"}
    for module, _ in TOLD:
        assert all(
            "[KMGTPE]i" not in key
            for key in importlib.import_module(module).__dict__.get("_PATTERN_SOURCES", {})
        )


def test_every_told_pattern_is_in_a_group_of_its_behaviour() -> None:
    assert sorted(told for group in DISTINCT_TOLD for told in group) == sorted(TOLD)
    # the helpers a told function calls are part of its text
    quantity = [group for group in DISTINCT_TOLD if group[0][1] == "_quantity"]
    assert quantity and all("def _number_end" in _behaviour(*group[0]) for group in quantity)


# Values built by the quantity grammar (sign, digits, dot, digits, a suffix or an exponent),
# its parts sometimes empty or wrong, and a tail that is sometimes a stranger: random
# characters rarely make a value either reading accepts, these mostly reach its corners
# (".9", "-1.e+5", "5Ei\n", "1.5K").
_SIGN = st.sampled_from(["", "+", "-"])
_DIGITS = st.sampled_from(["", "0", "5", "9", "12", "007"])
_NUMBER = st.tuples(_DIGITS, st.sampled_from(["", "."]), _DIGITS).map("".join)
_SUFFIX = st.one_of(
    st.sampled_from(["", "Ki", "Mi", "Ei", "n", "u", "m", "k", "M", "E", "i", "K", "x"]),
    st.tuples(st.sampled_from(["e", "E"]), _SIGN, _NUMBER).map("".join),
)
_QUANTITY_LIKE = st.tuples(
    _SIGN, _NUMBER, _SUFFIX, st.sampled_from(["", "", "", "\n", " ", ".", "\u0663"])
).map("".join)


@pytest.mark.parametrize(
    "group",
    DISTINCT_TOLD,
    ids=[f"{g[0][0].rsplit('.', 1)[1]}.{g[0][1]}-and-{len(g) - 1}-alike" for g in DISTINCT_TOLD],
)
@settings(max_examples=1500, deadline=None)
@given(
    st.one_of(
        _QUANTITY_LIKE,
        st.text(alphabet="0123456789+-.eEKMGTPEinumkx \n\u0663", max_size=10),
        st.text(),
    )
)
@example("500m")
@example("4Gi")
@example("1.5e3")
@example("+.5E-2")
@example("1E")
@example("1e")
@example("1Ei")
@example(".")
@example("1.")
@example("2\n")
@example("")
def test_a_pattern_told_by_str_methods_is_the_pattern(
    group: list[tuple[str, str]], value: str
) -> None:
    module, function = group[0]  # the others have the same text (_behaviour)
    told = getattr(importlib.import_module(module), function)
    pattern = next(p for p, (name, _) in _tool()._KNOWN_PATTERNS.items() if name == function)
    assert bool(told(value)) == bool(re.search(pattern, value))
