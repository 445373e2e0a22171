# The least a nix-darwin configuration needs.
{
  system.stateVersion = 6;
  system.primaryUser = "alice";
  networking.hostName = "mac";
  # The manual is built by nixpkgs' option-docs pipeline, which the stub lacks.
  documentation.enable = false;
  # The uninstaller evaluates a second, default system (manual included).
  system.tools.darwin-uninstaller.enable = false;
}
