# A test module whose script pyflakes rejects in several ways; compared
# with the pyflakes nixpkgs runs (tests/test_lint_nixos_test.py).
{ pkgs, ... }:
{
  name = "typos";
  nodes."web-1" = {
    imports = [ ../../examples/configs/fixed.nix ];
  };
  nodes.db = {
    imports = [ ../../examples/configs/fixed.nix ];
    networking.hostName = "db";
  };
  testScript = ''
    import re
    start_all()
    web_1.wait_for_unit("multi-user.target")
    db.succeed("true"); machine.succeed("true")

    def check(command):
        unused = 1
        return dbb.succeed(command)
    vlan1.start()
  '';
}
