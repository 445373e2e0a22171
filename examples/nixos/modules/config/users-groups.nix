# User accounts and groups.
{
  config,
  lib,
  pkgs,
  ...
}:

let
  inherit (lib)
    literalExpression
    mkDefault
    mkIf
    mkOption
    types
    ;

  cfg = config.users;

  userOpts =
    { name, config, ... }:
    {
      options = {
        name = mkOption {
          type = types.str;
          apply =
            x:
            assert (
              lib.stringLength x < 32 || abort "Username '${x}' is longer than 31 characters which is not allowed!"
            );
            x;
          description = ''
            The name of the user account. If undefined, the name of the
            attribute set will be used.
          '';
        };

        description = mkOption {
          type = types.str;
          default = "";
          example = "Alice Q. User";
          description = ''
            A short description of the user account, typically the
            user's full name (the GECOS field of /etc/passwd).
          '';
        };

        uid = mkOption {
          type = with types; nullOr int;
          default = null;
          description = ''
            The account UID. If the UID is null, a free UID is picked on
            activation.
          '';
        };

        isSystemUser = mkOption {
          type = types.bool;
          default = false;
          description = ''
            Indicates if the user is a system user or not. This option
            only has an effect if {option}`uid` is null; a UID is then
            picked from the system range.
          '';
        };

        isNormalUser = mkOption {
          type = types.bool;
          default = false;
          description = ''
            Indicates whether this is an account for a "real" user.
            This automatically sets {option}`group` to `users`,
            {option}`createHome` to `true`, {option}`home` to
            {file}`/home/«username»` and {option}`isSystemUser` to `false`.
            Exactly one of `isNormalUser` and `isSystemUser` must be true.
          '';
        };

        group = mkOption {
          type = types.str;
          default = "";
          description = "The user's primary group.";
        };

        extraGroups = mkOption {
          type = types.listOf types.str;
          default = [ ];
          example = [
            "wheel"
            "networkmanager"
          ];
          description = "The user's auxiliary groups.";
        };

        home = mkOption {
          type = types.path;
          default = "/var/empty";
          description = "The user's home directory.";
        };

        createHome = mkOption {
          type = types.bool;
          default = false;
          description = ''
            Whether to create the home directory and ensure ownership as
            well as permissions to match the user.
          '';
        };

        shell = mkOption {
          type = with types; nullOr (either package path);
          default = null;
          example = literalExpression "pkgs.bash";
          description = "The path to the user's shell, or a package providing it.";
        };

        hashedPassword = mkOption {
          type = with types; nullOr str;
          default = null;
          description = ''
            The hashed password of the user (as produced by
            `mkpasswd`). Null means the account has no password.
          '';
        };
      };

      config = lib.mkMerge [
        { name = mkDefault name; }
        (mkIf config.isNormalUser {
          group = mkDefault "users";
          createHome = mkDefault true;
          home = mkDefault "/home/${config.name}";
          shell = mkDefault pkgs.bash;
          isSystemUser = mkDefault false;
        })
      ];
    };

  groupOpts =
    { name, ... }:
    {
      options = {
        name = mkOption {
          type = types.str;
          default = name;
          defaultText = literalExpression "<name>";
          description = ''
            The name of the group. If undefined, the name of the attribute
            set will be used.
          '';
        };

        gid = mkOption {
          type = with types; nullOr int;
          default = null;
          description = ''
            The group GID. If the GID is null, a free GID is picked on
            activation.
          '';
        };

        members = mkOption {
          type = types.listOf types.str;
          default = [ ];
          description = "The user names of the group members, added to the `/etc/group` file.";
        };
      };
    };

  # What the activation script of a real system would apply.
  spec = pkgs.writeText "users-groups.json" (
    builtins.toJSON {
      inherit (cfg) mutableUsers;
      users = lib.mapAttrsToList (_: u: {
        inherit (u)
          name
          uid
          group
          description
          home
          createHome
          isSystemUser
          hashedPassword
          ;
        shell = if u.shell == null then null else toString u.shell;
      }) cfg.users;
      groups = lib.mapAttrsToList (_: g: {
        inherit (g) name gid;
        members =
          g.members
          ++ lib.mapAttrsToList (_: u: u.name) (
            lib.filterAttrs (_: u: lib.elem g.name u.extraGroups) cfg.users
          );
      }) cfg.groups;
    }
  );
in
{
  options.users = {
    mutableUsers = mkOption {
      type = types.bool;
      default = true;
      description = ''
        If set to `true`, you are free to add new users and groups to
        the system with the ordinary `useradd` and `groupadd` commands.
        If set to `false`, the contents of the user and group files
        will simply be replaced on system activation.
      '';
    };

    users = mkOption {
      type = with types; attrsOf (submodule userOpts);
      default = { };
      example = {
        alice = {
          uid = 1234;
          description = "Alice Q. User";
          home = "/home/alice";
          createHome = true;
          group = "users";
          extraGroups = [ "wheel" ];
        };
      };
      description = "Additional user accounts to be created automatically by the system.";
    };

    groups = mkOption {
      type = with types; attrsOf (submodule groupOpts);
      default = { };
      example = {
        students.gid = 1001;
        hackers = { };
      };
      description = "Additional groups to be created automatically by the system.";
    };
  };

  config = {
    users.users.root = {
      uid = 0;
      description = "System administrator";
      home = "/root";
      group = "root";
    };

    users.groups = {
      root.gid = 0;
      wheel.gid = 1;
      users.gid = 100;
      nogroup.gid = 65534;
    };

    system.extraSystemBuilderCmds = ''
      /bin/ln -s ${spec} "$out/users-groups.json"
    '';

    assertions = lib.flatten (
      lib.mapAttrsToList (
        _: user:
        let
          isEffectivelySystemUser = user.isSystemUser || (user.uid != null && user.uid < 1000);
        in
        [
          {
            assertion = isEffectivelySystemUser != user.isNormalUser;
            message = ''
              Exactly one of users.users.${user.name}.isSystemUser and users.users.${user.name}.isNormalUser must be set.
            '';
          }
          {
            assertion = user.group != "";
            message = ''
              users.users.${user.name}.group is unset. Create a group for the user, for example:
              users.users.${user.name}.group = "${user.name}";
              users.groups.${user.name} = {};
            '';
          }
          {
            assertion = user.group == "" || lib.any (g: g.name == user.group) (lib.attrValues cfg.groups);
            message = "users.users.${user.name}.group is \"${user.group}\", but there is no such group in users.groups.";
          }
          {
            assertion = user.hashedPassword != null -> builtins.match ".*:.*" user.hashedPassword == null;
            message = ''
              The password hash of user "${user.name}" contains a ":" character.
              This is invalid and would break the login system because the fields
              of /etc/shadow (file where hashes are stored) are colon-separated.
            '';
          }
        ]
      ) cfg.users
    );
  };
}
