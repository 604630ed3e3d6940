"""Find the course: its assignments (metadata from assignment.toml), reference and secret."""
from __future__ import annotations

import hashlib
import os
import sys
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, cast

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from grader.errors import UsageError

# The limits are what crosses to the worker: one type, defined with the wire (grader/wire/spec.py).
from grader.wire.spec import Limits


@dataclass(frozen=True)
class Assignment:
    """One assignment of a course: its folder, points, limits and where its files are."""
    id: str
    title: str
    order: int
    points: float
    folder: Path
    stub_score: float = 0.0  # what the shipped stub scores (gotchas' stub is partly right)
    limits: Limits = field(default_factory=Limits)

    @property
    def public_checks(self) -> Path:
        """The checks students may see and run (`grader check`)."""
        return self.folder / "checks_public.py"

    @property
    def hidden_checks(self) -> Path:
        """The checks only the instructor's grading runs."""
        return self.folder / "checks_hidden.py"

    @property
    def probes(self) -> Path:
        """The probes: code run in the sandbox next to the student's."""
        return self.folder / "probes.py"

    @property
    def mutants(self) -> list[Path]:
        """The known-wrong solutions, in name order."""
        return sorted((self.folder / "mutants").glob("*.py"))


SECRET_ENV = "GRADER_COURSE_SECRET"
SECRET_FILE = "course_secret"  # at the course root; never released to students
# Hidden inputs when no secret is set: anyone with this grader can reproduce them.
DEFAULT_SECRET = "grader-default-secret"


@dataclass(frozen=True)
class Course:
    """A course: its root folder, its assignments in order and its secret."""
    root: Path
    assignments: tuple[Assignment, ...]
    # Seeds the hidden checks' inputs (None: DEFAULT_SECRET). A field, not read lazily,
    # so that it travels with the pickled Course to pool processes and Dask workers.
    secret: str | None = field(default=None, repr=False)

    def hidden_key(self, assignment_id: str) -> bytes:
        """The key an assignment's hidden inputs are drawn from: (secret, assignment id) hashed."""
        secret = self.secret if self.secret is not None else DEFAULT_SECRET
        return hashlib.sha256(f"{secret}\0{assignment_id}".encode()).digest()

    @property
    def reference_dir(self) -> Path:
        """Where the reference solutions are (absent from a released course)."""
        return self.root / "reference"

    def stubs(self) -> dict[str, dict[str, bytes]]:
        """The files students start from, to tell an untouched stub from their work."""
        return {a.id: {s: p.read_bytes() for s in (".py", ".ipynb")
                       if (p := self.template_dir / f"{a.id}{s}").is_file()} for a in self.assignments}

    def expected_files(self, assignment_id: str) -> list[Path]:
        """Stored expected values (a release and a bundle ship these instead of the reference)."""
        path = self.root / "expected" / f"{assignment_id}.json"
        return [path] if path.is_file() else []

    @property
    def template_dir(self) -> Path:
        """Where the stubs students start from are."""
        return self.root / "student_template"

    def get(self, assignment_id: str) -> Assignment:
        """The assignment `assignment_id`, or a UsageError naming those that exist."""
        for a in self.assignments:
            if a.id == assignment_id:
                return a
        known = ", ".join(a.id for a in self.assignments)
        raise UsageError(f"unknown assignment {assignment_id!r} (known: {known})")

    def select(self, ids: list[str] | tuple[str, ...] | None) -> tuple[Assignment, ...]:
        """The assignments named (in course order), or all of them when none are."""
        return tuple(self.get(i) for i in ids) if ids else self.assignments


RELEASED = ".grader"  # where a released student repository keeps its course


def find_course_root(explicit: str | Path | None = None) -> Path:
    """--course, then $GRADER_COURSE, then a released repo's .grader/ here, then this checkout."""
    candidates = [explicit, os.environ.get("GRADER_COURSE"), Path.cwd() / RELEASED,
                  Path(__file__).resolve().parents[2], Path.cwd()]
    for c in candidates:
        if c and (Path(c) / "assignments").is_dir():
            return Path(c).resolve()
    raise UsageError("no course found: pass --course DIR (a folder with assignments/) or set GRADER_COURSE")


def load_course(root: str | Path | None = None) -> Course:
    """Read every assignments/<id>/assignment.toml, ordered as the course teaches them."""
    return _read_course(find_course_root(root))


# An instructor bundle is a whole course (checks, probes, stubs, expected values, the
# course secret) without the reference; this file, at its root, says which format it is.
BUNDLE_MARKER = "grader-bundle.toml"
BUNDLE_FORMAT = 2  # 1: hidden checks and their expected values only, beside a student's .grader/


def load_bundle(path: str | Path) -> Course:
    """The course from an instructor bundle alone (`grader release --hidden-bundle`), for grading that counts."""
    root = Path(path).resolve()
    rebuild = "rebuild it from the instructor's course: grader release NEW_REPO --hidden-bundle NEW_BUNDLE"
    marker = root / BUNDLE_MARKER
    if not marker.is_file():
        if (root / "assignments").is_dir():
            raise UsageError(f"{root} is a hidden-check bundle from an older release (hidden checks only, "
                             f"graded with the student's own public checks); {rebuild}")
        raise UsageError(f"{root} is not an instructor bundle (no {BUNDLE_MARKER}); {rebuild}")
    try:
        found = tomllib.loads(marker.read_text()).get("format")
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise UsageError(f"{marker}: {exc}") from None
    if found != BUNDLE_FORMAT:
        raise UsageError(f"{root} is an instructor bundle of format {found!r}, this grader reads "
                         f"format {BUNDLE_FORMAT}; {rebuild}")
    return _read_course(root)


def _read_course(base: Path) -> Course:
    found = [load_assignment(d) for d in sorted((base / "assignments").iterdir()) if (d / "assignment.toml").is_file()]
    return Course(base, tuple(sorted(found, key=lambda a: (a.order, a.id))), secret=read_secret(base))


def read_secret(root: Path) -> str | None:
    """The course secret: $GRADER_COURSE_SECRET, then ROOT/course_secret, else None (the default)."""
    from_env = os.environ.get(SECRET_ENV)
    if from_env is not None:
        if not from_env.strip():
            raise UsageError(f"{SECRET_ENV} is set but empty: set it to the course secret, or unset it")
        return from_env.strip()
    path = root / SECRET_FILE
    if not path.exists():
        return None
    try:
        text = path.read_bytes().decode("utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path}: the course secret must be a UTF-8 text file ({exc})") from None
    if not text or "\0" in text:
        raise UsageError(f"{path}: the course secret must be non-empty text, e.g. write one with "
                         f"python -c 'import secrets; print(secrets.token_hex(16))' > {path}")
    return text


@dataclass(frozen=True)
class Key:
    """One key of assignment.toml: its kind, whether it must be there, its bounds, what it is for."""

    kind: str  # a name in _KINDS
    about: str
    required: bool = False
    above: float | None = None     # the value must be more than this
    at_least: float | None = None  # ... or at least this


_KINDS: dict[str, tuple[type, ...]] = {"a string": (str,), "an integer": (int,), "a number": (int, float),
                                       "a table": (dict,)}

# assignment.toml, key by key. Anything else is refused: a typo ("point = 5") would otherwise
# fall back to the default without a word (issue 17).
SCHEMA: dict[str, Key] = {
    "title": Key("a string", "the title students see", required=True),
    "order": Key("an integer", "its place in the course, 1 for the first", required=True),
    "points": Key("a number", "the assignment's total; the checks' @points must add up to it", above=0),
    "stub_score": Key("a number", "what the shipped stub scores (0 unless it is partly right)", at_least=0),
    "limits": Key("a table", "the sandbox limits of this assignment"),
}
# [limits]: one key per Limits field; an int field takes integers, a float field any number.
LIMITS_SCHEMA: dict[str, Key] = {f.name: Key("an integer" if f.type == "int" else "a number", "a sandbox limit",
                                             above=0) for f in fields(Limits)}


def _toml_kind(value: object) -> str:
    """How TOML would name a value's type, for a message."""
    names = {bool: "a boolean", int: "an integer", float: "a float", str: "a string", dict: "a table",
             list: "an array"}
    return names.get(type(value), "a date or time")


def check_table(path: Path, data: dict, schema: dict[str, Key], prefix: str = "") -> None:
    """Refuse unknown keys, missing required ones, wrong types and values out of bounds, one line each."""
    value: Any
    for name, value in data.items():
        key = schema.get(name)
        if key is None:
            allowed = ", ".join(schema)
            raise UsageError(f"{path}: unknown key '{prefix}{name}' (allowed{' in [limits]' if prefix else ''}: "
                             f"{allowed})")
        if type(value) is bool or not isinstance(value, _KINDS[key.kind]):
            raise UsageError(f"{path}: key '{prefix}{name}' must be {key.kind} ({key.about}), "
                             f"not {_toml_kind(value)}: {value!r}")
        number = cast(float, value)  # the kind check above: a number wherever a bound is set
        if key.above is not None and number <= key.above:
            raise UsageError(f"{path}: key '{prefix}{name}' must be more than {key.above:g}, not {value!r}")
        if key.at_least is not None and number < key.at_least:
            raise UsageError(f"{path}: key '{prefix}{name}' must be at least {key.at_least:g}, not {value!r}")
    for name, key in schema.items():
        if key.required and name not in data:
            raise UsageError(f"{path}: missing key '{prefix}{name}' ({key.kind}: {key.about})")


def load_assignment(folder: Path) -> Assignment:
    """One assignment from its folder's assignment.toml, every key checked against SCHEMA."""
    path = folder / "assignment.toml"
    try:
        data = tomllib.loads(path.read_text())
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise UsageError(f"{path}: {exc}") from None
    check_table(path, data, SCHEMA)
    raw_limits = data.get("limits", {})
    check_table(path, raw_limits, LIMITS_SCHEMA, prefix="limits.")
    points, stub_score = float(data.get("points", 10)), float(data.get("stub_score", 0))
    if stub_score > points:
        raise UsageError(f"{path}: key 'stub_score' ({stub_score:g}) is more than 'points' ({points:g})")
    return Assignment(id=folder.name, title=data["title"], order=data["order"], points=points, folder=folder,
                      stub_score=stub_score, limits=Limits(**raw_limits))
