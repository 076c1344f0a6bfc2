"""Output folders and files: written atomically, with the umask's modes, and never over a file or a folder of the user's own files."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers.cli import run_xlink
from xlink.errors import XlinkError
from xlink.files import (
    FolderKind,
    atomic_file,
    atomic_folder,
    atomic_write_lines,
    atomic_write_text,
    check_replaceable_folder,
)

FIXTURES = Path(__file__).parent / "fixtures"


TEST_FOLDER = FolderKind("marker.json", "a test folder")


def _write(target: Path, text: str) -> None:
    with atomic_folder(target, TEST_FOLDER) as tmp:
        (tmp / "marker.json").write_text(text)


def test_writes_and_replaces_its_own_folder(tmp_path: Path) -> None:
    target = tmp_path / "out" / "folder"
    _write(target, "1")
    _write(target, "2")
    assert (target / "marker.json").read_text() == "2"
    assert sorted(p.name for p in target.parent.iterdir()) == ["folder"]  # no temporary or old folder left


def test_replaces_an_empty_folder(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    _write(tmp_path / "empty", "1")
    assert (tmp_path / "empty" / "marker.json").exists()


def test_refuses_a_folder_of_user_files_and_deletes_nothing(tmp_path: Path) -> None:
    user = tmp_path / "user"
    user.mkdir()
    (user / "notes.txt").write_text("precious")
    with pytest.raises(XlinkError, match=r"already exists and is not a test folder \(it holds no marker.json\)"):
        _write(user, "1")
    assert (user / "notes.txt").read_text() == "precious"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["user"]


def test_refuses_a_file(tmp_path: Path) -> None:
    (tmp_path / "data.txt").write_text("keep")
    with pytest.raises(XlinkError, match="is a file; give a folder path for a test folder"):
        _write(tmp_path / "data.txt", "1")
    assert (tmp_path / "data.txt").read_text() == "keep"


def test_a_failure_inside_the_block_keeps_the_old_folder(tmp_path: Path) -> None:
    target = tmp_path / "folder"
    _write(target, "old")
    with pytest.raises(RuntimeError), atomic_folder(target, TEST_FOLDER) as tmp:
        (tmp / "marker.json").write_text("half")
        raise RuntimeError("crash while writing")
    assert (target / "marker.json").read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["folder"]


def test_check_alone_accepts_absent_paths(tmp_path: Path) -> None:
    check_replaceable_folder(tmp_path / "absent", FolderKind("m", "x"))


def test_calibrate_refuses_a_user_folder_before_any_work(tmp_path: Path) -> None:
    user = tmp_path / "userdir"
    user.mkdir()
    data = user / "texts.csv"
    data.write_text("text,label\nhello,a\nbye,b\n")
    result = run_xlink(
        "calibrate", "--data", str(data), "--labels", "a,b", "-o", str(user), cache=tmp_path / "cache"
    )
    assert result.returncode != 0
    assert "already exists and is not an xlink label pruner" in result.stderr
    assert data.read_text().startswith("text,label")
    assert "Traceback" not in result.stderr


def test_calibrate_refuses_a_file_output(tmp_path: Path) -> None:
    data = tmp_path / "texts.csv"
    data.write_text("text,label\nhello,a\nbye,b\n")
    target = tmp_path / "gold.pubtator"
    target.write_text("keep")
    result = run_xlink("calibrate", "--data", str(data), "--labels", "a,b", "-o", str(target), cache=tmp_path / "c")
    assert result.returncode != 0 and "is a file" in result.stderr and "Traceback" not in result.stderr
    assert target.read_text() == "keep" and not (tmp_path / "gold.pubtator.old").exists()


def test_index_build_refuses_a_user_folder(tmp_path: Path) -> None:
    user = tmp_path / "userdir"
    user.mkdir()
    (user / "notes.txt").write_text("precious")
    terminology = FIXTURES / "terminology" / "ctd_diseases.tsv"
    result = run_xlink("index", "build", str(terminology), "-o", str(user), cache=tmp_path / "cache")
    assert result.returncode != 0 and "already exists and is not an xlink index" in result.stderr
    assert (user / "notes.txt").read_text() == "precious"
    built = run_xlink("index", "build", str(terminology), "-o", str(tmp_path / "index"), cache=tmp_path / "cache")
    assert built.returncode == 0, built.stderr
    again = run_xlink("index", "build", str(terminology), "-o", str(tmp_path / "index"), cache=tmp_path / "cache")
    assert again.returncode == 0, again.stderr  # its own index is replaced


def _mode(path: Path) -> int:
    return path.stat().st_mode & 0o777


def test_a_written_folder_gets_the_umask_modes_not_mkdtemps_0700(tmp_path: Path) -> None:
    """Indexes in a shared cache and built pipelines are read by other users too."""
    old = os.umask(0o022)
    try:
        _write(tmp_path / "folder", "1")
    finally:
        os.umask(old)
    assert _mode(tmp_path / "folder") == 0o755
    assert _mode(tmp_path / "folder" / "marker.json") == 0o644


def test_atomic_write_text_and_lines_replace_whole_files_with_umask_modes(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "out.txt"
    old = os.umask(0o027)
    try:
        atomic_write_text(target, "a\nb\n")
        assert target.read_text(encoding="utf-8") == "a\nb\n"
        assert _mode(target) == 0o640
        assert atomic_write_lines(target, (s for s in ["x", "y", "z"])) == 3
    finally:
        os.umask(old)
    assert target.read_bytes() == b"x\ny\nz\n"  # "\n" line ends on every platform
    assert sorted(p.name for p in target.parent.iterdir()) == ["out.txt"]


def test_a_failing_generator_leaves_the_old_file_whole_and_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    atomic_write_text(target, "complete\n")

    def lines() -> Iterator[str]:
        yield "half"
        raise RuntimeError("stopped")

    with pytest.raises(RuntimeError, match="stopped"):
        atomic_write_lines(target, lines())
    assert target.read_text(encoding="utf-8") == "complete\n"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]


def test_atomic_file_writes_bytes_and_refuses_other_modes(tmp_path: Path) -> None:
    with atomic_file(tmp_path / "b.bin", "wb") as handle:
        handle.write(b"\x00\x01")
    assert (tmp_path / "b.bin").read_bytes() == b"\x00\x01"
    with pytest.raises(ValueError, match="mode"), atomic_file(tmp_path / "c.txt", "a"):
        pass


def test_an_output_under_a_file_is_refused_before_any_work(tmp_path: Path) -> None:
    from xlink.cli._common import check_output

    corpus = tmp_path / "good.pubtator"
    corpus.write_text("x", encoding="utf-8")
    with pytest.raises(XlinkError, match=r"good\.pubtator is a file, so no folder can hold the output"):
        check_output(corpus / "p.jsonl", corpus)
    with pytest.raises(XlinkError, match=r"good\.pubtator is a file, so no folder can be made there"):
        check_replaceable_folder(corpus / "index", TEST_FOLDER)


def test_a_folder_of_another_kind_that_holds_the_marker_is_refused(tmp_path: Path) -> None:
    """A trained reranker holds xlink_training.json too, the bi-encoder's marker: training a bi-encoder there is refused."""
    from xlink.candidates.biencoder_training import BIENCODER_FOLDER
    from xlink.rerank.cross_encoder import RERANKER_FOLDER

    reranker = tmp_path / "rr"
    reranker.mkdir()
    (reranker / RERANKER_FOLDER.marker).write_text("{}", encoding="utf-8")
    (reranker / "xlink_training.json").write_text("{}", encoding="utf-8")
    with pytest.raises(XlinkError, match="another kind of xlink folder, not an xlink bi-encoder folder"):
        check_replaceable_folder(reranker, BIENCODER_FOLDER)
    check_replaceable_folder(reranker, RERANKER_FOLDER)  # its own kind may replace it
