"""Turn YAML data into a Form, collecting every problem on the way.

Each problem says where it is, what is wrong and, for typos, what was probably
meant. Nothing is raised until the whole file has been read, so the person
editing the form can fix everything in one pass.
"""

import json
import math
import re
import unicodedata
from decimal import Decimal, InvalidOperation
from types import MappingProxyType

from . import spec
from .errors import FormError, Problem, describe, language_names, suggest
from .expr import RESERVED, ExprError, parse_condition
from .model import Condition, Form, Question, Section, Text
from .readtypes import TypeKeys
from .source import read_yaml
from .typecheck import check_condition

ID = re.compile(r"^[a-z][a-z0-9_]*$")
VERSION = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$")
LANGUAGE = re.compile(r"^[a-z]{2,3}$")
MAX_ID = 64


def load_form_text(text, name="<form>"):
    """Read a form from YAML text; raise FormError listing every problem."""
    doc, problems = read_yaml(text, name)
    if doc is None:
        raise FormError(problems)
    reader = _Reader(doc)
    reader.problems.extend(problems)
    form = reader.form()
    if reader.problems:
        raise FormError(reader.problems)
    return form


def load_form(path):
    """Read a form from a YAML file; raise FormError listing every problem."""
    name = str(path)
    try:
        with open(path, "rb") as f:
            data = f.read(spec.MAX_FILE_BYTES + 1)
    except (OSError, ValueError) as exc:
        # ValueError: a path with a NUL byte in it, which no file can have.
        raise FormError([Problem(name, None, None, f"cannot read the file: {getattr(exc, 'strerror', None) or exc}")])
    if len(data) > spec.MAX_FILE_BYTES:
        # Cut at the limit, the last character may be split in two; the size is
        # the problem to report, not the encoding.
        return load_form_text(data.decode("utf-8", "replace"), name)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise FormError([Problem(name, line, 1, "the file is not UTF-8 text; save it again as UTF-8.")])
    return load_form_text(text, name)


class _Reader(TypeKeys):
    def __init__(self, doc):
        self.doc = doc
        self.problems = []
        self.languages = ("en",)

    # -- reporting ---------------------------------------------------------

    def problem(self, path, message, question=None, suggestion=None, key=False, shift=0):
        line, col = self.doc.where(path, key=key)
        self.problems.append(Problem(self.doc.name, line, col + shift, message, question, suggestion))

    def check_keys(self, mapping, path, allowed, what, question=None, elsewhere=()):
        """Report unknown keys (with a suggestion) and missing required ones."""
        for key in mapping:
            if key in allowed:
                continue
            if key in elsewhere:
                self.problem(path + (key,), f"'{key}' does not apply to {what}.", question, key=True)
            else:
                hint = suggest(key, allowed)
                self.problem(path + (key,), f"unknown key '{key}' in {what}.", question, hint, key=True)
        for key in allowed.values() if isinstance(allowed, dict) else ():
            if key.required and key.name not in mapping:
                self.problem(path, f"{what} has no '{key.name}'; add one.", question)
            elif key.required and mapping[key.name] is None:
                # `label:` with nothing after it reads as null; without this the
                # question (or choice, or title) would quietly vanish.
                self.problem(path + (key.name,), f"'{key.name}' in {what} is empty; write its value after the colon.", question, key=True)

    # -- scalars -----------------------------------------------------------

    def mapping(self, value, path, what, question=None):
        if isinstance(value, dict):
            return value
        self.problem(path, f"{what} should be a set of 'key: value' lines, not {describe(value)}.", question)
        return None

    def ident(self, value, path, what, question=None):
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            self.problem(path, f"{what} should be a snake_case name such as 'visit_often', not {describe(value)}.", question)
            return None
        if isinstance(value, str) and ID.fullmatch(value) and len(value) > MAX_ID:
            self.problem(path, f"{what} {describe(value)} is longer than {MAX_ID} characters; use a shorter one.", question)
            return None
        if not isinstance(value, str) or not ID.fullmatch(value):
            shown = self.doc.raw(path) or str(value)
            # Accented letters become their plain forms, so 'café' suggests 'cafe'.
            plain = unicodedata.normalize("NFKD", shown).encode("ascii", "ignore").decode()
            fixed = re.sub(r"[^a-z0-9_]+", "_", plain.lower()).strip("_")[:MAX_ID].rstrip("_")
            self.problem(
                path,
                f"{what} {describe(shown)} should be snake_case: lower-case letters, digits and _, starting with a letter"
                + (f", such as '{fixed}'." if fixed and ID.fullmatch(fixed) else "."),
                question,
            )
            return None
        return value

    def boolean(self, value, path, key, question=None, default=False):
        if value is None:
            return default
        if isinstance(value, bool):
            return value
        self.problem(path, f"'{key}' should be true or false, not {describe(value)}.", question)
        return default

    def integer(self, value, path, key, question=None, low=None):
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.problem(path, f"'{key}' should be a whole number, not {describe(value)}.", question)
            return None
        if low is not None and value < low:
            self.problem(path, f"'{key}' should be {low} or more.", question)
            return None
        return value

    def number(self, value, path, key, question=None):
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.problem(path, f"'{key}' should be a number, not {describe(value)}.", question)
            return None
        if isinstance(value, float) and not math.isfinite(value):
            # YAML reads .inf and .nan as numbers; no answer can be checked against them.
            self.problem(path, f"'{key}' should be an ordinary number, not {self.doc.raw(path) or value}.", question)
            return None
        try:
            return Decimal(self.doc.raw(path) or str(value))
        except InvalidOperation:
            return Decimal(str(value))

    def text(self, value, path, what, question=None, required=False):
        """A plain string or a mapping by language; every language must be given."""
        if value is None:
            if required:
                self.problem(path, f"{what} is missing.", question)
            return None
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = self.doc.raw(path) or str(value)
        if isinstance(value, str):
            if not value.strip():
                self.problem(path, f"{what} is empty.", question)
                return None
            if len(value) > spec.MAX_TEXT_LENGTH:
                self.problem(path, f"{what} is longer than {spec.MAX_TEXT_LENGTH} characters; shorten it.", question)
                return None
            if len(self.languages) > 1:
                langs = ", ".join(f"{lang}: ..." for lang in self.languages)
                self.problem(path, f"{what} is given in one language only; this form is in {language_names(self.languages)}, so write it as {{{langs}}}.", question)
            return Text({lang: value.strip() for lang in self.languages})
        if not isinstance(value, dict):
            self.problem(path, f"{what} should be text, or text by language such as {{en: ...}}, not {describe(value)}.", question)
            return None
        out, reported = {}, set()
        for lang, item in value.items():
            if lang not in self.languages:
                self.problem(path + (lang,), f"{what} is given in '{lang}', which is not one of the form's languages ({', '.join(self.languages)}).", question, suggest(lang, self.languages), key=True)
            elif isinstance(item, str) and len(item) > spec.MAX_TEXT_LENGTH:
                self.problem(path + (lang,), f"{what} in {language_names([lang])} is longer than {spec.MAX_TEXT_LENGTH} characters; shorten it.", question)
                reported.add(lang)
            elif isinstance(item, str) and item.strip():
                out[lang] = item.strip()
            elif item is not None and not isinstance(item, str):
                self.problem(path + (lang,), f"{what} in {language_names([lang])} should be text, not {describe(item)}.", question)
                reported.add(lang)
        for lang in self.languages:
            if lang not in out and lang not in reported:
                self.problem(path, f"{what} has no {language_names([lang])} ({lang}) text.", question)
        return Text(out) if out else None

    # -- the form ----------------------------------------------------------

    def form(self):
        data = self.mapping(self.doc.data, (), "a form")
        if data is None:
            return None
        self.check_keys(data, (), spec.FORM_KEYS, "the form")
        self.languages = self.read_languages(data.get("languages"), ("languages",))
        form_id = self.ident(data.get("id"), ("id",), "form id")
        version = self.version(data.get("version"), ("version",))
        title = self.text(data.get("title"), ("title",), "the form's title")
        texts = {
            key: self.text(data.get(key), (key,), f"the form's {key.replace('_', ' ')}")
            for key in ("description", "intro", "privacy", "thank_you")
        }
        retention = self.integer(data.get("retention_days"), ("retention_days",), "retention_days", None, low=1)
        lists = self.choice_lists(data.get("choice_lists"), ("choice_lists",))
        sections = self.sections(data.get("sections"), ("sections",), lists)
        # A privacy notice that is there but wrong is reported already; one left
        # empty (`privacy:`) is as good as none.
        if any(q.personal for s in sections for q in s.questions) and texts["privacy"] is None and data.get("privacy") is None:
            personal = next(q.id for s in sections for q in s.questions if q.personal)
            self.problem((), f"the form asks for personal details (question '{personal}') but has no 'privacy' notice; add one saying who holds the answers, why, and for how long.")
        return Form(
            id=form_id or "",
            version=version or "",
            title=title,
            sections=tuple(sections),
            languages=self.languages,
            choice_lists=MappingProxyType(lists),
            retention_days=retention,
            source=self.doc.name,
            **texts,
        )

    def read_languages(self, value, path):
        if value is None:
            return ("en",)
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not value:
            self.problem(path, "'languages' should be a list of language codes such as [en, cy].")
            return ("en",)
        langs = []
        for i, lang in enumerate(value):
            if not isinstance(lang, str):
                self.problem(path + (i,), f"a language code should be two or three lower-case letters, such as en or cy, not {describe(lang)}.")
            elif not LANGUAGE.fullmatch(lang):
                self.problem(path + (i,), f"{describe(lang)} is not a language code; use two or three lower-case letters, such as en or cy.")
            elif lang in langs:
                self.problem(path + (i,), f"the language '{lang}' is listed twice.")
            else:
                langs.append(lang)
        return tuple(langs) or ("en",)

    def version(self, value, path):
        if value is None:
            return None
        raw = self.doc.raw(path)
        if isinstance(value, bool) or raw is None or not VERSION.fullmatch(raw):
            self.problem(path, "'version' should be a number or a short name such as 2 or 2024-06.")
            return None
        return raw

    def choice_lists(self, value, path):
        if value is None:
            return {}
        value = self.mapping(value, path, "'choice_lists'")
        if value is None:
            return {}
        lists = {}
        for name, items in value.items():
            if self.ident(name, path + (name,), "choice list name") is None:
                continue
            lists[name] = self.choice_items(items, path + (name,), f"choice list '{name}'", None)
        return lists

    def sections(self, value, path, lists):
        if not isinstance(value, list) or not value:
            if value is not None:
                self.problem(path, "'sections' should be a list of sections, each starting with '- id:'.")
            return []
        # First pass: every question id in order, to tell "later" from "unknown".
        order = []
        for s in value:
            if isinstance(s, dict) and isinstance(s.get("questions"), list):
                order += [q.get("id") for q in s["questions"] if isinstance(q, dict)]
        self.order = [q for q in order if isinstance(q, str)]
        self.seen = {}
        self.untyped = set()
        section_ids = {}
        out = []
        for i, raw in enumerate(value):
            section = self.section(raw, path + (i,), lists)
            if section is None:
                continue
            if section.id in section_ids:
                self.problem(path + (i, "id"), f"section id '{section.id}' is used twice (first at line {section_ids[section.id]}).")
            elif section.id:
                section_ids[section.id] = self.doc.where(path + (i, "id"))[0]
            out.append(section)
        return out

    def section(self, raw, path, lists):
        data = self.mapping(raw, path, "a section")
        if data is None:
            return None
        self.check_keys(data, path, spec.SECTION_KEYS, "a section")
        sid = self.ident(data.get("id"), path + ("id",), "section id")
        what = f"section '{sid}'" if sid else "the section"
        title = self.text(data.get("title"), path + ("title",), f"the title of {what}")
        show_if = self.condition(data.get("show_if"), path + ("show_if",), None, before=dict(self.seen))
        questions = []
        raw_questions = data.get("questions")
        if raw_questions is not None and (not isinstance(raw_questions, list) or not raw_questions):
            self.problem(path + ("questions",), f"{what} should have a list of questions, each starting with '- id:'.")
        for i, q in enumerate(raw_questions if isinstance(raw_questions, list) else []):
            question = self.question(q, path + ("questions", i), lists)
            if question is not None:
                questions.append(question)
        return Section(id=sid or "", title=title, questions=tuple(questions), show_if=show_if)

    def question(self, raw, path, lists):
        data = self.mapping(raw, path, "a question")
        if data is None:
            return None
        qid = self.ident(data.get("id"), path + ("id",), "question id")
        if qid in RESERVED:
            self.problem(path + ("id",), f"'{qid}' is a word of the show_if language, so it cannot be a question id; choose another, such as '{qid}_answer'.", qid)
            qid = None
        if data.get("id") is None:
            # `id:` left empty counts as no id, or the question would quietly vanish.
            given = "id" in data
            self.problem(path + (("id",) if given else ()), "this question has no 'id'; add one in snake_case, such as 'visit_often'.", key=given)
        duplicate = qid in self.seen
        if duplicate:
            self.problem(path + ("id",), f"the id '{qid}' is used by another question (line {self.seen[qid].line}); each question needs its own.", qid)
        qtype = data.get("type")
        if qtype is None:
            self.problem(path, "this question has no 'type'; add one such as 'text' or 'choice'.", qid)
            allowed = spec.QUESTION_KEYS
        elif not isinstance(qtype, str):
            # A list or mapping here cannot be looked up among the types at all.
            self.problem(path + ("type",), f"'type' should be one word such as 'text' or 'choice', not {describe(qtype)}.", qid)
            allowed = spec.QUESTION_KEYS
            qtype = None
        elif qtype not in spec.QUESTION_TYPES:
            self.problem(path + ("type",), f"unknown type '{qtype}'.", qid, suggest(qtype, spec.QUESTION_TYPES))
            allowed = spec.QUESTION_KEYS
            qtype = None
        else:
            allowed = {k: spec.QUESTION_KEYS[k] for k in spec.TYPE_KEYS[qtype]}
        what = f"{'an' if qtype[0] in 'aeiou' else 'a'} {qtype} question" if qtype else "a question"
        self.check_keys({k: v for k, v in data.items() if k not in ("id", "type")}, path, {k: v for k, v in allowed.items() if k not in ("id", "type")}, what, qid, elsewhere=spec.QUESTION_KEYS)
        label = self.text(data.get("label"), path + ("label",), "the label", qid)
        line = self.doc.where(path)[0]
        fields = dict(
            id=qid or "",
            type=qtype or "text",
            label=label,
            line=line,
            hint=self.text(data.get("hint"), path + ("hint",), "the hint", qid),
            required=self.boolean(data.get("required"), path + ("required",), "required", qid),
            personal=self.boolean(data.get("personal"), path + ("personal",), "personal", qid),
            sensitive=self.boolean(data.get("sensitive"), path + ("sensitive",), "sensitive", qid),
            print=self.boolean(data.get("print"), path + ("print",), "print", qid, default=True),
            show_if=self.condition(data.get("show_if"), path + ("show_if",), qid, before=dict(self.seen)),
        )
        if qtype:
            getattr(self, f"keys_{qtype}", lambda *a: None)(data, path, qid, fields, lists)
        if qtype == "consent":
            fields["required"] = True
        question = Question(**fields)
        if duplicate:
            return None
        if qid:
            self.seen[qid] = question
            if not qtype:
                self.untyped.add(qid)
        return question if qid and qtype and label else None

    # -- show_if -----------------------------------------------------------

    def condition(self, value, path, qid, before):
        if value is None:
            return None
        if not isinstance(value, str):
            self.problem(path, f"show_if should be a condition in quotes, such as \"visited == 'yes'\", not {describe(value)}.", qid)
            return None
        # Offsets count from the condition's first character, one past an opening quote.
        lead = 1 if self.doc.quoted(path) else 0
        try:
            tree, positions = parse_condition(value)
        except ExprError as exc:
            self.problem(path, f"show_if cannot be read: {exc.message}.", qid, shift=lead + exc.offset)
            return None
        if not positions:
            # A condition on no answer is fixed for everyone: it hides for ever or never.
            self.problem(path, "show_if must depend on an earlier answer, such as visited == 'yes'.", qid, shift=lead)
            return None
        ok = True
        for ref, offset in positions.items():
            if ref in before:
                continue
            ok = False
            if ref == qid:
                self.problem(path, "show_if refers to this question itself; it can only depend on earlier answers.", qid, shift=lead + offset)
            elif ref in self.order:
                self.problem(path, f"show_if refers to '{ref}', which comes later in the form; a question can only depend on answers given before it.", qid, shift=lead + offset)
            else:
                self.problem(path, f"show_if refers to '{ref}', but there is no question with that id before this point.", qid, suggest(ref, list(before)), shift=lead + offset)
        if not ok:
            return None
        if self.untyped.intersection(positions):
            # The question's type is already reported as wrong; checking the
            # comparison against a guessed type would only add noise.
            return None
        for message in check_condition(tree, before):
            self.problem(path, f"show_if: {message}", qid)
            ok = False
        if not ok:
            return None
        return Condition(value.strip(), json.dumps(tree, separators=(",", ":")))
