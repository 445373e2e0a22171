# A simple stateful packet filter: everything incoming is refused except
# the listed ports (and ping).
{
  config,
  lib,
  pkgs,
  ...
}:

let
  inherit (lib) mkIf mkOption types;
  cfg = config.networking.firewall;

  canonicalizePortList = ports: lib.unique (builtins.sort builtins.lessThan ports);

  iptables = "${pkgs.iptables}/bin/iptables";

  startScript = pkgs.writeShellScript "firewall-start" ''
    ${iptables} -F nixos-fw
    ${iptables} -A nixos-fw -i lo -j nixos-fw-accept
    ${iptables} -A nixos-fw -m conntrack --ctstate ESTABLISHED,RELATED -j nixos-fw-accept
    ${lib.concatMapStrings (port: ''
      ${iptables} -A nixos-fw -p tcp --dport ${toString port} -j nixos-fw-accept
    '') cfg.allowedTCPPorts}
    ${lib.concatMapStrings (port: ''
      ${iptables} -A nixos-fw -p udp --dport ${toString port} -j nixos-fw-accept
    '') cfg.allowedUDPPorts}
    ${lib.optionalString cfg.allowPing ''
      ${iptables} -A nixos-fw -p icmp --icmp-type echo-request -j nixos-fw-accept
    ''}
    ${iptables} -A nixos-fw -j ${if cfg.rejectPackets then "nixos-fw-refuse-reject" else "nixos-fw-refuse"}
  '';
in
{
  options.networking.firewall = {
    enable = mkOption {
      type = types.bool;
      default = true;
      description = ''
        Whether to enable the firewall. This is a simple stateful
        firewall that blocks connection attempts to unauthorised TCP
        or UDP ports on this machine.
      '';
    };

    allowedTCPPorts = mkOption {
      type = types.listOf types.port;
      default = [ ];
      apply = canonicalizePortList;
      example = [
        22
        80
      ];
      description = "List of TCP ports on which incoming connections are accepted.";
    };

    allowedUDPPorts = mkOption {
      type = types.listOf types.port;
      default = [ ];
      apply = canonicalizePortList;
      example = [ 53 ];
      description = "List of open UDP ports.";
    };

    allowPing = mkOption {
      type = types.bool;
      default = true;
      description = ''
        Whether to respond to incoming ICMPv4 echo requests
        ("pings").
      '';
    };

    rejectPackets = mkOption {
      type = types.bool;
      default = false;
      description = ''
        If set, refused packets are rejected rather than dropped
        (ignored). This means that an ICMP "port unreachable" error
        message is sent back to the client (or a TCP RST packet in
        case of an existing connection).
      '';
    };
  };

  config = mkIf cfg.enable {
    environment.systemPackages = [ pkgs.iptables ];

    environment.etc."systemd/system/firewall.service".text = ''
      [Unit]
      Description=Firewall
      Before=network-pre.target

      [Service]
      Type=oneshot
      RemainAfterExit=true
      ExecStart=${startScript}

      [Install]
      WantedBy=sysinit.target
    '';
  };
}
