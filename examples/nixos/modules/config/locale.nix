# Time zone and hardware clock.
{
  config,
  lib,
  pkgs,
  ...
}:

let
  inherit (lib) mkOption types;
  tz = config.time.timeZone;
in
{
  options.time = {
    timeZone = mkOption {
      type = types.nullOr (types.addCheck types.str (str: !(lib.hasInfix " " str)));
      default = null;
      example = "America/New_York";
      description = ''
        The time zone used when displaying times and dates, as a name
        from the tz database (see `timedatectl list-timezones`). If
        null, the time zone can be changed at run time and is UTC
        until then. Time zone names never contain spaces.
      '';
    };

    hardwareClockInLocalTime = mkOption {
      type = types.bool;
      default = false;
      description = "If set, keep the hardware clock in local time instead of UTC.";
    };
  };

  config = {
    environment.variables.TZDIR = "/etc/zoneinfo";

    environment.etc = lib.mkMerge [
      { zoneinfo.source = "${pkgs.tzdata}/share/zoneinfo"; }
      (lib.mkIf (tz != null) {
        localtime.source = "/etc/zoneinfo/${tz}";
      })
      (lib.mkIf config.time.hardwareClockInLocalTime {
        adjtime.text = ''
          0.0 0 0
          0
          LOCAL
        '';
      })
    ];
  };
}
