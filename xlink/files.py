"""Reading xlink's input files: gzip, UTF-8, ``\\n`` line ends, and errors that name file and line.

Every reader of user files (corpora, terminologies, classification and NLI data) goes
through :func:`numbered_lines`, so that they accept the same things (gzip by its magic
bytes, a UTF-8 byte order mark, ``\\r\\n``) and refuse the same things (Latin-1, UTF-16,
a folder) with the same one-line messages.
"""

from __future__ import annotations

import contextlib
import gzip
import io
import os
import shutil
import tempfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, BinaryIO

from xlink.errors import DirectoryGivenError, FormatError, XlinkError

_GZIP_MAGIC = b"\x1f\x8b"
_UTF8_BOM = "\ufeff"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
#: How a user turns a Latin-1 (or Windows-1252) file into the UTF-8 that xlink reads.
_TO_UTF8 = "convert the file to UTF-8, e.g. iconv -f latin1 -t utf-8 FILE > FILE.utf8"
#: How a user turns lone ``\r`` line ends (alone or mixed with ``\r\n``) into ``\n``.
FIX_LINE_ENDS = r"convert the line ends, e.g. perl -pe 's/\r\n?/\n/g' FILE > FILE.unix"


def looks_like_local_path(name: str) -> bool:
    """Whether a model name is written as a local path ("./m", "/x/m", "~/m", "a/b/c", "C:\\m"),
    not as a hub id ("org/name"): a missing folder named so is a typo, not something to download."""
    return name.startswith((".", "/", "~")) or name.count("/") > 1 or "\\" in name


def require_file(path: Path, what: str) -> None:
    """Raise :class:`DirectoryGivenError` when ``path`` is a directory.

    ``what`` says which file was expected ("a corpus file (...)"), so that
    the message tells the user what to pass instead.
    """
    if path.is_dir():
        raise DirectoryGivenError(f"{path} is a directory; give {what}")


def format_suffix(path: Path) -> str:
    """The extension that names a file's format, lower case, a ``.gz`` after it set aside: ``notes.CSV.gz`` → ``.csv``."""
    return Path(path.name.lower().removesuffix(".gz")).suffix


def is_gzipped(path: Path) -> bool:
    """Whether the file starts with the gzip magic bytes (whatever its name says)."""
    with open(path, "rb") as handle:
        return handle.read(2) == _GZIP_MAGIC


#: archives and compressions that xlink does not read, by their magic bytes
_OTHER_ARCHIVES = ((b"PK\x03\x04", "a zip archive", "unzip it"), (b"\xfd7zXZ\x00", "xz-compressed", "unxz it"),
                   (b"BZh", "bzip2-compressed", "bunzip2 it"), (b"\x28\xb5\x2f\xfd", "zstd-compressed", "unzstd it"))


def open_binary(path: Path) -> BinaryIO:
    """Open a file for reading bytes, gunzipping it if it is gzipped.

    A zip, xz, bzip2 or zstd file is refused with what it is and how to read it (reading its
    bytes as text would end in a misleading encoding or line-end error).
    """
    require_file(path, "a file")
    with open(path, "rb") as handle:
        head = handle.read(6)
    if head.startswith(_GZIP_MAGIC):
        return gzip.open(path, "rb")  # type: ignore[return-value]
    for magic, what, fix in _OTHER_ARCHIVES:
        if head.startswith(magic) and not (magic == b"BZh" and head[3:4] not in b"123456789"):
            raise FormatError(path, None, f"is {what}, which xlink does not read", f"plain or gzipped text: {fix}, or gzip it")
    return open(path, "rb")


def numbered_lines(path: Path, expected: str, *, keep_lone_cr: bool = False) -> Iterator[tuple[int, str]]:
    """Yield ``(line number, line without its line ending)`` for each line.

    Lines end at ``\\n`` only (a ``\\r`` before it is dropped), so that U+2028
    or U+0085 inside a field does not split a record in two the way
    ``str.splitlines`` would. A carriage return inside a line is refused with
    the line and the fix: in a terminology or a corpus it is a line end of a
    file that mixes them, and reading on would silently merge two records
    (a concept's name would swallow the next concept). Readers of free text
    (classification tables) pass ``keep_lone_cr=True`` to keep it in the text.
    A UTF-8 byte order mark at the start is dropped. Each line is decoded on
    its own, so bytes that are not UTF-8, a UTF-16 file and a broken gzip
    stream become a :class:`FormatError` that names the line and says how to
    fix the file.
    """
    lineno = 0
    offset = 0
    try:
        with open_binary(path) as handle:
            for lineno, raw in enumerate(handle, start=1):  # noqa: B007
                if lineno == 1:
                    _refuse_utf16(path, raw)
                    _refuse_cr_line_ends(path, raw)
                if not keep_lone_cr and b"\r" in raw.removesuffix(b"\n").rstrip(b"\r"):  # "\r\r\n" ends a line too
                    raise mixed_line_ends(path, lineno)
                line = _decode(path, lineno, offset, raw)
                offset += len(raw)
                if lineno == 1:
                    line = line.removeprefix(_UTF8_BOM)
                yield lineno, line.removesuffix("\n").rstrip("\r")
    except (gzip.BadGzipFile, EOFError, zlib.error) as err:
        raise FormatError(path, lineno + 1, f"broken gzip data ({err})", expected) from None


def read_text(path: Path, expected: str) -> str:
    """The whole file as UTF-8 text, line ends kept as written (``\\r\\n`` stays), a byte order mark dropped.

    For readers whose offsets must index the file itself. A UTF-16 file or bytes that are not
    UTF-8 become the same :class:`FormatError` as in :func:`numbered_lines`, naming the line.
    """
    require_file(path, expected)
    raw = path.read_bytes()
    _refuse_utf16(path, raw)
    try:
        return raw.decode("utf-8").removeprefix(_UTF8_BOM)
    except UnicodeDecodeError as err:
        start = raw.rfind(b"\n", 0, err.start) + 1
        end = raw.find(b"\n", err.start)
        _decode(path, raw.count(b"\n", 0, err.start) + 1, start, raw[start : None if end < 0 else end])
        raise  # _decode raised already; this only satisfies the type checker


def _umask() -> int:
    """The process's umask: read from /proc where Linux shows it, else by setting it and back.

    Setting it to 0 for a moment would give files that other threads create meanwhile 0666.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    umask = os.umask(0)
    os.umask(umask)
    return umask


@contextlib.contextmanager
def atomic_file(target: str | Path, mode: str = "w") -> Iterator[IO[Any]]:
    """Yield a handle on a temporary sibling of ``target`` that replaces it only if the block succeeds.

    The files xlink writes as outputs (corpora, predictions, terminologies, package metadata,
    DocBins) go through here, so that a crash or an error never leaves a half-written file where a
    complete one is expected. ``mode`` is ``"w"`` (UTF-8 text, ``\n`` line ends) or ``"wb"``.
    A name ending in ``.gz`` is gzipped, as the name says (every reader of xlink's unzips by
    the magic bytes). The file gets the permissions a plain ``open`` would give (``mkstemp``
    makes it 0600).
    """
    if mode not in ("w", "wb"):
        raise ValueError(f"mode must be 'w' or 'wb', not {mode!r}")
    target = Path(target)
    if target.exists() and not target.is_file() and not target.is_dir():
        # /dev/null, /dev/stdout, a named pipe, a shell's >(...): a stream to write to, not a file to
        # replace (renaming over a device node would turn it into a regular file)
        with contextlib.ExitStack() as stack:
            yield _wrap(stack, stack.enter_context(open(target, "wb")), target, mode)
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with contextlib.ExitStack() as stack:
            yield _wrap(stack, stack.enter_context(os.fdopen(fd, "wb")), target, mode)
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _wrap(stack: contextlib.ExitStack, raw: IO[bytes], target: Path, mode: str) -> IO[Any]:
    """The handle :func:`atomic_file` yields over ``raw``: gzipped for a ``.gz`` name, text for mode ``"w"``."""
    if target.name.endswith(".gz"):  # mtime 0: the same content gives the same bytes
        raw = stack.enter_context(gzip.GzipFile(fileobj=raw, mode="wb", filename="", mtime=0))  # type: ignore[arg-type]
    if mode == "w":
        return stack.enter_context(io.TextIOWrapper(raw, encoding="utf-8", newline="\n"))
    return raw


def atomic_write_text(target: str | Path, text: str) -> None:
    """Write ``text`` to ``target`` atomically (see :func:`atomic_file`)."""
    with atomic_file(target) as handle:
        handle.write(text)


def atomic_write_lines(target: str | Path, lines: Iterable[str]) -> int:
    """Write ``lines``, each ended by ``\n``, to ``target`` atomically; return how many were written.

    ``lines`` may be a generator: a later run never reads a shorter file because an earlier
    one stopped half-way.
    """
    count = 0
    with atomic_file(target) as handle:
        for line in lines:
            handle.write(line)
            handle.write("\n")
            count += 1
    return count


def apply_umask(folder: Path) -> None:
    """Give ``folder`` and everything in it the modes the user's umask asks for.

    Temporary folders (``mkdtemp``) are created 0700; a saved model should be readable as a
    plain ``mkdir`` and ``open`` would have made it.
    """
    umask = _umask()
    for path in [folder, *folder.rglob("*")]:
        path.chmod((0o777 if path.is_dir() else 0o666) & ~umask)


def mixed_line_ends(path: Path, lineno: int) -> FormatError:
    """The error for a carriage return inside line ``lineno``: a line end of a file that mixes them."""
    return FormatError(
        path, lineno, "a carriage return (\\r) inside the line: the file mixes line ends, so two records would read as one",
        f"lines ending in \\n or \\r\\n; {FIX_LINE_ENDS}",
    )


def _refuse_cr_line_ends(path: Path, first_line: bytes) -> None:
    """Raise a :class:`FormatError` when lines end in a lone ``\\r`` (classic Mac OS), read as one line."""
    if not first_line.endswith(b"\n") and b"\r" in first_line.rstrip(b"\r"):
        raise FormatError(
            path,
            1,
            "lines end in a carriage return (\\r) alone, so the whole file reads as one line",
            f"lines ending in \\n; {FIX_LINE_ENDS}",
        )


def _refuse_utf16(path: Path, first_line: bytes) -> None:
    """Raise a :class:`FormatError` when the file starts with a UTF-16 byte order mark."""
    if first_line.startswith(_UTF16_BOMS):
        raise FormatError(
            path,
            None,
            "UTF-16 text (it starts with a UTF-16 byte order mark); convert it to UTF-8, "
            "e.g. iconv -f utf-16 -t utf-8 FILE > FILE.utf8",
        )


def _decode(path: Path, lineno: int, offset: int, raw: bytes) -> str:
    """``raw`` decoded as UTF-8, or a :class:`FormatError` naming the line and byte offset.

    ``offset`` is the file offset of the line's first byte (of the
    uncompressed data for a gzipped file), so the message points at the
    exact byte (``xxd -s OFFSET``) and not only at the line.
    """
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as err:
        byte = raw[err.start]
        raise FormatError(
            path,
            lineno,
            f"not UTF-8 text: byte 0x{byte:02x} at byte offset {offset + err.start} "
            f"({err.reason}); {_TO_UTF8}",
        ) from None


@dataclass(frozen=True)
class FolderKind:
    """A kind of folder xlink writes: the ``marker`` file every such folder holds, and ``what``
    messages call it ("an xlink index"). Each writer defines its kind once, beside its files, and
    both its save and its command's early check use it."""

    marker: str
    what: str
    #: files that mark a folder of another kind which also holds ``marker`` (a reranker folder
    #: holds a bi-encoder's ``xlink_training.json`` too): such a folder is not replaced
    excludes: tuple[str, ...] = ()
    #: markers of related kinds this kind may replace (an ensemble's index replaces a single
    #: generator's index at the same path, and the other way round)
    replaces: tuple[str, ...] = ()


@contextlib.contextmanager
def atomic_folder(target: str | Path, kind: FolderKind) -> Iterator[Path]:
    """Yield a temporary folder that replaces ``target`` only if the block succeeds.

    Every folder xlink writes (indexes, models, calibrations) goes through here, so that a crash
    never leaves a half-written folder where a complete one is expected, and so that an output
    path can only replace what xlink wrote there before: an existing ``target`` is replaced only
    when it is an empty folder or holds ``kind.marker`` (``manifest.json`` for an index). A file,
    or a folder of the user's own files, is refused before anything is written (the command verbs
    check even before their work, with :func:`check_replaceable_folder`). A folder of xlink's own
    kind is replaced whole, files a user added inside it included: keep your own files beside it.
    The finished folder gets the modes the user's umask asks for, as a plain ``mkdir`` would give it.
    """
    target = Path(target)
    check_replaceable_folder(target, kind)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp"))
    try:
        yield tmp
        apply_umask(tmp)  # mkdtemp makes the folder 0700; a saved index or model is read by others too
        old = None
        if target.exists():
            old = target.with_name(f".{target.name}.{os.getpid()}.old")
            os.replace(target, old)
        os.replace(tmp, target)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def check_replaceable_folder(target: Path, kind: FolderKind) -> None:
    """Raise :class:`XlinkError` unless ``target`` is absent, an empty folder, or a folder holding ``kind.marker``."""
    blocking = next((parent for parent in Path(target).parents if parent.is_file()), None)
    if blocking is not None:
        raise XlinkError(f"{target}: {blocking} is a file, so no folder can be made there; give another path for {kind.what}")
    if not target.exists() and not target.is_symlink():
        return
    if not target.is_dir():
        raise XlinkError(f"{target} is a file; give a folder path for {kind.what} (xlink writes a folder there)")
    other = next((name for name in kind.excludes if (target / name).exists()), None)
    if other is not None:
        raise XlinkError(
            f"{target} holds {other}, so it is another kind of xlink folder, not {kind.what}; give a new folder path"
        )
    if any((target / marker).exists() for marker in (kind.marker, *kind.replaces)) or not any(target.iterdir()):
        return
    raise XlinkError(
        f"{target} already exists and is not {kind.what} (it holds no {kind.marker}); xlink only replaces a folder it "
        "wrote itself and never deletes other files: give a new folder path, or empty this one"
    )
