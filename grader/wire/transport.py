"""Plain-data wire format between the sandbox worker and the trusted grader.

A message is a JSON header plus raw byte blobs. Decoding builds only plain values
(None, bool, int, float, str, list, tuple, dict, torch.dtype, torch.device, plain
torch.Tensor, numpy.ndarray of a numeric dtype) and never runs code from the
sender, so a worker can lie about values but cannot smuggle objects (no pickle).
Anything else the worker returns arrives as an `Opaque` naming its type.
"""
from __future__ import annotations

import json
import math
import struct
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

HEADER = struct.Struct("!II")  # header length, blob length
# Bound once, when the fork server imports this module: student code that patches
# json.dumps later in its worker cannot break (or forge) its own answers this way.
_dumps, _loads = json.dumps, json.loads
# json.dumps builds a new encoder for every call with separators; this one is made once
# (the same text: the expected values' keys are hashes of these bytes).
_compact = json.JSONEncoder(separators=(",", ":")).encode
# What json.loads gives that stands for itself when decoded: plain values are not a level
# of nesting, on either side.
_DECODED = (str, int, bool, float, type(None))
DEFAULT_MAX_BYTES = 64 * 2**20
MAX_DEPTH = 32
# Caps on a message's JSON header, checked before json.loads: 3 bytes of `{},` cost
# the parser about 80 bytes, so a 63 MB header of them took the grader to 2.2 GB
# (THREATS 63). Values travel as blobs; the header holds structure and short text.
MAX_HEADER_BYTES = 4 * 2**20
MAX_CONTAINERS = 50_000
# Blobs (tensor and array bytes) per message, each used by one value only: a header that
# pointed many tensors at one blob would make the grader copy it once per pointer.
MAX_BLOBS = 10_000

_DTYPES = {str(d).removeprefix("torch."): d for d in (
    torch.float16, torch.bfloat16, torch.float32, torch.float64,
    torch.complex64, torch.complex128, torch.uint8, torch.int8, torch.int16,
    torch.int32, torch.int64, torch.bool,
)}
_NUMPY_KINDS = "biufc"  # bool, int, uint, float, complex: nothing with objects


class TransportError(Exception):
    """A value could not be encoded, or a message is malformed or too large."""


class AnswerTooLarge(TransportError):
    """A message's header is over the size or container cap: refused before parsing."""


@dataclass(frozen=True)
class Opaque:
    """Stands for a value of a type the wire does not carry (a student object)."""

    type_name: str

    def __str__(self) -> str:
        return self.type_name


def type_name(value: Any) -> str:
    """'module.Qualname' of a value's type, defensively (metaclasses can lie)."""
    cls = type(value)
    try:
        mod = type.__getattribute__(cls, "__module__")
        name = type.__getattribute__(cls, "__qualname__")
    except Exception:  # noqa: BLE001 - any failure just means 'unknown'
        return "<unknown type>"
    text = name if mod in ("builtins", None) else f"{mod}.{name}"
    return str(text)[:120] if isinstance(text, str) else "<unknown type>"


class _Encoder:
    def __init__(self, max_bytes: int) -> None:
        self.blobs: list[bytes] = []
        self.size = 0
        self.max_bytes = max_bytes

    def reserve(self, n: int) -> None:
        if self.size + n > self.max_bytes:
            raise TransportError(f"result is larger than the {self.max_bytes // 2**20} MiB limit")

    def blob(self, raw: bytes) -> int:
        self.reserve(len(raw))
        self.size += len(raw)
        self.blobs.append(raw)
        return len(self.blobs) - 1

    def encode(self, v: Any, depth: int = 0) -> Any:
        t = type(v)
        # Exact type checks: subclasses of int/str/float may override anything.
        if v is None or t is bool or t is int or t is str or (t is float and math.isfinite(v)):
            return v  # not a level of nesting (_DECODED)
        if depth > MAX_DEPTH:
            raise TransportError("result is nested too deeply")
        if t is float:
            return {"$float": repr(v)}
        # Items that are exactly int, str, bool or None inline (lists of numbers are most of what
        # probes pass); floats need the finiteness check.
        if t is list:
            return [x if (i := type(x)) is int or i is str or i is bool or x is None else self.encode(x, depth + 1)
                    for x in v]
        if t is tuple or t is torch.Size:
            return {"$tuple": [x if (i := type(x)) is int or i is str or i is bool or x is None
                               else self.encode(x, depth + 1) for x in v]}
        if t is dict:
            return {"$dict": [[self.encode(k, depth + 1), self.encode(x, depth + 1)] for k, x in v.items()]}
        if t is torch.dtype:
            return {"$dtype": str(v).removeprefix("torch.")}
        if t is torch.device:
            return {"$device": str(v)}
        if t is torch.Tensor or t is torch.nn.Parameter:
            return self.tensor(v)
        if t is np.ndarray and v.dtype.kind in _NUMPY_KINDS:
            raw = np.ascontiguousarray(v).tobytes()
            return {"$ndarray": {"dtype": v.dtype.str, "shape": list(v.shape), "blob": self.blob(raw)}}
        if isinstance(v, np.generic) and t.__module__ == "numpy" and v.dtype.kind in _NUMPY_KINDS:
            return {"$npscalar": {"dtype": v.dtype.str, "blob": self.blob(v.tobytes())}}
        return {"$opaque": type_name(v)}

    def tensor(self, t: torch.Tensor) -> Any:
        # Layout and device are reported, not converted: a meta or sparse result is
        # an answer the checks must see as such (THREATS 49, 56).
        device = t.device
        if t.layout is not torch.strided or t.is_quantized or device.type not in ("cpu", "cuda"):
            return {"$tensor_like": {"device": str(device), "layout": str(t.layout),
                                     "dtype": str(t.dtype).removeprefix("torch."), "shape": list(t.shape)}}
        if str(t.dtype).removeprefix("torch.") not in _DTYPES:
            return {"$opaque": f"torch.Tensor of dtype {t.dtype}"}
        self.reserve(t.numel() * t.element_size())  # before copying anything
        flat = t.detach().to("cpu").contiguous().reshape(-1)
        raw = flat.view(torch.uint8).numpy().tobytes() if flat.numel() else b""
        return {"$tensor": {"dtype": str(t.dtype).removeprefix("torch."), "shape": list(t.shape),
                            "device": str(device), "requires_grad": bool(t.requires_grad),
                            "blob": self.blob(raw)}}


@dataclass(frozen=True)
class TensorLike:
    """A tensor the wire does not carry as values: meta, sparse, quantized."""

    device: str
    layout: str
    dtype: str
    shape: tuple[int, ...]


def encode(value: Any, max_bytes: int = DEFAULT_MAX_BYTES) -> bytes:
    """Serialise plain data; unknown types become Opaque markers."""
    enc = _Encoder(max_bytes)
    header = _compact(enc.encode(value)).encode()
    body = b"".join(enc.blobs)
    offsets = _dumps([len(b) for b in enc.blobs]).encode() if enc.blobs else b"[]"
    head = header + b"\n" + offsets
    return HEADER.pack(len(head), len(body)) + head + body


def decode(data: bytes | bytearray) -> Any:
    """Rebuild plain values from `encode`'s bytes; raise TransportError if malformed or over a cap."""
    try:
        hlen, blen = HEADER.unpack_from(data, 0)
        if hlen > MAX_HEADER_BYTES:
            raise AnswerTooLarge(f"it is too large: {hlen} bytes of structure and text, "
                                 f"the limit is {MAX_HEADER_BYTES // 2**20} MiB")
        view = memoryview(data)  # slices of a view copy nothing; the header is copied once, below
        head = bytes(view[HEADER.size:HEADER.size + hlen])
        _check_containers(head)
        body = view[HEADER.size + hlen:]
        if len(body) != blen:
            raise TransportError("truncated message")
        header_json, offsets_json = head.split(b"\n", 1)
        sizes = _loads(offsets_json)
        if type(sizes) is not list or len(sizes) > MAX_BLOBS:
            raise AnswerTooLarge(f"it holds too many tensors or arrays (at most {MAX_BLOBS})")
        starts, pos = [], 0
        for s in sizes:
            starts.append((pos, pos + int(s)))
            pos += int(s)
        if pos != blen:
            raise TransportError("inconsistent blob sizes")
        blobs: list[bytes | None] = [bytes(body[a:b]) for a, b in starts]
        return _decode(_loads(header_json), blobs, 0)
    except TransportError:
        raise
    except Exception as exc:  # noqa: BLE001 - any malformed input is one error kind
        raise TransportError(f"malformed message ({type(exc).__name__})") from None


def _take(blobs: list[bytes | None], index: Any) -> bytes:
    """A blob, once: a second value pointing at it is a malformed message."""
    raw = blobs[int(index)]
    if raw is None:
        raise TransportError("a blob is used by two values")
    blobs[int(index)] = None
    return raw


def _check_containers(head: bytes) -> None:
    """Count lists and objects with two byte scans (brackets inside strings count too: a
    safe overestimate) so that a header of millions of tiny ones is never parsed."""
    count = head.count(b"[") + head.count(b"{")
    if count > MAX_CONTAINERS:
        raise AnswerTooLarge(f"it is too complex: about {count} lists and dicts, "
                             f"the limit is {MAX_CONTAINERS}")


def _decode(v: Any, blobs: list[bytes | None], depth: int) -> Any:
    if type(v) in _DECODED:  # json.loads makes exact types only
        return v
    if depth > MAX_DEPTH:
        raise TransportError("message nested too deeply")
    if type(v) is list:
        return [x if type(x) in _DECODED else _decode(x, blobs, depth + 1) for x in v]
    if type(v) is not dict or len(v) != 1:
        raise TransportError("unknown value in message")
    (tag, body), = v.items()
    if tag == "$float":
        return float(body)
    if tag == "$tuple":
        return tuple(x if type(x) in _DECODED else _decode(x, blobs, depth + 1) for x in body)
    if tag == "$dict":
        out = {}
        for k, x in body:
            key = _decode(k, blobs, depth + 1)
            out[key if _hashable(key) else repr(key)] = _decode(x, blobs, depth + 1)
        return out
    if tag == "$dtype":
        return _DTYPES[body]
    if tag == "$device":
        return torch.device(body)
    if tag == "$opaque":
        return Opaque(str(body))
    if tag == "$tensor_like":
        return TensorLike(str(body["device"]), str(body["layout"]), str(body["dtype"]), tuple(body["shape"]))
    if tag == "$tensor":
        return _decode_tensor(body, blobs)
    if tag == "$ndarray":
        arr = np.frombuffer(_take(blobs, body["blob"]), dtype=_np_dtype(body["dtype"]))
        return arr.reshape(body["shape"]).copy()
    if tag == "$npscalar":
        return np.frombuffer(_take(blobs, body["blob"]), dtype=_np_dtype(body["dtype"]))[0]
    raise TransportError(f"unknown tag {tag!r}")


def _hashable(key: Any) -> bool:
    try:
        hash(key)
    except TypeError:
        return False
    return True


def _np_dtype(text: str) -> np.dtype:
    dt = np.dtype(text)
    if dt.kind not in _NUMPY_KINDS:
        raise TransportError("unsupported array dtype")
    return dt


def _decode_tensor(body: dict, blobs: list[bytes | None]) -> torch.Tensor:
    dtype = _DTYPES[body["dtype"]]
    shape = [int(s) for s in body["shape"]]
    raw = _take(blobs, body["blob"])
    numel = math.prod(shape)
    if numel == 0:
        t = torch.empty(shape, dtype=dtype)
    else:
        t = torch.frombuffer(bytearray(raw), dtype=torch.uint8).view(dtype).reshape(shape)
        if t.numel() != numel:
            raise TransportError("tensor size does not match its shape")
    device = torch.device(body["device"])
    if device.type == "cuda":
        if not torch.cuda.is_available():
            raise TransportError("a CUDA tensor arrived where CUDA is not available")
        t = t.to(device)
    if body.get("requires_grad") and (t.is_floating_point() or t.is_complex()):
        t.requires_grad_(True)
    return t
