"""The obvious pandas approach the benchmark compares against: read every sheet of every workbook with
pd.read_excel, concatenate per sheet, count rows per branch, write the result with to_excel."""

import sys
from pathlib import Path

import pandas as pd


def main(inbox: str, out: str) -> None:
    frames: dict[str, list[pd.DataFrame]] = {}
    for path in sorted(Path(inbox).glob("*.xlsx")):
        sheets = pd.read_excel(path, sheet_name=None, header=1)
        code = path.stem.split("_")[0]
        for name, df in sheets.items():
            frames.setdefault(name, []).append(df.assign(党组织编码=code))
    with pd.ExcelWriter(out) as writer:
        for name, parts in frames.items():
            df = pd.concat(parts, ignore_index=True)
            counts = df.groupby("党组织编码").size().rename("行数").reset_index()
            counts.to_excel(writer, sheet_name=name[:31], index=False)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
