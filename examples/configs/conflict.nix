# A small web server.  Its time sync line is the classic `build-vm` trap:
# qemu-vm.nix also sets services.timesyncd.enable (to false) at the same,
# normal priority, so `nix-build '<nixpkgs/nixos>' -A vm` (nixos-rebuild
# build-vm) fails with "conflicting definition values", while the system
# itself (`-A system`) builds.  fixed.nix is the same file with the fix.
{ config, lib, pkgs, ... }:

{
  networking.hostName = "web1";
  time.timeZone = "Europe/Berlin";
  i18n.defaultLocale = "en_GB.UTF-8";

  boot.loader.grub.device = "/dev/sda";

  users.users.alice = {
    isNormalUser = true;
    description = "Alice";
    extraGroups = [ "wheel" ];
    openssh.authorizedKeys.keys = [
      "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOr7rOM9nSMvbp8Obs0PDbG0QqSrQrPnRskhNjVn2Z8L alice@laptop"
    ];
  };

  services.openssh = {
    enable = true;
    settings.PasswordAuthentication = false;
    settings.KbdInteractiveAuthentication = false;
    settings.PermitRootLogin = "no";
  };

  networking.firewall.allowedTCPPorts = [ 80 443 ];

  environment.systemPackages = with pkgs; [
    git
    htop
    nginx
    vim
  ];
  environment.variables.EDITOR = "vim";

  # Keep the clock in sync.
  services.timesyncd.enable = true;

  system.stateVersion = "24.11";
}
