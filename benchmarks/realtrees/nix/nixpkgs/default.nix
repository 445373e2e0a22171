# The root of the stub nixpkgs (`pkgs.path`). Module trees import it again to
# build their own package set (`import pkgs.path { system = …; }`), so the lib
# under test and the package names scanned from the tree come from the search
# path, which run.py sets for both evaluators alike.
args:
import ../pkgs.nix (
  {
    lib = import <realtrees-lib/lib>;
    names = import <realtrees-names>;
    path = ./.;
  }
  // args
)
