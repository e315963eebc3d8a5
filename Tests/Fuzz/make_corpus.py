"""Writes the fuzzers' seed inputs under Corpus/<target>/ (run once; the files are committed).
Each seed is a well-formed input of its target, so that the fuzzer starts inside the format."""
import io
import os
import struct

from PIL import Image

here = os.path.dirname(os.path.abspath(__file__))


def seed(target, name, data):
    folder = os.path.join(here, "Corpus", target)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, name), "wb") as out:
        out.write(data)


def frame(kind, flags, call, payload=b""):
    return struct.pack(">IBBI", len(payload), kind, flags, call) + payload


# frames: the first byte picks where the stream is cut in two.
seed("frames", "hello-headers-message", b"\x07" + frame(1, 0, 0, b"\x08\x01") + frame(2, 0, 1, b"\x0a\x03a/b")
     + frame(3, 1, 1, b"\x0a\x02hi") + frame(4, 0, 1))
seed("frames", "oversized", b"\x03" + struct.pack(">IBBI", 1 << 20, 3, 0, 5) + b"x" * 32)
seed("frames", "ping-cancel", b"\x00" + frame(6, 0, 0, b"12345678") + frame(5, 0, 9))

# multipart: the first byte picks the chunk size; the boundary is "fuzz-boundary".
body = (b"--fuzz-boundary\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.jpg\"\r\n"
        b"Content-Type: image/jpeg\r\n\r\n\xff\xd8\xff\xe0 bytes\r\n--fuzz-boundary\r\n"
        b"Content-Disposition: form-data; name=\"note\"\r\n\r\nhello\r\n--fuzz-boundary--\r\n")
seed("multipart", "two-parts", b"\x07" + body)
seed("multipart", "one-byte-chunks", b"\x00" + body)

# range: 8 bytes of size, then the header.
size = struct.pack(">Q", 1000)
for name, header in [("first", b"bytes=0-99"), ("suffix", b"bytes=-100"), ("open", b"bytes=900-"),
                     ("several", b"bytes=0-1,5-9"), ("past", b"bytes=2000-3000")]:
    seed("range", name, size + header)


def picture(kind, **options):
    image = Image.new("RGB", (7, 5), (200, 30, 90))
    buffer = io.BytesIO()
    image.save(buffer, kind, **options)
    return buffer.getvalue()


pictures = {"png": picture("PNG"), "jpeg": picture("JPEG", quality=80), "gif": picture("GIF"),
            "webp": picture("WEBP", quality=80), "tiff": picture("TIFF"), "bmp": picture("BMP")}
for kind, data in pictures.items():
    seed("sniffer", kind, data[:256])
    seed("image-headers", kind, data)
seed("sniffer", "svg", b"<?xml version=\"1.0\"?><svg xmlns=\"http://www.w3.org/2000/svg\"/>")
seed("sniffer", "html", b"<!DOCTYPE html><html><body>hi</body></html>")

for name, text in [("plain", "photo.jpg"), ("traversal", "../../etc/passwd"), ("windows", "C:\\Users\\me\\a b.png"),
                   ("repeats", "a.png\na.png\nA.png\n.png"), ("bidi", "evil\u202egnp.exe"), ("dots", ".\n..\n...")]:
    seed("names", name, text.encode())
