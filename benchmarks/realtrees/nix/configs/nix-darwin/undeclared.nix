# A misspelt Dock setting.
{
  imports = [ ./base.nix ];
  system.defaults.dock.autohid = true;
}
