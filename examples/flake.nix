# This tree as a flake, in the shape Nixpkgs' own flake has: `lib` with
# `nixosSystem`, which is nixos/lib/eval-config.nix with no default platform
# (a flake is evaluated purely, without builtins.currentSystem: pass `system`
# or set `nixpkgs.system` in a module).
#
#   nixosConfigurations.web1 = nixpkgs.lib.nixosSystem {
#     system = "x86_64-linux";
#     modules = [ ./configuration.nix ];
#   };
{
  description = "nixeval's example tree: a miniature Nixpkgs/NixOS";

  outputs =
    { self }:
    {
      lib = import ./lib // {
        nixosSystem =
          args:
          import ./nixos/lib/eval-config.nix (
            { system = null; }
            // args
            // {
              # config.system.build.vm, which `nixos-rebuild build-vm --flake`
              # builds (Nixpkgs has build-vm.nix among its base modules; here
              # only flakes need it: `-A vm` adds qemu-vm.nix itself)
              modules = args.modules ++ [ ./nixos/modules/virtualisation/build-vm.nix ];
            }
          );
      };
    };
}
