"""Find the course: its assignments (metadata from assignment.toml), reference and secret."""
from __future__ import annotations

import hashlib
import os
import sys
from dataclasses import dataclass, field, fields
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from grader.errors import UsageError
# The limits are what crosses to the worker: one type, defined with the wire (grader/wire/spec.py).
from grader.wire.spec import Limits


@dataclass(frozen=True)
class Assignment:
    id: str
    title: str
    order: int
    points: float
    folder: Path
    stub_score: float = 0.0  # what the shipped stub scores (gotchas' stub is partly right)
    limits: Limits = field(default_factory=Limits)

    @property
    def public_checks(self) -> Path:
        return self.folder / "checks_public.py"

    @property
    def hidden_checks(self) -> Path:
        return self.folder / "checks_hidden.py"

    @property
    def probes(self) -> Path:
        return self.folder / "probes.py"

    @property
    def mutants(self) -> list[Path]:
        return sorted((self.folder / "mutants").glob("*.py"))


SECRET_ENV = "GRADER_COURSE_SECRET"
SECRET_FILE = "course_secret"  # at the course root; never released to students
# Hidden inputs when no secret is set: anyone with this grader can reproduce them.
DEFAULT_SECRET = "grader-default-secret"


@dataclass(frozen=True)
class Course:
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
        return self.root / "student_template"

    def get(self, assignment_id: str) -> Assignment:
        for a in self.assignments:
            if a.id == assignment_id:
                return a
        known = ", ".join(a.id for a in self.assignments)
        raise UsageError(f"unknown assignment {assignment_id!r} (known: {known})")

    def select(self, ids: list[str] | tuple[str, ...] | None) -> tuple[Assignment, ...]:
        return tuple(self.get(i) for i in ids) if ids else self.assignments


RELEASED = ".grader"  # where a released student repository keeps its course


def find_course_root(explicit: str | Path | None = None) -> Path:
    """--course, then $GRADER_COURSE, then a released repo's .grader/ here, then this checkout."""
    candidates = [explicit, os.environ.get("GRADER_COURSE"), Path.cwd() / RELEASED,
                  Path(__file__).resolve().parent.parent, Path.cwd()]
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


def load_assignment(folder: Path) -> Assignment:
    path = folder / "assignment.toml"
    try:
        data = tomllib.loads(path.read_text())
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise UsageError(f"{path}: {exc}") from None
    known = {f.name for f in fields(Limits)}
    raw_limits = data.get("limits", {})
    unknown = set(raw_limits) - known
    if unknown:
        raise UsageError(f"{path}: unknown key limits.{sorted(unknown)[0]} (known: {', '.join(sorted(known))})")
    for key in ("title", "order"):
        if key not in data:
            raise UsageError(f"{path}: missing key {key!r}")
    return Assignment(id=folder.name, title=str(data["title"]), order=int(data["order"]),
                      points=float(data.get("points", 10)), folder=folder,
                      stub_score=float(data.get("stub_score", 0)), limits=Limits(**raw_limits))
