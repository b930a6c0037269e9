"""The README and the guides link only to files in the repository, which is all a clone has: every
relative link or image resolves to a file (or folder) of the repository without climbing out of
it, and every #anchor names a heading of the page it points at. Web links (http, https, mailto)
are not checked; any other scheme (file:…) leaves the repository. A path written as code is not
a link, but one that climbs out of the repository (`../shared/…`) is refused as well: the
reader of a clone cannot follow it either."""

import os
import re
from pathlib import Path
from urllib.parse import unquote

ROOT = Path(__file__).resolve().parents[2]

# [text](target "title") and ![alt](target); the text may hold one level of brackets.
INLINE_LINK = re.compile(
    r"!?\[(?:[^\[\]]|\[[^\[\]]*\])*\]\(\s*(<[^>]*>|[^\s)]+)(?:\s+\"[^\"]*\")?\s*\)"
)
REFERENCE_LINK = re.compile(r"^ {0,3}\[[^\]]+\]:\s*(<[^>]*>|\S+)", re.MULTILINE)
HTML_LINK = re.compile(r"""\b(?:href|src)\s*=\s*["']([^"']+)["']""")
HTML_ANCHOR = re.compile(r"""<a\s[^>]*\b(?:id|name)\s*=\s*["']([^"']+)["']""")
FENCED_BLOCK = re.compile(r"^ {0,3}(`{3,}|~{3,}).*?^ {0,3}\1[`~]*[ \t]*$", re.MULTILINE | re.DOTALL)
CODE_SPAN = re.compile(r"(`+)(?:(?!\1).)+?\1", re.DOTALL)
HEADING = re.compile(r"^ {0,3}#{1,6}[ \t]+(.+?)[ \t]*#*[ \t]*$", re.MULTILINE)
SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")
WEB_SCHEMES = ("http:", "https:", "mailto:")


def documents(root: Path) -> list[Path]:
    """The pages checked: the README and every Markdown page under docs/."""
    return [root / "README.md", *sorted((root / "docs").glob("*.md"))]


def _blank(match: re.Match) -> str:
    """Code is not a link: blanked out, keeping the line breaks so line numbers stay right."""
    return re.sub(r"[^\n]", " ", match.group(0))


def prose_of(text: str) -> str:
    return CODE_SPAN.sub(_blank, FENCED_BLOCK.sub(_blank, text))


def links_in(text: str) -> list[tuple[int, str]]:
    """(line, target) of every link and image outside code, in order."""
    prose = prose_of(text)
    found = []
    for pattern in (INLINE_LINK, REFERENCE_LINK, HTML_LINK):
        for match in pattern.finditer(prose):
            target = match.group(1).strip("<>")
            found.append((prose.count("\n", 0, match.start()) + 1, target))
    return sorted(found)


def code_paths_in(text: str) -> list[tuple[int, str]]:
    """(line, path) of every code span outside code blocks that starts with "../"."""
    prose = FENCED_BLOCK.sub(_blank, text)
    found = []
    for match in CODE_SPAN.finditer(prose):
        words = match.group(0).strip("`").split()
        if words and words[0].startswith("../"):
            found.append((prose.count("\n", 0, match.start()) + 1, words[0]))
    return found


def _outside(root: Path, path: Path) -> bool:
    return path != root and root not in path.parents


def github_slug(heading: str) -> str:
    """The anchor GitHub gives a heading: its text lower-cased, punctuation dropped (letters of
    any script, digits, "_", "-" and spaces stay), spaces made hyphens."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link's text stays
    text = text.replace("`", "").strip().lower()
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def anchors_of(page: Path) -> set[str]:
    text = page.read_text(encoding="utf-8")
    anchors, seen = set(), {}
    for match in HEADING.finditer(FENCED_BLOCK.sub(_blank, text)):
        slug = github_slug(match.group(1))
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        anchors.add(slug if count == 0 else f"{slug}-{count}")
    anchors.update(HTML_ANCHOR.findall(text))
    return anchors


def _link_problem(root: Path, page: Path, target: str) -> str | None:
    """Why the link ``target`` on ``page`` cannot be followed in a clone; None when it can."""
    if target.lower().startswith(WEB_SCHEMES) or target.startswith("//"):
        return None
    if SCHEME.match(target):
        return "leaves the repository"
    path_part, _hash, anchor = target.partition("#")
    path_part = unquote(path_part)
    destination = page
    if path_part:
        base = root if path_part.startswith("/") else page.parent
        destination = Path(os.path.normpath(base / path_part.lstrip("/")))
        if _outside(root, destination):
            return "leaves the repository"
        if not destination.exists():
            return "names no file in the repository"
    if anchor and destination.suffix == ".md" and unquote(anchor) not in anchors_of(destination):
        return f"names no heading of {destination.name}"
    return None


def link_problems(root: Path) -> list[str]:
    """One line per link that leaves the repository, finds nothing or names a missing heading,
    and per path in code that climbs out of it; by page and line."""
    root = Path(os.path.normpath(root))
    problems = []
    for page in documents(root):
        name = page.relative_to(root).as_posix()
        text = page.read_text(encoding="utf-8")
        found = [
            (line, f"`{path}` is outside the repository")
            for line, path in code_paths_in(text)
            if _outside(root, Path(os.path.normpath(page.parent / path)))
        ]
        for line, target in links_in(text):
            if (problem := _link_problem(root, page, target)) is not None:
                found.append((line, f"({target}) {problem}"))
        problems += [f"{name}:{line}: {problem}" for line, problem in sorted(found)]
    return problems


def test_the_readme_and_the_guides_link_only_to_files_in_the_repository():
    pages = {page.relative_to(ROOT).as_posix() for page in documents(ROOT)}
    assert {"README.md", "docs/process.md", "docs/process.zh.md"} <= pages
    assert link_problems(ROOT) == []


def test_the_check_finds_links_out_of_the_repository_missing_files_and_anchors(tmp_path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "guide.md").write_text(
        "# Guide\n\n## 2. 使用 Docker Compose 部署\n\n[back](../README.md) [top](#guide)\n"
        "`../README.md` is in the repository\n"
        "[out of the clone](../../shared/DESIGN.md)\n",
        encoding="utf-8",
    )
    (tmp_path / "README.md").write_text(
        "# Project\n\n"
        "[guide](docs/guide.md) ![shot](docs/guide.md) [web](https://example.com/x.md)\n"
        "[section](docs/guide.md#2-使用-docker-compose-部署) [root](/docs/guide.md)\n"
        "[design](../shared/DESIGN.md)\n"
        "[gone](docs/missing.md)\n"
        "[local file](file:///etc/passwd)\n"
        "[no such heading](docs/guide.md#nowhere)\n"
        '<img src="docs/img/missing.png">\n'
        "[ref]: docs/also-missing.md\n"
        "Code is not a link: `[x](nowhere.md)`, but see `../shared/DESIGN.md` §6\n\n"
        "```\n[y](nowhere-either.md)\n```\n",
        encoding="utf-8",
    )
    assert link_problems(tmp_path) == [
        "README.md:5: (../shared/DESIGN.md) leaves the repository",
        "README.md:6: (docs/missing.md) names no file in the repository",
        "README.md:7: (file:///etc/passwd) leaves the repository",
        "README.md:8: (docs/guide.md#nowhere) names no heading of guide.md",
        "README.md:9: (docs/img/missing.png) names no file in the repository",
        "README.md:10: (docs/also-missing.md) names no file in the repository",
        "README.md:11: `../shared/DESIGN.md` is outside the repository",
        "docs/guide.md:7: (../../shared/DESIGN.md) leaves the repository",
    ]
