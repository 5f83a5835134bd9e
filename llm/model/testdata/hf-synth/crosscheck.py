"""Cross-check of the Go engine against Hugging Face transformers' own Qwen3.5 code.

Run by crosscheck.sh on a machine with PyTorch and transformers >= 5.2 (the
project's GPU device machine); never in CI. It loads the full-size synthetic
checkpoint (`llm synth -seed 1`) into transformers' Qwen3_5ForCausalLM in
float32 (TF32 off; it refuses to run where fla, causal_conv1d or kernels is
installed, so transformers uses its reference PyTorch delta rule and conv), runs the ids of ids.txt, and

  * compares every logit with the Go engine's (`llm logits`, prefill and
    token-by-token decode), printing the differences, and
  * writes reference.json: a subset of transformers' logits (top 16 and a
    fixed sample of 512 vocabulary ids at selected positions, prefill and
    cached decode) that TestHFSynth in llm/model checks the engine against.

Usage: python3 crosscheck.py CHECKPOINT_DIR IDS_FILE GO_PREFILL.bin GO_DECODE.bin OUT_DIR
"""

import hashlib
import importlib.util
import json
import os
import platform
import sys
import time

import numpy as np
import torch
import transformers
from safetensors.torch import load_file
from transformers import AutoConfig
from transformers.models.qwen3_5 import modeling_qwen3_5 as q35

POSITIONS = [0, 1, 2, 7, 63, 64, 65, 127, 128, 150, 191, 192, 255, 256, 299]
PREFIX = 300  # tokens prefilled before the cached decode steps
NAME = "reference.json"
if os.environ.get("HF_POSITIONS"):  # a longer run: crosscheck.sh with HF_IDS etc.
    POSITIONS = [int(p) for p in os.environ["HF_POSITIONS"].split(",")]
    PREFIX = int(os.environ["HF_PREFIX"])
    NAME = os.environ["HF_NAME"]
TOP = 16
SAMPLE = 512


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 24), b""):
            h.update(block)
    return h.hexdigest()


def build(ckpt, device):
    cfg = AutoConfig.from_pretrained(ckpt)
    text = cfg.text_config
    try:
        text._attn_implementation = "eager"
    except Exception as e:  # newer configs may guard the attribute
        print("attention implementation left as is:", e)
    # Without these packages transformers runs its reference PyTorch delta
    # rule and conv (it says so on stderr); with them it would use Triton or
    # CUDA kernels that may round differently. Stop rather than compare those.
    for pkg in ("fla", "causal_conv1d", "kernels"):
        if importlib.util.find_spec(pkg):
            sys.exit(f"package {pkg} is installed: run this where transformers uses its reference PyTorch code")
    torch.set_default_dtype(torch.float32)
    with torch.device(device):
        model = q35.Qwen3_5ForCausalLM(text)
    raw = load_file(f"{ckpt}/model.safetensors")
    sd = {}
    for name, t in raw.items():
        if name.startswith("model.language_model."):
            sd["model." + name[len("model.language_model."):]] = t.to(torch.float32)
    missing, unexpected = model.load_state_dict(sd, strict=False)
    missing = [k for k in missing if k != "lm_head.weight"]
    if missing or unexpected:
        sys.exit(f"state dict mismatch: missing {missing[:8]} unexpected {unexpected[:8]}")
    model.lm_head.weight = model.model.embed_tokens.weight  # tied head
    return model.to(device).eval(), text


def main():
    ckpt, ids_file, go_prefill, go_decode, out = sys.argv[1:6]
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    torch.set_float32_matmul_precision("highest")
    device = "cuda" if torch.cuda.is_available() else "cpu"
    ids = [int(s) for s in open(ids_file).read().strip().split(",")]
    t0 = time.time()
    model, text = build(ckpt, device)
    vocab = text.vocab_size
    print(f"built in {time.time() - t0:.1f} s on {device}", flush=True)

    x = torch.tensor([ids], device=device)
    with torch.no_grad():
        full = model(input_ids=x, use_cache=False).logits[0].float().cpu().numpy()
        out1 = model(input_ids=x[:, :PREFIX], use_cache=True)
        cache = out1.past_key_values
        steps = []
        for i in range(PREFIX, len(ids)):
            o = model(input_ids=x[:, i:i + 1], past_key_values=cache, use_cache=True)
            cache = o.past_key_values
            steps.append(o.logits[0, -1].float().cpu().numpy())
    decode = np.stack(steps)
    print(f"forward done in {time.time() - t0:.1f} s", flush=True)

    report = {}
    scale = float(np.abs(full).max())
    report["hf_logit_max_abs"] = scale
    report["hf_cached_decode_vs_prefill_max_abs"] = float(np.abs(decode - full[PREFIX:]).max())
    for name, path in (("go_prefill", go_prefill), ("go_decode", go_decode)):
        go = np.fromfile(path, dtype="<f4").reshape(len(ids), vocab)
        d = np.abs(go - full)
        worst = np.unravel_index(np.argmax(d), d.shape)
        report[name] = {
            "max_abs": float(d.max()),
            "mean_abs": float(d.mean()),
            "worst_position": int(worst[0]),
            "worst_id": int(worst[1]),
            "max_abs_per_position_first_last": [float(d[0].max()), float(d[-1].max())],
            "argmax_agree": int((go.argmax(1) == full.argmax(1)).sum()),
            "positions": len(ids),
            "vs_cached_decode_max_abs": float(np.abs(go[PREFIX:] - decode).max()),
        }
    print(json.dumps(report, indent=1), flush=True)

    rng = np.random.default_rng(7)
    sample = sorted(int(v) for v in rng.choice(vocab, SAMPLE, replace=False))

    def row(p, logits):
        top = np.argsort(-logits, kind="stable")[:TOP]
        return {
            "position": p,
            "top_ids": [int(i) for i in top],
            "top_logits": [float(logits[i]) for i in top],
            "sample_logits": [float(logits[i]) for i in sample],
        }

    ref = {
        "about": "transformers Qwen3_5ForCausalLM, float32, TF32 off, torch delta rule, on the "
                 "synthetic checkpoint of `llm synth -config llm/model/testdata/qwen35-0.8b-config.json -seed 1`",
        "checkpoint_sha256": sha256(f"{ckpt}/model.safetensors"),
        "transformers": transformers.__version__,
        "torch": torch.__version__,
        "device": torch.cuda.get_device_name(0) if device == "cuda" else platform.processor(),
        "prefix": PREFIX,
        "sample_ids": sample,
        "prefill": [row(p, full[p]) for p in POSITIONS],
        "decode": [row(PREFIX + i, decode[i]) for i in range(len(steps))],
        "report": report,
    }
    with open(f"{out}/{NAME}", "w") as f:
        json.dump(ref, f, separators=(",", ":"))
    print("wrote", NAME, flush=True)


if __name__ == "__main__":
    main()
