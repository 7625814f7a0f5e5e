"""The bulk columns of the emulated weekly archive: `cardData` (JSON text), `siblings` and `config`, as
heavy as the real files' and varied per model (a generator seeded by its `_id`), so that a reader that
skips them is measured against realistic bytes. Deterministic: the same model, the same text.
"""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from typing import Any

# Drawn per model from `random.Random(<its _id>)` with cheap draws (`random()`, `randbytes`), assembled
# from JSON fragments: two million rows must cost seconds, not minutes. No generated string holds a
# quote or a backslash, so fragments are spliced without escaping.

_LANGUAGES = (
    "en zh fr de es ru ja ko pt it ar hi vi tr pl nl id th sv cs fa uk ro el hu he da fi no bn ta ur sw ms"
).split()
_DATASET_STEMS = (
    "ultrachat alpaca-cleaned openhermes slimorca dolly orca-math metamath gsm8k code-feedback "
    "oasst2 ultrafeedback capybara no-robots wizardlm-evol sharegpt glaive-function magpie tulu-mix "
    "squad imdb sst2 conll2003 wikitext c4 fineweb the-stack common-voice librispeech"
).split()
_DATASET_OWNERS = ("HuggingFaceH4", "teknium", "allenai", "Open-Orca", "mlabonne", "argilla", "nvidia")
_CARD_TAGS = (
    "generated_from_trainer trl sft dpo orpo unsloth axolotl text-generation-inference conversational "
    "chat lora peft 4-bit instruct roleplay code math reasoning medical"
).split()
_METRICS = ("accuracy", "f1", "bleu", "rouge", "wer", "perplexity")
# 256 words: one byte of a model's draw picks one, so prompts vary as real ones do.
_VOCAB = (
    "the a of to and in is for on with as by at from that this it be are was an or not can will which "
    "model data image text user assistant write explain story code python function list answer question "
    "please give short long simple detailed example photo portrait painting style light dark city forest "
    "river mountain ocean night morning sunset red blue green golden silver black white old young small "
    "large quiet bright soft sharp cinematic realistic anime watercolor oil digital sketch highly intricate "
    "masterpiece best quality wearing standing sitting walking holding looking smiling cat dog bird horse "
    "woman man girl boy robot castle street room window table book tree flower rain snow fire wind cloud "
    "star moon sun sky garden house car train ship bridge tower market kitchen library school office lab "
    "history science math physics chemistry biology music poem letter email summary translate french "
    "german spanish chinese japanese review product customer support recipe travel plan weather news "
    "sports game movie song friend family teacher doctor patient lawyer contract report table chart sql "
    "query database server network security password error bug test deploy cloud api json file folder "
    "step first second third then next finally because however therefore also very more most less few "
    "many every each all some any other new good great best better fast slow easy hard true false yes no "
    "how what why when where who one two three ten hundred year day week hour minute today tomorrow "
    "piano violin guitar dance paint draw cook bake swim climb fly sail drive build grow learn teach"
).split()
_VOCAB = list(dict.fromkeys(_VOCAB))[:256]
_CHAT_TEMPLATES = {
    "llama": "{{- bos_token }}{%- for message in messages %}{{- '<|start_header_id|>' + message['role'] + "
    "'<|end_header_id|>\\n\\n' + message['content'] | trim + '<|eot_id|>' }}{%- endfor %}{%- if "
    "add_generation_prompt %}{{- '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{%- endif %}",
    "qwen2": "{%- for message in messages %}{{- '<|im_start|>' + message.role + '\\n' + message.content + "
    "'<|im_end|>' + '\\n' }}{%- endfor %}{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}"
    "{%- endif %}",
    "mistral": "{{ bos_token }}{% for message in messages %}{% if message['role'] == 'user' %}{{ '[INST] ' + "
    "message['content'] + ' [/INST]' }}{% else %}{{ message['content'] + eos_token }}{% endif %}{% endfor %}",
    "gemma2": "{{ bos_token }}{% for message in messages %}{{ '<start_of_turn>' + (message['role'] | replace("
    "'assistant', 'model')) + '\\n' + message['content'] | trim + '<end_of_turn>\\n' }}{% endfor %}",
}
_TOKENS = {
    "llama": ('"<|begin_of_text|>"', '"<|eot_id|>"', '"<|finetune_right_pad_id|>"'),
    "qwen2": ("null", '"<|im_end|>"', '"<|endoftext|>"'),
    "mistral": ('"<s>"', '"</s>"', "null"),
    "gemma2": ('"<bos>"', '"<eos>"', '"<pad>"'),
    "bert": ("null", "null", '"[PAD]"'),
}
_QUANTS = "Q2_K Q3_K_S Q3_K_M Q3_K_L Q4_0 Q4_K_S Q4_K_M Q5_0 Q5_K_S Q5_K_M Q6_K Q8_0 IQ4_XS f16".split()
# The leaderboard's benchmarks, as a card's model-index names them: (name, dataset type, metric, shots).
_BENCHMARKS = (
    ("IFEval (0-Shot)", "HuggingFaceH4/ifeval", "inst_level_strict_acc", 0),
    ("BBH (3-Shot)", "BBH", "acc_norm", 3),
    ("MATH Lvl 5 (4-Shot)", "hendrycks/competition_math", "exact_match", 4),
    ("GPQA (0-shot)", "Idavidrein/gpqa", "acc_norm", 0),
    ("MuSR (0-shot)", "TAUR-Lab/MuSR", "acc_norm", 0),
    ("MMLU-PRO (5-shot)", "TIGER-Lab/MMLU-Pro", "acc", 5),
    ("AI2 Reasoning Challenge (25-Shot)", "ai2_arc", "acc_norm", 25),
    ("HellaSwag (10-Shot)", "hellaswag", "acc_norm", 10),
)
_SPLITS = ("test", "validation", "train")
_HW = ("A100 PCIe 40GB", "H100 SXM 80GB", "RTX 4090", "T4", "V100")
_CKPT_FILES = ("config.json", "optimizer.pt", "rng_state.pth", "scheduler.pt", "trainer_state.json")
_EXTS = ("png", "jpg", "json", "wav", "txt")
_TRAINED = frozenset(("transformers", "peft", "sentence-transformers"))


def model_rng(oid: str) -> random.Random:
    """The per-model draw of the bulk columns: seeded by the `_id`, so a model's bulk never changes."""
    return random.Random(int(oid, 16))


def _pick(rng: random.Random, seq: Sequence[str]) -> str:
    return seq[int(rng.random() * len(seq))]


def _words(rng: random.Random, n: int) -> str:
    """`n` words of the vocabulary (one random byte each)."""
    return " ".join([_VOCAB[b] for b in rng.randbytes(n)])


def _strings(values: Sequence[str]) -> str:
    return "[" + ",".join(f'"{v}"' for v in values) + "]"


def card_data_text(
    card: dict[str, Any] | None, repo_id: str, pipeline: str | None, rng: random.Random
) -> str:
    """The API's `cardData` (licence, base_model, tags ...) grown into a real card's metadata, as JSON:
    languages, datasets, more tags, widget prompts, model-index results, emissions."""
    card = dict(card or {})
    tags = list(card.pop("tags", None) or ())
    head = json.dumps(card, separators=(",", ":"), ensure_ascii=False)[1:-1]
    parts = [head] if head else []
    r = rng.random
    if r() < 0.7:
        k = 1 if r() < 0.6 else 2 + int(r() * 7)
        parts.append('"language":' + _strings([_pick(rng, _LANGUAGES) for _ in range(k)]))
    if r() < 0.55:
        author = repo_id.split("/")[0]
        sets = [
            f"{owner}/{_pick(rng, _DATASET_STEMS)}-{int(r() * 500)}k"
            for owner in [
                author if r() < 0.3 else _pick(rng, _DATASET_OWNERS) for _ in range(1 + int(r() * 4))
            ]
        ]
        parts.append('"datasets":' + _strings(sets))
    tags += [_pick(rng, _CARD_TAGS) for _ in range(int(r() * 5))]
    parts.append('"tags":' + _strings(list(dict.fromkeys(tags))))
    if r() < 0.35:
        parts.append('"metrics":' + _strings([_pick(rng, _METRICS) for _ in range(1 + int(r() * 3))]))
    if pipeline == "text-to-image":
        parts.append(f'"instance_prompt":"{_words(rng, 3 + int(r() * 8))}"')
        shots = [
            f'{{"text":"{_words(rng, 12 + int(r() * 50))}","parameters":{{"negative_prompt":'
            f'"{_words(rng, 3 + int(r() * 12))}"}},'
            f'"output":{{"url":"images/{rng.getrandbits(64):016x}.png"}}}}'
            for _ in range(1 + int(r() * 4))
        ]
        parts.append('"widget":[' + ",".join(shots) + "]")
    elif pipeline and r() < 0.8:
        shots = []
        for _ in range(1 + int(r() * 4)):
            prompt = _words(rng, 12 + int(r() * 90))
            if r() < 0.5:
                shots.append(f'{{"messages":[{{"role":"user","content":"{prompt}"}}]}}')
            else:
                shots.append(f'{{"text":"{prompt}","example_title":"{_words(rng, 2)}"}}')
        parts.append('"widget":[' + ",".join(shots) + "]")
    if card.get("base_model_relation") == "quantized" and r() < 0.6:
        base = card.get("base_model")
        base = base if isinstance(base, str) else repo_id
        parts.append(
            f'"model_creator":"{base.split("/")[0]}","model_name":"{base.split("/")[-1]}",'
            f'"quantized_by":"{repo_id.split("/")[0]}","prompt_template":"<|im_start|>system\\n'
            f'{{system_message}}<|im_end|>\\n<|im_start|>user\\n{{prompt}}<|im_end|>\\n<|im_start|>assistant\\n"'
        )
    if r() < (0.45 if pipeline == "text-generation" else 0.12):
        parts.append('"model-index":' + _model_index(repo_id, pipeline or "text-generation", rng))
    if r() < 0.1:
        parts.append(
            f'"co2_eq_emissions":{{"emissions":{r() * 900:.3f},"source":"codecarbon","training_type":'
            f'"fine-tuning","geographical_location":"{_pick(rng, ("us-east-1", "eu-west-4", "Iowa, USA"))}",'
            f'"hardware_used":"{_pick(rng, _HW)}"}}'
        )
    return "{" + ",".join(parts) + "}"


def _model_index(repo_id: str, task: str, rng: random.Random) -> str:
    """A card's model-index: evaluation results, leaderboard style."""
    r = rng.random
    title = task.replace("-", " ").title()
    source = (
        '"source":{"url":"https://huggingface.co/spaces/open-llm-leaderboard/open_llm_leaderboard?query='
        + repo_id
        + '","name":"Open LLM Leaderboard"}'
    )
    results = []
    for _ in range(1 + int(r() * 6)):
        name, dtype, metric, shots = _BENCHMARKS[int(r() * len(_BENCHMARKS))]
        results.append(
            f'{{"task":{{"type":"{task}","name":"{title}"}},"dataset":{{"name":"{name}","type":"{dtype}",'
            f'"split":"{_pick(rng, _SPLITS)}","args":{{"num_few_shot":{shots}}}}},"metrics":[{{"type":'
            f'"{metric}","value":{r() * 85:.2f},"name":"{metric}"}}],{source}}}'
        )
    return f'[{{"name":"{repo_id.split("/")[-1]}","results":[{",".join(results)}]}}]'


def siblings_list(
    files: list[dict[str, str]] | None, repo_id: str, library: str | None, params: int, rng: random.Random
) -> list[str]:
    """The API's file list grown into a real repository's (`rfilename`s): weight shards, quantizations,
    images, tokenizer files, training logs and checkpoints (a few repositories carry dozens)."""
    names = [f["rfilename"] for f in files or ()]
    name = repo_id.split("/")[-1]
    r = rng.random
    if any(n.endswith(".gguf") for n in names):
        names = [n for n in names if not n.endswith(".gguf")]
        quants = sorted({_pick(rng, _QUANTS) for _ in range(2 + int(r() * 12))})
        names += [f"{name}.{q}.gguf" for q in quants]
    elif "model.safetensors" in names and params > 2_500_000_000:
        shards = min(60, 1 + params * 2 // 5_000_000_000)
        names.remove("model.safetensors")
        names += [f"model-{k:05d}-of-{shards:05d}.safetensors" for k in range(1, shards + 1)]
        names.append("model.safetensors.index.json")
    if library == "diffusers" or (library is None and r() < 0.2):
        names += [f"images/{rng.getrandbits(64):016x}.png" for _ in range(1 + int(r() * 6))]
        names.append(f"{name}.safetensors")
    if library in ("diffusers", "peft") and r() < 0.2:
        stamp = 1_700_000_000_000 + int(r() * 80_000_000_000)
        every = (50, 100, 250)[int(r() * 3)]
        for k in range(1, 4 + int(r() * 16)):
            names.append(f"samples/{stamp + k * int(r() * 900_000)}__{k * every:09d}_{int(r() * 4)}.jpg")
    if r() < 0.16:
        folder = _pick(rng, ("samples", "eval", "outputs", "assets"))
        names += [
            f"{folder}/{rng.getrandbits(64):016x}.{_pick(rng, _EXTS)}" for _ in range(5 + int(r() * 55))
        ]
    if library in _TRAINED:
        if r() < 0.6:
            names += ["special_tokens_map.json", "training_args.bin"]
        if r() < 0.3:
            host = (
                f"{_pick(rng, ('ip', 'gpu', 'node', 'r'))}-{int(r() * 255)}-{int(r() * 255)}-{int(r() * 255)}"
            )
            for _ in range(1 + int(r() * 3)):
                stamp = 1_690_000_000 + int(r() * 70_000_000)
                names.append(f"runs/{stamp:x}_{host}/events.out.tfevents.{stamp}.{host}.{int(r() * 99999)}.0")
        u = r()
        checkpoints = 1 + int(r() * 3) if u < 0.12 else 8 + int(r() * 30) if u < 0.14 else 0
        for _ in range(checkpoints):
            step = int(r() * 4000) * 25
            names += [f"checkpoint-{step}/{f}" for f in _CKPT_FILES]
    return list(dict.fromkeys(names))


def config_text(
    config: dict[str, Any] | None, tags: Sequence[str], repo_id: str, rng: random.Random
) -> str | None:
    """The API's `config` grown into what the Hub records (tokenizer config with its chat template,
    quantization), as JSON; None when the API has none."""
    if config is None:
        return None
    r = rng.random
    head = json.dumps(config, separators=(",", ":"), ensure_ascii=False)[1:-1]
    arch = str(config.get("model_type") or "")
    family = arch if arch in _TOKENS else ("llama" if r() < 0.5 else "qwen2")
    bos, eos, pad = _TOKENS[family]
    tokenizer = f'"bos_token":{bos},"eos_token":{eos},"pad_token":{pad},"unk_token":null'
    template = _CHAT_TEMPLATES.get(family)
    if template and r() < 0.8:
        if r() < 0.9:
            name, author = repo_id.split("/")[-1], repo_id.split("/")[0]
            system = (
                f"You are {name}, a helpful assistant made by {author}. {_words(rng, 60 + int(r() * 300))}"
            )
            template = "{%- set default_system_message = '" + system + "' %}" + template
        tokenizer += ',"chat_template":' + json.dumps(template)
    parts = [head, '"tokenizer_config":{' + tokenizer + "}"]
    if "gptq" in tags or "awq" in tags:
        method = "gptq" if "gptq" in tags else "awq"
        parts.append(
            f'"quantization_config":{{"bits":4,"group_size":{_pick(rng, ("32", "64", "128"))},'
            f'"quant_method":"{method}"}}'
        )
    elif "bitsandbytes" in tags:
        parts.append(
            '"quantization_config":{"load_in_4bit":true,"bnb_4bit_quant_type":"nf4","quant_method":"bitsandbytes"}'
        )
    return "{" + ",".join(parts) + "}"
