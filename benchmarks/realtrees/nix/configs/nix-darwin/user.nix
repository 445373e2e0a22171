# A workstation: macOS defaults, a few services, packages and variables.
{ pkgs, ... }:
{
  imports = [ ./base.nix ];

  system.defaults = {
    dock = {
      autohide = true;
      orientation = "left";
      tilesize = 48;
      show-recents = false;
      expose-group-apps = true;
    };
    finder = {
      AppleShowAllExtensions = true;
      FXPreferredViewStyle = "Nlsv";
    };
    NSGlobalDomain = {
      InitialKeyRepeat = 15;
      KeyRepeat = 2;
      "com.apple.swipescrolldirection" = false;
    };
    trackpad.Clicking = true;
  };
  environment.systemPackages = [
    pkgs.git
    pkgs.ripgrep
  ];
  environment.variables = {
    EDITOR = "vim";
  };
  programs.zsh.enable = true;
  services.openssh.enable = true;
  services.tailscale.enable = true;
  services.yabai = {
    enable = true;
    config = {
      layout = "bsp";
      window_gap = 8;
    };
  };
  launchd.user.agents.hello = {
    command = "/bin/echo hello";
    serviceConfig.RunAtLoad = true;
  };
  users.users.alice = {
    home = "/Users/alice";
    uid = 501;
    description = "Alice";
  };
  nix.settings = {
    experimental-features = [
      "nix-command"
      "flakes"
    ];
    trusted-users = [ "alice" ];
  };
  homebrew = {
    enable = true;
    brews = [ "mas" ];
    casks = [ "firefox" ];
    onActivation.cleanup = "zap";
  };
  services.skhd = {
    enable = true;
    skhdConfig = "alt - return : open -na kitty";
  };
  security.pam.services.sudo_local.touchIdAuth = true;
  networking.knownNetworkServices = [ "Wi-Fi" ];
  networking.dns = [ "9.9.9.9" ];
  fonts.packages = [ pkgs.fira-code ];
  programs.bash.enable = true;
}
