# Two modules giving the same package name at the same priority.
{
  imports = [
    ./base.nix
    ./conflict-other.nix
  ];
  perSystem =
    { pkgs, ... }:
    {
      packages.default = pkgs.hello;
    };
}
