"""PyTorch's side of the GPT2 workload of `npm run bench`: the Hugging Face GPT-2 checkpoint
that Lathe loads (made by ../workloads/gpt2.ts), loaded and run in plain PyTorch 1.13.

Usage: /usr/bin/python3 gpt2_torch.py '<plan json>' PEER_LABEL DIR '<shape json>', then
"GPT2" on stdin: the protocol of child.ts. Started afresh for every round, so the load is cold.

`transformers` is not in Debian, so GPT-2 is written here with Hugging Face's module names,
its Conv1D layout (weight [in, out]), tanh GELU and its eager attention, and a KV cache that
concatenates each step's keys and values as GPT2LMHeadModel's past_key_values does. The
safetensors file is parsed by hand (8-byte little-endian header length, JSON header, raw
little-endian data) and each tensor is read straight into its parameter's storage, as
Lathe's loader does."""
import gc
import json
import math
import os
import resource
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

from timing import measure

torch.set_num_threads(2)
PLAN, PEER, DIR, SHAPE = json.loads(sys.argv[1]), sys.argv[2], sys.argv[3], json.loads(sys.argv[4])
MB = 2 ** 20


class Conv1D(nn.Module):
    """Hugging Face's Conv1D: y = x·W + b with W [in, out]. Left uninitialised: the loader fills it."""

    def __init__(self, n_in, n_out):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(n_in, n_out))
        self.bias = nn.Parameter(torch.empty(n_out))

    def forward(self, x):
        return torch.addmm(self.bias, x.view(-1, x.size(-1)), self.weight).view(*x.shape[:-1], -1)


class Attention(nn.Module):
    def __init__(self, d, n_head):
        super().__init__()
        self.n_head = n_head
        self.c_attn, self.c_proj = Conv1D(d, 3 * d), Conv1D(d, d)

    def forward(self, x, cache):
        b, t, d = x.shape
        heads = lambda z: z.view(b, t, self.n_head, d // self.n_head).transpose(1, 2)  # noqa: E731
        q, k, v = (heads(z) for z in self.c_attn(x).split(d, dim=2))
        if cache:
            k, v = torch.cat([cache[0], k], 2), torch.cat([cache[1], v], 2)
        cache[:] = [k, v]
        s = k.shape[2]
        w = q @ k.transpose(-1, -2) / math.sqrt(d // self.n_head)
        if t > 1:  # query i (absolute position s-t+i) sees keys 0 … s-t+i
            w = w.masked_fill(~torch.ones(t, s, dtype=torch.bool).tril(s - t), float("-inf"))
        y = F.softmax(w, dim=-1) @ v
        return self.c_proj(y.transpose(1, 2).reshape(b, t, d))


class MLP(nn.Module):
    def __init__(self, d, inner):
        super().__init__()
        self.c_fc, self.c_proj = Conv1D(d, inner), Conv1D(inner, d)

    def forward(self, x):
        return self.c_proj(F.gelu(self.c_fc(x), approximate="tanh"))


class Block(nn.Module):
    def __init__(self, c):
        super().__init__()
        d, eps = c["n_embd"], c["layer_norm_epsilon"]
        self.ln_1, self.ln_2 = nn.LayerNorm(d, eps=eps), nn.LayerNorm(d, eps=eps)
        self.attn = Attention(d, c["n_head"])
        self.mlp = MLP(d, c.get("n_inner") or 4 * d)

    def forward(self, x, cache):
        x = x + self.attn(self.ln_1(x), cache)
        return x + self.mlp(self.ln_2(x))


class GPT2Model(nn.Module):
    def __init__(self, c):
        super().__init__()
        d = c["n_embd"]
        # _weight: no random initialisation of 38M values the loader overwrites anyway.
        self.wte = nn.Embedding(c["vocab_size"], d, _weight=torch.empty(c["vocab_size"], d))
        self.wpe = nn.Embedding(c["n_positions"], d, _weight=torch.empty(c["n_positions"], d))
        self.h = nn.ModuleList(Block(c) for _ in range(c["n_layer"]))
        self.ln_f = nn.LayerNorm(d, eps=c["layer_norm_epsilon"])


class GPT2LMHeadModel(nn.Module):
    """The tied head is wte itself (F.linear with its weight), so it has no parameter of its own."""

    def __init__(self, c):
        super().__init__()
        self.transformer = GPT2Model(c)

    def forward(self, ids, caches, past):
        """Last-position logits [B, vocab] for ids [B, T] at positions past … past+T-1."""
        tr = self.transformer
        x = tr.wte(ids) + tr.wpe(torch.arange(past, past + ids.shape[1]))
        for block, cache in zip(tr.h, caches):
            x = block(x, cache)
        return F.linear(tr.ln_f(x[:, -1]), tr.wte.weight)


def load(dir):
    """The model of DIR's config.json with the weights of its model.safetensors (F32)."""
    with open(os.path.join(dir, "config.json")) as f:
        config = json.load(f)
    if not config.get("tie_word_embeddings", True):
        raise ValueError(f"{dir}: only tied embeddings are supported here")
    model = GPT2LMHeadModel(config).eval()
    params = dict(model.state_dict(keep_vars=True))
    path = os.path.join(dir, "model.safetensors")
    with open(path, "rb") as f:
        n = int.from_bytes(f.read(8), "little")
        header = json.loads(f.read(n))
        header.pop("__metadata__", None)
        for key, info in sorted(header.items(), key=lambda kv: kv[1]["data_offsets"][0]):
            name = key if key.startswith(("transformer.", "lm_head.")) else f"transformer.{key}"
            if name.endswith((".attn.bias", ".attn.masked_bias")) or name == "lm_head.weight":
                continue  # old causal-mask buffers; the tied head is wte
            p = params.pop(name, None)
            if p is None:
                raise KeyError(f"{path}: unexpected tensor {key}")
            if info["dtype"] != "F32" or list(p.shape) != info["shape"]:
                raise ValueError(f"{path}: {key} is {info['dtype']} {info['shape']}, expected F32 {list(p.shape)}")
            begin, end = info["data_offsets"]
            f.seek(8 + n + begin)
            into = memoryview(p.detach().numpy()).cast("B")
            if f.readinto(into) != end - begin:
                raise EOFError(f"{path}: {key} is cut short")
    if params:
        raise KeyError(f"{path}: missing {', '.join(params)}")
    return model


def rss_mb():
    """Resident memory now, after a full collection."""
    gc.collect()
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / MB


def prompt_ids(n, vocab):
    """The same ids as promptIds() in ../workloads/gpt2.ts."""
    return [(464 + 7919 * i) % vocab for i in range(n)]


@torch.no_grad()
def generate(model, prompt, n_new):
    """Greedy decoding with the KV cache (the sequence stays within the context)."""
    caches = [[] for _ in model.transformer.h]
    x, past, out = torch.tensor([prompt]), 0, []
    for _ in range(n_new):
        logits = model(x, caches, past)
        past += x.shape[1]
        out.append(int(logits[0].argmax()))
        x = torch.tensor([[out[-1]]])
    return out


def run():
    def sample(config, metric, **rest):
        return {"workload": "GPT2", "peer": PEER, "config": config, "variant": "", "metric": metric, "work": 1, "seconds": [], **rest}

    def emit(s):
        print(json.dumps(s), flush=True)

    before = rss_mb()
    t0 = time.perf_counter()
    model = load(DIR)
    load_s = time.perf_counter() - t0
    after = rss_mb()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / MB
    emit(sample("load (cold)", "s, lower is better", values=[load_s]))
    emit(sample("RSS after load", "MB, lower is better", values=[after], extra={"rssBeforeLoad": before}))
    emit(sample("RSS added by load", "MB, lower is better", values=[after - before]))
    emit(sample("peak RSS through load", "MB, lower is better", values=[peak]))

    vocab = model.transformer.wte.weight.shape[0]
    reps, long_time = PLAN["reps"], PLAN["longTime"]
    p, n_new = SHAPE["promptTokens"], SHAPE["newTokens"]
    prompt = torch.tensor([prompt_ids(p, vocab)])

    @torch.no_grad()
    def prefill():
        model(prompt, [[] for _ in model.transformer.h], 0)
    emit(sample(f"prefill, {p} tokens", "tokens/s", work=p, seconds=measure(prefill, reps, long_time)))

    ids = []

    def gen():
        ids[:] = generate(model, prompt_ids(1, vocab), n_new)
    seconds = measure(gen, reps, long_time)
    emit(sample(f"generate, KV cache, {n_new} tokens", "tokens/s", work=n_new, seconds=seconds, extra={"ids": ids}))


print(json.dumps({"info": {"torch": torch.__version__, "threads": torch.get_num_threads()}}), flush=True)
for line in sys.stdin:
    if line.strip() != "GPT2":
        raise ValueError(f"gpt2_torch.py: unknown workload {line.strip()!r} (only GPT2)")
    run()
    print(json.dumps({"done": "GPT2"}), flush=True)
