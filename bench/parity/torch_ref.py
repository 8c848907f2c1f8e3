"""PyTorch side of bench/parity: replays ftbench's 30-step runs from the same start and writes losses and final tensors.

Written from the papers' math, not from ftbench's code (PEFT is not installable here): only conventions are shared
(W stored [d_in, d_out]; q scaled by 1/sqrt(head dim); GELU's tanh form; pre-RMSNorm + RoPE rotate-half decoder; the
task head trained by every technique; AdamW with bias correction and decoupled decay; global-norm clipping without
an epsilon; warmup then linear decay; AdaLoRA's pruning calendar). For each `<case>.in.safetensors` given (written
by driver.ts: base.* initial weights, adapter.* initial technique tensors, batch.N.* batches, metadata) this writes
`<case>.torch.safetensors`: every final tensor by its ftbench name, and the per-step losses and learning rates.

Usage: python3 torch_ref.py [--perturb TECHNIQUE=FACTOR] CASE.in.safetensors...
"""
import json
import math
import struct
import sys

import torch
import torch.nn.functional as F

torch.set_num_threads(1)  # a tiny model: more threads only wait on each other

# ---- safetensors (the format is 8-byte header length, JSON header, raw little-endian data) -------------------------

DTYPES = {"F32": torch.float32, "I32": torch.int32}


def load(path):
    raw = open(path, "rb").read()
    n = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8 : 8 + n])
    meta = header.pop("__metadata__", {})
    out = {}
    for name, info in header.items():
        a, b = info["data_offsets"]
        buf = bytearray(raw[8 + n + a : 8 + n + b])
        out[name] = torch.frombuffer(buf, dtype=DTYPES[info["dtype"]]).reshape(info["shape"]).clone()
    return out, meta


def save(path, tensors, meta):
    header, chunks, offset = {"__metadata__": meta}, [], 0
    for name in sorted(tensors):
        t = tensors[name].detach().to(torch.float32).contiguous()
        data = t.numpy().tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    js = json.dumps(header).encode()
    js += b" " * ((8 - len(js) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(js)) + js + b"".join(chunks))


# ---- techniques: each owns its tensors and changes the model only where its paper says -----------------------------


class Technique:
    """The frozen-base model's behaviour; subclasses override the points they change."""

    def __init__(self, cfg, adapter, base, scale_factor):
        self.cfg, self.f = cfg, scale_factor
        self.params = {}  # trainable tensors the technique adds, by ftbench's names

    def trainable_base(self, name):
        return name.startswith("head.")  # every technique trains the new task head (PEFT's modules_to_save)

    def linear(self, name, x, W, b):
        y = x @ W
        return y + b if b is not None else y

    def act_scale(self, i, h):  # FFN intermediate of layer i
        return h

    def prefix(self, i):  # (keys, values) [l, d] prepended in layer i, or None
        return None

    def aux_loss(self):
        return None

    def observe(self, grads):  # gradients before clipping
        pass

    def after_step(self, t, total):
        pass

    def state(self):
        return dict(self.params)


class FullFT(Technique):
    def trainable_base(self, name):
        return True


class BitFit(Technique):
    """Ben Zaken et al.: only the bias terms of the backbone (and the head); the unused MLM head is not the backbone."""

    def trainable_base(self, name):
        return name.startswith("head.") or (name.endswith(".bias") and not name.startswith("lm_head"))


def pick(adapter, suffix):
    """{linear name: tensor} for adapter tensors named `<linear>.<suffix>`."""
    return {k[: -len(suffix) - 1]: v.clone().requires_grad_(True) for k, v in adapter.items() if k.endswith("." + suffix)}


class LoRA(Technique):
    """Hu et al.: h = x W + b + (alpha/r) x A B, with A [d_in, r], B [r, d_out]."""

    def __init__(self, cfg, adapter, base, f):
        super().__init__(cfg, adapter, base, f)
        self.A, self.B = pick(adapter, "lora_A"), pick(adapter, "lora_B")
        self.s = cfg["alpha"] / cfg["r"] * f
        for n in self.A:
            self.params[n + ".lora_A"], self.params[n + ".lora_B"] = self.A[n], self.B[n]

    def linear(self, name, x, W, b):
        y = super().linear(name, x, W, b)
        if name in self.A:
            y = y + self.s * (x @ self.A[name]) @ self.B[name]
        return y


class DoRA(Technique):
    """Liu et al.: W' = m * V / ||V||_c with V = W + s A B; the column norm is a constant for backprop (their sec. 4.3)."""

    def __init__(self, cfg, adapter, base, f):
        super().__init__(cfg, adapter, base, f)
        self.A, self.B, self.m = pick(adapter, "lora_A"), pick(adapter, "lora_B"), pick(adapter, "magnitude")
        self.s = cfg["alpha"] / cfg["r"] * f
        for n in self.A:
            self.params.update({n + ".lora_A": self.A[n], n + ".lora_B": self.B[n], n + ".magnitude": self.m[n]})

    def linear(self, name, x, W, b):
        if name not in self.A:
            return super().linear(name, x, W, b)
        V = W + self.s * self.A[name] @ self.B[name]  # [d_in, d_out]: a column per output unit
        norm = V.norm(dim=0).detach()
        return super().linear(name, x, V * (self.m[name] / norm), b)


class IA3(Technique):
    """Liu et al. (T-Few): learned vectors rescale keys, values and the FFN's inner activation."""

    def __init__(self, cfg, adapter, base, f):
        super().__init__(cfg, adapter, base, f)
        self.l = pick(adapter, "ia3_l")
        self.params = {n + ".ia3_l": v for n, v in self.l.items()}

    def linear(self, name, x, W, b):
        y = super().linear(name, x, W, b)
        return y * (self.l[name] * self.f) if name in self.l else y

    def act_scale(self, i, h):
        return h * (self.l[f"layers.{i}.ffn.act"] * self.f)


class Prefix(Technique):
    """Li & Liang: per-layer key/value prefixes P = MLP(P') (two layers, tanh), P' and the MLP trained (their sec. 4.3)."""

    def __init__(self, cfg, adapter, base, f):
        super().__init__(cfg, adapter, base, f)
        self.mlp = {k.split(".")[-1]: v.clone().requires_grad_(True) for k, v in adapter.items() if k.startswith("prefix.mlp.")}
        self.params = {"prefix.mlp." + k: v for k, v in self.mlp.items()}

    def all_prefixes(self):
        m = self.mlp
        return torch.tanh(m["p0"] @ m["w1"] + m["b1"]) @ m["w2"] + m["b2"]  # [l, layers * 2 * d]

    def prefix(self, i):
        d = self.mlp["p0"].shape[1]
        kv = self.all_prefixes()[:, i * 2 * d : (i + 1) * 2 * d] * self.f
        return kv[:, :d], kv[:, d:]

    def state(self):
        s = dict(self.params)
        d = self.mlp["p0"].shape[1]
        for i in range(self.all_prefixes().shape[1] // (2 * d)):
            s[f"layers.{i}.attn.prefix_k"], s[f"layers.{i}.attn.prefix_v"] = self.prefix(i)
        return s


class AdaLoRA(Technique):
    """Zhang et al.: dW = (alpha/r0) P diag(lambda) Q in SVD form, an orthogonality penalty on P and Q, and the triplets
    pruned to a cubically falling budget by smoothed sensitivity x uncertainty (eqs. 4-9). ftbench names the
    right vectors lora_A [d_in, r] and the left ones lora_B [r, d_out], as the official code does."""

    def __init__(self, cfg, adapter, base, f):
        super().__init__(cfg, adapter, base, f)
        self.Q, self.E, self.P = pick(adapter, "lora_A"), pick(adapter, "lora_E"), pick(adapter, "lora_B")
        self.names = list(self.Q)  # layer order as ftbench lists them (the file keeps the order of insertion)
        self.s = cfg["alpha"] / cfg["initR"] * f
        self.mask = {n: torch.ones(cfg["initR"]) for n in self.names}
        for n in self.names:
            self.params.update({n + ".lora_A": self.Q[n], n + ".lora_E": self.E[n], n + ".lora_B": self.P[n]})
        self.Ibar, self.Ubar, self.I = {}, {}, None

    def linear(self, name, x, W, b):
        y = super().linear(name, x, W, b)
        if name in self.Q:
            y = y + self.s * ((x @ self.Q[name]) * self.E[name]) @ self.P[name]
        return y

    def aux_loss(self):
        if self.cfg["orthReg"] <= 0:
            return None
        eye = lambda n: torch.eye(n)
        terms = []
        for n in self.names:
            Q, P = self.Q[n], self.P[n]
            terms.append(torch.linalg.norm(Q.T @ Q - eye(Q.shape[1])))  # R(Q) = ||Q^T Q - I||_F
            terms.append(torch.linalg.norm(P @ P.T - eye(P.shape[0])))  # R(P) = ||P P^T - I||_F
        return self.cfg["orthReg"] * sum(terms) / len(terms)

    def observe(self, grads):
        # I(w) = |w * dL/dw| (eq. 5), from this step's gradients and the weights before the update
        self.I = {id(v): (v.detach() * grads[id(v)]).abs() for v in self.params.values() if id(v) in grads}

    def budget(self, t, T):
        c = self.cfg
        L = len(self.names)
        b0, bT = c["initR"] * L, c["targetR"] * L
        ti, tf = math.floor(c["tInit"] * T + 0.5), math.floor(c["tFinal"] * T + 0.5)
        end = T - tf
        if t <= ti and t < end:
            return b0, False, end
        if t >= end:
            return bT, t == end, end
        return math.floor((b0 - bT) * (1 - (t - ti) / (end - ti)) ** 3 + bT), t % c["deltaT"] == 0, end

    def after_step(self, t, T):
        b1, b2 = self.cfg["beta1"], self.cfg["beta2"]
        budget, prune, end = self.budget(t, T)
        if t < end and self.I is not None:
            for k, I in self.I.items():  # eq. 6-7: smoothed sensitivity and its uncertainty
                Ib = b1 * self.Ibar.get(k, torch.zeros_like(I)) + (1 - b1) * I
                self.Ubar[k] = b2 * self.Ubar.get(k, torch.zeros_like(I)) + (1 - b2) * (I - Ib).abs()
                self.Ibar[k] = Ib
        self.I = None
        if prune:
            s = lambda v: self.Ibar[id(v)] * self.Ubar[id(v)] if id(v) in self.Ibar else torch.zeros_like(v)
            scores = []  # S_i = s(lambda_i) + mean_j s(Q_ji) + mean_j s(P_ij) (eq. 7)
            for li, n in enumerate(self.names):
                S = s(self.E[n]) + s(self.Q[n]).mean(0) + s(self.P[n]).mean(1)
                scores += [(float(S[i]), li, i) for i in range(S.shape[0])]
            keep = sorted(scores, key=lambda e: -e[0])[:budget]  # stable: ties keep layer order
            for n in self.names:
                self.mask[n].zero_()
            for _, li, i in keep:
                self.mask[self.names[li]][i] = 1
        with torch.no_grad():
            for n in self.names:
                self.E[n].mul_(self.mask[n])
        if t == end:
            self.Ibar, self.Ubar = {}, {}

    def state(self):
        s = dict(self.params)
        for n in self.names:
            s[n + ".lora_mask"] = self.mask[n].clone()
        return s


# QLoRA (Dettmers et al.) is LoRA on every block linear over the NF4 base; the driver hands over that base dequantized.
TECHNIQUES = {"full-ft": FullFT, "bitfit": BitFit, "lora": LoRA, "qlora": LoRA, "dora": DoRA, "ia3": IA3, "prefix": Prefix, "adalora": AdaLoRA}
SCALED = {"lora", "qlora", "dora", "ia3", "prefix", "adalora"}


# ---- the two model families --------------------------------------------------------------------------------------


class Net:
    def __init__(self, meta, base, tech):
        self.c, self.p, self.t = meta["model"], base, tech
        self.family = meta["family"]

    def lin(self, name, x):
        return self.t.linear(name, x, self.p[name + ".weight"], self.p.get(name + ".bias"))

    def heads(self, x):  # [B, T, d] -> [B, H, T, hd]
        B, T, d = x.shape
        H = self.c["nHeads"]
        return x.view(B, T, H, d // H).transpose(1, 2)

    def attend(self, i, q, k, v, bias):
        """q [B,H,T,hd], k/v [B,H,S,hd], bias [B,1,T|1,S]; the technique's prefixes join the keys, visible to all."""
        pre = self.t.prefix(i)
        if pre is not None:
            B = q.shape[0]
            pk, pv = (self.heads(z.unsqueeze(0)).expand(B, -1, -1, -1) for z in pre)  # [B, H, l, hd]
            k, v = torch.cat([pk, k], 2), torch.cat([pv, v], 2)
            bias = torch.cat([torch.zeros(*bias.shape[:3], pre[0].shape[0]), bias], 3)
        att = torch.softmax((q / math.sqrt(q.shape[-1])) @ k.transpose(-1, -2) + bias, -1)
        out = att @ v  # [B, H, T, hd]
        B, H, T, hd = out.shape
        return out.transpose(1, 2).reshape(B, T, H * hd)

    def encoder(self, ids, mask):
        """RoBERTa-like: token + learned position embeddings, post-LN blocks, GELU (tanh) FFN; head on the first token."""
        p, eps, d = self.p, self.c["normEps"], self.c["dModel"]
        ln = lambda x, n: F.layer_norm(x, (d,), p[n + ".weight"], p[n + ".bias"], eps)
        T = ids.shape[1]
        x = ln(p["embed.tok.weight"][ids.long()] + p["embed.pos.weight"][:T], "embed.norm")
        bias = ((1 - mask) * -1e9)[:, None, None, :]  # [B, 1, 1, S]
        for i in range(self.c["nLayers"]):
            L = f"layers.{i}"
            q, k, v = (self.heads(self.lin(f"{L}.attn.{n}", x)) for n in "qkv")
            x = ln(x + self.lin(f"{L}.attn.o", self.attend(i, q, k, v, bias)), f"{L}.attn_norm")
            h = self.t.act_scale(i, F.gelu(self.lin(f"{L}.ffn.up", x), approximate="tanh"))
            x = ln(x + self.lin(f"{L}.ffn.down", h), f"{L}.ffn_norm")
        return self.lin("head.out", torch.tanh(self.lin("head.dense", x[:, 0])))  # [B, classes]

    def rope(self, x):
        """Rotate-half RoPE on [B, H, S, hd]: angle t / theta^(2i/hd), the two halves sharing each angle."""
        S, hd = x.shape[2], x.shape[3]
        pos = torch.arange(S, dtype=torch.float64)[:, None] / self.c["ropeScale"]
        inv = self.c["ropeTheta"] ** (-torch.arange(0, hd // 2, dtype=torch.float64) * 2 / hd)
        ang = (pos * inv).repeat(1, 2).to(torch.float32)  # [S, hd]
        x1, x2 = x[..., : hd // 2], x[..., hd // 2 :]
        return x * ang.cos() + torch.cat([-x2, x1], -1) * ang.sin()

    def decoder(self, ids, mask):
        """LLaMA-like: pre-RMSNorm blocks, RoPE causal attention, SwiGLU FFN, untied LM head; mean next-token NLL."""
        p, eps = self.p, self.c["normEps"]
        rms = lambda x, n: x * torch.rsqrt((x * x).mean(-1, keepdim=True) + eps) * p[n]
        B, S = ids.shape
        x = p["embed.tok.weight"][ids.long()]
        causal = torch.triu(torch.full((S, S), -1e9), 1)  # key after query: masked
        bias = ((1 - mask) * -1e9)[:, None, None, :] + causal  # [B, 1, S, S]
        for i in range(self.c["nLayers"]):
            L = f"layers.{i}"
            h = rms(x, f"{L}.attn_norm.weight")
            q, k = (self.rope(self.heads(self.lin(f"{L}.attn.{n}", h))) for n in "qk")
            v = self.heads(self.lin(f"{L}.attn.v", h))
            x = x + self.lin(f"{L}.attn.o", self.attend(i, q, k, v, bias))
            h = rms(x, f"{L}.ffn_norm.weight")
            x = x + self.lin(f"{L}.ffn.down", self.t.act_scale(i, F.silu(self.lin(f"{L}.ffn.gate", h)) * self.lin(f"{L}.ffn.up", h)))
        logits = self.lin("lm_head", rms(x, "norm.weight")[:, :-1])  # [B, S-1, V]
        nll = -torch.log_softmax(logits, -1).gather(-1, ids[:, 1:].long().unsqueeze(-1)).squeeze(-1)
        valid = mask[:, 1:]
        return (nll * valid).sum() / valid.sum().clamp(min=1)

    def loss(self, ids, mask, labels):
        if self.family == "decoder":
            return self.decoder(ids, mask)
        return F.cross_entropy(self.encoder(ids, mask), labels.long())


def lr_at(step, total, peak, warmup):
    """Linear warmup to the peak over `warmup` steps, then linear decay to 0 at the last step."""
    if step < warmup:
        return peak * (step + 1) / warmup
    return peak * (1 - min(1, (step - warmup) / max(1, total - warmup)))


def replay(path, perturb):
    tensors, meta_raw = load(path)
    meta = json.loads(meta_raw["parity"])
    tech_id = meta["technique"]
    part = lambda prefix: {k[len(prefix) + 1 :]: v for k, v in tensors.items() if k.startswith(prefix + ".")}
    base, adapter = part("base"), part("adapter")
    factor = perturb.get(tech_id, 1.0)
    tech = TECHNIQUES[tech_id](meta["config"], adapter, base, factor)
    for n, v in base.items():
        v.requires_grad_(tech.trainable_base(n))
    net = Net(meta, base, tech)
    params = [v for v in base.values() if v.requires_grad] + list(tech.params.values())
    bud = meta["budget"]
    opt = torch.optim.AdamW(params, lr=bud["lr"], betas=(bud["beta1"], bud["beta2"]), eps=bud["eps"], weight_decay=bud["weightDecay"])
    losses, lrs, T = [], [], meta["steps"]
    for step in range(T):
        lr = lr_at(step, T, bud["lr"], bud["warmupSteps"])
        b = lambda k: tensors[f"batch.{step}.{k}"]
        loss = net.loss(b("ids"), b("mask"), b("labels"))
        aux = tech.aux_loss()
        total = loss + aux if aux is not None else loss
        opt.zero_grad(set_to_none=True)
        total.backward()
        live = [v for v in params if v.grad is not None]  # a tensor off the loss's path is not updated (nor decayed)
        tech.observe({id(v): v.grad.clone() for v in live})
        norm = math.sqrt(sum(float((v.grad.double() ** 2).sum()) for v in live))
        if norm > bud["clipNorm"]:
            for v in live:
                v.grad.mul_(bud["clipNorm"] / norm)
        for g in opt.param_groups:
            g["lr"] = lr
        opt.step()
        tech.after_step(step + 1, T)
        losses.append(float(total))
        lrs.append(lr)
    out = {**base, **tech.state()}
    save(path.replace(".in.safetensors", ".torch.safetensors"), out, {"parity": json.dumps({"losses": losses, "lrs": lrs})})


def main(argv):
    perturb = {}
    if argv[:1] == ["--perturb"]:
        tech, factor = argv[1].split("=")
        if tech not in SCALED:
            sys.exit(f"--perturb names a technique with a scale ({', '.join(sorted(SCALED))}), not {tech!r}.")
        perturb[tech] = float(factor)
        argv = argv[2:]
    for path in argv:
        replay(path, perturb)


if __name__ == "__main__":
    main(sys.argv[1:])
