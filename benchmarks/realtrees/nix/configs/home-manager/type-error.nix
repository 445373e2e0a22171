# A string where the option takes an integer.
{
  imports = [ ./base.nix ];
  programs.bash.enable = true;
  programs.bash.historySize = "lots";
}
