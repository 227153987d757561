"""A realistic demo township, seeded, modelled on the campaign's documents (seeds/000–004).

The same generator makes the test fixtures. Clean branches are consistent by construction (valid
身份证号, dates inside the campaign, votes adding up, nothing overdue); the planted mistakes are listed
in :data:`PLANTED` so that tests can assert exactly the findings they call for.

With ``quarters=2`` (what ``cxzy demo`` shows) the demo goes on to the quarterly routine: next quarter's
templates carried over from this quarter's inbox, each branch's workbook updated the way a clerk updates
a carried template (:func:`next_quarter`), the result compared with last quarter's, and a problem list
per 督导组. What is planted there is listed in :data:`PLANTED_NEXT`.
"""

from __future__ import annotations

import copy
import datetime as dt
import os
import random
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import openpyxl

from . import schema
from .carryover import write_carried_templates
from .detailbook import detail_filename
from .files import is_ours, refused, safe_filename
from .groups import group_findings
from .normalize import id_check_digit, period_end, period_label, period_start
from .output import write_group_lists
from .pipeline import ResultRun, run_aggregate
from .register import lock_path, register_path
from .report import REPORT_MARK, write_reports
from .resultbook import result_filename
from .schema import Branch
from .templates import branch_filename, write_branch_workbook, write_registry

COMMITTEE = "德新镇党委"
PERIOD = "2011Q2"
CAMPAIGN = (dt.date(2010, 5, 1), dt.date(2012, 6, 30))
REGION = "430522"  # 新邵县, the county of seed 003
INBOX = "收件箱"
REGISTRY_FILE = "支部名单.xlsx"
MARKER = ".cxzy-demo"  # lists, one a line, every file the demo wrote: only those are ever removed
DEADLINE = dt.date(2011, 7, 5)
MOBILISED_BY = dt.date(2011, 5, 12)  # 设置's 动员大会截止日期: the branches meet between 8 and 15 May

# Quarter two, in its own subfolder of the demo: 支部名单.xlsx, 下发 (the carried-over templates),
# 收件箱 (what the branches sent back), its result and 督导组问题清单.
NEXT_PERIOD = "2011Q3"
NEXT_DEADLINE = dt.date(2011, 10, 8)
# the day the demo's 总结 and 通报 are dated (a real run dates them the day it runs)
REPORT_DAY, NEXT_REPORT_DAY = dt.date(2011, 7, 8), dt.date(2011, 10, 12)
NEXT_LATE = dt.date(2011, 10, 12)  # the 填报日期 of the branch planted late
NEXT_DEPARTED = "2011年8月转出"
TEMPLATES = "下发"
GROUP_LISTS = "督导组问题清单"
GROUPS = ("第一督导组", "第二督导组", "第三督导组", "第四督导组")  # seed 000: 联系督导小组, each for a run of branches
LEADER_TITLES = ("党委副书记", "纪委书记", "党委组织委员", "党委宣传委员")

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐邓曾彭曹袁"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰涛明超秀霞平刚桂英华建国红梅志文斌海云春兰德福玉珍淑凤"
VILLAGES = ("红星", "光明", "新华", "和平", "向阳", "东风", "民主", "团结", "胜利", "联合", "青山", "石桥", "大塘",
            "枫林", "白沙", "金龙", "长岭", "竹山", "太平", "龙泉", "高桥", "荷花", "杨柳", "丰收", "双江", "桃源",
            "马鞍", "新田", "茶园", "龙口", "黄土", "坪上", "塘湾", "槐树")

# (type as the registry states it, how each branch of that type is named), in seed 000's order
SPREAD = (
    ("机关", ("{t}机关党支部",)),
    ("村", ("{v}村党支部",) * 20),
    ("社区", ("{v}社区党支部",) * 2),
    ("医疗卫生", ("{t}中心卫生院党支部", "{v}卫生院党支部")),
    ("学校", ("{t}中学党支部", "{t}中心小学党支部")),
    ("离退休", ("{t}老龄党支部",)),
    ("非公企业", ("{v}建材有限公司党支部", "{v}油茶开发有限公司党支部")),
    ("社会组织", ("{t}个体劳动者协会党支部",)),
)

# What each planted file carries; keys are branch positions (1-based), as codes DX%03d.
PLANTED: dict[int, str] = {
    3: "units and full-width digits typed into numbers",
    4: "dates typed in every form",
    5: "是/否 as √/×, choices with extra words",
    6: "a title row inserted above the header, blank rows, columns reordered",
    7: "errors: 实际参加人数 > 应参加人数, a wrong ID check digit, an empty required cell, 已完成 without date",
    8: "submitted twice (an older copy too)",
    9: "warnings: 党员总数 disagrees with 党员名册, a 示范岗 member not in 党员名册",
    10: "a WPS lock file beside it",
}
NEVER_REPORTS = 2  # this registry branch never sends a file (the chase list), in neither quarter

# What quarter two plants, each at one branch: the first branch from position NEXT_FIRST on (then the
# earlier ones) that has what it takes, in this order; Demo.next.planted says which branch got what.
PLANTED_NEXT: dict[str, str] = {
    "COMMITMENT_VANISHED": "an open commitment of last quarter left out",
    "CONCERN_VANISHED": "an open concern of last quarter left out",
    "MEMBER_GONE": "a member left out of 党员名册 without a note",
    "DEPARTED": f"a member kept in 党员名册 with 备注 “{NEXT_DEPARTED}” (a departure: no finding)",
    "LATE_SUBMISSION": f"填报日期 {NEXT_LATE}, after 报送截止日期 {NEXT_DEADLINE}",
}
NEXT_FIRST = 11  # quarter one's planted branches are 1–10


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))


def _date(rng: random.Random, lo: dt.date, hi: dt.date) -> dt.date:
    return lo + dt.timedelta(days=rng.randint(0, max(0, (hi - lo).days)))


def _phone(rng: random.Random) -> str:
    return rng.choice(("138", "139", "135", "137", "150", "151", "158", "187")) + f"{rng.randint(0, 99999999):08d}"


def make_id(rng: random.Random, born: dt.date, sex: str) -> str:
    seq = rng.randint(0, 99) * 10 + (rng.choice((1, 3, 5, 7, 9)) if sex == "男" else rng.choice((0, 2, 4, 6, 8)))
    first17 = f"{REGION}{born:%Y%m%d}{seq:03d}"
    return first17 + id_check_digit(first17)


@dataclass
class DemoBranch:
    branch: Branch
    members: list[dict[str, Any]] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)


def registry_branches(n: int = 31, rng: random.Random | None = None, committee: str = COMMITTEE,
                      prefix: str = "DX") -> list[Branch]:
    rng = rng or random.Random(2011)
    town = committee.removesuffix("党委")
    villages = list(VILLAGES)
    rng.shuffle(villages)
    names: list[tuple[str, str]] = []
    for org_type, patterns in SPREAD:
        for pattern in patterns:
            names.append((org_type, pattern.format(t=town, v=villages.pop())))
    # A small demo keeps the planted positions (all villages) and one branch of every type.
    while len(names) > n:
        counts = {t: sum(1 for x, _ in names if x == t) for t, _ in names}
        if counts["村"] > 9:
            idx = max(i for i, (t, _) in enumerate(names) if t == "村")
        elif any(c > 1 for t, c in counts.items() if t != "村"):
            idx = max(i for i, (t, _) in enumerate(names) if t != "村" and counts[t] > 1)
        else:
            raise ValueError(f"a demo township needs at least {len(names)} branches")
        names.pop(idx)
    branches = []
    for i, (org_type, name) in enumerate(names, 1):
        branches.append(Branch(code=f"{prefix}{i:03d}", name=name, type=org_type, parent=committee,
                               secretary=_name(rng), phone=_phone(rng)))
    return with_groups(branches, committee)


def with_groups(branches: list[Branch], committee: str = COMMITTEE) -> list[Branch]:
    """督导组 and 联系领导: :data:`GROUPS`, each for a run of consecutive branches, led by a member of
    the committee (names from their own generator, so that the branches' data stays as it was)."""
    rng = random.Random(f"{committee}督导组")
    level = committee.removesuffix("党委")[-1:] or "镇"
    leaders = [f"{level}{title} {_name(rng)}" for title in LEADER_TITLES]
    size, extra = divmod(len(branches), len(GROUPS))
    out: list[Branch] = []
    for g, (group, leader) in enumerate(zip(GROUPS, leaders, strict=True)):
        for b in branches[len(out):len(out) + size + (g < extra)]:
            out.append(replace(b, group=group, leader=leader))
    return out


def branch_data(b: Branch, rng: random.Random, members_n: int | None = None,
                committee: str = COMMITTEE) -> dict[str, Any]:
    """A consistent, clean filled workbook for one branch."""
    end = period_end(PERIOD)
    start = CAMPAIGN[0]
    size = members_n or (rng.randint(20, 60) if b.type == "村" else rng.randint(8, 30))
    members = []
    for i in range(size):
        sex = "男" if rng.random() < 0.72 else "女"
        born = _date(rng, dt.date(1938, 1, 1), dt.date(1988, 12, 31))
        probationer = i >= 2 and rng.random() < 0.06
        if probationer:
            joined = _date(rng, end - dt.timedelta(days=300), end - dt.timedelta(days=30))
        else:
            joined = _date(rng, dt.date(born.year + 19, 1, 1), dt.date(2009, 12, 31))
        members.append({
            "序号": i + 1, "姓名": _name(rng), "性别": sex, "民族": "汉族" if rng.random() < 0.9 else "苗族",
            "出生日期": born, "身份证号": make_id(rng, born, sex), "入党日期": joined,
            "党员类别": "预备党员" if probationer else "正式党员",
            "学历": rng.choice(("大学本科", "大学专科", "中专", "高中", "初中", "初中", "小学及以下")),
            "工作单位及职务": b.name.removesuffix("党支部") + rng.choice(("", " 组长", " 会计", " 职工")),
            "是否流动党员": "是" if b.type == "村" and rng.random() < 0.15 else "否",
            "联系电话": _phone(rng), "民主评议等次": "优秀" if rng.random() < 0.2 else "合格",
        })
    for m in [m for m in members if m["民主评议等次"] == "优秀"][size // 3:]:
        m["民主评议等次"] = "合格"  # 优秀 is capped at a third of the members
    names = [m["姓名"] for m in members]
    secretary = b.secretary
    formal = sum(m["党员类别"] == "正式党员" for m in members)
    info = {
        "所属党委": committee, "党组织名称": b.name, schema.CODE_COL: b.code, "党组织类型": b.type,
        "上级党组织": committee, "书记姓名": secretary, "联系电话": b.phone, "填报人": _name(rng),
        "填报日期": dt.date(2011, 6, rng.randint(24, 30)), "报告期": period_label(PERIOD),
        "争创主题": rng.choice(("强班子、带队伍、促发展", "服务群众、争当先锋", "学习创新、争创一流")),
        "特色党支部类型": rng.choice(("致富型", "服务型", "学习型", "和谐型", "廉洁型")),
        "是否成立领导小组": "是", "是否制定实施方案": "是", "动员大会日期": dt.date(2011, 5, rng.randint(8, 15)),
        "党员总数": size, "正式党员数": formal, "预备党员数": size - formal,
        "流动党员数": sum(m["是否流动党员"] == "是" for m in members),
    }
    commitments = []
    kinds = ("带头学习提高", "带头争创佳绩", "带头服务群众", "带头遵纪守法", "带头弘扬正气")
    for i in range(rng.randint(3, 10)):
        by_branch = i == 0
        made = _date(rng, dt.date(2010, 6, 1), dt.date(2011, 5, 31))
        due = _date(rng, made + dt.timedelta(days=30), dt.date(2011, 12, 31))
        status = "已完成" if due <= end or rng.random() < 0.4 else rng.choice(("推进中", "未开始"))
        done = _date(rng, made, min(due, end)) if status == "已完成" else None
        commitments.append({
            "序号": i + 1, "承诺主体": "党组织" if by_branch else "党员", "承诺人": b.name if by_branch else rng.choice(names),
            "承诺类别": rng.choice(kinds), "承诺内容": rng.choice(("为五保户送米送油", "帮扶2户困难户脱贫", "带头参加义务劳动",
                                                                "组织技术培训1次", "调解邻里纠纷", "带头移风易俗")),
            "承诺日期": made, "计划完成日期": due, "完成情况": status, "实际完成日期": done,
            "群众评价": rng.choice(("满意", "满意", "基本满意")) if status == "已完成" else None,
        })
    activities = []
    quarter = period_start(PERIOD)
    for i in range(rng.randint(4, 10)):
        should = size
        # the campaign's first activities before this quarter (a clerk who keeps earlier rows), the rest
        # in it: each quarter counts its own (本期), whichever way a branch fills in
        activities.append({
            "序号": i + 1, "活动日期": _date(rng, start, quarter - dt.timedelta(days=1)) if i < 2 else _date(rng, quarter, end),
            "活动类型": "动员大会" if i == 0 else rng.choice(("集中学习", "主题党日", "专题培训", "宣传教育", "座谈走访", "志愿服务")),
            "活动主题": rng.choice(("学习党章", "学习十七届四中全会精神", "创先争优动员", "党员承诺践诺", "清洁家园", "走访困难群众")),
            "应参加人数": should, "实际参加人数": should - rng.randint(0, max(1, should // 5)),
            "学时": rng.choice((1, 1.5, 2, 3)), "地点": rng.choice(("会议室", "村部", "活动室")),
        })
    projects = []
    for i in range(rng.randint(1, 4)):
        funds = round(rng.uniform(0.5, 40), 1)
        began = _date(rng, start, end - dt.timedelta(days=20))
        status = rng.choice(("已完成", "实施中", "计划中"))
        projects.append({
            "序号": i + 1, "项目名称": rng.choice(("硬化村组公路", "修建饮水工程", "整治山塘", "建设文化广场", "慰问困难党员",
                                               "安装路灯", "发展油茶基地")),
            "项目类别": rng.choice(("基础设施", "产业致富", "环境整治", "文化活动", "民生救助", "平安建设")),
            "投入资金（万元）": funds, "其中争取上级资金（万元）": round(funds * rng.uniform(0, 0.8), 1),
            "受益户数": rng.randint(10, 400), "开始日期": began if status != "计划中" else None,
            "完成情况": status, "完成日期": _date(rng, began, end) if status == "已完成" else None,
            "责任人": rng.choice(names),
        })
    concerns = []
    for i in range(rng.randint(2, 8)):
        registered = _date(rng, dt.date(2011, 1, 1), end - dt.timedelta(days=5))
        limit = registered + dt.timedelta(days=rng.choice((7, 15, 30, 60)))
        settled = _date(rng, registered, min(limit, end)) if limit <= end or rng.random() < 0.5 else None
        concerns.append({
            "序号": i + 1, "登记日期": registered, "反映人": _name(rng),
            "反映问题": rng.choice(("水渠堵塞", "路灯不亮", "低保申请", "邻里宅基地纠纷", "垃圾清运不及时", "农资价格")),
            "问题类别": rng.choice(("生产发展", "基础设施", "社会保障", "矛盾纠纷", "环境卫生")),
            "承办人": rng.choice(names), "办结时限": limit, "办结日期": settled,
            "办理结果": "已办结" if settled else None, "群众满意度": rng.choice(("满意", "基本满意")) if settled else None,
        })
    posts_types = schema.BRANCH_SHEET["示范岗"].field("岗位类型").choices[:-1]
    posts = [{"序号": i + 1, "岗位类型": rng.choice(posts_types), "认领党员": who,
              "岗位职责": "带头做好本岗位工作", "认领日期": _date(rng, dt.date(2010, 6, 1), end)}
             for i, who in enumerate(rng.sample(names, k=min(len(names), rng.randint(2, 8))))]
    voters = rng.randint(size, size + 30)
    unhappy = rng.randint(0, 2)
    basic = rng.randint(0, max(0, voters // 6))
    votes = {"民主测评参评人数": voters, "满意票": voters - unhappy - basic, "基本满意票": basic, "不满意票": unhappy}
    scores = {label: rng.randint(14, 20) for label in ("领导班子好", "党员队伍好", "工作机制好", "工作业绩好", "群众反映好")}
    awards = [{"序号": 1, "表彰类别": "优秀共产党员", "对象名称": rng.choice(names), "推荐级别": rng.choice(("乡镇", "县")),
               "主要事迹": "带领群众发展产业", "评选结果": rng.choice(("推荐中", "已获评"))}] if rng.random() < 0.6 else []
    return {"基本信息": info, "党员名册": members, "公开承诺": commitments, "活动记录": activities,
            "为民办实事": projects, "民情台账": concerns, "示范岗": posts, "考核测评": {**scores, **votes},
            "评选表彰": awards}


def _plant_data(pos: int, data: dict[str, Any]) -> None:
    """Mistakes that live in cell values (written as staff would type them)."""
    info = data["基本信息"]
    if pos == 3:
        data["活动记录"][0]["应参加人数"] = str(data["活动记录"][0]["应参加人数"]).translate(
            str.maketrans("0123456789", "０１２３４５６７８９"))
        data["活动记录"][1]["实际参加人数"] = f"{data['活动记录'][1]['实际参加人数']}人"
        data["为民办实事"][0]["投入资金（万元）"] = f"{data['为民办实事'][0]['投入资金（万元）']}万元"
        data["为民办实事"][0]["受益户数"] = f"{data['为民办实事'][0]['受益户数'] + 1000:,}"
    elif pos == 4:
        forms = ("{d.year}.{d.month}.{d.day}", "{d.year}年{d.month}月{d.day}日", "{d:%Y%m%d}", "{d.year}/{d.month:02d}/{d.day:02d}")
        for i, rec in enumerate(data["活动记录"][:4]):
            rec["活动日期"] = forms[i].format(d=rec["活动日期"])
        info["填报日期"] = "{d.year}-{d.month}-{d.day}".format(d=info["填报日期"])
    elif pos == 5:
        info["是否成立领导小组"] = "√"
        info["是否制定实施方案"] = "Y"
        info["党组织类型"] = info["党组织类型"] + "党支部"
        data["党员名册"][0]["党员类别"] = "正式"
        data["党员名册"][1]["是否流动党员"] = "×"
    elif pos == 7:
        act = data["活动记录"][0]
        act["实际参加人数"] = act["应参加人数"] + 3
        bad = data["党员名册"][1]["身份证号"]
        data["党员名册"][1]["身份证号"] = bad[:17] + ("0" if bad[17] != "0" else "1")
        data["党员名册"][2]["入党日期"] = None
        done = next((c for c in data["公开承诺"] if c["完成情况"] == "已完成"), data["公开承诺"][0])
        done["完成情况"], done["实际完成日期"] = "已完成", None
    elif pos == 9:
        info["党员总数"] = info["党员总数"] + 2
        data["示范岗"].append({"序号": len(data["示范岗"]) + 1, "岗位类型": "其他", "认领党员": "查无此人",
                              "认领日期": dt.date(2011, 5, 20)})


def _plant_layout(path: Path) -> None:
    """Structural mess staff make in Excel: a title row, blank rows, swapped columns."""

    wb = openpyxl.load_workbook(path)
    ws = wb["党员名册"]
    for sheet in wb.worksheets:
        sheet.protection.sheet = False
    ws.insert_rows(1)
    ws["A1"] = "德新镇党员名册（2011年）"
    last = ws.max_row
    ws.insert_rows(6, 2)  # two blank rows inside the data
    # swap 姓名 (B) and 性别 (C) across header and data
    for row in ws.iter_rows(min_row=1, max_row=last + 2, min_col=2, max_col=3):
        row[0].value, row[1].value = row[1].value, row[0].value
    wb.save(path)


def _referenced(data: dict[str, Any]) -> set[str]:
    """Names the other sheets give for members (a member named there cannot leave the roster)."""
    return ({c["承诺人"] for c in data["公开承诺"]} | {p["责任人"] for p in data["为民办实事"]}
            | {c["承办人"] for c in data["民情台账"]} | {p["认领党员"] for p in data["示范岗"]}
            | {a["对象名称"] for a in data["评选表彰"]})


def _leavable(data: dict[str, Any]) -> list[dict[str, Any]]:
    """Members who may leave the roster: named once there, and nowhere else."""
    names = [m["姓名"] for m in data["党员名册"]]
    used = _referenced(data)
    return [m for m in data["党员名册"][2:] if names.count(m["姓名"]) == 1 and m["姓名"] not in used
            and m["党员类别"] == "正式党员"]


def _unique(rows: list[dict[str, Any]], keys: tuple[tuple[str, ...], ...], row: dict[str, Any]) -> bool:
    """No other row agrees with ``row`` on any of ``keys`` (so leaving it out is seen as a vanished row)."""
    return not any(other is not row and all(other[k] == row[k] for k in key) for other in rows for key in keys)


def _vanish_keys(code: str) -> tuple[tuple[str, ...], ...]:
    return next(v.keys for v in schema.VANISHED if v.code == code)


def _open_commitments(data: dict[str, Any]) -> list[dict[str, Any]]:
    rows = data["公开承诺"]
    return [c for c in rows if c["完成情况"] in ("推进中", "未开始")
            and _unique(rows, _vanish_keys("COMMITMENT_VANISHED"), c)]


def _open_concerns(data: dict[str, Any]) -> list[dict[str, Any]]:
    rows = data["民情台账"]
    return [c for c in rows if c["办结日期"] is None and _unique(rows, _vanish_keys("CONCERN_VANISHED"), c)]


def can_plant(kind: str, data: dict[str, Any]) -> bool:
    """Whether a branch's quarter-one ``data`` has what the quarter-two plant ``kind`` needs."""
    if kind == "COMMITMENT_VANISHED":
        return bool(_open_commitments(data))
    if kind == "CONCERN_VANISHED":
        return bool(_open_concerns(data))
    if kind in ("MEMBER_GONE", "DEPARTED"):
        return bool(_leavable(data))
    return kind == "LATE_SUBMISSION"


def next_quarter(data: dict[str, Any], rng: random.Random, plant: str | None = None,
                 period: str = NEXT_PERIOD) -> dict[str, Any]:
    """A branch's workbook for the quarter after :data:`PERIOD`, made from its (clean) quarter-one
    ``data`` the way a clerk updates the template carried over from it (schema.CARRY_OVER): the
    roster, the open commitments and concerns, the posts and the basic facts come back, updated
    (commitments done and concerns settled during the quarter, probationers whose year is up made
    full members); activities, projects and the self-assessment are this quarter's. ``plant`` is
    one of :data:`PLANTED_NEXT`'s keys."""
    d = copy.deepcopy(data)
    start, end = period_end(PERIOD) + dt.timedelta(days=1), period_end(period)
    info = d["基本信息"]

    # 党员名册: everyone stays; a probationer's year may be up
    roster = d["党员名册"]
    for m in roster:
        if m["党员类别"] == "预备党员" and (end - m["入党日期"]).days > schema.PROBATION_DAYS - 20:
            m["党员类别"] = "正式党员"
    if plant in ("MEMBER_GONE", "DEPARTED"):
        leaving = rng.choice(_leavable(d))
        if plant == "MEMBER_GONE":
            roster.remove(leaving)  # left out without a word
        else:
            leaving["备注"] = NEXT_DEPARTED  # kept, noted: a departure record
    for i, m in enumerate(roster, 1):
        m["序号"] = i
    current = [m for m in roster if not m.get("备注")]
    for m in [m for m in roster if m["民主评议等次"] == "优秀"][len(roster) // 3:]:
        m["民主评议等次"] = "合格"
    names = [m["姓名"] for m in current]
    size = len(current)
    formal = sum(m["党员类别"] == "正式党员" for m in current)
    info.update({"报告期": period_label(period), "填报日期": dt.date(end.year, end.month, rng.randint(24, 30)),
                 "党员总数": size, "正式党员数": formal, "预备党员数": size - formal,
                 "流动党员数": sum(m["是否流动党员"] == "是" for m in current)})
    if plant == "LATE_SUBMISSION":
        info["填报日期"] = NEXT_LATE

    # 公开承诺: last quarter's open ones, some done now, and a few new ones
    commitments = [c for c in d["公开承诺"] if c["完成情况"] in ("推进中", "未开始")]
    if plant == "COMMITMENT_VANISHED":
        dropped = rng.choice(_open_commitments(d))
        commitments.remove(dropped)
    for c in commitments:
        if c["计划完成日期"] <= end or rng.random() < 0.6:
            c["完成情况"] = "已完成"
            c["实际完成日期"] = _date(rng, max(start, c["承诺日期"]), min(c["计划完成日期"], end))
            c["群众评价"] = rng.choice(("满意", "满意", "基本满意"))
        elif c["完成情况"] == "未开始" and rng.random() < 0.5:
            c["完成情况"] = "推进中"
    kinds = ("带头学习提高", "带头争创佳绩", "带头服务群众", "带头遵纪守法", "带头弘扬正气")
    for _ in range(rng.randint(1, 3)):
        made = _date(rng, start, end - dt.timedelta(days=40))
        new = {"承诺主体": "党员", "承诺人": rng.choice(names), "承诺类别": rng.choice(kinds),
               "承诺内容": rng.choice(("帮助1户困难户发展生产", "参加秋收志愿服务", "带头缴纳新农合", "宣传森林防火",
                                   "结对帮扶留守儿童")),
               "承诺日期": made, "计划完成日期": _date(rng, end + dt.timedelta(days=1), CAMPAIGN[1]),
               "完成情况": rng.choice(("推进中", "未开始")), "实际完成日期": None, "群众评价": None}
        if rng.random() < 0.5:  # a short one, kept within the quarter
            new["计划完成日期"] = _date(rng, made + dt.timedelta(days=30), end)
            new.update({"完成情况": "已完成", "实际完成日期": _date(rng, made, new["计划完成日期"]),
                        "群众评价": rng.choice(("满意", "满意", "基本满意"))})
        commitments.append(new)
    if plant == "COMMITMENT_VANISHED":
        keys = _vanish_keys("COMMITMENT_VANISHED")
        commitments = [c for c in commitments if not any(all(c[k] == dropped[k] for k in key) for key in keys)]
    for i, c in enumerate(commitments, 1):
        c["序号"] = i
    d["公开承诺"] = commitments

    # 活动记录: this quarter's
    d["活动记录"] = [{
        "序号": i + 1, "活动日期": _date(rng, start, end),
        "活动类型": rng.choice(("集中学习", "主题党日", "专题培训", "宣传教育", "座谈走访", "志愿服务")),
        "活动主题": rng.choice(("庆祝建党90周年", "学习胡锦涛七一讲话", "党员承诺践诺", "秋收互助", "走访困难群众",
                              "创先争优点评")),
        "应参加人数": size, "实际参加人数": size - rng.randint(0, max(1, size // 5)),
        "学时": rng.choice((1, 1.5, 2, 3)), "地点": rng.choice(("会议室", "村部", "活动室")),
    } for i in range(rng.randint(3, 8))]

    # 为民办实事: last quarter's unfinished projects, moved on
    projects = [p for p in d["为民办实事"] if p["完成情况"] != "已完成"]
    for p in projects:
        if p["完成情况"] == "计划中":
            p["完成情况"], p["开始日期"] = "实施中", _date(rng, start, end - dt.timedelta(days=20))
        elif rng.random() < 0.6:
            p["完成情况"], p["完成日期"] = "已完成", _date(rng, max(start, p["开始日期"]), end)
        p["责任人"] = p["责任人"] if p["责任人"] in names else rng.choice(names)
    if not projects or rng.random() < 0.5:
        funds = round(rng.uniform(0.5, 20), 1)
        began = _date(rng, start, end - dt.timedelta(days=20))
        projects.append({"项目名称": rng.choice(("修缮村小学", "疏通灌溉渠", "建设党员活动室", "慰问困难党员")),
                         "项目类别": rng.choice(("基础设施", "民生救助", "文化活动")), "投入资金（万元）": funds,
                         "其中争取上级资金（万元）": round(funds * rng.uniform(0, 0.8), 1),
                         "受益户数": rng.randint(10, 300), "开始日期": began, "完成情况": "实施中", "完成日期": None,
                         "责任人": rng.choice(names)})
    for i, p in enumerate(projects, 1):
        p["序号"] = i
    d["为民办实事"] = projects

    # 民情台账: last quarter's open concerns, all settled now, and this quarter's new ones
    concerns = [c for c in d["民情台账"] if c["办结日期"] is None]
    if plant == "CONCERN_VANISHED":
        concerns.remove(rng.choice(_open_concerns(d)))
    for c in concerns:
        c["办结日期"] = _date(rng, max(start, c["登记日期"]), min(c["办结时限"], end))
        c["办理结果"], c["群众满意度"] = "已办结", rng.choice(("满意", "满意", "基本满意"))
    for _ in range(rng.randint(1, 4)):
        registered = _date(rng, start, end - dt.timedelta(days=5))
        limit = registered + dt.timedelta(days=rng.choice((7, 15, 30, 60)))
        settled = _date(rng, registered, min(limit, end)) if limit <= end or rng.random() < 0.5 else None
        concerns.append({
            "登记日期": registered, "反映人": _name(rng),
            "反映问题": rng.choice(("秋粮收购价格", "村道塌方", "新农合报销", "山林权属纠纷", "饮水不足")),
            "问题类别": rng.choice(("生产发展", "基础设施", "社会保障", "矛盾纠纷")),
            "承办人": rng.choice(names), "办结时限": limit, "办结日期": settled,
            "办理结果": "已办结" if settled else None, "群众满意度": rng.choice(("满意", "基本满意")) if settled else None,
        })
    for i, c in enumerate(concerns, 1):
        c["序号"] = i
    d["民情台账"] = concerns

    # 考核测评: this quarter's self-assessment moves a little
    votes = d["考核测评"]
    for label in ("领导班子好", "党员队伍好", "工作机制好", "工作业绩好", "群众反映好"):
        votes[label] = min(20, max(12, votes[label] + rng.choice((-2, -1, 0, 1, 1, 2))))
    voters = rng.randint(size, size + 30)
    unhappy, basic = rng.randint(0, 2), rng.randint(0, max(0, voters // 6))
    votes.update({"民主测评参评人数": voters, "满意票": voters - unhappy - basic, "基本满意票": basic, "不满意票": unhappy})
    for a in d["评选表彰"]:
        if a["评选结果"] == "推荐中" and rng.random() < 0.5:
            a["评选结果"] = "已获评"
    return d


@dataclass
class DemoQuarter:
    """Quarter two of the demo, in its own subfolder of the demo folder."""

    period: str
    folder: Path
    registry: Path
    templates: Path  # 下发: next quarter's templates carried over from quarter one's inbox
    inbox: Path
    files: dict[str, Path]  # branch code -> its workbook in the inbox
    result: Path
    groups: Path  # 督导组问题清单: one problem list per 督导组
    planted: dict[str, str]  # branch code -> the PLANTED_NEXT key planted there
    summary: Any = field(default=None, repr=False, compare=False)
    reports: Any = None  # report.Reports: the quarter's 工作总结（草稿） and 情况通报


@dataclass
class Demo:
    folder: Path
    registry: Path
    inbox: Path
    branches: list[Branch]
    files: dict[str, Path]
    result: Path | None = None  # quarter one's result, written when the demo goes on to quarter two
    summary: Any = field(default=None, repr=False, compare=False)  # quarter one's aggregate.Summary then
    next: DemoQuarter | None = None
    reports: Any = None  # quarter one's report.Reports, written with its result

    def planted(self) -> dict[str, str]:
        return {self.branches[p - 1].code: what for p, what in PLANTED.items() if p <= len(self.branches)}


class DemoRefused(ValueError):
    """The folder holds something that is not an earlier demo; ``str(exc)`` is for the user."""


def next_folder() -> str:
    """Quarter two's subfolder of the demo folder."""
    return period_label(NEXT_PERIOD)


def _demo_dirs() -> list[str]:
    """The folders a demo makes, parents first."""
    q = next_folder()
    return [INBOX, q, f"{q}/{TEMPLATES}", f"{q}/{INBOX}", f"{q}/{GROUP_LISTS}"]


def _earlier_demo(out: Path) -> list[Path]:
    """The files an earlier demo wrote into ``out``; raises DemoRefused when anything else is there
    (an office's own 收件箱 and 支部名单.xlsx have the same names). The demo's folders, Excel's ``~$``
    lock files and untouched result workbooks of ours (the demo's 汇总表, in ``out`` or quarter two's
    folder) may stay."""
    if not out.exists():
        return []
    if not out.is_dir():
        raise DemoRefused(f"{out} 是一个文件，不是文件夹。请换一个新的文件夹名。")
    marker = out / MARKER
    listed = set(marker.read_text(encoding="utf-8").splitlines()) if marker.is_file() else set()
    dirs = set(_demo_dirs())
    result_dirs = {out, out / next_folder()}
    for p in sorted(out.rglob("*")):
        rel = p.relative_to(out).as_posix()
        if p.is_dir():
            ours = rel in dirs
        else:
            ours = rel in listed or rel == MARKER or p.name.startswith("~$") or (
                p.parent in result_dirs and p.suffix == ".xlsx" and is_ours(p, schema.RESULT_ID)) or (
                p.parent in result_dirs and p.suffix == ".docx" and is_ours(p, REPORT_MARK))
        if not ours:
            raise DemoRefused(f"文件夹 {out} 中已有不是示例生成的内容（{rel}）。示例会删除并重写“{INBOX}”和"
                              f"“{REGISTRY_FILE}”，为免损坏您的文件，不在这里生成。请换一个新的文件夹，"
                              f"例如：cxzy demo cxzy-demo")
    return [out / rel for rel in sorted(listed)]


def make_demo(folder: str | os.PathLike[str] = "cxzy-demo", n_branches: int = 31, seed: int = 2011,
              members_n: int | None = None, messy: bool = True, committee: str = COMMITTEE,
              prefix: str = "DX", quarters: int = 2) -> Demo:
    """Write a registry and filled branch workbooks into ``folder`` (its 收件箱 holds the files).
    ``committee`` and ``prefix`` make other townships, e.g. for a county's roll-up. The folder must be
    new, empty or an earlier demo (else :class:`DemoRefused`); an earlier demo's files are replaced.

    With ``quarters=2`` (what ``cxzy demo`` shows) the demo also checks and aggregates quarter one
    (its result beside the registry) and goes on to quarter two in the subfolder :func:`next_folder`:
    registry, carried-over templates (下发), the branches' updated workbooks (收件箱), the result
    compared with quarter one's, and 督导组问题清单. ``quarters=1`` writes quarter one's inputs only."""
    if quarters not in (1, 2):
        raise ValueError("quarters is 1 or 2")
    out = Path(folder)
    try:
        return _make_demo(out, n_branches, seed, members_n, messy, committee, prefix, quarters)
    except OSError as exc:  # the folder, the marker, the lock file and the note; workbooks raise their own
        raise refused(getattr(exc, "filename", None) or out, exc) from exc


def _make_demo(out: Path, n_branches: int, seed: int, members_n: int | None, messy: bool, committee: str,
               prefix: str, quarters: int) -> Demo:
    rng = random.Random(seed)
    for old in _earlier_demo(out):
        old.unlink(missing_ok=True)
    for rel in reversed(_demo_dirs()[1:]):  # quarter two's folders, when empty, go too
        try:
            (out / rel).rmdir()
        except OSError:
            pass
    inbox = out / INBOX
    inbox.mkdir(parents=True, exist_ok=True)
    marker = out / MARKER
    marker.write_text("", encoding="utf-8")
    listed: set[Path] = set()

    def own(path: Path) -> Path:
        # listed before it is written, so an interrupted demo can still be cleared by the next one
        if path not in listed:
            listed.add(path)
            with marker.open("a", encoding="utf-8") as fh:
                fh.write(path.relative_to(out).as_posix() + "\n")
        return path

    branches = registry_branches(n_branches, rng, committee, prefix)
    settings = {"所属党委": committee, "报告期": period_label(PERIOD), "活动开始日期": CAMPAIGN[0],
                "活动结束日期": CAMPAIGN[1], "报送截止日期": DEADLINE, "动员大会截止日期": MOBILISED_BY}
    registry = write_registry(own(out / REGISTRY_FILE), branches, settings)
    files: dict[str, Path] = {}
    clean: dict[int, dict[str, Any]] = {}  # quarter one's data before anything was planted
    for pos, b in enumerate(branches, 1):
        data = branch_data(b, rng, members_n, committee)
        if messy and pos == NEVER_REPORTS:
            continue
        if quarters > 1:
            clean[pos] = copy.deepcopy(data)
        if messy:
            _plant_data(pos, data)
        path = own(inbox / branch_filename(b))
        write_branch_workbook(path, b, committee=committee, period=PERIOD, data=data)
        files[b.code] = path
        if not messy:
            continue
        if pos == 6:
            _plant_layout(path)
        elif pos == 8:
            older = dict(data)
            older["基本信息"] = {**data["基本信息"], "填报日期": dt.date(2011, 6, 20)}
            write_branch_workbook(own(inbox / f"{b.code}_{b.name}（旧）.xlsx"), b, committee=committee,
                                  period=PERIOD, data=older)
        elif pos == 10:
            own(inbox / f"~${path.name}").write_bytes(b"\x0bWPS lock\x00" + b"\x00" * 150)
    if messy:
        own(inbox / "报送说明.txt").write_text("各支部报表已收齐，请查收。\n", encoding="utf-8")
    demo = Demo(out, registry, inbox, branches, files)
    if quarters > 1:
        _quarter_two(demo, clean, random.Random(f"{seed}/{NEXT_PERIOD}"), messy, committee, settings, own)
    return demo


def _plants(clean: dict[int, dict[str, Any]]) -> dict[int, str]:
    """Branch position -> what quarter two plants there (PLANTED_NEXT), one plant a branch."""
    order = sorted(clean, key=lambda pos: (pos < NEXT_FIRST, pos))
    out: dict[int, str] = {}
    for kind in PLANTED_NEXT:
        pos = next((p for p in order if p not in out and can_plant(kind, clean[p])), None)
        if pos is not None:
            out[pos] = kind
    return out


def _quarter_two(demo: Demo, clean: dict[int, dict[str, Any]], rng: random.Random, messy: bool, committee: str,
                 settings: dict[str, Any], own: Any) -> None:
    """Quarter one's result, then quarter two: registry, 下发, 收件箱, result, 督导组问题清单."""
    out = demo.folder

    def result(inbox: Path, registry: Path, folder: Path, previous: Sequence[Path] = ()) -> ResultRun:
        own(register_path(inbox))
        own(lock_path(register_path(inbox)))
        run = run_aggregate(inbox, registry, previous=previous, folder=folder)
        if run.register is not None and run.register.path is not None:
            own(run.register.path)  # beside as （2） when Excel holds the old one
        own(folder / result_filename(run.summary))
        own(detail_filename(folder / result_filename(run.summary)))
        own(run.path)  # beside as （2） when Excel holds the old one
        if run.detail is not None:
            own(run.detail)
        return run

    def reports(path: Path, day: dt.date) -> Any:
        written = write_reports(path, path.parent, today=day, comments=True)
        own(written.summary)
        own(written.notice)
        if written.comments is not None:
            own(written.comments)
        return written

    first = result(demo.inbox, demo.registry, out)
    demo.result, demo.summary = first.path, first.summary
    demo.reports = reports(demo.result, REPORT_DAY)

    q = out / next_folder()
    inbox, templates, lists = q / INBOX, q / TEMPLATES, q / GROUP_LISTS
    inbox.mkdir(parents=True, exist_ok=True)
    registry = write_registry(own(q / REGISTRY_FILE), demo.branches,
                              {**settings, "报告期": period_label(NEXT_PERIOD), "报送截止日期": NEXT_DEADLINE})
    for b in demo.branches:
        own(templates / branch_filename(b))
    carried = write_carried_templates(templates, registry, demo.inbox, period=NEXT_PERIOD)
    for path in carried.paths:
        own(path)

    plants = _plants(clean) if messy else {}
    files: dict[str, Path] = {}
    for pos, b in enumerate(demo.branches, 1):
        if pos not in clean:
            continue  # the branch that never reports still doesn't
        data = next_quarter(clean[pos], rng, plants.get(pos))
        path = own(inbox / branch_filename(b))
        write_branch_workbook(path, b, committee=committee, period=NEXT_PERIOD, data=data)
        files[b.code] = path

    run = result(inbox, registry, q, previous=[demo.result])
    batch, summary, path = run.batch, run.summary, run.path
    assert batch is not None
    written = reports(path, NEXT_REPORT_DAY)
    period = period_label(NEXT_PERIOD)
    for group in group_findings(batch):
        own(lists / safe_filename(f"{group}问题清单_{period}"))
    for p in write_group_lists(batch, lists):
        own(p)
    demo.next = DemoQuarter(NEXT_PERIOD, q, registry, templates, inbox, files, path, lists,
                            {demo.branches[pos - 1].code: kind for pos, kind in plants.items()}, summary, written)
