"""Torch inside forked worker processes, such as those of spaCy's ``nlp.pipe(n_process=N)``.

On Linux, spaCy starts its ``n_process`` workers by forking the main process. When the main
process has already run a torch model on several threads (a warm-up document, an earlier
``nlp.pipe`` call), the forked child inherits an OpenMP thread pool whose threads do not
exist in it, and its first multi-threaded torch operation waits for them forever.
PyTorch's own ``DataLoader`` workers avoid this by running on one thread; xlink's torch
models (reranker, bi-encoder, NLI model, sentence-embedding bases) do the same: each calls
:func:`one_thread_in_forked_child` before it runs. The workers already split the work
between processes, so one thread each is also what avoids oversubscribing the cores.
Processes started with ``spawn`` or ``forkserver`` are left alone.
"""

from __future__ import annotations

import multiprocessing


def in_forked_child() -> bool:
    """Whether this process is a ``multiprocessing`` child started by forking."""
    if multiprocessing.parent_process() is None:
        return False
    return multiprocessing.get_start_method(allow_none=True) in (None, "fork")


def one_thread_in_forked_child() -> None:
    """In a forked ``multiprocessing`` child, make torch use one intra-op thread (see the module docstring)."""
    if not in_forked_child():
        return
    import torch

    if torch.get_num_threads() != 1:
        torch.set_num_threads(1)
