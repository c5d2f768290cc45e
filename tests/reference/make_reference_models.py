#!/usr/bin/python3
"""Writes small random models of every architecture and head the engine loads, with the outputs a plain PyTorch
implementation of the Hugging Face modelling code computes for them.

Each model goes to tests/reference/models/NAME/ as config.json and model.safetensors (tensor names as
save_pretrained writes them), with expected.json: per token sequence, the final-normed hidden state at its last
token and either the language-model logits there (causal models) or the classification scores (sequence
classification: the score head read at the last token). The implementation below follows the transformers
modelling files (GPT-NeoX, LLaMA, Qwen2, Mistral, GPT-2) and shares no code with the engine.

PEFT LoRA adapters for some of them go to tests/reference/adapters/NAME/ (adapter_config.json and
adapter_model.safetensors with PEFT's key names), with expected.json: the scores of the base model with each adapted
weight merged here (W + scale * B A, transposed for GPT-2's Conv1D) and, where the adapter saves one, its score head.

Run with Debian's python3-torch:  /usr/bin/python3 tests/reference/make_reference_models.py
"""
import json
import math
import os
import struct
import zlib

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "models")

VOCAB, HIDDEN, HEADS, LAYERS, INTER = 48, 16, 4, 2, 24
SEQUENCES = [
    [5, 17, 3, 40, 22],
    [1, 2, 3, 4, 5, 6, 7, 8, 9],
    [44, 12, 0, 7, 31, 31, 9, 18, 26, 47, 2, 13],
    [30],
]


def write_safetensors(path, tensors):
    header, blobs, offset = {"__metadata__": {"format": "pt"}}, [], 0
    for name in sorted(tensors):
        data = tensors[name].detach().contiguous().to(torch.float32).numpy().tobytes()
        header[name] = {"dtype": "F32", "shape": list(tensors[name].shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for blob in blobs:
            f.write(blob)


class Maker:
    """Draws a model's weights from a generator seeded by its name; `overrides` replaces some of them (merged
    adapters) without changing what the others draw."""

    def __init__(self, name, overrides=None):
        self.gen = torch.Generator().manual_seed(zlib.crc32(name.encode()))
        self.tensors = {}
        self.overrides = overrides or {}

    def rand(self, name, *shape, scale=0.3, centre=0.0):
        t = centre + scale * torch.randn(*shape, generator=self.gen, dtype=torch.float64)
        self.tensors[name] = t.to(torch.float32)
        if name in self.overrides:
            return self.overrides[name]
        return self.tensors[name].to(torch.float64)


# ---- shared pieces (float64 throughout) ----------------------------------------------------------------------

def rotate_half(x):
    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


def rotary(x, dims, theta):
    # x (heads, T, d): the first `dims` dimensions rotate, positions 0..T-1
    T = x.shape[1]
    inv_freq = 1.0 / (theta ** (torch.arange(0, dims, 2, dtype=torch.float64) / dims))
    freqs = torch.outer(torch.arange(T, dtype=torch.float64), inv_freq)
    emb = torch.cat((freqs, freqs), dim=-1)
    rot, rest = x[..., :dims], x[..., dims:]
    return torch.cat((rot * emb.cos() + rotate_half(rot) * emb.sin(), rest), dim=-1)


def causal_attention(q, k, v):
    # q (h, T, d), k and v (kv, T, d): grouped-query heads share key/value heads, as repeat_kv does
    groups = q.shape[0] // k.shape[0]
    k = k.repeat_interleave(groups, dim=0)
    v = v.repeat_interleave(groups, dim=0)
    T, d = q.shape[1], q.shape[2]
    scores = q @ k.transpose(1, 2) / math.sqrt(d)
    scores = scores.masked_fill(torch.triu(torch.ones(T, T, dtype=torch.bool), 1), float("-inf"))
    return torch.softmax(scores, dim=-1) @ v  # (h, T, d)


def layer_norm(x, w, b, eps):
    mean = x.mean(-1, keepdim=True)
    var = ((x - mean) ** 2).mean(-1, keepdim=True)
    return (x - mean) / torch.sqrt(var + eps) * w + b


def rms_norm(x, w, eps):
    return x * torch.rsqrt((x * x).mean(-1, keepdim=True) + eps) * w


def gelu(x):
    return 0.5 * x * (1 + torch.erf(x / math.sqrt(2)))


def gelu_new(x):
    return 0.5 * x * (1 + torch.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))


# ---- architectures: build weights, return a function ids -> final-normed hidden states (T, H) -------------------

def gpt_neox(m, prefix, rotary_pct=0.5, parallel=True, eps=1e-5):
    d = HIDDEN // HEADS
    emb = m.rand(prefix + "embed_in.weight", VOCAB, HIDDEN)
    layers = []
    for i in range(LAYERS):
        p = f"{prefix}layers.{i}."
        L = {}
        for norm in ("input_layernorm", "post_attention_layernorm"):
            L[norm] = (m.rand(p + norm + ".weight", HIDDEN, scale=0.1, centre=1.0), m.rand(p + norm + ".bias", HIDDEN, scale=0.1))
        L["qkv"] = (m.rand(p + "attention.query_key_value.weight", 3 * HIDDEN, HIDDEN), m.rand(p + "attention.query_key_value.bias", 3 * HIDDEN, scale=0.1))
        L["dense"] = (m.rand(p + "attention.dense.weight", HIDDEN, HIDDEN), m.rand(p + "attention.dense.bias", HIDDEN, scale=0.1))
        L["up"] = (m.rand(p + "mlp.dense_h_to_4h.weight", INTER, HIDDEN), m.rand(p + "mlp.dense_h_to_4h.bias", INTER, scale=0.1))
        L["down"] = (m.rand(p + "mlp.dense_4h_to_h.weight", HIDDEN, INTER), m.rand(p + "mlp.dense_4h_to_h.bias", HIDDEN, scale=0.1))
        layers.append(L)
    fw = m.rand(prefix + "final_layer_norm.weight", HIDDEN, scale=0.1, centre=1.0)
    fb = m.rand(prefix + "final_layer_norm.bias", HIDDEN, scale=0.1)
    dims = int(d * rotary_pct)

    def run(ids):
        h = emb[torch.tensor(ids)]
        T = h.shape[0]
        for L in layers:
            x = layer_norm(h, *L["input_layernorm"], eps)
            qkv = (x @ L["qkv"][0].T + L["qkv"][1]).view(T, HEADS, 3 * d).transpose(0, 1)  # per head: q, k, v
            q, k, v = qkv[..., :d], qkv[..., d:2 * d], qkv[..., 2 * d:]
            a = causal_attention(rotary(q, dims, 10000.0), rotary(k, dims, 10000.0), v)
            attn = a.transpose(0, 1).reshape(T, HIDDEN) @ L["dense"][0].T + L["dense"][1]

            def mlp(y):
                return gelu(y @ L["up"][0].T + L["up"][1]) @ L["down"][0].T + L["down"][1]
            if parallel:
                h = h + attn + mlp(layer_norm(h, *L["post_attention_layernorm"], eps))
            else:
                h = h + attn
                h = h + mlp(layer_norm(h, *L["post_attention_layernorm"], eps))
        return layer_norm(h, fw, fb, eps)

    config = {"model_type": "gpt_neox", "vocab_size": VOCAB, "hidden_size": HIDDEN, "num_hidden_layers": LAYERS,
              "num_attention_heads": HEADS, "intermediate_size": INTER, "rotary_pct": rotary_pct,
              "rotary_emb_base": 10000, "use_parallel_residual": parallel, "layer_norm_eps": eps,
              "hidden_act": "gelu", "max_position_embeddings": 64, "tie_word_embeddings": False}
    return run, emb, config


def llama_family(m, prefix, kv_heads, qkv_bias, theta, eps=1e-6):
    d = HIDDEN // HEADS
    emb = m.rand(prefix + "embed_tokens.weight", VOCAB, HIDDEN)
    layers = []
    for i in range(LAYERS):
        p = f"{prefix}layers.{i}."
        L = {"in": m.rand(p + "input_layernorm.weight", HIDDEN, scale=0.1, centre=1.0),
             "post": m.rand(p + "post_attention_layernorm.weight", HIDDEN, scale=0.1, centre=1.0)}
        for name, rows in (("q_proj", HEADS * d), ("k_proj", kv_heads * d), ("v_proj", kv_heads * d)):
            L[name] = m.rand(p + f"self_attn.{name}.weight", rows, HIDDEN)
            L[name + ".b"] = m.rand(p + f"self_attn.{name}.bias", rows, scale=0.2) if qkv_bias else torch.zeros(rows, dtype=torch.float64)
        L["o_proj"] = m.rand(p + "self_attn.o_proj.weight", HIDDEN, HEADS * d)
        L["gate"] = m.rand(p + "mlp.gate_proj.weight", INTER, HIDDEN)
        L["up"] = m.rand(p + "mlp.up_proj.weight", INTER, HIDDEN)
        L["down"] = m.rand(p + "mlp.down_proj.weight", HIDDEN, INTER)
        layers.append(L)
    norm = m.rand(prefix + "norm.weight", HIDDEN, scale=0.1, centre=1.0)

    def run(ids):
        h = emb[torch.tensor(ids)]
        T = h.shape[0]
        for L in layers:
            x = rms_norm(h, L["in"], eps)
            q = (x @ L["q_proj"].T + L["q_proj.b"]).view(T, HEADS, d).transpose(0, 1)
            k = (x @ L["k_proj"].T + L["k_proj.b"]).view(T, kv_heads, d).transpose(0, 1)
            v = (x @ L["v_proj"].T + L["v_proj.b"]).view(T, kv_heads, d).transpose(0, 1)
            a = causal_attention(rotary(q, d, theta), rotary(k, d, theta), v)
            h = h + a.transpose(0, 1).reshape(T, HEADS * d) @ L["o_proj"].T
            y = rms_norm(h, L["post"], eps)
            silu = lambda z: z * torch.sigmoid(z)
            h = h + (silu(y @ L["gate"].T) * (y @ L["up"].T)) @ L["down"].T
        return rms_norm(h, norm, eps)

    config = {"vocab_size": VOCAB, "hidden_size": HIDDEN, "num_hidden_layers": LAYERS, "num_attention_heads": HEADS,
              "num_key_value_heads": kv_heads, "intermediate_size": INTER, "hidden_act": "silu", "rms_norm_eps": eps,
              "rope_theta": theta, "max_position_embeddings": 64, "tie_word_embeddings": False}
    return run, emb, config


def gpt2(m, prefix, eps=1e-5):
    d = HIDDEN // HEADS
    wte = m.rand(prefix + "wte.weight", VOCAB, HIDDEN)
    wpe = m.rand(prefix + "wpe.weight", 32, HIDDEN)
    layers = []
    for i in range(LAYERS):
        p = f"{prefix}h.{i}."
        L = {}
        for norm in ("ln_1", "ln_2"):
            L[norm] = (m.rand(p + norm + ".weight", HIDDEN, scale=0.1, centre=1.0), m.rand(p + norm + ".bias", HIDDEN, scale=0.1))
        # Conv1D stores (in, out): y = x @ W + b
        L["c_attn"] = (m.rand(p + "attn.c_attn.weight", HIDDEN, 3 * HIDDEN), m.rand(p + "attn.c_attn.bias", 3 * HIDDEN, scale=0.1))
        L["c_proj"] = (m.rand(p + "attn.c_proj.weight", HIDDEN, HIDDEN), m.rand(p + "attn.c_proj.bias", HIDDEN, scale=0.1))
        L["c_fc"] = (m.rand(p + "mlp.c_fc.weight", HIDDEN, INTER), m.rand(p + "mlp.c_fc.bias", INTER, scale=0.1))
        L["m_proj"] = (m.rand(p + "mlp.c_proj.weight", INTER, HIDDEN), m.rand(p + "mlp.c_proj.bias", HIDDEN, scale=0.1))
        layers.append(L)
    fw = m.rand(prefix + "ln_f.weight", HIDDEN, scale=0.1, centre=1.0)
    fb = m.rand(prefix + "ln_f.bias", HIDDEN, scale=0.1)

    def run(ids):
        T = len(ids)
        h = wte[torch.tensor(ids)] + wpe[:T]
        for L in layers:
            x = layer_norm(h, *L["ln_1"], eps)
            qkv = x @ L["c_attn"][0] + L["c_attn"][1]
            q, k, v = (t.view(T, HEADS, d).transpose(0, 1) for t in qkv.split(HIDDEN, dim=1))
            a = causal_attention(q, k, v).transpose(0, 1).reshape(T, HIDDEN)
            h = h + a @ L["c_proj"][0] + L["c_proj"][1]
            y = layer_norm(h, *L["ln_2"], eps)
            h = h + gelu_new(y @ L["c_fc"][0] + L["c_fc"][1]) @ L["m_proj"][0] + L["m_proj"][1]
        return layer_norm(h, fw, fb, eps)

    config = {"model_type": "gpt2", "vocab_size": VOCAB, "n_embd": HIDDEN, "n_layer": LAYERS, "n_head": HEADS,
              "n_inner": INTER, "n_positions": 32, "layer_norm_epsilon": eps, "activation_function": "gelu_new"}
    return run, wte, config


# ---- models -------------------------------------------------------------------------------------------------

def labels(n):
    return {"id2label": {str(i): f"LABEL_{i}" for i in range(n)}, "label2id": {f"LABEL_{i}": i for i in range(n)}}


MODELS = [
    # name, architecture, builder, base prefix, head ("lm" or number of labels), extra config
    ("gpt-neox-reward", "GPTNeoXForSequenceClassification", lambda m: gpt_neox(m, "gpt_neox."), 1, {}),
    ("llama-classifier", "LlamaForSequenceClassification", lambda m: llama_family(m, "model.", 2, False, 10000.0), 3, {"model_type": "llama"}),
    ("gpt2-reward", "GPT2ForSequenceClassification", lambda m: gpt2(m, "transformer."), 1, {}),
    ("qwen2-lm", "Qwen2ForCausalLM", lambda m: llama_family(m, "model.", 2, True, 1000000.0), "lm",
     {"model_type": "qwen2", "use_sliding_window": False, "sliding_window": 4096, "max_window_layers": 28}),
    ("qwen2-reward", "Qwen2ForSequenceClassification", lambda m: llama_family(m, "model.", 2, True, 1000000.0), 1,
     {"model_type": "qwen2", "use_sliding_window": False}),
    ("mistral-lm", "MistralForCausalLM", lambda m: llama_family(m, "model.", 1, False, 10000.0), "lm",
     {"model_type": "mistral", "sliding_window": 12}),
    ("mistral-reward", "MistralForSequenceClassification", lambda m: llama_family(m, "model.", 2, False, 10000.0), 2,
     {"model_type": "mistral", "sliding_window": 12}),
]


# PEFT LoRA adapters on some of the models above: name, base model, target module suffixes, r, lora_alpha,
# use_rslora, fan_in_fan_out (GPT-2's Conv1D), modules_to_save, the number of labels of a saved score head.
ADAPTERS = [
    ("gpt-neox-lora", "gpt-neox-reward", ["query_key_value", "dense_h_to_4h"], 2, 8, False, False, ["score"], 1),
    ("gpt2-lora", "gpt2-reward", ["c_attn", "c_fc"], 3, 6, False, True, None, 0),
    ("llama-rslora", "llama-classifier", ["q_proj", "v_proj", "down_proj"], 4, 4, True, False, None, 0),
    # A reward model made of a language model: the adapter carries the score head (as ShiftScope's lora saves it).
    ("qwen2-reward-lora", "qwen2-lm", ["k_proj", "up_proj"], 2, 4, False, False, ["score"], 1),
]


def run_cases(run, head_weight):
    cases = []
    for ids in SEQUENCES:
        hidden = run(ids)[-1]
        cases.append({"input_ids": ids, "hidden_final": hidden.tolist(), "scores": (hidden @ head_weight.T).tolist()})
    return cases


def make_adapter(name, base, targets, r, alpha, rslora, fan_in_fan_out, to_save, labels, bases):
    _, architecture, build, base_head, _ = bases[base]
    m = Maker(base)
    build(m)
    if base_head == "lm":
        m.rand("lm_head.weight", VOCAB, HIDDEN)
    else:
        base_score = m.rand("score.weight", base_head, HIDDEN)
    gen = torch.Generator().manual_seed(zlib.crc32(name.encode()))
    scale = alpha / math.sqrt(r) if rslora else alpha / r
    adapter, overrides, modules = {}, {}, []
    for key in sorted(m.tensors):
        module = key[: -len(".weight")]
        if not key.endswith(".weight") or m.tensors[key].dim() != 2 or module.split(".")[-1] not in targets:
            continue
        modules.append(module)
        weight = m.tensors[key].to(torch.float64)
        out_f, in_f = (weight.shape[1], weight.shape[0]) if fan_in_fan_out else weight.shape
        a = 0.4 * torch.randn(r, in_f, generator=gen, dtype=torch.float64)
        b = 0.4 * torch.randn(out_f, r, generator=gen, dtype=torch.float64)
        adapter[f"base_model.model.{module}.lora_A.weight"] = a.to(torch.float32)
        adapter[f"base_model.model.{module}.lora_B.weight"] = b.to(torch.float32)
        delta = scale * (b.to(torch.float32).double() @ a.to(torch.float32).double())
        overrides[key] = weight + (delta.T if fan_in_fan_out else delta)
    if to_save:
        head = 0.5 * torch.randn(labels, HIDDEN, generator=gen, dtype=torch.float64)
        adapter["base_model.model.score.weight"] = head.to(torch.float32)
        head = head.to(torch.float32).double()
    else:
        head = base_score
    merged = Maker(base, overrides)
    run, _, _ = build(merged)
    config = {"peft_type": "LORA", "task_type": "SEQ_CLS", "base_model_name_or_path": base, "r": r,
              "lora_alpha": alpha, "lora_dropout": 0.0, "use_rslora": rslora, "fan_in_fan_out": fan_in_fan_out,
              "target_modules": targets, "modules_to_save": to_save, "bias": "none", "use_dora": False,
              "inference_mode": True, "rank_pattern": {}, "alpha_pattern": {}}
    folder = os.path.join(HERE, "adapters", name)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "adapter_config.json"), "w") as f:
        json.dump(config, f, indent=1)
        f.write("\n")
    write_safetensors(os.path.join(folder, "adapter_model.safetensors"), adapter)
    with open(os.path.join(folder, "expected.json"), "w") as f:
        json.dump({"adapter": name, "base": base, "modules": modules, "cases": run_cases(run, head)}, f)
        f.write("\n")
    print(f"{name}: {len(modules)} adapted modules on {base}")


def main():
    torch.set_grad_enabled(False)
    bases = {entry[0]: entry for entry in MODELS}
    for name, architecture, build, head, extra in MODELS:
        m = Maker(name)
        run, embeddings, config = build(m)
        config = {"architectures": [architecture], **config, **extra, "bos_token_id": 1, "eos_token_id": 2, "pad_token_id": 0}
        if head == "lm":
            lm = m.rand("lm_head.weight", VOCAB, HIDDEN)
        else:
            score = m.rand("score.weight", head, HIDDEN)
            config.update(labels(head))
        cases = []
        for ids in SEQUENCES:
            hidden = run(ids)[-1]
            case = {"input_ids": ids, "hidden_final": hidden.tolist()}
            if head == "lm":
                case["logits_last"] = (hidden @ lm.T).tolist()
            else:
                case["scores"] = (hidden @ score.T).tolist()
            cases.append(case)
        folder = os.path.join(OUT, name)
        os.makedirs(folder, exist_ok=True)
        with open(os.path.join(folder, "config.json"), "w") as f:
            json.dump(config, f, indent=1)
            f.write("\n")
        write_safetensors(os.path.join(folder, "model.safetensors"), m.tensors)
        with open(os.path.join(folder, "expected.json"), "w") as f:
            json.dump({"model": name, "architecture": architecture, "cases": cases}, f)
            f.write("\n")
        print(f"{name}: {len(m.tensors)} tensors, {len(cases)} cases")
    for adapter in ADAPTERS:
        make_adapter(*adapter, bases)


if __name__ == "__main__":
    main()
