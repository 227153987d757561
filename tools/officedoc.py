"""The official-document layout (GB/T 9704-2012, 党政机关公文格式) of the written outputs, in one place.

A4; margins top 37 mm, bottom 35 mm, left 28 mm, right 26 mm; the title in 2号 方正小标宋简体; the body
in 3号 仿宋_GB2312 at a fixed line pitch that gives 22 lines a page; first-level headings 黑体,
second-level 楷体_GB2312; page numbers "— 1 —" in 4号 宋体 at the foot, odd pages on the right and
even pages on the left, one character in from the edge.

The layout lives in the Word templates' styles (:func:`new_document` makes them), so text an office
rewords in Word or WPS keeps it. The 方正 and _GB2312 faces are often not installed (Windows 10 has
仿宋 and 楷体 instead): the font table names a fallback for each, which Word and WPS take when the
named face is missing, and LibreOffice's own substitution table maps the same names.
"""

from __future__ import annotations

from typing import Any

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Mm, Pt
from lxml import etree

# 字号 in points
SIZE_2, SIZE_3, SIZE_4, SIZE_SMALL_4 = Pt(22), Pt(16), Pt(14), Pt(12)
# 22 lines in the 225 mm between the margins (637.8 pt); 28.9 pt leaves Word's rounding room
LINE = Pt(28.9)
TABLE_LINE = Pt(20)

TITLE_FONT, BODY_FONT, HEADING1_FONT, HEADING2_FONT, PAGE_FONT = "方正小标宋简体", "仿宋_GB2312", "黑体", "楷体_GB2312", "宋体"
# name → (what to use when it is missing, its Western name); charset 86 is GB2312
FALLBACKS: dict[str, tuple[str, str]] = {
    "方正小标宋简体": ("宋体", "FZXiaoBiaoSong-B05S"),
    "仿宋_GB2312": ("仿宋", "FangSong_GB2312"),
    "楷体_GB2312": ("楷体", "KaiTi_GB2312"),
    "仿宋": ("FangSong", "FangSong"),
    "楷体": ("KaiTi", "KaiTi"),
    "黑体": ("SimHei", "SimHei"),
    "宋体": ("SimSun", "SimSun"),
}

# paragraph styles of the written outputs
TITLE, SUBTITLE, ADDRESSEE, BODY, HEADING1, HEADING2, SIGNATURE, TABLE_TEXT, TABLE_HEAD, PAGE = (
    "公文标题", "副标题", "主送机关", "公文正文", "一级标题", "二级标题", "落款", "表格文字", "表格表头", "页码")


def set_font(rpr_owner: Any, east_asia: str, western: str = "Times New Roman") -> None:
    """Fonts of a style or run: ``east_asia`` for Chinese text, ``western`` for digits and Latin
    letters (the usual practice in 公文: Arabic numerals in Times New Roman)."""
    rpr = rpr_owner.element.get_or_add_rPr() if hasattr(rpr_owner, "element") else rpr_owner
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in ("w:ascii", "w:hAnsi", "w:cs"):
        fonts.set(qn(attr), western)
    fonts.set(qn("w:eastAsia"), east_asia)
    for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(theme), None)


def _paragraph_style(doc: Any, name: str, font: str, size: Any, *, align: Any = WD_ALIGN_PARAGRAPH.JUSTIFY,
                     indent: bool = False, line: Any = LINE, bold: bool = False, keep: bool = False) -> Any:
    st = doc.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    st.base_style = doc.styles["Normal"]
    st.quick_style = True
    st.font.size = size
    st.font.bold = bold
    set_font(st, font)
    pf = st.paragraph_format
    pf.alignment = align
    pf.space_before = pf.space_after = Pt(0)
    pf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    pf.line_spacing = line
    pf.first_line_indent = Pt(size.pt * 2) if indent else Pt(0)
    pf.widow_control = True
    pf.keep_with_next = keep
    return st


def _font_table(doc: Any) -> None:
    """Declare each face with its fallback (w:altName) in the font table."""
    part = next(p for p in doc.part.package.iter_parts() if str(p.partname) == "/word/fontTable.xml")
    table = parse_xml(part.blob)
    for name, (alt, _western) in FALLBACKS.items():
        for old in table.findall(qn("w:font")):
            if old.get(qn("w:name")) == name:
                table.remove(old)
        table.append(parse_xml(
            f'<w:font {nsdecls("w")} w:name="{name}"><w:altName w:val="{alt}"/><w:charset w:val="86"/>'
            f'<w:family w:val="{"modern" if name != "黑体" else "swiss"}"/><w:pitch w:val="variable"/></w:font>'))

    part._blob = etree.tostring(table, xml_declaration=True, encoding="UTF-8", standalone=True)


def _doc_defaults(doc: Any) -> None:
    """Chinese as the East Asian language and 仿宋 as the default face, so that nothing falls back to
    the template theme's Japanese face."""
    rpr = doc.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    set_font(rpr, BODY_FONT)
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    lang.set(qn("w:val"), "en-US")
    lang.set(qn("w:eastAsia"), "zh-CN")


def _page_number(paragraph: Any) -> None:
    """“— 1 —”: a PAGE field between two em dashes (the field is how Word, WPS and LibreOffice number
    pages; python-docx has no call for it)."""
    def run(text: str = "") -> Any:
        r = paragraph.add_run(text)
        set_font(r, PAGE_FONT, PAGE_FONT)
        r.font.size = SIZE_4
        return r

    run("— ")
    for kind in ("begin", None, "separate", "1", "end"):
        r = run()
        if kind is None:
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = " PAGE "
            r._r.append(instr)
        elif kind == "1":
            r.text = "1"
        else:
            fld = OxmlElement("w:fldChar")
            fld.set(qn("w:fldCharType"), kind)
            r._r.append(fld)
    run(" —")


def new_document(title: str = "", author: str = "", mark: str = "") -> Any:
    """An empty document with the GB/T 9704 page, styles and page numbers."""
    doc = Document()
    sec = doc.sections[0]
    sec.orientation = WD_ORIENT.PORTRAIT
    sec.page_width, sec.page_height = Mm(210), Mm(297)
    sec.top_margin, sec.bottom_margin, sec.left_margin, sec.right_margin = Mm(37), Mm(35), Mm(28), Mm(26)
    sec.header_distance = Mm(15)
    # the page number's top 7 mm below the text's last line
    sec.footer_distance = Mm(35 - 7) - SIZE_4
    _doc_defaults(doc)
    normal = doc.styles["Normal"]
    set_font(normal, BODY_FONT)
    normal.font.size = SIZE_3
    _paragraph_style(doc, TITLE, TITLE_FONT, SIZE_2, align=WD_ALIGN_PARAGRAPH.CENTER, line=Pt(35), keep=True)
    subtitle = _paragraph_style(doc, SUBTITLE, HEADING2_FONT, SIZE_3, align=WD_ALIGN_PARAGRAPH.CENTER, keep=True)
    # “标题下空一行”: a line's room between the title (or the 草稿 line under it) and what follows
    subtitle.paragraph_format.space_after = LINE
    addressee = _paragraph_style(doc, ADDRESSEE, BODY_FONT, SIZE_3)
    addressee.paragraph_format.space_before = LINE
    _paragraph_style(doc, BODY, BODY_FONT, SIZE_3, indent=True)
    _paragraph_style(doc, HEADING1, HEADING1_FONT, SIZE_3, indent=True, keep=True)
    _paragraph_style(doc, HEADING2, HEADING2_FONT, SIZE_3, indent=True, keep=True)
    sign = _paragraph_style(doc, SIGNATURE, BODY_FONT, SIZE_3, align=WD_ALIGN_PARAGRAPH.RIGHT)
    sign.paragraph_format.right_indent = Pt(SIZE_3.pt * 2)  # 右空二字 (no seal)
    _paragraph_style(doc, TABLE_TEXT, BODY_FONT, SIZE_SMALL_4, align=WD_ALIGN_PARAGRAPH.CENTER, line=TABLE_LINE)
    _paragraph_style(doc, TABLE_HEAD, HEADING1_FONT, SIZE_SMALL_4, align=WD_ALIGN_PARAGRAPH.CENTER, line=TABLE_LINE)
    page = _paragraph_style(doc, PAGE, PAGE_FONT, SIZE_4, line=Pt(18))
    page.paragraph_format.right_indent = page.paragraph_format.left_indent = SIZE_4  # one character in
    _font_table(doc)
    doc.settings.odd_and_even_pages_header_footer = True
    odd = sec.footer.paragraphs[0]
    odd.style = doc.styles[PAGE]
    odd.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    _page_number(odd)
    even = sec.even_page_footer.paragraphs[0]
    even.style = doc.styles[PAGE]
    even.alignment = WD_ALIGN_PARAGRAPH.LEFT
    _page_number(even)
    props = doc.core_properties
    props.title, props.author, props.comments = title, author, mark
    props.last_modified_by = author
    props.language = "zh-CN"
    return doc


def add_table(doc: Any, headers: list[str], rows: list[list[str]], widths_mm: list[float]) -> Any:
    """A ruled table in 小四 with a 黑体 header row repeated on every page it runs over."""
    table = doc.add_table(rows=1 + len(rows), cols=len(headers))
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    for c, w in enumerate(widths_mm):  # the grid's widths are what LibreOffice and WPS go by
        table.columns[c].width = Mm(w)
    for r, values in enumerate([headers, *rows]):
        cells = table.rows[r].cells
        for c, text in enumerate(values):
            cells[c].width = Mm(widths_mm[c])
            p = cells[c].paragraphs[0]
            p.style = doc.styles[TABLE_HEAD if r == 0 else TABLE_TEXT]
            p.add_run(text)
    head = table.rows[0]._tr.get_or_add_trPr()
    head.append(OxmlElement("w:tblHeader"))
    return table


__all__ = ["ADDRESSEE", "BODY", "HEADING1", "HEADING2", "SIGNATURE", "SUBTITLE", "TABLE_HEAD", "TABLE_TEXT", "TITLE",
           "add_table", "new_document", "set_font"]
