#!/usr/bin/env python3
"""gen_data.py - write data/hardware.json and data/models.json from the shared CSVs.

The committed JSON is the product (the program never reads ../shared at run
time); this script documents how it was made and makes it again, byte for
byte. Python 3 standard library only.

    python3 tools/gen_data.py [--ref ../shared/reference] [--out data] [--check]

Inputs: ../shared/reference/hardware.csv, models.csv (every row, in CSV order)
and measured_runs.csv (only to check the alias coverage), plus the hand-written
tables below: devices that measured_runs.csv uses but hardware.csv lacks,
aliases, and the MoE / MLA / sliding-window fields that the CSV keeps in prose.

--check regenerates into memory and fails if data/*.json differ (for CI).
Every run prints which measured_runs.csv names map to which entry, and fails
if the set of unmatched names differs from UNMATCHED_HW / UNMATCHED_MODELS
(which data/README.md repeats).
"""

import argparse
import csv
import json
import math
import os
import re
import sys

SCHEMA_VERSION = 1

# --------------------------------------------------------------------------
# Hardware
# --------------------------------------------------------------------------

# PCIe host link per direction, GB/s: PCIe 3.0 carries 8 GT/s per lane with
# 128b/130b coding = 0.984375 GB/s per lane (x16 = 15.75), and every later
# generation doubles the per-lane rate (4.0 x16 = 31.5, 5.0 x16 = 63.0,
# 6.0 x16 = 126.0; 6.0's FLIT framing overhead is ignored, as vendors do).
PCIE3_LANE_GBPS = 15.75 / 16


def pcie_gbps_from_interconnect(text, kind):
    """Host-link bandwidth per direction (GB/s) derived from the published
    interconnect text, or None (unified memory, CPU platform, not stated)."""
    if kind in ("apple", "igpu", "cpu"):
        return None, None
    m = re.search(r"NVLink-C2C (\d+) GB/s", text)
    if m:
        # NVLink-C2C is quoted bidirectional: 900 GB/s = 450 per direction
        v = int(m.group(1)) / 2
        return v, "pcie_gbps DERIVED from interconnect: NVLink-C2C %s GB/s bidirectional = %g per direction." % (m.group(1), v)
    m = re.search(r"PCIe (\d)\.0 x(\d+)", text)
    if m:
        gen, lanes = int(m.group(1)), int(m.group(2))
        v = PCIE3_LANE_GBPS * (2 ** (gen - 3)) * lanes
        return v, "pcie_gbps DERIVED from interconnect: PCIe %d.0 x%d = %g GB/s per direction." % (gen, lanes, v)
    return None, "pcie_gbps null: the interconnect text names no host link."


# Devices that measured_runs.csv names but hardware.csv lacks. Every figure is
# from the TechPowerUp GPU-database scrape at reox007/RightNow-GPU-Database
# data/nvidia/all.json@dfb3c9a (the record named in `source`) except the
# tensor figures, which are DERIVED with hardware.csv's own rule: tensor cores
# x boost clock x FLOP per clock per tensor core. Rates per tensor core, dense
# FP16 in / FP32 accumulate:
#   GeForce Ampere/Ada: 128 (half rate; hardware.csv GeForce rows),
#   pro/data-centre GA10x and Ada: 256 (full rate; reproduces hardware.csv's
#     rtx-a6000 155 = 336 TCs x 1800 MHz x 256 and a10 125 = 288 x 1695 x 256,
#     TC counts and clocks from their TPU records),
#   GA100: 512 (reproduces the 312 hardware.csv gives the other A100s:
#     432 TCs x 1410 MHz x 512).
# Dense INT8 is twice the full-rate FP16 figure (4x the GeForce half-rate one).
TPU = "reox007/RightNow-GPU-Database data/nvidia/all.json@dfb3c9a (TechPowerUp GPU DB scrape; record %s, url %s)"

EXTRA_HW = [
    # (insert after this id, entry)
    ("rtx-3080-12gb", {
        "id": "rtx-3080-ti", "vendor": "NVIDIA", "name": "GeForce RTX 3080 Ti", "kind": "gpu",
        "memory_gib": 12, "memory_type": "GDDR6X", "bus_width_bits": 384, "bandwidth_gbps": 912.4,
        "tc": 320, "boost_mhz": 1665, "tc_rate": 128,
        "fp32_tflops": 34.1, "tdp_w": 350, "interconnect": "PCIe 4.0 x16", "launch_year": 2021,
        "source": TPU % ("nvidia-geforce-rtx-3080-ti", "https://www.techpowerup.com/gpu-specs/geforce-rtx-3080-ti.c3735"),
        "notes": "Added for measured_runs.csv ('3080 Ti 12GB'); not in hardware.csv. "
                 "fp16 = DERIVED, not copied: 320 TCs x 1665 MHz boost x 128 FLOP/clk/TC (GeForce runs "
                 "FP16-in/FP32-accumulate tensor math at half the FP16-accumulate rate), the rule hardware.csv "
                 "uses for its GeForce Ampere rows; int8 = DERIVED 4x that. TPU 'fp16' 34.1 is the non-tensor "
                 "vector rate. Memory, bus, bandwidth, fp32, TDP, bus interface and release date (2021-05-31) "
                 "from the TPU record.",
    }),
    ("a10", {
        "id": "a40", "vendor": "NVIDIA", "name": "A40 (PCIe)", "kind": "gpu",
        "memory_gib": 48, "memory_type": "GDDR6", "bus_width_bits": 384, "bandwidth_gbps": 695.8,
        "tc": 336, "boost_mhz": 1740, "tc_rate": 256,
        "fp32_tflops": 37.42, "tdp_w": 300, "interconnect": "PCIe 4.0 x16", "launch_year": 2020,
        "source": TPU % ("nvidia-a40-pcie", "https://www.techpowerup.com/gpu-specs/a40-pcie.c3700"),
        "notes": "Added for measured_runs.csv ('A40 48GB'); not in hardware.csv. "
                 "fp16 = DERIVED, not copied: 336 TCs x 1740 MHz boost x 256 FLOP/clk/TC (data-centre GA102 "
                 "runs FP16-in/FP32-accumulate tensor math at full rate; the same rule gives hardware.csv's "
                 "rtx-a6000 155 = 336 x 1800 x 256 and a10 125 = 288 x 1695 x 256); int8 = DERIVED 2x fp16. "
                 "TPU 'fp16' 37.42 is the non-tensor vector rate. Memory, bus, bandwidth, fp32, TDP, bus "
                 "interface and release date (2020-10-05) from the TPU record; the NVLink bridge is not in it.",
    }),
    ("a100-40gb-pcie", {
        "id": "a100-80gb-pcie", "vendor": "NVIDIA", "name": "A100 80GB PCIe", "kind": "gpu",
        "memory_gib": 80, "memory_type": "HBM2e", "bus_width_bits": 5120, "bandwidth_gbps": 1940,
        "tc": 432, "boost_mhz": 1410, "tc_rate": 512,
        "fp32_tflops": 19.49, "tdp_w": 300, "interconnect": "PCIe 4.0 x16", "launch_year": 2021,
        "source": TPU % ("nvidia-a100-pcie-80-gb", "https://www.techpowerup.com/gpu-specs/a100-pcie-80-gb.c3821"),
        "notes": "Added for measured_runs.csv ('A100 PCIe 80GB'); not in hardware.csv. "
                 "fp16 = DERIVED, not copied: 432 TCs x 1410 MHz boost x 512 FLOP/clk/TC (GA100 third-generation "
                 "tensor cores, FP32 accumulate at full rate) = 311.9, the figure hardware.csv rounds to 312 for "
                 "a100-40gb-pcie and a100-80gb-sxm (same TC count and boost clock in their TPU records); "
                 "int8 = DERIVED 2x fp16. TPU 'fp16' 77.97 is the non-tensor vector rate. Memory, bus, "
                 "bandwidth (1940 GB/s at 1512 MHz HBM2e), fp32, TDP, bus interface and release date "
                 "(2021-06-28) from the TPU record.",
    }),
    ("rtx-a6000", {
        "id": "rtx-4000-ada", "vendor": "NVIDIA", "name": "RTX 4000 Ada Generation", "kind": "gpu",
        "memory_gib": 20, "memory_type": "GDDR6", "bus_width_bits": 160, "bandwidth_gbps": 360.0,
        "tc": 192, "boost_mhz": 2175, "tc_rate": 256,
        "fp32_tflops": 26.73, "tdp_w": 130, "interconnect": "PCIe 4.0 x16", "launch_year": 2023,
        "source": TPU % ("nvidia-rtx-4000-ada-generation", "https://www.techpowerup.com/gpu-specs/rtx-4000-ada-generation.c4171"),
        "notes": "Added for measured_runs.csv ('RTX 4000 Ada 20GB'); not in hardware.csv. "
                 "fp16 = DERIVED, not copied: 192 TCs x 2175 MHz boost x 256 FLOP/clk/TC (pro Ada runs "
                 "FP16-in/FP32-accumulate tensor math at full rate, as hardware.csv assumes for rtx-6000-ada and "
                 "l40s); int8 = DERIVED 2x fp16. No NVIDIA datasheet figure was retrieved to check it. TPU "
                 "'fp16' 26.73 is the non-tensor vector rate. Memory, bus, bandwidth, fp32, TDP, bus interface "
                 "and release date (2023-08-09) from the TPU record.",
    }),
    ("rtx-4000-ada", {
        "id": "rtx-5000-ada", "vendor": "NVIDIA", "name": "RTX 5000 Ada Generation", "kind": "gpu",
        "memory_gib": 32, "memory_type": "GDDR6", "bus_width_bits": 256, "bandwidth_gbps": 576.0,
        "tc": 400, "boost_mhz": 2550, "tc_rate": 256,
        "fp32_tflops": 65.28, "tdp_w": 250, "interconnect": "PCIe 4.0 x16", "launch_year": 2023,
        "source": TPU % ("nvidia-rtx-5000-ada-generation", "https://www.techpowerup.com/gpu-specs/rtx-5000-ada-generation.c4152"),
        "notes": "Added for measured_runs.csv ('RTX 5000 Ada 32GB'); not in hardware.csv. "
                 "fp16 = DERIVED, not copied: 400 TCs x 2550 MHz boost x 256 FLOP/clk/TC (pro Ada runs "
                 "FP16-in/FP32-accumulate tensor math at full rate, as hardware.csv assumes for rtx-6000-ada and "
                 "l40s); int8 = DERIVED 2x fp16. No NVIDIA datasheet figure was retrieved to check it. TPU "
                 "'fp16' 65.28 is the non-tensor vector rate. Memory, bus, bandwidth, fp32, TDP, bus interface "
                 "and release date (2023-08-09) from the TPU record.",
    }),
]

# Aliases: only names for exactly the same device (same chip, same memory).
# Most come from measured_runs.csv; a matcher strips a multi-GPU " * N" suffix
# first (see data/README.md).
HW_ALIASES = {
    "rtx-3070": ["3070 8GB"],
    "rtx-3080-10gb": ["3080 10GB"],
    "rtx-3080-ti": ["3080 Ti 12GB"],
    "rtx-3090": ["3090 24GB"],
    "rtx-4070-ti": ["4070 Ti 12GB"],
    "rtx-4080": ["4080 16GB"],
    "rtx-4090": ["4090 24GB", "GeForce RTX 4090", "NVIDIA GeForce RTX 4090"],
    "a40": ["A40 48GB"],
    "a100-80gb-pcie": ["A100 PCIe 80GB"],
    "a100-80gb-sxm": ["A100 SXM 80GB"],
    "h100-pcie": ["H100 PCIe 80GB"],
    "l40s": ["L40S 48GB"],
    "rtx-a6000": ["RTX A6000 48GB"],
    "rtx-4000-ada": ["RTX 4000 Ada 20GB"],
    "rtx-5000-ada": ["RTX 5000 Ada 32GB"],
    "rtx-6000-ada": ["RTX 6000 Ada 48GB"],
    # the source writes U+2011 (non-breaking hyphen) in "32-Core"
    "apple-m1-max": ["M1 Max 32\u2011Core GPU 64GB"],
    "apple-m2-ultra": ["M2 Ultra 76-Core GPU 192GB", "Apple M2 Ultra (Mac Studio, host gg-studio)"],
    "dgx-spark-gb10": ["NVIDIA DGX Spark (GB10)", "DGX Spark", "GB10"],
}

HW_ALIAS_NOTES = {
    "apple-m2-ultra": "Alias 'Apple M2 Ultra (Mac Studio, host gg-studio)' (llama.cpp benches/mac-m2-ultra): "
                      "the bench file names the chip but not its GPU bin; the 60-core bin has the same "
                      "819.2 GB/s, so decode figures match either way, prefill figures assume the 76-core part.",
    "apple-m3-max-40c": "measured_runs.csv 'M3 Max 40\u2011Core GPU 64GB' is NOT an alias: same chip and "
                        "bandwidth, but 64 GB of memory where this entry is the 128 GB configuration.",
    "apple-m1": "measured_runs.csv 'M1 7\u2011Core GPU 8GB' is NOT an alias: the 7-core-GPU bin with 8 GB, "
                "where this entry is the 8-core GPU with 16 GB.",
    "apple-m3": "webgpu-bench 'Apple M3 16GB (darwin)' is NOT an alias: 16 GB where this entry is 24 GB, and "
                "the GPU bin (8 or 10 cores) is not stated.",
}

# measured_runs.csv hardware names with no entry, and why (data/README.md repeats this).
UNMATCHED_HW = {
    "13th Gen Intel Core i9-13900K + NVIDIA GeForce RTX 3090 Ti":
        "a whole machine (CPU + GPU), not a device; the runs offload every layer (ngl 99), so the GPU is rtx-3090-ti",
    "Intel Core i9-13900K, DDR5-6400":
        "a CPU with its RAM; cpu-ddr5-6400-2ch is the generic dual-channel DDR5-6400 platform (same 102.4 GB/s), "
        "not this CPU",
    "Apple M3 16GB (darwin)":
        "apple-m3 is the 10-core GPU with 24 GB; this machine has 16 GB and an unstated GPU bin",
    "apple metal-3 8GB (darwin)":
        "the chip is not named (only 'metal-3' and 8 GB)",
    "M1 7\u2011Core GPU 8GB":
        "apple-m1 is the 8-core GPU with 16 GB; this is the 7-core bin with 8 GB",
    "M3 Max 40\u2011Core GPU 64GB":
        "apple-m3-max-40c is the 128 GB configuration; memory differs (same chip and bandwidth)",
    "unstated in README":
        "the source does not name the hardware",
}

# --------------------------------------------------------------------------
# Models
# --------------------------------------------------------------------------

# GGUF general.architecture that llama.cpp writes for each HF architecture.
ARCH_FROM_HF = {
    "LlamaForCausalLM": "llama",
    "MistralForCausalLM": "llama",
    "MixtralForCausalLM": "llama",
    "Qwen2ForCausalLM": "qwen2",
    "Qwen3ForCausalLM": "qwen3",
    "Qwen3MoeForCausalLM": "qwen3moe",
    "Gemma2ForCausalLM": "gemma2",
    "Gemma3ForCausalLM": "gemma3",
    "Gemma3ForConditionalGeneration": "gemma3",
    "Phi3ForCausalLM": "phi3",
    "DeepseekV3ForCausalLM": "deepseek2",
    "GptOssForCausalLM": "gpt-oss",
}

# Fields the CSV keeps in its notes (read from each row's notes).
MOE = {
    # id: (n_ff_exp, n_expert_shared, n_ff_shexp, n_layer_dense_lead)
    "mixtral-8x7b": (14336, 0, 0, 0),        # intermediate_size is per expert
    "mixtral-8x22b": (16384, 0, 0, 0),
    "qwen3-30b-a3b": (768, 0, 0, 0),         # moe_intermediate_size 768, every layer MoE
    "qwen3-235b-a22b": (1536, 0, 0, 0),      # moe_intermediate_size 1536, all 94 layers MoE
    "deepseek-v3": (2048, 1, 2048, 3),       # 1 shared expert, first_k_dense_replace 3
    "deepseek-r1": (2048, 1, 2048, 3),
    "gpt-oss-20b": (2880, 0, 0, 0),          # intermediate_size 2880 is per expert
    "gpt-oss-120b": (2880, 0, 0, 0),
}
MLA = {
    # id: (kv_lora_rank, q_lora_rank, qk_rope_head_dim, head_dim_v)
    "deepseek-v3": (512, 1536, 64, 128),
    "deepseek-r1": (512, 1536, 64, 128),
}

# Aliases for names that denote exactly the same tensor shapes (a name equal to
# the id ignoring case is no alias: lookups already find it, and the loader
# refuses a name that two entries, or an entry twice, would answer to). measured_runs.csv
# writes models as "<name> (<repo>)", "<repo> (<llama.cpp label>)" or
# "<llama.cpp label> mostly <type>"; a matcher takes the part before " (" and
# drops a " mostly <type>" suffix (see data/README.md).
MODEL_ALIASES = {
    "llama-2-7b": ["llama 7B"],
    "llama-2-13b": ["llama 13B"],
    "llama-3.1-8b": ["Meta Llama 3 8B"],
    "llama-3.2-1b": ["Llama-3.2-1B-Instruct", "unsloth/Llama-3.2-1B-Instruct-GGUF"],
    "llama-3.2-3b": ["Llama-3.2-3B-Instruct", "unsloth/Llama-3.2-3B-Instruct-GGUF"],
    "qwen2.5-7b": ["Qwen2.5-Coder-7B", "ggml-org/Qwen2.5-Coder-7B-Q8_0-GGUF"],
    "qwen3-0.6b": ["unsloth/Qwen3-0.6B-GGUF"],   # "Qwen3-0.6B" is the id, ignoring case
    "qwen3-1.7b": ["unsloth/Qwen3-1.7B-GGUF"],
    "qwen3-30b-a3b": ["Qwen3-Coder-30B-A3B", "ggml-org/Qwen3-Coder-30B-A3B-Instruct-Q8_0-GGUF"],
    "gemma-3-1b": ["gemma-3-1b-it", "unsloth/gemma-3-1b-it-GGUF"],
    "gemma-3-4b": ["gemma-3-4b-it", "ggml-org/gemma-3-4b-it-qat-GGUF"],
    "gpt-oss-20b": ["ggml-org/gpt-oss-20b-GGUF"],    # "gpt-oss-20b" is the id
    "gpt-oss-120b": ["ggml-org/gpt-oss-120b-GGUF"],
}

MODEL_ALIAS_NOTES = {
    "llama-2-7b": "Alias 'llama 7B' (llama.cpp's label in the llama-bench README runs): LLaMA-1 7B has identical "
                  "tensor shapes (6,738,415,616 params, as those runs print); only n_ctx_train differs (2048).",
    "llama-2-13b": "Alias 'llama 13B' (llama.cpp's label in the llama-bench README runs): LLaMA-1 13B has "
                   "identical tensor shapes (13.02B params, as those runs print); only n_ctx_train differs (2048).",
    "llama-3.1-8b": "Alias 'Meta Llama 3 8B': Llama 3 8B has the same tensor shapes (32 layers, 4096 hidden, "
                    "14336 FFN, 8 KV heads, vocab 128256); only rope scaling and context (8192) differ.",
    "llama-3.2-1b": "Alias 'Llama-3.2-1B-Instruct': the instruct tune, same shapes.",
    "llama-3.2-3b": "Alias 'Llama-3.2-3B-Instruct': the instruct tune, same shapes.",
    "qwen2.5-7b": "Alias 'Qwen2.5-Coder-7B': same shapes (28 layers, 28 Q / 4 KV heads, QKV bias, 7.61B params "
                  "per its card, ZHUI/paddlenlp_model_readme Qwen/Qwen2.5-Coder-7B/index.md; llama-bench prints "
                  "7.62 B); the Coder base config's context may differ.",
    "qwen3-0.6b": "measured_runs.csv 'Qwen3-0.6B' matches the id (lookups ignore case).",
    "qwen3-1.7b": "measured_runs.csv 'Qwen3-1.7B' matches the id (lookups ignore case).",
    "qwen3-30b-a3b": "Alias 'Qwen3-Coder-30B-A3B': same shapes (48 layers, 32 Q / 4 KV heads, 128 experts / 8 "
                     "active, 30.5B / 3.3B per its card, ztxz16/fastllm Qwen3-Coder-30B-A3B-Instruct/README.md; "
                     "llama-bench prints qwen3moe 30.53 B); its context is 262144 natively.",
    "gemma-3-1b": "Alias 'gemma-3-1b-it': this entry is the it model.",
    "gemma-3-4b": "Alias 'gemma-3-4b-it' and ggml-org/gemma-3-4b-it-qat-GGUF (quantization-aware-trained "
                  "Q4_0 weights of the same model; llama-bench prints gemma3 4B 3.88 B).",
    "gpt-oss-20b": "llama-bench prints gpt-oss 20B, 20.91 B params (MXFP4 MoE).",
    "gpt-oss-120b": "llama-bench prints gpt-oss 120B, 116.83 B params (MXFP4 MoE).",
}

# measured_runs.csv model names with no entry, and why (data/README.md repeats this).
UNMATCHED_MODELS = {
    "7B (as labeled)": "the source does not say which 7B model",
    "DeepSeek-R1-Distill-Qwen-1.5B": "not in models.csv (only the 7B distill is)",
    "LFM2.5-1.2B-Instruct": "LiquidAI LFM2 architecture, not in models.csv",
    "Ministral-3-3B-Instruct-2512": "not in models.csv",
    "SmolLM3-3B-128K": "SmolLM3 (not SmolLM2), not in models.csv",
    "gemma-3-270m-it": "not in models.csv (smallest Gemma 3 there is 1B)",
    "ggml-org/GLM-4.7-Flash-GGUF": "GLM-4.7-Flash (deepseek2-style 30B.A3B), not in models.csv",
}


# --------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------

def num(text):
    """CSV number -> int when integral, float otherwise; '' -> None."""
    text = text.strip()
    if text == "":
        return None
    v = float(text)
    if not math.isfinite(v):
        raise ValueError("non-finite number %r" % text)
    return int(v) if v.is_integer() else v


def rnd(v, places=1):
    v = round(v, places)
    return int(v) if float(v).is_integer() else v


def join_notes(*parts):
    """Sentences joined with spaces; each part ends with a full stop."""
    out = []
    for p in parts:
        p = (p or "").strip()
        if p:
            out.append(p if p[-1] in ".!?" else p + ".")
    return " ".join(out)


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def emit(top_key, entries):
    """Deterministic JSON: one "key": value per line, arrays inline, UTF-8."""
    out = ['{', '  "schema_version": %d,' % SCHEMA_VERSION, '  "%s": [' % top_key]
    for i, e in enumerate(entries):
        out.append("    {")
        keys = list(e.keys())
        for j, k in enumerate(keys):
            sep = "," if j + 1 < len(keys) else ""
            out.append("      %s: %s%s" % (json.dumps(k), json.dumps(e[k], ensure_ascii=False), sep))
        out.append("    }" + ("," if i + 1 < len(entries) else ""))
    out.append("  ]")
    out.append("}")
    return "\n".join(out) + "\n"


# --------------------------------------------------------------------------
# builders
# --------------------------------------------------------------------------

def hw_entry_from_csv(r):
    kind = r["kind"]
    pcie, pcie_note = pcie_gbps_from_interconnect(r["interconnect"], kind)
    e = {
        "id": r["id"],
        "vendor": r["vendor"],
        "name": r["name"],
        "kind": kind,
        # vendors' "GB" of VRAM / unified memory are binary GiB
        "memory_gib": None if kind == "cpu" else num(r["memory_gb"]),
        "memory_type": r["memory_type"],
        "bus_width_bits": num(r["bus_width_bits"]),
        "bandwidth_gbps": num(r["memory_bandwidth_gbps"]),
        "fp16_tflops": num(r["fp16_tflops_dense"]),
        "fp32_tflops": num(r["fp32_tflops"]),
        "int8_tops": num(r["int8_tops_dense"]),
        "tdp_w": num(r["tdp_w"]),
        "interconnect": r["interconnect"],
        "pcie_gbps": rnd(pcie, 3) if pcie is not None else None,
        "launch_year": num(r["launch_year"]),
        "aliases": HW_ALIASES.get(r["id"], []),
        "source": r["source"],
        "notes": join_notes(r["notes"], pcie_note, HW_ALIAS_NOTES.get(r["id"])),
    }
    if kind != "cpu" and e["memory_gib"] is None:
        raise ValueError("%s: no memory" % r["id"])
    return e


def hw_entry_extra(x):
    fp16 = x["tc"] * x["boost_mhz"] * 1e6 * x["tc_rate"] / 1e12
    # dense INT8 = 2x the full-rate FP16 tensor figure; the GeForce half-rate figure is half of that
    int8 = fp16 * (4 if x["tc_rate"] == 128 else 2)
    pcie, pcie_note = pcie_gbps_from_interconnect(x["interconnect"], x["kind"])
    return {
        "id": x["id"], "vendor": x["vendor"], "name": x["name"], "kind": x["kind"],
        "memory_gib": x["memory_gib"], "memory_type": x["memory_type"],
        "bus_width_bits": x["bus_width_bits"], "bandwidth_gbps": x["bandwidth_gbps"],
        "fp16_tflops": rnd(fp16), "fp32_tflops": x["fp32_tflops"], "int8_tops": rnd(int8),
        "tdp_w": x["tdp_w"], "interconnect": x["interconnect"],
        "pcie_gbps": rnd(pcie, 3) if pcie is not None else None,
        "launch_year": x["launch_year"],
        "aliases": HW_ALIASES.get(x["id"], []),
        "source": x["source"],
        "notes": join_notes(x["notes"], pcie_note, HW_ALIAS_NOTES.get(x["id"])),
    }


def build_hardware(rows):
    entries = [hw_entry_from_csv(r) for r in rows]
    for after, x in EXTRA_HW:
        pos = next(i for i, e in enumerate(entries) if e["id"] == after)
        entries.insert(pos + 1, hw_entry_extra(x))
    return entries


SWA_RE = re.compile(r"^(\d+) on (\d+) of (\d+) layers \((alternating|pattern (\d+))\)$")


def parse_swa(text, n_layer):
    """CSV sliding_window prose -> (swa_window, swa_pattern, note)."""
    t = text.strip()
    if t == "none" or t == "disabled" or t.startswith("null") or t.startswith("no key"):
        return 0, 0, None
    m = re.match(r"^(\d+) \(all layers", t)
    if m:
        return int(m.group(1)), 1, "swa_window/swa_pattern DERIVED from sliding_window '%s': every layer slides (pattern 1)." % t
    m = SWA_RE.match(t)
    if not m:
        raise ValueError("unparsed sliding_window %r" % t)
    window, n_swa, n_all = int(m.group(1)), int(m.group(2)), int(m.group(3))
    pattern = 2 if m.group(4) == "alternating" else int(m.group(5))
    if n_all != n_layer:
        raise ValueError("sliding_window %r: layer count %d != n_layer %d" % (t, n_all, n_layer))
    # in each group of `pattern` layers the first pattern-1 slide (layer 0 slides)
    sliding = sum(1 for i in range(n_layer) if (i + 1) % pattern != 0)
    if sliding != n_swa:
        raise ValueError("sliding_window %r: pattern %d gives %d sliding layers" % (t, pattern, sliding))
    return window, pattern, ("swa_window/swa_pattern DERIVED from sliding_window '%s': in each group of %d "
                             "layers the first %d slide and the last is global (layer 0 slides)." % (t, pattern, pattern - 1))


def bool_csv(text):
    t = text.strip().lower()
    if t.startswith("true"):
        return True
    if t.startswith("false"):
        return False
    raise ValueError("bool %r" % text)


def build_models(rows):
    out = []
    for r in rows:
        mid = r["id"]
        hf = r["architecture"].split(" / ")[0].strip()
        arch = ARCH_FROM_HF[hf]
        n_layer = num(r["n_layers"])
        n_expert = num(r["n_experts"]) or 0
        n_expert_used = num(r["n_experts_active"]) or 0
        swa_window, swa_pattern, swa_note = parse_swa(r["sliding_window"], n_layer)
        n_ff_exp, n_shared, n_ff_shexp, n_dense_lead = MOE.get(mid, (0, 0, 0, 0))
        if (n_expert > 0) != (mid in MOE):
            raise ValueError("%s: MoE table and n_experts disagree" % mid)
        kv_lora, q_lora, rope_dim, head_dim_v = MLA.get(mid, (0, 0, 0, None))
        csv_kv_lora = num(r["kv_lora_rank"]) or 0
        if csv_kv_lora != kv_lora:
            raise ValueError("%s: kv_lora_rank %d in CSV, %d in MLA table" % (mid, csv_kv_lora, kv_lora))
        derived = ["Derived here: arch = llama.cpp's GGUF general.architecture for %s; hf_architecture "
                   "from the CSV 'architecture' column." % hf]
        if swa_note:
            derived.append(swa_note)
        if n_expert:
            derived.append("n_ff_exp %d%s from the row's notes / intermediate_size." % (
                n_ff_exp, (", n_expert_shared %d, n_ff_shexp %d, n_layer_dense_lead %d" % (n_shared, n_ff_shexp, n_dense_lead))
                if n_shared or n_dense_lead else ""))
        if kv_lora:
            derived.append("MLA q_lora_rank %d, qk_rope_head_dim %d, head_dim_v %d from the row's notes." % (q_lora, rope_dim, head_dim_v))
        qkv_bias = arch in ("qwen2", "gpt-oss")
        if qkv_bias:
            derived.append("qkv_bias true: %s." % ("Qwen2 attention has QKV bias" if arch == "qwen2" else "gpt-oss attention has bias"))
        if "(implicit)" in r["tie_word_embeddings"]:
            derived.append("tied_embeddings true: the CSV's 'true (implicit)'.")
        e = {
            "id": mid,
            "family": r["family"],
            "name": r["name"],
            "arch": arch,
            "hf_architecture": hf,
            "params_b_total": num(r["params_b_total"]),
            "params_b_active": num(r["params_b_active"]),
            "n_layer": n_layer,
            "n_embd": num(r["hidden_size"]),
            "n_ff": num(r["intermediate_size"]),
            "n_head": num(r["n_heads"]),
            "n_head_kv": num(r["n_kv_heads"]),
            "head_dim": num(r["head_dim"]),
            "head_dim_v": head_dim_v,
            "n_vocab": num(r["vocab_size"]),
            "n_ctx_train": num(r["max_position_embeddings"]),
            "tied_embeddings": bool_csv(r["tie_word_embeddings"]),
            "qkv_bias": qkv_bias,
            "n_expert": n_expert,
            "n_expert_used": n_expert_used,
            "n_ff_exp": n_ff_exp,
            "n_expert_shared": n_shared,
            "n_ff_shexp": n_ff_shexp,
            "n_layer_dense_lead": n_dense_lead,
            "swa_window": swa_window,
            "swa_pattern": swa_pattern,
            "kv_lora_rank": kv_lora,
            "q_lora_rank": q_lora,
            "qk_rope_head_dim": rope_dim,
            "aliases": MODEL_ALIASES.get(mid, []),
            "source": r["source"],
            "notes": join_notes(r["notes"], " ".join(derived), MODEL_ALIAS_NOTES.get(mid)),
        }
        if (e["params_b_active"] is None) != (n_expert == 0):
            raise ValueError("%s: params_b_active must be given exactly for MoE models" % mid)
        out.append(e)
    return out


# --------------------------------------------------------------------------
# alias coverage against measured_runs.csv
# --------------------------------------------------------------------------

def fold(s):
    return s.lower()


def lookup_table(entries):
    t = {}
    for e in entries:
        for name in [e["id"]] + e["aliases"]:
            k = fold(name)
            if k in t:
                raise ValueError("name %r used twice (%s and %s)" % (name, t[k], e["id"]))
            t[k] = e["id"]
    return t


def hw_key(s):
    """Strip a multi-GPU ' * N' suffix."""
    return re.sub(r" \* \d+$", "", s)


def model_key(s):
    """Take the part before ' (' and drop a llama.cpp ' mostly <type>' suffix."""
    s = s.split(" (")[0]
    return re.sub(r" mostly \S+$", "", s)


def coverage(ref, hw, models):
    runs = read_csv(os.path.join(ref, "measured_runs.csv"))
    ok = True
    for label, entries, col, keyf, expected in (
            ("hardware", hw, "hardware", hw_key, UNMATCHED_HW),
            ("model", models, "model", model_key, UNMATCHED_MODELS)):
        table = lookup_table(entries)
        names = sorted(set(r[col] for r in runs))
        unmatched = set()
        for n in names:
            k = keyf(n)
            hit = table.get(fold(k))
            print("  %-8s %-75s -> %s" % (label, n, hit or "(unmatched)"))
            if not hit:
                unmatched.add(k)
        documented = set(keyf(n) for n in expected)
        if unmatched != documented:
            ok = False
            print("%s: unmatched names differ from the documented list:" % label, file=sys.stderr)
            print("  undocumented: %s" % sorted(unmatched - documented), file=sys.stderr)
            print("  documented but matched/absent: %s" % sorted(documented - unmatched), file=sys.stderr)
    return ok


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    root = os.path.dirname(here)
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--ref", default=os.path.join(root, "..", "shared", "reference"))
    ap.add_argument("--out", default=os.path.join(root, "data"))
    ap.add_argument("--check", action="store_true", help="fail if data/*.json differ from a fresh generation")
    a = ap.parse_args()

    hw_rows = read_csv(os.path.join(a.ref, "hardware.csv"))
    model_rows = read_csv(os.path.join(a.ref, "models.csv"))
    hw = build_hardware(hw_rows)
    models = build_models(model_rows)
    assert len(hw) == len(hw_rows) + len(EXTRA_HW)
    assert len(models) == len(model_rows)
    for table, entries in ((HW_ALIASES, hw), (MODEL_ALIASES, models)):
        missing = set(table) - set(e["id"] for e in entries)
        assert not missing, missing

    files = {"hardware.json": emit("hardware", hw), "models.json": emit("models", models)}
    for name, text in files.items():
        json.loads(text)  # must parse
    print("alias coverage of measured_runs.csv:")
    ok = coverage(a.ref, hw, models)

    for name, text in files.items():
        path = os.path.join(a.out, name)
        if a.check:
            with open(path, encoding="utf-8") as f:
                if f.read() != text:
                    print("%s differs from a fresh generation" % path, file=sys.stderr)
                    ok = False
        else:
            os.makedirs(a.out, exist_ok=True)
            with open(path, "w", encoding="utf-8", newline="\n") as f:
                f.write(text)
    print("%d hardware entries, %d models" % (len(hw), len(models)))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
