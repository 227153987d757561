"""Where outputs go and how they get there: safe file names, atomic writes, and what happens when the
disk says no. Every workbook the library writes (templates, registry, result, problem list, feedback)
goes through :func:`atomic`, so the rules below hold for all of them.

Rules:

- A file is written to a temporary name beside the target and renamed over it, so a reader never sees
  half a workbook and an interrupted run leaves nothing behind.
- ``replace=True`` (the caller named the path, as with ``-o`` or in a notebook): an existing file is replaced.
  ``replace=False`` (the library chose the name): only a file we wrote and nobody saved since is
  replaced (our mark in its document properties and 最后修改者 still ``cxzy_xl``); any other file is
  kept and ours is saved beside it as ``名称（2）.xlsx``.
- A target that cannot be replaced although its folder is writable (Excel/WPS has it open on Windows)
  gets the same treatment: saved beside it, and an :class:`OutputNotice` says so.
- Anything else the disk refuses (read-only folder, disk full, path too long) raises :class:`WriteRefused`
  with a Chinese message naming the file and what to do.
- Paths longer than :data:`LONG_PATH` characters are still written (POSIX allows them) with a notice,
  because Windows and Excel refuse them.
"""

from __future__ import annotations

import errno
import os
import tempfile
import unicodedata
import warnings
import zipfile
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from defusedxml import ElementTree
from python_calamine import CalamineWorkbook

from .schema import META_SHEET

AUTHOR = "cxzy_xl"
FEEDBACK_ID = "cxzy-feedback"
NAME_BYTES = 200  # UTF-8 bytes of a file name; leaves room under the usual 255 for a （2） suffix
LONG_PATH = 250  # Windows' MAX_PATH is 260 including the drive and terminator; Excel refuses longer
FORBIDDEN = set('\\/:*?"<>|')
RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"{p}{n}" for p in ("COM", "LPT") for n in "0123456789¹²³")}
TMP_PREFIX = ".cxzy-"


class WriteRefused(Exception):
    """A file could not be written; ``str(exc)`` is a Chinese message for the user."""

    def __init__(self, path: str | os.PathLike[str], reason: str) -> None:
        self.path = Path(path)
        self.reason = reason
        super().__init__(f"无法写入 {self.path}：{reason}")


class OutputNotice(UserWarning):
    """Something the user should know about a file that *was* written (saved beside, long path)."""


def safe_filename(text: str, suffix: str = ".xlsx", limit: int = NAME_BYTES) -> str:
    """A file name from text typed into cells: control characters (Alt+Enter line breaks, tabs) removed,
    ``\\/:*?"<>|`` replaced by ``_``, no trailing dots or spaces, no Windows reserved name, and at most
    ``limit`` UTF-8 bytes with ``suffix`` kept whole."""
    stem = "".join("" if unicodedata.category(c) in ("Cc", "Zl", "Zp") else "_" if c in FORBIDDEN else c
                   for c in text).strip()
    stem = stem.rstrip(". ")
    room = max(limit - len(suffix.encode("utf-8")), 1)
    if len(stem.encode("utf-8")) > room:
        stem = stem.encode("utf-8")[:room].decode("utf-8", "ignore").rstrip(". ")
    if not stem:
        stem = "未命名"
    if stem.split(".")[0].rstrip(" ").upper() in RESERVED:
        stem = "_" + stem
    return stem + suffix


def numbered(path: Path, n: int) -> Path:
    """``名称.xlsx`` → ``名称（n）.xlsx``: how Windows itself names a second copy, in full-width brackets."""
    return path.with_name(f"{path.stem}（{n}）{path.suffix}")


class NameSet:
    """Names claimed in one run: a second claim of the same name, also differing only in case (Windows
    and macOS folders ignore case), gets ``（2）``, ``（3）``…"""

    def __init__(self) -> None:
        self._taken: set[str] = set()

    def claim(self, name: str) -> str:
        path, n = Path(name), 1
        candidate = name
        while candidate.casefold() in self._taken:
            n += 1
            candidate = numbered(path, n).name
        self._taken.add(candidate.casefold())
        return candidate


def _core_properties(path: Path) -> str:
    try:
        with zipfile.ZipFile(path) as z:
            return z.read("docProps/core.xml").decode("utf-8", "replace")
    except (OSError, KeyError, zipfile.BadZipFile, RuntimeError):
        return ""


def is_ours(path: str | os.PathLike[str], mark: str) -> bool:
    """A workbook we wrote with ``mark`` and nobody has saved since (Excel, WPS and LibreOffice put the
    user's name into 最后修改者 when they save)."""
    core = _core_properties(Path(path))
    try:
        root = ElementTree.fromstring(core) if core else None
    except (ElementTree.ParseError, ValueError):
        root = None
    if root is None:
        return False
    # by namespace, not by prefix or layout: openpyxl with lxml declares the namespace on each element
    desc = root.findtext("{http://purl.org/dc/elements/1.1/}description") or ""
    by = root.findtext("{http://schemas.openxmlformats.org/package/2006/metadata/core-properties}lastModifiedBy")
    if desc.startswith(mark) and by == AUTHOR:
        return True
    # A workbook written by rust_xlsxwriter (the 明细表) has no author and no description to mark it: it
    # is ours while it was never saved (modified is still created, nobody in 最后修改者) and its _meta
    # says so. Excel, WPS and LibreOffice all stamp a new modified time when they save.
    terms = "{http://purl.org/dc/terms/}"
    created, modified = root.findtext(f"{terms}created"), root.findtext(f"{terms}modified")
    return not desc and not by and bool(created) and created == modified and meta_mark(path) == mark


def meta_mark(path: str | os.PathLike[str]) -> str:
    """The template id in a workbook's ``_meta`` sheet (A1 ``template_id``, B1 the id), or "" (none, or
    a file that cannot be read as a workbook)."""
    try:
        rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name(META_SHEET).to_python(nrows=1)
    except Exception:  # noqa: BLE001 - any workbook we cannot read is not ours
        return ""
    return str(rows[0][1]) if rows and len(rows[0]) > 1 and rows[0][0] == "template_id" else ""


def _reason(exc: BaseException) -> str:
    code = getattr(exc, "errno", None)
    if code in (errno.ENOSPC, getattr(errno, "EDQUOT", -1)):
        return "磁盘空间不足。请清理磁盘或换一个磁盘后重试。"
    if code == errno.ENAMETOOLONG or getattr(exc, "winerror", None) == 206:
        return "路径或文件名太长。请换一个较短的文件夹（例如 D:\\汇总）后重试。"
    if isinstance(exc, PermissionError) or code in (errno.EACCES, errno.EPERM, errno.EROFS):
        return "没有写入权限（文件夹只读，或文件正被Excel/WPS打开）。请关闭该文件，或换一个文件夹后重试。"
    return f"{getattr(exc, 'strerror', None) or exc}。请检查磁盘和文件夹后重试。"


class PlacementRefused(ValueError):
    """An output placed where it must not go (into the inbox, over an input); ``str(exc)`` is a Chinese
    message for the user, and nothing has been written."""


def inside(path: str | os.PathLike[str], folder: str | os.PathLike[str]) -> bool:
    """``path`` is ``folder`` or lies within it (links and ``..`` resolved)."""
    target, root = Path(path).resolve(), Path(folder).resolve()
    return target == root or root in target.parents


def refuse_placement(outputs: Iterable[str | os.PathLike[str] | None], *, inbox: str | os.PathLike[str] | None = None,
                     inbox_name: str = "收件箱",
                     inputs: Mapping[str, Iterable[str | os.PathLike[str]]] | None = None) -> None:
    """The one rule for where outputs may go: never into an inbox (the next run would read them as
    submissions) and never over an input. Raises :class:`PlacementRefused` naming the first output
    that breaks it; ``inputs`` maps what an input is called (支部名单, 上期汇总表…) to its paths."""
    for out in outputs:
        if out is None:
            continue
        if inbox is not None and inside(out, inbox):
            raise PlacementRefused(f"输出位置 {out} 在{inbox_name}内，请换一个位置")
        target = Path(out).resolve()
        for name, paths in (inputs or {}).items():
            if any(target == Path(p).resolve() for p in paths):
                raise PlacementRefused(f"输出文件不能是{name}本身")


def refused(path: str | os.PathLike[str], exc: OSError) -> WriteRefused:
    """The WriteRefused for an OSError met while preparing an output (a folder, a small text file)."""
    return WriteRefused(path, _reason(exc))


def _os_error(exc: BaseException) -> OSError | None:
    """The OSError behind an exception: xlsxwriter wraps its own as FileCreateError(original)."""
    if isinstance(exc, OSError):
        return exc
    for inner in (*getattr(exc, "args", ())[:1], exc.__cause__, exc.__context__):
        if isinstance(inner, OSError):
            return inner
    return None


def long_path_notice(path: Path) -> None:
    full = str(path.absolute())
    if len(full) > LONG_PATH:
        warnings.warn(OutputNotice(f"路径长 {len(full)} 个字符，超过 {LONG_PATH} 个：Windows 和 Excel 可能打不开 {full}。"
                                   "请换一个较短的文件夹。"), stacklevel=3)


@dataclass
class Target:
    """What :func:`atomic` yields: draw into ``tmp``; afterwards ``path`` is where the file really is."""

    tmp: Path
    path: Path


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _free_beside(path: Path) -> Path:
    n = 2
    while numbered(path, n).exists():
        n += 1
    return numbered(path, n)


@contextmanager
def atomic(path: str | os.PathLike[str], *, replace: bool = True, mark: str = "",
           what: str = "文件") -> Iterator[Target]:
    """Write a file atomically: ``with atomic(p) as t: save_to(t.tmp)``; then ``t.path`` is the file.
    ``what`` names the kind of file in notices (汇总表, 反馈表…). See the module's rules."""
    final = Path(path)
    long_path_notice(final)
    try:
        final.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(suffix=final.suffix, prefix=TMP_PREFIX, dir=final.parent)
        os.close(fd)
    except OSError as exc:
        raise refused(final, exc) from exc
    tmp = Path(name)
    target = Target(tmp, final)
    try:
        try:
            yield target
            os.chmod(tmp, 0o666 & ~_umask())
        except Exception as exc:
            err = _os_error(exc)
            if err is None:
                raise
            raise WriteRefused(final, _reason(err)) from exc
        try:
            if final.exists() and not replace and not (mark and is_ours(final, mark)):
                target.path = _free_beside(final)
                warnings.warn(OutputNotice(f"{final.name} 已存在且不是本工具生成（或已被修改过），未覆盖；"
                                           f"{what}另存为 {target.path}"), stacklevel=3)
            os.replace(tmp, target.path)
        except PermissionError as exc:
            # the folder took the temporary file, so it is the target that is locked (open in Excel/WPS)
            target.path = _free_beside(final)
            try:
                os.replace(tmp, target.path)
            except OSError as again:
                raise WriteRefused(final, _reason(again)) from exc
            warnings.warn(OutputNotice(f"{final.name} 正被Excel/WPS打开（或只读），无法覆盖；"
                                       f"{what}已另存为 {target.path}"), stacklevel=3)
        except OSError as exc:
            raise WriteRefused(final, _reason(exc)) from exc
    finally:
        if tmp.exists():
            tmp.unlink()
