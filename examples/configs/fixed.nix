# A small web server: conflict.nix with its time sync line fixed.  At
# mkDefault priority (1000) the line gives way to qemu-vm.nix's plain
# `services.timesyncd.enable = false;` (priority 100), so the VM variant
# (`nix-build '<nixpkgs/nixos>' -A vm`) evaluates too: true on the machine,
# false in the VM.
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

  # Keep the clock in sync (but let the VM variant turn it off).
  services.timesyncd.enable = lib.mkDefault true;

  system.stateVersion = "24.11";
}
