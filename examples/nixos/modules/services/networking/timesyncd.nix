# systemd-timesyncd, the systemd NTP client.
{ config, lib, ... }:

let
  inherit (lib) literalExpression mkIf mkOption types;
  cfg = config.services.timesyncd;
in
{
  options.services.timesyncd = {
    enable = mkOption {
      type = types.bool;
      default = !config.boot.isContainer;
      defaultText = literalExpression "!config.boot.isContainer";
      description = ''
        Enables the systemd NTP client daemon.
      '';
    };

    servers = mkOption {
      type = types.listOf types.str;
      default = config.networking.timeServers;
      defaultText = literalExpression "config.networking.timeServers";
      description = ''
        The set of NTP servers from which to synchronise.
      '';
    };

    extraConfig = mkOption {
      type = types.lines;
      default = "";
      example = ''
        PollIntervalMaxSec=180
      '';
      description = ''
        Extra config options for systemd-timesyncd. See
        timesyncd.conf(5) for available options.
      '';
    };
  };

  config = mkIf cfg.enable {
    environment.etc."systemd/timesyncd.conf".text = ''
      [Time]
      NTP=${lib.concatStringsSep " " cfg.servers}
      ${cfg.extraConfig}
    '';

    users.users.systemd-timesync = {
      uid = 154;
      group = "systemd-timesync";
      description = "systemd-timesyncd service user";
    };
    users.groups.systemd-timesync.gid = 154;
  };
}
