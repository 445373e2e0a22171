# A project's flake: a package, a development shell and an app on two systems,
# and an overlay made with the easyOverlay extra.
{ inputs, ... }:
{
  imports = [
    ./base.nix
    inputs.flake-parts.flakeModules.easyOverlay
  ];
  perSystem =
    {
      config,
      pkgs,
      system,
      ...
    }:
    {
      packages.hello = pkgs.writeShellScriptBin "hello" ''
        echo "hello from ${system}"
      '';
      packages.default = config.packages.hello;
      devShells.default = pkgs.stdenv.mkDerivation {
        name = "dev-shell";
        nativeBuildInputs = [
          pkgs.git
          config.packages.hello
        ];
      };
      apps.hello.program = config.packages.hello;
      apps.tool = {
        program = "${pkgs.jq}/bin/jq";
        meta.description = "jq, as an app";
      };
      checks.hello = pkgs.runCommand "hello-check" { } ''
        ${config.packages.hello}/bin/hello > $out
      '';
      formatter = pkgs.nixfmt;
      overlayAttrs = { inherit (config.packages) hello; };
    };
  flake.templates.default = {
    path = ./.;
    description = "An example";
  };
}
