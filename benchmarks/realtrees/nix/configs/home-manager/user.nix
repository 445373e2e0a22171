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

  # More of a daily setup: each module's own file generation and shell hooks.
  programs.zsh = {
    enable = true;
    autocd = true;
    history.size = 10000;
    shellAliases.g = "git";
  };
  programs.fish.enable = true;
  programs.tmux = {
    enable = true;
    keyMode = "vi";
    terminal = "screen-256color";
    extraConfig = "set -g mouse on";
  };
  programs.direnv.enable = true;
  programs.fzf.enable = true;
  programs.zoxide.enable = true;
  programs.bat = {
    enable = true;
    config.theme = "TwoDark";
  };
  programs.htop = {
    enable = true;
    settings.show_program_path = false;
  };
  programs.ssh = {
    enable = true;
    matchBlocks."example" = {
      hostname = "example.org";
      user = "alice";
      port = 2222;
    };
  };
  programs.gpg.enable = true;
  programs.readline = {
    enable = true;
    variables.editing-mode = "vi";
  };
  programs.kitty = {
    enable = true;
    settings.font_size = 11;
  };
  programs.alacritty = {
    enable = true;
    settings.window.opacity = 0.9;
  };
  programs.helix = {
    enable = true;
    settings.theme = "onedark";
  };
  programs.lazygit.enable = true;
  programs.jq.enable = true;
  services.gpg-agent = {
    enable = true;
    defaultCacheTtl = 1800;
  };
  services.syncthing.enable = true;
}
