"""A cross-encoder candidate (issue 13): MiniLM's top layers and a head fine-tuned on one community, measured on another.

The bundled all-MiniLM-L6-v2 reads the question's tail and the answer together (a pair, at most MAX_TOKENS
tokens); its lower layers stay frozen (their outputs are computed once), its top TOP_LAYERS layers and a linear
head over mean pooling are trained with balanced binary cross-entropy for a fixed EPOCHS (chosen before measuring;
no early stopping on the measured community). The rank cut (evals.candidates) is the F1-best share on a fifth of
the training community held out from training. Figures as in evals.candidates, both directions.

Needs torch (an experiment, not the serving path) and minutes of CPU:
    python -m evals.cross_encoder --data ../shared/data/answers_irc.jsonl --data ../shared/data/answers.jsonl
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from evals import candidates
from evals.candidates import FIGURES, Community, read_community

TOP_LAYERS = 2
EPOCHS = 3
LEARNING_RATE = 5e-5
MAX_TOKENS = 160
BATCH = 16
HELD_OUT = 0.2  # of the training community, to choose the rank cut


def pair_texts(c: Community) -> tuple[list[str], list[str]]:
    questions = [f"{r.thread.title}\n{r.thread.messages[0].text[-candidates.QUESTION_CHARS :]}".strip() for r in c.rows]
    return questions, [r.answer.text for r in c.rows]


class CrossEncoder:
    """The frozen lower layers run once per text; the top layers and head are trained on their outputs."""

    def __init__(self, seed: int = 0) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        import torch
        from transformers import AutoModel, AutoTokenizer

        from retrieval.embedder import bundled_model_path

        torch.manual_seed(seed)
        path = str(bundled_model_path())
        self.torch = torch
        self.tokenizer = AutoTokenizer.from_pretrained(path)
        self.encoder = AutoModel.from_pretrained(path, attn_implementation="eager").eval()
        self.frozen = len(self.encoder.encoder.layer) - TOP_LAYERS
        self.layers = torch.nn.ModuleList(self.encoder.encoder.layer[self.frozen :])
        self.head = torch.nn.Linear(self.encoder.config.hidden_size, 1)

    def lower(self, questions: Sequence[str], answers: Sequence[str]) -> list[Any]:
        """Each pair's hidden states after the frozen layers, without padding."""
        out = []
        with self.torch.no_grad():
            for s in range(0, len(questions), 32):
                batch = self.tokenizer(
                    list(questions[s : s + 32]),
                    list(answers[s : s + 32]),
                    truncation="longest_first",
                    max_length=MAX_TOKENS,
                    padding=True,
                    return_tensors="pt",
                )
                hidden = self.encoder(**batch, output_hidden_states=True).hidden_states[self.frozen]
                lengths = batch["attention_mask"].sum(dim=1).tolist()
                out += [hidden[i, : int(n)].clone() for i, n in enumerate(lengths)]
        return out

    def logits(self, states: Sequence[Any]) -> Any:
        torch = self.torch
        longest = max(int(h.shape[0]) for h in states)
        x = torch.zeros(len(states), longest, states[0].shape[1])
        mask = torch.zeros(len(states), longest)
        for i, h in enumerate(states):
            x[i, : h.shape[0]], mask[i, : h.shape[0]] = h, 1.0
        additive = (1.0 - mask)[:, None, None, :] * -1e9
        for layer in self.layers:
            x = layer(x, additive)
            x = x[0] if isinstance(x, tuple) else x
        weights = mask.unsqueeze(-1)
        return self.head((x * weights).sum(dim=1) / weights.sum(dim=1)).squeeze(-1)

    def fit(self, states: Sequence[Any], gold: Sequence[bool]) -> None:
        torch = self.torch
        y = torch.tensor([float(g) for g in gold])
        positive = float(y.mean())
        weights = torch.where(y > 0, 0.5 / positive, 0.5 / (1 - positive))
        optimiser = torch.optim.AdamW([*self.layers.parameters(), *self.head.parameters()], lr=LEARNING_RATE)
        self.layers.train()
        for _ in range(EPOCHS):
            order = torch.randperm(len(y)).tolist()
            for s in range(0, len(order), BATCH):
                picked = order[s : s + BATCH]
                loss = torch.nn.functional.binary_cross_entropy_with_logits(
                    self.logits([states[i] for i in picked]), y[picked], weight=weights[picked]
                )
                optimiser.zero_grad()
                loss.backward()
                optimiser.step()
        self.layers.eval()

    def scores(self, states: Sequence[Any]) -> np.ndarray:
        with self.torch.no_grad():
            return np.concatenate([self.logits(states[s : s + 32]).numpy() for s in range(0, len(states), 32)])


def direction(
    model: CrossEncoder, train: Community, states: list[Any], target: Community, target_states: list[Any]
) -> candidates.Measured:
    """Fine-tune on most of `train` (its eligible answers), choose the cut on the rest, measure on `target`."""
    rng = np.random.default_rng(0)
    held = set(rng.choice(len(train.items), round(HELD_OUT * len(train.items)), replace=False).tolist())
    fit = [n for n in range(len(train.items)) if n not in held and train.items[n].eligible]
    model.fit([states[n] for n in fit], [train.items[n].terse for n in fit])
    kept = sorted(held)
    held_scores = candidates.with_rules(model.scores([states[n] for n in kept]), [train.items[n] for n in kept])
    share = candidates.best_share(held_scores, [train.items[n] for n in kept])
    return candidates.measure(model.scores(target_states), target, share)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, action="append", required=True, help="two answers files (repeat)")
    args = parser.parse_args(argv)
    if len(args.data) != 2:
        parser.error("give exactly two --data files: each is measured with a model trained on the other")
    a, b = (read_community(path) for path in args.data)
    started = time.perf_counter()
    # The frozen layers' outputs are the same for both directions: computed once per community.
    frozen = CrossEncoder()
    states = {c.name: frozen.lower(*pair_texts(c)) for c in (a, b)}
    both = [
        direction(CrossEncoder(), a, states[a.name], b, states[b.name]),
        direction(CrossEncoder(), b, states[b.name], a, states[a.name]),
    ]
    shipped = [candidates.shipped(rank=False)(a, b), candidates.shipped(rank=False)(b, a)]
    cells = " | ".join(f"{figures[f]:.3f}" for figures, _ in both for f in FIGURES)
    gains = " | ".join(
        "{:+.3f} [{:+.3f}, {:+.3f}]".format(*candidates.auc_gain(ranked, reference, target.gold))
        for (_, ranked), (_, reference), target in zip(both, shipped, (b, a), strict=True)
    )
    print(f"| cross-encoder (top {TOP_LAYERS} layers, {EPOCHS} epochs) | {cells} | {gains} |")
    print(f"measured on {b.name} then {a.name}; {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
