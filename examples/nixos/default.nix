# The entry point that `nix-build '<nixpkgs/nixos>'` and `nixos-rebuild`
# use: evaluate the configuration named by $NIXOS_CONFIG or <nixos-config>.
#
#   nix-build '<nixpkgs/nixos>' -A system   # config.system.build.toplevel
#   nix-build '<nixpkgs/nixos>' -A vm       # the same configuration as a QEMU VM
{
  configuration ? import ./lib/from-env.nix "NIXOS_CONFIG" <nixos-config>,
  system ? builtins.currentSystem,
}:

let
  eval = import ./lib/eval-config.nix {
    inherit system;
    modules = [ configuration ];
  };

  # For `nixos-rebuild build-vm': the same configuration plus qemu-vm.nix.
  vmConfig =
    (import ./lib/eval-config.nix {
      inherit system;
      modules = [
        configuration
        ./modules/virtualisation/qemu-vm.nix
      ];
    }).config;
in
{
  inherit (eval) config options pkgs;

  system = eval.config.system.build.toplevel;

  vm = vmConfig.system.build.vm;
}
