"""The registry (katas/curriculum.toml) matches the folders, the stubs, the references,
the graded tests and the mutants; dojo.curriculum reports a broken registry clearly."""

from __future__ import annotations

import ast
import inspect
import os
import re
from pathlib import Path

import pytest
from katarun import COURSE, KATAS, REFERENCE, ROOT, discover, pristine_katas

from dojo import contract, curriculum, nprules, rules
from dojo.curriculum import Kata, RegistryError
from dojo.loader import load_module
from dojo.outcomes import placeholder_message

KATA_IDS = [k.id for k in COURSE.katas]
FUNCTIONS = [(k.id, f.name) for k in COURSE.katas for f in k.functions]
MUTANTS = discover("mutants")
ALTERNATIVES = discover("alternatives")
MIN_MUTANTS = 3


def kata(kata_id: str) -> Kata:
    return COURSE.kata(kata_id)


def stub_path(entry: Kata) -> Path:
    """The stub as shipped (in a learner's clone, katas/ holds their work)."""
    return pristine_katas() / entry.id / f"{entry.module}.py"


def shown(entry: Kata) -> str:
    return f"katas/{entry.id}/{entry.module}.py"


def reference_path(entry: Kata) -> Path:
    return REFERENCE / entry.id / f"{entry.module}.py"


def graded_file(entry: Kata) -> Path:
    return KATAS / entry.id / f"test_{entry.module}.py"


def parse(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def top_level(tree: ast.Module, name: str) -> ast.FunctionDef | ast.ClassDef | None:
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and node.name == name:
            return node
    return None


def kata_folders(root: Path) -> set[str]:
    return {p.name for p in root.iterdir() if p.is_dir() and re.match(r"^\d\d_", p.name)}


# --- the registry itself ---------------------------------------------------------------


def test_the_registry_lists_katas_in_course_order_with_unique_ids_and_modules():
    assert KATA_IDS, "the registry lists no kata"
    for kata_id in KATA_IDS:
        assert re.fullmatch(r"\d\d_[a-z0-9_]+", kata_id), kata_id
    assert sorted(KATA_IDS) == KATA_IDS, "the order of the file is the order of the course"
    assert len(set(KATA_IDS)) == len(KATA_IDS)
    modules = [k.module for k in COURSE.katas]
    assert len(set(modules)) == len(modules), "module names must be unique across katas"


@pytest.mark.parametrize("kata_id", KATA_IDS)
def test_each_kata_has_a_title_a_grade_a_book_section_and_functions(kata_id):
    entry = kata(kata_id)
    assert entry.title and entry.book and entry.grade >= 1
    assert entry.module.isidentifier()
    names = [f.name for f in entry.functions]
    assert names, f"{kata_id} has no functions"
    assert len(set(names)) == len(names), f"{kata_id} lists a function twice"


@pytest.mark.parametrize(("kata_id", "name"), FUNCTIONS)
def test_each_enforced_rule_is_stated_and_each_function_has_hints(kata_id, name):
    fn = kata(kata_id).function(name)
    enforced = (
        fn.plain_python or fn.forbid or fn.require or fn.max_torch_calls or fn.max_loops
        or fn.min_loops or kata(kata_id).track == "numpy"
    )
    if enforced:
        assert fn.rule, f"{kata_id}.{name} enforces a rule it does not state"
    assert fn.hints, f"{kata_id}.{name} has no hints"


@pytest.mark.parametrize(("kata_id", "name"), FUNCTIONS)
def test_every_forbidden_and_required_name_resolves_to_a_torch_operation(kata_id, name):
    fn = kata(kata_id).function(name)
    numpy = kata(kata_id).track == "numpy"
    expand = nprules.expand if numpy else rules.expand
    for op in (*fn.forbid, *fn.require):
        assert expand([op]), f"{kata_id}.{name}: {op!r} names no operation here"
    # the loader does this
    rules.RuleSet.from_names(forbid=fn.forbid, require=fn.require, numpy=numpy)


@pytest.mark.parametrize(("kata_id", "name"), FUNCTIONS)
def test_loop_counts_belong_to_the_numpy_track_and_torch_counts_to_the_torch_one(
    kata_id, name
):
    fn = kata(kata_id).function(name)
    if kata(kata_id).track == "numpy":
        assert fn.max_torch_calls is None and fn.min_torch_calls is None, (
            f"{kata_id}.{name}: a NumPy kata runs no torch; count loops (max_loops)"
        )
        assert "torch" in fn.rule, f"{kata_id}.{name}: the rule must say 'no torch'"
    else:
        assert fn.max_loops is None and fn.min_loops is None, (
            f"{kata_id}.{name}: max_loops/min_loops are the NumPy track's"
        )


@pytest.mark.parametrize(
    ("kata_id", "name", "key"),
    [
        (k, n, key)
        for k, n in FUNCTIONS
        for key in ("max_torch_calls", "min_torch_calls", "max_loops", "min_loops")
        if getattr(kata(k).function(n), key) is not None
    ],
)
def test_every_torch_calls_expression_compiles_over_the_contracts_arguments(kata_id, name, key):
    expression = getattr(kata(kata_id).function(name), key)
    tree = ast.parse(expression, mode="eval")
    compile(tree, f"{kata_id}.{name}.{key}", "eval")
    used = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    # The guard binds every call to the reference's names (dojo.contract).
    signatures = contract.signatures(kata(kata_id), KATAS)
    if name in signatures:
        parameters = set(signatures[name].parameters)
    else:  # a class: its rule applies to every method, so only names all of them have
        methods = [sig for key, sig in signatures.items() if key.startswith(f"{name}.")]
        assert methods, f"{kata_id}.{name} is neither a function nor a class of the stub"
        parameters = set.intersection(*(set(sig.parameters) for sig in methods))
    assert used <= parameters, f"{expression!r} uses {sorted(used - parameters)}"


# --- folders ------------------------------------------------------------------------------


@pytest.mark.parametrize("kata_id", KATA_IDS)
def test_each_registered_kata_has_its_folder_files_and_reference(kata_id):
    entry = kata(kata_id)
    for path in (KATAS / kata_id / f"{entry.module}.py", graded_file(entry),
                 KATAS / kata_id / "README.md", reference_path(entry)):
        assert path.is_file(), f"missing {path.relative_to(ROOT)}"


@pytest.mark.parametrize("root", [KATAS, REFERENCE], ids=["katas", "reference"])
def test_no_kata_folder_is_left_out_of_the_registry(root):
    unregistered = kata_folders(root) - set(KATA_IDS)
    assert not unregistered, f"not in curriculum.toml: {sorted(unregistered)}"


# --- stubs and references ------------------------------------------------------------------


@pytest.mark.parametrize(("kata_id", "name"), FUNCTIONS)
def test_stub_and_reference_have_the_same_signature(kata_id, name):
    entry = kata(kata_id)
    stub = load_module(stub_path(entry), entry)
    reference = load_module(reference_path(entry), entry)
    assert hasattr(stub, name), f"{shown(entry)} has no {name}"
    assert hasattr(reference, name), f"{reference_path(entry).relative_to(ROOT)} has no {name}"

    def shape(obj):
        target = obj.__init__ if inspect.isclass(obj) else obj
        return [(p.name, p.kind, p.default) for p in inspect.signature(target).parameters.values()]

    assert shape(getattr(stub, name)) == shape(getattr(reference, name))
    assert inspect.isclass(getattr(stub, name)) == inspect.isclass(getattr(reference, name))


@pytest.mark.parametrize("kata_id", KATA_IDS)
def test_every_method_of_the_stub_has_the_contracts_signature(kata_id):
    """The contract (what the guard binds calls to) is read from the reference: every
    function and method the stub shows a learner must have the same signature there."""
    entry = kata(kata_id)
    stub = contract.parse(stub_path(entry).read_text(encoding="utf-8"))
    reference = contract.signatures(entry, KATAS)
    assert stub, f"no functions in {shown(entry)}"
    for name, signature in stub.items():
        assert name in reference, f"the reference of {kata_id} has no {name}"
        assert str(reference[name]) == str(signature), name


@pytest.mark.parametrize("kata_id", KATA_IDS)
def test_each_readme_says_which_names_a_learner_may_change(kata_id):
    entry = kata(kata_id)
    readme = (KATAS / kata_id / "README.md").read_text(encoding="utf-8")
    assert "## Names you may change" in readme
    section = readme.split("## Names you may change", 1)[1].split("\n## ", 1)[0]
    for name, signature in contract.signatures(entry, KATAS).items():
        if name.rpartition(".")[2].startswith("_") and not name.endswith(
            ("__init__", "__call__")
        ):
            continue
        for param in signature.parameters.values():
            if param.kind is param.KEYWORD_ONLY or (
                param.default is not param.empty and param.kind is not param.VAR_KEYWORD
            ):
                assert f"`{param.name}`" in section, f"{name}: {param.name}"


def is_placeholder_raise(node: ast.stmt, kata_id: str, name: str) -> bool:
    if not (isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call)):
        return False
    call = node.exc
    return (
        isinstance(call.func, ast.Name)
        and call.func.id == "NotImplementedError"
        and len(call.args) == 1
        and isinstance(call.args[0], ast.Constant)
        and call.args[0].value == placeholder_message(kata_id, name)
    )


@pytest.mark.parametrize(("kata_id", "name"), FUNCTIONS)
def test_each_stub_has_a_docstring_and_raises_its_placeholder(kata_id, name):
    entry = kata(kata_id)
    node = top_level(parse(stub_path(entry)), name)
    assert node is not None, f"{name} is not defined at the top of {entry.module}.py"
    doc = ast.get_docstring(node)
    assert doc and len(doc.split()) >= 3, f"{name} needs a docstring"
    if isinstance(node, ast.FunctionDef):
        placeholder = placeholder_message(kata_id, name)
        assert is_placeholder_raise(node.body[-1], kata_id, name), (
            f"{name} must end with raise NotImplementedError({placeholder!r})"
        )
    else:  # a class: some method raises its placeholder, "Class.method" (or "Class")
        methods = [m for m in node.body if isinstance(m, ast.FunctionDef)]
        assert any(
            is_placeholder_raise(n, kata_id, f"{name}.{m.name}")
            or is_placeholder_raise(n, kata_id, name)
            for m in methods
            for n in ast.walk(m)
        ), f"a method of {name} must raise its placeholder 'kata {kata_id}: implement {name}.m'"


@pytest.mark.parametrize("kata_id", KATA_IDS)
def test_kata_modules_never_import_each_other(kata_id):
    entry = kata(kata_id)
    others = {k.module for k in COURSE.katas}
    for path in (stub_path(entry), reference_path(entry), graded_file(entry)):
        imported = set()
        for node in ast.walk(parse(path)):
            if isinstance(node, ast.Import):
                imported |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                imported.add(node.module.split(".")[0])
        assert not imported & others, f"{path.relative_to(ROOT)} imports {imported & others}"


# --- graded tests ---------------------------------------------------------------------------


def graded_marks(path: Path) -> dict[str, list[str]]:
    """Test function name -> the functions its @graded decorators name."""
    marks: dict[str, list[str]] = {}
    for node in parse(path).body:
        if isinstance(node, ast.FunctionDef) and node.name.startswith("test"):
            marks[node.name] = [
                d.args[0].value
                for d in node.decorator_list
                if isinstance(d, ast.Call)
                and (getattr(d.func, "id", None) or getattr(d.func, "attr", None)) == "graded"
                and d.args
                and isinstance(d.args[0], ast.Constant)
            ]
    return marks


@pytest.mark.parametrize("kata_id", KATA_IDS)
def test_every_graded_test_names_one_registry_function(kata_id):
    entry = kata(kata_id)
    marks = graded_marks(graded_file(entry))
    assert marks, f"{graded_file(entry).relative_to(ROOT)} has no tests"
    names = {f.name for f in entry.functions}
    for test, functions in marks.items():
        assert len(functions) == 1, f"{test} needs exactly one @graded(...), has {functions}"
        assert functions[0] in names, f"{test} grades {functions[0]!r}, not in the registry"


@pytest.mark.parametrize("kata_id", KATA_IDS)
def test_every_registry_function_has_graded_tests(kata_id):
    entry = kata(kata_id)
    graded = {f for functions in graded_marks(graded_file(entry)).values() for f in functions}
    missing = [f.name for f in entry.functions if f.name not in graded]
    assert not missing, f"no graded test for {missing}"


# --- mutants and alternatives ------------------------------------------------------------------


@pytest.mark.parametrize(("kata_id", "name"), FUNCTIONS)
def test_every_function_has_enough_mutants(kata_id, name):
    count = sum(1 for m in MUTANTS if (m.kata, m.function) == (kata_id, name))
    assert count >= MIN_MUTANTS, (
        f"{kata_id}.{name} has {count} mutants in tests/mutants/{kata_id}.py; "
        f"write at least {MIN_MUTANTS}"
    )


@pytest.mark.parametrize(
    "variant", MUTANTS + ALTERNATIVES, ids=lambda v: f"{v.source.parent.name}/{v.id}"
)
def test_mutants_and_alternatives_target_registry_functions(variant):
    assert variant.kata in KATA_IDS, f"{variant.source.name} is not named after a kata"
    names = [f.name for f in kata(variant.kata).functions]
    assert variant.function in names, f"{variant.name} targets {variant.function!r}: not in {names}"


def test_expected_verdicts_of_mutants_are_real_verdicts():
    for mutant in MUTANTS:
        if mutant.expected is not None:
            assert mutant.expected in {"wrong", "crashed", "rule broken", "too slow"}, mutant.id


# --- dojo.curriculum.load -------------------------------------------------------------------------


GOOD = """\
format_version = 1

[[kata]]
id = "01_x"
module = "x"
title = "X"
grade = 1
book = "somewhere"

[[kata.function]]
name = "f"
forbid = ["torch.mm"]
max_torch_calls = "3"
"""


def load_text(tmp_path: Path, text: str) -> curriculum.Curriculum:
    path = tmp_path / "curriculum.toml"
    path.write_text(text, encoding="utf-8")
    return curriculum.load(path)


def load_error(tmp_path: Path, text: str) -> str:
    with pytest.raises(RegistryError) as info:
        load_text(tmp_path, text)
    return str(info.value)


def test_load_reads_katas_and_functions(tmp_path):
    course = load_text(tmp_path, GOOD)
    (entry,) = course.katas
    assert (entry.id, entry.module, entry.title, entry.grade, entry.book) == (
        "01_x", "x", "X", 1, "somewhere"
    )
    fn = entry.function("f")
    assert fn.forbid == ("torch.mm",) and fn.max_torch_calls == "3" and not fn.plain_python
    assert course.katas_dir == tmp_path
    assert course.kata("01_x") is entry


def test_a_kata_belongs_to_the_torch_track_unless_it_says_numpy(tmp_path):
    (entry,) = load_text(tmp_path, GOOD).katas
    assert entry.track == "torch"
    numpy = GOOD.replace('book = "somewhere"', 'book = "somewhere"\ntrack = "numpy"').replace(
        'max_torch_calls = "3"', 'max_loops = "a.shape[0]"\nmin_loops = "1"'
    )
    (entry,) = load_text(tmp_path, numpy).katas
    fn = entry.function("f")
    assert entry.track == "numpy" and (fn.max_loops, fn.min_loops) == ("a.shape[0]", "1")
    message = load_error(tmp_path, GOOD.replace('book = "somewhere"', 'book = "x"\ntrack = "jax"'))
    assert "kata #1: track must be one of torch, numpy" in message


def test_asking_for_an_unknown_kata_or_function_names_it(tmp_path):
    course = load_text(tmp_path, GOOD)
    with pytest.raises(KeyError, match="02_y"):
        course.kata("02_y")
    with pytest.raises(KeyError, match="kata 01_x has no function 'g'"):
        course.kata("01_x").function("g")


def test_a_missing_registry_is_named(tmp_path):
    with pytest.raises(RegistryError, match=r"no registry at .*nowhere\.toml"):
        curriculum.load(tmp_path / "nowhere.toml")


def test_bad_toml_names_the_file_and_the_line(tmp_path):
    message = load_error(tmp_path, GOOD + "\n[[kata]\n")
    assert message.startswith(f"{tmp_path / 'curriculum.toml'}: ")
    assert f"line {len(GOOD.splitlines()) + 2}" in message


@pytest.mark.parametrize("version", ["format_version = 2", "format_version = '1'", ""])
def test_a_wrong_format_version_is_refused(tmp_path, version):
    message = load_error(tmp_path, GOOD.replace("format_version = 1", version))
    assert message.endswith("curriculum.toml: format_version must be 1")


def test_an_unknown_kata_key_is_named(tmp_path):
    message = load_error(tmp_path, GOOD.replace('grade = 1', 'grade = 1\nlevel = 3'))
    assert message == "curriculum.toml: kata #1: unknown keys ['level']"


def test_an_unknown_function_key_is_named_with_its_kata(tmp_path):
    message = load_error(tmp_path, GOOD + 'forbidden = ["torch.bmm"]\n')
    assert message == "curriculum.toml: kata #1 (01_x), function #1: unknown keys ['forbidden']"


def test_missing_kata_keys_are_named(tmp_path):
    text = GOOD.replace('title = "X"\n', "").replace('book = "somewhere"\n', "")
    message = load_error(tmp_path, text)
    assert message == "curriculum.toml: kata #1: missing ['book', 'title']"


def test_a_function_without_a_name_is_refused(tmp_path):
    message = load_error(tmp_path, GOOD.replace('name = "f"\n', ""))
    assert message == "curriculum.toml: kata #1 (01_x), function #1: a function needs a name"


def test_load_cached_rereads_a_changed_file(tmp_path):
    path = tmp_path / "curriculum.toml"
    path.write_text(GOOD, encoding="utf-8")
    first = curriculum.load_cached(path)
    assert curriculum.load_cached(path) is first
    path.write_text(GOOD.replace('title = "X"', 'title = "Y"'), encoding="utf-8")
    later = path.stat().st_mtime_ns + 10**9  # a clock too coarse to see the write
    os.utime(path, ns=(later, later))
    assert curriculum.load_cached(path).katas[0].title == "Y"


def test_find_root_finds_the_folder_holding_katas(tmp_path):
    (tmp_path / "katas").mkdir()
    (tmp_path / "katas" / "curriculum.toml").write_text(GOOD, encoding="utf-8")
    (tmp_path / "katas" / "01_x").mkdir()
    assert curriculum.find_root(tmp_path / "katas" / "01_x") == tmp_path
    assert curriculum.find_root(Path("/")) is None


def test_a_time_limit_is_read_in_seconds(tmp_path):
    fn = load_text(tmp_path, GOOD + "time_limit = 20\n").katas[0].function("f")
    assert fn.time_limit == 20.0
    assert load_text(tmp_path, GOOD).katas[0].function("f").time_limit is None


@pytest.mark.parametrize("value", ["0", "-1", "'20'", "true"])
def test_a_time_limit_must_be_a_positive_number(tmp_path, value):
    message = load_error(tmp_path, GOOD + f"time_limit = {value}\n")
    assert message.endswith("time_limit must be a positive number of seconds")
