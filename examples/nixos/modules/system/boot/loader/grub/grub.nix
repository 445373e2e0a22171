# The GRUB boot loader (BIOS), reduced to choosing the disks it goes on.
{
  config,
  lib,
  pkgs,
  ...
}:

let
  inherit (lib) literalExpression mkIf mkOption types;
  cfg = config.boot.loader.grub;
in
{
  options.boot.loader.grub = {
    enable = mkOption {
      type = types.bool;
      default = !config.boot.isContainer;
      defaultText = literalExpression "!config.boot.isContainer";
      description = ''
        Whether to enable the GNU GRUB boot loader.
      '';
    };

    device = mkOption {
      type = types.str;
      default = "";
      example = "/dev/disk/by-id/wwn-0x500001234567890a";
      description = ''
        The device on which the GRUB boot loader will be installed.
        The special value `nodev` means that a GRUB boot menu will be
        generated, but GRUB itself will not actually be installed.
        To install GRUB on multiple devices, use
        {option}`boot.loader.grub.devices`.
      '';
    };

    devices = mkOption {
      type = types.listOf types.str;
      default = [ ];
      example = [ "/dev/disk/by-id/wwn-0x500001234567890a" ];
      description = ''
        The devices on which the boot loader, GRUB, will be
        installed. Can be used instead of {option}`device` to
        install GRUB onto multiple devices.
      '';
    };

    configurationLimit = mkOption {
      type = types.int;
      default = 100;
      example = 120;
      description = ''
        Maximum of configurations in boot menu. GRUB has problems when
        there are too many entries.
      '';
    };
  };

  config = mkIf cfg.enable {
    boot.loader.grub.devices = lib.optional (cfg.device != "") cfg.device;

    system.build.installBootLoader = pkgs.writeShellScript "install-grub.sh" ''
      echo "nixeval example: would install GRUB on ${lib.concatStringsSep " " cfg.devices} (menu of at most ${toString cfg.configurationLimit} entries, timeout ${
        if config.boot.loader.timeout == null then "none" else toString config.boot.loader.timeout
      })"
    '';

    assertions = [
      {
        assertion = cfg.devices != [ ];
        message = "You must set the option ‘boot.loader.grub.device’ or ‘boot.loader.grub.devices’ to make the system bootable.";
      }
      {
        assertion = lib.unique cfg.devices == cfg.devices;
        message = "boot.loader.grub.devices lists a device more than once: ${lib.concatStringsSep ", " cfg.devices}";
      }
    ];
  };
}
