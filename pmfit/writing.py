"""Every file pmfit writes goes through here: one rule for where bytes may go.

- A regular file, or a new name, is replaced atomically: the bytes go to a
  temporary file beside it, renamed onto it at the end, with the old file's mode
  and owner. A symlink is followed: its target is replaced and the link stays.
- A character device, a FIFO, a socket, or the file stdout or stderr already is,
  is written to in order and never replaced (`-o /dev/null` works, as anyone).
- What can be known before the work starts is checked first (`plan`, then
  `refuse_clashes`): a directory, a missing or unwritable directory, a read-only
  file, a name too long, an output that is also an input of the run, two outputs
  naming one file. Each is one line naming the path and why (exit 2).
- No temporary file outlives a run that fails, is interrupted or fills the disk;
  a full disk or a file over the size limit is one line naming the output (exit 2).
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import IO, Literal, NamedTuple

from pmfit.errors import InputError, Problem

#: Write failures that mean "it does not fit": the disk or the quota is full, or the
#: file is over the size limit (`ulimit -f`). Said as the output's problem: exit 2.
NO_ROOM = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})

#: What a file is, for telling whether two names are one file: (device, inode) of an
#: existing file, or (device, inode) of the directory and the name of a new one.
Identity = tuple[int, int] | tuple[int, int, str]


class WriteError(InputError):
    """An output that cannot be written: one line, the path as given and why."""

    def __init__(self, shown: str, reason: str) -> None:
        self.shown = shown
        self.reason = reason
        super().__init__([Problem(shown, None, None, reason)])


def _no_room(error: OSError) -> str:
    if error.errno == errno.EFBIG:
        return "the file would be larger than this system or your limit (ulimit -f) allows"
    if error.errno == errno.EDQUOT:
        return "over your disk quota"
    return "no space left on the device"


class Plan(NamedTuple):
    """Where one output will go, decided (and checked) before any work starts."""

    shown: str
    #: The file written: a symlink's target, with every link resolved.
    path: Path
    #: "replace": atomically, through a temporary file; "stream": in order, in place.
    how: Literal["replace", "stream"]
    identity: Identity
    #: The file already there (its mode and owner are kept), None for a new name.
    existing: os.stat_result | None
    #: A standard stream that already is this file: written through a copy of it.
    std_fd: int | None
    #: The mode of a new file, before the umask.
    new_mode: int


def _std_fd_of(st: os.stat_result) -> int | None:
    for fd in (1, 2):
        try:
            std = os.fstat(fd)
        except OSError:
            continue
        if (std.st_dev, std.st_ino) == (st.st_dev, st.st_ino):
            return fd
    return None


def _unreachable(shown: str, error: OSError) -> WriteError:
    if error.errno == errno.ENAMETOOLONG:
        size = len(os.fsencode(os.path.basename(shown)))
        return WriteError(shown, f"the name is too long for the file system ({size} bytes)")
    if error.errno in (errno.ENOTDIR, errno.ENOENT):
        return WriteError(shown, "no such directory to write into")
    if error.errno == errno.ELOOP:
        return WriteError(shown, "a symlink loop: it leads nowhere")
    return WriteError(shown, f"cannot reach it ({error.strerror or error})")


def plan(
    name: str | os.PathLike[str],
    *,
    option: str = "--output",
    make_parents: bool = False,
    private: bool = False,
) -> Plan:
    """Check that `name` can be written, without writing anything; WriteError if not.

    `option` names the option in the message for an empty name; `private` makes a new
    file readable by its owner only (saved quiz answers); `make_parents` creates the
    directories above it (pmfit's own state and cache).
    """
    shown = os.fspath(name)
    if shown == "":
        raise WriteError(
            option, "an empty file name; give a file name (or - for stdout, where allowed)"
        )
    try:
        st: os.stat_result | None = os.stat(shown)  # through any symlink
    except FileNotFoundError:
        st = None
    except OSError as error:
        raise _unreachable(shown, error) from None
    path = Path(os.path.realpath(shown))
    new_mode = 0o600 if private else 0o666
    if st is not None:
        std_fd = _std_fd_of(st)
        identity: Identity = (st.st_dev, st.st_ino)
        if std_fd is not None or stat.S_ISCHR(st.st_mode) or stat.S_ISFIFO(st.st_mode):
            return Plan(shown, path, "stream", identity, st, std_fd, new_mode)
        if stat.S_ISSOCK(st.st_mode):
            return Plan(shown, path, "stream", identity, st, None, new_mode)
        if stat.S_ISDIR(st.st_mode):
            raise WriteError(shown, "is a directory; give the name of a file to write")
        if not stat.S_ISREG(st.st_mode):
            raise WriteError(
                shown,
                "is a block device; pmfit writes to files, character devices, FIFOs and sockets",
            )
        if not os.access(path, os.W_OK):
            if _read_only_fs(path.parent):
                raise WriteError(shown, "is on a read-only file system")
            raise WriteError(
                shown,
                "is read-only; pmfit leaves it as it is (make it writable, or write elsewhere)",
            )
    parent = path.parent
    if make_parents:
        try:
            parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise WriteError(
                shown, f"cannot make its directory {parent}: {error.strerror or error}"
            ) from None
    try:
        parent_st = os.stat(parent)
    except OSError as error:
        raise _unreachable(shown, error) from None
    if not stat.S_ISDIR(parent_st.st_mode):
        raise WriteError(shown, "no such directory to write into")
    if not os.access(parent, os.W_OK | os.X_OK):
        if _read_only_fs(parent):
            raise WriteError(shown, "is on a read-only file system")
        raise WriteError(shown, "cannot write in its directory (permission denied)")
    try:
        name_max = os.pathconf(parent, "PC_NAME_MAX")
    except (OSError, ValueError):
        name_max = 255
    size = len(os.fsencode(path.name))
    if size > name_max:
        raise WriteError(
            shown, f"the file name is {size} bytes long; this file system allows {name_max}"
        )
    if st is None:
        identity = (parent_st.st_dev, parent_st.st_ino, path.name)
    return Plan(shown, path, "replace", identity, st, None, new_mode)


def stream_plan(fd: int, shown: str) -> Plan | None:
    """What a standard stream already is (the file the shell gave pmfit), as an output
    for `refuse_clashes` only: `pmfit batch in.jsonl >> in.jsonl` reads its own results
    back, as `-o /dev/stdout` would. None if `fd` is not open."""
    try:
        st = os.fstat(fd)
    except OSError:
        return None
    return Plan(shown, Path(f"/dev/fd/{fd}"), "stream", (st.st_dev, st.st_ino), st, fd, 0o666)


def _read_only_fs(directory: Path) -> bool:
    try:
        return bool(os.statvfs(directory).f_flag & os.ST_RDONLY)
    except OSError:
        return False


def identity_of(path: str | os.PathLike[str] | int) -> Identity | None:
    """The identity of an existing file (a path, or an open descriptor)."""
    try:
        st = os.fstat(path) if isinstance(path, int) else os.stat(path)
    except (OSError, ValueError):
        return None
    return (st.st_dev, st.st_ino)


def refuse_clashes(
    outputs: Sequence[tuple[str, Plan]],
    inputs: Iterable[tuple[str, Identity | None]] = (),
) -> None:
    """Refuse, before any work, an output that is also an input (it would be read
    while it is replaced) and two outputs that name one file (one would lose the other).

    `outputs` pairs each plan with the option that named it, `inputs` each input's name
    with its identity. Character devices are exempt: a terminal can be read from and
    written to, and /dev/null can take any number of outputs.
    """
    problems = []
    read = [(shown, identity) for shown, identity in inputs if identity is not None]
    seen: dict[Identity, str] = {}
    for option, target in outputs:
        if target.existing is not None and stat.S_ISCHR(target.existing.st_mode):
            continue
        for shown, identity in read:
            if identity == target.identity:
                what = "this run's standard input" if shown == "<stdin>" else f"an input ({shown})"
                problems.append(
                    Problem(target.shown, None, None, f"is also {what}; write to another file")
                )
                break
        earlier = seen.get(target.identity)
        if earlier is not None:
            problems.append(
                Problem(
                    target.shown,
                    None,
                    None,
                    f"is named by both {earlier} and {option}; give each its own file",
                )
            )
        seen.setdefault(target.identity, option)
    if problems:
        raise InputError(problems)


class AtomicFile:
    """Bytes written to a temporary file beside the target, renamed onto it by `commit()`.

    Until then nothing changes under the final name, so a crash or an interrupt never
    leaves a half-written file there; `abort()`, or any failure, removes the temporary
    (after `commit()`, `abort()` does nothing).
    """

    def __init__(self, target: Plan) -> None:
        import tempfile  # deferred: only writers pay for it

        self.plan = target
        self.path = target.path
        # The temporary's name must fit the file system's limit too: a long name is cut.
        stem = os.fsencode(self.path.name)[:200].decode(errors="ignore")
        try:
            fd, name = tempfile.mkstemp(dir=self.path.parent, prefix=f".{stem}.", suffix=".tmp")
        except OSError as error:
            raise _cannot(target, error) from None
        self.temporary = Path(name)
        try:
            _set_mode_and_owner(fd, target)
        except BaseException:
            os.close(fd)
            self.temporary.unlink()
            raise
        self.handle: IO[bytes] = os.fdopen(fd, "wb", buffering=1 << 20)

    def write(self, data: bytes) -> int:
        try:
            return self.handle.write(data)
        except OSError as error:
            raise self._failed(error) from None

    def commit(self) -> None:
        try:
            self.handle.flush()
            os.fsync(self.handle.fileno())
            self.handle.close()
            os.replace(self.temporary, self.path)
        except OSError as error:
            raise self._failed(error) from None
        except BaseException:
            self.abort()
            raise
        _sync_directory(self.path.parent)

    def abort(self) -> None:
        with contextlib.suppress(OSError):
            self.handle.close()
        with contextlib.suppress(FileNotFoundError):
            self.temporary.unlink()

    def failed(self, error: OSError) -> BaseException:
        """What to raise for `error`, met while writing this file (by anyone)."""
        if error.errno in NO_ROOM:
            kept = "it is unchanged" if self.plan.existing else "nothing was written"
            return WriteError(self.plan.shown, f"{_no_room(error)}; {kept}")
        return error

    def _failed(self, error: OSError) -> BaseException:
        self.abort()
        return self.failed(error)


def _sync_directory(directory: Path) -> None:
    """Make the rename itself durable (best effort: not every system can)."""
    with contextlib.suppress(OSError, AttributeError):
        fd = os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _cannot(target: Plan, error: OSError) -> WriteError:
    return WriteError(target.shown, f"cannot write here: {error.strerror or error}")


def _set_mode_and_owner(fd: int, target: Plan) -> None:
    old = target.existing
    if old is None:
        # mkstemp makes the file private (0600); give it the mode any new file gets.
        umask = os.umask(0)
        os.umask(umask)
        os.fchmod(fd, target.new_mode & ~umask)
        return
    if hasattr(os, "fchown"):
        # Root (or the owner, for the group) keeps the owner; anyone else cannot.
        with contextlib.suppress(OSError):
            os.fchown(fd, old.st_uid, old.st_gid)
        with contextlib.suppress(OSError):
            os.fchown(fd, -1, old.st_gid)
    os.fchmod(fd, stat.S_IMODE(old.st_mode))  # after chown, which may clear set-id bits


def write_all(fd: int, data: bytes) -> None:
    """Every byte of `data` to `fd`, or an OSError. A write may take only part of the
    data (at a size limit, say); the rest is written again, and then fails with the
    reason. (Python's buffered writer, given more than its buffer, can drop that rest.)"""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


class StreamFile:
    """A character device, FIFO, socket or standard stream: written in order, in place."""

    def __init__(self, target: Plan) -> None:
        self.plan = target
        self.path = target.path
        try:
            if target.std_fd is not None:
                for stream in (sys.stdout, sys.stderr):
                    with contextlib.suppress(Exception):
                        stream.flush()
                self.fd = os.dup(target.std_fd)
            elif target.existing is not None and stat.S_ISSOCK(target.existing.st_mode):
                import socket

                client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                try:
                    client.connect(str(target.path))
                except OSError:
                    client.close()
                    raise
                self.fd = client.detach()
            else:
                # No O_TRUNC, no O_CREAT: a device or FIFO is opened as it is. Opening
                # a FIFO waits for a reader, as the shell's `>` does.
                self.fd = os.open(target.path, os.O_WRONLY | getattr(os, "O_NOCTTY", 0))
        except OSError as error:
            raise _cannot(target, error) from None

    def write(self, data: bytes) -> int:
        try:
            write_all(self.fd, data)
        except OSError as error:
            if error.errno in NO_ROOM:
                self.abort()
                raise WriteError(
                    self.plan.shown, f"{_no_room(error)}; what came before was written"
                ) from None
            raise
        return len(data)

    def commit(self) -> None:
        self.abort()

    def abort(self) -> None:
        with contextlib.suppress(OSError):
            os.close(self.fd)
        self.fd = -1

    def failed(self, error: OSError) -> BaseException:
        return error


Output = AtomicFile | StreamFile


def open_output(target: Plan) -> Output:
    """Start writing where `target` says: a temporary beside a file, or the stream itself."""
    return StreamFile(target) if target.how == "stream" else AtomicFile(target)


def write_file(
    name: str | os.PathLike[str],
    data: bytes,
    *,
    make_parents: bool = False,
    private: bool = False,
    inputs: Iterable[tuple[str, Identity | None]] = (),
) -> Plan:
    """Write `data` to `name` by the rules above, all at once; the plan it followed."""
    target = plan(name, make_parents=make_parents, private=private)
    refuse_clashes([("--output", target)], inputs)
    write_planned(target, data)
    return target


def write_planned(target: Plan, data: bytes) -> None:
    """Write `data` where `target`, checked earlier (before the work), says."""
    output = open_output(target)
    try:
        output.write(data)
    except BaseException:
        output.abort()
        raise
    output.commit()
