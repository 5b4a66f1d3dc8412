"""Speech feature extraction speed: emozoo-speech (cold and cached) against plain librosa / openSMILE loops, one run.

All 1,440 RAVDESS files, for log-mel and eGeMAPS. The reference is the plain loop a user would write: soundfile
read + ``librosa.feature.melspectrogram`` + dB (same settings), or ``opensmile.Smile.process_signal``, in this
process. The plugin runs ``emozoo_speech.cache.extract_files`` with ``--workers`` processes (one thread each)
into an empty cache (cold: read, resample check, extract, hash, write), then again (cached: hash, read the entry).
Targets: plugin cold files/s >= 1.0x the plain loop; cached run >= 20x faster than the cold one.

    OMP_NUM_THREADS=1 python benchmarks/speech_features_speed.py --data-dir ../shared/data/ravdess [--workers 2]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np


def _plain_logmel(paths: list[Path]) -> float:
    """Seconds for the plain librosa loop (same settings as LogMelConfig's defaults)."""
    import librosa
    import soundfile as sf

    start = time.perf_counter()
    for p in paths:
        y, sr = sf.read(str(p), dtype="float32")
        s = librosa.feature.melspectrogram(y=y, sr=sr, n_fft=400, win_length=400, hop_length=160, n_mels=64, pad_mode="constant")
        np.maximum(librosa.power_to_db(s, ref=1.0, amin=1e-8, top_db=None), -80.0).T.astype(np.float32)
    return time.perf_counter() - start


def _plain_egemaps(paths: list[Path]) -> float:
    """Seconds for the plain openSMILE loop."""
    import opensmile
    import soundfile as sf

    smile = opensmile.Smile(feature_set=opensmile.FeatureSet.eGeMAPSv02, feature_level=opensmile.FeatureLevel.Functionals)
    start = time.perf_counter()
    for p in paths:
        y, sr = sf.read(str(p), dtype="float32")
        smile.process_signal(y, sr).to_numpy()
    return time.perf_counter() - start


def _plugin(paths: list[Path], frontend, workers: int) -> tuple[float, float, dict, list]:
    """(cold seconds, cached seconds, stats of the cached run, cold features) through extract_files in a fresh cache."""
    from emozoo_speech.cache import extract_files

    with tempfile.TemporaryDirectory() as cache:
        os.environ["EMOZOO_CACHE"] = cache
        start = time.perf_counter()
        cold, _ = extract_files(paths, frontend, workers=workers)
        t_cold = time.perf_counter() - start
        stats: dict[str, int] = {}
        start = time.perf_counter()
        warm, _ = extract_files(paths, frontend, workers=1, stats=stats)
        t_warm = time.perf_counter() - start
        assert all(np.array_equal(a, b) for a, b in zip(cold, warm)), "cached features differ from the extracted ones"
    return t_cold, t_warm, stats, cold


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=str(Path(__file__).resolve().parents[2] / "shared" / "data" / "ravdess"))
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--limit", type=int, default=None, help="first N files only (smoke runs)")
    parser.add_argument("--out", default=str(Path(__file__).parent / "results" / "speech"))
    args = parser.parse_args()

    import librosa
    import opensmile
    import soundfile
    import soxr
    from emozoo_speech.corpus import ravdess_files
    from emozoo_speech.frontends import EGeMAPS, LogMel

    files, _, _ = ravdess_files(args.data_dir)
    paths = [f.path for f in files][: args.limit]
    n = len(paths)
    rows = {}
    for name, plain, frontend in (("logmel", _plain_logmel, LogMel()), ("egemaps", _plain_egemaps, EGeMAPS())):
        plain(paths[:5])  # warm imports / numba once, for both sides
        frontend(np.zeros(16000, np.float32), 16000)
        t_plain = plain(paths)
        t_cold, t_warm, stats, _ = _plugin(paths, frontend, args.workers)
        rows[name] = {
            "files": n, "plain_s": round(t_plain, 3), "plugin_cold_s": round(t_cold, 3), "plugin_cached_s": round(t_warm, 3),
            "plain_files_per_s": round(n / t_plain, 1), "plugin_cold_files_per_s": round(n / t_cold, 1),
            "plugin_cached_files_per_s": round(n / t_warm, 1),
            "cold_vs_plain": round(t_plain / t_cold, 2), "cached_speedup_vs_cold": round(t_cold / t_warm, 1),
            "cached_run_extractions": stats.get("misses", -1),
            "target_cold_vs_plain": 1.0, "target_cached_speedup": 20.0,
        }
        print(name, rows[name], flush=True)
    result = {
        "benchmark": "speech_features_speed", "data": str(Path(args.data_dir).name), "workers": args.workers,
        "machine": {"platform": platform.platform(), "python": sys.version.split()[0], "cpu_count": os.cpu_count(),
                    "omp_num_threads": os.environ.get("OMP_NUM_THREADS"), "processor": platform.processor() or platform.machine()},
        "versions": {"librosa": librosa.__version__, "opensmile": opensmile.__version__, "soundfile": soundfile.__version__,
                     "libsndfile": soundfile.__libsndfile_version__, "soxr": soxr.__version__, "numpy": np.__version__},
        "results": rows,
    }
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "features_speed.json").write_text(json.dumps(result, indent=2) + "\n")
    lines = [
        "# Speech feature extraction speed (emozoo-speech)", "",
        (f"{n} RAVDESS files (16 kHz FLAC); plugin = `extract_files` with {args.workers} worker processes, "
        f"OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS')}; plain = a single-process librosa / openSMILE loop in the same run. "
        f"Machine: {result['machine']['platform']}, {os.cpu_count()} CPUs (shared with other jobs while measured)."), "",
        "| front-end | plain files/s | plugin cold files/s | cold vs plain (target >= 1.0x) | plugin cached files/s | cached vs cold (target >= 20x) | extractions in cached run |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, r in rows.items():
        lines.append(f"| {name} | {r['plain_files_per_s']} | {r['plugin_cold_files_per_s']} | {r['cold_vs_plain']}x | "
                     f"{r['plugin_cached_files_per_s']} | {r['cached_speedup_vs_cold']}x | {r['cached_run_extractions']} |")
    lines += ["", "Versions: " + ", ".join(f"{k} {v}" for k, v in result["versions"].items()) + "."]
    (out / "features_speed.md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
