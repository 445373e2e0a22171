# Lint demo: a failing assertion.  GRUB is the default boot loader and
# nothing says which disk it goes on, so the system cannot be built:
# "Failed assertions: - You must set the option ‘boot.loader.grub.device’ …"
{ pkgs, ... }:

{
  networking.hostName = "web6";
  time.timeZone = "UTC";

  services.openssh.enable = true;

  environment.systemPackages = [ pkgs.vim ];
  system.stateVersion = "24.11";
}
