"""Language detection on the labelled set: per-language accuracy, abstention and wrong answers.

Runs ``bot.language.detect`` (the detector intake and reply drafts share) over every message in
``tests/fixtures/language/`` (one file per language; see its README) and prints, per file, how
many messages were named correctly, how many were left undecided (the draft then falls back on
the requester locale) and how many were confidently named as another language. With
``--threshold`` it sweeps lingua's confidence threshold instead. The figure to trust is the last
block, per language on the held-out files only (``holdout*``: written after the detector was
tuned, never used to tune it).

    python bench/language.py [--threshold 0.5 0.6 0.7 0.8 0.9]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot import language  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures" / "language"
# File stem → the language a message in it is written in (ru_translit: Russian in Latin letters).
EXPECTED: dict[str, str | None] = {
    "en": "en",
    "en_banking77": "en",
    "pt": "pt",
    "es": "es",
    "zh": "zh",
    "ru": "ru",
    "ru_translit": "ru",
    # Written after the threshold and the marker words were fixed, never tuned on.
    "holdout_en": "en",
    "holdout_pt": "pt",
    "holdout_es": "es",
    "holdout_zh": "zh",
    "holdout_ru": "ru",
    # Written after issue 24's fix (marker words shared by pt and es dropped, ties cancelled).
    "holdout2_en": "en",
    "holdout2_pt": "pt",
    "holdout2_es": "es",
    "holdout2_zh": "zh",
    "holdout2_ru": "ru",
}


def held_out(stem: str) -> bool:
    """Whether a file was written after the detector was tuned (the figure to trust)."""
    return stem.startswith("holdout")


def labelled() -> dict[str, list[str]]:
    """Every labelled file's messages, by file stem."""
    return {
        stem: [
            line.strip()
            for line in (FIXTURES / f"{stem}.txt").read_text(encoding="utf-8").splitlines()
            if line.strip()
        ]
        for stem in EXPECTED
    }


def measure() -> dict[str, tuple[int, int, int, int]]:
    """Per file: (messages, right, undecided, wrong)."""
    out = {}
    for stem, messages in labelled().items():
        want = EXPECTED[stem]
        right = undecided = wrong = 0
        for text in messages:
            got = language.detect(text).language
            if got == want:
                right += 1
            elif got is None:
                undecided += 1
            else:
                wrong += 1
        out[stem] = (len(messages), right, undecided, wrong)
    return out


def by_language(
    results: dict[str, tuple[int, int, int, int]], *, only_held_out: bool = False
) -> dict[str, tuple[int, int, int, int]]:
    """The per-file figures summed per language (held-out files only, if asked)."""
    totals: dict[str, list[int]] = {}
    for stem, figures in results.items():
        if only_held_out and not held_out(stem):
            continue
        lang = EXPECTED[stem] or "none"
        row = totals.setdefault(lang, [0, 0, 0, 0])
        for i, value in enumerate(figures):
            row[i] += value
    return {lang: (n, r, u, w) for lang, (n, r, u, w) in totals.items()}


def wrong_or_undecided() -> list[tuple[str, str, str | None, float]]:
    """The messages not named right, with the detector's guess and confidence."""
    misses = []
    for stem, messages in labelled().items():
        for text in messages:
            d = language.detect(text)
            if d.language != EXPECTED[stem]:
                misses.append((stem, text, d.language, d.confidence))
    return misses


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--threshold", type=float, nargs="*", help="sweep these thresholds")
    parser.add_argument("--weight", type=float, help="marker weight (default: the detector's)")
    parser.add_argument("--misses", action="store_true", help="list what was not named right")
    args = parser.parse_args()
    thresholds = args.threshold or [language.THRESHOLD]
    language.detect("warm up the models")
    if args.weight is not None:
        language.MARKER_WEIGHT = args.weight
    for threshold in thresholds:
        language.THRESHOLD = threshold
        started = time.perf_counter()
        results = measure()
        elapsed = time.perf_counter() - started
        total = sum(n for n, *_ in results.values())
        print(
            f"threshold {threshold:.2f} weight {language.MARKER_WEIGHT:.2f}  "
            f"({total} messages, {elapsed * 1000 / total:.2f} ms each)"
        )
        print(f"  {'set':<14}{'n':>4}{'right':>8}{'accuracy':>10}{'undecided':>11}{'wrong':>7}")
        for stem, (n, right, undecided, wrong) in results.items():
            print(f"  {stem:<14}{n:>4}{right:>8}{right / n:>10.1%}{undecided:>11}{wrong:>7}")
        for lang, (n, right, undecided, wrong) in by_language(results).items():
            print(
                f"  {'all ' + lang:<14}{n:>4}{right:>8}{right / n:>10.1%}{undecided:>11}{wrong:>7}"
            )
        print("  held-out lines only (never used to tune the detector):")
        held = by_language(results, only_held_out=True)
        for lang, (n, right, undecided, wrong) in held.items():
            print(
                f"  {'held ' + lang:<14}{n:>4}{right:>8}{right / n:>10.1%}{undecided:>11}{wrong:>7}"
            )
    if args.misses:
        for stem, text, got, confidence in wrong_or_undecided():
            print(f"  [{stem}] {text!r} -> {got} ({confidence:.2f})")


if __name__ == "__main__":
    main()
