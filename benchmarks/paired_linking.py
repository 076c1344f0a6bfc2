"""Paired comparison of two prediction files of the same corpus: which mentions each gets right.

``xlink evaluate-linking ... -o A.jsonl`` and ``... -o B.jsonl`` on the same corpus give one line per
mention; this counts the mentions only A gets right at acc@1 (strict rule), only B, and the exact
two-sided sign test on those discordant mentions, plus how many documents the changes fall in
(errors cluster by document, so a gain spread over many documents is the sturdier one).

    python benchmarks/paired_linking.py generator.jsonl reranked.jsonl [--out result.json]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from scipy.stats import binomtest

from xlink.evaluation.linking import correct_at
from xlink.linker import read_predictions


def correct(path: Path) -> dict[str, tuple[str, bool]]:
    """mention id → (document id, right at acc@1 under the strict rule), for mentions with gold ids."""
    return {
        lm.mention.mention_id: (lm.mention.document_id, correct_at(lm.mention.gold, lm.predictions, 1, "strict"))
        for lm in read_predictions(path)
        if lm.mention.gold  # as evaluate_linking: mentions without gold are not scored
    }


def sign_test(a: int, b: int) -> float:
    """Exact two-sided sign test: a mentions only one side gets right, b only the other."""
    return float(binomtest(a, a + b, 0.5).pvalue) if a + b else 1.0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("a", type=Path)
    parser.add_argument("b", type=Path)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    a, b = correct(args.a), correct(args.b)
    if a.keys() != b.keys():
        raise SystemExit(f"{args.a} and {args.b} hold different mentions; run both on the same corpus")
    only_a = [m for m in a if a[m][1] and not b[m][1]]
    only_b = [m for m in a if b[m][1] and not a[m][1]]
    result = {
        "a": str(args.a), "b": str(args.b), "mentions": len(a),
        "acc1_a": round(100 * sum(r for _, r in a.values()) / len(a), 2),
        "acc1_b": round(100 * sum(r for _, r in b.values()) / len(b), 2),
        "only_a_right": len(only_a), "only_b_right": len(only_b),
        "sign_test_p": round(sign_test(len(only_a), len(only_b)), 5),
        "documents_only_a": len({a[m][0] for m in only_a}), "documents_only_b": len({a[m][0] for m in only_b}),
    }
    print(json.dumps(result, indent=1))
    if args.out:
        args.out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
