"""The real download code against a loopback hub (tests/hub_server.py) serving real GGUF bytes.

Downloads run as separate `python -m neuro_tui model download` processes where a process
matters (kill and restart, two at once, offline), in-process where the progress callback or
the request headers are what is checked. Nothing here touches the internet.
"""

from __future__ import annotations

import ctypes
import hashlib
import json
import os
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from huggingface_hub import constants as hf_constants

from neuro_tui.models import download, store
from tests.hub_server import FakeHub

pytestmark = pytest.mark.integration

F32 = "tiny-bitnet-b1.58-f32.gguf"
I2S = "tiny-bitnet-b1.58-i2_s.gguf"


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _entry(name: str, repo: str, file: str, local: str, path: Path | None, *,
           size: bool = True) -> str:
    size_v = path.stat().st_size if path and size else 0
    sha_v = _sha(path) if path and size else ""
    return (f'[models.{name}]\ntitle = "{name}"\nsource = "hub"\nrepo = "{repo}"\n'
            f'file = "{file}"\nlocal = "{local}"\nsize = {size_v}\nsha256 = "{sha_v}"\n'
            'runtime = "bitnet.cpp"\nlicense = "MIT"\nchat_template = "test"\n\n')


@pytest.fixture
def hub(shared_dir, smollm2, tmp_path, monkeypatch):
    f32, i2s = shared_dir / "models" / F32, shared_dir / "models" / I2S
    registry_file = tmp_path / "registry.toml"
    registry_file.write_text(
        _entry("tiny-f32", "test/tiny-bitnet", F32, f"tiny-bitnet/{F32}", f32)
        + _entry("tiny-i2s", "test/tiny-bitnet", I2S, f"tiny-bitnet/{I2S}", i2s)
        + _entry("smol-hub", "test/smollm2", smollm2.name, f"smol/{smollm2.name}", smollm2)
        + _entry("unsized", "test/tiny-bitnet", F32, f"unsized/{F32}", f32, size=False)
        + _entry("gone-file", "test/tiny-bitnet", "deleted.gguf", "gone/deleted.gguf", None)
        + _entry("gone-repo", "test/deleted-repo", F32, f"gone/{F32}", None))
    with FakeHub({"test/tiny-bitnet": {F32: f32, I2S: i2s},
                  "test/smollm2": {smollm2.name: smollm2}}) as server:
        monkeypatch.setenv("HF_ENDPOINT", server.endpoint)
        monkeypatch.setenv("HF_HOME", str(tmp_path / "hf-home"))
        monkeypatch.setenv("NEURO_TUI_REGISTRY", str(registry_file))
        monkeypatch.setenv("NEURO_BITNET_MODELS_DIR", str(tmp_path / "models"))
        monkeypatch.setenv("NEURO_TUI_CACHE_DIR", str(tmp_path / "cache"))
        for name in ("HF_HUB_OFFLINE", "HF_TOKEN", "TRANSFORMERS_OFFLINE"):
            monkeypatch.delenv(name, raising=False)
        server.models_dir = tmp_path / "models"
        server.source = {"tiny-f32": f32, "tiny-i2s": i2s, "smol-hub": smollm2,
                         "unsized": f32}
        yield server


def _cli(*args: str, **popen) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "neuro_tui", "model", *args],
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, **popen)


def _run(*args: str, **popen) -> tuple[int, str, str]:
    proc = _cli(*args, **popen)
    out, err = proc.communicate(timeout=120)
    return proc.returncode, out, err


def _files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def _one_line_error(err: str) -> str:
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


def test_download_is_verified_with_progress_and_no_token_to_the_cdn(hub):
    reports: list[download.DownloadProgress] = []
    path = download.download("smol-hub", progress=reports.append, token="hf_secret_test")
    assert _sha(path) == _sha(hub.source["smol-hub"])
    assert store.is_verified(path, _sha(path))
    phases = [r.phase for r in reports]
    assert phases[-2:] == ["verify", "done"] and "download" in phases
    done = [r.done for r in reports if r.phase == "download"]
    assert done == sorted(done) and done[-1] == path.stat().st_size
    assert all(r.total == path.stat().st_size for r in reports)
    assert any(r.rate > 0 and r.eta is not None for r in reports if r.phase == "download")
    info = hub.requests("GET", "/api/models/test/smollm2")
    assert info and "blobs=true" in info[0]["query"].lower()
    assert info[0]["headers"].get("authorization") == "Bearer hf_secret_test"
    agent = info[0]["headers"]["user-agent"]
    assert agent.startswith("neuro-tui/") and "agent/" not in agent and "torch/" not in agent
    assert hf_constants.HF_HUB_DISABLE_TELEMETRY
    assert hub.requests("HEAD", "/test/smollm2/resolve/")
    cdn = hub.requests("GET", "/cdn/")
    assert len(cdn) == 1 and cdn[0]["host"].startswith("localhost")
    assert "authorization" not in cdn[0]["headers"]
    assert _files(hub.models_dir) == sorted([path, store.stamp_path(path)])


def test_cli_download_then_list_and_verify(hub):
    code, out, err = _run("download", "tiny-f32", "--yes")
    assert code == 0, err
    assert "sha256 verified" in err
    code, out, _ = _run("list", "--json")
    rows = {m["name"]: m for m in json.loads(out)["models"]}
    assert rows["tiny-f32"]["downloaded"] and rows["tiny-f32"]["verified"]
    assert not rows["tiny-i2s"]["downloaded"]
    code, out, err = _run("verify", "tiny-f32")
    assert code == 0 and "matches the registry" in out
    assert len(hub.requests("GET", "/cdn/")) == 1  # a second download would be a bug


def test_corrupted_byte_is_rejected_and_nothing_is_left(hub):
    hub.faults.corrupt_offset = 123_457
    code, _, err = _run("download", "tiny-f32", "--yes")
    assert code != 0
    assert "checksum mismatch for tiny-f32" in _one_line_error(err)
    assert _files(hub.models_dir) == []


def test_dropped_then_killed_download_resumes_with_range(hub):
    total = hub.source["smol-hub"].stat().st_size
    cut = 30_000_000
    hub.faults.drop_after, hub.faults.hang_after_drop = cut, True
    part = hub.models_dir / "smol" / f".{hub.source['smol-hub'].name}.part"
    proc = _cli("download", "smol-hub", "--yes")
    deadline = time.monotonic() + 60
    # the drop is retried in-process with a Range request, which the hub leaves hanging
    while not any(r["headers"].get("range") for r in hub.requests("GET", "/cdn/")):
        assert time.monotonic() < deadline and proc.poll() is None, proc.communicate()
        time.sleep(0.05)
    assert hub.requests("GET", "/cdn/")[-1]["headers"]["range"] == f"bytes={cut}-"
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    assert part.stat().st_size == cut
    assert not (hub.models_dir / "smol" / hub.source["smol-hub"].name).exists()

    hub.faults.hang_after_drop = False
    hub.release.set()
    before = len(hub.requests("GET", "/cdn/"))
    code, _, err = _run("download", "smol-hub", "--yes")
    assert code == 0, err
    resumed = hub.requests("GET", "/cdn/")[before:]
    assert [r["headers"].get("range") for r in resumed] == [f"bytes={cut}-"]
    final = hub.models_dir / "smol" / hub.source["smol-hub"].name
    assert final.stat().st_size == total and _sha(final) == _sha(hub.source["smol-hub"])
    assert not part.exists()


class Stop(Exception):
    pass


def test_cancel_from_the_callback_keeps_the_partial_and_the_next_run_resumes(hub):
    def cancel_after_a_megabyte(p: download.DownloadProgress) -> None:
        if p.phase == "download" and p.done >= 1 << 20:
            raise Stop  # what a TUI does when the user presses cancel

    hub.faults.rate = 4_000_000
    with pytest.raises(Stop):
        download.download("tiny-f32", progress=cancel_after_a_megabyte)
    part = hub.models_dir / "tiny-bitnet" / f".{F32}.part"
    kept = part.stat().st_size
    assert kept >= 1 << 20 and not (hub.models_dir / "tiny-bitnet" / F32).exists()
    hub.faults.rate = None
    reports: list[download.DownloadProgress] = []
    path = download.download("tiny-f32", progress=reports.append)  # the lock was released
    assert hub.requests("GET", "/cdn/")[-1]["headers"]["range"] == f"bytes={kept}-"
    assert reports[0].phase == "hashing" and reports[0].done == kept
    assert all(r.resumed_from == kept for r in reports)
    assert _sha(path) == _sha(hub.source["tiny-f32"])


def test_partial_of_another_revision_or_ignored_range_starts_over(hub):
    folder = hub.models_dir / "tiny-bitnet"
    folder.mkdir(parents=True)
    (folder / f".{F32}.part").write_bytes(b"GGUF stale bytes of an older upload")
    (folder / f".{F32}.part.json").write_text('{"etag": "an-older-etag"}')
    path = download.download("tiny-f32")
    assert "range" not in hub.requests("GET", "/cdn/")[-1]["headers"]
    assert _sha(path) == _sha(hub.source["tiny-f32"])

    hub.faults.ignore_range = True  # a CDN answering 200 to a Range request
    part = folder / f".{I2S}.part"
    part.write_bytes(hub.source["tiny-i2s"].read_bytes()[:1000])
    (folder / f".{I2S}.part.json").write_text(json.dumps({"etag": _sha(hub.source["tiny-i2s"])}))
    path = download.download("tiny-i2s")
    assert hub.requests("GET", "/cdn/")[-1]["headers"]["range"] == "bytes=1000-"
    assert _sha(path) == _sha(hub.source["tiny-i2s"])  # not the first 1000 bytes twice


def test_not_enough_disk_space_is_refused_before_downloading(hub):
    hub.faults.advertised_size = 10**15  # 1 PB
    code, _, err = _run("download", "unsized", "--yes")
    assert code != 0
    assert "not enough disk space for unsized" in _one_line_error(err)
    assert hub.requests("GET", "/cdn/") == []
    assert _files(hub.models_dir) == []


def _limit_file_size() -> None:  # a full disk, as write() sees it: EFBIG past 1 MB
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (1 << 20, 1 << 20))


def test_disk_full_while_writing_keeps_a_resumable_partial(hub):
    code, _, err = _run("download", "tiny-f32", "--yes", preexec_fn=_limit_file_size)
    assert code != 0
    assert "disk full while writing tiny-f32" in _one_line_error(err)
    assert [p.name for p in _files(hub.models_dir) if p.suffix == ".gguf"] == []
    part = hub.models_dir / "tiny-bitnet" / f".{F32}.part"
    assert part.stat().st_size == 1 << 20
    code, _, err = _run("download", "tiny-f32", "--yes")
    assert code == 0, err
    assert hub.requests("GET", "/cdn/")[-1]["headers"]["range"] == f"bytes={1 << 20}-"
    assert _sha(hub.models_dir / "tiny-bitnet" / F32) == _sha(hub.source["tiny-f32"])


def test_two_processes_download_one_model_once(hub):
    hub.faults.rate = 2_000_000  # ~2.4 s for the 4.7 MB file: the two runs overlap
    first = _cli("download", "tiny-f32", "--yes")
    time.sleep(0.3)
    second = _cli("download", "tiny-f32", "--yes")
    results = [p.communicate(timeout=120) for p in (first, second)]
    assert first.returncode == 0 and second.returncode == 0, results
    assert len(hub.requests("GET", "/cdn/")) == 1
    final = hub.models_dir / "tiny-bitnet" / F32
    assert _sha(final) == _sha(hub.source["tiny-f32"])
    assert sorted(p.name for p in _files(hub.models_dir)) == sorted([F32, f".{F32}.verified.json"])


def test_real_2b_entry_refuses_a_hub_file_that_is_not_the_pinned_one(hub, shared_dir):
    """The packaged `2b` entry against a hub whose file has other bytes: refused before any
    byte is fetched, because model_info's LFS sha256 differs from the registry's pin."""
    hub.files["microsoft/BitNet-b1.58-2B-4T-gguf"] = {
        "ggml-model-i2_s.gguf": (shared_dir / "models" / I2S).read_bytes()}
    code, _, err = _run("download", "2b", "--yes")
    assert code != 0
    line = _one_line_error(err)
    assert "2b: the hub's ggml-model-i2_s.gguf changed" in line and "update neuro-tui" in line
    assert hub.requests("GET", "/api/models/microsoft/BitNet-b1.58-2B-4T-gguf")
    assert hub.requests("GET", "/cdn/") == [] and _files(hub.models_dir) == []


def test_offline_says_what_works(hub, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    code, _, err = _run("download", "tiny-i2s", "--yes")
    assert code == 5
    assert _one_line_error(err).startswith(
        "neuro-tui: error: offline: tiny-i2s is not downloaded; smollm2 works offline")
    assert hub.log == []


def test_unreachable_hub_is_offline_too(hub, monkeypatch):
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")  # discard port: refused
    code, _, err = _run("download", "tiny-i2s", "--yes")
    assert code == 5
    assert "offline: tiny-i2s is not downloaded; smollm2 works offline" in _one_line_error(err)


@pytest.mark.parametrize(("name", "what"), [
    ("gone-file", "test/tiny-bitnet has no file deleted.gguf"),
    ("gone-repo", "repository test/deleted-repo is gone or private"),
])
def test_404_says_so_and_what_to_do(hub, name, what):
    code, _, err = _run("download", name, "--yes")
    assert code == 3
    line = _one_line_error(err)
    assert what in line and "(404)" in line and "--model PATH" in line
    assert _files(hub.models_dir) == []


def _drop_dac_override() -> None:
    """Root ignores file modes; drop CAP_DAC_OVERRIDE/READ_SEARCH from the bounding set so
    the exec'd download runs as a root without them, and a 0o555 folder really is read-only."""
    libc = ctypes.CDLL(None, use_errno=True)
    for cap in (1, 2):  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH
        if libc.prctl(24, cap, 0, 0, 0) != 0:  # PR_CAPBSET_DROP
            raise OSError(ctypes.get_errno(), "PR_CAPBSET_DROP failed")


def test_permission_denied_on_the_models_dir(hub):
    models = hub.models_dir
    models.mkdir(parents=True)
    os.chmod(models, 0o555)
    popen = {"preexec_fn": _drop_dac_override} if os.geteuid() == 0 else {}
    try:
        code, _, err = _run("download", "tiny-f32", "--yes", **popen)
    finally:
        os.chmod(models, 0o755)
    assert code != 0
    line = _one_line_error(err)
    assert "is not writable: Permission denied" in line and str(models) in line
    assert _files(models) == [] and hub.requests("GET", "/cdn/") == []
