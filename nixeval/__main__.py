from nixeval.cli.main import entry

entry()
