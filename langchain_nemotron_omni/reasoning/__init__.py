"""The model's thought: where a response carries it, how inline ``<think>`` text is split.

``fields`` reads the reasoning fields of responses and messages; ``split`` separates a thought
written inline in the text from the answer, whole or streamed.
"""
