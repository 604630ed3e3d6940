"""Length-prefixed frames over a stream socket, with deadlines on the reading side."""
from __future__ import annotations

import select
import socket
import struct
import time

_LEN = struct.Struct("!Q")


class FrameTimeout(Exception):
    """No complete frame arrived (or left) before the deadline."""


class PeerClosed(Exception):
    """The other end closed the connection (it exited or crashed)."""


class FrameTooLarge(Exception):
    """The peer announced a frame over the receiving side's cap."""


def send_frame(sock: socket.socket, payload: bytes, deadline: float | None = None) -> None:
    """Send `payload` as one frame: its length, then its bytes; FrameTimeout if the reader
    has not taken it all by `deadline` (a time.monotonic() value; None waits for ever)."""
    data = _LEN.pack(len(payload)) + payload
    if deadline is None or not hasattr(socket, "MSG_DONTWAIT"):  # Windows: blocking, as before
        sock.sendall(data)
        return
    view, sent = memoryview(data), 0
    while sent < len(data):
        try:
            sent += sock.send(view[sent:], socket.MSG_DONTWAIT)
        except BlockingIOError:
            _wait(sock, deadline, writing=True)


def recv_frame(sock: socket.socket, deadline: float | None = None, max_bytes: int | None = None) -> bytearray:
    """Read one frame; `deadline` is a time.monotonic() value (None waits forever)."""
    (size,) = _LEN.unpack(_recv_exact(sock, _LEN.size, deadline))
    if max_bytes is not None and size > max_bytes:
        raise FrameTooLarge(size)
    return _recv_exact(sock, size, deadline)


def _recv_exact(sock: socket.socket, n: int, deadline: float | None) -> bytearray:
    # Received in place: a frame costs its size once, not twice (chunks, then their join).
    buf = bytearray(n)
    view, got = memoryview(buf), 0
    while got < n:
        if deadline is not None:
            _wait(sock, deadline, writing=False)
        count = sock.recv_into(view[got:], min(n - got, 1 << 20))
        if not count:
            raise PeerClosed()
        got += count
    view.release()
    return buf


def _wait(sock: socket.socket, deadline: float, writing: bool) -> None:
    """Until `sock` can be read (or written); FrameTimeout once `deadline` has passed."""
    left = deadline - time.monotonic()
    readers, writers = ([], [sock]) if writing else ([sock], [])
    if left <= 0 or not any(select.select(readers, writers, [], left)[:2]):
        raise FrameTimeout()
