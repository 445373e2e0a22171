# <nix/fetchurl.nix> for nixeval: a fixed-output derivation that Nix's builtin
# fetcher would build. Evaluating it fetches nothing; building needs real Nix.
{
  url,
  name ? baseNameOf (toString url),
  hash ? "",
  sha1 ? "",
  sha256 ? "",
  sha512 ? "",
  executable ? false,
  unpack ? false,
  impure ? false,
  system ? "builtin",
}:
let
  chosen =
    if hash != "" then { outputHash = hash; outputHashAlgo = ""; }
    else if sha512 != "" then { outputHash = sha512; outputHashAlgo = "sha512"; }
    else if sha1 != "" then { outputHash = sha1; outputHashAlgo = "sha1"; }
    else { outputHash = sha256; outputHashAlgo = "sha256"; };
in
derivation (
  {
    inherit name url executable unpack;
    system = "builtin";
    builder = "builtin:fetchurl";
    urls = [ url ];
    outputHashMode = if unpack || executable then "recursive" else "flat";
    preferLocalBuild = true;
    impureEnvVars = [ "http_proxy" "https_proxy" "ftp_proxy" "all_proxy" "no_proxy" ];
  }
  // (if impure then { __impure = true; } else chosen)
)
