# Lint demo: a syntax error — the `;` after the host name is missing.
{ pkgs, ... }:

{
  networking.hostName = "web8"
  boot.loader.grub.device = "/dev/sda";

  environment.systemPackages = [ pkgs.vim ];
  system.stateVersion = "24.11";
}
