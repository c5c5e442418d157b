"""One request, planned once: what a call asks of the server, and how many requests it takes.

``plan`` resolves every setting of a call (provider, thinking from wherever it was set,
reasoning budget, tool parser and tool choice, media options, the merged ``extra_body``)
into one :class:`~langchain_nemotron_omni.request.plan.RequestPlan`; ``payload`` only renders
a plan into the Chat Completions body; ``attempts`` lists the requests a call makes (a
forced tool choice asked again, a client-side reasoning budget in two phases).
"""
