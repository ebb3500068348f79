"""Reading the keys that belong to one question type: numbers, scales, choices, grids.

A mixin of the form reader in parse.py, kept apart so each file stays small;
it reports through the reader's own problem() and scalar readers.
"""

import re
from types import MappingProxyType

from . import spec
from .errors import describe, suggest
from .model import OTHER, Choice, Scale, Statement


class TypeKeys:
    def keys_text(self, data, path, qid, fields, lists):
        fields["max_length"] = self.integer(data.get("max_length"), path + ("max_length",), "max_length", qid, low=1)
        if "pattern" not in spec.TYPE_KEYS[fields["type"]]:
            # textarea and email share this reader but take no pattern; that
            # key is already reported as not applying to them.
            return
        pattern = data.get("pattern")
        if pattern is not None:
            if not isinstance(pattern, str):
                self.problem(path + ("pattern",), f"'pattern' should be a regular expression in quotes, not {describe(pattern)}.", qid)
            else:
                try:
                    re.compile(pattern)
                    fields["pattern"] = pattern
                except re.error as exc:
                    self.problem(path + ("pattern",), f"'pattern' is not a valid regular expression: {exc}.", qid)
        fields["pattern_message"] = self.text(data.get("pattern_message"), path + ("pattern_message",), "the pattern_message", qid)
        if pattern is not None and fields["pattern_message"] is None and "pattern_message" not in data:
            self.problem(path + ("pattern",), "a 'pattern' needs a 'pattern_message' telling people what to write.", qid)

    keys_textarea = keys_email = keys_text

    def keys_number(self, data, path, qid, fields, lists):
        fields["decimals"] = self.integer(data.get("decimals"), path + ("decimals",), "decimals", qid, low=0) or 0
        if fields["decimals"] > 6:
            self.problem(path + ("decimals",), "'decimals' should be 6 or fewer.", qid)
        low = fields["min"] = self.number(data.get("min"), path + ("min",), "min", qid)
        high = fields["max"] = self.number(data.get("max"), path + ("max",), "max", qid)
        if low is not None and high is not None and low > high:
            self.problem(path + ("max",), f"'max' ({high}) is smaller than 'min' ({low}).", qid)

    def keys_scale(self, data, path, qid, fields, lists):
        for key in ("min", "max"):
            if data.get(key) is None:
                given = key in data
                self.problem(path + ((key,) if given else ()), f"the scale has no '{key}'; a scale needs both ends, such as min: 1 and max: 5.", qid, key=given)
        fields["scale"] = self.scale(data, path, qid, "the scale")

    def scale(self, data, path, qid, what):
        # Missing ends are reported by the caller: a grid's scale has them
        # checked with its other keys, so checking here too would say it twice.
        low = self.integer(data.get("min"), path + ("min",), "min", qid)
        high = self.integer(data.get("max"), path + ("max",), "max", qid)
        if low is None or high is None:
            return None
        if high <= low:
            self.problem(path + ("max",), f"'max' ({high}) should be larger than 'min' ({low}).", qid)
            return None
        if high - low + 1 > spec.MAX_SCALE_POINTS:
            self.problem(path + ("max",), f"{what} has {high - low + 1} points; use {spec.MAX_SCALE_POINTS} or fewer (such as 0 to 10).", qid)
            return None
        labels, given = {}, set()
        raw = data.get("labels")
        if raw is not None and self.mapping(raw, path + ("labels",), "'labels'", qid) is not None:
            for point, text in raw.items():
                try:
                    number = int(point)
                except (TypeError, ValueError):
                    self.problem(path + ("labels", point), f"scale label '{point}' should be a point of the scale, from {low} to {high}.", qid, key=True)
                    continue
                if not low <= number <= high:
                    self.problem(path + ("labels", point), f"scale label {number} is outside the scale, which runs from {low} to {high}.", qid, key=True)
                    continue
                if number in given:
                    self.problem(path + ("labels", point), f"scale point {number} is labelled twice.", qid, key=True)
                    continue
                given.add(number)
                label = self.text(text, path + ("labels", point), f"the label of point {number}", qid, required=True)
                if label is not None:
                    labels[number] = label
            # Screens and paper show either the two ends labelled or every point.
            ends, every = {low, high}, set(range(low, high + 1))
            if given and given != ends and given != every:
                missing = sorted(every - given)
                shown = ", ".join(str(n) for n in missing[:5]) + (", ..." if len(missing) > 5 else "")
                self.problem(path + ("labels",), f"label the two ends ({low} and {high}) or every point from {low} to {high}; points without a label: {shown}.", qid)
        return Scale(low, high, MappingProxyType(dict(sorted(labels.items()))))

    def keys_choice(self, data, path, qid, fields, lists):
        fields["other"] = self.boolean(data.get("other"), path + ("other",), "other", qid)
        choices = self.choices_of(data, path, qid, lists)
        if fields["other"] and any(c.value == OTHER for c in choices):
            self.problem(path + ("choices",), f"the value '{OTHER}' is kept for 'Other (please specify)'; give that choice another value or remove 'other: true'.", qid)
        fields["choices"] = choices

    def keys_choices(self, data, path, qid, fields, lists):
        self.keys_choice(data, path, qid, fields, lists)
        count = len(fields["choices"]) + (1 if fields["other"] else 0)
        low = fields["min_selected"] = self.integer(data.get("min_selected"), path + ("min_selected",), "min_selected", qid, low=0)
        high = fields["max_selected"] = self.integer(data.get("max_selected"), path + ("max_selected",), "max_selected", qid, low=1)
        if low is not None and count and low > count:
            self.problem(path + ("min_selected",), f"'min_selected' ({low}) is more than the {count} options there are.", qid)
        if low is not None and high is not None and low > high:
            self.problem(path + ("max_selected",), f"'max_selected' ({high}) is smaller than 'min_selected' ({low}).", qid)

    def keys_ranking(self, data, path, qid, fields, lists):
        fields["choices"] = self.choices_of(data, path, qid, lists)
        if len(fields["choices"]) == 1:
            self.problem(path + ("choices",), "a ranking needs at least two choices to put in order.", qid)

    def keys_grid(self, data, path, qid, fields, lists):
        raw = data.get("statements")
        statements, seen = [], set()
        if not isinstance(raw, list) or not raw:
            self.problem(path + (("statements",) if raw is not None else ()), "a grid needs 'statements': a list of items, each with an id and a label.", qid)
        else:
            for i, item in enumerate(raw):
                spath = path + ("statements", i)
                item = self.mapping(item, spath, "a statement", qid)
                if item is None:
                    continue
                self.check_keys(item, spath, spec.STATEMENT_KEYS, "a statement", qid)
                sid = self.ident(item.get("id"), spath + ("id",), "statement id", qid)
                label = self.text(item.get("label"), spath + ("label",), f"the label of statement '{sid}'", qid)
                if sid in seen:
                    self.problem(spath + ("id",), f"the statement id '{sid}' is used twice in this grid.", qid)
                elif sid and label:
                    seen.add(sid)
                    statements.append(Statement(sid, label))
        fields["statements"] = tuple(statements)
        has_scale, has_choices = "scale" in data, "choices" in data
        if has_scale == has_choices:
            self.problem(path, "a grid needs either a 'scale' (min, max, labels) or 'choices' shared by every statement, not " + ("both." if has_scale else "neither."), qid)
        elif has_scale:
            scale = self.mapping(data["scale"], path + ("scale",), "the grid's 'scale'", qid)
            if scale is not None:
                self.check_keys(scale, path + ("scale",), spec.GRID_SCALE_KEYS, "the grid's scale", qid)
                fields["scale"] = self.scale(scale, path + ("scale",), qid, "the grid's scale")
        else:
            fields["choices"] = self.choices_of(data, path, qid, lists)

    def choices_of(self, data, path, qid, lists):
        value = data.get("choices")
        cpath = path + ("choices",)
        if value is None:
            self.problem(path, "this question has no 'choices'; list them, or name one of the choice_lists.", qid)
            return ()
        if isinstance(value, str):
            if value in lists:
                return lists[value]
            options = list(lists)
            self.problem(cpath, f"there is no choice list called '{value}'" + (f" (there are: {', '.join(options)})." if options else "; add it under choice_lists, or list the choices here."), qid, suggest(value, options))
            return ()
        return self.choice_items(value, cpath, "the choices", qid)

    def choice_items(self, value, path, what, qid):
        if not isinstance(value, list):
            self.problem(path, f"{what} should be a list, each line starting with '- '.", qid)
            return ()
        if not value:
            self.problem(path, f"{what} list is empty; give at least one choice.", qid)
            return ()
        out, seen = [], {}
        for i, item in enumerate(value):
            ipath = path + (i,)
            if isinstance(item, dict):
                self.check_keys(item, ipath, spec.CHOICE_KEYS, "a choice", qid)
                raw_value, label_path = item.get("value"), ipath + ("label",)
                raw_label = item.get("label", raw_value)
                if "label" not in item:
                    label_path = ipath + ("value",)
                vpath = ipath + ("value",)
            else:
                raw_value, raw_label, vpath, label_path = item, item, ipath, ipath
            if isinstance(raw_value, bool) or not isinstance(raw_value, (str, int, float)):
                if raw_value is not None:
                    self.problem(vpath, f"a choice value should be text or a number, not {describe(raw_value)}.", qid)
                elif not isinstance(item, dict):
                    # A bare '- ' line; a mapping without a value is reported by check_keys.
                    self.problem(ipath, "this choice is empty; write it after the '- ', or remove the line.", qid)
                continue
            val = self.doc.raw(vpath) or str(raw_value)
            if val != val.strip() or not val:
                self.problem(vpath, "a choice value should not be empty or start or end with spaces.", qid)
                continue
            if val in seen:
                self.problem(vpath, f"the choice value '{val}' is used twice in {what} (first on line {seen[val]}); each choice needs its own value.", qid)
                continue
            seen[val] = self.doc.where(vpath)[0]
            label = self.text(raw_label, label_path, f"the label of choice '{val}'", qid, required=True)
            if label is not None:
                out.append(Choice(val, label))
        return tuple(out)
