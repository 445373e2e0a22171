# The least a flake-parts flake needs: the systems it is built for.
{
  systems = [
    "x86_64-linux"
    "aarch64-darwin"
  ];
}
