"""Configuration layering (defaults < file < env < flags) and its error messages."""

import pytest

from neuro_tui import config
from neuro_tui.errors import UsageError


def test_defaults_without_a_file(tmp_path):
    cfg = config.load(path=tmp_path / "none.toml", environ={})
    assert cfg.temperature == 0.7 and cfg.max_tokens == 512 and cfg.ctx_size == 4096
    assert cfg.model == "auto" and cfg.web is False
    assert cfg.source["temperature"] == "default"


def test_file_then_env_then_flags_win(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('[generation]\ntemperature = 0.2\nmax_tokens = 100\n[model]\nmodel = "2b"\n')
    env = {"NEURO_TUI_TEMPERATURE": "0.3", "BITNET_CLI_PATH": "/opt/bitnet/llama-cli"}
    cfg = config.load({"max_tokens": 7, "model": None}, path=path, environ=env)
    assert cfg.temperature == 0.3
    assert cfg.source["temperature"] == "environment NEURO_TUI_TEMPERATURE"
    assert cfg.max_tokens == 7 and cfg.source["max_tokens"] == "--max-tokens"
    assert cfg.model == "2b" and cfg.source["model"] == f"{path}:5"
    assert cfg.cli == "/opt/bitnet/llama-cli"


def test_bad_value_names_key_value_file_and_line(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('[generation]\n\ntemperature = "hot"\n')
    with pytest.raises(UsageError) as caught:
        config.load(path=path, environ={})
    assert str(caught.value) == f"{path}:3: temperature = 'hot' is not a valid float"


def test_bad_env_value_is_a_usage_error(tmp_path):
    with pytest.raises(UsageError, match="environment NEURO_TUI_MAX_TOKENS: max_tokens = 'many'"):
        config.load(path=tmp_path / "x.toml", environ={"NEURO_TUI_MAX_TOKENS": "many"})


def test_unknown_key_warns_but_loads(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text("[generation]\ntemperatur = 0.1\ntop_k = 5\n")
    with pytest.warns(UserWarning, match=r"config.toml:2: unknown key \[generation\] temperatur"):
        cfg = config.load(path=path, environ={})
    assert cfg.top_k == 5


def test_invalid_toml_is_one_line(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text("[generation\n")
    with pytest.raises(UsageError, match="invalid TOML"):
        config.load(path=path, environ={})


def test_generated_default_file_round_trips(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text(config.default_toml())
    cfg = config.load(path=path, environ={})
    assert all(cfg.values[s.key] == s.default for s in config.SETTINGS)


def test_generation_params_use_automatic_threads(tmp_path):
    cfg = config.load(path=tmp_path / "x.toml", environ={})
    params = cfg.generation_params()
    assert params.threads >= 1 and params.temperature == 0.7


def test_default_threads_leave_a_core_free(monkeypatch):
    import psutil

    from neuro_tui.engine import params

    for cores, expected in ((1, 1), (2, 1), (4, 3), (16, 8)):
        monkeypatch.setattr(psutil, "cpu_count", lambda logical=True, c=cores: c)
        monkeypatch.setattr(params.os, "sched_getaffinity", lambda _pid, c=cores: set(range(c)))
        assert params.default_threads() == expected, cores


def test_engine_section_keys_differ_from_their_names(tmp_path):
    """[engine] kind/url/model live under their own names in the file (model is also a
    [model] key): each lands on its own setting, with file:line as the source."""
    path = tmp_path / "config.toml"
    path.write_text('[model]\nmodel = "smollm2"\n[engine]\nkind = "server"\n'
                    'url = "http://127.0.0.1:8080"\nmodel = "qwen"\napi_key_env = "MY_KEY"\n')
    cfg = config.load(path=path, environ={})
    assert (cfg.model, cfg.engine, cfg.engine_url, cfg.engine_model, cfg.api_key_env) == (
        "smollm2", "server", "http://127.0.0.1:8080", "qwen", "MY_KEY")
    assert cfg.source["engine_model"] == f"{path}:6"
    assert "kind = \"llama-cli\"" in config.default_toml()
