# Run the configuration as a QEMU virtual machine (`nix-build '<nixpkgs/nixos>'
# -A vm`, `nixos-rebuild build-vm`).  default.nix evaluates the configuration a
# second time with this module added; system.build.vm is the result.
#
# In this example tree the VM is a stand-in: `result/bin/run-<name>-vm` says
# so and prints the QEMU command line a real NixOS VM would run.
{
  config,
  lib,
  pkgs,
  ...
}:

let
  inherit (lib)
    mkIf
    mkOption
    mkVMOverride
    types
    ;

  cfg = config.virtualisation;

  qemuBinary = "qemu-system-" + lib.head (lib.splitString "-" pkgs.stdenv.hostPlatform.system);

  forwardingOptions = lib.concatMapStringsSep "," (
    {
      proto,
      from,
      host,
      guest,
    }:
    if from == "host" then
      "hostfwd=${proto}:${host.address}:${toString host.port}-${guest.address}:${toString guest.port}"
    else
      "'guestfwd=${proto}:${guest.address}:${toString guest.port}-cmd:nc ${host.address} ${toString host.port}'"
  ) cfg.forwardPorts;

  kernelParams = lib.concatStringsSep " " (config.boot.kernelParams ++ [ "init=${config.system.build.toplevel}/init" ]);

  startVM = ''
    #!/bin/sh
    # run-${config.system.name}-vm: made by nixeval's example NixOS tree
    # (examples/nixos/modules/virtualisation/qemu-vm.nix).
    echo "This is nixeval's example VM for \"${config.system.name}\" (NixOS ${config.system.nixos.label})."
    echo "The example tree has no kernel or disk image, so it does not start QEMU."
    echo "A real NixOS VM script would now run:"
    echo
    echo "  ${qemuBinary} -name ${config.system.name} \\"
    echo "    -m ${toString cfg.memorySize} -smp ${toString cfg.cores} \\"
    echo "    -net nic,netdev=user.0,model=virtio \\"
    echo "    -netdev user,id=user.0${lib.optionalString (forwardingOptions != "") ",${forwardingOptions}"}''${QEMU_NET_OPTS:+,$QEMU_NET_OPTS} \\"
    ${lib.optionalString (cfg.diskImage != null) ''
      echo "    -drive cache=writeback,file=${cfg.diskImage},id=drive1,if=none,index=1,werror=report -device virtio-blk-pci,drive=drive1 \\"
    ''}
    ${lib.optionalString (!cfg.graphics) ''
      echo "    -nographic \\"
    ''}
    ${lib.concatMapStrings (o: ''
      echo "    ${o} \\"
    '') cfg.qemu.options}
    echo "    -kernel ${config.system.build.toplevel}/kernel \\"
    echo "    -append \"${kernelParams}''${QEMU_KERNEL_PARAMS:+ $QEMU_KERNEL_PARAMS}\""
    echo
    echo "System: ${config.system.build.toplevel}"
    ${lib.optionalString (cfg.diskImage != null) ''
      echo "Disk image: ${cfg.diskImage}${lib.optionalString (cfg.diskSize != null) " (${toString cfg.diskSize} MiB)"}, created on first run"
    ''}
    exit 0
  '';
in
{
  options.virtualisation = {
    memorySize = mkOption {
      type = types.ints.positive;
      default = 1024;
      description = ''
        The memory size in megabytes of the virtual machine.
      '';
    };

    cores = mkOption {
      type = types.ints.positive;
      default = 1;
      description = ''
        Specify the number of cores the guest is permitted to use.
        The number can be higher than the available cores on the
        host system.
      '';
    };

    diskSize = mkOption {
      type = with types; nullOr ints.positive;
      default = 1024;
      description = ''
        The disk size in megabytes of the virtual machine.
      '';
    };

    diskImage = mkOption {
      type = with types; nullOr str;
      default = "./${config.system.name}.qcow2";
      defaultText = lib.literalExpression ''"./''${config.system.name}.qcow2"'';
      description = ''
        Path to the disk image containing the root filesystem.
        The image will be created on startup if it does not
        exist. If null, the root filesystem is a tmpfs.
      '';
    };

    graphics = mkOption {
      type = types.bool;
      default = true;
      description = ''
        Whether to run QEMU with a graphics window, or in nographic mode.
        Serial console will be enabled on both settings, but this will
        change the preferred console.
      '';
    };

    forwardPorts = mkOption {
      type = types.listOf (
        types.submodule {
          options = {
            from = mkOption {
              type = types.enum [
                "host"
                "guest"
              ];
              default = "host";
              description = ''
                Controls the direction in which the ports are mapped:

                - `"host"` means traffic from the host ports
                  is forwarded to the given guest port.
                - `"guest"` means traffic from the guest ports
                  is forwarded to the given host port.
              '';
            };
            proto = mkOption {
              type = types.enum [
                "tcp"
                "udp"
              ];
              default = "tcp";
              description = "The protocol to forward.";
            };
            host.address = mkOption {
              type = types.str;
              default = "";
              description = "The IPv4 address of the host.";
            };
            host.port = mkOption {
              type = types.port;
              description = "The host port to be mapped.";
            };
            guest.address = mkOption {
              type = types.str;
              default = "";
              description = "The IPv4 address on the guest VLAN.";
            };
            guest.port = mkOption {
              type = types.port;
              description = "The guest port to be mapped.";
            };
          };
        }
      );
      default = [ ];
      example = lib.literalExpression ''
        [ # forward local port 2222 -> 22, to ssh into the VM
          { from = "host"; host.port = 2222; guest.port = 22; }
        ]
      '';
      description = ''
        When using the SLiRP user networking (default), this option allows to
        forward ports to/from the host/guest.
      '';
    };

    qemu.options = mkOption {
      type = types.listOf types.str;
      default = [ ];
      example = [ "-vga std" ];
      description = "Options passed to QEMU.";
    };
  };

  config = {
    assertions = lib.imap1 (i: rule: {
      assertion = rule.from == "guest" -> rule.guest.address != "";
      message = ''
        Invalid virtualisation.forwardPorts.<entry ${toString i}>.guest.address:
          The address must be set when forwarding from the guest.
      '';
    }) cfg.forwardPorts;

    # Don't run ntpd in the guest.  It should get the correct time from KVM.
    services.timesyncd.enable = false;

    boot.loader.grub.device = mkVMOverride "/dev/vda";

    boot.kernelParams = [ "console=ttyS0,115200n8" ] ++ lib.optional cfg.graphics "console=tty0";

    # Convenience of this example tree (the real qemu-vm.nix has no such
    # default): reach the guest's sshd on localhost:2222.
    virtualisation.forwardPorts = mkIf config.services.openssh.enable (
      lib.mkDefault [
        {
          from = "host";
          host.port = 2222;
          guest.port = lib.head config.services.openssh.ports;
        }
      ]
    );

    system.build.vm = pkgs.runCommand "nixos-vm" {
      preferLocalBuild = true;
      meta.mainProgram = "run-${config.system.name}-vm";
      startVM = startVM;
      passAsFile = [ "startVM" ];
    } ''
      /bin/mkdir -p "$out/bin"
      /bin/ln -s ${config.system.build.toplevel} "$out/system"
      /bin/cp "$startVMPath" "$out/bin/run-${config.system.name}-vm"
      /bin/chmod +x "$out/bin/run-${config.system.name}-vm"
    '';
  };
}
