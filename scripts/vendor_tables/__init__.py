"""Generators of the Gaudi and Neuron capability tables from the vendors' published files.

Run through ``scripts/gen_vendor_tables.py``; see docs/vendor-tables.md for the rules.
"""
