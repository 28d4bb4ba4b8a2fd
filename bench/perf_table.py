"""The README's table of search and index figures, written from `bench.scale_bench --json` output (never by hand).

    python -m bench.scale_bench --chunks 10000 --chunks 100000 --build-vectors random --json reports/scale_bench.json
    python -m bench.perf_table reports/scale_bench.json README.md    # rewrites the block between the markers

Every row comes from the JSON: the figure, its anchor measured in the same run where there is one, and whether the
issue-16 target is met. Without a README argument the table is printed.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

BEGIN = "<!-- scale table: written by `python -m bench.perf_table` from bench.scale_bench's JSON; do not edit -->"
END = "<!-- end of scale table -->"
TARGET_SIZE = "100000"  # the targets are set at 100k chunks


def met(ok: bool) -> str:
    return "met" if ok else "**not met**"


def size_label(size: str) -> str:
    return f"{int(size) // 1000}k"


def backend_rows(figures: dict[str, Any]) -> Iterator[str]:
    cold = figures["onnx_cold"]
    anchor = "—"
    if "torch_cold" in figures:
        torch = figures["torch_cold"]
        anchor = f"torch {torch['wall_s']:.2f} s; {torch['rss_mb']:,.0f} MB"
    yield f"| embedding model: fresh process to first vector; its RSS | ONNX {cold['wall_s']:.2f} s; {cold['rss_mb']:,.0f} MB | {anchor} | — |"
    one, every = figures["onnx_chunks_per_s_1"], figures["onnx_chunks_per_s_all"]
    yield f"| embedding the bench's chunks (documents), ONNX | {one:,.0f}/s on 1 thread, {every:,.0f}/s on all cores | — | — |"
    if "cosine_min" in figures:
        yield f"| vectors ONNX vs torch, 1,000 sentences | cosine min {figures['cosine_min']:.6f} | — | ≥ 1 - 1e-4: {met(figures['cosine_min'] >= 1 - 1e-4)} |"


def search_rows(size: str, figures: dict[str, Any]) -> Iterator[str]:
    e2e, embed, index = figures["end_to_end"], figures["embed"], figures["index"]
    target = f"p95 ≤ 15 ms: {met(e2e['p95_ms'] <= 15)}" if size == TARGET_SIZE else "—"
    anchor = "—"
    if "torch_end_to_end" in figures:
        anchor = f"torch p50 {figures['torch_end_to_end']['p50_ms']:.1f} ms"
    yield (
        f"| search at {size_label(size)} chunks end to end, one client, p50 / p95 (of which query embedding p50; "
        f"index p50) | {e2e['p50_ms']:.1f} / {e2e['p95_ms']:.1f} ms ({embed['p50_ms']:.1f}; {index['p50_ms']:.1f}) "
        f"| {anchor} | {target} |"
    )
    clients = figures["clients"]
    single = clients["1"]["per_s"]
    shown = "; ".join(f"{c}: {f['per_s']:,.0f}/s p95 {f['p95_ms']:.0f} ms" for c, f in clients.items())
    ratio = clients["16"]["per_s"] / single
    target = f"≥ 1.5x: {met(ratio >= 1.5)}; p95 < 100 ms: {met(clients['16']['p95_ms'] < 100)}"
    yield f"| concurrent clients at {size_label(size)} (threads) | {shown} | 1 client (16/1 = {ratio:.2f}x) | {target} |"


def sparse_rows(size: str, figures: dict[str, Any]) -> Iterator[str]:
    idf = figures.get("sparse_idf", {})
    if "kept_p50_ms" not in idf:  # a run from before kept statistics
        return
    yield (
        f"| sparse leg alone at {size_label(size)} chunks, IDF from kept per-community statistics, p50 / p95 | "
        f"{idf['kept_p50_ms']:.2f} / {idf['kept_p95_ms']:.2f} ms; the same top-10 scores in {idf['identical_top10']:.0%} of "
        f"queries | IDF counted per query by the engine: {idf['per_query_p50_ms']:.2f} / "
        f"{idf['per_query_p95_ms']:.2f} ms | — |"
    )


def build_rows(size: str, figures: dict[str, Any]) -> Iterator[str]:
    build = figures["build"]
    minutes = build["s"] / 60
    vectors = "random vectors: the index side" if build["vectors"] == "random" else "the ONNX model, all cores"
    anchor = "—"
    if "build_anchor" in figures:
        old = figures["build_anchor"]
        anchor = f"per-batch optimizer {old['s']:.0f} s, folder peak {old['peak_disk_mb']:,.0f} MB"
    target = "—"
    if size == TARGET_SIZE:
        target = f"< 5 min: {met(minutes < 5)}; < 1.5 GB: {met(build['rss_mb'] < 1536)}"
    yield (
        f"| rebuild {int(size):,} chunks ({vectors}) | {build['s']:.0f} s ({build['chunks'] / build['s']:,.0f} "
        f"chunks/s); peak RSS {build['rss_mb']:,.0f} MB; folder peak {build['peak_disk_mb']:,.0f} MB, "
        f"{build['final_disk_mb']:,.0f} MB at the end | {anchor} | {target} |"
    )


def serve_rows(size: str, figures: dict[str, Any]) -> Iterator[str]:
    serve = figures["serve"]
    target = "—"
    if size == TARGET_SIZE:
        target = f"< 3 s: {met(serve['first_search_s'] < 3)}; < 700 MB: {met(serve['peak_rss_mb'] < 700)}"
    yield (
        f"| `tacit serve` on {size_label(size)} chunks: process start to first answered search; peak RSS | "
        f"{serve['first_search_s']:.2f} s; {serve['peak_rss_mb']:,.0f} MB | — | {target} |"
    )


def live_rows(figures: dict[str, Any]) -> Iterator[str]:
    now, old = figures["now"], figures["anchor"]
    yield (
        f"| a server re-indexing guides one at a time ({now['writes']:,} writes): index folder after the build → "
        f"at the end | {now['built_mb']:,.0f} → {now['final_mb']:,.0f} MB ({now['ms_per_write']:.0f} ms a write) "
        f"| files kept until close: {old['built_mb']:,.0f} → {old['final_mb']:,.0f} MB | flat |"
    )


def rebuild_estimate(results: dict[str, Any]) -> Iterator[str]:
    """With random build vectors, the model's share is computed from its measured throughput: an estimate."""
    figures = results["sizes"].get(TARGET_SIZE)
    if figures is None or figures["build"]["vectors"] != "random":
        return
    build, rate = figures["build"], results["backends"]["onnx_chunks_per_s_all"]
    seconds = build["s"] + build["chunks"] / rate
    yield (
        f"| rebuild 100k chunks with the model (estimate: index side measured + chunks ÷ ONNX all-core rate) | "
        f"{seconds / 60:.1f} min | — | < 5 min: {met(seconds < 300)} |"
    )


def table(results: dict[str, Any]) -> str:
    lines = [
        f"`{results['command']}` ({results['date']}, {results['cores']} cores, load average "
        f"{results['load_before']:.1f} before and {results['load_after']:.1f} after):",
        "",
        "| what | now | anchor, same run | target |",
        "|---|---|---|---|",
        *backend_rows(results["backends"]),
    ]
    for size, figures in results["sizes"].items():
        lines += [*search_rows(size, figures), *sparse_rows(size, figures), *build_rows(size, figures)]
        lines += [*serve_rows(size, figures)]
    lines += [*rebuild_estimate(results), *live_rows(results["live"])]
    return "\n".join(lines)


def rewrite(readme: Path, block: str) -> None:
    text = readme.read_text()
    if BEGIN not in text or END not in text:
        raise SystemExit(f"{readme} has no {BEGIN!r} ... {END!r} block to rewrite")
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    readme.write_text(f"{head}{BEGIN}\n{block}\n{END}{tail}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("figures", type=Path, help="bench.scale_bench --json output")
    parser.add_argument("readme", type=Path, nargs="?", help="rewrite the marked block of this file")
    args = parser.parse_args(argv)
    block = table(json.loads(args.figures.read_text()))
    if args.readme:
        rewrite(args.readme, block)
    else:
        sys.stdout.write(block + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
