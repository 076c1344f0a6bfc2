"""Torch in forked worker processes (spaCy's nlp.pipe(n_process=N)): xlink.parallel."""

from __future__ import annotations

import multiprocessing
from typing import Any

import pytest

torch = pytest.importorskip("torch")

from xlink.parallel import in_forked_child, one_thread_in_forked_child  # noqa: E402

LAYER = torch.nn.Linear(384, 384)
INPUT = torch.randn(512, 384)


def _report(queue: Any) -> None:
    one_thread_in_forked_child()
    queue.put((in_forked_child(), torch.get_num_threads()))


def _forward(queue: Any) -> None:
    one_thread_in_forked_child()
    with torch.inference_mode():
        queue.put(float(LAYER(INPUT).sum()))


def _run_child(method: str, target: Any, timeout: float = 120) -> Any:
    context = multiprocessing.get_context(method)
    queue = context.Queue()
    process = context.Process(target=target, args=(queue,))
    process.start()
    process.join(timeout)
    if process.is_alive():
        process.kill()
        pytest.fail(f"the {method} child did not finish within {timeout} s")
    return queue.get(timeout=5)


def test_the_main_process_is_left_alone() -> None:
    previous = torch.get_num_threads()
    one_thread_in_forked_child()
    assert not in_forked_child()
    assert torch.get_num_threads() == previous


def test_a_forked_child_runs_torch_on_one_thread() -> None:
    torch.set_num_threads(2)
    assert _run_child("fork", _report) == (True, 1)


def test_a_forked_child_does_not_hang_after_the_parent_ran_torch_on_two_threads() -> None:
    # Without one_thread_in_forked_child the child waits forever on the parent's OpenMP pool.
    previous = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        with torch.inference_mode():
            expected = float(LAYER(INPUT).sum())
        assert _run_child("fork", _forward) == pytest.approx(expected, rel=1e-4)
    finally:
        torch.set_num_threads(previous)


@pytest.mark.slow  # a spawned child imports torch again
def test_a_spawned_child_is_not_a_forked_one() -> None:
    forked, _ = _run_child("spawn", _report)
    assert forked is False
