"""Routing for paper: which printed question each answer leads to, from the show_if conditions.

On screen a hidden question simply is not there; on paper every question is,
so people need instructions in words. Three kinds are worked out here:

- beside an answer: "Go to question 7", when choosing it skips the questions
  that follow (only for questions with one answer from a fixed list: choice,
  yes/no and scale);
- after a question: "If you answered 'No' to question 1, go to question 9",
  when the questions that follow are not meant for everyone who answered it;
- before a question or section: "Answer this question only if ...", for the
  parts of a condition that no single answer decides (several questions,
  numbers, ticked boxes of a multiple choice).

A condition is split into its top-level 'and' parts: a part that reads only one
single-answer question is routed, every other part is put in words. A question
whose routed parts fail for an answer is off that answer's route, and so is
every later question whose condition then depends on an unanswered one.
"""

from dataclasses import dataclass

from forms import OTHER, evaluate

from .conditions import Namer, describe
from .words import capitalise, say

ROUTABLE = ("choice", "yes_no", "scale")
END = None  # the target of "go to the end of the form"


@dataclass(frozen=True)
class Instruction:
    question_id: str  # the question it is printed with
    place: str  # "answer" (beside values), "after", "before" or "section"
    values: tuple = ()  # answer: the answers it is beside; after: the trigger's answers it is for
    target: int | None = END  # answer/after: the question number to go to
    trigger: str | None = None  # after: the question whose answers `values` are (None: everyone)
    tree: dict | None = None  # before/section: the condition to put in words
    first: int = 0  # section: the first and last question numbers of the section
    last: int = 0


@dataclass(frozen=True)
class Plan:
    numbers: dict  # question id -> printed number
    instructions: tuple

    def at(self, qid, place=None):
        return [i for i in self.instructions if i.question_id == qid and (place is None or i.place == place)]


def printed_questions(form):
    """The numbered questions, in order: answerable and not marked print: false."""
    return [q for q in form.questions if q.print and q.answerable]


def question_numbers(form):
    """{question id: the number printed beside it}; paper entry labels its fields with the same."""
    return {q.id: n for n, q in enumerate(printed_questions(form), 1)}


def scale_as_list(scale):
    """A scale with a label on an inner point reads best as a list of labelled boxes, one a line."""
    inner = [p for p in scale.labels if p not in (scale.min, scale.max)]
    return bool(inner) and len(scale.points) <= 7


def answer_values(q):
    if q.type == "yes_no":
        return ["yes", "no"]
    if q.type == "scale":
        return list(q.scale.points)
    return [c.value for c in q.choices] + ([OTHER] if q.other else [])


def _conjuncts(tree):
    if tree is None:
        return []
    if tree.get("op") == "and":
        return [part for arg in tree["args"] for part in _conjuncts(arg)]
    return [tree]


def _refs(tree):
    found = set()

    def walk(node):
        if "answer" in node:
            found.add(node["answer"])
        for arg in node.get("args", ()):
            walk(arg)

    walk(tree)
    return found


def _joined(parts):
    return parts[0] if len(parts) == 1 else {"op": "and", "args": list(parts)}


def plan_routes(form):
    """Every routing instruction of the form's paper version."""
    printed = printed_questions(form)
    numbers = question_numbers(form)
    by_id = {q.id: q for q in form.questions}
    index = {q.id: i for i, q in enumerate(printed)}

    def routable(part, qid):
        refs = _refs(part)
        if len(refs) != 1:
            return None
        (t,) = refs
        if t in index and by_id[t].type in ROUTABLE and index[t] < index[qid]:
            return t
        return None

    # Each printed question's condition parts: (part, trigger or None, from section?).
    parts = {}
    for section in form.sections:
        section_parts = _conjuncts(section.show_if.tree) if section.show_if else []
        for q in section.questions:
            if q.id not in index:
                continue
            own = _conjuncts(q.show_if.tree) if q.show_if else []
            parts[q.id] = [(p, routable(p, q.id), True) for p in section_parts] + [
                (p, routable(p, q.id), False) for p in own
            ]

    instructions = []
    triggers = [q for q in printed if any(t == q.id for qid in parts for _, t, _ in parts[qid])]
    after = {}  # (question, trigger, target) -> [trigger values]
    for t in triggers:
        for v in answer_values(t):
            route = _route(printed, index[t.id], t.id, v, parts)
            following = printed[index[t.id] + 1] if index[t.id] + 1 < len(printed) else None
            nxt = route[0] if route else None
            if nxt is not following:
                instructions.append(Instruction(t.id, "answer", (v,), numbers[nxt.id] if nxt else END))
            for a, b in zip(route, route[1:] + [None]):
                following = printed[index[a.id] + 1] if index[a.id] + 1 < len(printed) else None
                if b is not following:
                    after.setdefault((a.id, t.id, numbers[b.id] if b else END), []).append(v)

    for (qid, tid, target), values in after.items():
        t = by_id[tid]
        on = [v for v in answer_values(t) if _route_has(printed, index[tid], tid, v, parts, qid)]
        everyone_here_goes = sorted(values, key=str) == sorted(on, key=str) and len(on) < len(answer_values(t))
        if everyone_here_goes:
            instructions.append(Instruction(qid, "after", (), target))
        else:
            instructions.append(Instruction(qid, "after", tuple(values), target, trigger=tid))

    for section in form.sections:
        shown = [q for q in section.questions if q.id in index]
        if not shown:
            continue
        complex_parts = [p for p, t, from_section in parts[shown[0].id] if from_section and t is None]
        if complex_parts:
            instructions.append(Instruction(
                shown[0].id, "section", tree=_joined(complex_parts),
                first=numbers[shown[0].id], last=numbers[shown[-1].id],
            ))
        for q in shown:
            complex_parts = [p for p, t, from_section in parts[q.id] if not from_section and t is None]
            if complex_parts:
                instructions.append(Instruction(q.id, "before", tree=_joined(complex_parts)))

    order = {"section": 0, "before": 1, "answer": 2, "after": 3}
    instructions.sort(key=lambda i: (index[i.question_id], order[i.place]))
    return Plan(numbers, tuple(instructions))


def _route(printed, start, tid, value, parts):
    """The printed questions after printed[start] that are on the route of answer `value` to `tid`."""
    off = set()
    route = []
    for q in printed[start + 1:]:
        for part, _, _ in parts[q.id]:
            refs = _refs(part)
            # A part is decided only when it reads the trigger or questions already off the route.
            if refs <= off | {tid} and evaluate(part, {tid: value}) is not True:
                off.add(q.id)
                break
        else:
            route.append(q)
    return route


def _route_has(printed, start, tid, value, parts, qid):
    return any(q.id == qid for q in _route(printed, start, tid, value, parts))


def instruction_text(instruction, lang, plan, form):
    """One instruction in words, exactly as printed."""
    namer = Namer(form, plan.numbers)
    i = instruction
    if i.place == "answer":
        q = form.question(i.question_id)
        if q.type == "scale" and not scale_as_list(q.scale):
            values = [v for j in plan.at(q.id, "answer") if j.target == i.target for v in j.values]
            shown = namer.values(q.id, values, lang)
            if i.target is END:
                return say("ticked_go_to_end", lang, values=shown)
            return say("ticked_go_to", lang, values=shown, n=i.target)
        return say("go_to_end", lang) if i.target is END else say("go_to", lang, n=i.target)
    if i.place == "after":
        if i.trigger is None:
            return say("now_go_to_end", lang) if i.target is END else say("now_go_to", lang, n=i.target)
        shown = namer.values(i.trigger, i.values, lang)
        q = plan.numbers[i.trigger]
        if i.target is END:
            return say("answered_go_to_end", lang, values=shown, q=q)
        return say("answered_go_to", lang, values=shown, q=q, n=i.target)
    cond = describe(i.tree, lang, namer)
    if i.place == "before":
        return capitalise(say("only_if", lang, cond=cond))
    key = "only_if_one" if i.first == i.last else "only_if_two" if i.last == i.first + 1 else "only_if_range"
    return say(key, lang, first=i.first, last=i.last, cond=cond)


def skip_instructions(form, lang):
    """{question id: [(answer value or None, text)]}: every routing instruction in words.

    An answer value means the text is printed beside that answer; None means it
    is printed with the question as a whole (before it, or after its answers).
    """
    plan = plan_routes(form)
    found = {}
    for i in plan.instructions:
        text = instruction_text(i, lang, plan, form)
        if i.place == "answer":
            for v in i.values:
                found.setdefault(i.question_id, []).append((v, text))
        else:
            found.setdefault(i.question_id, []).append((None, text))
    return found
