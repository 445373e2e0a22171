# The ntpd server with the definition the VM variant can override.
{ lib, ... }:
{
  imports = [ ./server.nix ];
  services.ntp.enable = lib.mkDefault true;
}
