"""Configuration in one place: defaults < TOML file < environment < command-line flags.

Every setting is declared once in SETTINGS (name, section, type, default, help); the file
loader, the env loader, the docs generator and `neuro-tui config show` all read that table.
"""

from __future__ import annotations

import os
import re
import tomllib
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from neuro_tui import paths
from neuro_tui.engine.params import DEFAULT_SYSTEM_PROMPT, GenerationParams, default_threads
from neuro_tui.errors import UsageError


@dataclass(frozen=True)
class Setting:
    section: str
    key: str
    type: type
    default: Any
    help: str
    env: str | None = None  # extra env name besides NEURO_TUI_<KEY>
    toml: str | None = None  # its name in the file when it differs from `key` ([engine] url)

    @property
    def file_key(self) -> str:
        return self.toml or self.key

    @property
    def env_names(self) -> list[str]:
        names = [f"NEURO_TUI_{self.key.upper()}"]
        return [self.env, *names] if self.env else names


SETTINGS: list[Setting] = [
    Setting("model", "model", str, "auto",
            "model name from the registry or a path to a .gguf; auto = 2b when bitnet.cpp is "
            "set up and downloaded, else smollm2"),
    Setting("model", "cli", str, "", "path to llama-cli (otherwise discovered)", "BITNET_CLI_PATH"),
    Setting("generation", "system_prompt", str, DEFAULT_SYSTEM_PROMPT, "system prompt"),
    Setting("generation", "temperature", float, 0.7, "sampling temperature"),
    Setting("generation", "top_p", float, 0.9, "nucleus sampling"),
    Setting("generation", "top_k", int, 40, "top-k sampling"),
    Setting("generation", "repeat_penalty", float, 1.1, "penalty for repeated tokens"),
    Setting("generation", "repeat_last_n", int, 64, "tokens the repeat penalty looks back on"),
    Setting("generation", "seed", int, -1, "random seed (-1 = random)"),
    Setting("generation", "ctx_size", int, 4096, "context size in tokens"),
    Setting("generation", "threads", int, 0, "CPU threads (0 = automatic)"),
    Setting("generation", "threads_batch", int, 0,
            "CPU threads for reading the prompt, llama-cli -tb (0 = automatic)"),
    Setting("generation", "auto_tune", bool, True,
            "measure prompt speed and pick threads once per llama-cli + model (a few seconds; "
            "`neuro-tui runtime tune` measures again)"),
    Setting("generation", "max_tokens", int, 512, "max tokens per answer (0 = no limit)"),
    Setting("generation", "batch_size", int, 512, "prompt batch size"),
    Setting("retrieval", "storage", str, "", "Tantivy index folder used for answers ('' = off)"),
    Setting("retrieval", "web", bool, False,
            "search the web ([web] provider) for every question"),
    Setting("retrieval", "web_results", int, 3, "web pages fetched per question"),
    Setting("retrieval", "allow_private", bool, False,
            "older name of [web] allow_private_hosts (either one turns it on)"),
    Setting("retrieval", "prefill_seconds", float, 1.5,
            "seconds the model may spend reading sources before it answers; turned into "
            "tokens with the measured prompt speed (always at least one passage)"),
    Setting("web", "web_provider", str, "duckduckgo",
            "who finds result pages: duckduckgo, or searxng (your own instance, searxng_url)",
            toml="provider"),
    Setting("web", "searxng_url", str, "",
            "SearXNG base URL, e.g. http://searx.lan:8080 (its JSON API must be enabled)"),
    Setting("web", "allow_private_hosts", bool, False,
            "let web search and fetches reach loopback, RFC 1918, 100.64/10 and fc00::/7 "
            "hosts (an intranet SearXNG or docs server); metadata and link-local stay refused"),
    Setting("chat", "context_policy", str, "truncate-middle",
            "when the context is full: stop (refuse the turn), truncate-middle (keep the first "
            "exchange and the newest turns), rolling (keep the newest turns)"),
    Setting("ui", "theme", str, "neuro-dark", "theme name (built-in, themes/ or config dir)"),
    Setting("ui", "side_panes", bool, True, "show the model and sources panes"),
    Setting("engine", "engine", str, "llama-cli",
            "what answers: llama-cli (a local process) or server (an OpenAI-compatible "
            "HTTP server: llama-server, Ollama, vLLM, LM Studio)", toml="kind"),
    Setting("engine", "engine_url", str, "",
            "server engine: its URL, e.g. http://127.0.0.1:8080 ('' = the one `neuro-tui "
            "engine start` runs); a host other than loopback needs allow_remote", toml="url"),
    Setting("engine", "engine_model", str, "",
            "server engine: model name to ask for ('' = the first the server lists)",
            toml="model"),
    Setting("engine", "api_key_env", str, "",
            "server engine: NAME of the environment variable holding the API key (the key "
            "itself is never written to config, chat files or logs)"),
    Setting("engine", "allow_remote", bool, False,
            "let the server engine send chats to a host that is not this machine (data "
            "leaves the machine)"),
    Setting("engine", "llama_server", str, "",
            "path to llama-server for `neuro-tui engine start` (otherwise found among the "
            "runtimes)", "LLAMA_SERVER_PATH"),
]

BY_KEY = {s.key: s for s in SETTINGS}
BY_FILE_KEY = {(s.section, s.file_key): s for s in SETTINGS}


@dataclass
class Config:
    values: dict[str, Any] = field(default_factory=lambda: {s.key: s.default for s in SETTINGS})
    source: dict[str, str] = field(default_factory=lambda: {s.key: "default" for s in SETTINGS})
    path: Path | None = None
    changes: dict[str, int] = field(default_factory=dict)  # key -> times set(): a choice of
    # the value it already had is a choice too (a resumed chat's own policy gives way)

    def __getattr__(self, key: str) -> Any:
        try:
            return self.__dict__["values"][key]
        except KeyError:
            raise AttributeError(key) from None

    def set(self, key: str, value: Any, source: str) -> None:
        self.values[key] = coerce(BY_KEY[key], value, source)
        self.source[key] = source
        self.changes[key] = self.changes.get(key, 0) + 1

    def generation_params(self) -> GenerationParams:
        v = self.values
        return GenerationParams(
            system_prompt=v["system_prompt"], temperature=v["temperature"], top_p=v["top_p"],
            top_k=v["top_k"], repeat_penalty=v["repeat_penalty"],
            repeat_last_n=v["repeat_last_n"], seed=v["seed"], ctx_size=v["ctx_size"],
            threads=v["threads"] or default_threads(), threads_batch=v["threads_batch"],
            max_tokens=v["max_tokens"],
            batch_size=v["batch_size"],
        )


def coerce(setting: Setting, value: Any, where: str) -> Any:
    """Turn a file/env/flag value into the setting's type, or explain what is wrong."""
    expected = setting.type
    if isinstance(value, str) and expected is not str:
        text = value.strip()
        try:
            if expected is bool:
                if text.lower() in ("1", "true", "yes", "on"):
                    return True
                if text.lower() in ("0", "false", "no", "off"):
                    return False
                raise ValueError
            return expected(text)
        except ValueError:
            raise UsageError(
                f"{where}: {setting.key} = {value!r} is not a valid {expected.__name__}"
            ) from None
    if expected is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
        raise UsageError(
            f"{where}: {setting.key} = {value!r} should be a {expected.__name__}"
        )
    return value


def _line_of(text: str, section: str, key: str) -> int | None:
    current = ""
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if header := re.match(r"^\[([^\]]+)\]", stripped):
            current = header.group(1).strip()
        elif current == section and re.match(rf"^{re.escape(key)}\s*=", stripped):
            return number
    return None


def load_file(config: Config, path: Path) -> None:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return
    except OSError as error:
        raise UsageError(f"cannot read config file {path}: {error.strerror}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise UsageError(f"{path}: invalid TOML: {error}") from None
    config.path = path
    for section, table in data.items():
        if not isinstance(table, dict):
            warnings.warn(f"{path}: unknown top-level key {section!r} ignored", stacklevel=2)
            continue
        for key, value in table.items():
            setting = BY_FILE_KEY.get((section, key))
            if setting is None:
                line = _line_of(text, section, key)
                warnings.warn(f"{path}:{line}: unknown key [{section}] {key} ignored", stacklevel=2)
                continue
            line = _line_of(text, section, key)
            config.set(setting.key, value, f"{path}:{line}")


def load_env(config: Config, environ: dict[str, str] | None = None) -> None:
    environ = os.environ if environ is None else environ
    for setting in SETTINGS:
        for name in setting.env_names:
            if environ.get(name):
                config.set(setting.key, environ[name], f"environment {name}")
                break


def load(flags: dict[str, Any] | None = None, *, path: Path | None = None,
         environ: dict[str, str] | None = None) -> Config:
    """Defaults, then the TOML file, then the environment, then flags (None = not given)."""
    config = Config()
    load_file(config, path or paths.config_file())
    load_env(config, environ)
    for key, value in (flags or {}).items():
        if value is not None and key in BY_KEY:
            config.set(key, value, f"--{key.replace('_', '-')}")
    return config


def default_toml() -> str:
    """The commented default config file, generated from SETTINGS."""
    lines = ["# neuro-tui configuration. Environment variables and flags override this file."]
    section = None
    for setting in SETTINGS:
        if setting.section != section:
            section = setting.section
            lines += ["", f"[{section}]"]
        default = setting.default
        rendered = ("true" if default else "false") if isinstance(default, bool) else (
            f'"{default}"' if isinstance(default, str) else str(default))
        lines.append(f"# {setting.help}")
        lines.append(f"{setting.file_key} = {rendered}")
    return "\n".join(lines) + "\n"
