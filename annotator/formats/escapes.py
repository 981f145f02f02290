"""Reversible backslash escapes for text cells that must not carry some characters raw.

CSV cells must not carry terminal controls (ESC starts ANSI sequences; C1 ``\\x9b`` is a
one-byte CSI), and a brat ``.ann`` note must not carry line breaks (brat splits lines at
every character ``str.splitlines`` does). Such a character is written ``\\xHH``
(``\\n``, ``\\r``, ``\\u2028``… where named).

Backslashes the reader typed stay as typed, so ``C:\\notes`` and LaTeX look the same in the
file, except a run of backslashes directly before something that reads as an escape: that
run is doubled (the rule Windows uses for backslashes before a quote). On reading, a run of
``k`` backslashes before an escape body gives ``k // 2`` backslashes, and the escaped
character when ``k`` is odd, the body as text when it is even. So
``unescape(escape(s)) == s`` for every string.
"""

from __future__ import annotations

import re
from collections.abc import Iterable


class ReversibleEscape:
    """Escapes the given characters as backslash sequences; :meth:`unescape` inverts it."""

    def __init__(self, characters: Iterable[str], named: dict[str, str] | None = None) -> None:
        named = named or {}
        self._body_of = {c: named.get(c, f"x{ord(c):02x}" if ord(c) < 256 else f"u{ord(c):04x}")
                         for c in characters}  # fmt: skip
        self._char_of = {body: c for c, body in self._body_of.items()}
        # Longest first, so that no body is cut short by a shorter one.
        bodies = "|".join(re.escape(b) for b in sorted(self._char_of, key=len, reverse=True))
        chars = "".join(re.escape(c) for c in self._body_of)
        self._escape = re.compile(rf"(\\*)(?:([{chars}])|({bodies}))")
        self._unescape = re.compile(rf"(\\+)({bodies})")

    def escape(self, text: str) -> str:
        return self._escape.sub(self._escape_match, text)

    def unescape(self, text: str) -> str:
        if "\\" not in text:
            return text
        return self._unescape.sub(self._unescape_match, text)

    def _escape_match(self, match: re.Match[str]) -> str:
        run, char, body = match.group(1, 2, 3)
        if char is not None:
            return run * 2 + "\\" + self._body_of[char]
        return run * 2 + body

    def _unescape_match(self, match: re.Match[str]) -> str:
        run, body = match.group(1, 2)
        kept = "\\" * (len(run) // 2)
        return kept + (self._char_of[body] if len(run) % 2 else body)


#: C0 controls other than tab, line feed and carriage return, DEL and the C1 controls: what
#: a terminal acts on rather than shows.
TERMINAL_CONTROLS = [chr(c) for c in (*range(0x00, 0x20), *range(0x7F, 0xA0))
                     if chr(c) not in "\t\n\r"]  # fmt: skip

#: Every character ``str.splitlines`` breaks a line at.
LINE_BREAKS = ["\n", "\r", "\v", "\f", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029"]
