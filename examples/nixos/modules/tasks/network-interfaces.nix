# Host name and the network time servers.
{ config, lib, ... }:

let
  inherit (lib) mkOption types;
  cfg = config.networking;
in
{
  options.networking = {
    hostName = mkOption {
      # Only allow hostnames without the domain name part (i.e. no FQDNs, see
      # e.g. "man 5 hostname") and require valid DNS labels (recommended
      # syntax). Note: We also allow underscores for compatibility/legacy
      # reasons (as undocumented feature):
      type = types.strMatching "^$|^[[:alnum:]]([[:alnum:]_-]{0,61}[[:alnum:]])?$";
      default = "nixos";
      description = ''
        The name of the machine. Leave it empty if you want to obtain it
        from a DHCP server (if using DHCP). The hostname must be a valid
        DNS label (see RFC 1035 section 2.3.1: "Preferred name syntax",
        RFC 1123 section 2.1: "Host Names and Numbers") and as such must
        not contain the domain part.
      '';
    };

    domain = mkOption {
      type = with types; nullOr str;
      default = null;
      example = "home.arpa";
      description = "The domain. It can be left empty if it is auto-detected through DHCP.";
    };

    fqdn = mkOption {
      type = types.str;
      readOnly = true;
      default =
        if cfg.domain != null then "${cfg.hostName}.${cfg.domain}" else cfg.hostName;
      defaultText = lib.literalExpression ''"''${networking.hostName}.''${networking.domain}"'';
      description = "The fully qualified domain name (FQDN) of this host.";
    };

    timeServers = mkOption {
      type = types.listOf types.str;
      default = [
        "0.nixos.pool.ntp.org"
        "1.nixos.pool.ntp.org"
        "2.nixos.pool.ntp.org"
        "3.nixos.pool.ntp.org"
      ];
      description = "The set of NTP servers from which to synchronise.";
    };
  };

  config = {
    environment.etc.hostname = lib.mkIf (cfg.hostName != "") {
      text = cfg.hostName + "\n";
    };

    environment.etc.hosts.text = ''
      127.0.0.1 localhost
      ::1 localhost
      127.0.0.2 ${cfg.fqdn} ${cfg.hostName}
    '';
  };
}
