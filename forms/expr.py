"""The show_if language: parsed once here into a small JSON tree, evaluated anywhere.

The browser runs the same tree (collector/static/showif.js), and both
evaluators are checked against forms/showif_vectors.json, so a question is
shown on screen exactly when the server expects an answer to it.

Tree nodes:
    {"answer": "question_id"}            the (normalised) answer, or null
    {"value": "text" | 3 | 2.5 | [...]}  a literal, or a list of literals
    {"op": OP, "args": [node, ...]}      OP: == != < <= > >= in "not in"
                                          and or not answered

Any comparison with an unanswered question is false (so is `not in`), so a
follow-up stays hidden until the question it depends on has an answer.
"""

import re
from decimal import Decimal

COMPARISONS = ("==", "!=", "<", "<=", ">", ">=", "in", "not in")
MAX_SOURCE = 2000
MAX_DEPTH = 32
# Words of the language itself, which therefore cannot be question ids.
RESERVED = ("and", "or", "not", "in", "answered", "true", "false", "yes", "no")


class ExprError(Exception):
    """A show_if that cannot be read; offset is the 0-based character position."""

    def __init__(self, message, offset=0):
        super().__init__(message)
        self.message = message
        self.offset = offset


_TOKEN = re.compile(
    r"""\s*(?:
        (?P<number>-?\d+(?:\.\d+)?)
      | (?P<string>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")
      | (?P<op>==|!=|<=|>=|<|>|\(|\)|\[|\]|,)
      | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
      | (?P<bad>\S)
    )""",
    re.VERBOSE,
)


def _tokenize(source):
    tokens = []
    pos = 0
    while pos < len(source):
        match = _TOKEN.match(source, pos)
        if not match or match.end() == pos:
            break
        kind = match.lastgroup
        text = match.group(kind)
        start = match.start(kind)
        if kind == "bad":
            if text in "'\"":
                raise ExprError(f"the text starting at {text} has no closing {text}", start)
            if text == "=":
                raise ExprError("use '==' to compare, not '='", start)
            raise ExprError(f"'{text}' is not part of the show_if language", start)
        tokens.append((kind, text, start))
        pos = match.end()
    tokens.append(("end", "", len(source)))
    return tokens


class _Parser:
    def __init__(self, source):
        self.tokens = _tokenize(source)
        self.i = 0
        self.depth = 0

    def deeper(self, pos):
        """Bound the recursion: each '(' and 'not' goes one level down."""
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ExprError(f"more than {MAX_DEPTH} brackets or 'not's inside each other; simplify the condition", pos)

    def peek(self, ahead=0):
        return self.tokens[min(self.i + ahead, len(self.tokens) - 1)]

    def take(self):
        token = self.tokens[self.i]
        self.i += 1
        return token

    def expect(self, text, what):
        kind, got, pos = self.take()
        if got != text or kind not in ("op", "name"):
            found = f"'{got}'" if got else "the end"
            raise ExprError(f"expected {what} but found {found}", pos)

    def parse(self):
        tree = self.or_()
        kind, text, pos = self.peek()
        if kind != "end":
            raise ExprError(f"unexpected '{text}'; join conditions with 'and' or 'or'", pos)
        return tree

    def or_(self):
        args = [self.and_()]
        while self.peek()[:2] == ("name", "or"):
            self.take()
            args.append(self.and_())
        return args[0] if len(args) == 1 else {"op": "or", "args": args}

    def and_(self):
        args = [self.not_()]
        while self.peek()[:2] == ("name", "and"):
            self.take()
            args.append(self.not_())
        return args[0] if len(args) == 1 else {"op": "and", "args": args}

    def not_(self):
        if self.peek()[:2] == ("name", "not"):
            self.deeper(self.take()[2])
            inner = self.not_()
            self.depth -= 1
            return {"op": "not", "args": [inner]}
        return self.comparison()

    def comparison(self):
        kind, text, pos = self.peek()
        if (kind, text) == ("op", "("):
            self.deeper(self.take()[2])
            inner = self.or_()
            self.expect(")", "')'")
            self.depth -= 1
            return inner
        left = self.operand()
        kind, text, pos = self.peek()
        op = None
        if kind == "op" and text in COMPARISONS:
            op = text
            self.take()
        elif (kind, text) == ("name", "in"):
            op = "in"
            self.take()
        elif (kind, text) == ("name", "not") and self.peek(1)[:2] == ("name", "in"):
            op = "not in"
            self.take()
            self.take()
        if op is None:
            if left.get("op") == "answered":
                return left
            raise ExprError(
                "a condition needs a comparison, such as q == 'yes', or answered(q)",
                pos,
            )
        right = self.operand()
        if left.get("op") == "answered" or right.get("op") == "answered":
            raise ExprError("answered(...) is already true or false; do not compare it", pos)
        if op in ("in", "not in") and "answer" not in right and not isinstance(right.get("value"), list):
            raise ExprError(f"'{op}' needs a list such as ['a', 'b'] or a question with several answers on its right", pos)
        return {"op": op, "args": [left, right]}

    def operand(self):
        kind, text, pos = self.take()
        if kind == "number":
            return {"value": _number(text)}
        if kind == "string":
            return {"value": _unquote(text)}
        if (kind, text) == ("op", "["):
            items = []
            if self.peek()[:2] != ("op", "]"):
                while True:
                    ikind, itext, ipos = self.take()
                    if ikind == "number":
                        items.append(_number(itext))
                    elif ikind == "string":
                        items.append(_unquote(itext))
                    else:
                        raise ExprError("a list holds only texts in quotes and numbers", ipos)
                    if self.peek()[:2] == ("op", ","):
                        self.take()
                        continue
                    break
            self.expect("]", "']' to close the list")
            return {"value": items}
        if kind == "name":
            if text in ("and", "or", "not", "in"):
                raise ExprError(f"expected a question id or a value before '{text}'", pos)
            if self.peek()[:2] == ("op", "("):
                if text != "answered":
                    raise ExprError(f"there is no function '{text}'; the only one is answered(question_id)", pos)
                self.take()
                qkind, qid, qpos = self.take()
                if qkind != "name":
                    raise ExprError("answered(...) takes a question id", qpos)
                self.expect(")", "')' after the question id")
                return {"op": "answered", "args": [{"answer": qid, "pos": qpos}]}
            if text in ("true", "false", "yes", "no"):
                raise ExprError(f"put {text} in quotes: '{text}'", pos)
            return {"answer": text, "pos": pos}
        found = f"'{text}'" if text else "the end"
        raise ExprError(f"expected a question id or a value but found {found}", pos)


def _number(text):
    return int(text) if re.fullmatch(r"-?\d+", text) else float(Decimal(text))


def _unquote(text):
    body = text[1:-1]
    return re.sub(r"\\(.)", r"\1", body)


def parse_condition(source):
    """Parse show_if text into (tree, positions) where positions maps question ids
    to where they first appear; raises ExprError."""
    if not isinstance(source, str) or not source.strip():
        raise ExprError("show_if is empty; write a condition such as visited == 'yes'")
    if len(source) > MAX_SOURCE:
        raise ExprError(f"show_if is longer than {MAX_SOURCE} characters")
    tree = _Parser(source).parse()
    positions = {}

    def strip(node):
        if "answer" in node:
            positions.setdefault(node["answer"], node.pop("pos"))
        for arg in node.get("args", ()):
            strip(arg)

    strip(tree)
    return tree, positions


def _is_number(x):
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def _empty(x):
    return x is None or x == "" or x == [] or x == {}


def evaluate(tree, answers):
    """Evaluate a tree against normalised answers: {question_id: value}."""
    if "answer" in tree:
        value = answers.get(tree["answer"])
        return None if _empty(value) else value
    if "value" in tree:
        return tree["value"]
    op, args = tree["op"], tree["args"]
    if op == "and":
        return all(evaluate(a, answers) is True for a in args)
    if op == "or":
        return any(evaluate(a, answers) is True for a in args)
    if op == "not":
        return evaluate(args[0], answers) is not True
    if op == "answered":
        return evaluate(args[0], answers) is not None
    left, right = evaluate(args[0], answers), evaluate(args[1], answers)
    if left is None or right is None:
        return False
    if op in ("in", "not in"):
        if not isinstance(right, list):
            return False
        pool = left if isinstance(left, list) else [left]
        found = any(_same(x, y) for x in pool for y in right)
        return found if op == "in" else not found
    if isinstance(left, list) or isinstance(right, list):
        return False
    if op == "==":
        return _same(left, right)
    if op == "!=":
        return not _same(left, right)
    both_numbers = _is_number(left) and _is_number(right)
    both_text = isinstance(left, str) and isinstance(right, str)
    if not (both_numbers or both_text):
        return False
    return {
        "<": left < right,
        "<=": left <= right,
        ">": left > right,
        ">=": left >= right,
    }[op]


def _same(a, b):
    if _is_number(a) and _is_number(b):
        return a == b
    return type(a) is type(b) and a == b
