"""``nixeval lsp``: the language server (pygls) over ``nixeval.api``."""
