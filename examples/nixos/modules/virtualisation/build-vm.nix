# The VM variant of a configuration as a value of the configuration itself
# (as NixOS' own build-vm.nix has it): `virtualisation.vmVariant` is the
# configuration extended with ./qemu-vm.nix, and `system.build.vm` is its VM.
# `nix build .#nixosConfigurations.NAME.config.system.build.vm` (what
# `nixos-rebuild build-vm --flake` builds) needs it, so ../../../flake.nix's
# nixosSystem adds it; default.nix's `-A vm` adds qemu-vm.nix itself instead.
{
  config,
  lib,
  extendModules,
  ...
}:

let
  vmVariant = extendModules { modules = [ ./qemu-vm.nix ]; };
in
{
  options.virtualisation.vmVariant = lib.mkOption {
    description = ''
      The configuration as `nixos-rebuild build-vm` builds it: this one with
      virtualisation/qemu-vm.nix added. Definitions here apply to the VM only.
    '';
    inherit (vmVariant) type;
    default = { };
    visible = "shallow";
  };

  config.system.build.vm = lib.mkDefault config.virtualisation.vmVariant.system.build.vm;
}
