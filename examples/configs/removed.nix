# Lint demo: an option that was removed.  Setting it fails with the
# removal notice and what to use instead.
{ pkgs, ... }:

{
  networking.hostName = "web5";
  boot.loader.grub.device = "/dev/sda";

  services.ntp.servers = [ "ntp.example.org" ];

  environment.systemPackages = [ pkgs.vim ];
  system.stateVersion = "24.11";
}
