"""neuro-tui: a private terminal assistant for local BitNet b1.58 and llama.cpp models."""

__version__ = "0.1.0"
