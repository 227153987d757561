"""cxzy_xl: canonical workbooks for the 创先争优 campaign, read, checked, aggregated and rolled up.

    >>> import cxzy_xl
    >>> batch = cxzy_xl.read_folder("cxzy-demo/收件箱", registry="cxzy-demo/支部名单.xlsx")
    >>> batch["党员名册"].head()          # a typed DataFrame per template sheet
    >>> batch.findings_frame()            # every problem, with file, sheet and cell
"""

from .batch import Batch, read_folder, read_workbook
from .findings import Code, Finding, Severity
from .read import Registry, read_registry
from .schema import BRANCH_SHEETS, REGISTRY_SHEETS, Branch, Field, Kind, Settings, Sheet
from .templates import write_branch_templates, write_branch_workbook, write_registry

__version__ = "0.1.0"

__all__ = [
    "BRANCH_SHEETS", "REGISTRY_SHEETS", "Batch", "Branch", "Code", "Field", "Finding", "Kind", "Registry",
    "Settings", "Severity", "Sheet", "read_folder", "read_registry", "read_workbook", "write_branch_templates",
    "write_branch_workbook", "write_registry", "__version__",
]
