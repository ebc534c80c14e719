#!/usr/bin/env python3
"""PyTorch peer for rollout speed: credit-bench's policy (bench/torch_policy.py: harness/model/model.ts's pre-LN blocks,
tanh GELU, learned positions, a head with bias) decoding with a KV cache on the CPU, as the ONNX engine does: a
causal prefill of every prompt, then one new token per row and step, each drawn from the softmax with
its log-probability and the entropy of the full distribution. No row stops early. Prints the best of 5
timed runs (after one warm-up), prefill included:
    tokens_per_s=… ms=… torch=… threads=…
Usage: torch_decode_peer.py vocab d_model layers heads context rows prompt_len new_tokens threads
"""
import math
import sys
import time

import torch

from torch_policy import Policy as SharedPolicy

V, D, L, H, C, B, P, N, TH = (int(x) for x in sys.argv[1:10])
if P + N > C:
    sys.exit(f"prompt_len + new_tokens ({P + N}) exceeds the context ({C})")
torch.set_num_threads(TH)
torch.manual_seed(0)


class Policy(SharedPolicy):
    """The shared policy (bench/torch_policy.py) at this shape, decoding: logits of each row's last position."""

    def __init__(self):
        super().__init__(V, D, L, H, C)

    def forward(self, ids, start, cache):
        t = ids.shape[1]
        mask = torch.full((t, t), float("-inf")).triu(1) if t > 1 else None
        x, fresh = self.hidden(ids, torch.arange(start, start + t), mask, cache)
        return self.logits(x[:, -1]), fresh


policy = Policy().eval()
prompts = torch.randint(0, V, (B, P))


def rollout():
    with torch.inference_mode():
        logits, cache = policy(prompts, 0, None)
        for t in range(N):
            logp = torch.log_softmax(logits, -1)
            p = logp.exp()
            token = torch.multinomial(p, 1)
            scores = (logp.gather(1, token), -(p * logp).sum(-1))  # what the harness keeps per token
            logits, cache = policy(token, P + t, cache)
        return scores


rollout()
best = math.inf
for _ in range(5):
    t0 = time.perf_counter()
    rollout()
    best = min(best, time.perf_counter() - t0)
print(f"tokens_per_s={B * N / best:.0f} ms={best * 1000:.1f} torch={torch.__version__} threads={TH}")
