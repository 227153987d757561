"""The workbook contract (TEMPLATE-SPEC.md, version 1) as declarative data.

Every other module derives from what is declared here: templates, the 填报说明 sheet, the reader's
column lookup, the schema-driven checks and the documentation. No other module spells a sheet
name, a field label or a choice list. Adding an optional column is one ``F(...)`` line below.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from enum import Enum
from fractions import Fraction
from types import MappingProxyType
from typing import Any, ClassVar, Literal, Protocol

import pandas as pd

from .findings import Code

TEMPLATE_ID = "cxzy-branch"
REGISTRY_ID = "cxzy-registry"
RESULT_ID = "cxzy-result"
DETAIL_ID = "cxzy-detail"  # the 明细表 written beside a township's 汇总表 (contract 1.2)
VERSION = 1
CONTRACT = "1.2"  # TEMPLATE-SPEC.md's version this code implements (the Parquet dataset's metadata)
META_SHEET = "_meta"
INSTRUCTIONS_SHEET = "填报说明"


class Kind(str, Enum):
    TEXT = "text"
    INT = "int"
    NUMBER = "number"
    DATE = "date"
    CHOICE = "choice"
    YESNO = "yesno"
    ID_NUMBER = "id_number"
    PHONE = "phone"
    PERIOD = "period"


# Spellings the reader accepts for 是/否 besides the two words themselves (BRIEF.md's mess list).
YES_NO_SYNONYMS: dict[str, str] = {
    "√": "是", "✓": "是", "✔": "是", "Y": "是", "YES": "是", "TRUE": "是", "有": "是", "对": "是",
    "1": "是",
    "×": "否", "✗": "否", "✘": "否", "X": "否", "N": "否", "NO": "否", "FALSE": "否", "无": "否",
    "没有": "否", "0": "否",
}

KIND_HINTS: dict[Kind, str] = {
    Kind.TEXT: "请填写文字",
    Kind.INT: "请填写整数，只填数字，不要带单位",
    Kind.NUMBER: "请填写数字，只填数字，不要带单位",
    Kind.DATE: "请填写日期，如 2011-05-07",
    Kind.CHOICE: "请从下拉列表中选择",
    Kind.YESNO: "请从下拉列表中选择“是”或“否”",
    Kind.ID_NUMBER: "18位公民身份号码，末位可为X",
    Kind.PHONE: "手机号11位，或座机如 0731-12345678",
    Kind.PERIOD: "如 2011年第二季度",
}


@dataclass(frozen=True)
class Field:
    """One field of a form sheet or one column of a table sheet."""

    label: str
    kind: Kind = Kind.TEXT
    required: bool = False
    choices: tuple[str, ...] = ()
    # Alternative spellings the reader maps to a choice, beyond the generic rules of normalize.py.
    synonyms: tuple[tuple[str, str], ...] = ()
    min: float | None = None
    max: float | None = None
    note: str = ""
    example: Any = None
    default: Any = None
    width: float | None = None
    # What the sheet's cross-field rules ask of this field, in words; set by Sheet from its rules.
    rule_notes: tuple[str, ...] = ()

    @property
    def hint(self) -> str:
        """The input hint shown to the person filling the cell."""
        parts = [self.note] if self.note else []
        parts.extend(self.rule_notes)
        if self.kind is Kind.CHOICE:
            parts.append("可选：" + "、".join(self.choices))
        else:
            parts.append(KIND_HINTS[self.kind])
        if self.min is not None and self.max is not None:
            parts.append(f"范围 {_num(self.min)}–{_num(self.max)}")
        elif self.min is not None:
            parts.append(f"不小于 {_num(self.min)}")
        if self.required:
            parts.append("必填")
        return "；".join(parts)

    @property
    def allowed(self) -> tuple[str, ...]:
        if self.kind is Kind.YESNO:
            return ("是", "否")
        return self.choices

    @property
    def synonym_map(self) -> dict[str, str]:
        mapping = dict(YES_NO_SYNONYMS) if self.kind is Kind.YESNO else {}
        mapping.update(dict(self.synonyms))
        return mapping

    @property
    def is_numeric(self) -> bool:
        return self.kind in (Kind.INT, Kind.NUMBER)


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


def F(label: str, kind: Kind = Kind.TEXT, required: bool = False, choices: tuple[str, ...] = (),
      **kw: Any) -> Field:
    """Shorthand used by the declarations below; a trailing ``*`` in the label marks required."""
    if label.endswith("*"):
        label, required = label[:-1], True
    if choices and kind is Kind.TEXT:
        kind = Kind.CHOICE
    return Field(label, kind, required, tuple(choices), **kw)


def spoken(label: str) -> str:
    """A label as a sentence says it: 其中争取上级资金（万元） → 争取上级资金."""
    said = re.sub(r"（[^（）]*）$", "", label).removeprefix("其中")
    return said or label


# --- cross-field rules -----------------------------------------------------------------------
# Each rule is data about one sheet that says what it checks (``labels``, ``title``), finds the rows
# of the batch's DataFrame of that sheet that break it (``violations``; a blank side is never a
# finding) and words its finding (``finding``, through the checker's context: where a row's cell is,
# how a value reads). Its wording also goes into the hint of the field a finding points at (``at``),
# so the template says each rule in the words the finding uses.


class RuleContext(Protocol):
    """What a rule's finding needs of the checker (checks.RuleContext)."""

    def finding(self, code: Code, df_row: Any, sheet: str, label: str, **kw: Any) -> Any: ...

    def text(self, v: Any) -> str: ...


def _none(df: pd.DataFrame) -> pd.Series:
    return pd.Series(False, index=df.index, dtype=bool)
# The roster that member references are looked up in (党员名册's 姓名).
ROSTER_SHEET = "党员名册"
MEMBER_NAME = "姓名"


@dataclass(frozen=True)
class DateOrder:
    """``late`` may not be before ``early`` (both filled)."""

    early: str
    late: str

    @property
    def labels(self) -> tuple[str, ...]:
        return (self.early, self.late)

    @property
    def at(self) -> str:
        return self.late

    @property
    def note(self) -> str:
        return f"不能早于{spoken(self.early)}"

    @property
    def title(self) -> str:
        return f"{spoken(self.late)}不能早于{spoken(self.early)}"

    choices: ClassVar[tuple[tuple[str, str], ...]] = ()

    def violations(self, df: pd.DataFrame, tables: Mapping[str, pd.DataFrame] | None = None) -> pd.Series:
        return df[self.late] < df[self.early]

    def finding(self, ctx: RuleContext, sheet: str, row: Any) -> Any:
        return ctx.finding(Code.INCONSISTENT, row, sheet, self.late, value=ctx.text(row[self.late]),
                           detail=f"{spoken(self.late)}早于{spoken(self.early)}（{ctx.text(row[self.early])}），请核对")


@dataclass(frozen=True)
class NotMoreThan:
    """``part`` may not exceed ``whole`` (both filled)."""

    part: str
    whole: str

    @property
    def labels(self) -> tuple[str, ...]:
        return (self.part, self.whole)

    @property
    def at(self) -> str:
        return self.part

    @property
    def note(self) -> str:
        return f"不能多于{spoken(self.whole)}"

    @property
    def title(self) -> str:
        return f"{spoken(self.part)}不能多于{spoken(self.whole)}"

    choices: ClassVar[tuple[tuple[str, str], ...]] = ()

    def violations(self, df: pd.DataFrame, tables: Mapping[str, pd.DataFrame] | None = None) -> pd.Series:
        return df[self.part] > df[self.whole]

    def finding(self, ctx: RuleContext, sheet: str, row: Any) -> Any:
        part, whole = ctx.text(row[self.part]), ctx.text(row[self.whole])
        return ctx.finding(Code.INCONSISTENT, row, sheet, self.part, value=part,
                           detail=f"{spoken(self.part)}多于{spoken(self.whole)}（{part} > {whole}），请核对")


@dataclass(frozen=True)
class RequiredWhen:
    """``target`` must be filled when ``when`` is ``value``."""

    target: str
    when: str
    value: str

    @property
    def labels(self) -> tuple[str, ...]:
        return (self.target, self.when)

    @property
    def at(self) -> str:
        return self.target

    @property
    def note(self) -> str:
        return f"{self.when}为“{self.value}”的必须填写"

    @property
    def title(self) -> str:
        return f"{self.when}为“{self.value}”的必须填写{spoken(self.target)}"

    @property
    def choices(self) -> tuple[tuple[str, str], ...]:
        return ((self.when, self.value),)

    def violations(self, df: pd.DataFrame, tables: Mapping[str, pd.DataFrame] | None = None) -> pd.Series:
        return (df[self.when] == self.value) & df[self.target].isna()

    def finding(self, ctx: RuleContext, sheet: str, row: Any) -> Any:
        return ctx.finding(Code.INCONSISTENT, row, sheet, self.target,
                           detail=f"{self.when}为“{self.value}”，但没有填写{spoken(self.target)}，请补填")


@dataclass(frozen=True)
class SumNotMore:
    """The ``parts`` together may not exceed ``whole``. A blank part counts as 0 (the message shows
    it as 未填); with every part blank, or ``whole`` blank, there is nothing to compare."""

    parts: tuple[str, ...]
    whole: str

    @property
    def labels(self) -> tuple[str, ...]:
        return (*self.parts, self.whole)

    @property
    def at(self) -> str:
        return self.whole

    @property
    def note(self) -> str:
        return f"不能少于{'、'.join(spoken(p) for p in self.parts)}之和"

    @property
    def title(self) -> str:
        return f"{'、'.join(spoken(p) for p in self.parts)}之和不能多于{spoken(self.whole)}"

    choices: ClassVar[tuple[tuple[str, str], ...]] = ()

    def violations(self, df: pd.DataFrame, tables: Mapping[str, pd.DataFrame] | None = None) -> pd.Series:
        # in doubles, as Excel adds; a blank part counts 0, but all parts blank is nothing to compare
        parts = [df[p].astype("Float64") for p in self.parts]
        total = sum((p.fillna(0) for p in parts), pd.Series(0.0, index=df.index, dtype="Float64"))
        filled = pd.concat([p.notna() for p in parts], axis=1).any(axis=1)
        return filled & (total > df[self.whole].astype("Float64"))

    def finding(self, ctx: RuleContext, sheet: str, row: Any) -> Any:
        values = [row[p] for p in self.parts]
        blank = [ctx.text(v) == "" for v in values]
        shown = "、".join(f"{spoken(p)}未填" if b else f"{spoken(p)}{ctx.text(v)}"
                         for p, v, b in zip(self.parts, values, blank, strict=True))
        total = sum(float(v) for v, b in zip(values, blank, strict=True) if not b)
        blank_note = "（未填的按0计）" if any(blank) else ""
        return ctx.finding(Code.INCONSISTENT, row, sheet, self.whole, value=ctx.text(row[self.whole]),
                           detail=f"{shown}，合计{ctx.text(total)}，多于{spoken(self.whole)}{ctx.text(row[self.whole])}"
                                  f"{blank_note}，请核对")


@dataclass(frozen=True)
class MemberRef:
    """``column`` names a member of the same file's 党员名册 (UNKNOWN_MEMBER otherwise); with ``when``
    = (field, value), only in rows where that field has that value. A file without a roster is not
    checked (its missing roster is a finding of its own)."""

    column: str
    when: tuple[str, str] | None = None

    @property
    def labels(self) -> tuple[str, ...]:
        return (self.column, self.when[0]) if self.when else (self.column,)

    @property
    def at(self) -> str:
        return self.column

    @property
    def note(self) -> str:
        what = f"填写{ROSTER_SHEET}中的{MEMBER_NAME}"
        return f"{self.when[0]}为“{self.when[1]}”的{what}" if self.when else what

    @property
    def title(self) -> str:
        what = f"{spoken(self.column)}须是{ROSTER_SHEET}中的{MEMBER_NAME}"
        return f"{self.when[0]}为“{self.when[1]}”的，{what}" if self.when else what

    @property
    def choices(self) -> tuple[tuple[str, str], ...]:
        return (self.when,) if self.when else ()

    def violations(self, df: pd.DataFrame, tables: Mapping[str, pd.DataFrame] | None = None) -> pd.Series:
        roster = (tables or {}).get(ROSTER_SHEET)
        if roster is None:
            return _none(df)
        known = pd.MultiIndex.from_frame(roster[[FILE_COL, MEMBER_NAME]].dropna())
        hit = df[self.column].notna() & df[FILE_COL].isin(set(roster[FILE_COL].dropna()))
        if self.when:
            hit &= df[self.when[0]] == self.when[1]
        pairs = pd.MultiIndex.from_arrays([df[FILE_COL], df[self.column]])
        return hit & ~pd.Series(pairs.isin(known), index=df.index)

    def finding(self, ctx: RuleContext, sheet: str, row: Any) -> Any:
        return ctx.finding(Code.UNKNOWN_MEMBER, row, sheet, self.column, value=ctx.text(row[self.column]))


# Every declared rule has: labels, at, note, title, choices (the (field, value) pairs it compares a
# choice field with: each must be one of its choices), violations(df, tables), finding(ctx, sheet, row).
Rule = DateOrder | NotMoreThan | RequiredWhen | SumNotMore | MemberRef


@dataclass(frozen=True)
class Sheet:
    name: str
    layout: Literal["form", "table"]
    purpose: str
    fields: tuple[Field, ...]
    rows: int = 60  # pre-formatted data rows in the template
    landscape: bool = False
    dated: tuple[str, ...] = ()  # campaign-event dates checked against the campaign (OUT_OF_PERIOD)
    rules: tuple[Rule, ...] = ()  # cross-field rules within this sheet (INCONSISTENT, UNKNOWN_MEMBER)
    optional: bool = False  # may be absent (no SHEET_MISSING), counts toward neither 填报完整率 nor a figure

    def __post_init__(self) -> None:
        # A rule naming a field that is not there, or a choice it does not have, would silently
        # never fire: refuse it when the schema is imported.
        labels = {f.label: f for f in self.fields}
        notes: dict[str, list[str]] = {}
        for rule in self.rules:
            for label in rule.labels:
                if label not in labels:
                    raise ValueError(f"{self.name}: {rule!r} names {label!r}, which is not a field of the sheet")
            for label, value in rule.choices:
                if value not in labels[label].allowed:
                    raise ValueError(f"{self.name}: {rule!r} compares {label!r} with {value!r}, not one of its choices")
            notes.setdefault(rule.at, []).append(rule.note)
        fields = tuple(f if f.rule_notes == tuple(notes.get(f.label, ())) else
                       replace(f, rule_notes=tuple(notes.get(f.label, ()))) for f in self.fields)
        object.__setattr__(self, "fields", fields)

    @property
    def title(self) -> str:
        return self.name

    def field(self, label: str) -> Field:
        for f in self.fields:
            if f.label == label:
                return f
        raise KeyError(f"{self.name} has no field {label!r}")

    @property
    def labels(self) -> list[str]:
        return [f.label for f in self.fields]

    @property
    def required(self) -> list[Field]:
        return [f for f in self.fields if f.required]


# --- choice lists used more than once --------------------------------------------------------
ORG_TYPES = ("机关", "村", "社区", "学校", "医疗卫生", "非公企业", "社会组织", "离退休", "其他")
ORG_TYPE_SYNONYMS = (
    ("镇机关", "机关"), ("乡机关", "机关"), ("村（居）", "村"), ("居委会", "社区"), ("卫生院", "医疗卫生"),
    ("医院", "医疗卫生"), ("卫生", "医疗卫生"), ("中学", "学校"), ("小学", "学校"), ("老龄", "离退休"),
    ("老干部", "离退休"), ("退休", "离退休"), ("非公有制企业", "非公企业"), ("企业", "非公企业"),
)
SATISFACTION = ("满意", "基本满意", "不满意")
PERIOD_EXAMPLE = "2011年第二季度"

# --- the branch workbook ---------------------------------------------------------------------
BRANCH_SHEETS: tuple[Sheet, ...] = (
    Sheet("基本信息", "form", "本支部的基本情况和党员人数。", (
        F("所属党委*", note="乡镇（街道）党委全称", example="德新镇党委"),
        F("党组织名称*", note="本党组织全称", example="德新镇红星村党支部"),
        F("党组织编码*", note="由镇党委统一编发，不要修改", example="DX001"),
        F("党组织类型*", choices=ORG_TYPES, synonyms=ORG_TYPE_SYNONYMS, example="村"),
        F("上级党组织", example="德新镇党委"),
        F("书记姓名*", example="王建国"),
        F("联系电话*", Kind.PHONE, example="13812345678"),
        F("填报人*", example="李红"),
        F("填报日期*", Kind.DATE, example=dt.date(2011, 6, 28)),
        F("报告期*", Kind.PERIOD, note="如 2011年第二季度", example=PERIOD_EXAMPLE),
        F("争创主题", example="强班子、带队伍、促发展"),
        F("特色党支部类型", choices=("致富型", "服务型", "学习型", "和谐型", "廉洁型", "其他"),
          example="致富型"),
        F("是否成立领导小组*", Kind.YESNO, example="是"),
        F("是否制定实施方案*", Kind.YESNO, example="是"),
        F("动员大会日期", Kind.DATE, example=dt.date(2011, 5, 15)),
        F("党员总数*", Kind.INT, min=0, note="本支部党员总人数", example=36),
        F("正式党员数", Kind.INT, min=0, example=34),
        F("预备党员数", Kind.INT, min=0, example=2),
        F("流动党员数", Kind.INT, min=0, note="外出务工等不在本地的党员", example=5),
    )),
    Sheet("党员名册", "table", "本支部全体党员，一人一行。", (
        F("序号", Kind.INT, min=1, example=1, width=6),
        F("姓名*", example="张伟"),
        F("性别*", choices=("男", "女"), example="男", width=6),
        F("民族", note="如 汉族", example="汉族", width=8),
        F("出生日期", Kind.DATE, example=dt.date(1968, 3, 12)),
        F("身份证号", Kind.ID_NUMBER, example="43052219680312123X", width=21),
        F("入党日期*", Kind.DATE, example=dt.date(1995, 7, 1)),
        F("党员类别*", choices=("正式党员", "预备党员"), synonyms=(("正式", "正式党员"), ("预备", "预备党员")),
          example="正式党员"),
        F("学历", choices=("研究生", "大学本科", "大学专科", "中专", "高中", "初中", "小学及以下"),
          synonyms=(("本科", "大学本科"), ("大专", "大学专科"), ("专科", "大学专科"), ("小学", "小学及以下"),
                    ("硕士", "研究生"), ("博士", "研究生")), example="高中"),
        F("工作单位及职务", example="红星村村委会 主任", width=22),
        F("是否流动党员", Kind.YESNO, example="否"),
        F("联系电话", Kind.PHONE, example="13812345678"),
        F("民主评议等次", choices=("优秀", "合格", "基本合格", "不合格"), example="合格"),
        F("备注", width=16),
    ), rows=200, landscape=True, rules=(
        DateOrder("出生日期", "入党日期"),
    )),
    Sheet("公开承诺", "table", "党组织和党员的公开承诺及兑现情况，一项承诺一行。可以只填本季度的，也可以保留以前季度的记录：汇总时按承诺日期计入所在季度，不会重复计算；晚于本报告期的请下期再填。", (
        F("序号", Kind.INT, min=1, example=1, width=6),
        F("承诺主体*", choices=("党组织", "党员"), synonyms=(("支部", "党组织"), ("党支部", "党组织")),
          example="党员"),
        F("承诺人*", note="党组织承诺填支部名称", example="张伟"),
        F("承诺类别*", choices=("带头学习提高", "带头争创佳绩", "带头服务群众", "带头遵纪守法", "带头弘扬正气", "其他"),
          example="带头服务群众"),
        F("承诺内容*", example="为村里五保户每月送米送油", width=30),
        F("承诺日期*", Kind.DATE, example=dt.date(2011, 5, 20)),
        F("计划完成日期*", Kind.DATE, example=dt.date(2011, 12, 31)),
        F("完成情况*", choices=("未开始", "推进中", "已完成", "未兑现"),
          synonyms=(("完成", "已完成"), ("进行中", "推进中"), ("正在进行", "推进中")), example="推进中"),
        F("实际完成日期", Kind.DATE, example=None),
        F("群众评价", choices=SATISFACTION, example="满意"),
        F("备注", width=16),
    ), rows=100, landscape=True, dated=("承诺日期",), rules=(
        DateOrder("承诺日期", "计划完成日期"),
        DateOrder("承诺日期", "实际完成日期"),
        RequiredWhen("实际完成日期", "完成情况", "已完成"),
        MemberRef("承诺人", when=("承诺主体", "党员")),  # a branch's own commitment names the branch
    )),
    Sheet("活动记录", "table", "开展的各项创先争优活动，一次活动一行。可以只填本季度的，也可以保留以前季度的记录：汇总时按活动日期计入所在季度，不会重复计算；晚于本报告期的请下期再填。", (
        F("序号", Kind.INT, min=1, example=1, width=6),
        F("活动日期*", Kind.DATE, example=dt.date(2011, 5, 15)),
        F("活动类型*", choices=("动员大会", "集中学习", "主题党日", "专题培训", "宣传教育", "文艺活动", "座谈走访",
                             "志愿服务", "评议表彰", "其他"), example="集中学习"),
        F("活动主题*", example="学习党章", width=26),
        F("应参加人数*", Kind.INT, min=0, example=36),
        F("实际参加人数*", Kind.INT, min=0, example=33),
        F("学时", Kind.NUMBER, min=0, example=2),
        F("地点", example="村部会议室"),
        F("备注", width=16),
    ), rows=100, landscape=True, dated=("活动日期",), rules=(
        NotMoreThan("实际参加人数", "应参加人数"),
    )),
    Sheet("为民办实事", "table", "为群众办的实事项目，一个项目一行。金额单位为万元。", (
        F("序号", Kind.INT, min=1, example=1, width=6),
        F("项目名称*", example="修建村组公路2公里", width=26),
        F("项目类别*", choices=("基础设施", "产业致富", "环境整治", "文化活动", "民生救助", "平安建设", "其他"),
          example="基础设施"),
        F("投入资金（万元）*", Kind.NUMBER, min=0, note="单位：万元", example=12.5),
        F("其中争取上级资金（万元）", Kind.NUMBER, min=0, note="单位：万元", example=8),
        F("受益户数", Kind.INT, min=0, example=120),
        F("开始日期", Kind.DATE, example=dt.date(2011, 5, 1)),
        F("完成情况*", choices=("计划中", "实施中", "已完成"), synonyms=(("完成", "已完成"), ("在建", "实施中"),
                                                                 ("进行中", "实施中")), example="实施中"),
        F("完成日期", Kind.DATE),
        F("责任人*", example="王建国"),
        F("备注", width=16),
    ), rows=60, landscape=True, dated=("开始日期", "完成日期"), rules=(
        DateOrder("开始日期", "完成日期"),
        NotMoreThan("其中争取上级资金（万元）", "投入资金（万元）"),
        RequiredWhen("完成日期", "完成情况", "已完成"),
    )),
    Sheet("民情台账", "table", "群众反映的问题及办理情况，一件一行。可以只填本季度的，也可以保留以前季度的记录：汇总时按登记日期计入所在季度，不会重复计算；晚于本报告期的请下期再填。", (
        F("序号", Kind.INT, min=1, example=1, width=6),
        F("登记日期*", Kind.DATE, example=dt.date(2011, 5, 10)),
        F("反映人", example="刘大妈"),
        F("反映问题*", example="组里水渠堵塞", width=28),
        F("问题类别*", choices=("生产发展", "基础设施", "社会保障", "矛盾纠纷", "环境卫生", "其他"),
          example="基础设施"),
        F("承办人*", example="王建国"),
        F("办结时限*", Kind.DATE, example=dt.date(2011, 5, 30)),
        F("办结日期", Kind.DATE, note="办结后填写", example=dt.date(2011, 5, 25)),
        F("办理结果", example="已组织清淤", width=20),
        F("群众满意度", choices=SATISFACTION, example="满意"),
    ), rows=100, landscape=True, dated=("登记日期",), rules=(
        DateOrder("登记日期", "办结时限"),
        DateOrder("登记日期", "办结日期"),
    )),
    Sheet("示范岗", "table", "党员认领的示范岗位，一个岗位一行。", (
        F("序号", Kind.INT, min=1, example=1, width=6),
        F("岗位类型*", choices=("新农村建设示范岗", "村务党务监督岗", "外出务工信息岗", "社会治安维护岗", "政策法律宣传岗",
                             "公共设施维护岗", "致富带富示范岗", "文明新风示范岗", "其他"), example="致富带富示范岗"),
        F("认领党员*", example="张伟"),
        F("岗位职责", example="带动5户困难户发展养殖", width=30),
        F("认领日期", Kind.DATE, example=dt.date(2011, 5, 20)),
    ), rows=60, dated=("认领日期",), rules=(
        MemberRef("认领党员"),
    )),
    Sheet("考核测评", "form", "“五个好”自评得分（每项0–20分）和民主测评票数。", (
        F("领导班子好*", Kind.NUMBER, min=0, max=20, example=18),
        F("党员队伍好*", Kind.NUMBER, min=0, max=20, example=17),
        F("工作机制好*", Kind.NUMBER, min=0, max=20, example=18),
        F("工作业绩好*", Kind.NUMBER, min=0, max=20, example=16),
        F("群众反映好*", Kind.NUMBER, min=0, max=20, example=18),
        F("民主测评参评人数*", Kind.INT, min=0, example=50),
        F("满意票*", Kind.INT, min=0, example=42),
        F("基本满意票*", Kind.INT, min=0, example=6),
        F("不满意票*", Kind.INT, min=0, example=2),
    ), rules=(
        SumNotMore(("满意票", "基本满意票", "不满意票"), "民主测评参评人数"),
    )),
    Sheet("评选表彰", "table", "推荐评选表彰的先进集体和个人，一个对象一行。", (
        F("序号", Kind.INT, min=1, example=1, width=6),
        F("表彰类别*", choices=("先进基层党组织", "优秀共产党员", "优秀党务工作者"), example="优秀共产党员"),
        F("对象名称*", example="张伟"),
        F("推荐级别", choices=("乡镇", "县", "市", "省"), synonyms=(("镇", "乡镇"), ("乡", "乡镇")), example="县"),
        F("主要事迹", example="带领群众发展养殖致富", width=34),
        F("评选结果", choices=("已获评", "推荐中", "未获评"), example="推荐中"),
    ), rows=40, landscape=True),
)

# Contract 1.2, "Talking with branches": where a branch explains a warning (EXPLAINED). Not a data table:
# it reaches no figure, no 明细表 and no dataset; files made before it keep reading.
EXPLAIN_SHEET = "情况说明"
EXPLAIN = Sheet(EXPLAIN_SHEET, "table", "对问题清单中的警告作出说明（如党员转出、人数变化的原因），一条警告一行："
                "照抄问题清单中的工作表、单元格（或行号）和代码，写明原因。说明后的警告不再计为警告；错误须改正，不能说明。", (
    F("工作表", example="基本信息", width=14),
    F("位置", note="单元格如 B8，或行号如 5", example="B8", width=10),
    F("问题代码", note="问题清单中的代码，如 COUNT_MISMATCH；也可写问题类型，如 人数与名册不符", example="COUNT_MISMATCH",
      width=22),
    F("说明*", note="为什么这样填，属实的情况", example="本季度有2名党员组织关系转出，名册已注明", width=60),
), rows=30, landscape=True, optional=True)
BRANCH_SHEETS = (*BRANCH_SHEETS, EXPLAIN)

BRANCH_SHEET = {s.name: s for s in BRANCH_SHEETS}
_INFO = BRANCH_SHEET["基本信息"]
FORM_SHEETS = tuple(s for s in BRANCH_SHEETS if s.layout == "form")
TABLE_SHEETS = tuple(s for s in BRANCH_SHEETS if s.layout == "table" and not s.optional)  # the data tables
INFO_SHEET = "基本信息"

# 基本信息's fields a pre-filled template fills (templates.write_branch_workbook), each with where its
# value comes from: "committee" and "period" are the registry's 设置, any other name is that attribute of
# the registry's Branch; "a|b" is a, or b when a is empty. A file with nothing filled in beyond these
# was never filled (EMPTY_TEMPLATE).
PREFILLED: Mapping[str, str] = MappingProxyType({
    "所属党委": "committee", "党组织名称": "name", "党组织编码": "code", "党组织类型": "type",
    "上级党组织": "parent|committee", "报告期": "period"})
# pre-filled and locked: the code is how the registry knows the branch
PREFILLED_LOCKED = ("党组织编码",)

# --- what the one-off rules (checks.py, written as code) judge by ----------------------------
MEMBER_SEX, MEMBER_BORN, MEMBER_ID, MEMBER_JOINED, MEMBER_CLASS = "性别", "出生日期", "身份证号", "入党日期", "党员类别"
MALE, FEMALE = "男", "女"
FULL_MEMBER, PROBATIONER = "正式党员", "预备党员"
PROBATION_DAYS = 365  # 预备期一年: a 预备党员 who joined longer ago than this is due for 转正 (PROBATION_OVERDUE)
RATING, RATING_TOP = "民主评议等次", "优秀"
RATING_TOP_SHARE = Fraction(1, 3)  # at most this share of a branch's members rated 优秀 (RATING_QUOTA)
RATING_TOP_SHARE_WORDS = "三分之一"
# 基本信息's member counts (COUNT_MISMATCH), each with the 党员类别 it counts (None: every member)
MEMBER_COUNTS: tuple[tuple[str, str | None], ...] = (
    ("党员总数", None), ("正式党员数", FULL_MEMBER), ("预备党员数", PROBATIONER))


@dataclass(frozen=True)
class Deadline:
    """Rows past ``due`` by the report period's end and still open (OVERDUE). Open means ``column``
    is not ``done`` or, with ``done`` None, that the date ``column`` is blank."""

    sheet: str
    due: str
    column: str
    done: str | None = None

    def overdue(self, df: pd.DataFrame, end: dt.date) -> pd.Series:
        """The rows of ``df`` overdue at ``end`` (the report period's end), as a boolean Series: due
        before ``end`` and still open. The one test the OVERDUE finding, the 超期 figures and the
        written outputs' lists all use. ``df`` is the batch's typed DataFrame or a result's detail
        rows (dates as dates, blanks as "" or None). A blank status is no evidence that a row is
        open (it is a REQUIRED finding already); a blank date column is, where ``done`` is None."""
        due = df[self.due]
        if not pd.api.types.is_datetime64_any_dtype(due):
            due = pd.to_datetime(due.map(lambda v: None if isinstance(v, str) else v), errors="coerce")
        col = df[self.column]
        blank = col.map(lambda v: not v.strip() if isinstance(v, str) else bool(pd.isna(v))).astype(bool)
        still_open = blank if self.done is None else ~blank & (col != self.done)
        return ((due < pd.Timestamp(end)) & still_open).fillna(False).astype(bool)


DEADLINES = (
    Deadline("公开承诺", "计划完成日期", "完成情况", "已完成"),
    Deadline("民情台账", "办结时限", "办结日期"),
)
DEADLINE = {d.sheet: d for d in DEADLINES}

# --- what each figure is computed from ---------------------------------------------------------
# A row (table sheet) or field (form sheet) with an error finding on one of a group's inputs is left
# out of that group's figures, and only those: the figure is computed from the valid inputs, marked
# 待核实, and 数据 carries how many were left out (``<name>待核实数``), so a roll-up knows too.


@dataclass(frozen=True)
class Inputs:
    """The ``fields`` of ``sheet`` the ``figures`` are computed from. Figures of one rate (its
    numerator, its denominator, the rate) share one group, so they leave out the same rows."""

    name: str
    sheet: str
    fields: tuple[str, ...]
    figures: tuple[str, ...]

    @property
    def left_out(self) -> str:
        """数据's column: how many rows (or, on a form, fields' forms) this group left out."""
        return f"{self.name}待核实数"


FIGURE_INPUTS: tuple[Inputs, ...] = (
    Inputs("党员", "党员名册", ("姓名",), ("党员数",)),
    Inputs("预备党员", "党员名册", ("姓名", "党员类别"), ("预备党员数",)),
    Inputs("流动党员", "党员名册", ("姓名", "是否流动党员"), ("流动党员数",)),
    Inputs("承诺", "公开承诺", ("完成情况", "实际完成日期"), ("承诺数", "已兑现承诺数", "承诺兑现率")),
    Inputs("本期承诺", "公开承诺", ("承诺日期", "完成情况", "实际完成日期"), ("本期新增承诺", "本期兑现承诺")),
    Inputs("超期承诺", "公开承诺", ("计划完成日期", "完成情况"), ("超期承诺数",)),
    Inputs("活动", "活动记录", ("活动日期",), ("活动次数", "累计活动次数")),
    Inputs("参学", "活动记录", ("活动日期", "应参加人数", "实际参加人数"), ("应参加人次", "实际参加人次", "参学率")),
    Inputs("学时", "活动记录", ("活动日期", "学时"), ("学时合计", "累计学时")),
    Inputs("投入资金", "为民办实事", ("投入资金（万元）", "其中争取上级资金（万元）"), ("投入资金（万元）", "争取上级资金（万元）")),
    Inputs("受益户", "为民办实事", ("受益户数",), ("受益户数",)),
    Inputs("民情", "民情台账", ("登记日期", "办结日期"), ("民情件数", "已办结件数", "办结率")),
    Inputs("超期民情", "民情台账", ("办结时限", "办结日期"), ("超期未办结件数",)),
    Inputs("本期民情", "民情台账", ("登记日期", "办结日期"), ("本期新登记民情", "本期办结民情")),
    Inputs("五个好", "考核测评", ("领导班子好", "党员队伍好", "工作机制好", "工作业绩好", "群众反映好"), ("五个好得分",)),
    Inputs("测评", "考核测评", ("民主测评参评人数", "满意票", "基本满意票", "不满意票"), ("测评满意率",)),
)
INPUTS_OF = {f: g for g in FIGURE_INPUTS for f in g.figures}
UNVERIFIED = "待核实"  # the mark of a figure computed with inputs left out


# --- quarter after quarter -------------------------------------------------------------------
# A roster row whose 备注 says the member left (转出、去世…) records the departure: the member is not
# missing from the roster (MEMBER_GONE), is not counted among the branch's members, and is not
# carried into next quarter's template.
ROSTER_NOTE = "备注"
DEPARTED_WORDS = ("转出", "去世", "逝世", "病故", "死亡", "停止党籍", "出党", "除名", "开除", "退党", "取消预备党员资格")


@dataclass(frozen=True)
class Open:
    """Which rows of a table are still open: ``column`` is one of ``values``, or, with no values,
    the date ``column`` is blank. ``None`` where an Open is expected means every row."""

    column: str
    values: tuple[str, ...] = ()

    def rows(self, df: pd.DataFrame) -> pd.Series:
        """The rows of ``df`` still open, as a boolean Series: the one open-row test of carry-over and
        the vanished check. ``df`` is the batch's typed DataFrame or an earlier result's detail rows
        (text, blanks as "")."""
        col = df[self.column]
        if self.values:
            return col.isin(self.values).fillna(False).astype(bool)
        return col.map(lambda v: not v.strip() if isinstance(v, str) else bool(pd.isna(v))).astype(bool)


@dataclass(frozen=True)
class Carry:
    """What next quarter's template takes from a branch's last accepted submission: a form sheet's
    ``fields``, or a table sheet's rows (those ``keep`` says are open; every row with keep None)."""

    sheet: str
    fields: tuple[str, ...] = ()
    keep: Open | None = None


# What is still open at a quarter's end: carried into next quarter's template, and checked for
# vanishing against next quarter's file, by the same declaration.
OPEN = {"公开承诺": Open("完成情况", ("未开始", "推进中")), "民情台账": Open("办结日期")}

CARRY_OVER: tuple[Carry, ...] = (
    Carry("基本信息", fields=("书记姓名", "联系电话", "特色党支部类型", "争创主题", "是否成立领导小组", "是否制定实施方案",
                          "动员大会日期", "党员总数", "正式党员数", "预备党员数", "流动党员数")),
    Carry("党员名册"),  # departed members (DEPARTED_WORDS) stay behind
    Carry("公开承诺", keep=OPEN["公开承诺"]),
    Carry("民情台账", keep=OPEN["民情台账"]),
    Carry("示范岗"),
)


@dataclass(frozen=True)
class Vanish:
    """With last quarter's result: a row of ``sheet`` that was open then (``open``; None: every row)
    and has no match now is a ``code`` finding. Rows match when they agree on every column of any one
    of ``keys`` (text compared without spaces; ID numbers as the earlier result shows them, masked);
    ``describe`` are the columns the message quotes to say which row is meant; ``ask`` what the branch
    is to do about it."""

    sheet: str
    code: str
    keys: tuple[tuple[str, ...], ...]
    describe: tuple[str, ...]
    ask: str
    open: Open | None = None


VANISHED: tuple[Vanish, ...] = (
    Vanish("公开承诺", "COMMITMENT_VANISHED", keys=(("承诺人", "承诺内容"), ("承诺人", "承诺日期", "计划完成日期")),
           describe=("承诺人", "承诺内容", "计划完成日期", "完成情况"), open=OPEN["公开承诺"],
           ask="本期公开承诺中没有这一项，也没有标为已完成或未兑现：请补回该行，如实填写完成情况"),
    Vanish("民情台账", "CONCERN_VANISHED", keys=(("反映问题", "登记日期"), ("反映人", "反映问题")),
           describe=("登记日期", "反映人", "反映问题", "办结时限"), open=OPEN["民情台账"],
           ask="本期民情台账中没有这一件，也没有填写办结日期：请补回该行，已办结的填写办结日期和办理结果"),
    Vanish("党员名册", "MEMBER_GONE", keys=(("姓名",), ("身份证号",)), describe=("姓名", "性别", "身份证号", "入党日期"),
           ask="本期党员名册中没有此人：如已转出、去世或停止党籍，请保留该行并在“备注”中注明（如“2011年8月转出”）；"
               "如是漏填，请补上"),
)


@dataclass(frozen=True)
class Kept:
    """A hidden sheet of the 汇总表 (contract 1.2) holding the rows of a branch table that later runs
    read without the 明细表: next quarter's ``--previous`` (VANISHED) and the 总结/通报 (overdue items,
    the largest projects). Rows: those ``open`` says are open, or every row; and, with ``deadline``,
    those its test finds overdue at the quarter's end. Columns: 党组织编码, 党组织名称, then ``columns`` (every
    column of the sheet when empty), then DETAIL_ROW. Laid out as the 明细表's sheet (header in row 1), so a result
    written before the split is read from its detail sheet the same way."""

    sheet: str
    columns: tuple[str, ...] = ()
    open: Open | None = None
    every_row: bool = False
    # > 0: a branch's rows packed ``packed`` to a sheet row, each cell its column's values one per line
    # (PACKED_SEPARATOR): a township's roster would otherwise be most of the 汇总表's cells, and cells,
    # not characters, are what writing a workbook costs
    packed: int = 0

    @property
    def name(self) -> str:
        return f"_{self.sheet}"

    @property
    def deadline(self) -> Deadline | None:
        return DEADLINE.get(self.sheet)

    def labels(self) -> tuple[str, ...]:
        return self.columns or tuple(BRANCH_SHEET[self.sheet].labels)


DETAIL_ROW = "明细表行"  # a KEPT sheet's last column: the row's number in the 明细表, which messages quote
PACKED_SEPARATOR = "\n"
KEPT: tuple[Kept, ...] = (
    Kept("公开承诺", open=OPEN["公开承诺"]),
    Kept("民情台账", open=OPEN["民情台账"]),
    Kept("党员名册", columns=tuple(dict.fromkeys(
        [x for v in VANISHED if v.sheet == "党员名册" for key in v.keys for x in key]
        + [x for v in VANISHED if v.sheet == "党员名册" for x in v.describe])), every_row=True, packed=200),
    Kept("为民办实事", every_row=True),
)
KEPT_SHEET = {k.sheet: k for k in KEPT}


def _check_one_off_names() -> None:
    """The names above are checked against the sheets when the schema is imported."""
    roster = BRANCH_SHEET[ROSTER_SHEET]
    for label in (MEMBER_NAME, MEMBER_SEX, MEMBER_BORN, MEMBER_ID, MEMBER_JOINED, MEMBER_CLASS, RATING):
        roster.field(label)
    wanted = ((MEMBER_SEX, (MALE, FEMALE)), (MEMBER_CLASS, (FULL_MEMBER, PROBATIONER)), (RATING, (RATING_TOP,)))
    for label, values in wanted:
        if not set(values) <= set(roster.field(label).allowed):
            raise ValueError(f"{ROSTER_SHEET}.{label} has no choice among {values}")
    for label in (*PREFILLED, *PREFILLED_LOCKED):
        _INFO.field(label)
    if not set(PREFILLED_LOCKED) <= set(PREFILLED):
        raise ValueError(f"PREFILLED_LOCKED {PREFILLED_LOCKED} names a field that is not pre-filled")
    for label, _ in MEMBER_COUNTS:
        _INFO.field(label)
    for d in DEADLINES:
        sheet = BRANCH_SHEET[d.sheet]
        sheet.field(d.due)
        f = sheet.field(d.column)
        if (d.done is None) != (f.kind is Kind.DATE) or (d.done is not None and d.done not in f.allowed):
            raise ValueError(f"{d!r} does not match {d.sheet}.{d.column}")
    roster.field(ROSTER_NOTE)
    for g in FIGURE_INPUTS:
        for label in g.fields:
            BRANCH_SHEET[g.sheet].field(label)

    def check_open(sheet: Sheet, o: Open | None) -> None:
        if o is None:
            return
        f = sheet.field(o.column)
        if (not o.values) != (f.kind is Kind.DATE) or not set(o.values) <= set(f.allowed):
            raise ValueError(f"{o!r} does not match {sheet.name}.{o.column}")

    for c in CARRY_OVER:
        sheet = BRANCH_SHEET[c.sheet]
        if (sheet.layout == "form") != bool(c.fields) or (c.keep is not None and sheet.layout == "form"):
            raise ValueError(f"{c!r}: a form carries fields, a table carries rows")
        for label in c.fields:
            sheet.field(label)
        check_open(sheet, c.keep)
    for v in VANISHED:
        sheet = BRANCH_SHEET[v.sheet]
        for label in {x for key in v.keys for x in key} | set(v.describe):
            sheet.field(label)
        check_open(sheet, v.open)


_check_one_off_names()

# --- the branch registry ---------------------------------------------------------------------
# Weights of 综合得分 and the 等次 thresholds; every one has a default so an empty 设置 still works.
SCORE_WEIGHTS: dict[str, float] = {
    "五个好得分": 40, "承诺兑现率": 15, "参学率": 15, "办结率": 10, "测评满意率": 10, "填报完整率": 10,
}
GRADE_THRESHOLDS: tuple[tuple[str, float], ...] = (("好", 90), ("较好", 80), ("一般", 60))
LOWEST_GRADE = "较差"

REGISTRY_SHEETS: tuple[Sheet, ...] = (
    Sheet("支部名单", "table", "应报送的党组织，一个一行。", (
        # the registry names branches with 基本信息's own fields; only 书记姓名 and 联系电话 are optional here
        replace(_INFO.field("党组织编码"), note="各支部唯一编码，如 DX001"),
        replace(_INFO.field("党组织名称"), width=26),
        _INFO.field("党组织类型"),
        _INFO.field("上级党组织"),
        replace(_INFO.field("书记姓名"), required=False),
        replace(_INFO.field("联系电话"), required=False),
        # contract 1.1: optional; a registry without them reads as before
        F("督导组", note="联系督导小组名称，如 第一督导组；结果中按督导组汇总，问题清单可按督导组分别生成",
          example="第一督导组"),
        F("联系领导", note="督导组的联系领导", example="李书记"),
    ), rows=100),
    Sheet("设置", "form", "本次汇总的设置。权重和等次分数线可留空，留空时使用默认值。", (
        F("所属党委*", note="乡镇（街道）党委全称", example="德新镇党委"),
        F("报告期*", Kind.PERIOD, example=PERIOD_EXAMPLE),
        F("活动开始日期*", Kind.DATE, example=dt.date(2010, 5, 1), default=dt.date(2010, 4, 1)),
        F("活动结束日期*", Kind.DATE, example=dt.date(2012, 6, 30), default=dt.date(2012, 12, 31)),
        F("报送截止日期", Kind.DATE, note="填报日期晚于此日的为逾期报送", example=dt.date(2011, 7, 5)),
        F("动员大会截止日期", Kind.DATE, note="统计在此日前召开动员大会的支部数", example=dt.date(2011, 5, 15)),
        *(F(f"{name}权重", Kind.NUMBER, min=0, note="综合得分中的权重", default=w, example=w)
          for name, w in SCORE_WEIGHTS.items()),
        *(F(f"{grade}等次最低分", Kind.NUMBER, min=0, max=100, note="综合得分达到此分为该等次", default=t,
            example=t) for grade, t in GRADE_THRESHOLDS),
    )),
)
REGISTRY_SHEET = {s.name: s for s in REGISTRY_SHEETS}

# --- the result workbook ---------------------------------------------------------------------
OVERVIEW_SHEET, BRANCHES_SHEET, TYPES_SHEET, FINDINGS_SHEET, MISSING_SHEET = "总览", "支部汇总", "分类汇总", "问题清单", "未报送"
RESULT_SHEETS = (OVERVIEW_SHEET, BRANCHES_SHEET, TYPES_SHEET, FINDINGS_SHEET, MISSING_SHEET)
RESULT_DATA_SHEET = "数据"
ROLLUP_CHILD_SHEET = "下级汇总"
UNIT_COL = "单位名称"  # the township (unit) a 数据 row belongs to; roll-ups' rows by unit
DATA_ID = (UNIT_COL, "党组织编码", "党组织名称", "党组织类型")  # 数据's first columns, then the base columns
# 未报送's columns: who has not reported and how to reach them (a roll-up adds 单位名称 in front)
MISSING_COLUMNS = ("党组织编码", "党组织名称", "党组织类型", "书记姓名", "联系电话")
# The columns a result gains when it is compared with an earlier one (contract 1.1).
PREV_SCORE, PREV_RANK, RANK_CHANGE = "上期综合得分", "上期排名", "排名变化"
SUBMITTED = "报送情况"
ON_TIME, LATE = "按时", "逾期"

# --- the inbox register (contract 1.2, "Talking with branches") ---------------------------------
# 收件登记.xlsx beside the inbox: every version of every file seen (by its SHA-256), which one counts for a
# branch and which it replaced, what a resubmission fixed, and each branch's state. Sheets in this order;
# _问题 (the errors and warnings of each version, to compare a resubmission with) is hidden.
REGISTER_NAME = "收件登记.xlsx"
REGISTER_ID = "cxzy-register"
# Every workbook of ours by its _meta template_id, as a message names it: what a file is when it is given
# where another kind is wanted (a 明细表 to cxzy report, a 收件登记 found in an export's tree).
WORKBOOK_KINDS = {TEMPLATE_ID: "支部填报表", REGISTRY_ID: "支部名单", RESULT_ID: "汇总表", DETAIL_ID: "明细表",
                  REGISTER_ID: "收件登记"}
REGISTER_SHEETS: dict[str, tuple[str, ...]] = {
    "支部状态": ("收件箱", "报告期", "党组织编码", "党组织名称", "状态", "计入文件", "报送版本数", "首次收到", "最近收到",
             "错误数", "警告数", "退回次数", "更新于"),
    "收件登记": ("收件箱", "文件", "摘要", "首次收到", "最近一次", "在收件箱", "党组织编码", "党组织名称", "报告期", "填报日期",
             "登记状态", "未计入原因", "替换了", "替换摘要", "错误数", "警告数", "已改正", "仍存在", "新出现", "退回反馈"),
    "整改情况": ("收件箱", "报告期", "党组织编码", "文件", "上一版", "结果", "问题类型", "代码", "工作表", "位置", "说明"),
    "_问题": ("摘要", "严重程度", "代码", "问题类型", "工作表", "位置", "说明"),
}
REGISTER_HIDDEN = ("_问题",)
# A branch's state this quarter, in the order a township works through them: nothing counted; counted with
# errors; its feedback sent back (反馈表 written for the counted file); corrected and sent again after a
# return but still with errors; no errors.
NOT_IN, HAS_ERRORS, RETURNED, CORRECTED, PASSED = "未报", "已报有错", "已退回", "已改", "通过"
BRANCH_STATES = (NOT_IN, HAS_ERRORS, RETURNED, CORRECTED, PASSED)
# What a resubmission did to each error or warning of the version it replaced (整改情况's 结果).
FIXED, EXPLAINED_NOW, REMAINING, NEW = "已改正", "已说明", "仍存在", "新出现"

# --- 点评 and 整改要求 (contract 1.2, "Talking with branches"; seed 004's 领导点评) -------------------------
# A rate is clearly above or below the area's (全镇) when it differs by at least this much: the 通报 names
# low rates by it, the 点评 praises and asks by it.
CLEAR_GAP = 0.05


@dataclass(frozen=True)
class Rectify:
    """One kind of 问题 the 点评 names and the 整改要求 it asks, judged by one figure of the branch's row
    (支部汇总, or 数据 for the counts behind it). ``test``: ``some`` (the figure above 0), ``below`` (a rate
    at least :data:`CLEAR_GAP` below the area's), ``none`` (a 0/1 count at 0). Next quarter it is followed
    up by the same figure: ``better`` says what 已改进 is (``zero``: none left; ``lower``: fewer than when
    asked; ``higher``: above what it was; ``some``: done). ``soon``: due within :data:`SOON_DAYS` of the
    报送截止日期 (a report to correct), else by the next quarter's end. ``problem`` and ``ask`` are the
    wording, with {value} (the branch's figure as shown), {whole} (the area's) and {area} (全镇…)."""

    key: str
    figure: str
    test: Literal["some", "below", "none"]
    problem: str
    ask: str
    better: Literal["zero", "lower", "higher", "some"]
    soon: bool = False


SOON_DAYS = 15
RECTIFY: tuple[Rectify, ...] = (
    Rectify("报表错误", "错误数", "some", "报表有填报错误{value}处{unverified}", "对照反馈表改正全部填报错误，重新报送", "zero",
            soon=True),
    Rectify("逾期报送", "逾期报送数", "some", "本期报表逾期报送", "在报送截止日期前报送下期报表", "zero"),
    Rectify("超期承诺", "超期承诺数", "some", "有{value}项公开承诺已过计划完成日期仍未兑现",
            "加快推进超期承诺，兑现后及时公开", "lower"),
    Rectify("超期民情", "超期未办结件数", "some", "有{value}件民情已过办结时限仍未办结",
            "限期办结超期民情，并向反映的群众回复", "lower"),
    Rectify("兑现率偏低", "承诺兑现率", "below", "承诺兑现率{value}，低于{area}的{whole}", "加快兑现公开承诺，兑现率赶上{area}水平",
            "higher"),
    Rectify("参学率偏低", "参学率", "below", "参学率{value}，低于{area}的{whole}", "组织党员参加集中学习，参学率赶上{area}水平",
            "higher"),
    Rectify("办结率偏低", "办结率", "below", "民情办结率{value}，低于{area}的{whole}", "加快办理群众反映的问题，办结率赶上{area}水平",
            "higher"),
    Rectify("满意率偏低", "测评满意率", "below", "民主测评满意率{value}，低于{area}的{whole}",
            "认真听取群众意见，改进工作作风，提高群众满意率", "higher"),
    Rectify("未成立领导小组", "成立领导小组支部数", "none", "尚未成立创先争优活动领导小组", "成立创先争优活动领导小组", "some"),
    Rectify("未制定实施方案", "制定实施方案支部数", "none", "尚未制定创先争优活动实施方案", "制定创先争优活动实施方案", "some"),
    Rectify("未召开动员大会", "召开动员大会支部数", "none", "尚未召开创先争优活动动员大会", "召开动员大会，部署创先争优活动", "some"),
)


@dataclass(frozen=True)
class Praise:
    """One kind of 成绩 the 点评 affirms: ``test`` ``above`` (a rate at least :data:`CLEAR_GAP` above the
    area's), ``top`` (graded the highest 等次), ``rank_up`` (at least :data:`RANK_UP` places up on the
    previous quarter). ``words`` as :class:`Rectify`'s, with {rank}, {grade}, {n} (branches ranked), {up}."""

    figure: str
    test: Literal["above", "top", "rank_up"]
    words: str


RANK_UP = 3
PRAISE: tuple[Praise, ...] = (
    Praise("综合得分", "top", "综合得分{value}分，在{area}{n}个参加排名的党支部中排第{rank}位，评为“{grade}”等次"),
    Praise("排名", "rank_up", "排名比上期上升{up}位"),
    Praise("承诺兑现率", "above", "承诺兑现率{value}，高于{area}的{whole}"),
    Praise("参学率", "above", "参学率{value}，高于{area}的{whole}"),
    Praise("办结率", "above", "民情办结率{value}，高于{area}的{whole}"),
    Praise("测评满意率", "above", "民主测评满意率{value}，高于{area}的{whole}"),
)
RECTIFY_SHEET = "_整改要求"  # hidden in the 汇总表: this quarter's 整改要求, and last quarter's followed up
RECTIFY_COLUMNS = ("提出报告期", "党组织编码", "党组织名称", "事项", "指标", "当时", "全镇", "问题", "要求", "期限", "本期",
                   "跟进")
IMPROVED, NOT_IMPROVED, FOLLOW_UNVERIFIED, FOLLOW_NO_FIGURE, FOLLOW_NOT_IN = "已改进", "未改进", "待核实", "本期无此数", "本期未报送"
FOLLOW_UP = "上期整改"  # 支部汇总's column with --previous: how last quarter's 整改要求 went
STATE_COL = "收件状态"  # 支部汇总's column where the inbox register is kept: BRANCH_STATES of a reported branch

# Masked in result workbooks unless asked otherwise.
MASKED_KINDS = (Kind.ID_NUMBER, Kind.PHONE)

# Columns added to every row the reader returns.
CODE_COL = "党组织编码"
NAME_COL = "党组织名称"
FILE_COL = "来源文件"
ROW_COL = "来源行"

# What a branch's name may end with and still be the same branch: a file whose 党组织编码 is blank or not
# in the registry is matched by its 党组织名称 without these (and without spaces, full/half width).
# Longest first: 金龙村党支部 loses 党支部, not 支部.
BRANCH_SUFFIXES = ("党支部", "党总支", "支部", "总支", "党委")


@dataclass(frozen=True)
class Branch:
    """A branch as the registry (or a template's pre-filling) knows it."""

    code: str
    name: str
    type: str = ""
    parent: str = ""
    secretary: str = ""
    phone: str = ""
    group: str = ""  # 督导组
    leader: str = ""  # 联系领导


@dataclass
class Settings:
    """The registry's 设置 sheet with its defaults applied."""

    committee: str = ""
    period: str = ""
    campaign_start: dt.date = field(default_factory=lambda: REGISTRY_SHEET["设置"].field("活动开始日期").default)
    campaign_end: dt.date = field(default_factory=lambda: REGISTRY_SHEET["设置"].field("活动结束日期").default)
    deadline: dt.date | None = None
    mobilised_by: dt.date | None = None  # 动员大会截止日期
    weights: dict[str, float] = field(default_factory=lambda: dict(SCORE_WEIGHTS))
    thresholds: tuple[tuple[str, float], ...] = GRADE_THRESHOLDS
    # The day the run counts as today (a 填报日期 after it is a typing slip); None: the computer's date.
    # Not in 设置: tests and notebooks set it.
    today: dt.date | None = None

    @property
    def current_date(self) -> dt.date:
        return self.today or dt.date.today()


def all_sheets() -> tuple[Sheet, ...]:
    return BRANCH_SHEETS + REGISTRY_SHEETS
