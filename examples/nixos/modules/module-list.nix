# The modules every configuration of this tree is evaluated with.
# (virtualisation/qemu-vm.nix is not here: default.nix adds it for `-A vm`.)
[
  ./config/i18n.nix
  ./config/locale.nix
  ./config/shells-environment.nix
  ./config/system-path.nix
  ./config/users-groups.nix
  ./misc/assertions.nix
  ./misc/nixpkgs.nix
  ./misc/rename.nix
  ./misc/version.nix
  ./services/networking/firewall.nix
  ./services/networking/ssh/sshd.nix
  ./services/networking/timesyncd.nix
  ./system/activation/activation-script.nix
  ./system/activation/top-level.nix
  ./system/boot/kernel.nix
  ./system/boot/loader/grub/grub.nix
  ./system/boot/loader/loader.nix
  ./system/boot/loader/systemd-boot/systemd-boot.nix
  ./system/etc/etc.nix
  ./tasks/network-interfaces.nix
]
