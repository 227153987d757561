"""cxzy_xl: canonical workbooks for the 创先争优 campaign, read, checked, aggregated and rolled up.

    >>> import cxzy_xl
    >>> batch = cxzy_xl.read_folder("cxzy-demo/收件箱", registry="cxzy-demo/支部名单.xlsx")
    >>> batch["党员名册"].head()          # a typed DataFrame per template sheet
    >>> batch.findings_frame()            # every problem, with file, sheet and cell
"""

from .aggregate import aggregate
from .carryover import CarryResult, write_carried_templates
from .detailbook import write_results
from .findings import Code, Finding, Severity
from .model import Batch, RollupError, Summary
from .output import write_findings, write_result
from .pipeline import read_folder, read_workbook
from .read import Registry, read_registry
from .rollup import rollup
from .schema import BRANCH_SHEETS, REGISTRY_SHEETS, Branch, Field, Kind, Settings, Sheet
from .templates import write_branch_templates, write_branch_workbook, write_registry

__version__ = "0.1.0"

__all__ = [
    "BRANCH_SHEETS", "REGISTRY_SHEETS", "Batch", "Branch", "CarryResult", "Code", "Field", "Finding", "Kind",
    "Registry", "RollupError", "Settings", "Severity", "Sheet", "Summary", "aggregate", "read_folder", "read_registry",
    "read_workbook", "rollup", "write_branch_templates", "write_branch_workbook", "write_carried_templates",
    "write_findings", "write_registry", "write_result", "write_results", "__version__",
]
