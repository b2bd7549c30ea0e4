"""Benchmark the dictation recognizer against a direct faster-whisper call.

Synthesizes Swedish and English speech with espeak-ng, once as continuous speech and once
as dictation with 3-6 s pauses between sentences, then times our pipeline (probe, decode,
silence check, VAD) and faster-whisper's WhisperModel.transcribe(word_timestamps=True,
vad_filter=False) on the same files and prints real-time factors, ratios and WER.

    .venv/bin/python benchmarks/speech.py [--repeats 3] [--languages sv en]
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import random
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

os.environ["HF_HUB_OFFLINE"] = "1"
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

import ctranslate2

from kulisser.config import Settings
from kulisser.dictation.jobs import recognizer_settings
from kulisser.speech import Recognizer, model_dir
from kulisser.speech.synth import dictation, write_wav
from kulisser.speech.wer import word_errors

SENTENCES = {
    "sv": [
        "Patienten söker på grund av tilltagande andfåddhet och trötthet sedan några veckor.",
        "Han har tidigare behandlats för högt blodtryck och har en känd hjärtsvikt.",
        "Vid undersökningen är patienten opåverkad och andas lugnt i vila.",
        "Hjärtljuden är regelbundna utan blåsljud och lungorna är fria på båda sidor.",
        "Buken är mjuk och oöm och det finns inga förstorade lymfkörtlar.",
        "Blodproverna visar ett lätt sänkt blodvärde men i övrigt normala värden.",
        "Vi har beställt en ultraljudsundersökning av hjärtat och en lungröntgen.",
        "Patienten får fortsätta med sina ordinarie läkemedel tills vidare.",
        "Dosen av vätskedrivande läkemedel höjs något under den närmaste tiden.",
        "Han informeras om att söka akut vid försämring eller bröstsmärta.",
        "Återbesök planeras på mottagningen om ungefär en månad med nya prover.",
        "Remiss skickas till fysioterapeut för konditionsträning och råd om motion.",
        "Epikris skickas till vårdcentralen för kännedom och fortsatt uppföljning.",
    ],
    "en": [
        "The patient presents with increasing shortness of breath and fatigue "
        "over the last few weeks.",
        "He has previously been treated for high blood pressure and has known heart failure.",
        "On examination the patient is comfortable and breathing calmly at rest.",
        "Heart sounds are regular without murmurs and the lungs are clear on both sides.",
        "The abdomen is soft and non tender and there are no enlarged lymph nodes.",
        "Blood tests show a slightly low hemoglobin but otherwise normal values.",
        "We have ordered an ultrasound of the heart and a chest x-ray.",
        "The patient will continue with his regular medication for now.",
        "The dose of the diuretic is increased slightly for the coming weeks.",
        "He is advised to seek emergency care if he gets worse or has chest pain.",
        "A follow-up visit is planned at the clinic in about a month with new blood tests.",
        "A referral is sent to a physiotherapist for exercise training and advice.",
        "A copy is sent to his family doctor for information and further follow-up.",
    ],
}


@dataclasses.dataclass
class Case:
    """One synthesized file and what was said in it."""

    name: str
    language: str
    path: Path
    duration: float
    reference: str


def make_cases(*, languages: list[str], workdir: Path, seed: int) -> list[Case]:
    """Write a continuous and a dictation-like file for each language."""
    cases = []
    rng = random.Random(seed)
    for language in languages:
        sentences = SENTENCES[language]
        pauses = {
            "continuous": [0.4] * (len(sentences) - 1),
            "dictation": [rng.uniform(3.0, 6.0) for _ in sentences[1:]],
        }
        for style, gaps in pauses.items():
            audio, rate = dictation(sentences=sentences, voice=language, gaps_s=gaps, seed=seed)
            path = workdir / f"{language}-{style}.wav"
            write_wav(path, audio, rate=rate)
            cases.append(Case(f"{language}-{style}", language, path, len(audio) / rate,
                              " ".join(sentences)))
    return cases


@dataclasses.dataclass
class Timing:
    """The fastest wall and CPU seconds seen over the repeats, and the transcript."""

    wall: float = float("inf")
    cpu: float = float("inf")
    text: str = ""


def timed(runs: dict[str, Callable[[], str]], repeats: int) -> dict[str, Timing]:
    """Time repeats runs of each callable, interleaved; keep the fastest of each."""
    # Interleaving and taking the minimum keep a busy shared machine from favouring
    # whichever side happened to run in a quiet moment; CPU seconds (all threads) are
    # printed too because they suffer less from other processes than wall time does.
    best = {name: Timing() for name in runs}
    for _ in range(repeats):
        for name, run in runs.items():
            # Whisper's temperature fallback samples; the same seed for both keeps the
            # comparison about the pipeline, not about luck.
            ctranslate2.set_random_seed(0)
            wall, cpu = time.perf_counter(), time.process_time()
            text = run()
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            got = best[name]
            best[name] = Timing(wall=min(wall, got.wall), cpu=min(cpu, got.cpu), text=text)
    return best


def main() -> None:
    """Run the benchmark and print a table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--languages", nargs="+", default=["sv", "en"], choices=SENTENCES)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--beam-size", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--show-text", action="store_true", help="print both transcripts")
    parser.add_argument("--data-dir", type=Path, default=Path(os.environ.get(
        "KULISSER_DATA_DIR", Path(tempfile.gettempdir()) / "kulisser-speech-bench")))
    args = parser.parse_args()

    # The KULISSER_SPEECH_* settings apply here too (a KB-Whisper model path, say).
    settings = dataclasses.replace(recognizer_settings(Settings(mode="test")), cpu_threads=args.threads,
                                   beam_size=args.beam_size, data_dir=args.data_dir)
    path = model_dir(settings)
    ours = Recognizer(settings=settings)
    ours.load()
    from faster_whisper import WhisperModel

    direct = WhisperModel(str(path), device="cpu", compute_type=settings.compute_type,
                          cpu_threads=args.threads, local_files_only=True)

    with tempfile.TemporaryDirectory() as tmp:
        cases = make_cases(languages=args.languages, workdir=Path(tmp), seed=args.seed)
        # One untimed run each, so that neither side pays first-call costs in the figures.
        ours.transcribe(cases[0].path, language=cases[0].language)
        list(direct.transcribe(str(cases[0].path), language=cases[0].language,
                               word_timestamps=True)[0])
        print(f"model {path.name} ({settings.compute_type}), {args.threads} threads, "
              f"beam {args.beam_size}, best of {args.repeats}, cpus {os.cpu_count()}, "
              f"load average {os.getloadavg()[0]:.1f}")
        # RTF: wall seconds per audio second; speedup: direct / ours, in wall and CPU time.
        header = f"{'file':<15}{'audio':>6}{'RTF direct':>11}{'RTF ours':>9}" \
                 f"{'ours/direct':>12}{'speedup':>8}{'cpu x':>8}{'WER direct':>11}{'WER ours':>9}"
        print(header)
        for case in cases:
            def run_direct(case: Case = case) -> str:
                segments, _ = direct.transcribe(str(case.path), language=case.language,
                                                beam_size=args.beam_size, word_timestamps=True)
                return " ".join(segment.text for segment in segments)

            def run_ours(case: Case = case) -> str:
                return ours.transcribe(case.path, language=case.language).text

            best = timed({"direct": run_direct, "ours": run_ours}, args.repeats)
            direct_t, ours_t = best["direct"], best["ours"]
            wer_direct = word_errors(reference=case.reference, hypothesis=direct_t.text).wer
            wer_ours = word_errors(reference=case.reference, hypothesis=ours_t.text).wer
            print(f"{case.name:<15}{case.duration:>6.1f}{direct_t.wall / case.duration:>11.3f}"
                  f"{ours_t.wall / case.duration:>9.3f}{ours_t.wall / direct_t.wall:>12.2f}"
                  f"{direct_t.wall / ours_t.wall:>8.2f}{direct_t.cpu / ours_t.cpu:>8.2f}"
                  f"{wer_direct:>11.1%}{wer_ours:>9.1%}", flush=True)
            if args.show_text:
                print(f"  direct: {direct_t.text.strip()}\n  ours:   {ours_t.text}", flush=True)
    print(f"load average at the end {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
