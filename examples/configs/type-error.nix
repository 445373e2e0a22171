# Lint demo: a port given as a string.  allowedTCPPorts is a list of
# 16-bit unsigned integers, so "22" is rejected with "is not of type".
{ pkgs, ... }:

{
  networking.hostName = "web3";
  boot.loader.grub.device = "/dev/sda";

  services.openssh.enable = true;
  networking.firewall.allowedTCPPorts = [ "22" ];

  environment.systemPackages = [ pkgs.vim ];
  system.stateVersion = "24.11";
}
