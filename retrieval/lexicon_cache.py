"""The word lists on disk as they are used, so a restart maps them instead of making them.

Making the lexicon's tables from their sources (the gzipped WordNet table, wordfreq's gzipped
msgpack list) costs about 0.2 s: decompressing, then 300,000 words sorted into lines. That
work depends only on the two source files, so its result is kept beside the index cache, one
file per pair of sources (their SHA-256s name it), and mapped on later starts. The file is
the index cache's kind (``retrieval.cache``): a header with its exact length and a CRC-32 of
its sections, checked once and then recorded by the sidecar stamp; a file that is cut short,
altered or unreadable is ignored and made again. Written to a temporary name and renamed, so
a crash leaves the old file or none.
"""

from __future__ import annotations

import hashlib
import json
import logging
import mmap
import os
import zlib
from pathlib import Path

from retrieval import cache
from retrieval.atomic import replacing

log = logging.getLogger(__name__)

FORMAT = 1
MAGIC = b"TALKSLEX"


def path_for(directory: Path, sources: list[bytes]) -> Path:
    digest = hashlib.sha256(str(FORMAT).encode())
    for data in sources:
        digest.update(hashlib.sha256(data).digest())
    return directory / f"lexicon-{digest.hexdigest()[:20]}.bin"


def layout(sections: dict[str, bytes]) -> tuple[bytes, dict[str, tuple[int, int]]]:
    """The sections one after another, each 8-byte aligned, and where each is (offset,
    length): the file's body, and what a lexicon made in memory reads the same way."""
    body = bytearray()
    places: dict[str, tuple[int, int]] = {}
    for name, data in sections.items():
        body += b"\0" * (-len(body) % 8)
        places[name] = (len(body), len(data))
        body += data
    return bytes(body), places


def save(path: Path, body: bytes, places: dict[str, tuple[int, int]]) -> None:
    """Write a ``layout`` and remove older lexicon files (best effort: a cache that cannot be
    written only costs the next start its making)."""
    crc = zlib.crc32(body)
    raw = json.dumps({"sections": places, "crc32": crc, "body_length": len(body)}).encode()
    head = MAGIC + len(raw).to_bytes(8, "little") + raw
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with replacing(path) as f:
            f.write(head + b"\0" * (-len(head) % 8) + body)
        cache.mark_checked(path, crc)
        for old in path.parent.glob("lexicon-*.bin"):
            if old != path:
                old.unlink(missing_ok=True)
                old.with_suffix(".ok").unlink(missing_ok=True)
    except OSError as exc:
        log.warning("cannot keep the word lists in %s (%s)", path.parent, exc)


def load(path: Path) -> tuple[mmap.mmap, dict[str, tuple[int, int]]] | None:
    """The file mapped read-only, and where each section is in it (offset, length); None when
    absent or not to be trusted."""
    if not path.exists():
        return None
    try:
        with open(path, "rb") as f:
            if f.read(len(MAGIC)) != MAGIC:
                raise ValueError("not a lexicon cache file (empty or cut short?)")
            length = int.from_bytes(f.read(8), "little")
            header = json.loads(f.read(length))
            body = len(MAGIC) + 8 + length
            body += -body % 8
            size = os.fstat(f.fileno()).st_size
            if size != body + header["body_length"]:
                raise ValueError(f"{size} bytes where {body + header['body_length']} were written")
            if not cache.is_marked_checked(path, header["crc32"]):
                if cache.crc_from(f, body) != header["crc32"]:
                    raise ValueError("checksum mismatch")
                cache.mark_checked(path, header["crc32"])
            mapped = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
        return mapped, {
            name: (body + offset, length) for name, (offset, length) in header["sections"].items()
        }
    except (OSError, ValueError, KeyError, TypeError, UnicodeDecodeError) as exc:
        log.warning("ignoring the word lists' cache %s (%s); making it again", path, exc)
        return None
