# A misspelt option name.
{
  imports = [ ./base.nix ];
  programs.bash.enable = true;
  programs.bash.historySise = 5000;
}
