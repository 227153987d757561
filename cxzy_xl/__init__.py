"""cxzy_xl: canonical workbooks for the 创先争优 campaign, read, checked, aggregated and rolled up."""

from .schema import BRANCH_SHEETS, REGISTRY_SHEETS, Branch, Field, Kind, Settings, Sheet
from .templates import write_branch_templates, write_branch_workbook, write_registry

__version__ = "0.1.0"

__all__ = [
    "BRANCH_SHEETS", "REGISTRY_SHEETS", "Branch", "Field", "Kind", "Settings", "Sheet",
    "write_branch_templates", "write_branch_workbook", "write_registry", "__version__",
]
