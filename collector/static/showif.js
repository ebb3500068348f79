/*
 * show_if in the browser: evaluates the JSON tree that forms/expr.py parses,
 * with exactly the semantics of forms.expr.evaluate (checked against
 * forms/showif_vectors.json by tests/test_showif.py).
 *
 * Plain script, no modules, no eval: exposes window.ShowIf.evaluate(tree, answers).
 *
 * Tree nodes:
 *   {"answer": "question_id"}       the answer, or null when unanswered
 *   {"value": literal | [literals]}
 *   {"op": OP, "args": [node, ...]} == != < <= > >= in "not in" and or not answered
 *
 * Rules (same as Python):
 *   - an answer that is missing, null, "", [] or {} is unanswered (null);
 *   - any comparison with an unanswered side is false, including != and "not in";
 *   - numbers compare numerically (3 == 3.0); no coercion between types
 *     ("1" != 1, true != 1);
 *   - < <= > >= only between two numbers or two strings, otherwise false;
 *     strings are ordered by Unicode code point, like Python (not UTF-16 units);
 *   - == and != with a list on either side are false;
 *   - "in" needs a list on the right; a list on the left means "any overlap";
 *   - and / or / not treat only the value true as true.
 */
(function (global) {
  "use strict";

  var hasOwn = Object.prototype.hasOwnProperty;

  function isArray(x) {
    return Array.isArray(x);
  }

  function isDict(x) {
    return x !== null && typeof x === "object" && !Array.isArray(x);
  }

  function isNumber(x) {
    return typeof x === "number";
  }

  function isEmpty(x) {
    if (x === null || x === undefined || x === "") return true;
    if (isArray(x)) return x.length === 0;
    if (isDict(x)) return Object.keys(x).length === 0;
    return false;
  }

  // Python's type name, as far as normalised answers go; int and float are
  // both "number" (they are handled before types are compared).
  function kind(x) {
    if (x === null || x === undefined) return "none";
    if (isArray(x)) return "list";
    if (isDict(x)) return "dict";
    return typeof x; // "string", "number", "boolean"
  }

  // Python's == for values nested inside lists and dicts (where Python
  // compares with plain ==, in which True == 1).
  function pyEqual(a, b) {
    var ka = kind(a), kb = kind(b);
    if ((ka === "number" || ka === "boolean") && (kb === "number" || kb === "boolean")) {
      return Number(a) === Number(b);
    }
    if (ka !== kb) return false;
    if (ka === "none") return true;
    if (ka === "list") {
      if (a.length !== b.length) return false;
      for (var i = 0; i < a.length; i++) {
        if (!pyEqual(a[i], b[i])) return false;
      }
      return true;
    }
    if (ka === "dict") {
      var keys = Object.keys(a);
      if (keys.length !== Object.keys(b).length) return false;
      for (var j = 0; j < keys.length; j++) {
        if (!hasOwn.call(b, keys[j]) || !pyEqual(a[keys[j]], b[keys[j]])) return false;
      }
      return true;
    }
    return a === b;
  }

  // forms.expr._same: numbers by value, otherwise same type and equal.
  function same(a, b) {
    if (isNumber(a) && isNumber(b)) return a === b; // NaN is never equal
    return kind(a) === kind(b) && pyEqual(a, b);
  }

  // Code-point order, as Python compares str (JS "<" compares UTF-16 units,
  // which puts U+1F600 before U+FF5E).
  function compareText(a, b) {
    var n = Math.min(a.length, b.length);
    for (var i = 0; i < n; i++) {
      if (a.charCodeAt(i) !== b.charCodeAt(i)) {
        return a.codePointAt(i) - b.codePointAt(i);
      }
    }
    return a.length - b.length;
  }

  function order(op, left, right) {
    var c;
    if (isNumber(left) && isNumber(right)) {
      c = left < right ? -1 : left > right ? 1 : left === right ? 0 : NaN;
    } else if (typeof left === "string" && typeof right === "string") {
      c = compareText(left, right);
    } else {
      return false;
    }
    // NaN makes every comparison below false, as in Python.
    if (op === "<") return c < 0;
    if (op === "<=") return c <= 0;
    if (op === ">") return c > 0;
    if (op === ">=") return c >= 0;
    throw new Error("show_if: unknown operator " + String(op));
  }

  function evaluate(tree, answers) {
    if (hasOwn.call(tree, "answer")) {
      var id = tree.answer;
      var value = answers && hasOwn.call(answers, id) ? answers[id] : null;
      return isEmpty(value) ? null : value;
    }
    if (hasOwn.call(tree, "value")) {
      return tree.value;
    }
    var op = tree.op, args = tree.args;
    var i;
    if (op === "and") {
      for (i = 0; i < args.length; i++) {
        if (evaluate(args[i], answers) !== true) return false;
      }
      return true;
    }
    if (op === "or") {
      for (i = 0; i < args.length; i++) {
        if (evaluate(args[i], answers) === true) return true;
      }
      return false;
    }
    if (op === "not") {
      return evaluate(args[0], answers) !== true;
    }
    if (op === "answered") {
      return evaluate(args[0], answers) !== null;
    }
    var left = evaluate(args[0], answers);
    var right = evaluate(args[1], answers);
    if (left === null || left === undefined || right === null || right === undefined) {
      return false;
    }
    if (op === "in" || op === "not in") {
      if (!isArray(right)) return false;
      var pool = isArray(left) ? left : [left];
      var found = false;
      for (i = 0; i < pool.length && !found; i++) {
        for (var j = 0; j < right.length; j++) {
          if (same(pool[i], right[j])) {
            found = true;
            break;
          }
        }
      }
      return op === "in" ? found : !found;
    }
    if (isArray(left) || isArray(right)) return false;
    if (op === "==") return same(left, right);
    if (op === "!=") return !same(left, right);
    return order(op, left, right);
  }

  global.ShowIf = { evaluate: evaluate };
})(typeof window !== "undefined" ? window : this);
