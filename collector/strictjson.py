"""JSON read as the store can keep it.

Python's json module reads some texts that nothing after it can keep: half of a
surrogate pair ("\ud800", which is not text and no SQLite text column holds) and
NaN or Infinity (which JSON does not allow, so no export or JSON reader takes
them back). Bodies sent to the collector's API and files imported are read with
msgspec, which refuses them; when it does, Python's json finds the value and says
where it is, so the person sending it gets a message instead of a failure on the
way into SQLite.
"""

import json

import msgspec

_decode = msgspec.json.Decoder().decode


class Unreadable(ValueError):
    """Why a JSON text cannot be read, in words ("'comments' in 'answers' holds half of ...")."""


def loads(data):
    """The value of a JSON text (bytes or str), read strictly; Unreadable saying why and where otherwise."""
    try:
        return _decode(data)
    except UnicodeDecodeError:  # bytes that are not UTF-8 inside a string (a ValueError, not a DecodeError)
        raise Unreadable("it is not UTF-8 text") from None
    except (msgspec.DecodeError, ValueError):
        pass
    except RecursionError:
        raise Unreadable("it is nested too deeply") from None
    # Rare: say what is wrong, and where, in words.
    try:
        value = json.loads(data)
    except UnicodeDecodeError:
        raise Unreadable("it is not UTF-8 text") from None
    except ValueError as exc:
        raise Unreadable(f"it is not JSON: {exc}") from None
    except RecursionError:
        raise Unreadable("it is nested too deeply") from None
    raise Unreadable(_unkeepable(value) or "it is not JSON the store can keep")


def _unkeepable(value, where=None):
    """Where value holds what Python's json takes but the store cannot keep, in words; else None."""
    if isinstance(value, str):
        if any("\ud800" <= c <= "\udfff" for c in value):
            return f"{where or 'the text'} holds half of a surrogate pair, which is not text"
    elif isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return f"{where or 'the number'} is {value}: NaN, Infinity and numbers too large to hold are not kept"
    elif isinstance(value, dict):
        for key, item in value.items():
            found = _unkeepable(key, f"a name in {where or 'the object'}") or _unkeepable(item, f"'{key}' in {where}" if where else f"'{key}'")
            if found:
                return found
    elif isinstance(value, list):
        for n, item in enumerate(value, 1):
            found = _unkeepable(item, f"item {n} of {where or 'the list'}")
            if found:
                return found
    return None
