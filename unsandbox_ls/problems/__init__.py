"""From a run's output to problems, and from problems to diagnostics or terminal lines.

`parse_output` (parse.py) reads the output; `mapping.Target` describes the buffer that was run;
`lsp.to_diagnostics` and `text.to_terminal_lines` present the result; `fallback_problem` covers
a failed run that printed nothing recognisable. Submodules are imported on first use.
"""

from __future__ import annotations
