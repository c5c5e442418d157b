"""Agents built on Nemotron 3 Nano Omni (LangGraph graphs with a factory each)."""
