# A single system where a list of systems is expected.
{
  systems = "x86_64-linux";
  perSystem =
    { pkgs, ... }:
    {
      packages.default = pkgs.hello;
    };
}
