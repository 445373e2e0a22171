# Settings shared by the boot loaders.
{ lib, ... }:

{
  options.boot.loader.timeout = lib.mkOption {
    type = with lib.types; nullOr int;
    default = 5;
    example = null;
    description = ''
      Timeout (in seconds) until loader boots the default menu item. Use null if the loader menu should be displayed indefinitely.
    '';
  };
}
