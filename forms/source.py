"""Read YAML into plain data while remembering where every key and value stood.

PyYAML's usual loading forgets positions, accepts duplicate keys silently and
reads `no`, `on` or `2024-06-01` as booleans and dates. Form authors write
`- no` in a choice list and mean the word, so here only `true` and `false`
are booleans, dates stay text, and a repeated key is a located problem.
"""

import re

import yaml

from .errors import Problem
from .spec import MAX_FILE_BYTES

MAX_NODES = 200_000


class _Loader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2-style booleans and no implicit timestamps."""


_Loader.yaml_implicit_resolvers = {
    first: [
        (tag, rx)
        for tag, rx in resolvers
        if tag not in ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:timestamp")
    ]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)


class Document:
    """Plain data read from YAML, with the position of everything in it.

    Paths are tuples of mapping keys and list indexes from the top.
    """

    def __init__(self, name, data, values, keys, raw, quoted=frozenset()):
        self.name = name
        self.data = data
        self._values = values
        self._keys = keys
        self._raw = raw
        self._quoted = quoted

    def where(self, path, key=False):
        """(line, column) of the value at path, or of its key when key=True."""
        path = tuple(path)
        while path:
            table = self._keys if key else self._values
            if path in table:
                return table[path]
            path, key = path[:-1], False
        return self._values.get((), (1, 1))

    def raw(self, path):
        """The scalar at path exactly as written, before YAML typed it."""
        return self._raw.get(tuple(path))

    def quoted(self, path):
        """True when the scalar at path is in quotes, so its text starts one column on."""
        return tuple(path) in self._quoted


def read_yaml(text, name):
    """Parse text into (Document, problems); the Document is None when unreadable."""
    problems = []
    if len(text.encode("utf-8", "replace")) > MAX_FILE_BYTES:
        limit = MAX_FILE_BYTES // 1024
        return None, [Problem(name, 1, 1, f"the file is larger than {limit} KB; a form should be far smaller. Is this the right file?")]
    try:
        nodes = list(yaml.compose_all(text, Loader=_Loader))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        what = exc.problem or exc.context or "not valid YAML"
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        return None, [Problem(name, line, col, f"this is not valid YAML: {what}. Check the indentation and quotes on this line and the one before.")]
    except yaml.YAMLError as exc:
        return None, [Problem(name, 1, 1, f"this is not valid YAML: {exc}")]
    except RecursionError:
        # PyYAML composes nested lists and mappings recursively; hundreds of
        # levels (or a runaway '[[[[') would otherwise end in a traceback.
        return None, [Problem(name, 1, 1, _TOO_DEEP)]
    if not nodes or nodes[0] is None:
        return None, [Problem(name, 1, 1, "the file is empty; a form starts with its id, version, title and sections.")]
    if len(nodes) > 1:
        mark = nodes[1].start_mark
        return None, [Problem(name, mark.line + 1, 1, "the file holds more than one YAML document ('---'); put each form in its own file.")]

    values, keys, raw, quoted = {}, {}, {}, set()
    constructor = _Loader("")
    count = [0]
    # Nodes being converted, by identity: an alias inside its own anchor
    # (`&a [*a]`) makes the node graph a loop that would never finish.
    open_nodes = set()

    def convert(node, path):
        count[0] += 1
        if count[0] > MAX_NODES:
            raise _TooBig
        here = (node.start_mark.line + 1, node.start_mark.column + 1)
        values[path] = here
        if id(node) in open_nodes:
            problems.append(Problem(name, *here, "the list or mapping starting here holds a YAML alias ('*name') to itself, so it never ends; write the entries out."))
            return None
        if isinstance(node, (yaml.MappingNode, yaml.SequenceNode)):
            open_nodes.add(id(node))
            try:
                return convert_collection(node, path)
            finally:
                open_nodes.discard(id(node))
        raw[path] = node.value
        if node.style in ("'", '"'):
            quoted.add(path)
        try:
            return constructor.construct_object(node)
        except Exception:
            # PyYAML's constructors fail in assorted ways (AttributeError for
            # `!!timestamp x`, ValueError for `!!int x` or numbers of thousands
            # of digits); each is one located problem, not a traceback.
            kind = _TAG_NAMES.get(node.tag, "the type its tag asks for")
            shown = node.value if len(node.value) <= 40 else node.value[:37] + "..."
            tagged = node.tag != constructor.resolve(yaml.ScalarNode, node.value, (True, False))
            advice = "check the value, or remove the '!' tag before it" if tagged else "check the value"
            problems.append(Problem(name, *here, f"'{shown}' cannot be read as {kind}; {advice}."))
            return node.value

    def convert_collection(node, path):
        if isinstance(node, yaml.MappingNode):
            out = {}
            for key_node, value_node in node.value:
                pos = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
                if not isinstance(key_node, yaml.ScalarNode):
                    problems.append(Problem(name, *pos, "a key must be a plain name, not a list or mapping."))
                    continue
                key = key_node.value
                if key == "<<":
                    problems.append(Problem(name, *pos, "YAML merge keys ('<<') are not supported in forms; write the keys out."))
                    continue
                if key in out:
                    first = keys[path + (key,)]
                    problems.append(Problem(name, *pos, f"'{key}' is given twice here (first on line {first[0]}); keep one."))
                    continue
                keys[path + (key,)] = pos
                out[key] = convert(value_node, path + (key,))
            return out
        return [convert(item, path + (i,)) for i, item in enumerate(node.value)]

    try:
        data = convert(nodes[0], ())
    except _TooBig:
        return None, [Problem(name, 1, 1, "the file has far too many entries for a form (are YAML aliases repeating it?).")]
    except RecursionError:
        return None, [Problem(name, 1, 1, _TOO_DEEP)]
    except (yaml.YAMLError, ValueError, TypeError) as exc:
        return None, [Problem(name, 1, 1, f"this is not valid YAML: {exc}")]
    # Key problems are reported alongside whatever else the form gets wrong.
    return Document(name, data, values, keys, raw, quoted), problems


class _TooBig(Exception):
    pass


_TOO_DEEP = "lists and mappings are nested far too deeply for a form; check the brackets and indentation."

# What each YAML tag reads a value as, for messages.
_TAG_NAMES = {
    "tag:yaml.org,2002:int": "a whole number",
    "tag:yaml.org,2002:float": "a number",
    "tag:yaml.org,2002:bool": "true or false",
    "tag:yaml.org,2002:timestamp": "a date",
    "tag:yaml.org,2002:binary": "binary data",
}
