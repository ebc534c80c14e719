#!/usr/bin/env python3
"""PyTorch peer for the RL update: the loss of harness/update/pg_loss.ts's `pgLoss` over the response
log-probabilities of harness/update/rl_update.ts's `responseLogProbs`, and its gradient with respect to every
weight, computed independently (float64 by default) on a stored batch.

Each row is its own causal sequence, prompt then response but its last token, at positions 0..n−1, with
no padding: the meaning that the harness's left-padded, key-masked layout must reproduce. Per response
token: ratio r = exp(logp − old), loss −min(r·A, clip(r, 1−ε_low, 1+ε_high)·A); with reference
log-probs, the k3 KL exp(ref − logp) − (ref − logp) − 1. Both are aggregated by `token-mean` (over all
tokens), `sequence-mean` (per row, then over rows) or `dr-grpo` (sum / (rows × maxLength)); the loss
adds klBeta·KL when klBeta > 0. The clip fraction is the share of tokens whose clipped term is the
smaller.

Usage: torch_update_peer.py CHECKPOINT_DIR BATCH_JSON OUT_PREFIX [float64|float32]
  CHECKPOINT_DIR  model.json + weights.bin, as harness/model/checkpoint.ts writes them
  BATCH_JSON      {"rows": [{"prompt", "tokens", "oldLogProbs", "advantages", "refLogProbs"?}],
                   "clipLow", "clipHigh", "aggregation", "maxLength", "klBeta"}
Writes OUT_PREFIX.json ({loss, clipFraction, kl, minBoundGap, dtype, torch, params: [{name, shape}]}; minBoundGap
is the least |r − clip bound| over tokens, so a reader sees that no clip decision sits on a rounding edge)
and OUT_PREFIX.bin (the gradient of every weight as little-endian float32, in the checkpoint's order and
layout).
"""
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_policy import load_checkpoint, param_map  # noqa: E402

AGGREGATIONS = ("token-mean", "sequence-mean", "dr-grpo")


def aggregate(per_row, mode, max_length):
    """One number from per-row token values [n_i], as harness/update/pg_loss.ts's `aggregate`."""
    if mode == "token-mean":
        return torch.cat(per_row).sum() / max(sum(v.numel() for v in per_row), 1)
    if mode == "sequence-mean":
        means = [v.mean() for v in per_row if v.numel() > 0]
        return torch.stack(means).sum() / max(len(means), 1)
    if mode == "dr-grpo":
        if not max_length > 0:
            raise ValueError(f"dr-grpo needs a positive maxLength, got {max_length}")
        return torch.cat(per_row).sum() / (len(per_row) * max_length)
    raise ValueError(f"unknown aggregation {mode!r}; known: {', '.join(AGGREGATIONS)}")


def response_log_probs(policy, prompt, tokens):
    """Log-probabilities [len(tokens)] of a response's tokens after its prompt: one unpadded causal pass."""
    ids = torch.tensor([list(prompt) + list(tokens[:-1])])
    n = ids.shape[1]
    mask = torch.full((n, n), float("-inf"), dtype=policy.head.weight.dtype).triu(1)
    x, _ = policy.hidden(ids, torch.arange(n), mask)
    logits = policy.logits(x[0, len(prompt) - 1:])
    return torch.log_softmax(logits, -1).gather(1, torch.tensor(tokens).unsqueeze(1)).squeeze(1)


def main(argv):
    if len(argv) not in (3, 4):
        sys.exit(__doc__)
    ckpt, batch_path, out = argv[:3]
    dtype = {"float64": torch.float64, "float32": torch.float32}[argv[3] if len(argv) == 4 else "float64"]
    torch.set_num_threads(1)
    policy, meta = load_checkpoint(ckpt, dtype)
    with open(batch_path) as f:
        batch = json.load(f)
    lo, hi = 1 - batch["clipLow"], 1 + batch["clipHigh"]
    mode, max_length, beta = batch["aggregation"], batch.get("maxLength"), batch.get("klBeta", 0)
    rows = batch["rows"]
    with_ref = [("refLogProbs" in r) for r in rows]
    if any(with_ref) and not all(with_ref):
        sys.exit("refLogProbs must be given for every row or none")
    if beta > 0 and not all(with_ref):
        sys.exit("klBeta > 0 needs refLogProbs")

    losses, kls, clipped, gaps = [], [], [], []
    for r in rows:
        n = len(r["tokens"])
        for k in ("oldLogProbs", "advantages") + (("refLogProbs",) if all(with_ref) else ()):
            if len(r[k]) != n:
                sys.exit(f"a row has {n} tokens and {len(r[k])} {k}")
        logp = response_log_probs(policy, r["prompt"], r["tokens"])
        old = torch.tensor(r["oldLogProbs"], dtype=dtype)
        adv = torch.tensor(r["advantages"], dtype=dtype)
        ratio = torch.exp(logp - old)
        unclipped, clip_term = ratio * adv, ratio.clamp(lo, hi) * adv
        losses.append(-torch.minimum(unclipped, clip_term))
        clipped.append((clip_term < unclipped).to(dtype).detach())
        gaps.append(torch.minimum((ratio - lo).abs(), (ratio - hi).abs()).detach())
        if all(with_ref):
            d = torch.tensor(r["refLogProbs"], dtype=dtype) - logp
            kls.append(torch.exp(d) - d - 1)

    loss = aggregate(losses, mode, max_length)
    kl = aggregate(kls, mode, max_length) if kls else torch.zeros((), dtype=dtype)
    if beta > 0:
        loss = loss + beta * kl
    clip_fraction = torch.cat(clipped).sum() / max(sum(c.numel() for c in clipped), 1)
    policy.zero_grad()
    loss.backward()

    grads = []
    for name, t, transposed in param_map(policy, meta["config"]["layers"]):
        g = t.grad if t.grad is not None else torch.zeros_like(t)
        grads.append((g.T if transposed else g).contiguous().reshape(-1).to(torch.float64).numpy())
    with open(out + ".bin", "wb") as f:
        f.write(np.concatenate(grads).astype("<f4").tobytes())
    with open(out + ".json", "w") as f:
        json.dump({
            "loss": loss.item(),
            "clipFraction": clip_fraction.item(),
            "kl": kl.item(),
            "minBoundGap": torch.cat(gaps).min().item(),
            "dtype": str(dtype).removeprefix("torch."),
            "torch": torch.__version__,
            "params": meta["params"],
        }, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main(sys.argv[1:])
