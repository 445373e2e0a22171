# A misspelt per-system output.
{
  imports = [ ./base.nix ];
  perSystem =
    { pkgs, ... }:
    {
      packges.default = pkgs.hello;
    };
}
