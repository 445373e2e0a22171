# Two definitions of a single-valued option at the same priority.
{
  imports = [ ./base.nix ];
  home.username = "bob";
}
