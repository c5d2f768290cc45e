#!/usr/bin/python3
"""PyTorch eager reference of ShiftScope's lora training step, for bench_training.

The same step on the same model: a GPT-NeoX (read from the bench's model.safetensors) with LoRA adapters on every
layer's query_key_value (y + (alpha / r) B A x), a linear reward head on the final-normed hidden state of each
sequence's last token, the Bradley-Terry loss -log sigmoid(r_chosen - r_rejected) over the batch, gradients clipped
to a global norm, then torch.optim.AdamW. Written directly in torch, independently of ShiftScope's C++.

Two ways of running a batch of pairs:
  per-pair   both sequences (prompt + response) in full, left-padded, as the GENIES code trains;
  shared     each prompt once, its keys and values continued by both responses (right-padded), gradients flowing
             through the shared cache.

Reads the token ids bench_training wrote (--tokens) and the initial adapters and head (--init, a safetensors file:
layers.<i>.query_key_value.lora_A / lora_B and head). Prints one JSON object: step seconds, peak memory and the
losses of the first --check-steps steps from --init in each mode.
Needs Debian's python3-torch (run it with /usr/bin/python3).
"""
import argparse
import json
import math
import resource
import struct
import time

import torch


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (length,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + length])
    base = 8 + length
    out = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        if entry["dtype"] != "F32":
            raise SystemExit(f"{path}: {name} is {entry['dtype']}; this reference reads F32 only")
        start, end = entry["data_offsets"]
        out[name] = torch.frombuffer(bytearray(data[base + start:base + end]), dtype=torch.float32).view(entry["shape"])
    return out


class NeoX:
    def __init__(self, folder):
        config = json.load(open(f"{folder}/config.json"))
        w = read_safetensors(f"{folder}/model.safetensors")
        p = "gpt_neox."
        self.hidden = config["hidden_size"]
        self.heads = config["num_attention_heads"]
        self.d = self.hidden // self.heads
        self.rot = int(self.d * config["rotary_pct"])
        self.eps = config["layer_norm_eps"]
        self.base = config.get("rotary_emb_base", 10000)
        self.emb = w[p + "embed_in.weight"]
        self.layers = []
        for i in range(config["num_hidden_layers"]):
            q = f"{p}layers.{i}."
            self.layers.append({k: w[q + n] for k, n in {
                "ln1w": "input_layernorm.weight", "ln1b": "input_layernorm.bias",
                "ln2w": "post_attention_layernorm.weight", "ln2b": "post_attention_layernorm.bias",
                "qkvw": "attention.query_key_value.weight", "qkvb": "attention.query_key_value.bias",
                "ow": "attention.dense.weight", "ob": "attention.dense.bias",
                "upw": "mlp.dense_h_to_4h.weight", "upb": "mlp.dense_h_to_4h.bias",
                "downw": "mlp.dense_4h_to_h.weight", "downb": "mlp.dense_4h_to_h.bias"}.items()})
        self.fw, self.fb = w[p + "final_layer_norm.weight"], w[p + "final_layer_norm.bias"]
        self.inv_freq = 1.0 / (self.base ** (torch.arange(0, self.rot, 2, dtype=torch.float32) / self.rot))

    def rotate(self, x, positions):
        freqs = positions[..., None].float() * self.inv_freq  # (B, T, rot/2)
        emb = torch.cat([freqs, freqs], dim=-1)[:, None]  # (B, 1, T, rot)
        cos, sin = emb.cos(), emb.sin()
        r, rest = x[..., :self.rot], x[..., self.rot:]
        half = self.rot // 2
        rotated = torch.cat([-r[..., half:], r[..., :half]], dim=-1)
        return torch.cat([r * cos + rotated * sin, rest], dim=-1)

    def forward(self, ids, mask, adapters, scale, past=None):
        """Hidden states after the final norm, (B, T, hidden), and each layer's (k, v) including `past`.

        mask covers past and new tokens: (B, P + T). New tokens attend causally to themselves and to every unmasked
        past token."""
        B, T = ids.shape
        P = 0 if past is None else past[0][0].shape[2]
        positions = (mask.cumsum(-1) - 1).clamp(min=0)[:, P:]
        allowed = torch.ones(T, P + T, dtype=torch.bool).tril(P)[None] & mask[:, None, :].bool()  # (B, T, P+T)
        bias = torch.zeros(B, 1, T, P + T).masked_fill(~allowed[:, None], torch.finfo(torch.float32).min)
        h = self.emb[ids]
        kvs = []
        for i, L in enumerate(self.layers):
            x = torch.nn.functional.layer_norm(h, (self.hidden,), L["ln1w"], L["ln1b"], self.eps)
            a, b = adapters[i]
            qkv = torch.nn.functional.linear(x, L["qkvw"], L["qkvb"]) + (x @ a.T) @ b.T * scale
            qkv = qkv.view(B, T, self.heads, 3 * self.d).transpose(1, 2)
            q, k, v = qkv[..., :self.d], qkv[..., self.d:2 * self.d], qkv[..., 2 * self.d:]
            q, k = self.rotate(q, positions), self.rotate(k, positions)
            if past is not None:
                k, v = torch.cat([past[i][0], k], dim=2), torch.cat([past[i][1], v], dim=2)
            kvs.append((k, v))
            scores = q @ k.transpose(-1, -2) / math.sqrt(self.d) + bias
            attn = (torch.softmax(scores, dim=-1) @ v).transpose(1, 2).reshape(B, T, self.hidden)
            attn = torch.nn.functional.linear(attn, L["ow"], L["ob"])
            y = torch.nn.functional.layer_norm(h, (self.hidden,), L["ln2w"], L["ln2b"], self.eps)
            mlp = torch.nn.functional.linear(
                torch.nn.functional.gelu(torch.nn.functional.linear(y, L["upw"], L["upb"])), L["downw"], L["downb"])
            h = h + attn + mlp
        return torch.nn.functional.layer_norm(h, (self.hidden,), self.fw, self.fb, self.eps), kvs


def left_padded(rows, pad):
    T = max(len(r) for r in rows)
    ids = torch.full((len(rows), T), pad, dtype=torch.long)
    mask = torch.zeros((len(rows), T), dtype=torch.long)
    for i, r in enumerate(rows):
        ids[i, T - len(r):] = torch.tensor(r)
        mask[i, T - len(r):] = 1
    return ids, mask


def rewards_per_pair(model, pairs, adapters, head, scale, pad):
    rows = [p["prompt"] + p["chosen"] for p in pairs] + [p["prompt"] + p["rejected"] for p in pairs]
    ids, mask = left_padded(rows, pad)
    hidden, _ = model.forward(ids, mask, adapters, scale)
    return hidden[:, -1] @ head


def rewards_shared(model, pairs, adapters, head, scale, pad):
    prompt_ids, prompt_mask = left_padded([p["prompt"] for p in pairs], pad)
    _, kvs = model.forward(prompt_ids, prompt_mask, adapters, scale)
    responses = [p["chosen"] for p in pairs] + [p["rejected"] for p in pairs]
    rows = list(range(len(pairs))) * 2
    T = max(len(r) for r in responses)
    ids = torch.full((len(responses), T), pad, dtype=torch.long)
    mask = torch.zeros((len(responses), T), dtype=torch.long)
    for i, r in enumerate(responses):
        ids[i, :len(r)] = torch.tensor(r)
        mask[i, :len(r)] = 1
    index = torch.tensor(rows)
    past = [(k[index], v[index]) for k, v in kvs]
    hidden, _ = model.forward(ids, torch.cat([prompt_mask[index], mask], dim=1), adapters, scale, past)
    last = torch.tensor([len(r) - 1 for r in responses])
    return hidden[torch.arange(len(responses)), last] @ head


def train(model, pairs, init, args, mode, steps):
    adapters = [(init[f"layers.{i}.query_key_value.lora_A"].clone().requires_grad_(True),
                 init[f"layers.{i}.query_key_value.lora_B"].clone().requires_grad_(True))
                for i in range(len(model.layers))]
    head = init["head"].clone().requires_grad_(True)
    params = [t for pair in adapters for t in pair] + [head]
    optimizer = torch.optim.AdamW(params, lr=args.lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0)
    rewards = rewards_shared if mode == "shared" else rewards_per_pair
    losses, times = [], []
    for _ in range(steps):
        start = time.perf_counter()
        r = rewards(model, pairs, adapters, head, args.alpha / args.rank, args.pad)
        n = len(pairs)
        loss = -torch.nn.functional.logsigmoid(r[:n] - r[n:]).mean()
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, args.max_grad_norm)
        optimizer.step()
        times.append(time.perf_counter() - start)
        losses.append(loss.item())
    return losses, times


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True)
    parser.add_argument("--tokens", required=True)
    parser.add_argument("--init", required=True)
    parser.add_argument("--steps", type=int, default=4)
    parser.add_argument("--check-steps", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--rank", type=int, default=8)
    parser.add_argument("--alpha", type=float, default=16)
    parser.add_argument("--max-grad-norm", type=float, default=0.3)
    parser.add_argument("--pad", type=int, default=0)
    parser.add_argument("--mode", choices=["per-pair", "shared"], required=True)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    model = NeoX(args.model)
    pairs = json.load(open(args.tokens))["pairs"]
    init = read_safetensors(args.init)
    losses, _ = train(model, pairs, init, args, args.mode, args.check_steps)
    _, times = train(model, pairs, init, args, args.mode, args.steps + 1)  # the first step warms up
    print(json.dumps({"mode": args.mode, "step_seconds": sum(times[1:]) / args.steps,
                      "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0,
                      "losses": losses, "torch": torch.__version__, "threads": torch.get_num_threads()}))


if __name__ == "__main__":
    main()
