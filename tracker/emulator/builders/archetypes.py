"""Kinds of models with no declared base in the compact part: what the Hub holds besides derivatives.

Each `Archetype` gives a kind's task, library, architecture, tags, name stems, licences and typical
sizes (classifiers, embedders, small language models, diffusion, speech, RL agents, empty repositories
...); `ARCHETYPES` weighs them as the real Hub's mix. `archetype_parameters` sizes a model from its name
or, when the name states no size, from its archetype's sizes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from tracker.emulator.builders import traits


@dataclass(frozen=True)
class Archetype:
    """A kind of model with no declared base: what the Hub holds besides derivatives."""

    weight: float
    pipeline: str | None
    library: str | None
    arch: str | None
    extra_tags: tuple[str, ...]
    stems: tuple[str, ...]
    licenses: tuple[str | None, ...]
    sizes: tuple[float, ...] = (110e6, 350e6, 1.2e9, 7.6e9)  # parameter counts a name stating none draws from


ARCHETYPES = (
    Archetype(
        0.15,
        "text-classification",
        "transformers",
        "bert",
        ("safetensors",),
        ("bert-base-finetuned", "distilbert-sentiment", "roberta-classifier", "deberta-v3-cls"),
        ("apache-2.0", "mit", None),
        (109.5e6, 66.9e6, 124.6e6, 184.4e6),
    ),
    Archetype(
        0.07,
        "sentence-similarity",
        "sentence-transformers",
        "bert",
        ("safetensors",),
        ("MiniLM-embed", "e5-base-tuned", "bge-small-embed"),
        ("apache-2.0", "mit"),
        (22.7e6, 109.5e6, 33.4e6, 335.1e6),
    ),
    Archetype(
        0.09,
        "text-generation",
        "transformers",
        "gpt2",
        ("safetensors",),
        ("gpt2-small", "tiny-lm", "char-lm", "story-gen"),
        ("mit", "apache-2.0", None),
        (124.4e6, 6.9e6, 354.8e6, 774.0e6),
    ),
    Archetype(
        0.05,
        "token-classification",
        "transformers",
        "roberta",
        ("safetensors",),
        ("ner-tagger", "pos-tagger", "xlm-roberta-ner"),
        ("apache-2.0", "mit"),
        (108.9e6, 124.1e6, 277.5e6, 558.8e6),
    ),
    Archetype(
        0.08,
        "text-to-image",
        "diffusers",
        None,
        ("safetensors",),
        ("sd-dreambooth", "sdxl-style", "anime-diffusion", "flux-lora"),
        ("openrail", "creativeml-openrail-m", "other"),
        (859.5e6, 2.57e9, 3.47e9, 11.9e9),
    ),
    Archetype(
        0.05,
        "automatic-speech-recognition",
        "transformers",
        "whisper",
        ("safetensors",),
        ("whisper-small-ft", "wav2vec2-asr", "speech-to-text"),
        ("apache-2.0", "mit"),
        (241.7e6, 94.4e6, 763.9e6, 1.54e9),
    ),
    Archetype(
        0.05,
        "image-classification",
        "transformers",
        "vit",
        ("safetensors",),
        ("vit-base-finetuned", "convnext-cls", "resnet-50-tuned"),
        ("apache-2.0", None),
        (85.8e6, 28.6e6, 23.5e6, 304.3e6),
    ),
    Archetype(
        0.09,
        "reinforcement-learning",
        "stable-baselines3",
        None,
        (),
        ("ppo-LunarLander-v2", "dqn-SpaceInvaders", "a2c-PandaReach", "ppo-Huggy"),
        (None,),
    ),
    Archetype(
        0.03,
        "translation",
        "transformers",
        "marian",
        ("pytorch",),
        ("opus-mt-tuned", "t5-translate", "nllb-distilled"),
        ("apache-2.0", "cc-by-4.0"),
    ),
    Archetype(
        0.03,
        "summarization",
        "transformers",
        "t5",
        ("pytorch",),
        ("t5-small-summ", "bart-cnn-tuned", "pegasus-news"),
        ("apache-2.0", "mit"),
    ),
    Archetype(
        0.12,
        "text-generation",
        "transformers",
        "qwen2",
        ("safetensors",),
        ("tiny-chat", "sft-checkpoint", "pretrain-run", "grpo-trial"),
        ("apache-2.0", "mit", "other", None),
        (494.0e6, 1.54e9, 3.09e9, 7.62e9),
    ),
    Archetype(
        0.19,
        None,
        None,
        None,
        (),
        ("test-model", "my-awesome-model", "checkpoint", "model", "first-try"),
        (None, None, "mit"),
    ),
)


def archetype_parameters(name: str, u: float, sizes: Sequence[float]) -> int:
    """A parameter count from the size a name states (as `traits.parameters_for`: a known release's exact
    count, else the size within 3%), else one of `sizes`, within 3%."""
    known = traits.known_parameters(name)
    if known is not None:
        return known
    base = traits.size_in_name(name) or sizes[int(u * len(sizes)) % len(sizes)]
    return int(base * (0.97 + 0.06 * ((u * 97.0) % 1.0)))
