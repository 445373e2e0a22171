# Options that were renamed or removed.  Setting an old name still works
# (with a warning) or fails with instructions (removed options).
{ lib, ... }:

let
  inherit (lib) mkRemovedOptionModule mkRenamedOptionModule;
in
{
  imports = [
    (mkRenamedOptionModule [ "services" "sshd" "enable" ] [ "services" "openssh" "enable" ])
    (mkRenamedOptionModule
      [ "services" "openssh" "permitRootLogin" ]
      [ "services" "openssh" "settings" "PermitRootLogin" ]
    )
    (mkRenamedOptionModule
      [ "services" "openssh" "passwordAuthentication" ]
      [ "services" "openssh" "settings" "PasswordAuthentication" ]
    )

    (mkRemovedOptionModule [ "services" "ntp" "servers" ] ''
      This module tree has no ntpd; systemd-timesyncd keeps the clock in sync.
      Set networking.timeServers (or services.timesyncd.servers) instead.
    '')
  ];
}
