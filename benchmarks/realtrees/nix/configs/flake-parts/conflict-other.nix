# The second definition of packages.default (see conflict.nix).
{
  perSystem =
    { pkgs, ... }:
    {
      packages.default = pkgs.cowsay;
    };
}
