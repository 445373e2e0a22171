# Two definitions of the host name at the same priority.
{
  imports = [ ./base.nix ];
  networking.hostName = "mac2";
}
