"""The contract as data: TEMPLATE-SPEC.md's sheets and fields, and the schema's own integrity."""

from cxzy_xl import schema
from cxzy_xl.normalize import normalize_value
from cxzy_xl.schema import Kind

SPEC_SHEETS = ["基本信息", "党员名册", "公开承诺", "活动记录", "为民办实事", "民情台账", "示范岗", "考核测评", "评选表彰"]


def test_branch_sheets_are_the_specs():
    assert [s.name for s in schema.BRANCH_SHEETS if not s.optional] == SPEC_SHEETS
    # contract 1.2, "Talking with branches": the optional 情况说明, last, not a data table
    assert [(s.name, s.labels) for s in schema.BRANCH_SHEETS if s.optional] == [("情况说明", ["工作表", "位置", "问题代码", "说明"])]
    assert [s.name for s in schema.TABLE_SHEETS] == [n for n in SPEC_SHEETS if n not in ("基本信息", "考核测评")]
    assert [s.name for s in schema.FORM_SHEETS] == ["基本信息", "考核测评"]


def test_some_exact_fields_from_the_spec():
    info = schema.BRANCH_SHEET["基本信息"]
    assert info.labels[:4] == ["所属党委", "党组织名称", "党组织编码", "党组织类型"]
    assert info.field("党组织类型").choices == ("机关", "村", "社区", "学校", "医疗卫生", "非公企业", "社会组织", "离退休", "其他")
    assert info.field("报告期").kind is Kind.PERIOD and info.field("报告期").required
    assert not info.field("上级党组织").required
    roster = schema.BRANCH_SHEET["党员名册"]
    assert roster.labels == ["序号", "姓名", "性别", "民族", "出生日期", "身份证号", "入党日期", "党员类别", "学历",
                             "工作单位及职务", "是否流动党员", "联系电话", "民主评议等次", "备注"]
    assert [f.label for f in roster.required] == ["姓名", "性别", "入党日期", "党员类别"]
    projects = schema.BRANCH_SHEET["为民办实事"]
    assert projects.field("投入资金（万元）").kind is Kind.NUMBER and projects.field("投入资金（万元）").min == 0
    scores = schema.BRANCH_SHEET["考核测评"]
    assert scores.field("领导班子好").max == 20
    # contract 1.1 adds the optional 督导组 and 联系领导
    assert schema.REGISTRY_SHEET["支部名单"].labels == ["党组织编码", "党组织名称", "党组织类型", "上级党组织", "书记姓名",
                                                     "联系电话", "督导组", "联系领导"]
    assert not any(schema.REGISTRY_SHEET["支部名单"].field(x).required for x in ("督导组", "联系领导"))


def test_labels_unique_within_each_sheet_and_sheet_names_unique():
    for sheet in schema.all_sheets():
        assert len(set(sheet.labels)) == len(sheet.labels), sheet.name
    names = [s.name for s in schema.all_sheets()]
    assert len(set(names)) == len(names)


def test_every_choice_field_has_choices_and_every_field_a_hint():
    for sheet in schema.all_sheets():
        for f in sheet.fields:
            assert f.hint.strip(), (sheet.name, f.label)
            if f.kind in (Kind.CHOICE, Kind.YESNO):
                assert f.allowed, (sheet.name, f.label)
                assert all(c in f.hint for c in f.allowed) or f.kind is Kind.YESNO
            if f.required:
                assert "必填" in f.hint
            # every synonym maps onto a real choice
            for alias, target in f.synonyms:
                assert target in f.allowed, (sheet.name, f.label, alias)


def test_every_example_is_a_valid_value_of_its_field():
    for sheet in schema.all_sheets():
        for f in sheet.fields:
            if f.example is None:
                continue
            norm = normalize_value(f, f.example)
            assert norm.ok, (sheet.name, f.label, f.example, norm)


def test_every_setting_but_the_township_and_period_has_a_default():
    settings = schema.REGISTRY_SHEET["设置"]
    for f in settings.fields:
        if f.label.endswith(("权重", "最低分")) or f.label.startswith("活动"):
            assert f.default is not None, f.label
    s = schema.Settings()
    assert sum(s.weights.values()) == 100
    assert [g for g, _ in s.thresholds] == ["好", "较好", "一般"]


# The finding codes against the contract's tables: tests/test_docs.py, which reads TEMPLATE-SPEC.md itself.
