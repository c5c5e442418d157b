"""Shaping a reply: the same steps for a whole response and for a stream of chunks.

``shaper`` holds the steps, ``calls`` turns the three ways a tool call arrives into one,
``render`` writes the result as LangChain messages and chunks, ``trim`` takes the template's
newlines off.
"""
