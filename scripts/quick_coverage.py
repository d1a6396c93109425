"""Does the quick test loop reach every module of geo_service/? Runs it once under coverage.py
(one process) and names each module it never imported, or imported without running any of its
functions; exit status 1 if there is one. See docs/testing.md.

    GEO_SERVICE_DATA_DIR=../shared/data .venv/bin/python scripts/quick_coverage.py [pytest args...]
"""

from __future__ import annotations

import ast
import io
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "geo_service"
QUICK = "not browser and not postgres and not subprocess and not slow"  # as scripts/test.sh --quick
DATA = ROOT / ".coverage.quick"


def function_lines(path: Path) -> set[int]:
    """Lines of the statements inside the module's functions (run only when a function is called);
    docstrings left out: coverage.py never records them as run."""
    lines: set[int] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body[1:] if ast.get_docstring(node, clean=False) is not None else node.body
            for statement in body:
                lines.update(range(statement.lineno, (statement.end_lineno or statement.lineno) + 1))
    return lines


def main() -> int:
    run = [sys.executable, "-m", "coverage", "run", f"--data-file={DATA}", f"--source={PACKAGE}"]
    tests = ["-m", "pytest", "-p", "no:xdist", "-q", "-m", QUICK, *sys.argv[1:]]
    status = subprocess.run(run + tests, cwd=ROOT, check=False).returncode
    if status != 0:
        print(f"the quick tests failed (pytest exit status {status})")
        return status

    import coverage

    data = coverage.CoverageData(basename=str(DATA))
    data.read()
    measured = {Path(name).resolve(): set(data.lines(name) or ()) for name in data.measured_files()}
    missing, idle = [], []
    modules = sorted(PACKAGE.rglob("*.py"))
    for path in modules:
        body = function_lines(path)
        executed = measured.get(path.resolve())
        if executed is None:
            missing.append(path)
        elif body and not executed & body:
            idle.append(path)
    for label, paths in (("never imported", missing), ("imported, no function run", idle)):
        for path in paths:
            print(f"{label}: {path.relative_to(ROOT)}")
    print(f"{len(modules) - len(missing) - len(idle)} of {len(modules)} modules of geo_service/ exercised")
    measure = coverage.Coverage(data_file=str(DATA))
    measure.load()
    print(f"statements run: {measure.report(file=io.StringIO()):.0f} % (coverage report --data-file={DATA.name})")
    return 1 if missing or idle else 0


if __name__ == "__main__":
    sys.exit(main())
