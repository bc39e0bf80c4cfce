"""The one place that touches YAML and front matter.

Values come back as plain Python data in which every scalar is the *string as written*:
no YAML 1.1 guessing, so `9:30` is not 570 minutes, `no` is not False and a date is not
a `datetime`. The schema modules convert each field to its real type and say where it
went wrong, using the line of every key and value recorded here.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

import yaml
from frontmatter.default_handlers import YAMLHandler

from .yamladvice import advice

try:  # libyaml is ~10x faster; the pure-Python loader gives the same nodes and marks
    _Loader = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _Loader = yaml.SafeLoader

_HANDLER = YAMLHandler()
_NULLS = {"", "~", "null", "Null", "NULL"}
# No smmflow file needs more than a few levels. libyaml composes nested nodes recursively
# in C, so tens of thousands of `[` crash the interpreter, and its scanner is quadratic in
# the depth of flow collections: deep nesting is refused before YAML ever sees it.
MAX_DEPTH = 32
_DEEP_LEAD = re.compile(rf"^[ \t?:-]{{{MAX_DEPTH * 4},}}(?=\S)", re.MULTILINE)
_OTHER_BREAKS = "\r\x85\u2028\u2029"


class YamlProblem(Exception):
    """Unreadable YAML; `line` is 1-based within the document given to `parse`."""

    def __init__(self, line: int, message: str, field: str = ""):
        super().__init__(message)
        self.line = line
        self.message = message
        self.field = field


@dataclass
class Doc:
    """A parsed YAML mapping: plain values, plus the line of each dotted key path."""

    data: object
    lines: dict[str, int] = field(default_factory=dict)
    offset: int = 0  # added to every line: where the document starts in its file

    def line(self, path: str, default: int = 0) -> int:
        """Line of `path` (e.g. `media.0.src`), falling back to its closest parent."""
        while True:
            if path in self.lines:
                return self.lines[path] + self.offset
            if "." not in path:
                return default + self.offset if default else (self.offset + 1)
            path = path.rsplit(".", 1)[0]


class _Lines:
    """1-based line of a YAML mark, counting only `\n` as smmflow's messages do: YAML also
    breaks lines at a lone CR, NEL, U+2028 and U+2029, which would point past the file."""

    def __init__(self, text: str):
        odd = any(c in text for c in _OTHER_BREAKS)
        self.newlines = [m.start() for m in re.finditer("\n", text)] if odd else None

    def __call__(self, mark: yaml.Mark | None) -> int:
        if mark is None:
            return 1
        if self.newlines is None:
            return mark.line + 1
        return bisect.bisect_left(self.newlines, mark.index) + 1


def _convert(
    node: yaml.Node, path: str, lines: dict[str, int], where: _Lines, depth: int = 0
) -> object:
    line = where(node.start_mark)
    lines.setdefault(path, line)
    if depth > MAX_DEPTH:
        raise YamlProblem(line, _DEEP)
    if isinstance(node, yaml.ScalarNode):
        if node.style is None and node.value in _NULLS:
            return None
        return node.value
    if isinstance(node, yaml.SequenceNode):
        return [
            _convert(item, f"{path}.{i}", lines, where, depth + 1)
            for i, item in enumerate(node.value)
        ]
    if isinstance(node, yaml.MappingNode):
        out: dict[str, object] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise YamlProblem(where(key_node.start_mark), "a key must be a plain word")
            key = key_node.value
            if not key.isprintable():  # a key is shown as is in `path:line: key: message`
                char = next(c for c in key if not c.isprintable())
                raise YamlProblem(
                    where(key_node.start_mark),
                    f"a key must be a plain word; {key!r} holds the invisible character "
                    f"U+{ord(char):04X}",
                )
            sub = f"{path}.{key}" if path else key
            if key in out:
                raise YamlProblem(where(key_node.start_mark), "duplicate key", sub)
            lines[sub] = where(key_node.start_mark)
            value_line = where(value_node.start_mark)
            out[key] = _convert(value_node, sub, lines, where, depth + 1)
            lines[sub + "#value"] = value_line
        return out
    raise YamlProblem(line, "unsupported YAML node")  # pragma: no cover


_DEEP = f"nested more than {MAX_DEPTH} levels deep; smmflow files need only a few"
_ALIAS = (
    "YAML anchors and aliases ({mark}) are not supported: write the value out in full "
    "(a value that starts with & or * must be in quotes)"
)


def _nesting(text: str) -> int | None:
    """The first line whose nesting may exceed MAX_DEPTH, or None. An upper bound, cheap
    for ordinary files: brackets inside quotes count too, as do a line's leading `- `."""
    found = []
    lead = _DEEP_LEAD.search(text)
    if lead:
        found.append(text.count("\n", 0, lead.start()) + 1)
    if text.count("[") + text.count("{") > MAX_DEPTH:
        flow = 0
        for number, line in enumerate(text.split("\n"), 1):
            for char in line:
                if char in "[{":
                    flow += 1
                    if flow > MAX_DEPTH:
                        found.append(number)
                        break
                elif char in "]}" and flow:
                    flow -= 1
            else:
                continue
            break
    return min(found, default=None)


def _refuse_aliases(text: str, offset: int, where: _Lines) -> None:
    """Anchors and aliases are refused, not expanded: a few lines of `*a` can stand for
    billions of values (the "billion laughs"), and `title: &x y` silently loses `&x`."""
    if "&" not in text and "*" not in text:
        return
    for token in yaml.scan(text, Loader=_Loader):
        if isinstance(token, (yaml.AnchorToken, yaml.AliasToken)):
            sign = "&" if isinstance(token, yaml.AnchorToken) else "*"
            mark = f"`{sign}{token.value}`"
            raise YamlProblem(where(token.start_mark) + offset, _ALIAS.format(mark=mark))


def parse(text: str, offset: int = 0) -> Doc:
    """Parse one YAML document into a `Doc`. Raises `YamlProblem` with a line."""
    for number, line in enumerate(text.split("\n"), 1):
        # YAML forbids tabs in indentation; PyYAML's own message for it is cryptic.
        if "\t" in line[: len(line) - len(line.lstrip(" \t"))]:
            raise YamlProblem(number + offset, "a tab is used for indentation; YAML needs spaces")
    deep = _nesting(text)
    if deep is not None:
        raise YamlProblem(deep + offset, _DEEP)
    where = _Lines(text)
    try:
        node = yaml.compose(text, Loader=_Loader)
        _refuse_aliases(text, offset, where)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        if exc.context_mark and exc.context and ("flow" in exc.context or "quoted" in exc.context):
            mark = exc.context_mark  # an unclosed [ { or quote: point where it was opened
        line = min(where(mark), text.count("\n") + 1)  # the end of input is on the last line
        what = (exc.problem or exc.context or "invalid YAML").strip()
        if "\t" in what or "'\\t'" in what:
            what = "a tab character where YAML needs spaces"
        said = advice(f"{exc.problem} {exc.context}", text, line, offset)
        what = f"{said} (YAML: {what})" if said else what
        raise YamlProblem(line + offset, f"invalid YAML: {what}") from None
    except yaml.reader.ReaderError as exc:  # a character YAML refuses (a control character)
        line = text[: max(exc.position, 0)].count("\n") + 1
        if isinstance(exc.character, int):
            what = f"character U+{exc.character:04X} is not allowed ({exc.reason})"
        else:  # pragma: no cover - only when YAML is given bytes
            what = f"{exc.reason} at byte {exc.position}"
        raise YamlProblem(line + offset, f"invalid YAML: {what}") from None
    except yaml.YAMLError as exc:  # pragma: no cover - unmarked errors are rare
        raise YamlProblem(1 + offset, f"invalid YAML: {exc}") from None
    except RecursionError:  # pragma: no cover - _nesting keeps real input far from this
        raise YamlProblem(1 + offset, _DEEP) from None
    lines: dict[str, int] = {}
    data = None if node is None else _convert(node, "", lines, where)
    lines.pop("", None)
    return Doc(data, lines, offset)


@dataclass(frozen=True)
class Split:
    """A post file cut into its front matter and body."""

    front_matter: str | None  # None: the file has no front matter at all
    offset: int  # lines of the file before the front matter text starts
    body: str
    body_line: int  # 1-based line of the body's first line in the file
    closed: bool = True  # False: an opening `---` was never closed


def split_front_matter(text: str) -> Split:
    """Cut `---` front matter from the body, keeping track of lines."""
    if text.startswith("\ufeff"):
        text = text[1:]
    if not _HANDLER.detect(text):
        return Split(None, 0, text, 1)
    boundary = _HANDLER.FM_BOUNDARY
    opening = boundary.match(text)
    assert opening is not None  # detect() said so
    closing = boundary.search(text, opening.end())
    if closing is None:
        return Split(text[opening.end() :], 0, "", 0, closed=False)
    body = text[closing.end() :]
    body_line = text[: closing.end()].count("\n") + 1
    stripped = body.lstrip("\n")
    body_line += len(body) - len(stripped)
    offset = text[: opening.end()].count("\n")  # blank lines the boundary swallowed
    return Split(text[opening.end() : closing.start()], offset, stripped, body_line)
