# Lint demo: infinite recursion.  "Let sshd also listen on every port the
# firewall opens" — but with openFirewall (the default) the firewall opens
# sshd's ports, so services.openssh.ports is defined from itself.
{ config, pkgs, ... }:

{
  networking.hostName = "web7";
  boot.loader.grub.device = "/dev/sda";

  services.openssh.enable = true;
  services.openssh.ports = [ 2222 ] ++ config.networking.firewall.allowedTCPPorts;

  networking.firewall.allowedTCPPorts = [ 80 443 ];

  environment.systemPackages = [ pkgs.vim ];
  system.stateVersion = "24.11";
}
