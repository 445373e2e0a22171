# A user's home: a shell, git, a prompt, some files and packages.
{ pkgs, ... }:
{
  imports = [ ./base.nix ];

  home.packages = [
    pkgs.ripgrep
    pkgs.jq
  ];
  home.sessionVariables = {
    EDITOR = "vim";
    PAGER = "less -R";
  };
  home.file.".inputrc".text = ''
    set completion-ignore-case on
  '';
  home.file."bin/hello" = {
    text = "#!/bin/sh\necho hello\n";
    executable = true;
  };
  xdg.configFile."app/settings.json".text = builtins.toJSON { theme = "dark"; size = 12; };

  programs.bash = {
    enable = true;
    shellAliases = {
      ll = "ls -l";
      gs = "git status";
    };
    historySize = 5000;
    initExtra = ''
      set -o vi
    '';
  };
  # The option names of home-manager 25.05: newer releases rename them (to
  # programs.git.settings), so the same file exercises their aliases.
  programs.git = {
    enable = true;
    userName = "Alice Example";
    userEmail = "alice@example.org";
    aliases.co = "checkout";
    extraConfig.init.defaultBranch = "main";
    ignores = [
      "*.swp"
      ".direnv/"
    ];
  };
  programs.starship = {
    enable = true;
    settings = {
      add_newline = false;
      character.success_symbol = "[>](bold green)";
    };
  };
}
