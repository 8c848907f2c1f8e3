"""PyTorch twin of bench/step.ts: the same encoder and training step, served over stdin/stdout for interleaved timing.

Protocol (one JSON line per reply): `info` -> torch version, BLAS, threads; `run N [W]` -> times of N steps in ms,
after W untimed ones; `quit` -> peak RSS in MB, then exit. Usage: python3 torch_twin.py full_ft|lora|qlora [threads] [size]

The decoder sizes (`1b`) run QLoRA. bitsandbytes' NF4 kernels are not available on this CPU build, so the twin holds
the frozen base in bfloat16 instead (2 bytes a weight against NF4's ~0.52) and widens each weight to fp32 per matmul,
forward and backward, as ftbench dequantizes its NF4 weights per matmul; `info` says so (`frozen_base`).
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
from torch.utils.checkpoint import checkpoint

# bench/step.ts's SIZES: vocabulary, d_model, layers, heads, FFN, tokens, batch, classes, LoRA rank.
SIZES = {
    "small": (512, 128, 2, 4, 512, 64, 16, 2, 8),
    "base": (8192, 768, 12, 12, 3072, 128, 8, 2, 8),  # BERT-base's shape (issue 16)
    "base-512": (8192, 768, 12, 12, 3072, 512, 8, 2, 8),
}
# bench/step.ts's decoder SIZES: vocabulary, d_model, layers, heads, KV heads, FFN, tokens, batch, LoRA rank.
DECODER_SIZES = {
    "1b": (32000, 2048, 22, 32, 4, 5632, 256, 4, 16),  # TinyLlama-1.1B's shape, QLoRA, checkpointed (issue 16)
}
SIZE = sys.argv[3] if len(sys.argv) > 3 else "small"
V, D, L, H, FF, T, B, C, R = SIZES.get(SIZE, SIZES["small"])


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


class FrozenMatmul(torch.autograd.Function):
    """x W^T with W frozen in bf16: widened per call, forward and backward; only the bf16 W is kept (ftbench's frozenDense)."""

    @staticmethod
    def forward(ctx, x, w16):
        ctx.save_for_backward(w16)
        return x @ w16.float().t()

    @staticmethod
    def backward(ctx, g):
        (w16,) = ctx.saved_tensors
        return g @ w16.float(), None


class QLinear(nn.Module):
    """A frozen bf16 weight [out, in] plus LoRA x A B (A [in, r] uniform, B [r, out] zeros, scale 1), as the qlora step."""

    def __init__(self, d_in, d_out, r):
        super().__init__()
        self.register_buffer("w16", (torch.randn(d_out, d_in) * 0.02).to(torch.bfloat16))
        if r:
            bound = 1 / math.sqrt(d_in)
            self.lora_a = nn.Parameter(torch.empty(d_in, r).uniform_(-bound, bound))
            self.lora_b = nn.Parameter(torch.zeros(r, d_out))

    def forward(self, x):
        y = FrozenMatmul.apply(x, self.w16)
        if hasattr(self, "lora_a"):
            y = y + (x @ self.lora_a) @ self.lora_b
        return y


def rms_norm(x, eps=1e-5):  # gains are ones at init and frozen, as the step's
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps)


def rotate(x, cos, sin):  # rotate-half RoPE, as harness/model/layers.ts
    h = x.shape[-1] // 2
    return x * cos + torch.cat((-x[..., h:], x[..., :h]), -1) * sin


class DecoderBlock(nn.Module):
    def __init__(self, d, h, kvh, ff, r):
        super().__init__()
        hd = d // h
        self.h, self.kvh, self.hd = h, kvh, hd
        self.q, self.k, self.v, self.o = QLinear(d, d, r), QLinear(d, kvh * hd, r), QLinear(d, kvh * hd, r), QLinear(d, d, r)
        self.gate, self.up, self.down = QLinear(d, ff, r), QLinear(d, ff, r), QLinear(ff, d, r)

    def forward(self, x, cos, sin, bias):
        b, t, d = x.shape
        z = rms_norm(x)
        q = rotate(self.q(z).view(b, t, self.h, self.hd).transpose(1, 2), cos, sin)  # (B, H, T, hd)
        k = rotate(self.k(z).view(b, t, self.kvh, self.hd).transpose(1, 2), cos, sin)  # (B, kvH, T, hd)
        v = self.v(z).view(b, t, self.kvh, self.hd).transpose(1, 2)
        g = self.h // self.kvh
        k, v = k.repeat_interleave(g, dim=1), v.repeat_interleave(g, dim=1)  # HF's repeat_kv
        att = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(self.hd) + bias, dim=-1)
        x = x + self.o((att @ v).transpose(1, 2).reshape(b, t, d))
        z = rms_norm(x)
        return x + self.down(F.silu(self.gate(z)) * self.up(z))


class Decoder(nn.Module):
    def __init__(self, v, d, n, h, kvh, ff, r):
        super().__init__()
        self.register_buffer("tok16", (torch.randn(v, d) * 0.02).to(torch.bfloat16))
        self.layers = nn.ModuleList(DecoderBlock(d, h, kvh, ff, r) for _ in range(n))
        self.lm_head = QLinear(d, v, 0)
        self.hd = d // h

    def forward(self, ids):
        b, t = ids.shape
        x = F.embedding(ids, self.tok16).float()
        inv = 1.0 / (10000 ** (torch.arange(0, self.hd, 2).float() / self.hd))
        ang = torch.outer(torch.arange(t).float(), inv)
        cos, sin = torch.cat((ang.cos(), ang.cos()), -1), torch.cat((ang.sin(), ang.sin()), -1)  # (T, hd)
        bias = torch.triu(torch.full((t, t), -1e9), 1)
        for layer in self.layers:
            x = checkpoint(layer, x, cos, sin, bias, use_reentrant=False)  # gradient checkpointing per block
        return self.lm_head(rms_norm(x))


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
    if SIZE in DECODER_SIZES:
        return serve_decoder(kind)
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

    serve(step, {})


def serve(step, extra):
    for line in sys.stdin:
        cmd = line.split()
        if not cmd:
            continue
        if cmd[0] == "info":
            reply = {"torch": torch.__version__, "threads": torch.get_num_threads(), **blas_info(), **extra}
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


def serve_decoder(kind):
    if kind != "qlora":
        raise SystemExit(f"size {SIZE} has only a qlora step")
    v, d, n, h, kvh, ff, t, b, r = DECODER_SIZES[SIZE]
    model = Decoder(v, d, n, h, kvh, ff, r)
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=2e-4, weight_decay=0.0, eps=1e-8)
    seq = torch.tensor([(i * 7919) % v for i in range(b * (t + 1))]).view(b, t + 1)
    ids, nxt = seq[:, :t], seq[:, 1:].reshape(-1)

    def step():
        loss = F.cross_entropy(model(ids).view(-1, v), nxt)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        return loss.item()

    serve(step, {"frozen_base": "bfloat16 (NF4 is not available to PyTorch on this CPU), widened to fp32 per matmul"})


if __name__ == "__main__":
    main()
