"""`tacit eval terse` with an LLM configured: the judge is what gets measured (LLM mocked at the HTTP edge)."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import respx
from typer.testing import CliRunner

from cli.evals import app
from tests.e2e.test_loop_llm import completion
from tests.unit.test_eval_terse import ROWS

BASE = "http://llm.test/v1"
# By answer: a1 terse (confident), a3 terse (hesitant), a4 complete. a2 is too short to be eligible: never sent.
VERDICTS = {
    "Use an index.": {"terse": "yes", "gaps": ["rationale", "steps"], "confidence": "high"},
    "It depends on the load": {"terse": "yes", "gaps": ["conditions"], "confidence": "low"},
    "word word word": {"terse": "no", "gaps": [], "confidence": "high"},
}


def judge(request: httpx.Request) -> httpx.Response:
    prompt = json.loads(request.content)["messages"][-1]["content"]
    answer = prompt.split("<answer>", 1)[1]
    return completion(next(v for text, v in VERDICTS.items() if text in answer))


def test_eval_terse_measures_the_llm_judge(tmp_path: Path) -> None:
    data = tmp_path / "answers.jsonl"
    data.write_text("\n".join(json.dumps(r) for r in ROWS) + "\n", encoding="utf-8")
    env = {
        "OPENAI_BASE_URL": BASE,
        "TACIT_LLM_MODEL": "test-model",
        "TACIT_LLM_JUDGE_SCREEN": "0",
        "TACIT_LLM_MAX_RETRIES": "0",
        "TACIT_DATA_DIR": str(tmp_path / "data"),
    }
    with respx.mock(assert_all_called=True) as mock:
        route = mock.post(f"{BASE}/chat/completions").mock(side_effect=judge)
        result = CliRunner().invoke(app, ["terse", "--data", str(data), "--json"], env=env)
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output.strip().splitlines()[-1])["tacit"]
    assert route.call_count == 3
    # Predicted terse: a1, a3; gold: a1, a2 -> 1 TP, 1 FP, 1 FN. High confidence a1, a3, a4: predicted a1, a3.
    assert (figures["precision"], figures["recall"], figures["f1"]) == (0.5, 0.5, 0.5)
    assert figures["f1_high_confidence"] == round(2 / 3, 4)
    # a1's first gap is its labelled main gap; a2 (never judged) has none.
    assert figures["main_gap_accuracy"] == 0.5
    assert "LLM judge: 3 calls for 4 answers" in result.output
