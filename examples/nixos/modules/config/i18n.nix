# The system locale.
{ config, lib, ... }:

let
  inherit (lib) mkOption types;
  cfg = config.i18n;
in
{
  options.i18n = {
    defaultLocale = mkOption {
      type = types.str;
      default = "en_US.UTF-8";
      example = "nl_NL.UTF-8";
      description = ''
        The default locale. It determines the language for program
        messages, the format for dates and times, sort order, and so on.
        It also determines the character set, such as UTF-8.
      '';
    };

    extraLocaleSettings = mkOption {
      type = types.attrsOf types.str;
      default = { };
      example = {
        LC_MESSAGES = "en_US.UTF-8";
        LC_TIME = "de_DE.UTF-8";
      };
      description = ''
        A set of additional system-wide locale settings other than
        `LANG`, which can be configured with {option}`i18n.defaultLocale`.
      '';
    };

    supportedLocales = mkOption {
      type = types.listOf types.str;
      default = lib.unique [
        "C.UTF-8/UTF-8"
        "en_US.UTF-8/UTF-8"
        "${cfg.defaultLocale}/UTF-8"
      ];
      defaultText = lib.literalExpression ''[ "C.UTF-8/UTF-8" "en_US.UTF-8/UTF-8" "''${config.i18n.defaultLocale}/UTF-8" ]'';
      example = [
        "en_US.UTF-8/UTF-8"
        "nl_NL.UTF-8/UTF-8"
      ];
      description = ''
        List of locales that the system should support, in the
        format `locale/charset`.
      '';
    };
  };

  config = {
    environment.variables = {
      LANG = cfg.defaultLocale;
    } // cfg.extraLocaleSettings;

    environment.etc."locale.conf".text = lib.concatStrings (
      lib.mapAttrsToList (n: v: "${n}=${v}\n") ({ LANG = cfg.defaultLocale; } // cfg.extraLocaleSettings)
    );
  };
}
