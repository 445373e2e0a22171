# A misspelt service name.
{
  imports = [ ./server.nix ];
  services.opensshd.enable = true;
}
