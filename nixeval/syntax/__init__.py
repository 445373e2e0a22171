"""Reading Nix: lexer, grammar, AST, printer and parse cache."""
