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
  programs.git = {
    enable = true;
    settings = {
      user.name = "Alice Example";
      user.email = "alice@example.org";
      init.defaultBranch = "main";
      alias.co = "checkout";
    };
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
