"""Execution engines shared by targets. ``hwsdk.engines.ort``: ONNX Runtime (any provider).

Importing this package imports no engine; each engine module imports its runtime when called.
"""
