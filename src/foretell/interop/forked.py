"""Encoding an import's chains in forked processes (``bulk.ColumnWriter.encode_all``).

Each chain is a hash chain of its own, so chains are independent: they are dealt out in
groups from a pipe (``queue``: one byte per group, a one-byte read takes one group), each
forked process encodes the groups it takes into its own spool file and sends back their
``Encoded`` parts, pickled; the importing process takes the groups still queued when it joins,
and encodes again whatever a process did not send back (so a failure is raised as encoding in
one process raises it). A forked process dies with its parent.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
from collections.abc import Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from foretell.interop.bulk import Chains, ColumnWriter, Encoded


class Encoding:
    """Chains being encoded, here or in forked processes (``ColumnWriter.encode_all``)."""

    def __init__(
        self, writer: ColumnWriter, chains: Chains, before: dict[str, tuple[int, str | None]]
    ) -> None:
        self.writer = writer
        self.chains = chains
        self.before = before  # every chain to encode, with its end
        self.groups: list[dict[str, tuple[int, str | None]]] = []
        self.queue: int | None = None  # the read end of the pipe the groups are dealt from
        self.children: list[tuple[int, int]] = []  # per forked process: pid, result pipe

    def join(self) -> Chains:
        """Every chain, encoded: the groups still queued are encoded here, then each forked
        process's chains are collected. Chains that no process sent back (it failed, for any
        reason) are encoded again here, so a failure is raised as the encoding in one process
        raises it."""
        mine = len(self.chains.outs) - 1
        try:
            if self.queue is not None:
                for group in dealt(self.queue, self.groups):
                    self.writer.encode(group, self.chains, mine)
                os.close(self.queue)
                self.queue = None
            while self.children:
                pid, pipe = self.children[0]
                parts = result(pid, pipe)
                self.children.pop(0)
                for author, part in (parts or {}).items():
                    if author in self.before and author not in self.chains.parts:
                        self.chains.parts[author] = part
            missing = {a: end for a, end in self.before.items() if a not in self.chains.parts}
            if missing:
                self.writer.encode(missing, self.chains, mine)
        except BaseException:
            self.cancel()
            raise
        return self.chains

    def cancel(self) -> None:
        """Stop what still runs; drop the encoded bytes."""
        if self.queue is not None:
            with contextlib.suppress(OSError):
                os.close(self.queue)
            self.queue = None
        for pid, pipe in self.children:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
            with contextlib.suppress(OSError):
                os.close(pipe)
            with contextlib.suppress(OSError):
                os.waitpid(pid, 0)
        self.children = []
        self.chains.close()


def queue(count: int) -> int:
    """A pipe holding one byte per group number, its write end closed: reading one byte
    takes one group (a read of one byte from a pipe is atomic, so no group is taken twice);
    an empty read means none is left. Returns the read end."""
    read, write = os.pipe()
    try:
        os.write(write, bytes(range(count)))  # far less than a pipe holds
    except BaseException:
        os.close(read)
        raise
    finally:
        os.close(write)
    return read


def dealt(
    queue: int, groups: list[dict[str, tuple[int, str | None]]]
) -> Iterator[dict[str, tuple[int, str | None]]]:
    """The groups taken from ``queue``, one at a time, until none is left."""
    while taken := os.read(queue, 1):
        yield groups[taken[0]]


def fork_encoder(
    writer: ColumnWriter,
    groups: list[dict[str, tuple[int, str | None]]],
    queue: int,
    chains: Chains,
    file: int,
) -> tuple[int, int]:
    """A forked process taking groups of chains from ``queue`` and encoding them into
    ``chains.outs[file]`` until none is left; it sends back their ``Encoded`` parts (pickled)
    on a pipe, and dies with its parent."""
    parent = os.getpid()
    read, write = os.pipe()
    pid = os.fork()
    if pid:
        os.close(write)
        return pid, read
    code = 1
    try:
        os.close(read)
        die_with(parent)
        for group in dealt(queue, groups):
            writer.encode(group, chains, file)
        chains.outs[file].flush()
        view = memoryview(pickle.dumps(chains.parts))
        while view:
            view = view[os.write(write, view) :]
        code = 0
    except BaseException:  # the parent encodes these chains itself
        pass
    finally:
        os._exit(code)


def die_with(parent: int) -> None:
    """Have the kernel end this process when its parent ends (Linux), so that a killed
    import leaves nothing running (nor holding what it inherited)."""
    with contextlib.suppress(OSError, AttributeError):
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    if os.getppid() != parent:
        os._exit(1)


def result(pid: int, pipe: int) -> dict[str, Encoded] | None:
    """What a forked encoder sent, once it has exited; None if it failed."""
    data = []
    try:
        while chunk := os.read(pipe, 1 << 20):
            data.append(chunk)
    finally:
        os.close(pipe)
    _, status = os.waitpid(pid, 0)
    if not os.WIFEXITED(status) or os.WEXITSTATUS(status) != 0 or not data:
        return None
    try:
        parts = pickle.loads(b"".join(data))
    except Exception:
        return None
    return parts if isinstance(parts, dict) else None
