# The least a home-manager configuration needs.
{
  home.username = "alice";
  home.homeDirectory = "/home/alice";
  home.stateVersion = "25.05";
  # The manual is built by nixpkgs' option-docs pipeline, which the stub lacks.
  manual.manpages.enable = false;
}
