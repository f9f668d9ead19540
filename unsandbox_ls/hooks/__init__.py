"""Start-up hooks: what a run carries so the program finds its files wherever the sandbox put them.

`startup` holds the client's side (which languages have a hook, the flat names the files go
under, the manifest and the environment variables of a run, and the framed block the hook writes
to stderr); `data/` holds the hook of each language, sent as one more input file and loaded
through the runtime's own start-up mechanism.
"""
