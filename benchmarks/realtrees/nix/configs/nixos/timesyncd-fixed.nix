# The timesyncd server with the definition the VM variant can override.
{ lib, ... }:
{
  imports = [ ./server.nix ];
  services.timesyncd.enable = lib.mkDefault true;
}
