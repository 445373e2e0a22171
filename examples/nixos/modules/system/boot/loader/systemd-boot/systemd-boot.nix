# The systemd-boot EFI boot manager.
{
  config,
  lib,
  pkgs,
  ...
}:

let
  inherit (lib) mkDefault mkIf mkOption types;
  cfg = config.boot.loader.systemd-boot;
in
{
  options.boot.loader.systemd-boot = {
    enable = mkOption {
      type = types.bool;
      default = false;
      description = ''
        Whether to enable the systemd-boot (formerly gummiboot) EFI
        boot manager. For more information about systemd-boot, see
        <https://www.freedesktop.org/wiki/Software/systemd/systemd-boot/>.
      '';
    };

    editor = mkOption {
      type = types.bool;
      default = true;
      description = ''
        Whether to allow editing the kernel command-line before boot.
        It is recommended to set this to false, as it allows gaining
        root access by passing init=/bin/sh as a kernel parameter.
      '';
    };

    configurationLimit = mkOption {
      type = with types; nullOr ints.positive;
      default = null;
      example = 120;
      description = ''
        Maximum number of latest generations in the boot menu. Null
        means no limit.
      '';
    };
  };

  config = mkIf cfg.enable {
    boot.loader.grub.enable = mkDefault false;

    system.build.installBootLoader = pkgs.writeShellScript "install-systemd-boot.sh" ''
      echo "nixeval example: would run bootctl install (editor ${if cfg.editor then "on" else "off"})"
    '';

    assertions = [
      {
        assertion = !config.boot.loader.grub.enable;
        message = "Only one boot loader can be enabled: boot.loader.systemd-boot.enable and boot.loader.grub.enable are both true.";
      }
    ];

    warnings = lib.optional cfg.editor "boot.loader.systemd-boot.editor is true: anyone at the console can edit the kernel command line (e.g. init=/bin/sh) and get a root shell. Set it to false.";
  };
}
