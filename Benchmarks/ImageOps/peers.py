"""ImageOps benchmark: resize to fit 512x512 at JPEG quality 80, two workers each, same corpus.

Contenders, all in this run on this machine:
  imageswiss  the ImageOps service over RPC (2 concurrent calls, 2 workers), via ImageOpsBenchmarkClient
  pillow      Pillow: draft (JPEG DCT scaling) + thumbnail with LANCZOS, 2 processes
  pyvips      pyvips thumbnail_buffer (shrink-on-load + lanczos3), 2 threads, VIPS_CONCURRENCY=1
  vipsthumbnail  the libvips CLI, 2 processes over halves of the corpus
  imagemagick mogrify -define jpeg:size (DCT scaling) -filter Lanczos -resize, 2 processes, 1 thread each

Quality: each output's PSNR against a reference made without shortcuts (full decode, Lanczos3 resize in
libvips, to the same size), printed beside the speed.

usage: peers.py CORPUS_DIR OUT_DIR CLIENT_BINARY PORT
"""
import concurrent.futures
import io
import math
import multiprocessing
import os
import statistics
import subprocess
import sys
import time

import numpy as np
from PIL import Image

BOX = 512
QUALITY = 80


def pillow_one(args):
    src, dst = args
    with Image.open(src) as im:
        im.draft("RGB", (BOX, BOX))
        im.thumbnail((BOX, BOX), Image.LANCZOS)
        im.save(dst, "JPEG", quality=QUALITY)


def run_pillow(files, out):
    with multiprocessing.get_context("fork").Pool(2) as pool:
        # One image per task: map's default chunks (10 images here) leave one process idle at the end.
        pool.map(pillow_one, [(f, os.path.join(out, os.path.basename(f))) for f in files], chunksize=1)


def run_pyvips(files, out):
    import pyvips

    def one(src):
        image = pyvips.Image.thumbnail(src, BOX, height=BOX)
        image.jpegsave(os.path.join(out, os.path.basename(src)), Q=QUALITY, strip=True)

    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        list(pool.map(one, files))


def halves(files):
    return [files[0::2], files[1::2]]


def run_vipsthumbnail(files, out):
    env = dict(os.environ, VIPS_CONCURRENCY="1")
    procs = [subprocess.Popen(["vipsthumbnail", "--size", f"{BOX}x{BOX}", "-o", os.path.join(out, f"%s.jpg[Q={QUALITY},strip]")] + half, env=env)
             for half in halves(files)]
    for p in procs:
        assert p.wait() == 0


def run_imagemagick(files, out):
    env = dict(os.environ, MAGICK_THREAD_LIMIT="1", OMP_NUM_THREADS="1")
    args = ["mogrify", "-path", out, "-define", f"jpeg:size={BOX * 2}x{BOX * 2}", "-filter", "Lanczos",
            "-resize", f"{BOX}x{BOX}", "-quality", str(QUALITY), "-strip"]
    procs = [subprocess.Popen(args + half, env=env) for half in halves(files)]
    for p in procs:
        assert p.wait() == 0


def reference(src, size):
    import pyvips
    image = pyvips.Image.new_from_file(src, access="sequential")
    image = image.resize(size[0] / image.width, vscale=size[1] / image.height, kernel="lanczos3")
    return np.ndarray(buffer=image.write_to_memory(), dtype=np.uint8, shape=[image.height, image.width, image.bands])


def psnr(files, out):
    values = []
    for src in files:
        with Image.open(os.path.join(out, os.path.basename(src))) as im:
            got = np.asarray(im.convert("RGB"), dtype=np.float64)
        ref = reference(src, (got.shape[1], got.shape[0])).astype(np.float64)
        h, w = min(got.shape[0], ref.shape[0]), min(got.shape[1], ref.shape[1])
        mse = np.mean((got[:h, :w] - ref[:h, :w]) ** 2)
        values.append(99.0 if mse == 0 else 10 * math.log10(255 ** 2 / mse))
    return sum(values) / len(values)


def run_round(files, corpus, out_root, client, port):
    """One round: every contender once, in the same order; images/s by contender."""
    results = {}

    def timed(name, runner):
        out = os.path.join(out_root, name)
        os.makedirs(out, exist_ok=True)
        runner(files[:2], out)  # warm up: page cache, imports, libraries
        start = time.perf_counter()
        runner(files, out)
        results[name] = len(files) / (time.perf_counter() - start)

    # Ours: the client reports its own timing (connections set up and warmed before the clock starts).
    out = os.path.join(out_root, "imageswiss")
    line = subprocess.run([client, str(port), corpus, out, "2"], check=True, capture_output=True, text=True).stdout
    fields = dict(item.split("=") for item in line.split())
    results["imageswiss"] = int(fields["images"]) / float(fields["seconds"])
    timed("pillow", run_pillow)
    timed("pyvips", run_pyvips)
    timed("vipsthumbnail", run_vipsthumbnail)
    timed("imagemagick", run_imagemagick)
    return results


def print_table(title, results, files, out_root):
    ours = results["imageswiss"]
    print(title)
    print(f"{'contender':<15}{'images/s':>10}{'imageswiss / it':>18}{'PSNR dB':>10}")
    for name, rate in sorted(results.items(), key=lambda kv: -kv[1]):
        print(f"{name:<15}{rate:>10.1f}{ours / rate:>17.2f}x{psnr(files, os.path.join(out_root, name)):>10.2f}")


def main(corpus, out_root, client, port):
    files = sorted(os.path.join(corpus, f) for f in os.listdir(corpus) if f.endswith(".jpg"))
    # ROUNDS > 1 repeats every contender that many times (this VM's speed drifts by ±15 % within
    # minutes) and ends with the median of each contender's rates and of the ratios.
    rounds = int(os.environ.get("ROUNDS", "1"))
    print(f"corpus: {len(files)} JPEGs, {os.path.getsize(files[0]) / 1e6:.2f} MB first; resize to fit {BOX}x{BOX}, JPEG Q{QUALITY}, 2 workers each")
    all_results = []
    for number in range(1, rounds + 1):
        results = run_round(files, corpus, out_root, client, port)
        all_results.append(results)
        print_table(f"round {number}" if rounds > 1 else "", results, files, out_root)
    if rounds > 1:
        median = {name: statistics.median(r[name] for r in all_results) for name in all_results[0]}
        print_table(f"median of {rounds} rounds", median, files, out_root)
        for name in median:
            if name != "imageswiss":
                ratios = sorted(r["imageswiss"] / r[name] for r in all_results)
                print(f"imageswiss / {name} by round: " + " ".join(f"{x:.2f}x" for x in ratios)
                      + f"  (median {statistics.median(ratios):.2f}x, ahead in {sum(x > 1 for x in ratios)} of {rounds})")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]))
