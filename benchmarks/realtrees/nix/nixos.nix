# NixOS workloads on a whole nixpkgs tree (found as <nixpkgs>): the system and
# the VM variant `nixos-rebuild build-vm` builds, as nixos/default.nix makes them.
# `configuration` is an absolute path, given as a string (--argstr).
{ configuration }:
let
  nixos = import <nixpkgs/nixos> { configuration = /. + configuration; };
  lib = import <nixpkgs/lib>;
  common = import ./common.nix { inherit lib; };
  cfg = nixos.config;
in
{
  system = nixos.system.drvPath;
  vm = nixos.vm.drvPath;
  optionNames = common.optionNames nixos.options;
  docs = common.docs nixos.options;
  # What the server's configuration amounts to, option by option.
  values = {
    networking = {
      inherit (cfg.networking) hostName;
      firewall = { inherit (cfg.networking.firewall) enable allowedTCPPorts allowPing; };
    };
    services.openssh = {
      inherit (cfg.services.openssh) enable ports permitRootLogin passwordAuthentication;
    };
    services.nginx = { inherit (cfg.services.nginx) enable package; };
    users.users.alice = {
      inherit (cfg.users.users.alice) uid home group extraGroups isNormalUser shell createHome;
    };
    time = { inherit (cfg.time) timeZone; };
    environment.systemPackages = cfg.environment.systemPackages;
    # The generated configuration files, through the derivations that hold them.
    systemd.services.nginx.ExecStart = cfg.systemd.services.nginx.serviceConfig.ExecStart;
    systemd.services.sshd = {
      inherit (cfg.systemd.services.sshd) wantedBy after;
      ExecStart = cfg.systemd.services.sshd.serviceConfig.ExecStart;
    };
  };
}
