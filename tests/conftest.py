import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
# Code beside the package, not in it: bench/messy.py (values typed the way staff type them, for the
# fast-path tests) and tools/report_templates.py (builds the Word templates, for the test that the
# committed ones are in step). Appended, so nothing there shadows an installed module.
sys.path.append(str(Path(__file__).resolve().parent.parent / "bench"))
sys.path.append(str(Path(__file__).resolve().parent.parent / "tools"))


def pytest_report_header(config):
    """Which worker code path this run tests (CI runs the worker tests twice, see .ci/run)."""
    try:
        from cxzy_xl.workers import memory_guard, start_method
    except ImportError:  # collection will say why, test by test
        return None
    return f"cxzy workers: start method {start_method()}, memory guard {memory_guard()}"
