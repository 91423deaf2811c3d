"""Worker processes of bench/llm.py: one per runner, each in its runner's own venv.

``protocol`` is the JSON-lines exchange (stdlib only: it runs under every venv's Python),
``runners`` the ways to generate (HF, optimum, OpenVINO GenAI, hwsdk, and a fake one for the
harness test), ``worker`` the entry point ``python -m llm_workers.worker``.
"""
