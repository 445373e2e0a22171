"""Evaluation: values, environments, builtins and store-path computation."""
