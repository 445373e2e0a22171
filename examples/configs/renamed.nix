# Lint demo: an option that was renamed.  services.sshd.enable still works
# (it is forwarded to services.openssh.enable), with a warning.
{ pkgs, ... }:

{
  networking.hostName = "web4";
  boot.loader.grub.device = "/dev/sda";

  services.sshd.enable = true;

  users.users.alice = {
    isNormalUser = true;
    openssh.authorizedKeys.keys = [
      "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOr7rOM9nSMvbp8Obs0PDbG0QqSrQrPnRskhNjVn2Z8L alice@laptop"
    ];
  };

  environment.systemPackages = [ pkgs.vim ];
  system.stateVersion = "24.11";
}
