# A test in the form nixpkgs' nixos/tests use: `import ./make-test-python.nix`
# of a test module (a function of pkgs and lib). nixeval reads the call and
# evaluates its argument: make-test-python.nix itself need not exist.
# One machine, so the script may also call it `machine`; a node module and
# the testScript both read `nodes` (the script as older tests write it:
# nodes.NAME.config).
import ./make-test-python.nix (
  { pkgs, lib, ... }:
  {
    name = "single";
    nodes.server =
      { nodes, ... }:
      {
        imports = [ ../../examples/configs/fixed.nix ];
        environment.variables.PEER = nodes.server.networking.hostName;
      };
    testScript =
      { nodes, ... }:
      ''
        machine.start()
        server.wait_for_unit("${nodes.server.config.networking.hostName}.target")
        t.assertEqual(1, 1)
        with subtest("retrying"):
            retry(lambda last: True)
        print(undefined_thing)
      '';
  }
)
