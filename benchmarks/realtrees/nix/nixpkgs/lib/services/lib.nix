# Stand-in for nixpkgs' modular services entry point (lib/services/lib.nix,
# which lives beside lib but needs files outside it): `configure` gives the
# submodule type a service manager declares its services option with.
{ lib, ... }:
let
  # Applies f to a service and to each of its sub-services, with their locations.
  eachService =
    f: loc: service:
    f loc service
    ++ lib.concatLists (
      lib.mapAttrsToList (n: eachService f (loc ++ [ "services" n ])) (service.services or { })
    );
in
{
  getWarnings = eachService (loc: s: map (w: "in ${lib.showOption loc}: ${w}") s.warnings);
  getAssertions = eachService (
    loc: s:
    map (a: {
      inherit (a) assertion;
      message = "in ${lib.showOption loc}: ${a.message}";
    }) s.assertions
  );
  configure =
    {
      serviceManagerPkgs,
      extraRootModules ? [ ],
      extraRootSpecialArgs ? { },
    }:
    {
      serviceSubmodule = lib.types.submoduleWith {
        class = "service";
        modules = [ (lib.modules.importApply ./service.nix { pkgs = serviceManagerPkgs; }) ] ++ extraRootModules;
        specialArgs = extraRootSpecialArgs;
      };
    };
}
