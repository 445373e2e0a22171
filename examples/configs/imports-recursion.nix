# Lint demo: infinite recursion through `imports`.  Imports are resolved
# before any option has a value, so they cannot depend on `config`.
{ config, ... }:

{
  imports = [ ./fixed.nix ]
    ++ (if config.services.openssh.enable then [ ./typo.nix ] else [ ]);
}
