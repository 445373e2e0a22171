# `import ./from-env.nix "NAME" default`: the value of the environment
# variable NAME, or `default` when it is unset or empty.
name: default:
let
  value = builtins.getEnv name;
in
if value == "" then default else value
