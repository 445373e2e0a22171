# A port given by its service name where the option takes numbers.
{
  imports = [ ./server.nix ];
  networking.firewall.allowedTCPPorts = [ "https" ];
}
