"""GGUF header reading on the real files: ../shared/models (bitnet.cpp) and SmolLM2."""

from __future__ import annotations

import pytest

from neuro_tui.cli import main
from neuro_tui.engine.events import Flavor
from neuro_tui.models import gguf, resolve


@pytest.fixture(scope="module")
def i2s(shared_dir):
    return shared_dir / "models" / "tiny-bitnet-b1.58-i2_s.gguf"


@pytest.fixture(scope="module")
def f32(shared_dir):
    return shared_dir / "models" / "tiny-bitnet-b1.58-f32.gguf"


def test_smollm2_header_matches_the_recorded_metadata(smollm2):
    info = gguf.read_header(smollm2)
    assert (info.architecture, info.file_type, info.version) == ("llama", "Q4_1", 3)
    assert info.context_length == 8192 and info.vocab_size == 49152
    assert info.tensor_count == 272 and info.chat_template
    assert info.tensor_types == {"Q4_1": 210, "F32": 61, "Q8_0": 1}  # gguf_metadata.txt
    assert not info.needs_bitnet_cpp


def test_bitnet_i2s_header(i2s):
    info = gguf.read_header(i2s)
    assert info.architecture == "bitnet-b1.58" and info.file_type == "I2_S (bitnet.cpp)"
    assert info.tensor_types["I2_S"] == 14 and info.vocab_size == 273
    assert info.context_length == 4096 and info.chat_template and info.needs_bitnet_cpp


def test_bitnet_f32_needs_bitnet_cpp_for_its_architecture(f32):
    info = gguf.read_header(f32)
    assert info.tensor_types == {"F32": 24} and info.needs_bitnet_cpp


@pytest.mark.parametrize("flavor", [Flavor.UPSTREAM_CNV, Flavor.UPSTREAM_CHAT, "old"])
def test_upstream_runtime_refuses_bitnet_files(i2s, f32, flavor):
    with pytest.raises(gguf.GGUFError, match="this model needs bitnet.cpp's llama-cli: "
                       r"tiny-bitnet-b1.58-i2_s.gguf has architecture 'bitnet-b1.58', "
                       "quant type I2_S"):
        gguf.check_compatible(i2s, flavor)
    with pytest.raises(gguf.GGUFError, match="needs bitnet.cpp's llama-cli"):
        gguf.check_compatible(f32, flavor)
    with pytest.raises(gguf.GGUFError, match="neuro-tui runtime install --flavor bitnet"):
        gguf.check_compatible(i2s, flavor)  # the fix is named: the one command


def test_compatible_pairs_pass(i2s, smollm2):
    assert gguf.check_compatible(i2s, Flavor.BITNET).architecture == "bitnet-b1.58"
    for flavor in Flavor:
        assert gguf.check_compatible(smollm2, flavor).architecture == "llama"


def test_not_a_gguf(tmp_path):
    bogus = tmp_path / "notes.gguf"
    bogus.write_text("hello, I am text\n")
    with pytest.raises(gguf.GGUFError, match="notes.gguf is not a GGUF model file"):
        gguf.read_header(bogus)
    with pytest.raises(gguf.GGUFError, match="model file not found"):
        gguf.read_header(tmp_path / "missing.gguf")


@pytest.mark.parametrize("keep", [0.001, 0.5, -1])
def test_truncated_gguf_anywhere(tmp_path, f32, keep):
    data = f32.read_bytes()
    cut = data[:-1] if keep == -1 else data[:int(len(data) * keep)]
    short = tmp_path / "short.gguf"
    short.write_bytes(cut)
    with pytest.raises(gguf.GGUFError, match="short.gguf: truncated GGUF"):
        gguf.read_header(short)


def test_corrupt_counts_fail_fast(tmp_path, i2s):
    data = bytearray(i2s.read_bytes())
    data[16:24] = (2**62).to_bytes(8, "little")  # kv_count
    bad = tmp_path / "bad.gguf"
    bad.write_bytes(bytes(data))
    with pytest.raises(gguf.GGUFError, match="truncated GGUF"):
        gguf.read_header(bad)


def _one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


def test_cli_not_a_gguf_and_truncated_one_line(capsys, tmp_path, smollm2):
    bogus = tmp_path / "x.gguf"
    bogus.write_bytes(b"PK\x03\x04 a zip, not a model")
    assert main(["model", "info", "--model", str(bogus)]) == 3
    assert "x.gguf is not a GGUF model file" in _one_line(capsys.readouterr().err)
    short = tmp_path / "short.gguf"
    short.write_bytes(smollm2.read_bytes()[:5_000_000])
    assert main(["model", "verify", str(short)]) == 3
    assert "short.gguf: truncated GGUF" in _one_line(capsys.readouterr().err)
    with pytest.raises(gguf.GGUFError, match="truncated"):
        resolve.resolve_model(str(short))


def test_cli_info_reads_the_header(capsys, i2s):
    assert main(["model", "info", str(i2s), "--json"]) == 0
    import json

    data = json.loads(capsys.readouterr().out)
    assert data["registry"] is None and data["gguf"]["needs_bitnet_cpp"] is True
    assert data["gguf"]["tensor_types"]["I2_S"] == 14


def test_cut_inside_the_vocabulary_is_truncated(tmp_path, smollm2):
    """The tokens array is stepped over in 1 MiB reads: a cut in it, or one string length
    past the end, is still the one-line truncated error."""
    data = smollm2.read_bytes()[:3_000_000]
    for cut in (400_000, 1_048_590, 2_000_000):
        short = tmp_path / f"cut{cut}.gguf"
        short.write_bytes(data[:cut])
        with pytest.raises(gguf.GGUFError, match="truncated GGUF"):
            gguf.read_header(short)


def test_header_is_read_once_per_file_version(tmp_path, smollm2, f32):
    """A chat start asks for the header two or three times: the parse is reused while the
    file is unchanged, and a file written just now (same size, other bytes) is read again."""
    assert gguf.read_header(smollm2) is gguf.read_header(smollm2)
    fresh = tmp_path / "fresh.gguf"
    fresh.write_bytes(f32.read_bytes())
    assert gguf.read_header(fresh).needs_bitnet_cpp  # bitnet-b1.58 architecture
    garbage = b"XXXX" + f32.read_bytes()[4:]
    fresh.write_bytes(garbage)  # same size, same second: the cache must not answer
    with pytest.raises(gguf.GGUFError, match="no GGUF magic"):
        gguf.read_header(fresh)
