#!/usr/bin/env python3
"""PyTorch peer for rollout speed: credit-bench's policy (harness/model.ts: pre-LN blocks, tanh GELU,
learned positions, a head with bias) decoding with a KV cache on the CPU, as the ONNX engine does: a
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
import torch.nn as nn

V, D, L, H, C, B, P, N, TH = (int(x) for x in sys.argv[1:10])
if P + N > C:
    sys.exit(f"prompt_len + new_tokens ({P + N}) exceeds the context ({C})")
torch.set_num_threads(TH)
torch.manual_seed(0)
DH = D // H


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.ln1, self.ln2 = nn.LayerNorm(D), nn.LayerNorm(D)
        self.qkv, self.o = nn.Linear(D, 3 * D), nn.Linear(D, D)
        self.mlp = nn.Sequential(nn.Linear(D, 4 * D), nn.GELU(approximate="tanh"), nn.Linear(4 * D, D))

    def forward(self, x, past, mask):
        b, t, _ = x.shape
        q, k, v = self.qkv(self.ln1(x)).view(b, t, 3, H, DH).permute(2, 0, 3, 1, 4)
        if past is not None:
            k, v = torch.cat([past[0], k], 2), torch.cat([past[1], v], 2)
        att = q @ k.transpose(-1, -2) / math.sqrt(DH)
        if mask is not None:
            att = att + mask
        x = x + self.o((att.softmax(-1) @ v).transpose(1, 2).reshape(b, t, D))
        return x + self.mlp(self.ln2(x)), (k, v)


class Policy(nn.Module):
    def __init__(self):
        super().__init__()
        self.tok, self.pos = nn.Embedding(V, D), nn.Embedding(C, D)
        self.blocks = nn.ModuleList([Block() for _ in range(L)])
        self.ln, self.head = nn.LayerNorm(D), nn.Linear(D, V)

    def forward(self, ids, start, cache):
        t = ids.shape[1]
        x = self.tok(ids) + self.pos(torch.arange(start, start + t))
        mask = torch.full((t, t), float("-inf")).triu(1) if t > 1 else None
        fresh = []
        for i, block in enumerate(self.blocks):
            x, kv = block(x, cache[i] if cache else None, mask)
            fresh.append(kv)
        return self.head(self.ln(x[:, -1])), fresh


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
