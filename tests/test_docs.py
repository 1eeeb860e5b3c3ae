"""The documentation stays true: the README is a front page, every link in it and in docs/
resolves, docs/architecture.md names only modules that exist, and docs/operators.md lists
every setting."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = sorted((ROOT / "docs").glob("*.md"))
PAGES = [ROOT / "README.md", *DOCS]
README_MAX_LINES = 250
TWO_COMMANDS = (
    'python3 -m venv .venv && . .venv/bin/activate && pip install . && talks-bot ask "Where '
    'will the talks be held?"',
    "python3 -m venv .venv && . .venv/bin/activate && pip install '.[test,review]' && "
    'pytest -m ""',
)
_LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
_CODE_BLOCK = re.compile(r"^```.*?^```", re.S | re.M)


def slug(heading: str) -> str:
    """A heading's anchor as GitHub makes it: lower case, punctuation dropped, spaces to -."""
    text = re.sub(r"[`*_]", "", heading.strip().lower())
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(page: Path) -> set[str]:
    text = _CODE_BLOCK.sub("", page.read_text(encoding="utf-8"))
    return {slug(m.group(1)) for m in re.finditer(r"^#{1,6} (.+)$", text, re.M)}


def test_the_readme_is_a_front_page_with_the_two_commands_at_the_top() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(text.splitlines()) <= README_MAX_LINES
    first_block = text.split("```")[1]
    for command in TWO_COMMANDS:
        assert command in first_block, command
    for page in ("operators", "moderators", "answers", "scaling", "benchmarks", "contributing"):
        assert f"(docs/{page}.md)" in text, page


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_every_link_resolves(page: Path) -> None:
    broken = []
    text = _CODE_BLOCK.sub("", page.read_text(encoding="utf-8"))
    for target in _LINK.findall(text):
        if re.match(r"^[a-z]+:", target):  # https:, mailto:: not checked offline
            continue
        path, _, anchor = target.partition("#")
        file = (page.parent / path).resolve() if path else page
        if not file.exists():
            broken.append(f"{target}: no {path}")
        elif anchor and file.suffix == ".md" and anchor not in anchors(file):
            broken.append(f"{target}: no heading #{anchor} in {file.name}")
    assert not broken, "\n".join(broken)


def _named_paths(text: str) -> list[str]:
    """Backticked names that look like a module or folder: `bot/app.py`, `focus.py`,
    `bot/logs/`, `bot.logs.sql.filter_where`."""
    names = []
    for token in re.findall(r"`([^`\s]+)`", text):
        if re.fullmatch(r"[\w./-]+\.py|[\w-]+(/[\w.-]+)*/", token) or re.fullmatch(
            r"(bot|config|retrieval)(\.\w+)+", token
        ):
            names.append(token)
    return names


def test_every_module_the_architecture_names_exists() -> None:
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    names = _named_paths(text)
    assert len(names) > 40  # the check reads the page
    searched = [ROOT / d for d in ("bot", "config", "retrieval", "tests", "benchmarks", "tools")]
    missing = []
    for name in names:
        if "/" not in name.rstrip("/") and name.endswith(".py"):  # a bare file name
            if not any(next(folder.rglob(name), None) for folder in searched):
                missing.append(name)
        elif name.endswith((".py", "/")):
            if not (ROOT / name).exists():
                missing.append(name)
        else:  # dotted: the longest prefix that is a module, then attributes
            parts = name.split(".")
            while parts and not (
                (ROOT / Path(*parts)).with_suffix(".py").exists() or (ROOT / Path(*parts)).is_dir()
            ):
                parts.pop()
            if not parts:
                missing.append(name)
    assert not missing, f"docs/architecture.md names what does not exist: {missing}"


def test_operators_md_lists_every_setting() -> None:
    from config.settings import ENV_PREFIX, Settings

    text = (ROOT / "docs" / "operators.md").read_text(encoding="utf-8")
    rows = "\n".join(line for line in text.splitlines() if line.startswith("| `TALKS_"))
    missing = [
        f"{ENV_PREFIX}{name.upper()}"
        for name in Settings.model_fields
        if f"`{ENV_PREFIX}{name.upper()}`" not in rows
    ]
    assert not missing, f"settings without a row in docs/operators.md: {missing}"
