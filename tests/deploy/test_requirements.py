"""Requirements split by role: the API's set carries no model library, and covers every import under app/."""

import ast
import re
import sys
from importlib.metadata import packages_distributions
from pathlib import Path

from tests.deploy.conftest import REPO

MODEL_LIBRARIES = {"torch", "transformers", "accelerate", "peft", "bitsandbytes", "faiss-cpu", "sentence-transformers"}


def pins(name: str) -> dict[str, str]:
    """Package -> version of a requirements file and the files it includes with -r."""
    path = REPO / name
    found: dict[str, str] = {}
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line.startswith("-r "):
            found |= pins(str((path.parent / line[3:]).relative_to(REPO)))
        elif "==" in line:
            package, version = line.split("==")
            found[re.sub(r"\[.*\]", "", package).lower()] = version
    return found


def test_the_api_requirements_carry_no_model_library():
    assert not MODEL_LIBRARIES & set(pins("requirements/api.txt"))
    assert MODEL_LIBRARIES <= set(pins("requirements/worker.txt"))


def test_the_full_set_is_both_roles_and_agrees_with_the_lock():
    everything = pins("requirements.txt")
    assert set(pins("requirements/api.txt")) | set(pins("requirements/worker.txt")) <= set(everything)
    locked = pins("requirements.lock")
    drift = {p: (v, locked[p]) for p, v in everything.items() if p in locked and locked[p] != v}
    assert not drift, f"requirements and requirements.lock disagree: {drift}"


def test_every_third_party_import_of_app_is_in_the_api_requirements():
    distributions = packages_distributions()
    installed_with_api = _closure(set(pins("requirements/api.txt")))
    missing = {}
    for path in (REPO / "app").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            for name in names:
                top = name.split(".")[0]
                if top in sys.stdlib_module_names or top == "app":
                    continue
                if not {_norm(d) for d in distributions.get(top, [top])} & installed_with_api:
                    missing[top] = str(Path(path).relative_to(REPO))
    assert not missing, f"imported by app/ but not installed by requirements/api.txt: {missing}"


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _closure(roots: set[str]) -> set[str]:
    """The distributions installing `roots` brings in (their requirements, recursively, extras included)."""
    from importlib.metadata import PackageNotFoundError, requires

    seen, todo = set(), [_norm(r) for r in roots]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        try:
            needs = requires(name) or []
        except PackageNotFoundError:
            continue
        todo += [_norm(re.split(r"[\s;<>=!~\[(]", need, maxsplit=1)[0]) for need in needs]
    return seen
