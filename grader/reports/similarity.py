"""Similarity between students' files for one assignment, as MOSS measures it (issue 19).

Each file becomes a set of fingerprints (Schleimer, Wilkerson, Aiken, "Winnowing: local
algorithms for document fingerprinting", SIGMOD 2003):
- tokens, with comments, docstrings, blank lines and indentation dropped; every name a
  student chooses (variables, functions, parameters, `self.` attributes) becomes one
  token, while keywords, builtins, imported modules and attribute names (`.backward`,
  `nn.Linear`: torch's API, which nobody renames) stay; strings become one token;
- each function, class body and group of top-level statements is a unit of its own,
  so reordering functions changes no fingerprint;
- the hashes of every K consecutive tokens of a unit, winnowed: of each W consecutive
  hashes the smallest is kept, which guarantees that any match of K + W - 1 tokens or
  more is found;
- every k-gram of the assignment's stub is removed (every student starts from it).
The score of two files is the Jaccard overlap of their fingerprint sets, shared / all
distinct ones: symmetric, in [0, 1], 1 for the same code however disguised.

Pure: no torch, no files written. Our own code rather than copydetect, which
tokenises with Pygments (variable names, not torch's API, kept apart), scores each file
one way and needs numpy, Pygments and tqdm; here the normalisation knows Python and torch.
"""
from __future__ import annotations

import builtins
import csv
import functools
import hashlib
import io
import keyword
import tokenize
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path

from grader.course.notebook import NotebookError, read_code_cells
from grader.course.submission import Stubs, Submission, SubmissionFile, list_entries, not_handed_in, read_submission
from grader.reports import html_report
from grader.reports.gradebook import spreadsheet_safe
from grader.wire.boundary import clean, clip

K = 8                  # tokens per k-gram: shorter runs are noise every solution shares
W = 4                  # winnowing window: a shared run of K + W - 1 = 11 tokens is always found
THRESHOLD = 0.5        # default score from which a pair is worth a look (tests/test_similarity.py)
MAX_TOKENS = 20_000    # per file: a course solution has ~1,000; past that nothing is read (a hostile file costs ~0.5 s)
SHOWN_LINES = 400      # lines of each file shown side by side on the page
SHOWN_CHARS = 300      # characters of each line shown (one 8 MiB line must not make an 8 MiB page)
SHOWN_PAIRS = 200      # pairs shown on the page (the CSV has them all)

_KEPT = frozenset(keyword.kwlist) | frozenset(keyword.softkwlist) | frozenset(dir(builtins))
_NAME, _STRING, _END = "V", '""', ";"  # the markers are not identifiers: no name turns into them
_SKIPPED = {tokenize.COMMENT, tokenize.NL, tokenize.INDENT, tokenize.DEDENT, tokenize.ENCODING, tokenize.ENDMARKER}
_FSTRING_START = getattr(tokenize, "FSTRING_START", None)  # Python 3.12 splits f-strings into parts
_FSTRING_END = getattr(tokenize, "FSTRING_END", None)


class CodeError(Exception):
    """A file that cannot be compared; the message says why, in one line."""


@dataclass(frozen=True)
class Token:
    """One normalised token of a student's code, with the line it came from."""
    text: str   # normalised
    line: int   # 1-based line of the displayed text
    depth: int  # indentation level of its logical line


@dataclass(frozen=True)
class Code:
    """One student's file for one assignment, fingerprinted with the stub's prints removed."""

    student: str
    name: str
    text: str
    prints: dict[int, tuple[int, int]]  # fingerprint -> first and last line it covers


@dataclass(frozen=True)
class Pair:
    """Two students' files for one assignment and their similarity score in [0, 1]."""

    assignment: str
    a: Code
    b: Code
    score: float


@dataclass
class ClassSimilarity:
    """Every pair of files compared, highest score first, and what could not be compared."""

    pairs: list[Pair] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # "student, assignment: why"

    def worth_a_look(self, threshold: float = THRESHOLD) -> list[Pair]:
        """The pairs at or above `threshold`."""
        return [p for p in self.pairs if p.score >= threshold]


def read_source(file: SubmissionFile) -> tuple[list[tuple[int, str]], str]:
    """The code as (first line, text) chunks, one for a .py and one per code cell of a notebook,
    and the text shown for it, whose line numbers are the chunks' (CodeError if unreadable)."""
    if not file.name.endswith(".ipynb"):
        try:
            text = _lines(file.data.decode("utf-8-sig"))
        except UnicodeDecodeError:
            raise CodeError(f"{file.name} is not UTF-8 text") from None
        return [(1, text)], clean(text)
    try:
        cells, _ = read_code_cells(file.data, file.name)
    except NotebookError as exc:
        raise CodeError(str(exc)) from None
    chunks, shown, line = [], [], 1
    for cell in cells:
        text = _lines(cell.source).rstrip("\n")
        chunks.append((line + 1, text))  # below its "# cell N" line
        shown.append(f"# cell {cell.number}\n{text}\n")
        line += text.count("\n") + 3  # the "# cell N" line, the cell's lines, a blank line
    return chunks, clean("\n".join(shown))


def _lines(text: str) -> str:
    """Line ends as the tokenizer and the page count them."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def tokens(chunks: list[tuple[int, str]]) -> list[Token]:
    """The normalised tokens of the code, up to MAX_TOKENS; a broken tail is left out, not fatal."""
    raw: list[Token] = []
    for first_line, text in chunks:
        raw.extend(_raw_tokens(text, first_line - 1, MAX_TOKENS - len(raw)))
        raw.append(Token(_END, raw[-1].line if raw else first_line, 0))  # a cell ends its statement
    imported = _imported(raw)
    out = [Token(_normalised(raw, i, imported), t.line, t.depth) for i, t in enumerate(raw)]
    return _without_docstrings(out)


def _raw_tokens(text: str, offset: int, budget: int) -> Iterator[Token]:
    """Python's tokens less comments and layout; strings (f-strings too) as one token; NEWLINE and ';' as _END."""
    depth = fstring = 0
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            if budget <= 0:
                return
            kind, value = tok.type, tok.string
            if kind in (tokenize.INDENT, tokenize.DEDENT):
                depth += 1 if kind == tokenize.INDENT else -1
            if _FSTRING_START is not None and kind in (_FSTRING_START, _FSTRING_END):
                fstring += 1 if kind == _FSTRING_START else -1
                kind, value = tokenize.STRING, _STRING
            if kind in _SKIPPED or (fstring and kind != tokenize.STRING):
                continue
            if kind == tokenize.STRING:
                value = _STRING
            elif kind == tokenize.NEWLINE or value == ";":
                value = _END
            yield Token(value, offset + tok.start[0], depth)
            budget -= 1
    except (tokenize.TokenError, SyntaxError):
        return  # an unterminated string or bracket: compare what came before it


def _imported(toks: list[Token]) -> set[str]:
    """Names that import statements bind or name (`torch`, `nn`, `np`, `F`): modules, kept as they are."""
    names: set[str] = set()
    in_import = False
    for i, tok in enumerate(toks):
        before = toks[i - 1].text if i else _END
        if tok.text in ("import", "from") and before == _END:
            in_import = True
        elif tok.text == _END:
            in_import = False
        elif in_import and before in ("import", "from", "as", ",", "(") and tok.text.isidentifier():
            names.add(tok.text)
    return names


def _normalised(toks: list[Token], i: int, imported: set[str]) -> str:
    """A token as compared: names a student chooses become one token; Python's and torch's stay."""
    text = toks[i].text
    if not text.isidentifier() or text in _KEPT or text in imported:
        return text
    if i >= 2 and toks[i - 1].text == "." and toks[i - 2].text != "self":
        return text  # an attribute: torch's API (.backward, nn.Linear), not the student's choice
    return _NAME


def _without_docstrings(toks: list[Token]) -> list[Token]:
    """Drop statements that are only a string (docstrings, strings used as comments)."""
    return [t for line in _logical_lines(toks) if any(t.text not in (_STRING, _END) for t in line) for t in line]


_DEF_STARTS = ("def", "class", "async", "@")


def units(toks: list[Token]) -> list[list[Token]]:
    """Split into functions, classes and runs of top-level statements, so their order does not count."""
    found: list[list[Token]] = [[]]
    decorating = False
    for line in _logical_lines(toks):
        head = line[0]
        opens = head.text in _DEF_STARTS and not decorating
        back_at_top = head.depth == 0 and bool(found[-1]) and found[-1][-1].depth > 0
        if (opens or back_at_top) and found[-1]:
            found.append([])
        found[-1].extend(line)
        decorating = head.text == "@"
    return [u for u in found if u]


def _logical_lines(toks: list[Token]) -> Iterator[list[Token]]:
    line: list[Token] = []
    for tok in toks:
        line.append(tok)
        if tok.text == _END:
            yield line
            line = []
    if line:
        yield line


@functools.lru_cache(maxsize=1 << 16)
def _stable(text: str) -> int:
    """A token's number, the same in every process (str's hash() is salted per process)."""
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=8).digest(), "big")


def kgrams(unit: list[Token]) -> list[tuple[int, int, int]]:
    """(hash, first line, last line) of each K consecutive tokens; a shorter unit is one k-gram."""
    numbers = tuple(_stable(t.text) for t in unit)
    span = min(K, len(numbers))
    # A tuple of ints hashes the same in every process: no per-run salt for ints.
    return [(hash(numbers[i:i + span]), unit[i].line, unit[i + span - 1].line)
            for i in range(len(numbers) - span + 1)]


def winnow(grams: list[tuple[int, int, int]]) -> list[tuple[int, int, int]]:
    """The rightmost smallest hash of every window of W k-grams (one window when fewer)."""
    chosen: dict[int, tuple[int, int, int]] = {}
    for start in range(max(1, len(grams) - W + 1)):
        window = grams[start:start + W]
        best = min(range(len(window)), key=lambda i: (window[i][0], -i))
        chosen[start + best] = window[best]
    return list(chosen.values())


def fingerprints(toks: list[Token], stub: frozenset[int] = frozenset()) -> dict[int, tuple[int, int]]:
    """The winnowed fingerprints of the code and the lines each covers, less any k-gram of the stub."""
    prints: dict[int, tuple[int, int]] = {}
    for unit in units(toks):
        for h, first, last in winnow(kgrams(unit)):
            if h not in stub:
                prints.setdefault(h, (first, last))
    return prints


def stub_kgrams(file: SubmissionFile | None) -> frozenset[int]:
    """Every k-gram of the stub (not only its winnowed ones: a student's window may pick any)."""
    if file is None:
        return frozenset()
    return frozenset(h for unit in units(tokens(read_source(file)[0])) for h, _, _ in kgrams(unit))


def read_code(student: str, file: SubmissionFile, stub: frozenset[int]) -> Code:
    """A student's file, fingerprinted; CodeError when it has nothing to compare."""
    chunks, shown = read_source(file)
    toks = tokens(chunks)
    if not any(t.text != _END for t in toks):
        raise CodeError(f"{file.name} has no code")
    return Code(student, file.name, shown, fingerprints(toks, stub))


def score(a: Code, b: Code) -> float:
    """Jaccard overlap of the two fingerprint sets: shared / all distinct ones (0 when both are empty)."""
    shared = len(a.prints.keys() & b.prints.keys())
    union = len(a.prints) + len(b.prints) - shared
    return shared / union if union else 0.0


def compare_class(subs: Iterable[Submission], assignment_ids: list[str], stubs: Stubs) -> ClassSimilarity:
    """Compare every two students' files of each assignment, highest score first."""
    subs = list(subs)
    result = ClassSimilarity(skipped=[f"{s.student}: {s.problem}" for s in subs if s.problem])
    order = {aid: i for i, aid in enumerate(assignment_ids)}
    for aid in assignment_ids:
        stub = stubs.get(aid, {})
        stub_file = next((SubmissionFile(f"{aid}{s}", stub[s]) for s in (".py", ".ipynb") if s in stub), None)
        removed = _stub_prints(stub_file, result.skipped)
        codes = []
        for sub in subs:
            try:
                if aid in sub.files:
                    codes.append(read_code(sub.student, sub.files[aid], removed))
                elif aid in sub.problems and sub.problems[aid] != not_handed_in(aid):
                    raise CodeError(sub.problems[aid])  # refused: a link, too big (a missing file is no news)
            except CodeError as exc:
                result.skipped.append(f"{sub.student}, {aid}: {exc}")
        result.pairs += [Pair(aid, a, b, score(a, b)) for a, b in combinations(codes, 2)]
    result.pairs.sort(key=lambda p: (-p.score, order[p.assignment], p.a.student, p.b.student))
    return result


def _stub_prints(stub: SubmissionFile | None, skipped: list[str]) -> frozenset[int]:
    try:
        return stub_kgrams(stub)
    except CodeError as exc:
        skipped.append(f"the stub: {exc}; compared without removing it")
        return frozenset()


def read_class(submissions: Path, assignment_ids: list[str], stubs: Stubs,
               reserved: Iterable[str] = ()) -> tuple[list[Submission], list[str]]:
    """The students `grader grade` finds in SUBMISSIONS, read, and the entries skipped."""
    entries = list_entries(submissions, reserved)
    subs = [read_submission(sid, path, assignment_ids, stubs) for sid, path in entries.students]
    return subs, entries.skipped


def to_csv(pairs: list[Pair]) -> str:
    """similarity.csv: student_a,student_b,assignment,score (3 decimals), in the order given."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["student_a", "student_b", "assignment", "score"])
    for p in pairs:
        writer.writerow([spreadsheet_safe(p.a.student), spreadsheet_safe(p.b.student), p.assignment, f"{p.score:.3f}"])
    return out.getvalue()


@dataclass(frozen=True)
class Line:
    """One line of a file shown on the similarity page, marked when it is shared."""
    number: int
    text: str
    shared: bool  # covered by a fingerprint both files have


def marked_lines(code: Code, other: Code) -> tuple[list[Line], int]:
    """The lines of `code` to show, those it shares with `other` marked, and how many were left out."""
    shared = [code.prints[h] for h in code.prints.keys() & other.prints.keys()]
    marked = {n for first, last in shared for n in range(first, last + 1)}
    lines = code.text.split("\n")  # not splitlines(): it also splits at \u2028, which the tokenizer does not
    shown = [Line(n, clip(text, SHOWN_CHARS), n in marked) for n, text in enumerate(lines[:SHOWN_LINES], start=1)]
    return shown, max(0, len(lines) - SHOWN_LINES)


def section(result: ClassSimilarity, threshold: float = THRESHOLD) -> dict:
    """The class report's section, as plain data kept in batch.json: the first SHOWN_PAIRS pairs worth a look."""
    pairs = result.worth_a_look(threshold)
    return {"threshold": threshold, "total": len(pairs),
            "pairs": [{"student_a": p.a.student, "student_b": p.b.student, "assignment": p.assignment,
                       "score": round(p.score, 3)} for p in pairs[:SHOWN_PAIRS]]}


def to_html(result: ClassSimilarity, threshold: float) -> str:
    """similarity.html: the pairs at or above `threshold`, their files side by side, shared lines marked."""
    pairs = result.worth_a_look(threshold)
    views = [{"pair": p, "left": marked_lines(p.a, p.b), "right": marked_lines(p.b, p.a)} for p in pairs[:SHOWN_PAIRS]]
    return html_report.render("similarity.html.j2", views=views, total=len(pairs), compared=len(result.pairs),
                              threshold=threshold, skipped=result.skipped)
