"""Material for plausible generated names: syllables of authors, words of model names, quantization suffixes.

Shared by the builder of full-part models (`builder`) and the compact part (`compact`, `compact_arrays`),
so that a generated Hub reads the same in both parts.
"""

from __future__ import annotations

SYLLABLES = (
    "ka ro mi ne ta lu vo zen qui dra sol fen bri tor lex mar nim pax ryu sha tek ul vex wyn xi yor zu "
    "an bel cor dun el fa gor hal ir jun kel lom mor nor ob pel rin sar tul ur vin wes yel"
).split()
WORDS = (
    "chat instruct sft dpo orpo kto uncensored abliterated roleplay coder math reasoning medical legal "
    "finance tutor storyteller assistant hermes dolphin nova aurora zephyr orca wizard sage atlas lumen "
    "vega nebula quill ember falcon raven tiny mini turbo lite pro distill r1 cot multilingual"
).split()
QUANT_SUFFIX = {
    "gguf": "GGUF",
    "awq": "AWQ",
    "gptq": "GPTQ-Int4",
    "exl2": "exl2-4.0bpw",
    "mlx": "4bit",
    "bitsandbytes": "bnb-4bit",
}
