"""PyTorch peer for `npm run bench` (W1-W4), the workloads of ../shared/peers/torch_bench.py
timed by the method of ../timing.ts (timing.py).

Usage: /usr/bin/python3 torch_bench.py '<plan json>' PEER_LABEL, then workload ids (W1..W4)
on stdin, one a line: the protocol of child.ts. Prints {"info": ...} once, then for each
workload one sample record per line (see ../plan.ts) and {"done": id}.
Run by peers/torch.ts with torch.set_num_threads(2) and, where Debian's OpenMP OpenBLAS is
installed, LD_LIBRARY_PATH pointing at it (the pthread build oversubscribes 2 cores)."""
import json
import math
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

from timing import measure

torch.set_num_threads(2)
torch.manual_seed(0)
PLAN, PEER = json.loads(sys.argv[1]), sys.argv[2]


def emit(workload, config, metric, work, fn, long=False):
    seconds = measure(fn, PLAN["reps"], PLAN["longTime"] if long else PLAN["minTime"])
    print(json.dumps({"workload": workload, "peer": PEER, "config": config, "variant": "", "metric": metric,
                      "work": work, "seconds": seconds}), flush=True)


def train_step(model, opt, loss_fn, x, y):
    def step():
        opt.zero_grad(set_to_none=True)
        loss_fn(model(x), y).backward()
        opt.step()
    return step


def w1():
    for n in PLAN["gemmSizes"]:
        a, b = torch.randn(n, n), torch.randn(n, n)
        emit("W1", f"n={n}", "GFLOP/s", 2 * n ** 3 / 1e9, lambda: a @ b, long=n >= 2048)


def w2():
    for bs in (32, 256):
        model = nn.Sequential(nn.Linear(30, 128), nn.ReLU(), nn.Linear(128, 64), nn.ReLU(), nn.Linear(64, 1), nn.Sigmoid())
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)
        x, y = torch.randn(bs, 30), torch.randint(0, 2, (bs, 1)).float()
        emit("W2", f"batch={bs}", "steps/s", 1, train_step(model, opt, nn.BCELoss(), x, y))


class LeNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1, self.conv2 = nn.Conv2d(3, 6, 5), nn.Conv2d(6, 16, 5)
        self.fc1, self.fc2, self.fc3 = nn.Linear(400, 120), nn.Linear(120, 84), nn.Linear(84, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = torch.flatten(x, 1)
        return self.fc3(F.relu(self.fc2(F.relu(self.fc1(x)))))


def w3():
    bs = 100
    model = LeNet()
    opt = torch.optim.SGD(model.parameters(), lr=0.001, momentum=0.9)
    x, y = torch.randn(bs, 3, 32, 32), torch.randint(0, 10, (bs,))
    emit("W3", f"train,batch={bs}", "images/s", bs, train_step(model, opt, nn.CrossEntropyLoss(), x, y))
    model.eval()
    with torch.no_grad():
        emit("W3", f"infer,batch={bs}", "images/s", bs, lambda: model(x))


# W4: nanoGPT-style char model, vocab 65, context 128, 4 layers, 4 heads, dim 128, untied head.
V, T, L, H, C = 65, 128, 4, 4, 128


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.ln1, self.ln2 = nn.LayerNorm(C), nn.LayerNorm(C)
        self.qkv, self.proj = nn.Linear(C, 3 * C), nn.Linear(C, C)
        self.fc, self.fc_proj = nn.Linear(C, 4 * C), nn.Linear(4 * C, C)
        self.register_buffer("mask", torch.tril(torch.ones(T, T, dtype=torch.bool)))

    def attn(self, x, cache):
        B, t, _ = x.shape
        q, k, v = (z.view(B, t, H, C // H).transpose(1, 2) for z in self.qkv(x).split(C, dim=2))
        if cache is not None:  # KV cache: append this step's keys and values
            if "k" in cache:
                k, v = torch.cat([cache["k"], k], 2), torch.cat([cache["v"], v], 2)
            cache["k"], cache["v"] = k, v
        s = k.shape[2]
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(C // H))
        att = att.masked_fill(~self.mask[s - t:s, :s], float("-inf"))
        return self.proj((F.softmax(att, dim=-1) @ v).transpose(1, 2).contiguous().view(B, t, C))

    def forward(self, x, cache=None):
        x = x + self.attn(self.ln1(x), cache)
        return x + self.fc_proj(F.gelu(self.fc(self.ln2(x))))


class GPT(nn.Module):
    def __init__(self):
        super().__init__()
        self.wte, self.wpe = nn.Embedding(V, C), nn.Embedding(T, C)
        self.blocks = nn.ModuleList(Block() for _ in range(L))
        self.ln_f, self.head = nn.LayerNorm(C), nn.Linear(C, V, bias=False)

    def forward(self, idx, caches=None, pos0=0):
        x = self.wte(idx) + self.wpe(torch.arange(pos0, pos0 + idx.shape[1]))
        for i, b in enumerate(self.blocks):
            x = b(x, None if caches is None else caches[i])
        return self.head(self.ln_f(x))


@torch.no_grad()
def generate(model, idx, n_new, kv):
    """Greedy. The KV cache serves while the sequence fits the context; after that the window
    slides and absolute positions shift, so those steps recompute the last T tokens."""
    caches = None
    for _ in range(n_new):
        if kv and idx.shape[1] <= T:
            if caches is None:
                caches = [{} for _ in range(L)]
                logits = model(idx, caches, 0)
            else:
                logits = model(idx[:, -1:], caches, idx.shape[1] - 1)
        else:
            logits = model(idx[:, -T:])
        idx = torch.cat([idx, logits[:, -1].argmax(-1, keepdim=True)], 1)
    return idx


def w4():
    B = 16
    model = GPT()
    opt = torch.optim.AdamW(model.parameters(), lr=3e-4)
    data = torch.randint(0, V, (B, T + 1))  # step time does not depend on the token values
    x, y = data[:, :T], data[:, 1:]

    def step():
        opt.zero_grad(set_to_none=True)
        F.cross_entropy(model(x).view(-1, V), y.reshape(-1)).backward()
        opt.step()
    emit("W4", f"train,B={B},T={T}", "tokens/s", B * T, step, long=True)
    model.eval()
    prompt = torch.zeros(1, 1, dtype=torch.long)
    for kv in (True, False):
        emit("W4", f"generate,{'kvcache' if kv else 'full-recompute'},200 tokens", "tokens/s", 200,
             lambda: generate(model, prompt, 200, kv), long=True)


print(json.dumps({"info": {"torch": torch.__version__, "threads": torch.get_num_threads()}}), flush=True)
for line in sys.stdin:
    workload = line.strip()
    {"W1": w1, "W2": w2, "W3": w3, "W4": w4}[workload]()
    print(json.dumps({"done": workload}), flush=True)
