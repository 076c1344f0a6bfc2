"""Zero-shot text classification with NLI cross-encoders, and NLI training.

Heavy imports (torch, transformers) happen in the submodules, not here.
"""
