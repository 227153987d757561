"""Findings are data: one frozen record per problem, codes as an Enum carrying severity and message."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from dataclasses import asdict, dataclass, replace
from enum import Enum
from typing import Any


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def label(self) -> str:
        return {"error": "错误", "warning": "警告", "info": "提示"}[self.value]


class Code(Enum):
    """Stable finding codes (TEMPLATE-SPEC.md). Each carries its severity, a message template and its
    问题类型: a short Chinese name of the kind of problem (TEMPLATE-SPEC.md 1.2, "Wording"), one per code."""

    def __new__(cls, severity: Severity, template: str, kind: str) -> Code:
        # Members are numbered so that two codes with the same severity and template stay distinct.
        obj = object.__new__(cls)
        obj._value_ = len(cls.__members__) + 1
        obj._severity = severity
        obj._template = template
        obj._kind = kind
        return obj

    FILE_UNREADABLE = (Severity.ERROR, "文件无法读取：{detail}", "文件无法读取")
    NOT_TEMPLATE = (Severity.ERROR, "这不是创先争优支部填报表（{detail}），请用下发的模板重新填写", "不是统一模板")
    DUPLICATE_SUBMISSION = (Severity.WARNING, "同一支部同一报告期报送了多份文件，已采用{detail}，本文件未计入；"
                            "如应采用本文件，请从收件箱中删除另一份或改正填报日期，否则请从收件箱中删除本文件", "重复报送")
    UNKNOWN_BRANCH = (Severity.WARNING, "{detail}，本文件未计入汇总，请核对党组织编码和名称（新设立的支部请先加入支部名单）",
                      "不在支部名单")
    NAME_MISMATCH = (Severity.WARNING, "党组织名称“{value}”与支部名单中的“{detail}”不一致，汇总时用支部名单中的名称，请核对", "名称与名单不符")
    NAME_MATCHED = (Severity.WARNING, "{detail}", "按名称匹配")
    MISSING_SUBMISSION = (Severity.ERROR, "未报送：{detail}", "未报送")
    SHEET_MISSING = (Severity.ERROR, "缺少工作表“{sheet}”，请用下发的模板重新填写", "缺少工作表")
    COLUMN_MISSING = (Severity.ERROR, "缺少“{column}”，请不要删除或改动表头", "缺少栏目")
    REQUIRED = (Severity.ERROR, "“{column}”是必填项，请填写", "必填项未填")
    BAD_TYPE = (Severity.ERROR, "“{column}”应填{detail}，现为“{value}”", "格式有误")
    BAD_CHOICE = (Severity.ERROR, "“{column}”应从下拉列表中选择（{detail}），现为“{value}”", "选项有误")
    OUT_OF_RANGE = (Severity.ERROR, "“{column}”应{detail}，现为“{value}”", "超出范围")
    BAD_ID_NUMBER = (Severity.ERROR, "身份证号“{value}”有误：{detail}", "身份证号有误")
    BAD_PHONE = (Severity.ERROR, "“{column}”电话号码“{value}”有误：{detail}", "电话号码有误")
    INCONSISTENT = (Severity.ERROR, "{detail}", "前后矛盾")
    COUNT_MISMATCH = (Severity.WARNING, "{detail}", "人数与名册不符")
    UNKNOWN_MEMBER = (Severity.WARNING, "“{value}”不在党员名册中，请核对姓名或补充名册", "不在党员名册")
    DUPLICATE_MEMBER = (Severity.WARNING, "身份证号重复：{detail}", "身份证号重复")
    OVERDUE = (Severity.WARNING, "{detail}", "超期未完成")
    RATING_QUOTA = (Severity.WARNING, "{detail}", "优秀比例过高")
    PROBATION_OVERDUE = (Severity.WARNING, "{detail}", "预备期已满")
    OUT_OF_PERIOD = (Severity.WARNING, "“{column}”{value} {detail}，请核对", "不在活动期间")
    FORMULA_NO_VALUE = (Severity.ERROR, "“{column}”是公式，但文件里没有保存计算结果，请在Excel中打开后保存一次，或直接填写数值", "公式没有结果")
    CELL_ERROR = (Severity.ERROR, "“{column}”显示错误值“{value}”（公式出错或引用的单元格已删除），请改为正确的内容", "单元格错误值")
    WRONG_PERIOD = (Severity.ERROR, "报告期为“{value}”，本次汇总的是{detail}，本文件未计入，请核对报告期", "报告期不符")
    NORMALISED = (Severity.INFO, "“{column}”的“{value}”已按“{detail}”读取", "已自动纠正")
    SKIPPED = (Severity.INFO, "已跳过：{detail}", "已跳过")
    EMPTY_TEMPLATE = (Severity.ERROR, "空白模板，尚未填写：除预填的名称、编码、报告期外没有填写任何内容，请填写后重新报送", "空白模板")
    RULE_FAILED = (Severity.ERROR, "检查规则“{detail}”运行出错，本文件未做这项检查，其余检查照常进行，请联系技术人员", "检查规则出错")
    RESULT_EDITED = (Severity.WARNING, "{detail}，请核对", "汇总表被改动")
    LATE_SUBMISSION = (Severity.WARNING, "逾期报送：{detail}", "逾期报送")
    COMMITMENT_VANISHED = (Severity.WARNING, "{detail}", "上期承诺缺失")
    CONCERN_VANISHED = (Severity.WARNING, "{detail}", "上期民情缺失")
    MEMBER_GONE = (Severity.WARNING, "{detail}", "党员去向未注明")
    TEXT_CUT = (Severity.WARNING, "“{column}”有{detail}个字，超过表格单元格最多能存的32767个字，明细表中只保留了前32766个字，"
                "请精简后重新报送", "内容过长")
    # contract 1.2: a warning the branch explained in its 情况说明 sheet; detail is the warning as it was
    EXPLAINED = (Severity.INFO, "{detail}（支部已说明：{value}）", "已说明")

    @property
    def severity(self) -> Severity:
        return self._severity

    @property
    def template(self) -> str:
        return self._template

    @property
    def kind(self) -> str:
        """问题类型, e.g. 必填项未填 for REQUIRED: what a person reads before the stable code."""
        return self._kind


@dataclass(frozen=True, slots=True)  # a city's run holds a million of them
class Finding:
    """One problem. Its :attr:`message` is the code's template filled in from the other fields unless
    ``text`` says otherwise (a result's problem list read back, a summary, a note added): a city's
    million findings do not each carry a sentence that their fields already say."""

    code: Code
    file: str
    text: str  # the message where it is not the template filled in; "" where it is
    severity: Severity
    branch_code: str = ""
    sheet: str = ""
    row: int | None = None
    column: str = ""
    cell: str = ""
    value: str = ""
    detail: str = ""  # what the message says beyond the value: for NORMALISED, the value as read

    @property
    def message(self) -> str:
        """What to fix, in Chinese: the code's template with the value and detail cut (:func:`brief`)."""
        if self.text:
            return self.text
        return self.code.template.format(sheet=self.sheet, column=self.column, value=brief(self.value),
                                         detail=brief(self.detail))

    def with_message(self, message: str) -> Finding:
        return replace(self, text=message)

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        # Workers send every finding to the parent: the slotted dataclass's own pickling restores each
        # one field by field through dataclasses.fields(), two and a half times as slow as this.
        return (_arrived, (self.code, self.file, self.text, self.severity, self.branch_code, self.sheet,
                           self.row, self.column, self.cell, self.value, self.detail))

    def to_dict(self) -> dict[str, Any]:
        # in text's place, the message, whoever wrote it
        d = {"message" if k == "text" else k: self.message if k == "text" else v for k, v in asdict(self).items()}
        d["code"] = self.code.name
        d["severity"] = self.severity.value
        return d


_SHARED_UP_TO = 10  # characters: cells, choices, dates; not phone or ID numbers, which rarely repeat
_SHARED_MOST = 200_000  # distinct short texts kept for sharing
_SHARED: dict[str, str] = {}


def _shared(text: str) -> str:
    if len(text) > _SHARED_UP_TO:
        return text
    got = _SHARED.get(text)
    if got is not None:
        return got
    if len(_SHARED) < _SHARED_MOST:
        _SHARED[text] = text
    return text


def _arrived(code: Code, file: str, text: str, severity: Severity, branch_code: str, sheet: str, row: int | None,
             column: str, cell: str, value: str, detail: str) -> Finding:
    """A finding unpickled from a worker. A messy city's run receives over a million, mostly
    NORMALISED: their cells (B8), sheets, columns and short values (√ → 是) repeat from file to file,
    and sharing one copy of each saves about a third of their memory (about 120 of 300 bytes each)."""
    return Finding(code, sys.intern(file), text, severity, sys.intern(branch_code), sys.intern(sheet), row,
                   sys.intern(column), sys.intern(cell), _shared(value), _shared(detail))


SHOWN_LIMIT = 200  # contract 1.2: a value longer than this is cut with … where people read it
_SHOWN_TAIL = 40  # …and keeps its last characters: a reason that quotes a long text still ends readably


def brief(text: str) -> str:
    """``text`` as a message, a console line or a problem list shows it: a text longer than
    :data:`SHOWN_LIMIT` characters is cut in the middle with …, so a 32,000-character cell neither
    fills a screen nor buries the reason around it. The finding keeps the whole value (JSON shows it)."""
    if len(text) <= SHOWN_LIMIT:
        return text
    return text[:SHOWN_LIMIT - _SHOWN_TAIL - 1] + "…" + text[-_SHOWN_TAIL:]


def make(code: Code, file: str, *, branch_code: str = "", sheet: str = "", row: int | None = None,
         column: str = "", cell: str = "", value: Any = "", detail: str = "",
         severity: Severity | None = None) -> Finding:
    """Build a finding; the message comes from the code's template, a long value or detail in it cut
    (:func:`brief`); ``value`` and ``detail`` are kept whole."""
    shown = "" if value is None else str(value)
    return Finding(code=code, file=file, text="", severity=severity or code.severity,
                   branch_code=branch_code, sheet=sheet, row=row, column=column, cell=cell, value=shown,
                   detail=detail)


NORMALISED_SUMMARY = "“{column}”{cells}：{count}个值已按标准写法读取，如“{value}”读作“{detail}”"


def for_reading(findings: Iterable[Finding]) -> list[Finding]:
    """The findings as a person reads them in a workbook: errors and warnings first, one row each, in
    their order; then NORMALISED once per file × sheet × column (cell range, count, an example), then
    the other notes. Hundreds of lines saying that ２６ was read as 26 would bury the real errors;
    the full list stays in ``--format json`` and in a notebook's ``batch.findings``."""
    findings = list(findings)
    serious = [f for f in findings if f.severity is not Severity.INFO]
    groups: dict[tuple[str, str, str], list[Finding]] = {}
    notes = []
    for f in findings:
        if f.severity is not Severity.INFO:
            continue
        if f.code is Code.NORMALISED:
            groups.setdefault((f.file, f.sheet, f.column), []).append(f)
        else:
            notes.append(f)
    summaries = []
    for group in groups.values():
        first = group[0]
        if len(group) == 1:
            summaries.append(first)
            continue
        rows = sorted(group, key=lambda f: f.row or 0)
        cells = f"{rows[0].cell}:{rows[-1].cell}"
        message = NORMALISED_SUMMARY.format(column=first.column, cells=cells, count=len(group),
                                            value=brief(first.value), detail=brief(first.detail))
        summaries.append(Finding(code=Code.NORMALISED, file=first.file, text=message, severity=Severity.INFO,
                                 branch_code=first.branch_code, sheet=first.sheet, row=rows[0].row,
                                 column=first.column, cell=cells, value=first.value, detail=first.detail))
    explained = [f for f in notes if f.code is Code.EXPLAINED]
    return serious + explained + summaries + [f for f in notes if f.code is not Code.EXPLAINED]


def printed(finding: Finding) -> bool:
    """A problem list's row that goes on paper: errors, warnings and the warnings a branch explained
    (an official signs with the explanation in front of him); the other notes stay on screen."""
    return finding.severity is not Severity.INFO or finding.code is Code.EXPLAINED


FINDING_COLUMNS = ("file", "branch_code", "sheet", "cell", "row", "column", "severity", "code", "message", "value")
