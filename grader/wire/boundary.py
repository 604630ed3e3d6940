"""Text from the sandbox, made safe once where it crosses into the grader (THREATS 58, 63).

Everything a worker sends (error descriptions, notes, returned values) and the text
the grader reads from a submission itself (notebook cells, printed output) passes
through here before any check, result or writer sees it:
- lone surrogates and control characters (but newline and tab) become U+FFFD, so no
  writer (JSON, HTML, CSV, JUnit XML, terminal) can fail on, or be steered by, a
  student's text; a carriage return becomes a newline (progress bars stay readable);
- every string and list of notes is capped, saying what was cut, so no student
  string grows the grader's memory or the reports.
The worker uses `clip` and `cap_notes` too, so what it sends is short already; the
grader trusts only its own pass.
"""
from __future__ import annotations

import re
from typing import Any

MESSAGE = 500  # an exception's message; one note
NAME = 120     # a type, function, probe or key name; a magic line quoted in a note
WHERE = 200    # "cell 4, line 2, in train"
VALUE = 1000   # a string inside a returned value (the course's answers are short)
NOTES = 20     # notes kept from loading one submission; the rest are counted

# C0 and C1 controls but tab and newline; surrogates (unencodable when alone);
# bidirectional overrides and isolates (they reorder the text around them).
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\u202a-\u202e\u2066-\u2069]")
_SURROGATE = re.compile("[\ud800-\udfff]")
_MARKER_ROOM = len("[... 999999999999 characters cut]")
# "argument", "part" and "what" describe an argument a call changed (grader/sandbox/argument_guard.py).
_ERROR_FIELDS = {"kind": NAME, "name": NAME, "type": NAME, "function": NAME, "message": MESSAGE, "where": WHERE,
                 "argument": NAME, "part": NAME, "what": MESSAGE}


def unix_newlines(text: str) -> str:
    """`text` with \\r\\n and lone \\r as \\n, as Python's tokenizer reads source."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def clean(text: str) -> str:
    """`text` with every character a writer or terminal could choke on replaced."""
    return _UNSAFE.sub("\ufffd", unix_newlines(text))


def one_line(text: str, limit: int = 120) -> str:
    """A name from a submission (a file, folder or zip member) made safe to print on one line
    of a terminal or CI log: cleaned, capped, and no line break a workflow command could follow."""
    return clip(text, limit).replace("\n", "\ufffd").replace("\t", " ")


def clip(text: Any, limit: int) -> str:
    """Clean `text` and keep its first `limit` characters, saying how many were cut.

    Text within `limit` plus room for the cut marker is kept whole, so clipping what
    the worker clipped already changes nothing (the count it gives stays true).
    """
    if type(text) is not str:
        text = "" if text is None else str(text)  # decoded plain data: str() runs no student code
    if len(text) <= limit + _MARKER_ROOM:
        return clean(text)
    return f"{clean(text[:limit])}[... {len(text) - limit} characters cut]"


def without_surrogates(source: str) -> str:
    """Code with lone surrogates replaced: they can never compile, and no writer can encode them."""
    return _SURROGATE.sub("\ufffd", source)


def cap_notes(notes: Any, keep: int = NOTES) -> list[str]:
    """The first `keep` notes, each clipped, then one saying how many more there were."""
    if type(notes) is not list:
        return []
    if len(notes) <= keep + 1:  # room for the "more" line: capping twice keeps the count true
        return [clip(n, MESSAGE) for n in notes]
    return [clip(n, MESSAGE) for n in notes[:keep]] + [f"... and {len(notes) - keep} more"]


def clean_error(err: Any) -> dict[str, Any]:
    """A worker's error description with only known fields, each cleaned and capped."""
    if type(err) is not dict:
        return {"kind": "raised", "type": "", "message": "the worker described its error in a form that cannot be read",
                "where": "", "function": None, "name": "", "line": None}
    out: dict[str, Any] = {key: clip(err.get(key), limit) for key, limit in _ERROR_FIELDS.items()}
    out["kind"] = out["kind"] or "raised"
    out["function"] = out["function"] or None
    line = err.get("line")
    out["line"] = line if type(line) is int else None
    return out


def clean_value(value: Any) -> Any:
    """A decoded value with every string in it cleaned and capped; numbers and tensors as they are."""
    from grader.wire.transport import Opaque, TensorLike  # here: reading a notebook needs no torch

    t = type(value)
    if t is str:
        return clip(value, VALUE)
    if t is list:
        return [clean_value(x) for x in value]
    if t is tuple:
        return tuple(clean_value(x) for x in value)
    if t is dict:
        return {clean_value(k): clean_value(x) for k, x in value.items()}
    if t is Opaque:
        return Opaque(clip(value.type_name, NAME))
    if t is TensorLike:
        return TensorLike(clip(value.device, NAME), clip(value.layout, NAME), clip(value.dtype, NAME),
                          clean_value(value.shape))
    return value


def clean_reply(reply: dict) -> dict[str, Any]:
    """A worker's decoded message, every field made safe by what it is."""
    out: dict[str, Any] = {}
    for key, value in reply.items():
        if key in ("error", "import_error"):
            out[key] = clean_error(value)
        elif key in ("notes", "missing_layers"):
            out[key] = cap_notes(value)
        else:
            out[clean_value(key)] = clean_value(value)
    return out
