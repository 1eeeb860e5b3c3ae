"""Read: a learned model scores how likely each candidate is to answer the question.

The reader is a cross-encoder: the question and one candidate (with the title of its article
and the text just before it, where a "he said" finds its speaker) go through a small
pretrained transformer together, and a linear head on its mean-pooled output gives one
logit. It was fine-tuned from all-MiniLM-L6-v2 on SQuAD 2.0 questions and the project's own
question sets (``tools/train_reader.py``; ``retrieval/data/READER.md`` is its model card) and
runs here through ONNX Runtime, quantized to int8, with no deep-learning framework.

``encode`` is shared with the training script, so the model reads at run time exactly what it
was trained on.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import numpy as np

if TYPE_CHECKING:
    import onnxruntime
    from tokenizers import Tokenizer

T = TypeVar("T")
R = TypeVar("R")

DATA = Path(__file__).resolve().parent.parent / "data"
MODEL = DATA / "reader.onnx"
TOKENIZER = DATA / "reader-tokenizer.json"

MAX_TOKENS = 192  # question + candidate + context; a news sentence is 30-60 tokens
MAX_QUESTION_TOKENS = 48  # the longest shared question is 45 tokens
MAX_TITLE_TOKENS = 16
CLS, SEP, PAD = 101, 102, 0  # the base model's vocabulary


@dataclass(frozen=True, slots=True)
class Pair:
    """What the reader reads for one candidate."""

    question: str
    text: str  # the candidate, quoted verbatim if chosen
    context: str = ""  # the text before it, for what it refers back to
    title: str = ""


def encode(
    tokenizer: Tokenizer, pairs: Sequence[Pair]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Token ids, token type ids and attention mask, padded to the longest pair:
    ``[CLS] question [SEP] candidate [SEP] title context-tail [SEP]``."""

    def ids(texts: list[str]) -> list[list[int]]:
        # Lone surrogates cannot cross into the tokenizer: each becomes "?" (a question with
        # one still gets read, with that character unknown).
        texts = [t.encode("utf-8", "replace").decode("utf-8") for t in texts]
        return [e.ids for e in tokenizer.encode_batch(texts, add_special_tokens=False)]

    questions = ids([p.question for p in pairs])
    texts = ids([p.text for p in pairs])
    contexts = ids([p.context for p in pairs])
    titles = ids([p.title for p in pairs])
    rows: list[tuple[list[int], int]] = []
    for q, t, c, h in zip(questions, texts, contexts, titles, strict=True):
        q = q[:MAX_QUESTION_TOKENS]
        room = MAX_TOKENS - len(q) - 4
        t = t[:room]
        room -= len(t)
        h = h[: min(MAX_TITLE_TOKENS, room)]
        room -= len(h)
        c = c[len(c) - room :] if room > 0 else []
        rows.append(([CLS, *q, SEP, *t, SEP, *h, *c, SEP], len(q) + 2))
    width = max(len(r) for r, _ in rows)
    input_ids = np.full((len(rows), width), PAD, dtype=np.int64)
    type_ids = np.zeros((len(rows), width), dtype=np.int64)
    mask = np.zeros((len(rows), width), dtype=np.int64)
    for n, (row, first) in enumerate(rows):
        input_ids[n, : len(row)] = row
        type_ids[n, first : len(row)] = 1
        mask[n, : len(row)] = 1
    return input_ids, type_ids, mask


def load_tokenizer(path: Path = TOKENIZER) -> Tokenizer:
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(path))
    tokenizer.no_truncation()
    tokenizer.no_padding()
    return tokenizer


class Reader:
    """Pairs → one logit each (higher: likelier to answer). Loads the model on first use, so
    commands that never answer (``logs``, ``sources``) do not pay for it.

    Each pair runs on its own, on one thread, ``workers`` at a time: no padding to the longest
    pair, and a pair's logit does not depend on the others (int8 activations are quantized per
    run, over the whole input: pairs padded into one batch would change each other's logits,
    so several questions are read together as more pairs on the same threads, ``run_many``).
    On 2 cores that reads 16 candidates in 96 ms median against 152 ms as one padded batch on
    two threads (``python -m benchmarks.pipeline_latency``). ``workers``: the threads, one
    per core by default (the bot sizes it with ``TALKS_ANSWER_THREADS``)."""

    def __init__(
        self, model: Path = MODEL, tokenizer: Path = TOKENIZER, workers: int | None = None
    ) -> None:
        self.model_path = model
        self.tokenizer_path = tokenizer
        self.workers = workers or default_workers()
        self._loading = threading.Lock()

    @cached_property
    def _tokenizer(self) -> Tokenizer:
        return load_tokenizer(self.tokenizer_path)

    @cached_property
    def _session(self) -> onnxruntime.InferenceSession:
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = 1  # parallel across pairs instead (see the class)
        options.log_severity_level = 3  # warnings about unused initializers are noise here
        return ort.InferenceSession(
            str(self.model_path), options, providers=["CPUExecutionProvider"]
        )

    @cached_property
    def _pool(self) -> ThreadPoolExecutor:
        return ThreadPoolExecutor(self.workers, thread_name_prefix="reader")

    def load(self) -> None:
        """Load now (the bot does this at start, off the event loop)."""
        with self._loading:
            _ = self._tokenizer, self._session, self._pool

    def preload(self) -> None:
        """Start loading on a thread of its own, while the caller reads the corpus: creating
        the ONNX session is mostly native code, so a restart overlaps the two (a first
        question or ``load`` waits for it to finish)."""
        # Not a daemon: a process that stops early (a usage error right after start) waits
        # for the load to end, a fraction of a second, instead of exiting while ONNX Runtime
        # is inside its native set-up, which aborts the process ("terminate called").
        threading.Thread(target=self.load, name="reader-load").start()

    def run(self, pairs: Sequence[Pair]) -> list[float]:
        self.load()  # a no-op once loaded; waits for a preload in progress
        return list(self._pool.map(self._one, pairs))

    def run_many(self, batches: Sequence[Sequence[Pair]]) -> list[list[float]]:
        """Several questions' pairs in one call: every pair goes to the threads at once, so
        none waits for another question's last pair, and each logit is what ``run`` gives."""
        logits = self.run([p for pairs in batches for p in pairs])
        out, at = [], 0
        for pairs in batches:
            out.append(logits[at : at + len(pairs)])
            at += len(pairs)
        return out

    def parallel(self, fn: Callable[[T], R], items: Sequence[T]) -> list[R]:
        """The reader's threads lent to other model work (the questions' embeddings)."""
        return list(self._pool.map(fn, items))

    def _one(self, pair: Pair) -> float:
        input_ids, type_ids, mask = encode(self._tokenizer, [pair])
        (logits,) = self._session.run(
            None, {"input_ids": input_ids, "token_type_ids": type_ids, "attention_mask": mask}
        )
        return float(np.asarray(logits).reshape(-1)[0])


def default_workers() -> int:
    """One model thread per core this process may use (each pair runs on one thread)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on every platform
        return os.cpu_count() or 1


class PreRankOrder:
    """A stand-in reader that keeps the pre-ranker's order (the pairs arrive best first):
    with ``RulesDecider`` it is the engine without a learned model."""

    def run(self, pairs: Sequence[Pair]) -> list[float]:
        return [-float(n) for n in range(len(pairs))]


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
