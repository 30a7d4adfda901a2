"""Inputs in several files (shards): naming them, opening them, reading them as one."""
