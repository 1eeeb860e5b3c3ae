"""Text at the program's edges: repair what cannot be encoded, escape what a terminal obeys.

``repair`` runs once where text enters (a Discord option, argv, a batch line) so the answer,
the JSON output and the log all hold the same valid Unicode. ``for_terminal`` runs where log
text leaves for a moderator's terminal, so a member cannot send escape sequences to it.
"""

from __future__ import annotations

import re

REPLACEMENT = "\ufffd"

# C0 controls except tab and newline, DEL, C1 controls (0x9b is a CSI on some terminals),
# line/paragraph separators and the bidirectional overrides that reorder what is shown.
_TERMINAL_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_NEWLINE = re.compile("[\t\n]")


def repair(text: str) -> str:
    """``text`` as valid Unicode: surrogate pairs joined, lone surrogates (including the
    surrogate escapes Python uses for invalid UTF-8 in argv) replaced by U+FFFD."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return text


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def for_terminal(text: str, *, keep_newlines: bool = False) -> str:
    """``text`` with every control character shown as an escape (``\\x1b``), never obeyed."""
    text = _TERMINAL_UNSAFE.sub(_escape, text)
    return text if keep_newlines else _NEWLINE.sub(_escape, text)
