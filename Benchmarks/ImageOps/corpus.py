"""Deterministic photo-like JPEG corpus for the ImageOps benchmark.

Each image is 2016x1344 (2.7 MP): smooth colour fields from low-frequency noise, plus fine grain, so
that JPEG sizes (~1.4 MB at quality 95) and decode costs resemble camera photos. Same seed, same bytes.
"""
import io
import os
import sys

import numpy as np
from PIL import Image

WIDTH, HEIGHT = 2016, 1344


def photo(seed: int) -> bytes:
    rng = np.random.default_rng(seed)
    channels = []
    for _ in range(3):
        coarse = rng.normal(128, 60, size=(HEIGHT // 96 + 2, WIDTH // 96 + 2))
        field = np.kron(coarse, np.ones((96, 96)))[:HEIGHT, :WIDTH]
        # Smooth the blocky upsampling with a separable box blur.
        kernel = np.ones(49) / 49
        field = np.apply_along_axis(lambda r: np.convolve(r, kernel, mode="same"), 1, field)
        field = np.apply_along_axis(lambda c: np.convolve(c, kernel, mode="same"), 0, field)
        channels.append(field)
    grain = rng.normal(0, 9, size=(HEIGHT, WIDTH, 1))
    pixels = np.clip(np.stack(channels, axis=-1) + grain, 0, 255).astype(np.uint8)
    out = io.BytesIO()
    Image.fromarray(pixels, "RGB").save(out, "JPEG", quality=95)
    return out.getvalue()


def main(directory: str, count: int) -> None:
    os.makedirs(directory, exist_ok=True)
    for i in range(count):
        path = os.path.join(directory, f"photo-{i:03d}.jpg")
        if not os.path.exists(path):
            with open(path, "wb") as f:
                f.write(photo(1000 + i))
    sizes = [os.path.getsize(os.path.join(directory, f)) for f in sorted(os.listdir(directory))]
    print(f"corpus: {len(sizes)} images, {WIDTH}x{HEIGHT}, mean {sum(sizes) / len(sizes) / 1e6:.2f} MB")


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 40)
