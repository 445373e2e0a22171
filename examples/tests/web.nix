# A NixOS VM test of the example web server, as nixpkgs writes them (a test
# module for pkgs.testers.runNixOSTest): two machines, and a Python script
# the test driver runs against them.  `nixeval lint examples/tests/web.nix
# -I nixpkgs=examples` checks both nodes (each with qemu-vm.nix, as the
# driver builds them) and the script (pyflakes, as nixpkgs' driver build
# does) before any VM is built.
{ pkgs, ... }:

{
  name = "web";

  nodes.server =
    { lib, ... }:
    {
      imports = [ ../configs/fixed.nix ];
      networking.firewall.allowedTCPPorts = [ 8080 ];
    };

  nodes.client =
    { pkgs, ... }:
    {
      environment.systemPackages = [ pkgs.git ];
      system.stateVersion = "24.11";
    };

  testScript = ''
    start_all()
    server.wait_for_unit("sshd.service")
    client.wait_for_unit("multi-user.target")
    with subtest("the client reaches the server"):
        client.succeed("ssh -o StrictHostKeyChecking=no alice@server true")
  '';
}
