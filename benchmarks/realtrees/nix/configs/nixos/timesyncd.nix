# The server on 17.03 and later, its clock synchronised by timesyncd with a
# plain definition: the VM variant (qemu-vm.nix sets it false) conflicts.
{
  imports = [ ./server.nix ];
  services.timesyncd.enable = true;
}
