"""The one place that touches YAML and front matter.

Values come back as plain Python data in which every scalar is the *string as written*:
no YAML 1.1 guessing, so `9:30` is not 570 minutes, `no` is not False and a date is not
a `datetime`. The schema modules convert each field to its real type and say where it
went wrong, using the line of every key and value recorded here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import yaml
from frontmatter.default_handlers import YAMLHandler

try:  # libyaml is ~10x faster; the pure-Python loader gives the same nodes and marks
    _Loader = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _Loader = yaml.SafeLoader

_HANDLER = YAMLHandler()
_NULLS = {"", "~", "null", "Null", "NULL"}


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


def _convert(node: yaml.Node, path: str, lines: dict[str, int]) -> object:
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.ScalarNode):
        if node.style is None and node.value in _NULLS:
            return None
        return node.value
    if isinstance(node, yaml.SequenceNode):
        return [_convert(item, f"{path}.{i}", lines) for i, item in enumerate(node.value)]
    if isinstance(node, yaml.MappingNode):
        out: dict[str, object] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise YamlProblem(key_node.start_mark.line + 1, "a key must be a plain word")
            key = key_node.value
            sub = f"{path}.{key}" if path else key
            if key in out:
                raise YamlProblem(key_node.start_mark.line + 1, "duplicate key", sub)
            lines[sub] = key_node.start_mark.line + 1
            value_line = value_node.start_mark.line + 1
            out[key] = _convert(value_node, sub, lines)
            lines[sub + "#value"] = value_line
        return out
    raise YamlProblem(node.start_mark.line + 1, "unsupported YAML node")  # pragma: no cover


def parse(text: str, offset: int = 0) -> Doc:
    """Parse one YAML document into a `Doc`. Raises `YamlProblem` with a line."""
    for number, line in enumerate(text.split("\n"), 1):
        # YAML forbids tabs in indentation; PyYAML's own message for it is cryptic.
        if "\t" in line[: len(line) - len(line.lstrip(" \t"))]:
            raise YamlProblem(number + offset, "a tab is used for indentation; YAML needs spaces")
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        if exc.context_mark and exc.context and ("flow" in exc.context or "quoted" in exc.context):
            mark = exc.context_mark  # an unclosed [ { or quote: point where it was opened
        line = mark.line + 1 if mark else 1
        what = (exc.problem or exc.context or "invalid YAML").strip()
        if "\t" in what or "'\\t'" in what:
            what = "a tab character where YAML needs spaces"
        raise YamlProblem(line + offset, f"invalid YAML: {what}") from None
    except yaml.YAMLError as exc:  # pragma: no cover - unmarked errors are rare
        raise YamlProblem(1 + offset, f"invalid YAML: {exc}") from None
    lines: dict[str, int] = {}
    data = None if node is None else _convert(node, "", lines)
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
