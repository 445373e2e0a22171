# The same test, broken three ways before any VM is built: the server
# enables timesyncd at normal priority (qemu-vm.nix disables it at the same
# priority: the driver's build of the node fails), and the script names a
# machine that does not exist and imports a module it never uses (nixpkgs' driver
# build runs pyflakes over it and fails).
{ pkgs ? import <nixpkgs/pkgs> { } }:

pkgs.testers.runNixOSTest {
  name = "web-broken";

  nodes.server = {
    imports = [ ../configs/fixed.nix ];
    services.timesyncd.enable = true;
  };
  nodes.client = { system.stateVersion = "24.11"; };

  testScript = ''
    start_all()
    server.wait_for_unit("sshd.service")
    import json
    clinet.succeed("ssh alice@server true")
  '';
}
