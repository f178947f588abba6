"""Tests share what they build through helper modules (tests/builders.py, tests/support.py and the
like), never by importing a test module or a conftest: each test module stays readable on its own,
and pytest's fixtures stay in the conftest files that pytest itself loads."""
import ast
from pathlib import Path

TESTS = Path(__file__).parent.parent


def shared_modules_imported(path: Path) -> set[str]:
    imported = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module)
        elif isinstance(node, ast.Import):
            imported.update(alias.name for alias in node.names)
    return {name for name in imported if name.startswith("tests.")}


def test_no_test_module_or_conftest_is_imported():
    offending = [f"{path.relative_to(TESTS)} imports {name}"
                 for path in sorted(TESTS.rglob("*.py"))
                 for name in shared_modules_imported(path)
                 if name.rsplit(".", 1)[-1].startswith("test_") or name.endswith("conftest")]
    assert offending == []
