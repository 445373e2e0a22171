# A word where the Dock's icon size takes a number.
{
  imports = [ ./base.nix ];
  system.defaults.dock.tilesize = "big";
}
