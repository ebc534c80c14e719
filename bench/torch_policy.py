"""credit-bench's policy (harness/model/model.ts) in PyTorch, shared by the PyTorch peers under bench/: pre-LN
blocks, tanh GELU, learned positions, a head with bias, LayerNorm eps 1e-5. `load_checkpoint` reads a
checkpoint as harness/model/checkpoint.ts writes it (model.json + weights.bin, little-endian float32, the
parameters in the order of harness/model/model.ts's paramShapes; a product weight is [in, out] there,
[out, in] in nn.Linear), and `param_map` names each checkpoint weight's tensor here.
"""
import hashlib
import json
import math
import os

import numpy as np
import torch
import torch.nn as nn


class Block(nn.Module):
    def __init__(self, d, heads):
        super().__init__()
        self.d, self.heads = d, heads
        self.ln1, self.ln2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.qkv, self.o = nn.Linear(d, 3 * d), nn.Linear(d, d)
        self.mlp = nn.Sequential(nn.Linear(d, 4 * d), nn.GELU(approximate="tanh"), nn.Linear(4 * d, d))

    def forward(self, x, past, mask):
        """x [b, t, d]; past: (k, v) of earlier positions or None; mask: additive bias broadcastable to
        [b, heads, t, keys] or None. Returns the new x and this block's (k, v) over all positions."""
        b, t, _ = x.shape
        dh = self.d // self.heads
        q, k, v = self.qkv(self.ln1(x)).view(b, t, 3, self.heads, dh).permute(2, 0, 3, 1, 4)
        if past is not None:
            k, v = torch.cat([past[0], k], 2), torch.cat([past[1], v], 2)
        att = q @ k.transpose(-1, -2) / math.sqrt(dh)
        if mask is not None:
            att = att + mask
        x = x + self.o((att.softmax(-1) @ v).transpose(1, 2).reshape(b, t, self.d))
        return x + self.mlp(self.ln2(x)), (k, v)


class Policy(nn.Module):
    def __init__(self, vocab, d, layers, heads, context):
        super().__init__()
        self.tok, self.pos = nn.Embedding(vocab, d), nn.Embedding(context, d)
        self.blocks = nn.ModuleList([Block(d, heads) for _ in range(layers)])
        self.ln, self.head = nn.LayerNorm(d), nn.Linear(d, vocab)

    def hidden(self, ids, positions, mask, cache=None):
        """The residual stream after the last block for ids [b, t] at positions [t] or [b, t], with the
        additive attention `mask` (None: no mask), and every block's (k, v)."""
        x = self.tok(ids) + self.pos(positions)
        fresh = []
        for i, block in enumerate(self.blocks):
            x, kv = block(x, cache[i] if cache else None, mask)
            fresh.append(kv)
        return x, fresh

    def logits(self, x):
        """Next-token logits from residual-stream rows."""
        return self.head(self.ln(x))


def param_map(policy, layers):
    """[(checkpoint name, tensor here, transposed?)] in the checkpoint's order."""
    out = [("wte", policy.tok.weight, False), ("wpe", policy.pos.weight, False)]
    for l, b in enumerate(policy.blocks):
        out += [
            (f"h{l}.ln1.g", b.ln1.weight, False), (f"h{l}.ln1.b", b.ln1.bias, False),
            (f"h{l}.attn.wqkv", b.qkv.weight, True), (f"h{l}.attn.bqkv", b.qkv.bias, False),
            (f"h{l}.attn.wo", b.o.weight, True), (f"h{l}.attn.bo", b.o.bias, False),
            (f"h{l}.ln2.g", b.ln2.weight, False), (f"h{l}.ln2.b", b.ln2.bias, False),
            (f"h{l}.mlp.w1", b.mlp[0].weight, True), (f"h{l}.mlp.b1", b.mlp[0].bias, False),
            (f"h{l}.mlp.w2", b.mlp[2].weight, True), (f"h{l}.mlp.b2", b.mlp[2].bias, False),
        ]
    out += [("lnf.g", policy.ln.weight, False), ("lnf.b", policy.ln.bias, False),
            ("head.w", policy.head.weight, True), ("head.b", policy.head.bias, False)]
    return out


def load_checkpoint(folder, dtype=torch.float64):
    """(policy in `dtype`, model.json's meta) from a credit-bench checkpoint folder; checks the layout and checksum."""
    with open(os.path.join(folder, "model.json")) as f:
        meta = json.load(f)
    with open(os.path.join(folder, "weights.bin"), "rb") as f:
        raw = f.read()
    if hashlib.sha256(raw).hexdigest() != meta["sha256"]:
        raise ValueError(f"{folder}/weights.bin does not match its checksum")
    c = meta["config"]
    policy = Policy(c["vocabSize"], c["dModel"], c["layers"], c["heads"], c["context"]).to(dtype)
    flat = np.frombuffer(raw, dtype="<f4")
    names = param_map(policy, c["layers"])
    if [p["name"] for p in meta["params"]] != [n for n, _, _ in names]:
        raise ValueError(f"{folder}/model.json: unexpected parameter order {[p['name'] for p in meta['params']]}")
    off = 0
    with torch.no_grad():
        for (name, t, transposed), p in zip(names, meta["params"]):
            n = int(np.prod(p["shape"]))
            a = torch.from_numpy(flat[off:off + n].copy()).to(dtype).reshape(p["shape"])
            t.copy_(a.T if transposed else a)
            off += n
    if off != flat.size:
        raise ValueError(f"{folder}/weights.bin holds {flat.size} weights, its params {off}")
    return policy, meta
