"""PyTorch twin of bench/step.ts: the same encoder and training step, served over stdin/stdout for interleaved timing.

Protocol (one JSON line per reply): `info` -> torch version, BLAS, threads; `run N [W]` -> times of N steps in ms,
after W untimed ones; `quit` -> peak RSS in MB, then exit. Usage: python3 torch_twin.py full_ft|lora [threads] [size]
"""
import json
import math
import resource
import subprocess
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

# bench/step.ts's SIZES: vocabulary, d_model, layers, heads, FFN, tokens, batch, classes, LoRA rank.
SIZES = {
    "small": (512, 128, 2, 4, 512, 64, 16, 2, 8),
    "base": (8192, 768, 12, 12, 3072, 128, 8, 2, 8),  # BERT-base's shape (issue 16)
    "base-512": (8192, 768, 12, 12, 3072, 512, 8, 2, 8),
}
V, D, L, H, FF, T, B, C, R = SIZES[sys.argv[3] if len(sys.argv) > 3 else "small"]


class Linear(nn.Linear):
    """nn.Linear plus an optional LoRA update x A B (A [d_in, r], B [r, d_out], B = 0 at init), as techniques/shared/delta-layer.ts (loraKind)."""

    def add_lora(self, r):
        self.lora_a = nn.Parameter(torch.empty(self.in_features, r).uniform_(-1 / math.sqrt(self.in_features), 1 / math.sqrt(self.in_features)))
        self.lora_b = nn.Parameter(torch.zeros(r, self.out_features))

    def forward(self, x):
        y = super().forward(x)
        if hasattr(self, "lora_a"):
            y = y + (x @ self.lora_a) @ self.lora_b  # scale alpha/r = 1
        return y


def gelu(x):  # tanh approximation, as harness/model/layers.ts
    return 0.5 * x * (1 + torch.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x**3)))


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.q, self.k, self.v, self.o = (Linear(D, D) for _ in range(4))
        self.attn_norm = nn.LayerNorm(D, eps=1e-5)
        self.up, self.down = Linear(D, FF), Linear(FF, D)
        self.ffn_norm = nn.LayerNorm(D, eps=1e-5)

    def forward(self, x, bias):
        b, t, _ = x.shape
        split = lambda z: z.view(b, t, H, D // H).transpose(1, 2)  # (B, H, T, hd)
        q, k, v = split(self.q(x)), split(self.k(x)), split(self.v(x))
        att = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(D // H) + bias, dim=-1)
        a = self.o((att @ v).transpose(1, 2).reshape(b, t, D))
        x = self.attn_norm(x + a)
        return self.ffn_norm(x + self.down(gelu(self.up(x))))


class Encoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.tok, self.pos = nn.Embedding(V, D), nn.Embedding(T, D)
        self.norm = nn.LayerNorm(D, eps=1e-5)
        self.layers = nn.ModuleList(Block() for _ in range(L))
        self.head_dense, self.head_out = Linear(D, D), Linear(D, C)

    def forward(self, ids, mask):
        x = self.norm(self.tok(ids) + self.pos.weight[: ids.shape[1]])
        bias = ((1 - mask) * -1e9).view(ids.shape[0], 1, 1, -1)
        for layer in self.layers:
            x = layer(x, bias)
        return self.head_out(torch.tanh(self.head_dense(x[:, 0])))


def blas_info():
    cfg = torch.__config__.show()
    try:
        out = subprocess.run(["update-alternatives", "--display", "libblas.so.3-x86_64-linux-gnu"], capture_output=True, text=True).stdout
        link = next((l.split("points to")[1].strip() for l in out.splitlines() if "points to" in l), None)
    except OSError:
        link = None
    blas = "OpenBLAS" if link and "openblas" in link else ("reference BLAS (slow!)" if link else "unknown")
    return {"libblas": link, "blas": blas, "blas_info": "BLAS_INFO=" + cfg.split("BLAS_INFO=")[1].split(",")[0] if "BLAS_INFO=" in cfg else None}


def main():
    kind = sys.argv[1]
    threads = int(sys.argv[2]) if len(sys.argv) > 2 else torch.get_num_threads()
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    model = Encoder()
    if kind == "lora":
        for p in model.parameters():
            p.requires_grad_(False)
        for layer in model.layers:
            layer.q.add_lora(R)
            layer.v.add_lora(R)
        for p in list(model.head_dense.parameters()) + list(model.head_out.parameters()):
            p.requires_grad_(True)  # the task head always trains, as in techniques/shared/footprint.ts
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=1e-4, weight_decay=0.01, eps=1e-8)
    ids = torch.tensor([(i * 7919) % V for i in range(B * T)]).view(B, T)
    mask = torch.ones(B, T)
    labels = torch.tensor([i % C for i in range(B)])

    def step():
        loss = F.cross_entropy(model(ids, mask), labels)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        return loss.item()

    for line in sys.stdin:
        cmd = line.split()
        if not cmd:
            continue
        if cmd[0] == "info":
            reply = {"torch": torch.__version__, "threads": torch.get_num_threads(), **blas_info()}
        elif cmd[0] == "run":
            times = []
            for _ in range(int(cmd[2]) if len(cmd) > 2 else 0):
                step()
            for _ in range(int(cmd[1])):
                t0 = time.perf_counter()
                step()
                times.append((time.perf_counter() - t0) * 1000)
            reply = {"times_ms": times}
        elif cmd[0] == "quit":
            print(json.dumps({"peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}), flush=True)
            return
        else:
            reply = {"error": f"unknown command {cmd[0]}"}
        print(json.dumps(reply), flush=True)


if __name__ == "__main__":
    main()
