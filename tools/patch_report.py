"""Correct what Allure 3.18's report page shows wrongly, in the generated report (the page's script).

Usage: python tools/patch_report.py REPORT_DIR

- The "Results N" tab counts every environment's results even when the Environment filter selects one (the
  summary below it says "Total 169", the tab "Results 338"). The tab reads the overall statistic; the patch makes
  it read the selected environment's, as the summary does.

The patch replaces one exact piece of Allure's minified script (pinned: allure 3.18.0 in package.json). When an
upgrade changes that piece, nothing is replaced and this tool says so (exit 0: the report is still right
otherwise); tests/report/test_browser.py then fails on the count, and the patch needs redoing or dropping.
"""

from __future__ import annotations

import sys
from pathlib import Path

# (what Allure 3.18.0 writes, what it should say, why)
PATCHES = (
    ('(0,F.Y)(p.x_,{source:j.xD,renderData:t=>(0,F.FD)(a,{id:Pc.Results,children:[e("results")," ",'
     '(0,F.Y)(p.ph,{count:t?.total??0})]})})',
     '(0,F.Y)(p.x_,{source:j.xD,renderData:t=>(0,F.FD)(a,{id:Pc.Results,children:[e("results")," ",'
     '(0,F.Y)(p.ph,{count:(U.hf.value?j.JC.value.data[U.hf.value]?.total:t?.total)??0})]})})',
     "the Results tab counts the selected environment's results"),
)


def patch(report_dir: Path) -> list[str]:
    """Apply the patches; returns what could not be applied."""
    missing = []
    scripts = sorted(report_dir.glob("app-*.js"))
    for old, new, why in PATCHES:
        applied = False
        for script in scripts:
            text = script.read_text(encoding="utf-8")
            if new in text:
                applied = True
            elif old in text:
                script.write_text(text.replace(old, new), encoding="utf-8")
                applied = True
        if not applied:
            missing.append(why)
    return missing


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    for why in patch(Path(argv[1])):
        print(f"warning: Allure's page script changed; not patched: {why}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
