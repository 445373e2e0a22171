# Lint demo: an option name with a typo ("enabel").  NixOS refuses it:
# "The option `services.openssh.enabel' does not exist."
{ pkgs, ... }:

{
  networking.hostName = "web2";
  boot.loader.grub.device = "/dev/sda";

  services.openssh.enabel = true;

  environment.systemPackages = [ pkgs.vim ];
  system.stateVersion = "24.11";
}
