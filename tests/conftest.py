import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))


def pytest_report_header(config):
    """Which worker code path this run tests (CI runs the worker tests twice, see .ci/run)."""
    try:
        from cxzy_xl.workers import memory_guard, start_method
    except ImportError:  # collection will say why, test by test
        return None
    return f"cxzy workers: start method {start_method()}, memory guard {memory_guard()}"
