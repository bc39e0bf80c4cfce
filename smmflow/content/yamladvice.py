"""PyYAML's parser messages turned into advice a writer can act on.

"did not find expected '-' indicator" means nothing to most people; it almost always
means that a line is indented differently from the list or block above it. Each common
message gets a sentence naming the line and its indentation; the parser's own words stay
at the end in brackets (they are what a search finds).
"""

from __future__ import annotations


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _above(lines: list[str], number: int) -> tuple[int, str] | None:
    """The nearest non-blank, non-comment line above line `number` (1-based)."""
    for n in range(min(number, len(lines) + 1) - 1, 0, -1):
        text = lines[n - 1]
        if text.strip() and not text.lstrip().startswith("#"):
            return n, text
    return None


def _spaces(n: int) -> str:
    return f"{n} space{'s' * (n != 1)}"


def _indentation(lines: list[str], number: int, what: str, offset: int) -> str:
    line = lines[number - 1] if 0 < number <= len(lines) else ""
    above = _above(lines, number)
    shown = number + offset
    here = f"line {shown} is indented by {_spaces(_indent(line))}"
    if above is None:
        return f"the indentation of line {shown} does not match {what}"
    there = f"line {above[0] + offset} by {_spaces(_indent(above[1]))}"
    return (
        f"the indentation of line {shown} does not match {what} ({here}, {there}): "
        "lines of one block start in the same column, with spaces only"
    )


def advice(problem: str, text: str, number: int, offset: int = 0) -> str:
    """A plain sentence for PyYAML's `problem` at line `number` of `text` (1-based); the
    lines it names are those of the file, where `text` starts after `offset` lines."""
    lines = text.split("\n")
    if "expected '-' indicator" in problem:
        said = _indentation(lines, number, "the list above it", offset)
        return f"{said}; each item starts with `- ` and its keys line up under the first one"
    if "did not find expected key" in problem:
        return _indentation(lines, number, "the lines above it", offset)
    number += offset
    if "mapping values are not allowed" in problem:
        return (
            f"line {number} has a `key: value` where none can start: is it indented more than "
            "the line above, or does a value contain `: ` (then put the value in quotes)?"
        )
    if "could not find expected ':'" in problem:
        return (
            f"line {number} (or the one above it) is neither `key: value` nor a list item "
            "`- value`: a `:` or `- ` is missing, or the indentation is off"
        )
    if "expected ',' or ']'" in problem or "expected ',' or '}'" in problem:
        return f"a `[` or `{{` opened on line {number} is not closed on that line"
    if "end of stream" in problem and "quoted" in problem:
        return f"a quote opened on line {number} is never closed"
    if "cannot start any token" in problem:
        return f"a value on line {number} starts with a character YAML reserves: put it in quotes"
    return ""
