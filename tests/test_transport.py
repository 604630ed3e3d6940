"""The wire format carries plain data only; anything else arrives as a marker or an error."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from grader.wire import transport
from grader.wire.transport import Opaque, TensorLike, TransportError


def roundtrip(v):
    return transport.decode(transport.encode(v))


def test_plain_values_round_trip_with_their_types():
    value = {"a": [1, 2.5, True, None, "s"], "t": (1, (2, 3)), 3: torch.float64, "d": torch.device("cpu"),
             "inf": math.inf, "size": torch.Size([2, 3])}
    out = roundtrip(value)
    assert out["a"] == [1, 2.5, True, None, "s"] and type(out["a"][1]) is float and type(out["a"][0]) is int
    assert out["t"] == (1, (2, 3)) and out[3] is torch.float64 and out["d"] == torch.device("cpu")
    assert out["inf"] == math.inf and out["size"] == (2, 3) and type(out["size"]) is tuple
    assert math.isnan(roundtrip(float("nan")))


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64, torch.int64, torch.bool, torch.bfloat16, torch.uint8])
def test_tensors_round_trip_exactly(dtype):
    t = (torch.randn(3, 4) * 10).to(dtype)
    out = roundtrip(t)
    assert type(out) is torch.Tensor and out.dtype == dtype and torch.equal(out, t)


def test_non_contiguous_zero_dim_and_empty_tensors():
    t = torch.arange(12.0).reshape(3, 4).t()
    assert torch.equal(roundtrip(t), t)
    assert roundtrip(torch.tensor(3.5)).shape == ()
    assert roundtrip(torch.empty(0, 3)).shape == (0, 3)


def test_requires_grad_is_carried_but_not_the_graph():
    x = torch.ones(2, requires_grad=True)
    out = roundtrip(x * 2)
    assert out.requires_grad and out.grad_fn is None and out.is_leaf


def test_a_tensor_subclass_arrives_as_a_marker_not_an_object():
    class Liar(torch.Tensor):
        @classmethod
        def __torch_function__(cls, func, types, args=(), kwargs=None):
            return True

    out = roundtrip(torch.zeros(2).as_subclass(Liar))
    assert isinstance(out, Opaque) and "Liar" in out.type_name


def test_objects_with_lying_eq_arrive_as_markers():
    class AlwaysEqual:
        def __eq__(self, other):
            return True
    out = roundtrip([AlwaysEqual(), 3])
    assert isinstance(out[0], Opaque) and out[1] == 3


def test_int_and_str_subclasses_are_not_trusted():
    class Sneaky(int):
        pass
    assert isinstance(roundtrip(Sneaky(3)), Opaque)

    class Equal(type):  # a type that says it is str when compared
        def __eq__(cls, other):
            return True

        def __hash__(cls):
            return hash(str)

    class Liar(str, metaclass=Equal):
        pass
    inside = roundtrip([Liar("x"), 1, (Liar("y"), 2)])  # list and tuple items have a fast path
    assert isinstance(inside[0], Opaque) and isinstance(inside[2][0], Opaque) and inside[1] == 1


def test_meta_tensors_arrive_without_values():
    out = roundtrip(torch.empty(2, 3, device="meta"))
    assert out == TensorLike("meta", "torch.strided", "float32", (2, 3))


def test_numpy_arrays_round_trip_and_object_arrays_do_not():
    a = np.arange(6, dtype=np.float32).reshape(2, 3)
    out = roundtrip(a)
    assert out.dtype == np.float32 and (out == a).all()
    assert isinstance(roundtrip(np.array([object()])), Opaque)


def test_size_cap():
    with pytest.raises(TransportError):
        transport.encode(torch.zeros(1000), max_bytes=100)


@pytest.mark.parametrize("data", [b"", b"\x00" * 8, transport.encode([1, 2])[:-1] + b"x" * 3,
                                  transport.encode({"a": 1}).replace(b"$dict", b"$evil")])
def test_malformed_messages_raise_transport_error(data):
    with pytest.raises(TransportError):
        transport.decode(data)


def _message(header: bytes, blobs: list[bytes]) -> bytes:
    """A message as a worker could forge it: any header, any blobs."""
    head = header + b"\n" + str([len(b) for b in blobs]).encode()
    body = b"".join(blobs)
    return transport.HEADER.pack(len(head), len(body)) + head + body


def test_a_blob_serves_one_value_only():
    # Forty tensors pointing at one 1 MiB blob would cost the grader 40 MiB (review of issue 13).
    tensor = b'{"$tensor":{"dtype":"uint8","shape":[1048576],"device":"cpu","requires_grad":false,"blob":0}}'
    assert type(transport.decode(_message(b"[" + tensor + b"]", [bytes(2**20)]))[0]) is torch.Tensor
    with pytest.raises(TransportError, match="used by two values"):
        transport.decode(_message(b"[" + b",".join([tensor] * 40) + b"]", [bytes(2**20)]))


def test_the_number_of_blobs_is_capped_before_they_are_cut():
    with pytest.raises(transport.AnswerTooLarge, match="too many tensors"):
        transport.decode(_message(b"null", [b"x"] * (transport.MAX_BLOBS + 1)))


def test_the_bytes_of_an_encoding_do_not_change():
    """Stored expected values are keyed by a hash of the encoded arguments (handles.call_key),
    in released repositories too: a faster encoder must write the very same bytes. The
    digests were taken from the encoder before its plain-item shortcut (issue 20)."""
    import hashlib

    import numpy as np

    with_blobs = [[1, 2.5, "a", None, True, float("nan")], (3, [4, (5, -0.0)]),
                  {"k": [torch.arange(6).reshape(2, 3)], 1: (torch.float64, torch.device("cpu"))},
                  np.arange(3, dtype=np.int16), torch.Size([2, 3]), [[[]]], ()]
    plain = {"probe": "from_data", "args": [[[1, 2], [3, 4.5]], (1, "x")], "kwargs": {"dtype": None}}
    assert hashlib.sha256(transport.encode(with_blobs)).hexdigest() == \
        "2d6bd61a16fdcb06a5bba05ab4d66c0fcf63fc100e6d67f1f7901cc7b3fb7b72"
    assert hashlib.sha256(transport.encode(plain)).hexdigest() == \
        "4ebb5349bd5835f59f6c366754ef9c8de8980e492699d3bc6d24474a3af4ee60"


def _nested(depth: int) -> list:
    value: list = [1, 2.5]
    for _ in range(depth):
        value = [value, 3]
    return value


def test_nesting_is_capped_both_ways():
    """Containers nested deeper than MAX_DEPTH are refused when encoding and when decoding
    (a hostile answer must not recurse the grader to its limit); plain items inside the
    deepest allowed list are fine."""
    assert transport.decode(transport.encode(_nested(transport.MAX_DEPTH))) == _nested(transport.MAX_DEPTH)
    with pytest.raises(TransportError, match="too deeply"):
        transport.encode(_nested(transport.MAX_DEPTH + 1))
    deep = transport.encode(_nested(transport.MAX_DEPTH))
    # The same message one list deeper, written by hand as a worker could: "[" + header + ",3]".
    head_len, blob_len = transport.HEADER.unpack_from(deep, 0)
    header, offsets = deep[transport.HEADER.size:transport.HEADER.size + head_len].split(b"\n")
    deeper_head = b"[" + header + b",3]\n" + offsets
    deeper = transport.HEADER.pack(len(deeper_head), blob_len) + deeper_head
    with pytest.raises(TransportError, match="too deeply"):
        transport.decode(deeper)
