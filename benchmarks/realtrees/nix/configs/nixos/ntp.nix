# The server on 16.09, its clock synchronised by ntpd with a plain definition:
# the VM variant (qemu-vm.nix sets it false there) conflicts.
{
  imports = [ ./server.nix ];
  services.ntp.enable = true;
}
