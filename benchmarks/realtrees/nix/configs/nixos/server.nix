# A small web server (every NixOS release here accepts it): boot, disks, an
# administrator, SSH, nginx with a virtual host, a firewall, packages.
{ pkgs, ... }:
{
  boot.loader.grub.device = "/dev/vda";
  fileSystems."/" = {
    device = "/dev/vda1";
    fsType = "ext4";
  };
  networking.hostName = "web1";
  networking.firewall = {
    enable = true;
    allowedTCPPorts = [
      22
      80
      443
    ];
    allowPing = false;
  };
  services.openssh = {
    enable = true;
    permitRootLogin = "no";
    passwordAuthentication = false;
  };
  users.users.alice = {
    isNormalUser = true;
    uid = 1000;
    extraGroups = [ "wheel" ];
    openssh.authorizedKeys.keys = [ "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExampleKeyOnlyForTests alice@laptop" ];
  };
  services.nginx = {
    enable = true;
    recommendedGzipSettings = true;
    virtualHosts."example.org" = {
      root = "/var/www/example.org";
      locations."/api/".proxyPass = "http://127.0.0.1:8080";
    };
  };
  security.sudo.wheelNeedsPassword = false;
  time.timeZone = "Europe/Berlin";
  environment.systemPackages = [
    pkgs.git
    pkgs.vim
    pkgs.htop
  ];
}
