"""The wording of the written outputs, as the Word templates an office can reword (docxtpl: a .docx
whose text holds Jinja2 fields). A build-time tool, not part of the package: run
``python tools/report_templates.py`` (with the package installed, ``pip install -e .``) after changing the
wording; it writes the templates into the package's ``cxzy_xl/docx_templates/`` (what ``cxzy report``
uses, shipped as package data) and into ``workbooks/`` (where an office finds them to copy and edit), and
tests/test_report.py checks that the committed files are what this builds.

Each paragraph below is (style, text). A paragraph holding only ``{%p … %}`` is a control line that
disappears from the output; ``{%tr … %}`` repeats a table row. Every figure is a named variable
(report.VARIABLES lists them) formatted by a filter (report.FILTERS): ``{{ 承诺兑现率|百分比 }}``. A
sentence part whose figure the data cannot give sits inside ``{% if … %}`` so it is left out, never
printed empty.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import officedoc as od  # beside this file

from cxzy_xl.report import COMMENT_TEMPLATE, NOTICE_TEMPLATE, SUMMARY_TEMPLATE

ROOT = Path(__file__).resolve().parent.parent
PACKAGE_TEMPLATES = ROOT / "cxzy_xl" / "docx_templates"  # the package's own copy, beside report.py
WORKBOOKS = ROOT / "workbooks"
SUMMARY_MARK, NOTICE_MARK, COMMENT_MARK = "cxzy-summary-template", "cxzy-notice-template", "cxzy-comment-template"
PAGE_TITLE = "page title"  # the title style, starting a new page: the 点评's page per branch
TIGHT_SUBTITLE = "tight subtitle"  # the subtitle without the line after it: a 点评 keeps to its page
RUN_IN = "run-in"  # "标题。|正文": a body paragraph led by its heading in the heading's font (a page holds more)

# --- 工作总结（草稿） -------------------------------------------------------------------------------

SUMMARY: list[tuple[str, str]] = [
    (od.TITLE, "{{ 单位 }}{{ 报告期 }}\n创先争优活动工作总结"),
    (od.SUBTITLE, "（草稿）"),
    (od.BODY, "{{ 报告期 }}，{{ 单位 }}按照创先争优活动按季考核的要求，组织{{ 辖区 }}"
              "{% if 是汇总 %}各{{ 下级称谓 }}{% else %}各党支部{% endif %}报送了活动情况。"
              "现根据{% if 是汇总 %}{{ 下级数 }}个{{ 下级称谓 }}的汇总表{% else %}{{ 已报数 }}个党支部报送的报表{% endif %}，"
              "将本期活动情况总结如下："),
    (od.HEADING1, "一、基本情况"),
    (od.BODY, "{% if 是汇总 %}{{ 辖区 }}{{ 下级数 }}个{{ 下级称谓 }}共有党支部{{ 应报数 }}个{% else %}"
              "{{ 辖区 }}共有党支部{{ 应报数 }}个{% endif %}，"
              "本期已报送{{ 已报数 }}个{% if 逾期数 %}（其中逾期报送{{ 逾期数 }}个）{% endif %}"
              "{% if 未报数 %}，未报送{{ 未报数 }}个{% endif %}"
              "{% if 支部类型 %}。已报送的党支部中，{% for t in 支部类型 %}{{ t.类型 }}党支部{{ t.个数 }}个"
              "{% if not loop.last %}、{% endif %}{% endfor %}{% endif %}。"
              "{% if 未报数 %}已报送的党支部{% else %}全部党支部{% endif %}共有党员{{ 党员数 }}名，"
              "其中预备党员{{ 预备党员数 }}名、流动党员{{ 流动党员数 }}名"
              "{% if 女党员数 %}、女党员{{ 女党员数 }}名{% endif %}"
              "{% if 老年党员数 %}、61岁及以上党员{{ 老年党员数 }}名{% endif %}。"),
    (od.BODY, "{%p if 督导组 %}"),
    (od.BODY, "为加强对活动的督导，{{ 单位 }}成立了{{ 督导组数 }}个联系督导小组，分别定点联系督导党支部："
              "{% for g in 督导组 %}{{ g.名称 }}{% if g.联系领导 %}由{{ g.联系领导 }}牵头，{% endif %}"
              "联系{{ g.联系支部数 }}个党支部{% if loop.last %}。{% else %}；{% endif %}{% endfor %}"),
    (od.BODY, "{%p endif %}"),
    (od.BODY, "{%p if 成立领导小组数 is not none %}"),
    (od.BODY, "{% if 成立领导小组数 == 已报数 and 制定实施方案数 == 已报数 and 召开动员大会数 == 已报数 %}"
              "已报送的{{ 已报数 }}个党支部均成立了创先争优活动领导小组、制定了实施方案、召开了动员大会"
              "{% else %}已报送的党支部中，{{ 成立领导小组数 }}个成立了创先争优活动领导小组，"
              "{{ 制定实施方案数 }}个制定了实施方案，{{ 召开动员大会数 }}个召开了动员大会{% endif %}"
              "{% if 动员大会截止日期 %}，其中{{ 按期召开动员大会数 }}个在{{ 动员大会截止日期 }}前召开{% endif %}。"
              "{% if 特色党支部 %}在争当创先争优特色党支部活动中，{% for t in 特色党支部 %}{{ t.类型 }}党支部{{ t.个数 }}个"
              "{% if not loop.last %}、{% endif %}{% endfor %}。{% endif %}"),
    (od.BODY, "{%p endif %}"),
    (od.HEADING1, "二、主要做法和成效"),
    (od.HEADING2, "（一）开展公开承诺，践诺兑现"),
    (od.BODY, "共作出公开承诺{{ 承诺数 }}项{% if 作出承诺党员数 %}，{{ 作出承诺党员数 }}名党员作出承诺{% endif %}；"
              "已兑现{{ 已兑现承诺数 }}项{% if 承诺兑现率 is not none %}，兑现率{{ 承诺兑现率|百分比 }}{% endif %}。"
              "{% if 承诺类别 %}按“五带头”分，{% for c in 承诺类别 %}{{ c.类别 }}{{ c.项数 }}项"
              "{% if not loop.last %}、{% endif %}{% endfor %}。{% endif %}"),
    (od.HEADING2, "（二）加强学习教育，提高参学率"),
    (od.BODY, "共开展学习活动{{ 活动次数 }}次{% if 参学率 is not none %}，应参加{{ 应参加人次 }}人次、"
              "实际参加{{ 实际参加人次 }}人次，参学率{{ 参学率|百分比 }}{% endif %}"
              "{% if 学时合计 %}，累计学习{{ 学时合计|数 }}学时{% endif %}。"),
    (od.HEADING2, "（三）为民办实事，服务群众"),
    (od.BODY, "共安排为民办实事项目{{ 办实事项目数 }}个，计划投入资金{{ 投入资金|万元 }}万元"
              "{% if 争取上级资金 %}，其中争取上级资金{{ 争取上级资金|万元 }}万元{% endif %}"
              "{% if 受益户数 %}，受益群众{{ 受益户数 }}户{% endif %}。"
              "{% if 重点项目 %}{% if 是汇总 %}分{{ 下级称谓 }}看，{% else %}已开工的项目中投入较多的有：{% endif %}"
              "{% for p in 重点项目 %}{{ p.党组织 }}{% if p.项目 %}“{{ p.项目 }}”项目{{ p.情况 }}，"
              "{% elif p.项目数 %}安排项目{{ p.项目数 }}个，{% endif %}投入资金{{ p.资金|万元 }}万元"
              "{% if loop.last %}。{% else %}；{% endif %}{% endfor %}{% endif %}"),
    (od.HEADING2, "（四）建立民情台账，解决群众诉求"),
    (od.BODY, "共登记民情{{ 民情件数 }}件，已办结{{ 已办结件数 }}件"
              "{% if 办结率 is not none %}，办结率{{ 办结率|百分比 }}{% endif %}"
              "{% if 超期未办结件数 %}；超过办结时限仍未办结的{{ 超期未办结件数 }}件{% endif %}。"),
    (od.HEADING2, "（五）设岗定责，发挥党员作用"),
    (od.BODY, "共设立党员示范岗{{ 示范岗数 }}个{% if 认领示范岗党员数 %}，{{ 认领示范岗党员数 }}名党员认领{% endif %}"
              "{% if 参与党员数 %}；作出承诺或认领示范岗的党员共{{ 参与党员数 }}名"
              "{% if 参与率 is not none %}，占党员总数的{{ 参与率|百分比 }}{% endif %}{% endif %}。"),
    (od.BODY, "{%p if 表彰已获评 or 表彰推荐中 or 民主评议 or 测评满意率 is not none %}"),
    (od.HEADING2, "（六）评先树优，民主评议"),
    (od.BODY, "{% if 表彰已获评 %}评选出{% for a in 表彰已获评 %}{{ a.类别 }}{{ a.数量 }}{{ a.量词 }}"
              "{% if not loop.last %}、{% endif %}{% endfor %}{% if 表彰推荐中 %}，另有{% else %}。{% endif %}{% endif %}"
              "{% if 表彰推荐中 %}{% for a in 表彰推荐中 %}{{ a.类别 }}{{ a.数量 }}{{ a.量词 }}"
              "{% if not loop.last %}、{% endif %}{% endfor %}正在推荐中。{% endif %}"
              "{% if 民主评议 %}民主评议党员，{% for r in 民主评议 %}{{ r.等次 }}{{ r.人数 }}名"
              "{% if not loop.last %}、{% endif %}{% endfor %}。{% endif %}"
              "{% if 测评满意率 is not none %}群众民主测评满意率{{ 测评满意率|百分比 }}。{% endif %}"
              "{% if 综合平均得分 is not none %}各党支部综合平均得分{{ 综合平均得分|分 }}分。{% endif %}"),
    (od.BODY, "{%p endif %}"),
    (od.BODY, "{%p if 环比 %}"),
    (od.HEADING2, "（七）与上期相比"),
    (od.BODY, "与{{ 上期 }}相比，{% for c in 环比 %}{{ c.指标 }}{{ c.说法 }}{% if not loop.last %}，{% endif %}{% endfor %}"
              "。"),
    (od.BODY, "{%p endif %}"),
    (od.HEADING1, "三、存在的问题"),
    (od.BODY, "{%p if 兑现率偏低 %}"),
    (od.BODY, "{{ 下级称谓 }}之间承诺兑现进度不平衡。{% for b in 兑现率偏低 %}{{ b.名称 }}（{{ b.值|百分比 }}）"
              "{% if not loop.last %}、{% endif %}{% endfor %}的承诺兑现率低于{{ 辖区 }}水平（{{ 承诺兑现率|百分比 }}）。"),
    (od.BODY, "{%p endif %}"),
    (od.BODY, "{%p if 超期承诺支部 %}"),
    (od.BODY, "部分承诺逾期未兑现。{{ 超期承诺数 }}项承诺已过计划完成日期仍未兑现：{% for b in 超期承诺支部 %}{{ b.名称 }}"
              "{{ b.数量 }}项{% if not loop.last %}、{% endif %}{% endfor %}。"),
    (od.BODY, "{%p endif %}"),
    (od.BODY, "{%p if 参学率偏低 %}"),
    (od.BODY, "{{ 下级称谓 }}之间学习教育参与不够均衡。{% for b in 参学率偏低 %}{{ b.名称 }}（{{ b.值|百分比 }}）"
              "{% if not loop.last %}、{% endif %}{% endfor %}的参学率低于{{ 辖区 }}水平（{{ 参学率|百分比 }}）。"),
    (od.BODY, "{%p endif %}"),
    (od.BODY, "{%p if 超期民情支部 %}"),
    (od.BODY, "部分民情办理不及时。{{ 超期未办结件数 }}件民情超过办结时限仍未办结：{% for b in 超期民情支部 %}{{ b.名称 }}"
              "{{ b.数量 }}件{% if not loop.last %}、{% endif %}{% endfor %}。"),
    (od.BODY, "{%p endif %}"),
    (od.BODY, "{%p if 未报送 or 逾期报送 %}"),
    (od.BODY, "报表报送不够及时。{% if 未报送 %}{{ 未报送|顿号 }}未报送{% endif %}"
              "{% if 逾期报送 %}{% if 未报送 %}；{% endif %}{{ 逾期报送|顿号 }}逾期报送{% endif %}。"),
    (od.BODY, "{%p endif %}"),
    (od.BODY, "{%p if 待核实 %}"),
    (od.BODY, "部分数字待核实。{% for b in 待核实 %}{{ b.名称 }}（{{ b.项目 }}）{% if not loop.last %}、{% endif %}{% endfor %}"
              "的报表有填报错误，相应数字未计入本总结的汇总数字，改正后重新报送再行统计。"),
    (od.BODY, "{%p endif %}"),
    (od.BODY, "{%p if 错误数 or 警告数 %}"),
    (od.BODY, "报表质量有待提高。报送的报表中尚有{% if 错误数 %}填报错误{{ 错误数 }}处{% endif %}"
              "{% if 错误数 and 警告数 %}、{% endif %}{% if 警告数 %}需要核实的问题{{ 警告数 }}处{% endif %}，"
              "涉及{{ 有问题单位|顿号 }}，已通过问题清单退回修改。"),
    (od.BODY, "{%p endif %}"),
    (od.BODY, "{%p if not 有问题 %}"),
    (od.BODY, "本期报表均按时报送，未发现填报错误，承诺和民情均无超期。"),
    (od.BODY, "{%p endif %}"),
    (od.HEADING1, "四、下一步打算"),
    (od.BODY, "一是抓好承诺兑现。督促{% if 超期承诺支部 %}有超期承诺的{{ 下级称谓 }}{% else %}各{{ 下级称谓 }}{% endif %}"
              "对照承诺事项逐项推进，确保按期兑现，兑现情况及时向群众公开。"),
    (od.BODY, "二是抓好民情办理。{% if 超期民情支部 %}对超期未办结的民情逐件明确责任人和时限，限期办结；{% endif %}"
              "完善民情台账，做到件件有登记、事事有回音。"),
    (od.BODY, "三是抓好学习教育。{% if 参学率偏低 %}针对参学率偏低的{{ 下级称谓 }}，采取送学上门、集中补学等办法，{% endif %}"
              "提高党员参学率和学习质量。"),
    (od.BODY, "四是抓好报表质量。对照问题清单督促整改，{% if 未报送 %}催促未报送的{{ 下级称谓 }}尽快报送，{% endif %}"
              "确保下期报表按时、准确报送。"),
    (od.BODY, ""),
    (od.SIGNATURE, "{{ 单位 }}"),
    (od.SIGNATURE, "{{ 成文日期 }}"),
]

# --- 情况通报 --------------------------------------------------------------------------------------

RANK_TABLE = ("排名表", ("排名", "{{ 对象列 }}", "综合得分", "等次"), ("{{ r.排名 }}", "{{ r.名称 }}", "{{ r.综合得分|分 }}",
                                                             "{{ r.等次 }}"), (16, 80, 28, 22))
RANK_TABLE_PREV = ("排名表", ("排名", "{{ 对象列 }}", "综合得分", "等次", "上期排名", "排名变化"),
                   ("{{ r.排名 }}", "{{ r.名称 }}", "{{ r.综合得分|分 }}", "{{ r.等次 }}", "{{ r.上期排名 }}",
                    "{{ r.排名变化|名次 }}"), (13, 60, 22, 15, 23, 23))

NOTICE: list[tuple[str, Any]] = [
    (od.TITLE, "关于{{ 报告期 }}\n创先争优活动情况的通报"),
    (od.ADDRESSEE, "{% if 是汇总 %}各{{ 下级称谓 }}：{% else %}各党支部：{% endif %}"),
    (od.BODY, "按照创先争优活动按季考核、排名通报的要求，{{ 单位 }}对{{ 辖区 }}"
              "{% if 是汇总 %}{{ 下级数 }}个{{ 下级称谓 }}{% else %}{{ 应报数 }}个党支部{% endif %}{{ 报告期 }}的"
              "活动情况进行了汇总考核。现将有关情况通报如下："),
    (od.HEADING1, "一、总体情况"),
    (od.BODY, "本期应报送党支部{{ 应报数 }}个，已报送{{ 已报数 }}个{% if 逾期数 %}（其中逾期报送{{ 逾期数 }}个）{% endif %}"
              "{% if 未报数 %}，未报送{{ 未报数 }}个{% endif %}"
              "{% if 逾期数 is not none and 按时报送率 is not none %}；按时报送{{ 按时数 }}个，"
              "占应报送数的{{ 按时报送率|百分比 }}{% endif %}。"
              "已报送的党支部共有党员{{ 党员数 }}名；作出公开承诺{{ 承诺数 }}项"
              "{% if 承诺兑现率 is not none %}，兑现率{{ 承诺兑现率|百分比 }}{% endif %}；"
              "开展学习活动{{ 活动次数 }}次{% if 参学率 is not none %}，参学率{{ 参学率|百分比 }}{% endif %}；"
              "安排为民办实事项目{{ 办实事项目数 }}个，计划投入资金{{ 投入资金|万元 }}万元；"
              "登记民情{{ 民情件数 }}件{% if 办结率 is not none %}，办结率{{ 办结率|百分比 }}{% endif %}。"
              "{% if 综合平均得分 is not none %}各党支部综合平均得分{{ 综合平均得分|分 }}分"
              "{% if 综合得分变化 is not none %}，比{{ 上期 }}{{ 综合得分变化|升降 }}{% endif %}。{% endif %}"),
    (od.HEADING1, "二、考核排名"),
    (od.BODY, "根据各{{ 下级称谓 }}的“五个好”得分和承诺兑现率、参学率、办结率、民主测评满意率、填报完整率，"
              "计算综合得分并排名{% if 有上期排名 %}，与{{ 上期 }}排名比较{% endif %}，结果如下表。"),
    (od.BODY, "{%p if 有上期排名 %}"),
    RANK_TABLE_PREV,  # type: ignore[list-item]
    (od.BODY, "{%p else %}"),
    RANK_TABLE,  # type: ignore[list-item]
    (od.BODY, "{%p endif %}"),
    (od.BODY, "{%p if 待核实 %}"),
    (od.BODY, "{% if 是汇总 %}{% for b in 待核实 %}{{ b.名称 }}{{ b.项目 }}{% if not loop.last %}、{% endif %}{% endfor %}"
              "的部分数字因填报错误待核实，相应数字未计入汇总。"
              "{% else %}{% for b in 待核实 %}{{ b.名称 }}（{{ b.项目 }}）{% if not loop.last %}、{% endif %}{% endfor %}"
              "的报表有填报错误，括号内的数字待核实，未计入汇总，综合得分待核实的暂不排名，请改正后重新报送。{% endif %}"),
    (od.BODY, "{%p endif %}"),
    (od.BODY, "{%p if 最高等次名单 %}"),
    (od.BODY, "评为“{{ 最高等次 }}”等次的有：{{ 最高等次名单|列举 }}，予以通报表扬。"),
    (od.BODY, "{%p endif %}"),
    (od.BODY, "{%p if 进步较大 %}"),
    (od.BODY, "与{{ 上期 }}相比，排名上升较多的有：{% for b in 进步较大 %}{{ b.名称 }}（上升{{ b.变化 }}位）"
              "{% if not loop.last %}、{% endif %}{% endfor %}。"),
    (od.BODY, "{%p endif %}"),
    (od.BODY, "{%p if 最低等次名单 %}"),
    (od.BODY, "评为“{{ 最低等次 }}”等次的有：{{ 最低等次名单|顿号 }}，请认真查找原因，限期整改。"),
    (od.BODY, "{%p endif %}"),
    (od.HEADING1, "三、存在的问题"),
    (od.BODY, "{%p if 未报送 or 逾期报送 %}"),
    (od.BODY, "报表报送不够及时。{% if 未报送 %}{{ 未报送|顿号 }}未报送报表{% endif %}"
              "{% if 逾期报送 %}{% if 未报送 %}；{% endif %}{{ 逾期报送|顿号 }}逾期报送{% endif %}。"),
    (od.BODY, "{%p endif %}"),
    (od.BODY, "{%p if 偏低等次名单 %}"),
    (od.BODY, "部分{{ 下级称谓 }}综合得分较低。{% for g in 偏低等次名单 %}{{ g.名称|顿号 }}评为“{{ g.等次 }}”等次"
              "{% if not loop.last %}，{% endif %}{% endfor %}，请对照排名表查找差距。"),
    (od.BODY, "{%p endif %}"),
    (od.BODY, "{%p if 兑现率偏低 %}"),
    (od.BODY, "部分{{ 下级称谓 }}承诺兑现率偏低：{% for b in 兑现率偏低 %}{{ b.名称 }}{{ b.值|百分比 }}"
              "{% if not loop.last %}、{% endif %}{% endfor %}（{{ 辖区 }}为{{ 承诺兑现率|百分比 }}）。"),
    (od.BODY, "{%p endif %}"),
    (od.BODY, "{%p if 超期承诺支部 %}"),
    (od.BODY, "承诺超期未兑现{{ 超期承诺数 }}项。{% for b in 超期承诺支部 %}{{ b.名称 }}{{ b.数量 }}项"
              "{% if b.事项 %}（{{ b.事项|顿号 }}）{% endif %}{% if not loop.last %}；{% endif %}{% endfor %}。"),
    (od.BODY, "{%p endif %}"),
    (od.BODY, "{%p if 超期民情支部 %}"),
    (od.BODY, "民情超期未办结{{ 超期未办结件数 }}件。{% for b in 超期民情支部 %}{{ b.名称 }}{{ b.数量 }}件"
              "{% if b.事项 %}（{{ b.事项|顿号 }}）{% endif %}{% if not loop.last %}；{% endif %}{% endfor %}。"),
    (od.BODY, "{%p endif %}"),
    (od.BODY, "{%p if not 有问题 %}"),
    (od.BODY, "本期报表均按时报送，未发现填报错误，承诺和民情均无超期。"),
    (od.BODY, "{%p endif %}"),
    (od.BODY, "{%p if 整改 %}"),
    (od.HEADING1, "四、整改要求"),
    (od.BODY, "下列{{ 下级称谓 }}请于下季度报送前整改到位："),
    (od.BODY, "{%p for b in 整改 %}"),
    (od.BODY, "{{ b.名称 }}：{{ b.要求|join(\"；\") }}。"),
    (od.BODY, "{%p endfor %}"),
    (od.BODY, "{%p endif %}"),
    (od.BODY, "{% if 最高等次名单 %}希望受到表扬的{{ 下级称谓 }}再接再厉，发挥示范带动作用；其他{% else %}各{% endif %}"
              "{{ 下级称谓 }}要对照本通报查找差距，认真整改，推动创先争优活动扎实开展。"),
    (od.BODY, ""),
    (od.SIGNATURE, "{{ 单位 }}"),
    (od.SIGNATURE, "{{ 成文日期 }}"),
]


# --- 支部点评（草稿）: one page per branch (seed 004's 领导点评: 肯定成绩，指出问题和努力方向，督促整改) ---------

COMMENTS: list[tuple[str, Any]] = [
    (od.BODY, "{%p for b in 点评 %}"),
    (PAGE_TITLE, "{{ b.名称 }}"),
    (TIGHT_SUBTITLE, "{{ 报告期 }}创先争优活动点评"),
    (od.BODY, "{{ 报告期 }}，{{ b.名称 }}有党员{{ b.党员数 }}名，开展学习活动{{ b.活动次数 }}次"
              "{% if b.参学率 %}，参学率{{ b.参学率 }}{% endif %}；作出公开承诺{{ b.承诺数 }}项"
              "{% if b.承诺兑现率 %}，兑现率{{ b.承诺兑现率 }}{% endif %}；登记民情{{ b.民情件数 }}件"
              "{% if b.办结率 %}，办结率{{ b.办结率 }}{% endif %}；为民办实事{{ b.办实事项目数 }}件"
              "{% if b.待核实 %}（{{ b.待核实|顿号 }}因填报错误待核实）{% endif %}。"
              "{% if b.排名 %}综合得分{{ b.综合得分 }}分，在{{ 辖区 }}{{ 排名数 }}个参加排名的党支部中排第{{ b.排名 }}位，"
              "评为“{{ b.等次 }}”等次。{% elif b.综合得分 %}综合得分{{ b.综合得分 }}分，因部分数字待核实，暂不排名。{% endif %}"),
    (RUN_IN, "一、取得的成绩。|{% if b.成绩 %}{{ b.成绩|join(\"；\") }}。{% else %}本期主要指标未明显高于{{ 辖区 }}水平，"
             "还需努力。{% endif %}"),
    (RUN_IN, "二、存在的问题。|{% if b.问题 %}{% for q in b.问题 %}{% if b.问题|length > 1 %}{{ loop.index }}．{% endif %}"
             "{{ q.问题 }}{% if q.内容 %}（{{ q.内容|顿号 }}）{% endif %}{% if loop.last %}。{% else %}；{% endif %}{% endfor %}"
             "{% else %}本期未发现明显问题。{% endif %}"),
    (RUN_IN, "三、整改要求。|{% if b.问题 %}{% for q in b.问题 %}{% if b.问题|length > 1 %}{{ loop.index }}．{% endif %}"
             "{{ q.要求 }}，{{ q.期限 }}前完成{% if loop.last %}。{% else %}；{% endif %}{% endfor %}"
             "{% else %}希望保持成绩，再接再厉，发挥示范带动作用。{% endif %}"),
    (od.BODY, "{%p if b.跟进 %}"),
    (RUN_IN, "四、上期整改落实情况。|{% for x in b.跟进 %}“{{ x.要求 }}”{{ x.跟进 }}{% if x.当时 and x.本期 %}"
             "（{{ x.指标 }}由{{ x.当时 }}到{{ x.本期 }}）{% endif %}{% if loop.last %}。{% else %}；{% endif %}{% endfor %}"),
    (od.BODY, "{%p endif %}"),
    (od.SIGNATURE, "{{ 单位 }}"),
    (od.SIGNATURE, "{{ 成文日期 }}"),
    (od.BODY, "{%p endfor %}"),
]


def _table(doc: Any, spec: tuple[str, tuple[str, ...], tuple[str, ...], tuple[float, ...]]) -> None:
    rows_var, headers, cells, widths = spec
    first = [f"{{%tr for r in {rows_var} %}}", *[""] * (len(headers) - 1)]
    last = ["{%tr endfor %}", *[""] * (len(headers) - 1)]
    od.add_table(doc, list(headers), [first, list(cells), last], list(widths))


def build(paragraphs: list[tuple[str, Any]], title: str, mark: str) -> Any:
    """A template document from (style, text) paragraphs and table specs."""
    doc = od.new_document(title=title, author="cxzy_xl", mark=mark)
    body = doc.paragraphs[0] if doc.paragraphs else None
    for item in paragraphs:
        if len(item) == 4:
            _table(doc, item)  # type: ignore[arg-type]
            continue
        style, text = item
        if style == RUN_IN:
            head, rest = text.split("|", 1)
            p = doc.add_paragraph(style=doc.styles[od.BODY])
            od.set_font(p.add_run(head), od.HEADING1_FONT)
            p.add_run(rest)
            continue
        if style == TIGHT_SUBTITLE:
            p = doc.add_paragraph(text, style=doc.styles[od.SUBTITLE])
            p.paragraph_format.space_after = 0
            continue
        if style == PAGE_TITLE:
            p = doc.add_paragraph(text, style=doc.styles[od.TITLE])
            p.paragraph_format.page_break_before = True
            continue
        doc.add_paragraph(text, style=doc.styles[style])
    if body is not None and not body.text:
        body._p.getparent().remove(body._p)
    return doc


def build_all() -> dict[str, Any]:
    return {SUMMARY_TEMPLATE: build(SUMMARY, "{{ 单位 }}{{ 报告期 }}创先争优活动工作总结（草稿）", SUMMARY_MARK),
            NOTICE_TEMPLATE: build(NOTICE, "关于{{ 报告期 }}创先争优活动情况的通报", NOTICE_MARK),
            COMMENT_TEMPLATE: build(COMMENTS, "{{ 单位 }}{{ 报告期 }}创先争优活动支部点评（草稿）", COMMENT_MARK)}


def main(argv: list[str] | None = None) -> int:
    """Write the templates into the package and into ``workbooks/``."""
    for folder in (PACKAGE_TEMPLATES, WORKBOOKS):
        folder.mkdir(parents=True, exist_ok=True)
        for name, doc in build_all().items():
            doc.save(str(folder / name))
            print(folder / name)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
