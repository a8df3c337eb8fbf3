"""The GGUF byte layout: type tables, a bounds-checked reader, one header parse.

Apart from gguf.py (what the app asks: read_header with its cache, check_compatible) so
each stays small; every count and length is checked against the file size before it is
trusted, so a corrupt or cut-off header fails in one line instead of looping or OOMing.
"""

from __future__ import annotations

import struct
from dataclasses import asdict, dataclass, field
from pathlib import Path

from neuro_tui.errors import MissingError

MAGIC = b"GGUF"
# ggml_type id -> (name, elements per block, bytes per block). Upstream ggml.h numbering;
# 36 is bitnet.cpp's I2_S (its size is n/4 + 32: a 2-bit code per weight plus one scale).
GGML_TYPES: dict[int, tuple[str, int, int]] = {
    0: ("F32", 1, 4), 1: ("F16", 1, 2), 2: ("Q4_0", 32, 18), 3: ("Q4_1", 32, 20),
    6: ("Q5_0", 32, 22), 7: ("Q5_1", 32, 24), 8: ("Q8_0", 32, 34), 9: ("Q8_1", 32, 36),
    10: ("Q2_K", 256, 84), 11: ("Q3_K", 256, 110), 12: ("Q4_K", 256, 144),
    13: ("Q5_K", 256, 176), 14: ("Q6_K", 256, 210), 15: ("Q8_K", 256, 292),
    16: ("IQ2_XXS", 256, 66), 17: ("IQ2_XS", 256, 74), 18: ("IQ3_XXS", 256, 98),
    19: ("IQ1_S", 256, 50), 20: ("IQ4_NL", 32, 18), 21: ("IQ3_S", 256, 110),
    22: ("IQ2_S", 256, 82), 23: ("IQ4_XS", 256, 136), 24: ("I8", 1, 1), 25: ("I16", 1, 2),
    26: ("I32", 1, 4), 27: ("I64", 1, 8), 28: ("F64", 1, 8), 29: ("IQ1_M", 256, 56),
    30: ("BF16", 1, 2), 34: ("TQ1_0", 256, 54), 35: ("TQ2_0", 256, 66), 39: ("MXFP4", 32, 17),
}
I2_S = 36
# Architectures only bitnet.cpp's fork registers (upstream calls its port "bitnet").
BITNET_ARCHES = {"bitnet-b1.58"}
FILE_TYPES = {0: "F32", 1: "F16", 2: "Q4_0", 3: "Q4_1", 7: "Q8_0", 8: "Q5_0", 9: "Q5_1",
              10: "Q2_K", 15: "Q4_K_M", 17: "Q5_K_M", 18: "Q6_K", 32: "BF16", 36: "TQ1_0",
              37: "TQ2_0", 38: "TL1 (bitnet.cpp)", 39: "TL2 (bitnet.cpp)", 40: "I2_S (bitnet.cpp)"}
_SCALARS = {0: "<B", 1: "<b", 2: "<H", 3: "<h", 4: "<I", 5: "<i", 6: "<f", 7: "<?", 10: "<Q",
            11: "<q", 12: "<d"}
_STRING, _ARRAY = 8, 9
_U64 = struct.Struct("<Q").unpack_from


class GGUFError(MissingError):
    """The file is not a usable GGUF (not one at all, truncated, or wrong for the runtime)."""


@dataclass(frozen=True)
class GGUFInfo:
    path: str
    size: int
    version: int
    architecture: str
    name: str | None
    file_type: str | None
    tensor_types: dict[str, int] = field(default_factory=dict)  # type name -> tensor count
    context_length: int | None = None
    vocab_size: int | None = None
    chat_template: bool = False
    tensor_count: int = 0

    @property
    def needs_bitnet_cpp(self) -> bool:
        upstream = {name for name, _, _ in GGML_TYPES.values()}
        return self.architecture in BITNET_ARCHES or any(
            t not in upstream for t in self.tensor_types)

    def as_json(self) -> dict:
        return {**asdict(self), "needs_bitnet_cpp": self.needs_bitnet_cpp}


class _Reader:
    def __init__(self, handle, path: Path, size: int):
        self.handle, self.path, self.size = handle, path, size

    def need(self, n: int) -> None:
        """Fail fast on counts/lengths past the end, so a corrupt header cannot loop or OOM."""
        if n > self.size - self.handle.tell():
            raise GGUFError(f"{self.path.name}: truncated GGUF (the header ends early; "
                            "an interrupted download? download it again)")

    def take(self, n: int) -> bytes:
        self.need(n)
        return self.handle.read(n)

    def scalar(self, kind: int):
        fmt = _SCALARS[kind]
        return struct.unpack(fmt, self.take(struct.calcsize(fmt)))[0]

    def string(self) -> str:
        return self.take(self.scalar(10)).decode("utf-8", errors="replace")

    def skip_strings(self, count: int) -> None:
        """Step over `count` length-prefixed strings in 1 MiB reads: a read and a seek per
        string was most of a header's time (SmolLM2's 49k tokens: 80 ms -> 15 ms)."""
        base, buf, pos = self.handle.tell(), b"", 0
        for _ in range(count):
            if pos + 8 > len(buf):
                base += pos
                self.handle.seek(min(base, self.size))
                buf, pos = self.handle.read(1 << 20), 0
                if len(buf) < 8:
                    pos = self.size  # the strings run past the end
                    break
            pos += 8 + _U64(buf, pos)[0]
        if base + pos > self.size:
            self.need(self.size + 1)  # always raises: the strings run past the end
        self.handle.seek(base + pos)

    def value(self, kind: int):
        """A value; arrays come back as their length only, except what we need (tokens)."""
        if kind == _STRING:
            return self.string()
        if kind == _ARRAY:
            item, count = self.scalar(4), self.scalar(10)
            self.need(count * (8 if item == _STRING else 1))
            if item == _STRING:
                self.skip_strings(count)
            elif item in _SCALARS:
                self.need(count * struct.calcsize(_SCALARS[item]))
                self.handle.seek(count * struct.calcsize(_SCALARS[item]), 1)
            else:
                for _ in range(count):
                    self.value(item)
            return count
        if kind not in _SCALARS:
            raise GGUFError(f"{self.path.name}: corrupt GGUF (unknown value type {kind})")
        return self.scalar(kind)


def _tensor_bytes(type_id: int, dims: list[int]) -> int:
    elements = 1
    for d in dims:
        elements *= d
    if type_id == I2_S:
        return elements // 4 + 32
    if type_id in GGML_TYPES:
        _, block, size = GGML_TYPES[type_id]
        return elements // block * size
    return 0  # unknown type: only its offset is checked


def parse(handle, path: Path, size: int) -> GGUFInfo:
    with handle:
        r = _Reader(handle, path, size)
        if handle.read(4) != MAGIC:
            raise GGUFError(f"{path.name} is not a GGUF model file (no GGUF magic bytes)")
        version = r.scalar(4)
        if version not in (2, 3):
            raise GGUFError(f"{path.name}: unsupported GGUF version {version}")
        tensor_count, kv_count = r.scalar(10), r.scalar(10)
        r.need(kv_count * 12 + tensor_count * 24)  # smallest possible entries
        meta: dict[str, object] = {}
        for _ in range(kv_count):
            key = r.string()
            meta[key] = r.value(r.scalar(4))
        types: dict[str, int] = {}
        data_end = 0
        for _ in range(tensor_count):
            r.string()
            n_dims = r.scalar(4)
            if n_dims > 4:
                raise GGUFError(f"{path.name}: corrupt GGUF (tensor with {n_dims} dimensions)")
            dims = [r.scalar(10) for _ in range(n_dims)]
            type_id, offset = r.scalar(4), r.scalar(10)
            name = GGML_TYPES[type_id][0] if type_id in GGML_TYPES else (
                "I2_S" if type_id == I2_S else f"type{type_id}")
            types[name] = types.get(name, 0) + 1
            data_end = max(data_end, offset + _tensor_bytes(type_id, dims))
        alignment = int(meta.get("general.alignment", 32) or 32)
        data_start = -(-handle.tell() // alignment) * alignment
    if tensor_count and size < data_start + data_end:
        raise GGUFError(f"{path.name}: truncated GGUF ({size} bytes, the header needs "
                        f"{data_start + data_end}; an interrupted download? download it again)")
    arch = str(meta.get("general.architecture", "unknown"))
    file_type = meta.get("general.file_type")
    vocab = meta.get(f"{arch}.vocab_size") or meta.get("tokenizer.ggml.tokens")
    return GGUFInfo(
        path=str(path), size=size, version=version, architecture=arch,
        name=meta.get("general.name"),  # type: ignore[arg-type]
        file_type=None if file_type is None else FILE_TYPES.get(file_type, f"type{file_type}"),
        tensor_types=types, context_length=meta.get(f"{arch}.context_length"),  # type: ignore
        vocab_size=vocab, chat_template="tokenizer.chat_template" in meta,  # type: ignore
        tensor_count=tensor_count)
